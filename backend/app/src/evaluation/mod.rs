//! Evaluation use cases: the panel (chosen or drawn), conflict declarations, score sheets,
//! the ranking, dissent, the award and its public notice, delivery, the rating and the reply.
//! Each moment (panel assigned, award, rating received) is one service call; the calls are
//! grouped by moment in the submodules.

mod award;
mod delivery;
mod panel;
mod scoring;

use chrono::{DateTime, Utc};
use domain::message::Message;
use serde::Serialize;

use super::{Services, emit};
use domain::error::Error;
use domain::evaluation::AwardNotice;
use domain::evaluation::{self as ev, Dissent, Evaluated, Outlier, PanelMember, Rating};
use domain::ids::OrganizationId;
use domain::ports::PanelDraw;
use domain::scenario::{self, Move, Scenario, ScenarioId};

/// A panel member with their name.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub member: PanelMember,
    pub name: String,
}

/// The panel of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct PanelView {
    pub members: Vec<MemberView>,
    /// Members who declared a conflict and left: the owner replaces them.
    pub conflicts: Vec<MemberView>,
    /// Once a score is saved the panel no longer changes.
    pub locked: bool,
    pub min_size: usize,
    /// Every draw so far (seed, pool, result, reason), oldest first.
    pub draws: Vec<PanelDraw>,
    /// How many more redraws are allowed.
    pub redraws_left: usize,
}

/// One bid in the ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub evaluated: Evaluated,
    pub vendor: OrganizationId,
    /// The vendor's name; for a consortium, its name and every member's with its share.
    pub vendor_name: String,
    /// Whether the vendor is still verified (for a consortium, every member); a bid of a
    /// revoked vendor cannot be awarded.
    pub vendor_verified: bool,
    /// The consortium the bid is for (its lead is `vendor`).
    pub team: Option<domain::team::consortium::BidTeam>,
    /// More than the set share below the mean of the other valid bids (异常低价).
    pub abnormally_low: bool,
    /// The owner's record that the vendor explained its low price.
    pub low_price_check: Option<ev::LowPriceCheck>,
}

/// The ranking with what the owner needs to judge it.
#[derive(Debug, Clone, Serialize)]
pub struct RankingView {
    pub scenario: ScenarioId,
    pub price_weight: i32,
    pub criteria: Vec<(scenario::CriterionId, String, i32)>,
    pub rows: Vec<RankRow>,
    /// (evaluator name, scores still missing) for every incomplete sheet.
    pub incomplete: Vec<(String, usize)>,
    pub outliers: Vec<(Outlier, String)>,
    pub dissents: Vec<(Dissent, String)>,
    /// What stands in the way of an award, with a message each (empty: the award may be made).
    pub blockers: Vec<(ev::AwardBlocker, Message)>,
}

/// A page of award notices, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct NoticePage {
    pub items: Vec<AwardNotice>,
    pub total: i64,
}

/// One of an evaluator's panels as their workspace shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MyPanel {
    pub scenario: super::scenarios::ScenarioView,
    pub member: PanelMember,
    /// (scores given, scores due) once the bids are opened; nothing that depends on bids
    /// before that.
    pub progress: Option<(usize, usize)>,
}

/// Ratings of a vendor and its reputation.
#[derive(Debug, Clone, Serialize)]
pub struct VendorRatings {
    pub ratings: Vec<Rating>,
    /// The Bayesian average, absent without ratings.
    pub reputation: Option<f64>,
    pub count: usize,
}

fn refuse(s: &Scenario, now: DateTime<Utc>, action: Move, why: Message) -> Error {
    scenario::Refused {
        current: s.status_at(now),
        action,
        why,
    }
    .into()
}
