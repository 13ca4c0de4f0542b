//! Account use cases: registration, sign-in with throttling, refresh-token rotation with reuse
//! detection, sign-out, password reset, staff accounts, organization verification and profiles.

mod admin;
pub mod kept_sessions;
mod password;
mod profile;
mod signin;

use domain::message::Message;
use serde::Serialize;

use super::{Services, emit, enqueue_now};
use domain::account::{Email, Organization, Role, User};
use domain::error::Error;
use domain::ids::SessionId;

/// The answer to every failed sign-in, whatever the cause.
pub const BAD_CREDENTIALS: Message = Message {
    zh: std::borrow::Cow::Borrowed("邮箱或密码不正确"),
    en: std::borrow::Cow::Borrowed("wrong e-mail or password"),
};

/// A user with their organization, as `me` and registration return them.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub user: User,
    pub organization: Option<Organization>,
    /// How many of the user's notifications are unread (the header shows it on every page).
    pub unread_notifications: i64,
}

/// A signed-in session: the user, the new refresh token (shown once) and its family.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub refresh_token: String,
    pub session: SessionId,
}

/// A page of organizations.
#[derive(Debug, Clone, Serialize)]
pub struct OrgPage {
    pub items: Vec<Organization>,
    pub total: i64,
}

/// Ends every session of a user and retires their private feed token with them: whatever
/// makes a user sign in again everywhere (a password reset or change, an administrator's
/// change of role or status) also stops the calendar and feed links they handed out.
fn end_every_session(
    tx: &mut dyn domain::ports::Tx,
    user: domain::ids::UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> domain::error::Result<()> {
    tx.revoke_sessions(domain::ports::Sessions::OfUser(user), now)?;
    tx.bump_feed_generation(user, now)?;
    Ok(())
}

fn duplicate_email() -> Error {
    Error::Conflict {
        code: "duplicate_email",
        detail: Message::new("该邮箱已注册", "this e-mail is already registered"),
    }
}

/// What an administrator changes about a user; absent parts stay.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaffChange {
    pub active: Option<bool>,
    pub role: Option<Role>,
}

/// A user for demo data or the command line.
#[derive(Debug, Clone)]
pub struct EnsureUser {
    pub email: Email,
    /// The password's hash ([`domain::security::hash_password`]): accounts seeded with one
    /// password share one hash, made once.
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    pub expertise: Vec<domain::sector::Sector>,
    pub organization: Option<EnsureOrganization>,
}

/// The organization of an [`EnsureUser`].
#[derive(Debug, Clone)]
pub struct EnsureOrganization {
    pub name: String,
    pub credit_code: Option<domain::credit_code::CreditCode>,
    pub verified: bool,
    pub opc_member: bool,
    pub description: String,
    pub capabilities: Vec<String>,
    pub offer_kinds: Vec<domain::account::OfferKind>,
    pub open_to_teaming: bool,
}
