//! The JSON API (v1), its shapes and the paging convention.

pub mod accounts;
pub mod bids;
pub mod evaluation;
pub mod inputs;
pub mod invitations;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod reports;
pub mod scenarios;
pub mod search;
pub mod subscriptions;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::error::problem_response;

pub use crate::query::{Page, PageQuery, Paging};

/// Unknown API paths answer 404 as problems too.
pub async fn not_found() -> HttpResponse {
    problem_response(
        StatusCode::NOT_FOUND,
        "not-found",
        "未找到 / Not found",
        "没有这个接口 / no such endpoint".into(),
        None,
        vec![],
    )
}
