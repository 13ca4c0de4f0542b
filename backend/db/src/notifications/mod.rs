//! Notifications, the notice outbox, the e-mail settings and the e-mails sent.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::error::Result;
use domain::ids::UserId;
use domain::notification::{NewNotification, Notification, NotificationFilter};
use domain::ports::{NotificationReads, NotificationRepo};

use crate::schema::{notice_outbox, notification_settings, notifications, sent_emails};
use crate::sqlite_in;
use crate::time::{BulkTime, to_db};
use crate::{AnyConnection, db_err};
use domain::email::NotificationSettings;

mod rows;

use rows::*;

impl NotificationReads for AnyConnection {
    fn notifications(
        &mut self,
        user: UserId,
        f: &NotificationFilter,
    ) -> Result<(Vec<Notification>, i64)> {
        let filtered = |mut q: notifications::BoxedQuery<'static, _>| {
            q = q.filter(notifications::user_id.eq(user.0));
            if f.unread_only {
                q = q.filter(notifications::read_at.is_null());
            }
            if let Some(k) = f.kind {
                q = q.filter(notifications::kind.eq(k.code()));
            }
            q
        };
        let total: i64 = filtered(notifications::table.into_boxed())
            .count()
            .get_result(self)
            .map_err(db_err)?;
        let rows: Vec<Row> = filtered(notifications::table.into_boxed())
            .select(columns())
            .order((notifications::created_at.desc(), notifications::id.desc()))
            .offset(f.offset)
            .limit(f.limit)
            .load(self)
            .map_err(db_err)?;
        Ok((
            rows.into_iter().map(into_domain).collect::<Result<_>>()?,
            total,
        ))
    }

    fn notification(&mut self, user: UserId, id: i64) -> Result<Option<Notification>> {
        let row: Option<Row> = notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user.0))
            .select(columns())
            .first(self)
            .optional()
            .map_err(db_err)?;
        row.map(into_domain).transpose()
    }

    fn unread_notifications(&mut self, user: UserId) -> Result<i64> {
        on_conn!(self, |c| notifications::table
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::read_at.is_null())
            .count()
            .get_result(c))
        .map_err(db_err)
    }

    fn unread_counts(&mut self, users: &[UserId]) -> Result<Vec<(UserId, i64)>> {
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let rows: Vec<(i64, i64)> = notifications::table
            .filter(notifications::user_id.eq_any(&ids))
            .filter(notifications::read_at.is_null())
            .group_by(notifications::user_id)
            .select((notifications::user_id, diesel::dsl::count_star()))
            .load(self)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(|(u, n)| (UserId(u), n)).collect())
    }

    fn waiting_notices(&mut self, limit: i64) -> Result<Vec<(i64, String)>> {
        notice_outbox::table
            .select((notice_outbox::id, notice_outbox::notice))
            .order(notice_outbox::id.asc())
            .limit(limit)
            .load(self)
            .map_err(db_err)
    }

    fn notification_settings(&mut self, user: UserId) -> Result<Option<NotificationSettings>> {
        Ok(self
            .notification_settings_of(&[user])?
            .pop()
            .map(|(_, s)| s))
    }

    fn notification_settings_of(
        &mut self,
        users: &[UserId],
    ) -> Result<Vec<(UserId, NotificationSettings)>> {
        let raw: Vec<i64> = users.iter().map(|u| u.0).collect();
        let q = notification_settings::table.select((
            notification_settings::user_id,
            notification_settings::prefs,
            notification_settings::digest_hour,
        ));
        let rows: Vec<(i64, String, i32)> = match self {
            AnyConnection::Postgresql(c) => q
                .filter(notification_settings::user_id.eq_any(&raw))
                .load(c),
            AnyConnection::Sqlite(c) => q
                .filter(sqlite_in(notification_settings::user_id, &raw)?)
                .load(c),
        }
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(u, p, h)| (UserId(u), NotificationSettings::from_stored(&p, h)))
            .collect())
    }

    fn email_sent(&mut self, key: &str) -> Result<bool> {
        let n: i64 = sent_emails::table
            .filter(sent_emails::dedup_key.eq(key))
            .count()
            .get_result(self)
            .map_err(db_err)?;
        Ok(n > 0)
    }
}

