//! Evaluation pages: the evaluator's workspace, declaration and score sheets; the owner's
//! panel and ranking (with the award form); award notices; a vendor's own result; delivery
//! and rating; the vendor profile with its reputation.

mod delivery;
mod evaluator;
mod notices;
mod owner;

pub use delivery::*;
pub use evaluator::*;
pub use notices::*;
pub use owner::*;

use domain::Error;

use super::{
    CheckedForm, FormErrors, PageCtx, actor, current_account, error_page, render, see_other,
};

fn message_of(e: &Error) -> Option<domain::message::Message> {
    match e {
        Error::Validation(v) => {
            let zh: Vec<&str> = v.iter().map(|f| f.message.zh.as_ref()).collect();
            let en: Vec<&str> = v.iter().map(|f| f.message.en.as_ref()).collect();
            Some(domain::message::Message::new(zh.join("；"), en.join("; ")))
        }
        Error::Conflict { .. } | Error::IllegalTransition { .. } => {
            Some(crate::error::public_message(e))
        }
        _ => None,
    }
}
