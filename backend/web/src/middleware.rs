//! Cross-cutting middleware: the request id in a response header, the security headers of
//! every answer, and panics turned into logged 500 problem answers.

use std::panic::AssertUnwindSafe;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use futures_util::FutureExt;

use crate::error::problem_response;

/// Adds `X-Request-Id` (the id that every log line of the request carries) to the response.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|r| r.to_string());
    let mut res = next.call(req).await?;
    if let Some(id) = id
        && let Ok(v) = HeaderValue::from_str(&id)
    {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

/// The Content-Security-Policy of every answer: scripts, styles and everything else only from
/// this site and never inline, no plugins, and no framing by any site.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";

/// The security headers of an answer; HSTS only when the site is served over https.
pub fn security_headers(hsts: bool) -> Vec<(HeaderName, HeaderValue)> {
    let mut h = vec![
        (
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ),
        (
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ),
    ];
    if hsts {
        h.push((
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    h
}

/// Adds the security headers to every answer (a handler's own value wins).
pub async fn add_security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let hsts = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .is_some_and(|s| s.hsts);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    for (k, v) in security_headers(hsts) {
        if !headers.contains_key(&k) {
            headers.insert(k, v);
        }
    }
    Ok(res)
}

/// A handler that panics answers 500 with a problem body; the panic is logged. (The request
/// cannot be kept across the call, so the answer travels as an error response.)
pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path().to_string();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(res) => res,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(panic = %msg, path = %path, "handler panicked");
            let resp = problem_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "服务器内部错误 / Internal error",
                "请稍后重试 / please try again later".into(),
                None,
                vec![],
            );
            Err(actix_web::error::InternalError::from_response("handler panicked", resp).into())
        }
    }
}

/// The root span of each request, as tracing-actix-web's default makes it, but only when
/// spans of its level are recorded: the default works out the route template (a second walk
/// over every route, with a regular expression per route with a parameter), the connection
/// details and the span's name even when the span is thrown away, a tenth of a page's time.
pub struct RootSpans;

impl tracing_actix_web::RootSpanBuilder for RootSpans {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        if tracing::level_enabled!(tracing::Level::INFO) {
            tracing_actix_web::root_span!(request)
        } else {
            tracing::Span::none()
        }
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{App, HttpResponse, test, web};

    async fn boom() -> HttpResponse {
        panic!("a bug in a handler")
    }

    #[actix_web::test]
    async fn a_handler_panic_becomes_a_500_problem() {
        let app = test::init_service(
            App::new()
                .route("/boom", web::get().to(boom))
                .route(
                    "/fine",
                    web::get().to(|| async { HttpResponse::Ok().finish() }),
                )
                .wrap(actix_web::middleware::from_fn(super::catch_panic)),
        )
        .await;
        // The answer travels as an error, which the server turns into this response.
        let err = test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request())
            .await
            .err()
            .expect("an error answer");
        let resp = err.error_response();
        assert_eq!(resp.status(), 500);
        assert_eq!(
            resp.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
        let bytes = actix_web::body::to_bytes(resp.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["status"], 500);
        assert!(
            !body.to_string().contains("a bug in a handler"),
            "the cause is logged, not sent"
        );
        // The worker survives and keeps serving.
        let ok = test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(ok.status(), 200);
    }
}
