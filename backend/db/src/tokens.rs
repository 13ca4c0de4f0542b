//! Refresh tokens, password-reset tokens and sign-in attempts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use domain::account::User;
use domain::error::Result;
use domain::ids::{SessionId, UserId};
use domain::ports::{
    PasswordResetRecord, RecentFailures, RefreshTokenRecord, Sessions, TokenReads, TokenRepo,
};

use crate::schema::{login_attempts, password_resets, refresh_tokens, sessions, users};
use crate::time::{from_db, opt_from_db, to_db};
use crate::{AnyConnection, db_err};

type RefreshRow = (
    i64,
    i64,
    i64,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
);

type ResetRow = (
    i64,
    i64,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

impl TokenReads for AnyConnection {
    fn refresh_token_by_hash(&mut self, hash: &str) -> Result<Option<RefreshTokenRecord>> {
        let row: Option<RefreshRow> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash))
            .first(self)
            .optional()
            .map_err(db_err)?;
        Ok(row.map(|r| RefreshTokenRecord {
            id: r.0,
            user_id: UserId(r.1),
            session: SessionId(r.2),
            token_hash: r.3,
            created_at: from_db(r.4),
            expires_at: from_db(r.5),
            used_at: opt_from_db(r.6),
            revoked_at: opt_from_db(r.7),
        }))
    }

    fn live_session_user(&mut self, id: SessionId) -> Result<Option<User>> {
        sessions::table
            .inner_join(users::table)
            .filter(sessions::id.eq(id.0))
            .filter(sessions::revoked_at.is_null())
            .filter(users::active.eq(true))
            .select(crate::accounts::UserRow::as_select())
            .first(self)
            .optional()
            .map_err(db_err)?
            .map(|r| r.into_domain().map(|(u, _)| u))
            .transpose()
    }

    fn live_sessions(&mut self, ids: &[SessionId]) -> Result<Vec<(SessionId, UserId)>> {
        let ids: Vec<i64> = ids.iter().map(|s| s.0).collect();
        let rows: Vec<(i64, i64)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::id.eq_any(&ids))
            .filter(sessions::revoked_at.is_null())
            .filter(users::active.eq(true))
            .select((sessions::id, users::id))
            .load(self)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(s, u)| (SessionId(s), UserId(u)))
            .collect())
    }

    fn password_reset_by_hash(&mut self, hash: &str) -> Result<Option<PasswordResetRecord>> {
        let row: Option<ResetRow> = password_resets::table
            .filter(password_resets::token_hash.eq(hash))
            .first(self)
            .optional()
            .map_err(db_err)?;
        Ok(row.map(|r| PasswordResetRecord {
            id: r.0,
            user_id: UserId(r.1),
            token_hash: r.2,
            created_at: from_db(r.3),
            expires_at: from_db(r.4),
            used_at: opt_from_db(r.5),
        }))
    }

    fn recent_login_failures(
        &mut self,
        email_normalized: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> Result<RecentFailures> {
        let recent = login_attempts::table
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::at.gt(to_db(since)));
        let by_email: Vec<chrono::NaiveDateTime> = recent
            .filter(login_attempts::email_normalized.eq(email_normalized))
            .select(login_attempts::at)
            .load(self)
            .map_err(db_err)?;
        let by_ip: Vec<chrono::NaiveDateTime> = recent
            .filter(login_attempts::ip.eq(ip))
            .select(login_attempts::at)
            .load(self)
            .map_err(db_err)?;
        Ok((
            by_email.into_iter().map(from_db).collect(),
            by_ip.into_iter().map(from_db).collect(),
        ))
    }
}

