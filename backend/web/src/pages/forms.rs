//! Form plumbing of the pages: posted fields (repeated keys kept), the CSRF-checking extractor,
//! field errors next to their fields, and the pager of lists.

use crate::i18n::Tr;
use crate::session::{self};
use actix_web::{HttpRequest, web};
use domain::FieldError;
use std::collections::HashMap;

use super::*;

/// Field errors of a form, in the page's language.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(HashMap<String, String>);

impl FormErrors {
    pub fn from_fields(errors: &[FieldError], t: &Tr) -> Self {
        let mut m = HashMap::new();
        for e in errors {
            m.entry(e.field.clone())
                .or_insert_with(|| t.msg(&e.message));
        }
        FormErrors(m)
    }

    /// Field errors of a form whose checkbox group `group` reports errors by place
    /// (`group[2]`): the first of them also stands beside the group.
    pub fn with_group(errors: &[FieldError], t: &Tr, group: &str) -> Self {
        let mut out = FormErrors::from_fields(errors, t);
        let by_place = format!("{group}[");
        if let Some(e) = errors.iter().find(|e| e.field.starts_with(&by_place)) {
            out.0
                .entry(group.to_string())
                .or_insert_with(|| t.msg(&e.message));
        }
        out
    }

    pub fn insert(&mut self, field: &str, message: String) {
        self.0.insert(field.to_string(), message);
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Previous/next links of a paged list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub has_prev: bool,
    pub has_next: bool,
    pub prev_href: String,
    pub next_href: String,
    pub label: String,
}

impl Pager {
    /// `base` is the list's URL with its filters and without `page`.
    pub fn new(t: &Tr, base: &str, page: i64, per_page: i64, total: i64) -> Pager {
        let sep = if base.contains('?') { '&' } else { '?' };
        Pager {
            has_prev: page > 1,
            has_next: page.saturating_mul(per_page) < total,
            prev_href: format!("{base}{sep}page={}", page - 1),
            next_href: format!("{base}{sep}page={}", page + 1),
            label: t.t("pager.page").replace("{}", &page.to_string()),
        }
    }
}

/// The boxes of the offer-kind group: (code, label, ticked).
pub fn offer_choices(t: &Tr, ticked: &[String]) -> Vec<(&'static str, String, bool)> {
    domain::account::OfferKind::ALL
        .iter()
        .map(|k| {
            (
                k.code(),
                t.msg(&k.label()),
                ticked.iter().any(|c| c == k.code()),
            )
        })
        .collect()
}

/// The fields of a posted form (repeated keys kept, for checkbox groups).
#[derive(Debug, Clone, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormData {
        FormData(pairs)
    }

    /// The first value of `key`, or "".
    pub fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key).as_str(), "true" | "on" | "1")
    }
}

/// A posted form whose CSRF token matched this browser's; any other post is answered with the
/// "form expired" page before the handler runs.
#[derive(Debug)]
pub struct CheckedForm(pub FormData);

impl actix_web::FromRequest for CheckedForm {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let f = FormData::parse(&body.await?);
            if session::csrf_form_ok(&req, &f.get("csrf")) {
                Ok(CheckedForm(f))
            } else {
                Err(actix_web::error::InternalError::from_response(
                    "csrf token mismatch",
                    csrf_failure(&req),
                )
                .into())
            }
        })
    }
}
