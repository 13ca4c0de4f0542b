//! What evaluation stores: panel members with their declarations, scores, dissents, ratings.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Marks, Score};
use crate::bid::BidId;
use crate::ids::UserId;
use crate::scenario::CriterionId;

/// A member of a scenario's evaluation panel, with their conflict declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PanelMember {
    pub id: crate::ids::PanelMemberId,
    pub evaluator: UserId,
    pub added_at: DateTime<Utc>,
    pub declared_at: Option<DateTime<Utc>>,
    /// `None` until declared.
    pub has_conflict: Option<bool>,
    pub note: String,
    /// Set when taken off the panel (by the owner, or by declaring a conflict).
    pub removed_at: Option<DateTime<Utc>>,
}

impl PanelMember {
    pub fn active(&self) -> bool {
        self.removed_at.is_none()
    }

    /// Declared no conflict: may see the bids and score them.
    pub fn cleared(&self) -> bool {
        self.active() && self.has_conflict == Some(false)
    }
}

/// A stored score with its comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredScore {
    pub evaluator: UserId,
    pub bid: BidId,
    pub criterion: CriterionId,
    pub score: i32,
    pub comment: String,
    pub updated_at: DateTime<Utc>,
}

impl StoredScore {
    /// The score as the scoring rules take it.
    pub fn score(&self) -> Score {
        Score {
            evaluator: self.evaluator,
            bid: self.bid,
            criterion: self.criterion,
            score: self.score,
        }
    }
}

/// An evaluator's written disagreement with the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dissent {
    pub id: i64,
    pub evaluator: UserId,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The owner's rating of the vendor after delivery, and the vendor's one reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rating {
    pub id: crate::ids::RatingId,
    pub scenario: crate::scenario::ScenarioId,
    pub vendor: crate::ids::OrganizationId,
    pub rated_by: UserId,
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
}

impl Rating {
    pub fn marks(&self) -> Marks {
        Marks {
            quality: self.quality,
            timeliness: self.timeliness,
            communication: self.communication,
        }
    }
}

/// The owner's record that the vendor of an abnormally low bid was asked to explain its price,
/// and what it said. An abnormally low bid cannot be awarded without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LowPriceCheck {
    pub bid: crate::bid::BidId,
    pub scenario: crate::scenario::ScenarioId,
    pub note: String,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

/// The longest explanation note, in characters.
pub const MAX_LOW_PRICE_NOTE: usize = 2000;

/// Where an evaluator stands on one panel, for the workspace's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelState {
    /// Declared a conflict: off this panel.
    Conflict,
    /// Every score due is given (or no bid came).
    Evaluated,
    /// Anything else: not declared yet, bids still sealed, or scores missing.
    Pending,
}

impl PanelState {
    pub const ALL: [PanelState; 3] = [
        PanelState::Pending,
        PanelState::Evaluated,
        PanelState::Conflict,
    ];

    /// The state of a membership, with `(given, due)` scores once the bids are open.
    pub fn of(member: &PanelMember, progress: Option<(usize, usize)>) -> PanelState {
        if member.has_conflict == Some(true) {
            return PanelState::Conflict;
        }
        match progress {
            Some((given, due)) if member.cleared() && given >= due => PanelState::Evaluated,
            _ => PanelState::Pending,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            PanelState::Conflict => "conflict",
            PanelState::Evaluated => "evaluated",
            PanelState::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<PanelState> {
        PanelState::ALL.into_iter().find(|p| p.code() == s)
    }
}
