//! The JSON API (v1), its shapes and the paging convention.

pub mod accounts;
pub mod bids;
pub mod challenges;
pub mod contracts;
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
pub mod teams;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::error::problem_response;

pub use crate::query::{Page, PageQuery, Paging};

/// Unknown API paths answer 404 as problems too; a known path asked with a method it does
/// not have answers 405 with `Allow`.
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    if let Some(methods) = openapi::allowed_methods(req.path()) {
        let mut r = problem_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "方法不被允许 / Method not allowed",
            format!("此路径只接受 / this path takes {}", methods.join(", ")),
            None,
            vec![],
        );
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&methods.join(", ")) {
            r.headers_mut().insert(actix_web::http::header::ALLOW, v);
        }
        return r;
    }
    problem_response(
        StatusCode::NOT_FOUND,
        "not-found",
        "未找到 / Not found",
        "没有这个接口 / no such endpoint".into(),
        None,
        vec![],
    )
}
