//! Sessions, refresh and password-reset tokens, sign-in attempts.

use chrono::{DateTime, Utc};

use crate::account::User;
use crate::error::Result;
use crate::ids::{SessionId, UserId};

/// Which sessions a revocation ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sessions {
    /// One session (a sign-out, a reused refresh token).
    One(SessionId),
    /// Every session of a user (a password change or reset, a sign-out everywhere).
    OfUser(UserId),
}

/// A stored refresh token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub id: i64,
    pub user_id: UserId,
    pub session: SessionId,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set when the token was exchanged for a new one.
    pub used_at: Option<DateTime<Utc>>,
    /// Set when the token's session was ended.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A stored password-reset token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordResetRecord {
    pub id: i64,
    pub user_id: UserId,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Times of recent failed sign-ins: (for the e-mail, from the address).
pub type RecentFailures = (Vec<DateTime<Utc>>, Vec<DateTime<Utc>>);

/// What may be read of these inside any transaction, a read-only one included.
pub trait TokenReads {
    fn refresh_token_by_hash(&mut self, hash: &str) -> Result<Option<RefreshTokenRecord>>;
    /// The user of a live session (not revoked) if that user is active: one indexed lookup
    /// made on every authenticated request.
    fn live_session_user(&mut self, id: SessionId) -> Result<Option<User>>;
    /// Which of the sessions are live (not revoked, their user active), with their user.
    fn live_sessions(&mut self, ids: &[SessionId]) -> Result<Vec<(SessionId, UserId)>>;
    fn password_reset_by_hash(&mut self, hash: &str) -> Result<Option<PasswordResetRecord>>;
    /// Times of failed sign-ins since `since`: (for this e-mail, from this address).
    fn recent_login_failures(
        &mut self,
        email_normalized: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> Result<RecentFailures>;
}

/// Refresh tokens, password-reset tokens and sign-in attempts.
pub trait TokenRepo: TokenReads {
    fn insert_refresh_token(&mut self, rec: &RefreshTokenRecord) -> Result<()>;
    /// Marks an unused token used; false when it was already used (by a concurrent exchange
    /// too: the check and the mark are one conditional update).
    fn mark_refresh_token_used(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool>;
    /// Starts a session of a user.
    fn insert_session(&mut self, id: SessionId, user: UserId, at: DateTime<Utc>) -> Result<()>;
    /// Ends whole sessions (one, or every one of a user): every token of their families stops
    /// working.
    fn revoke_sessions(&mut self, which: Sessions, at: DateTime<Utc>) -> Result<()>;
    fn insert_password_reset(&mut self, rec: &PasswordResetRecord) -> Result<()>;
    /// Marks an unused reset token used; false when it was already used (by a concurrent
    /// reset too: the check and the mark are one conditional update).
    fn mark_password_reset_used(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool>;
    /// Serialises sign-in attempts for this account and this address until the transaction
    /// ends, so that counting recent failures and recording the attempt are one atomic step.
    fn lock_login_keys(&mut self, email_normalized: &str, ip: &str) -> Result<()>;
    fn record_login_attempt(
        &mut self,
        id: i64,
        email_normalized: &str,
        ip: &str,
        succeeded: bool,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Marks a recorded attempt as a success (it was recorded as a failure while the password
    /// was being checked).
    fn mark_login_succeeded(&mut self, id: i64) -> Result<()>;
}
