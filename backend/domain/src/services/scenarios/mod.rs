//! Scenario use cases: drafting, editing, publishing, extending, cancelling, opening bids at
//! the deadline, listing, and the clarification Q&A.

mod lifecycle;
mod qa;
mod reading;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Services, emit};
use crate::error::Result;
use crate::ids::OrganizationId;
use crate::scenario::{Answer, Move, QuestionId, Scenario, ScenarioId, Status};

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
    pub invitations: Vec<crate::notify::Invitation>,
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
    pub domain: Option<crate::sector::Sector>,
    pub agency: Option<OrganizationId>,
    pub offset: i64,
    pub limit: i64,
}
