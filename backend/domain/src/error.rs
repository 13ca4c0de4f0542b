//! The one error type of the domain and its services. The web layer maps each variant to an
//! HTTP status and a problem body in one place; internal causes are logged there, never sent.

use std::fmt;

use crate::message::Message;

/// A bad value in one named input field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's name as the API spells it, dotted for nested fields (`organization.name`).
    pub field: String,
    /// What is wrong, in both languages.
    pub message: Message,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: Message) -> Self {
        Self {
            field: field.into(),
            message,
        }
    }

    /// The same error under a parent field: `name` inside `organization` becomes `organization.name`.
    pub fn nested(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more inputs are malformed (HTTP 422); every bad field is named.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The caller is not signed in, or its credentials are bad (HTTP 401).
    #[error("unauthorized: {0}")]
    Unauthorized(Message),
    /// The caller is known but may not do this (HTTP 403); the text says why.
    #[error("forbidden: {0}")]
    Forbidden(Message),
    /// The thing does not exist, or the caller may not know that it does (HTTP 404).
    #[error("not found")]
    NotFound,
    /// The request clashes with the current state (HTTP 409).
    #[error("conflict: {detail}")]
    Conflict {
        /// A stable machine-readable code, e.g. `duplicate_email`.
        code: &'static str,
        detail: Message,
    },
    /// A lifecycle move that the current state does not allow (HTTP 409); the answer names
    /// the state and the move.
    #[error("cannot {} in state {}: {detail}", action.code(), current.code())]
    IllegalTransition {
        current: crate::status::Status,
        action: crate::status::Move,
        detail: Message,
    },
    /// Too many attempts; try again after this many seconds (HTTP 429).
    #[error("too many requests, retry after {retry_after_secs}s")]
    TooManyRequests { retry_after_secs: u64 },
    /// A service the answer needs (the search engine) does not answer now (HTTP 503); the
    /// text says which. Nothing was changed.
    #[error("unavailable: {0}")]
    Unavailable(Message),
    /// The disk that keeps attachments is full (HTTP 507): the upload was not stored, and
    /// nothing else changed.
    #[error("insufficient storage: {0}")]
    InsufficientStorage(Message),
    /// Anything else: a database or mail failure. Logged, answered as 500 without detail.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Result with the domain error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A single-field validation error.
    pub fn field(field: impl Into<String>, message: Message) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(msg: impl fmt::Display) -> Self {
        Error::Internal(anyhow::anyhow!("{msg}"))
    }

    /// The database does not answer now (a dropped connection, a server that is down or
    /// restarting, a pool that cannot hand out a connection in time): HTTP 503.
    pub fn database_unavailable() -> Self {
        Error::Unavailable(Message::new(
            "数据库暂时不可用，请稍后重试",
            "the database is unavailable for now; try again shortly",
        ))
    }

    /// A file-system error: a full disk or quota is [`Error::InsufficientStorage`], anything
    /// else internal.
    pub fn storage(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                Error::InsufficientStorage(Message::new(
                    "存储空间不足，文件未保存，请稍后重试",
                    "the storage is full; the file was not stored, try again later",
                ))
            }
            _ => Error::internal(e),
        }
    }
}

/// Collects field errors while parsing a whole input, so that every bad field is reported at
/// once instead of the first only.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value if it parsed, or records the error under `field`.
    pub fn take<T>(&mut self, field: &str, parsed: Result<T, Message>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(message) => {
                self.errors.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// Records errors that a nested parse produced, under a parent field.
    pub fn extend_nested(&mut self, parent: &str, errors: Vec<FieldError>) {
        self.errors
            .extend(errors.into_iter().map(|e| e.nested(parent)));
    }

    pub fn push(&mut self, field: &str, message: Message) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Ends the collection: `Ok(())` when nothing was wrong.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_collects_every_error_and_nests_names() {
        let mut f = Fields::new();
        assert_eq!(f.take::<u8>("a", Ok(1)), Some(1));
        assert_eq!(f.take::<u8>("b", Err(Message::same("bad"))), None);
        f.extend_nested("org", vec![FieldError::new("name", Message::same("empty"))]);
        match f.finish() {
            Err(Error::Validation(errs)) => {
                let names: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(names, ["b", "org.name"]);
            }
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn empty_fields_finish_ok() {
        assert!(Fields::new().finish().is_ok());
    }
}
