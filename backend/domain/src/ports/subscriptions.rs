//! Subscriptions: the scenarios a user follows, a vendor's interests and saved searches, and
//! the generation of the user's private feed key.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::UserId;
use crate::scenario::ScenarioId;

/// The reading side of subscriptions.
pub trait SubscriptionReads {
    /// The users who follow a scenario.
    fn followers(&mut self, scenario: ScenarioId) -> Result<Vec<UserId>>;
    fn is_following(&mut self, scenario: ScenarioId, user: UserId) -> Result<bool>;
    /// The scenarios a user follows.
    fn followed_by(&mut self, user: UserId) -> Result<Vec<ScenarioId>>;
    /// The generation of the user's feed key (0 before any reset).
    fn feed_generation(&mut self, user: UserId) -> Result<i64>;
    fn interests(&mut self, user: UserId) -> Result<Option<crate::matching::Interests>>;
    /// Every stored interest profile (one read for matching a scenario against all).
    fn all_interests(&mut self) -> Result<Vec<(UserId, crate::matching::Interests)>>;
    /// A user's saved searches, oldest first.
    fn saved_searches(&mut self, user: UserId) -> Result<Vec<crate::matching::SavedSearch>>;
    /// Every saved search (one read for matching a scenario against all).
    fn all_saved_searches(&mut self) -> Result<Vec<crate::matching::SavedSearch>>;
}

pub trait SubscriptionRepo: SubscriptionReads {
    /// Moves the user's feed key to its next generation (one atomic upsert) and returns it.
    fn bump_feed_generation(&mut self, user: UserId, at: DateTime<Utc>) -> Result<i64>;
    /// Replaces the user's interests.
    fn put_interests(
        &mut self,
        user: UserId,
        i: &crate::matching::Interests,
        at: DateTime<Utc>,
    ) -> Result<()>;
    fn insert_saved_search(&mut self, s: &crate::matching::SavedSearch) -> Result<()>;
    /// Deletes one of the user's saved searches; whether it was the user's.
    fn delete_saved_search(&mut self, user: UserId, id: i64) -> Result<bool>;
    /// Starts or stops following (doing it twice is doing it once).
    fn set_following(
        &mut self,
        scenario: ScenarioId,
        user: UserId,
        follow: bool,
        at: DateTime<Utc>,
    ) -> Result<()>;
}
