//! Clarification questions and answers (答疑): the stored shapes and the body rules.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::*;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::text;

/// Parses a question or answer body.
pub fn parse_body(raw: &str, max: usize) -> Result<String> {
    text::bounded(raw, 1, max).map_err(|m| Error::Validation(vec![FieldError::new("body", m)]))
}

/// Parses a cancellation reason.
pub fn parse_reason(raw: &str) -> Result<String> {
    text::bounded(raw, 1, MAX_CANCEL_REASON)
        .map_err(|m| Error::Validation(vec![FieldError::new("reason", m)]))
}

/// A question with its answers, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub id: QuestionId,
    pub scenario: ScenarioId,
    pub asked_by: UserId,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Oldest first; a later answer corrects an earlier one.
    pub answers: Vec<Answer>,
}

/// An answer, never changed once given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub id: AnswerId,
    pub body: String,
    pub created_at: DateTime<Utc>,
}