impl NotificationRepo for AnyConnection {
    fn enqueue_notice(&mut self, notice: &str, at: DateTime<Utc>) -> Result<()> {
        diesel::insert_into(notice_outbox::table)
            .values((
                notice_outbox::notice.eq(notice),
                notice_outbox::created_at.eq(to_db(at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn remove_notice(&mut self, id: i64) -> Result<()> {
        diesel::delete(notice_outbox::table.find(id))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_notifications(
        &mut self,
        batch: &[(i64, NewNotification)],
        at: DateTime<Utc>,
    ) -> Result<Vec<UserId>> {
        let mut written = Vec::with_capacity(batch.len());
        let at = BulkTime::new(at);
        in_batches!(
            batch,
            |row| {
                let (id, n) = row;
                Ok((
                    notifications::id.eq(*id),
                    notifications::user_id.eq(n.user.0),
                    notifications::kind.eq(n.kind.code()),
                    notifications::dedup_key.eq(&n.key),
                    notifications::title.eq(&n.title),
                    notifications::body.eq(&n.body),
                    notifications::link.eq(&n.link),
                    notifications::created_at.eq(&at),
                    notifications::digest_pending.eq(n.digest),
                ))
            },
            |rows| {
                // A second delivery of the same notice writes nothing (also when two run at
                // once).
                let users = on_backend!(self, |c| {
                    diesel::insert_into(notifications::table)
                        .values(&rows)
                        .on_conflict((notifications::user_id, notifications::dedup_key))
                        .do_nothing()
                        .returning(notifications::user_id)
                        .get_results::<i64>(c)
                })
                .map_err(db_err)?;
                written.extend(users.into_iter().map(UserId));
            }
        );
        if !written.is_empty() {
            crate::live::signal(self)?;
        }
        Ok(written)
    }

    fn take_digest(&mut self, user: UserId) -> Result<Vec<Notification>> {
        let waiting = notifications::table
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::digest_pending.eq(true));
        let mut rows = on_backend!(self, |c| {
            diesel::update(waiting)
                .set(notifications::digest_pending.eq(false))
                .returning(columns())
                .get_results::<Row>(c)
        })
        .map_err(db_err)?;
        rows.sort_by_key(|r| (r.7, r.0));
        rows.into_iter().map(into_domain).collect()
    }

    fn lock_notification_settings(
        &mut self,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<NotificationSettings> {
        // A row to lock first (a missing row cannot be locked), then the lock itself; SQLite's
        // write transactions are serialised already.
        let defaults = NotificationSettings::default();
        let row = (
            notification_settings::user_id.eq(user.0),
            notification_settings::prefs.eq(defaults.prefs_json()),
            notification_settings::digest_hour.eq(i32::from(defaults.digest_hour)),
            notification_settings::updated_at.eq(to_db(at)),
        );
        let mine = notification_settings::table.find(user.0).select((
            notification_settings::prefs,
            notification_settings::digest_hour,
        ));
        let (prefs, hour): (String, i32) = match self {
            AnyConnection::Postgresql(c) => {
                diesel::insert_into(notification_settings::table)
                    .values(row)
                    .on_conflict(notification_settings::user_id)
                    .do_nothing()
                    .execute(c)
                    .map_err(db_err)?;
                mine.for_update().first(c)
            }
            AnyConnection::Sqlite(c) => {
                diesel::insert_into(notification_settings::table)
                    .values(row)
                    .on_conflict(notification_settings::user_id)
                    .do_nothing()
                    .execute(c)
                    .map_err(db_err)?;
                mine.first(c)
            }
        }
        .map_err(db_err)?;
        Ok(NotificationSettings::from_stored(&prefs, hour))
    }

    fn put_notification_settings(
        &mut self,
        user: UserId,
        s: &NotificationSettings,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let row = (
            notification_settings::user_id.eq(user.0),
            notification_settings::prefs.eq(s.prefs_json()),
            notification_settings::digest_hour.eq(i32::from(s.digest_hour)),
            notification_settings::updated_at.eq(to_db(at)),
        );
        on_backend!(self, |c| {
            diesel::insert_into(notification_settings::table)
                .values(row.clone())
                .on_conflict(notification_settings::user_id)
                .do_update()
                .set(row.clone())
                .execute(c)
        })
        .map_err(db_err)?;
        Ok(())
    }

    fn record_email_sent(&mut self, key: &str, at: DateTime<Utc>) -> Result<()> {
        let row = (
            sent_emails::dedup_key.eq(key),
            sent_emails::sent_at.eq(to_db(at)),
        );
        on_backend!(self, |c| {
            diesel::insert_into(sent_emails::table)
                .values(row)
                .on_conflict(sent_emails::dedup_key)
                .do_nothing()
                .execute(c)
        })
        .map_err(db_err)?;
        Ok(())
    }

    fn mark_notification_read(&mut self, user: UserId, id: i64, at: DateTime<Utc>) -> Result<bool> {
        let mine = notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user.0));
        // Read once: the first time it was read stays.
        diesel::update(mine.filter(notifications::read_at.is_null()))
            .set(notifications::read_at.eq(to_db(at)))
            .execute(self)
            .map_err(db_err)?;
        let found: i64 = mine.count().get_result(self).map_err(db_err)?;
        Ok(found == 1)
    }

    fn mark_all_notifications_read(&mut self, user: UserId, at: DateTime<Utc>) -> Result<i64> {
        let n = diesel::update(
            notifications::table
                .filter(notifications::user_id.eq(user.0))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(to_db(at)))
        .execute(self)
        .map_err(db_err)?;
        Ok(n as i64)
    }
}
