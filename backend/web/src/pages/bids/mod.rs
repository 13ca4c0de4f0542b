//! Bid pages: the bid form on the scenario page (with PDF uploads), the bid page with its
//! versions and receipts, revise, attach and remove files, withdraw with confirmation, the
//! vendor's "my bids", and the owner's list once the bids are opened.

mod form;
mod lists;
mod page;

pub use form::*;
pub use lists::*;
pub use page::*;

use super::{
    CheckedForm, FormData, FormErrors, PageCtx, actor, csrf_failure, error_page, render, see_other,
};
