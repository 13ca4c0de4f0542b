//! Notifications and the notice outbox.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::error::Result;
use domain::ids::OrganizationId;
use domain::ids::UserId;
use domain::matching::{Interests, SavedSearch};
use domain::notify::{Invitation, NewNotification, Notification, NotificationFilter};
use domain::ports::{NotificationReads, NotificationRepo};
use domain::scenario::ScenarioId;

use crate::schema::{
    feed_keys, interests, invitations, notice_outbox, notification_settings, notifications,
    saved_searches, scenario_follows, sent_emails,
};
use crate::time::to_db;
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
        notifications::table
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::read_at.is_null())
            .count()
            .get_result(self)
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

    fn followers(&mut self, scenario: ScenarioId) -> Result<Vec<UserId>> {
        let ids: Vec<i64> = scenario_follows::table
            .filter(scenario_follows::scenario_id.eq(scenario.0))
            .select(scenario_follows::user_id)
            .order(scenario_follows::user_id.asc())
            .load(self)
            .map_err(db_err)?;
        Ok(ids.into_iter().map(UserId).collect())
    }

    fn is_following(&mut self, scenario: ScenarioId, user: UserId) -> Result<bool> {
        let n: i64 = scenario_follows::table
            .filter(scenario_follows::scenario_id.eq(scenario.0))
            .filter(scenario_follows::user_id.eq(user.0))
            .count()
            .get_result(self)
            .map_err(db_err)?;
        Ok(n > 0)
    }

    fn followed_by(&mut self, user: UserId) -> Result<Vec<ScenarioId>> {
        Ok(scenario_follows::table
            .filter(scenario_follows::user_id.eq(user.0))
            .select(scenario_follows::scenario_id)
            .load::<i64>(self)
            .map_err(db_err)?
            .into_iter()
            .map(ScenarioId)
            .collect())
    }

    fn feed_generation(&mut self, user: UserId) -> Result<i64> {
        Ok(feed_keys::table
            .find(user.0)
            .select(feed_keys::generation)
            .first::<i64>(self)
            .optional()
            .map_err(db_err)?
            .unwrap_or(0))
    }

    fn invitation(&mut self, id: i64) -> Result<Option<Invitation>> {
        let row: Option<InvitationRow> = invitations::table
            .find(id)
            .select(invitation_columns())
            .first(self)
            .optional()
            .map_err(db_err)?;
        Ok(row.map(invitation_of))
    }

    fn invitations_of_vendor(&mut self, vendor: OrganizationId) -> Result<Vec<Invitation>> {
        let rows: Vec<InvitationRow> = invitations::table
            .filter(invitations::vendor_org_id.eq(vendor.0))
            .select(invitation_columns())
            .order((invitations::created_at.desc(), invitations::id.desc()))
            .load(self)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(invitation_of).collect())
    }

    fn invitations_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Invitation>> {
        let rows: Vec<InvitationRow> = invitations::table
            .filter(invitations::scenario_id.eq(scenario.0))
            .select(invitation_columns())
            .order((invitations::created_at.asc(), invitations::id.asc()))
            .load(self)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(invitation_of).collect())
    }

    fn interests(&mut self, user: UserId) -> Result<Option<Interests>> {
        let row: Option<InterestRow> = interests::table
            .find(user.0)
            .select(interest_columns())
            .first(self)
            .optional()
            .map_err(db_err)?;
        row.map(|r| interests_of(r).map(|(_, i)| i)).transpose()
    }

    fn all_interests(&mut self) -> Result<Vec<(UserId, Interests)>> {
        let rows: Vec<InterestRow> = interests::table
            .select(interest_columns())
            .order(interests::user_id.asc())
            .load(self)
            .map_err(db_err)?;
        rows.into_iter().map(interests_of).collect()
    }

    fn saved_searches(&mut self, user: UserId) -> Result<Vec<SavedSearch>> {
        let rows: Vec<SearchRow> = saved_searches::table
            .filter(saved_searches::user_id.eq(user.0))
            .select(search_columns())
            .order((saved_searches::created_at.asc(), saved_searches::id.asc()))
            .load(self)
            .map_err(db_err)?;
        rows.into_iter().map(search_of).collect()
    }

    fn all_saved_searches(&mut self) -> Result<Vec<SavedSearch>> {
        let rows: Vec<SearchRow> = saved_searches::table
            .select(search_columns())
            .order(saved_searches::id.asc())
            .load(self)
            .map_err(db_err)?;
        rows.into_iter().map(search_of).collect()
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
        let mut out = vec![];
        for chunk in users.chunks(1000) {
            let raw: Vec<i64> = chunk.iter().map(|u| u.0).collect();
            let rows: Vec<(i64, String, i32)> = notification_settings::table
                .filter(notification_settings::user_id.eq_any(&raw))
                .select((
                    notification_settings::user_id,
                    notification_settings::prefs,
                    notification_settings::digest_hour,
                ))
                .load(self)
                .map_err(db_err)?;
            out.extend(
                rows.into_iter()
                    .map(|(u, p, h)| (UserId(u), NotificationSettings::from_stored(&p, h))),
            );
        }
        Ok(out)
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

    fn insert_invitation(&mut self, i: &Invitation) -> Result<()> {
        diesel::insert_into(invitations::table)
            .values((
                invitations::id.eq(i.id),
                invitations::scenario_id.eq(i.scenario.0),
                invitations::vendor_org_id.eq(i.vendor.0),
                invitations::invited_by.eq(i.invited_by.0),
                invitations::message.eq(&i.message),
                invitations::created_at.eq(to_db(i.created_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn bump_feed_generation(&mut self, user: UserId, at: DateTime<Utc>) -> Result<i64> {
        let row = (
            feed_keys::user_id.eq(user.0),
            feed_keys::generation.eq(1i64),
            feed_keys::reset_at.eq(to_db(at)),
        );
        // One statement: two resets at once each move the generation on.
        macro_rules! upsert {
            ($c:expr) => {
                diesel::insert_into(feed_keys::table)
                    .values(row)
                    .on_conflict(feed_keys::user_id)
                    .do_update()
                    .set((
                        feed_keys::generation.eq(feed_keys::generation + 1i64),
                        feed_keys::reset_at.eq(to_db(at)),
                    ))
                    .execute($c)
            };
        }
        match self {
            AnyConnection::Postgresql(c) => upsert!(c),
            AnyConnection::Sqlite(c) => upsert!(c),
        }
        .map_err(db_err)?;
        self.feed_generation(user)
    }

    fn put_interests(&mut self, user: UserId, i: &Interests, at: DateTime<Utc>) -> Result<()> {
        let row = (
            interests::user_id.eq(user.0),
            interests::domains.eq(json_list(&i.domains)),
            interests::tags.eq(json_list(&i.tags)),
            interests::keywords.eq(json_list(&i.keywords)),
            interests::budget_min_fen.eq(i.budget_min_fen),
            interests::email.eq(i.email.code()),
            interests::updated_at.eq(to_db(at)),
        );
        // One statement, so two saves at once cannot both insert.
        macro_rules! upsert {
            ($c:expr) => {
                diesel::insert_into(interests::table)
                    .values(row.clone())
                    .on_conflict(interests::user_id)
                    .do_update()
                    .set(row.clone())
                    .execute($c)
            };
        }
        match self {
            AnyConnection::Postgresql(c) => upsert!(c),
            AnyConnection::Sqlite(c) => upsert!(c),
        }
        .map_err(db_err)?;
        Ok(())
    }

    fn insert_saved_search(&mut self, s: &SavedSearch) -> Result<()> {
        diesel::insert_into(saved_searches::table)
            .values((
                saved_searches::id.eq(s.id),
                saved_searches::user_id.eq(s.user.0),
                saved_searches::query_text.eq(&s.q),
                saved_searches::domains.eq(json_list(&s.domains)),
                saved_searches::tags.eq(json_list(&s.tags)),
                saved_searches::budget_min_fen.eq(s.budget_min_fen),
                saved_searches::budget_max_fen.eq(s.budget_max_fen),
                saved_searches::created_at.eq(to_db(s.created_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn delete_saved_search(&mut self, user: UserId, id: i64) -> Result<bool> {
        let n = diesel::delete(
            saved_searches::table
                .filter(saved_searches::id.eq(id))
                .filter(saved_searches::user_id.eq(user.0)),
        )
        .execute(self)
        .map_err(db_err)?;
        Ok(n == 1)
    }

    fn set_following(
        &mut self,
        scenario: ScenarioId,
        user: UserId,
        follow: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if !follow {
            diesel::delete(
                scenario_follows::table
                    .filter(scenario_follows::scenario_id.eq(scenario.0))
                    .filter(scenario_follows::user_id.eq(user.0)),
            )
            .execute(self)
            .map_err(db_err)?;
            return Ok(());
        }
        let row = (
            scenario_follows::scenario_id.eq(scenario.0),
            scenario_follows::user_id.eq(user.0),
            scenario_follows::created_at.eq(to_db(at)),
        );
        macro_rules! insert {
            ($c:expr) => {
                diesel::insert_into(scenario_follows::table)
                    .values(row)
                    .on_conflict((scenario_follows::scenario_id, scenario_follows::user_id))
                    .do_nothing()
                    .execute($c)
            };
        }
        match self {
            AnyConnection::Postgresql(c) => insert!(c),
            AnyConnection::Sqlite(c) => insert!(c),
        }
        .map_err(db_err)?;
        Ok(())
    }

    fn insert_notifications(
        &mut self,
        batch: &[(i64, NewNotification)],
        at: DateTime<Utc>,
    ) -> Result<Vec<UserId>> {
        let mut written = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(500) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(id, n)| {
                    (
                        notifications::id.eq(*id),
                        notifications::user_id.eq(n.user.0),
                        notifications::kind.eq(n.kind.code()),
                        notifications::dedup_key.eq(&n.key),
                        notifications::title.eq(&n.title),
                        notifications::body.eq(&n.body),
                        notifications::link.eq(&n.link),
                        notifications::created_at.eq(to_db(at)),
                        notifications::digest_pending.eq(n.digest),
                    )
                })
                .collect();
            // A second delivery of the same notice writes nothing (also when two run at once).
            macro_rules! insert {
                ($c:expr) => {
                    diesel::insert_into(notifications::table)
                        .values(&rows)
                        .on_conflict((notifications::user_id, notifications::dedup_key))
                        .do_nothing()
                        .returning(notifications::user_id)
                        .get_results::<i64>($c)
                };
            }
            let users = match self {
                AnyConnection::Postgresql(c) => insert!(c),
                AnyConnection::Sqlite(c) => insert!(c),
            }
            .map_err(db_err)?;
            written.extend(users.into_iter().map(UserId));
        }
        Ok(written)
    }

    fn take_digest(&mut self, user: UserId) -> Result<Vec<Notification>> {
        let waiting = notifications::table
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::digest_pending.eq(true));
        macro_rules! take {
            ($c:expr) => {
                diesel::update(waiting)
                    .set(notifications::digest_pending.eq(false))
                    .returning(columns())
                    .get_results::<Row>($c)
            };
        }
        let mut rows = match self {
            AnyConnection::Postgresql(c) => take!(c),
            AnyConnection::Sqlite(c) => take!(c),
        }
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
        macro_rules! upsert {
            ($c:expr) => {
                diesel::insert_into(notification_settings::table)
                    .values(row.clone())
                    .on_conflict(notification_settings::user_id)
                    .do_update()
                    .set(row.clone())
                    .execute($c)
            };
        }
        match self {
            AnyConnection::Postgresql(c) => upsert!(c),
            AnyConnection::Sqlite(c) => upsert!(c),
        }
        .map_err(db_err)?;
        Ok(())
    }

    fn record_email_sent(&mut self, key: &str, at: DateTime<Utc>) -> Result<()> {
        let row = (
            sent_emails::dedup_key.eq(key),
            sent_emails::sent_at.eq(to_db(at)),
        );
        macro_rules! insert {
            ($c:expr) => {
                diesel::insert_into(sent_emails::table)
                    .values(row)
                    .on_conflict(sent_emails::dedup_key)
                    .do_nothing()
                    .execute($c)
            };
        }
        match self {
            AnyConnection::Postgresql(c) => insert!(c),
            AnyConnection::Sqlite(c) => insert!(c),
        }
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