impl TokenRepo for AnyConnection {
    fn insert_refresh_token(&mut self, r: &RefreshTokenRecord) -> Result<()> {
        diesel::insert_into(refresh_tokens::table)
            .values((
                refresh_tokens::id.eq(r.id),
                refresh_tokens::user_id.eq(r.user_id.0),
                refresh_tokens::session_id.eq(r.session.0),
                refresh_tokens::token_hash.eq(&r.token_hash),
                refresh_tokens::created_at.eq(to_db(r.created_at)),
                refresh_tokens::expires_at.eq(to_db(r.expires_at)),
                refresh_tokens::used_at.eq(r.used_at.map(to_db)),
                refresh_tokens::revoked_at.eq(r.revoked_at.map(to_db)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn mark_refresh_token_used(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool> {
        let n = diesel::update(
            refresh_tokens::table
                .find(id)
                .filter(refresh_tokens::used_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(to_db(at)))
        .execute(self)
        .map_err(db_err)?;
        Ok(n == 1)
    }

    fn insert_session(&mut self, id: SessionId, user: UserId, at: DateTime<Utc>) -> Result<()> {
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(id.0),
                sessions::user_id.eq(user.0),
                sessions::created_at.eq(to_db(at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn revoke_sessions(&mut self, which: Sessions, at: DateTime<Utc>) -> Result<()> {
        type Which<T> = Box<dyn BoxableExpression<T, crate::MultiBackend, SqlType = Bool>>;
        let (of_sessions, of_tokens): (Which<sessions::table>, Which<refresh_tokens::table>) =
            match which {
                Sessions::One(s) => (
                    Box::new(sessions::id.eq(s.0)),
                    Box::new(refresh_tokens::session_id.eq(s.0)),
                ),
                Sessions::OfUser(u) => (
                    Box::new(sessions::user_id.eq(u.0)),
                    Box::new(refresh_tokens::user_id.eq(u.0)),
                ),
            };
        diesel::update(
            sessions::table
                .filter(of_sessions)
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(to_db(at)))
        .execute(self)
        .map_err(db_err)?;
        diesel::update(
            refresh_tokens::table
                .filter(of_tokens)
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(to_db(at)))
        .execute(self)
        .map_err(db_err)?;
        // Streams of the ended sessions end, and their kept checks are forgotten, in every
        // process.
        crate::live::sessions_changed(self)?;
        crate::live::signal(self)
    }

    fn insert_password_reset(&mut self, r: &PasswordResetRecord) -> Result<()> {
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::id.eq(r.id),
                password_resets::user_id.eq(r.user_id.0),
                password_resets::token_hash.eq(&r.token_hash),
                password_resets::created_at.eq(to_db(r.created_at)),
                password_resets::expires_at.eq(to_db(r.expires_at)),
                password_resets::used_at.eq(r.used_at.map(to_db)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn mark_password_reset_used(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool> {
        let n = diesel::update(
            password_resets::table
                .find(id)
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(to_db(at)))
        .execute(self)
        .map_err(db_err)?;
        Ok(n == 1)
    }

    fn lock_login_keys(&mut self, email_normalized: &str, ip: &str) -> Result<()> {
        // SQLite: the write transaction already holds the database's write lock.
        if let AnyConnection::Postgresql(pg) = self {
            // Transaction-scoped advisory locks on the two keys, always in the same order.
            diesel::sql_query(
                "SELECT pg_advisory_xact_lock(hashtextextended('login:' || $1, 0)), \
                        pg_advisory_xact_lock(hashtextextended('login-ip:' || $2, 0))",
            )
            .bind::<diesel::sql_types::Text, _>(email_normalized)
            .bind::<diesel::sql_types::Text, _>(ip)
            .execute(pg)
            .map_err(db_err)?;
        }
        Ok(())
    }

    fn mark_login_succeeded(&mut self, id: i64) -> Result<()> {
        diesel::update(login_attempts::table.find(id))
            .set(login_attempts::succeeded.eq(true))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn record_login_attempt(
        &mut self,
        id: i64,
        email_normalized: &str,
        ip: &str,
        succeeded: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        diesel::insert_into(login_attempts::table)
            .values((
                login_attempts::id.eq(id),
                login_attempts::email_normalized.eq(email_normalized),
                login_attempts::ip.eq(ip),
                login_attempts::succeeded.eq(succeeded),
                login_attempts::at.eq(to_db(at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}
