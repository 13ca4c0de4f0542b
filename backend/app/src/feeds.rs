//! What the feeds read: the newest published scenarios (all, one domain, or one of a user's
//! saved searches), the bid deadlines (all public ones, or a user's own behind their private
//! token), and the token itself with its reset.

use std::collections::BTreeSet;

use chrono::Duration;

use super::search::Search;
use super::{Services, emit};
use crate::scenarios::ScenarioView;
use domain::account::User;
use domain::actor::Actor;
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::feeds;
use domain::matching::SavedSearch;
use domain::ports::{in_read, in_tx};
use domain::scenario::ScenarioId;
use domain::search::{ScenarioSearch, ScenarioSort, clean_query};
use domain::sector::Sector;

/// How many entries a feed carries.
pub const FEED_LIMIT: usize = 50;
/// How many events the public deadline calendar carries.
pub const CALENDAR_LIMIT: usize = 500;
/// A deadline stays in the calendars this long after it passed (a calendar drops an event
/// that leaves its feed).
pub const CALENDAR_PAST_DAYS: i64 = 30;

impl Services {
    /// The signed-in user's private feed token.
    pub fn feed_token(&self, actor: &Actor) -> Result<String> {
        let generation = in_read(&*self.store, |tx| tx.feed_generation(actor.user_id))?;
        Ok(feeds::feed_token(
            &self.auth.link_secret,
            actor.user_id,
            generation,
        ))
    }

    /// Retires every earlier token of the user and hands back the new one (audited).
    pub fn reset_feed_token(&self, actor: &Actor) -> Result<String> {
        let now = self.now();
        let generation = in_tx(&*self.store, |tx| {
            let g = tx.bump_feed_generation(actor.user_id, now)?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::FeedTokenReset {
                    user: actor.user_id,
                },
                now,
            )?;
            Ok(g)
        })?;
        Ok(feeds::feed_token(
            &self.auth.link_secret,
            actor.user_id,
            generation,
        ))
    }

    /// The active user a token belongs to; a wrong, forged or retired token is not found.
    pub fn feed_owner(&self, token: &str) -> Result<User> {
        let user = feeds::feed_token_user(token).ok_or(Error::NotFound)?;
        in_read(&*self.store, |tx| {
            let generation = tx.feed_generation(user)?;
            if !feeds::check_feed_token(&self.auth.link_secret, token, user, generation) {
                return Err(Error::NotFound);
            }
            tx.user(user)?.filter(|u| u.active).ok_or(Error::NotFound)
        })
    }

    /// One of the user's saved searches.
    pub fn saved_search_of(&self, user: &User, id: i64) -> Result<SavedSearch> {
        in_read(&*self.store, |tx| {
            tx.saved_searches(user.id)?
                .into_iter()
                .find(|s| s.id == id)
                .ok_or(Error::NotFound)
        })
    }

    /// The public scenarios the user follows or its organization bids on (withdrawn bids
    /// too: the vendor may bid again), nearest deadline first.
    pub fn my_deadlines(&self, user: &User) -> Result<Vec<ScenarioView>> {
        let ids: BTreeSet<ScenarioId> = in_read(&*self.store, |tx| {
            let mut ids: BTreeSet<ScenarioId> = tx.followed_by(user.id)?.into_iter().collect();
            if let Some(org) = user.organization_id {
                ids.extend(tx.bids_of_vendor(org)?.into_iter().map(|b| b.scenario));
            }
            Ok(ids)
        })?;
        let ids: Vec<ScenarioId> = ids.into_iter().collect();
        let mut views: Vec<ScenarioView> = self.views_of(None, &ids, true)?.into_values().collect();
        views.sort_by_key(|v| (v.scenario.bid_deadline, v.scenario.id));
        Ok(views)
    }
}

impl Search {
    /// The most recently published scenarios, of some domains (all when empty) or fitting a
    /// saved search, newest first.
    pub fn newest_scenarios(
        &self,
        domains: Vec<Sector>,
        saved: Option<&SavedSearch>,
    ) -> Result<Vec<ScenarioView>> {
        let now = self.now();
        let q = match saved {
            Some(s) => ScenarioSearch {
                text: clean_query(&s.q).0,
                domains: s.domains.clone(),
                tags: s.tags.clone(),
                budget_min_fen: s.budget_min_fen,
                budget_max_fen: s.budget_max_fen,
                sort: ScenarioSort::Newest,
                limit: FEED_LIMIT,
                now,
                ..ScenarioSearch::default()
            },
            None => ScenarioSearch {
                domains,
                sort: ScenarioSort::Newest,
                limit: FEED_LIMIT,
                now,
                ..ScenarioSearch::default()
            },
        };
        Ok(self
            .scenarios_read(None, &q, true)?
            .items
            .into_iter()
            .map(|r| r.view)
            .collect())
    }

    /// Every searchable scenario whose deadline is ahead or passed within
    /// [`CALENDAR_PAST_DAYS`], nearest first (a cancelled one has left the index, and its
    /// event leaves the calendars).
    pub fn public_deadlines(&self) -> Result<Vec<ScenarioView>> {
        let now = self.now();
        let q = ScenarioSearch {
            deadline_after: Some(now - Duration::days(CALENDAR_PAST_DAYS)),
            sort: ScenarioSort::DeadlineSoonest,
            limit: CALENDAR_LIMIT,
            now,
            ..ScenarioSearch::default()
        };
        Ok(self
            .scenarios_read(None, &q, true)?
            .items
            .into_iter()
            .map(|r| r.view)
            .collect())
    }
}
