//! Scenario use cases: drafting, editing, publishing, extending, cancelling, opening bids at
//! the deadline, listing, and the clarification Q&A.

mod lifecycle;
mod qa;
mod reading;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Services, emit};
use domain::error::Result;
use domain::ids::OrganizationId;
use domain::scenario::{Answer, Move, QuestionId, Scenario, ScenarioId, Status};

/// A scenario as readers see it at a moment.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioView {
    pub scenario: Scenario,
    /// The status at the time of reading (a passed deadline counts as `evaluating`).
    pub status: Status,
    /// How many bids there are; `None` until the bids are opened at the deadline.
    pub bid_count: Option<i64>,
    pub owner_name: String,
}

impl ScenarioView {
    /// A listed scenario as it reads at `now`.
    pub(crate) fn listed(
        r: domain::ports::ListedScenario,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let status = r.scenario.status_at(now);
        // Sealed until the deadline: no count of any kind before it (and never for a
        // cancelled scenario, whose bids are void).
        let bid_count = r.scenario.bids_opened(now).then_some(r.active_bids);
        ScenarioView {
            scenario: r.scenario,
            status,
            bid_count,
            owner_name: r.owner_name,
        }
    }
}

/// A scenario with what its reader may do with it and needs to know: the read model of the
/// detail page and of `GET /api/v1/scenarios/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioDetail {
    pub view: ScenarioView,
    /// What the reader may do now (from the policy and the lifecycle).
    #[serde(serialize_with = "move_codes")]
    pub allowed: Vec<Move>,
    /// The reader's (vendor's) own bids on the scenario, withdrawn ones too.
    pub own_bids: Vec<super::bids::BidView>,
    pub questions: Vec<QuestionView>,
    /// The invitations the reader may see: all of them for the owner, its own for an invited
    /// vendor, none for anyone else.
    #[serde(skip)]
    pub invitations: Vec<domain::invitation::Invitation>,
    /// What the pages show the reader beyond the moves, as the policy decided it.
    #[serde(skip)]
    pub reader: Reader,
    /// The reader's (vendor's) consortia on the scenario, as it may read them.
    #[serde(skip)]
    pub consortia: Vec<domain::team::consortium::Consortium>,
    /// Whom the reader would bid for.
    #[serde(skip)]
    pub bidding_as: BiddingAs,
}

/// Whom a vendor bids for on a scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BiddingAs {
    /// Itself, alone.
    #[default]
    Alone,
    /// The agreed consortium it leads: (id, name).
    Lead(domain::ids::ConsortiumId, String),
    /// A consortium it joined (and does not lead, or whose agreement is not confirmed yet):
    /// it bids through that consortium's lead once agreed, never alone. Its name.
    Member(String),
}

impl BiddingAs {
    /// From the vendor's consortia on the scenario.
    pub fn of(
        org: Option<domain::ids::OrganizationId>,
        consortia: &[domain::team::consortium::Consortium],
    ) -> BiddingAs {
        use domain::team::consortium::Status;
        let Some(org) = org else {
            return BiddingAs::Alone;
        };
        let joined = consortia
            .iter()
            .find(|c| c.status != Status::Dissolved && c.accepted().any(|m| m.vendor == org));
        match joined {
            Some(c) if c.lead == org && c.status == Status::Agreed => {
                BiddingAs::Lead(c.id, c.name.clone())
            }
            Some(c) => BiddingAs::Member(c.name.clone()),
            None => BiddingAs::Alone,
        }
    }
}

/// The reader's standing on a scenario's page (all from [`domain::policy`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Reader {
    /// The reader's agency posted the scenario.
    pub is_owner: bool,
    /// The owner may invite vendors now (and sees the vendors recommended for it).
    pub can_invite: bool,
    /// A vendor user whose organization must be verified before it can bid.
    pub bid_awaits_verification: bool,
}

fn move_codes<S: serde::Serializer>(moves: &[Move], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(moves.iter().map(|m| m.code()))
}

impl ScenarioDetail {
    /// Whether the reader may make this move.
    pub fn may(&self, m: Move) -> bool {
        self.allowed.contains(&m)
    }
}

/// A question as a reader may see it: never who asked.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub id: QuestionId,
    pub scenario: ScenarioId,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub answers: Vec<Answer>,
    /// Whether the reader asked it.
    pub mine: bool,
}

/// A page of scenarios.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioPage {
    pub items: Vec<ScenarioView>,
    pub total: i64,
}

/// What reading a list filters by.
#[derive(Debug, Clone, Default)]
pub struct ScenarioQuery {
    pub status: Option<Status>,
    pub domain: Option<domain::sector::Sector>,
    pub agency: Option<OrganizationId>,
    pub offset: i64,
    pub limit: i64,
    /// Leaves each scenario's criteria out (a page of cards shows none).
    pub without_criteria: bool,
}

/// The scenario list's totals by filter, each kept with the scenario version it was counted
/// at and the time it holds until, so that a page of a long list does not count every
/// scenario again. Exact: every scenario write moves the version in its own transaction (read
/// here before the count, so a total is never older than its version), and a count by status
/// holds only until the next bid deadline. Each server process keeps its own, checked against
/// the one version in the database. Bids do not move the version, so nothing about them shows
/// in what is counted or when.
#[derive(Debug, Default)]
pub struct ListTotals(std::sync::Mutex<std::collections::HashMap<TotalKey, Total>>);

type TotalKey = (
    Option<domain::scenario::Status>,
    Option<domain::sector::Sector>,
    Option<domain::ids::OrganizationId>,
    Option<domain::ids::OrganizationId>,
);

#[derive(Debug, Clone, Copy)]
struct Total {
    version: i64,
    /// Holds while the time is before this (none: until the version moves).
    until: Option<chrono::DateTime<chrono::Utc>>,
    n: i64,
}

/// The most filters kept (past it, the kept ones are dropped and counted again).
const MAX_TOTALS: usize = 1024;

impl ListTotals {
    pub(crate) fn total(
        &self,
        tx: &mut dyn domain::ports::ReadTx,
        f: &domain::ports::ScenarioFilter,
    ) -> domain::error::Result<i64> {
        use domain::scenario::Status;
        let key = (f.status, f.domain, f.agency, f.viewer_org);
        let version = tx.scenario_version()?;
        let lock = || self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = lock().get(&key).copied()
            && t.version == version
            && t.until.is_none_or(|u| f.now < u)
        {
            return Ok(t.n);
        }
        let n = tx.count_scenarios(f)?;
        let until = match f.status {
            Some(Status::Published | Status::Evaluating) => {
                // Counted as of `f.now`: changes when the next deadline passes.
                Some(
                    tx.next_deadline_after(f.now)?
                        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
                )
            }
            _ => None,
        };
        let mut kept = lock();
        if kept.len() >= MAX_TOTALS {
            kept.clear();
        }
        kept.insert(key, Total { version, until, n });
        Ok(n)
    }
}
