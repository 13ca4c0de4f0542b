//! Sign-in with its throttle, the session check of every request, refresh-token rotation with
//! replay detection, sign-out.

use chrono::{DateTime, Utc};
use domain::message::Message;

use super::*;
use super::{Services, emit};
use domain::account::User;
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::{SessionId, UserId};
use domain::ports::{RefreshTokenRecord, Sessions, Tx, in_read_one, in_tx};
use domain::security;

impl Services {
    /// Signs in. Unknown e-mail, wrong password and a deactivated account answer alike; after
    /// too many failures for the account (or, far more, from the address) the answer is 429.
    /// The throttle check and the record of the attempt are one atomic step: the attempt is
    /// written as a failure, under a lock on the account and the address, before the password
    /// is checked, and becomes a success only if it was right. So parallel guesses cannot all
    /// pass the check.
    pub fn login(&self, email: &str, password: &str, ip: &str) -> Result<SignedIn> {
        let now = self.now();
        let key = email.trim().to_lowercase();
        let rule = self.auth.throttle;
        let attempt = self.next_id();
        let found = in_tx(&*self.store, |tx| {
            tx.lock_login_keys(&key, ip)?;
            let (by_email, by_ip) = tx.recent_login_failures(&key, ip, now - rule.window())?;
            if let Some(secs) = rule.retry_after(&by_email, &by_ip, now) {
                return Err(Error::TooManyRequests {
                    retry_after_secs: secs,
                });
            }
            tx.record_login_attempt(attempt, &key, ip, false, now)?;
            tx.user_by_email(&key)
        })?;
        // Verify outside any transaction: argon2 is slow on purpose.
        let user = match &found {
            Some((user, hash)) => {
                let ok = security::verify_password(password, hash);
                (ok && user.active).then(|| user.clone())
            }
            None => {
                security::verify_password(password, security::dummy_hash());
                None
            }
        };
        let Some(user) = user else {
            return Err(Error::Unauthorized(BAD_CREDENTIALS));
        };
        let refresh = security::new_token();
        let session = SessionId(self.next_id());
        in_tx(&*self.store, |tx| {
            tx.mark_login_succeeded(attempt)?;
            tx.insert_session(session, user.id, now)?;
            tx.insert_refresh_token(&self.refresh_record(user.id, session, &refresh, now))
        })?;
        Ok(SignedIn {
            user,
            refresh_token: refresh,
            session,
        })
    }

    /// The user of a live session, as every authenticated request checks it: the session is
    /// not revoked (sign-out, password change or reset, deactivation, role change) and the user
    /// is active. Role and organization come from here, never from the token.
    pub fn live_session(&self, session: SessionId, user: UserId) -> Result<Option<User>> {
        if let Some(u) = self.kept_session(session, user) {
            return Ok(Some(u));
        }
        let version = self.store.session_version();
        // One statement, asked on every signed-in request whose check is not kept.
        let live = in_read_one(&*self.store, |tx| {
            Ok(tx.live_session_user(session)?.filter(|u| u.id == user))
        })?;
        // Kept only if no change of sessions or users came while it was read: one that did
        // may have ended this session after the read saw it live.
        if let (Some(u), Some(v)) = (&live, version)
            && self.store.session_version() == Some(v)
        {
            self.sessions.keep(session, u.clone(), v);
        }
        Ok(live)
    }

    /// [`Services::live_session`] answered from memory (no database, no blocking): the user of
    /// a live session whose check is kept at the store's present session version.
    pub fn kept_session(&self, session: SessionId, user: UserId) -> Option<User> {
        let v = self.store.session_version()?;
        self.sessions.get(session, user, v)
    }

    pub(super) fn refresh_record(
        &self,
        user: UserId,
        session: SessionId,
        token: &str,
        now: DateTime<Utc>,
    ) -> RefreshTokenRecord {
        RefreshTokenRecord {
            id: self.next_id(),
            user_id: user,
            session,
            token_hash: security::token_hash(token),
            created_at: now,
            expires_at: now + self.auth.refresh_ttl,
            used_at: None,
            revoked_at: None,
        }
    }

    /// Exchanges a refresh token for a new one in the same session. Presenting a token that
    /// was already exchanged means it was stolen or replayed: the whole session is revoked.
    pub fn refresh(&self, token: &str) -> Result<SignedIn> {
        let now = self.now();
        let invalid = || {
            Error::Unauthorized(Message::new(
                "刷新令牌无效或已过期",
                "invalid or expired refresh token",
            ))
        };
        enum Outcome {
            Ok(SignedIn),
            Reused,
            Invalid,
        }
        // A replayed token ends its whole session, and the replay is audited.
        let reuse_detected = |tx: &mut dyn Tx, rec: &RefreshTokenRecord, now| {
            tx.revoke_sessions(Sessions::One(rec.session), now)?;
            let replayed = DomainEvent::SessionReplayed {
                user: rec.user_id,
                session: rec.session,
            };
            emit(tx, Some(rec.user_id), replayed, now)?;
            Ok(Outcome::Reused)
        };
        let outcome = in_tx(&*self.store, |tx| {
            let Some(rec) = tx.refresh_token_by_hash(&security::token_hash(token))? else {
                return Ok(Outcome::Invalid);
            };
            if rec.revoked_at.is_some() || rec.expires_at <= now {
                return Ok(Outcome::Invalid);
            }
            if rec.used_at.is_some() {
                return reuse_detected(tx, &rec, now);
            }
            let Some(user) = tx.user(rec.user_id)?.filter(|u| u.active) else {
                return Ok(Outcome::Invalid);
            };
            if !tx.mark_refresh_token_used(rec.id, now)? {
                // A concurrent exchange of the same token got there first: that is a replay.
                return reuse_detected(tx, &rec, now);
            }
            let fresh = security::new_token();
            tx.insert_refresh_token(&self.refresh_record(user.id, rec.session, &fresh, now))?;
            Ok(Outcome::Ok(SignedIn {
                user,
                refresh_token: fresh,
                session: rec.session,
            }))
        })?;
        match outcome {
            Outcome::Ok(s) => Ok(s),
            Outcome::Reused | Outcome::Invalid => Err(invalid()),
        }
    }

    /// Ends one session: its refresh tokens stop working.
    pub fn logout(&self, session: SessionId) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            tx.revoke_sessions(Sessions::One(session), now)
        })
    }

    /// Ends every session of the user (every device signs in again) and retires their
    /// private feed token (audited).
    pub fn logout_everywhere(&self, user: UserId) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            super::end_every_session(tx, user, now)?;
            emit(
                tx,
                Some(user),
                DomainEvent::SignedOutEverywhere { user },
                now,
            )
        })
    }
}
