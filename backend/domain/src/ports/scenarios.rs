//! Scenarios, their criteria, questions and answers.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::{OrganizationId, ScenarioId, UserId};
use crate::sector::Sector;

/// Filters of the scenario list. Visibility: scenarios ever published, and the drafts of the
/// viewer's own organization.
#[derive(Debug, Clone)]
pub struct ScenarioFilter {
    /// The status as seen at `now` (a passed deadline counts as `evaluating`).
    pub status: Option<crate::scenario::Status>,
    pub domain: Option<Sector>,
    pub agency: Option<OrganizationId>,
    /// The viewer's organization, whose drafts are visible too.
    pub viewer_org: Option<OrganizationId>,
    pub now: DateTime<Utc>,
    pub offset: i64,
    pub limit: i64,
}

/// One row of the scenario list. The count includes sealed bids: the service shows it only
/// once the bids are opened.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedScenario {
    pub scenario: crate::scenario::Scenario,
    pub owner_name: String,
    pub active_bids: i64,
}

/// How [`ScenarioRepo::lock_scenario`] locks the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    Share,
    Update,
}

/// What may be read of these inside any transaction, a read-only one included.
pub trait ScenarioReads {
    fn scenario(
        &mut self,
        id: crate::scenario::ScenarioId,
    ) -> Result<Option<crate::scenario::Scenario>>;
    /// Awarded scenarios whose award notice is not stored (awards made before notices were).
    fn awarded_without_notice(&mut self) -> Result<Vec<crate::scenario::Scenario>>;
    /// Every award in a domain: the scenario and the winning vendor.
    fn awards_in_domain(
        &mut self,
        domain: Sector,
    ) -> Result<Vec<(crate::scenario::ScenarioId, OrganizationId)>>;
    /// A page of scenarios, newest first, each with its agency's name and its count of active
    /// bids (names and counts in one query for the whole page), and the total.
    fn scenario_page(&mut self, f: &ScenarioFilter) -> Result<(Vec<ListedScenario>, i64)> {
        Ok((self.scenario_rows(f)?, self.count_scenarios(f)?))
    }
    /// The page of [`ScenarioReads::scenario_page`] without its total.
    fn scenario_rows(&mut self, f: &ScenarioFilter) -> Result<Vec<ListedScenario>>;
    /// The page of [`ScenarioReads::scenario_rows`] as a list shows it: each description left
    /// empty (no list shows one, and it is most of a row's text), and the criteria too unless
    /// `criteria`.
    fn scenario_list_rows(
        &mut self,
        f: &ScenarioFilter,
        criteria: bool,
    ) -> Result<Vec<ListedScenario>>;
    /// The scenarios of `ids` that exist, as a list shows them (agency name and active bids
    /// with each), in a few queries whatever their number (a search result page); their
    /// descriptions empty unless `description`.
    fn listed_scenarios(
        &mut self,
        ids: &[ScenarioId],
        description: bool,
    ) -> Result<Vec<ListedScenario>>;
    /// How many scenarios the filter selects (its page and size aside).
    fn count_scenarios(&mut self, f: &ScenarioFilter) -> Result<i64>;
    /// A counter every scenario write moves, in the writing transaction (bids do not).
    fn scenario_version(&mut self) -> Result<i64>;
    /// The earliest bid deadline after `t` of a scenario taking bids (when a status count
    /// changes by itself).
    fn next_deadline_after(&mut self, t: DateTime<Utc>) -> Result<Option<DateTime<Utc>>>;
    fn question(
        &mut self,
        id: crate::scenario::QuestionId,
    ) -> Result<Option<crate::scenario::Question>>;
    /// Questions of a scenario with their answers, oldest first.
    fn questions(
        &mut self,
        scenario: crate::scenario::ScenarioId,
    ) -> Result<Vec<crate::scenario::Question>>;
}

/// Scenarios, their criteria, questions and answers.
pub trait ScenarioRepo: ScenarioReads {
    /// Moves the version that kept public answers are checked against (see
    /// [`crate::event::DomainEvent::moves_public_version`]).
    fn bump_scenario_version(&mut self) -> Result<()>;
    /// Writes a new scenario with its criteria.
    fn insert_scenario(&mut self, s: &crate::scenario::Scenario) -> Result<()>;
    /// Rewrites a scenario; its criteria are replaced by the given ones.
    fn update_scenario(&mut self, s: &crate::scenario::Scenario) -> Result<()>;
    /// Loads a scenario and locks its row until the transaction ends, so that a check of its
    /// state and the change that follows are one atomic step: `Update` for a change of the
    /// scenario itself (waits for every other lock), `Share` for a change beside it (bids),
    /// which many transactions hold at once. (SQLite's write lock already serialises writers.)
    fn lock_scenario(
        &mut self,
        id: crate::scenario::ScenarioId,
        mode: RowLock,
    ) -> Result<Option<crate::scenario::Scenario>>;
    fn insert_question(&mut self, q: &crate::scenario::Question) -> Result<()>;
    fn insert_answer(
        &mut self,
        question: crate::scenario::QuestionId,
        by: UserId,
        a: &crate::scenario::Answer,
    ) -> Result<()>;
}
