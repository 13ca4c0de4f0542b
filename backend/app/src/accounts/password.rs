//! Password reset by e-mail and password change.

use super::{Services, emit, enqueue_now};
use domain::account::{Email, Password};
use domain::email::{EmailMessage, OutgoingEmail};
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::UserId;
use domain::job::Job;
use domain::message::Message;
use domain::ports::{PasswordResetRecord, in_read, in_tx};
use domain::security;

impl Services {
    /// Starts a password reset. Answers the same whether or not the e-mail is known; when it
    /// is, a one-time link goes out by e-mail in the user's language.
    pub fn request_password_reset(&self, email: &str) -> Result<()> {
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let now = self.now();
        let token = security::new_token();
        in_tx(&*self.store, |tx| {
            let Some((user, _)) = tx.user_by_email(&email.normalized())? else {
                return Ok(());
            };
            if !user.active {
                return Ok(());
            }
            tx.insert_password_reset(&PasswordResetRecord {
                id: self.next_id(),
                user_id: user.id,
                token_hash: security::token_hash(&token),
                created_at: now,
                expires_at: now + self.auth.reset_ttl,
                used_at: None,
            })?;
            let link = format!("{}/reset-password?token={token}", self.auth.public_base_url);
            let mail = OutgoingEmail::new(
                user.email.clone(),
                user.locale,
                EmailMessage::PasswordReset {
                    display_name: user.display_name.clone(),
                    link,
                    valid_minutes: self.auth.reset_ttl.num_minutes(),
                },
            );
            enqueue_now(tx, &self.ids, Job::SendEmail(mail), now)
        })
    }

    /// Completes a password reset: the link works once, within its hour; afterwards every
    /// session of the user is ended.
    pub fn reset_password(&self, token: &str, password: Password) -> Result<()> {
        let hash = security::hash_password(&password)?;
        let now = self.now();
        let invalid = || {
            Error::field(
                "token",
                Message::new(
                    "重置链接无效、已使用或已过期",
                    "the reset link is invalid, used or expired",
                ),
            )
        };
        in_tx(&*self.store, |tx| {
            let rec = tx
                .password_reset_by_hash(&security::token_hash(token))?
                .filter(|r| r.used_at.is_none() && r.expires_at > now)
                .ok_or_else(invalid)?;
            if !tx.mark_password_reset_used(rec.id, now)? {
                return Err(invalid());
            }
            tx.set_password_hash(rec.user_id, &hash, now)?;
            super::end_every_session(tx, rec.user_id, now)?;
            let reset = DomainEvent::PasswordReset { user: rec.user_id };
            emit(tx, Some(rec.user_id), reset, now)
        })
    }

    /// A signed-in user changes their password, proving the current one. Every session of the
    /// user ends (the caller signs in again with the new password).
    pub fn change_password(&self, id: UserId, current: &str, new: Password) -> Result<()> {
        let stored = in_read(&*self.store, |tx| {
            let user = tx.user(id)?.filter(|u| u.active).ok_or(Error::NotFound)?;
            Ok(tx
                .user_by_email(&user.email.to_lowercase())?
                .map(|(_, h)| h))
        })?;
        if !stored.is_some_and(|h| security::verify_password(current, &h)) {
            return Err(Error::field(
                "current_password",
                Message::new("当前密码不正确", "the current password is wrong"),
            ));
        }
        let hash = security::hash_password(&new)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            tx.set_password_hash(id, &hash, now)?;
            super::end_every_session(tx, id, now)?;
            emit(tx, Some(id), DomainEvent::PasswordChanged { user: id }, now)
        })
    }
}
