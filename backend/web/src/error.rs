//! Errors of the web layer. The API answers every error as `application/problem+json`
//! (RFC 9457) with the bad fields named; internal causes are logged with the request's id,
//! never sent.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use domain::message::Message;
use domain::{Error, FieldError};
use serde::Serialize;

/// One bad field of a problem: its name and what is wrong, in both languages (`中文 / English`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(e: &FieldError) -> Self {
        FieldProblem {
            field: e.field.clone(),
            message: e.message.to_string(),
        }
    }
}

/// A problem body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// A stable code for machines, e.g. `duplicate_email` (absent when the status says all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For a refused lifecycle move: the state the scenario is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
    /// For a refused lifecycle move: the move that was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Every bad field, for 422 answers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldProblem>,
}

/// A domain error on its way to an API client.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub Error);

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError(Error::internal(format!("blocking task failed: {e}")))
    }
}

/// The status, type slug, title and code of a domain error.
pub fn classify(e: &Error) -> (StatusCode, &'static str, &'static str, Option<String>) {
    match e {
        Error::Validation(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "输入有误 / Invalid input",
            None,
        ),
        Error::Unauthorized(_) => (
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "需要登录 / Not signed in",
            None,
        ),
        Error::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            "forbidden",
            "无权操作 / Forbidden",
            None,
        ),
        Error::NotFound => (
            StatusCode::NOT_FOUND,
            "not-found",
            "未找到 / Not found",
            None,
        ),
        Error::IllegalTransition { .. } => (
            StatusCode::CONFLICT,
            "illegal-transition",
            "状态不允许此操作 / Not allowed in this state",
            Some("illegal_transition".into()),
        ),
        Error::Conflict { code, .. } => (
            StatusCode::CONFLICT,
            "conflict",
            "状态冲突 / Conflict",
            Some((*code).to_string()),
        ),
        Error::TooManyRequests { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-requests",
            "请求过于频繁 / Too many requests",
            None,
        ),
        Error::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "服务暂时不可用 / Service unavailable",
            None,
        ),
        Error::InsufficientStorage(_) => (
            StatusCode::INSUFFICIENT_STORAGE,
            "insufficient-storage",
            "存储空间不足 / Insufficient storage",
            Some("storage_full".into()),
        ),
        Error::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误 / Internal error",
            None,
        ),
    }
}

/// The detail a user may see, in both languages.
pub fn public_message(e: &Error) -> Message {
    match e {
        Error::Validation(v) => Message::new(
            format!("{} 个字段有误", v.len()),
            format!("{} field(s) are invalid", v.len()),
        ),
        Error::Unauthorized(m)
        | Error::Forbidden(m)
        | Error::Unavailable(m)
        | Error::InsufficientStorage(m) => m.clone(),
        Error::NotFound => Message::new("资源不存在", "the resource does not exist"),
        Error::Conflict { detail, .. } => detail.clone(),
        Error::IllegalTransition {
            current,
            action,
            detail,
        } => {
            let (current, action) = (current.code(), action.code());
            Message::new(
                format!("{}（当前状态 {current}，操作 {action}）", detail.zh),
                format!("cannot {action} while {current}: {}", detail.en),
            )
        }
        Error::TooManyRequests { retry_after_secs } => Message::new(
            format!("请 {retry_after_secs} 秒后重试"),
            format!("try again in {retry_after_secs} seconds"),
        ),
        Error::Internal(_) => Message::new("请稍后重试", "please try again later"),
    }
}

/// The detail text of an API answer: both languages, `中文 / English`.
pub fn public_detail(e: &Error) -> String {
    public_message(e).to_string()
}

/// The problem response of a status with a detail (also used for panics and bad JSON).
pub fn problem_response(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    code: Option<String>,
    errors: Vec<FieldError>,
) -> HttpResponse {
    Problem::new(status, slug, title, detail, code, errors).into_response()
}

impl Problem {
    pub fn new(
        status: StatusCode,
        slug: &str,
        title: &str,
        detail: String,
        code: Option<String>,
        errors: Vec<FieldError>,
    ) -> Problem {
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            code,
            current_status: None,
            action: None,
            errors: errors.iter().map(FieldProblem::from).collect(),
        }
    }

    pub fn into_response(self) -> HttpResponse {
        HttpResponse::build(
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .body(serde_json::to_string(&self).unwrap_or_default())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        classify(&self.0).0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, slug, title, code) = classify(&self.0);
        match &self.0 {
            Error::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "internal error")
            }
            other => tracing::debug!(error = %other, "request refused"),
        }
        let errors = match &self.0 {
            Error::Validation(v) => v.clone(),
            _ => vec![],
        };
        let mut problem = Problem::new(status, slug, title, public_detail(&self.0), code, errors);
        if let Error::IllegalTransition {
            current, action, ..
        } = &self.0
        {
            problem.current_status = Some(current.code().to_string());
            problem.action = Some(action.code().to_string());
        }
        let mut resp = problem.into_response();
        if let Error::TooManyRequests { retry_after_secs } = &self.0
            && let Ok(v) = header::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Error::Unavailable(_) = &self.0 {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        resp
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// A path parameter that does not parse (`/api/v1/scenarios/abc`) names nothing that exists:
/// a 404 problem, like an id that parses but is missing.
pub fn path_error_handler(
    _err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let response = problem_response(
        StatusCode::NOT_FOUND,
        "not-found",
        "未找到 / Not found",
        "没有这个对象 / no such thing".into(),
        None,
        vec![],
    );
    actix_web::error::InternalError::from_response("path", response).into()
}

/// Turns a JSON body that does not parse into a 422 problem naming the place.
pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let (status, field_message, field) = match &err {
        J::ContentType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Message::new(
                "请求体须为 application/json",
                "the body must be application/json",
            ),
            None,
        ),
        J::Overflow { .. } | J::OverflowKnownLength { .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Message::new("请求体过大", "the body is too large"),
            None,
        ),
        J::Deserialize(e) => {
            // serde names the field for type errors (`invalid type ... at line 1 column 9`);
            // missing and unknown fields carry the name in backticks.
            let msg = e.to_string();
            let field = msg
                .split('`')
                .nth(1)
                .map(str::to_string)
                .unwrap_or_else(|| "body".into());
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Message::new("请求体格式错误", format!("malformed JSON: {msg}")),
                Some(field),
            )
        }
        other => (
            StatusCode::BAD_REQUEST,
            Message::new("请求体无法读取", format!("unreadable body: {other}")),
            None,
        ),
    };
    let detail = field_message.to_string();
    let errors = field
        .map(|f| vec![FieldError::new(f, field_message.clone())])
        .unwrap_or_default();
    let resp = problem_response(
        status,
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            "validation"
        } else {
            "bad-request"
        },
        "请求无效 / Bad request",
        detail,
        None,
        errors,
    );
    actix_web::error::InternalError::from_response(err, resp).into()
}

/// Query strings that do not parse become 422 problems too.
pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let message = Message::new("查询参数有误", format!("invalid query parameters: {err}"));
    let resp = problem_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        "请求无效 / Bad request",
        message.to_string(),
        None,
        vec![FieldError::new("query", message)],
    );
    actix_web::error::InternalError::from_response(err, resp).into()
}
