//! Subscriptions: follows, a vendor user's interests and saved searches, and the generation of
//! each user's private feed key.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::error::Result;
use domain::ids::UserId;
use domain::scenario::ScenarioId;

use crate::time::{from_db, to_db};
use crate::{AnyConnection, db_err};
use domain::matching::{EmailPref, Interests, SavedSearch};
use domain::ports::{SubscriptionReads, SubscriptionRepo};
use domain::sector::Sector;

use crate::schema::{feed_keys, interests, saved_searches, scenario_follows};

impl SubscriptionReads for AnyConnection {
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
        let n: i64 = on_conn!(self, |c| scenario_follows::table
            .filter(scenario_follows::scenario_id.eq(scenario.0))
            .filter(scenario_follows::user_id.eq(user.0))
            .count()
            .get_result(c))
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
}

impl SubscriptionRepo for AnyConnection {
    fn bump_feed_generation(&mut self, user: UserId, at: DateTime<Utc>) -> Result<i64> {
        let row = (
            feed_keys::user_id.eq(user.0),
            feed_keys::generation.eq(1i64),
            feed_keys::reset_at.eq(to_db(at)),
        );
        // One statement: two resets at once each move the generation on.
        on_backend!(self, |c| {
            diesel::insert_into(feed_keys::table)
                .values(row)
                .on_conflict(feed_keys::user_id)
                .do_update()
                .set((
                    feed_keys::generation.eq(feed_keys::generation + 1i64),
                    feed_keys::reset_at.eq(to_db(at)),
                ))
                .execute(c)
        })
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
        on_backend!(self, |c| {
            diesel::insert_into(interests::table)
                .values(row.clone())
                .on_conflict(interests::user_id)
                .do_update()
                .set(row.clone())
                .execute(c)
        })
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
        on_backend!(self, |c| {
            diesel::insert_into(scenario_follows::table)
                .values(row)
                .on_conflict((scenario_follows::scenario_id, scenario_follows::user_id))
                .do_nothing()
                .execute(c)
        })
        .map_err(db_err)?;
        Ok(())
    }
}

fn json_list<T: serde::Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn stored_list<T: serde::de::DeserializeOwned>(s: &str) -> Result<Vec<T>> {
    serde_json::from_str(s).map_err(|e| domain::Error::internal(format!("a stored list: {e}")))
}

type InterestRow = (i64, String, String, String, Option<i64>, String);

fn interest_columns() -> (
    interests::user_id,
    interests::domains,
    interests::tags,
    interests::keywords,
    interests::budget_min_fen,
    interests::email,
) {
    (
        interests::user_id,
        interests::domains,
        interests::tags,
        interests::keywords,
        interests::budget_min_fen,
        interests::email,
    )
}

fn interests_of(r: InterestRow) -> Result<(UserId, Interests)> {
    Ok((
        UserId(r.0),
        Interests {
            domains: stored_list::<Sector>(&r.1)?,
            tags: stored_list(&r.2)?,
            keywords: stored_list(&r.3)?,
            budget_min_fen: r.4,
            email: EmailPref::parse(&r.5).unwrap_or_default(),
        },
    ))
}

type SearchRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    chrono::NaiveDateTime,
);

fn search_columns() -> (
    saved_searches::id,
    saved_searches::user_id,
    saved_searches::query_text,
    saved_searches::domains,
    saved_searches::tags,
    saved_searches::budget_min_fen,
    saved_searches::budget_max_fen,
    saved_searches::created_at,
) {
    (
        saved_searches::id,
        saved_searches::user_id,
        saved_searches::query_text,
        saved_searches::domains,
        saved_searches::tags,
        saved_searches::budget_min_fen,
        saved_searches::budget_max_fen,
        saved_searches::created_at,
    )
}

fn search_of(r: SearchRow) -> Result<SavedSearch> {
    Ok(SavedSearch {
        id: r.0,
        user: UserId(r.1),
        q: r.2,
        domains: stored_list(&r.3)?,
        tags: stored_list(&r.4)?,
        budget_min_fen: r.5,
        budget_max_fen: r.6,
        created_at: from_db(r.7),
    })
}
