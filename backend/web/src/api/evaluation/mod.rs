//! The "Evaluation, award, rating" part of the API: the shapes here, the handlers in
//! `handlers`, the ranking exports in `export`.

use app::evaluation::{PanelView, RankRow, RankingView};
use chrono::{DateTime, Utc};
use domain::evaluation::AwardNotice;
use domain::evaluation::{Rating, StoredScore, round2};
use serde::{Deserialize, Serialize};

/// A panel member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberOut {
    pub evaluator_id: i64,
    pub name: String,
    /// Null until declared.
    pub has_conflict: Option<bool>,
    pub declared_at: Option<DateTime<Utc>>,
}

/// The panel.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PanelOut {
    pub members: Vec<MemberOut>,
    /// True once scoring has begun: the panel no longer changes.
    pub locked: bool,
    pub min_size: usize,
    /// Formal tenders use 5 or more, an odd number.
    pub recommended: &'static str,
    /// Every draw: the server's seed, the candidate pool, the result and the reason.
    pub draws: Vec<DrawOut>,
    /// How many more times the panel may be drawn again.
    pub redraws_left: usize,
}

/// One recorded panel draw.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DrawOut {
    /// The seed the server drew from the operating system's random source (decimal).
    pub seed: String,
    pub pool: Vec<i64>,
    pub drawn: Vec<i64>,
    pub reason: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<&PanelView> for PanelOut {
    fn from(p: &PanelView) -> Self {
        PanelOut {
            members: p
                .members
                .iter()
                .map(|m| MemberOut {
                    evaluator_id: m.member.evaluator.0,
                    name: m.name.clone(),
                    has_conflict: m.member.has_conflict,
                    declared_at: m.member.declared_at,
                })
                .collect(),
            locked: p.locked,
            min_size: p.min_size,
            recommended: "正式采购建议 5 人以上单数 / formal tenders use 5 or more, an odd number",
            draws: p
                .draws
                .iter()
                .map(|d| DrawOut {
                    seed: d.seed.clone(),
                    pool: d.pool.iter().map(|u| u.0).collect(),
                    drawn: d.drawn.iter().map(|u| u.0).collect(),
                    reason: d.reason.clone(),
                    at: d.at,
                })
                .collect(),
            redraws_left: p.redraws_left,
        }
    }
}

/// Choose the panel.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PanelIn {
    #[serde(default)]
    pub evaluator_ids: Vec<i64>,
}

/// Draw the panel.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DrawIn {
    pub n: usize,
    /// Why the panel is drawn again (required after the first draw).
    #[serde(default)]
    pub reason: String,
    /// Refused: the server draws the seed itself, so that nobody can choose the panel.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub seed: Option<serde_json::Value>,
}

/// A conflict-of-interest declaration.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeclarationIn {
    pub has_conflict: bool,
    #[serde(default)]
    pub note: String,
}

/// A score sheet (or part of it) for one bid.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScoresIn {
    #[serde(default)]
    pub scores: Vec<crate::api::inputs::ScoreLineIn>,
}

/// One stored score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScoreOut {
    pub bid_id: i64,
    pub criterion_id: i64,
    pub score: i32,
    pub comment: String,
    pub updated_at: DateTime<Utc>,
}

impl From<&StoredScore> for ScoreOut {
    fn from(s: &StoredScore) -> Self {
        ScoreOut {
            bid_id: s.bid.0,
            criterion_id: s.criterion.0,
            score: s.score,
            comment: s.comment.clone(),
            updated_at: s.updated_at,
        }
    }
}

/// A criterion's mean in a ranking row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CriterionMeanOut {
    pub criterion_id: i64,
    /// Null until scored; rounded to two decimals.
    pub mean: Option<f64>,
}

/// The vendor of a ranking row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VendorRef {
    pub id: i64,
    pub name: String,
}

/// One row of the ranking (numbers rounded to two decimals).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankItem {
    pub bid_id: i64,
    pub vendor: VendorRef,
    pub price_fen: i64,
    pub price_score: f64,
    pub technical_score: f64,
    pub total: f64,
    pub rank: usize,
    pub criteria: Vec<CriterionMeanOut>,
    /// False once the vendor's verification was revoked: such a bid cannot be awarded.
    pub vendor_verified: bool,
    /// The consortium the bid is for, with every member's share; null for a vendor alone.
    pub consortium: Option<crate::api::teams::BidTeamOut>,
    /// More than the set share (default 20 %) below the mean of the other valid bids: it can
    /// be awarded only once the owner recorded the vendor's explanation.
    pub abnormally_low: bool,
    pub low_price_explanation: Option<LowPriceOut>,
}

/// The recorded explanation of an abnormally low price.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LowPriceOut {
    pub bid_id: i64,
    pub note: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

impl From<&domain::evaluation::LowPriceCheck> for LowPriceOut {
    fn from(c: &domain::evaluation::LowPriceCheck) -> Self {
        LowPriceOut {
            bid_id: c.bid.0,
            note: c.note.clone(),
            recorded_at: c.recorded_at,
        }
    }
}

/// What the vendor of an abnormally low bid explained.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LowPriceIn {
    pub note: String,
}

impl From<&RankRow> for RankItem {
    fn from(r: &RankRow) -> Self {
        let e = &r.evaluated;
        RankItem {
            bid_id: e.bid.0,
            vendor: VendorRef {
                id: r.vendor.0,
                name: r.vendor_name.clone(),
            },
            price_fen: e.price_fen,
            price_score: round2(e.price_score),
            technical_score: round2(e.technical_score),
            total: round2(e.total),
            rank: e.rank,
            criteria: e
                .criteria
                .iter()
                .map(|(c, m)| CriterionMeanOut {
                    criterion_id: c.0,
                    mean: m.map(round2),
                })
                .collect(),
            vendor_verified: r.vendor_verified,
            consortium: r.team.as_ref().map(Into::into),
            abnormally_low: r.abnormally_low,
            low_price_explanation: r.low_price_check.as_ref().map(LowPriceOut::from),
        }
    }
}

/// An incomplete score sheet.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncompleteOut {
    pub evaluator: String,
    pub missing: usize,
}

/// A flagged score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FlagOut {
    pub evaluator: String,
    pub bid_id: i64,
    pub criterion_id: i64,
    pub score: i32,
    pub others_mean: f64,
}

/// A dissent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DissentOut {
    pub evaluator: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The ranking.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankingOut {
    pub items: Vec<RankItem>,
    pub incomplete_sheets: Vec<IncompleteOut>,
    pub flags: Vec<FlagOut>,
    pub dissents: Vec<DissentOut>,
    /// What stands in the way of an award (empty: it may be made).
    pub blockers: Vec<BlockerOut>,
}

/// One thing that stands in the way of an award.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BlockerOut {
    /// `panel_too_small`, `incomplete_sheet` or `no_valid_bid`.
    pub kind: &'static str,
    pub message: String,
}

impl From<&RankingView> for RankingOut {
    fn from(r: &RankingView) -> Self {
        RankingOut {
            items: r.rows.iter().map(RankItem::from).collect(),
            incomplete_sheets: r
                .incomplete
                .iter()
                .map(|(n, m)| IncompleteOut {
                    evaluator: n.clone(),
                    missing: *m,
                })
                .collect(),
            flags: r
                .outliers
                .iter()
                .map(|(o, n)| FlagOut {
                    evaluator: n.clone(),
                    bid_id: o.bid.0,
                    criterion_id: o.criterion.0,
                    score: o.score,
                    others_mean: round2(o.others_mean),
                })
                .collect(),
            dissents: r
                .dissents
                .iter()
                .map(|(d, n)| DissentOut {
                    evaluator: n.clone(),
                    body: d.body.clone(),
                    created_at: d.created_at,
                })
                .collect(),
            blockers: r
                .blockers
                .iter()
                .map(|(b, m)| BlockerOut {
                    kind: match b {
                        domain::evaluation::AwardBlocker::PanelTooSmall { .. } => "panel_too_small",
                        domain::evaluation::AwardBlocker::IncompleteSheet { .. } => {
                            "incomplete_sheet"
                        }
                        domain::evaluation::AwardBlocker::NoValidBid => "no_valid_bid",
                    },
                    message: m.to_string(),
                })
                .collect(),
        }
    }
}

/// An award.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AwardIn {
    pub bid_id: i64,
    pub justification: Option<String>,
}

/// A notice item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeItem {
    pub organization_id: i64,
    pub name: String,
    pub total: f64,
    pub rank: usize,
}

/// A panel name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PanelName {
    pub name: String,
}

/// The winner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Winner {
    /// The winning vendor; for a consortium, its lead.
    pub organization_id: i64,
    pub name: String,
    /// Every member with its share of the work, the lead marked: a consortium's members, or
    /// the one vendor bidding alone (100 %, its own lead).
    pub members: Vec<crate::api::teams::NamedMemberOut>,
}

/// The public award notice (中标公告).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeOut {
    pub scenario_id: i64,
    pub title: String,
    pub agency: String,
    pub awarded_at: DateTime<Utc>,
    pub winner: Winner,
    pub price_fen: i64,
    pub items: Vec<NoticeItem>,
    pub panel: Vec<PanelName>,
}

impl From<&AwardNotice> for NoticeOut {
    fn from(n: &AwardNotice) -> Self {
        NoticeOut {
            scenario_id: n.scenario.0,
            title: n.title.clone(),
            agency: n.agency.clone(),
            awarded_at: n.awarded_at,
            winner: Winner {
                organization_id: n.winner.0.0,
                name: n.winner.1.clone(),
                members: if n.members.is_empty() {
                    vec![crate::api::teams::NamedMemberOut {
                        organization_id: n.winner.0.0,
                        name: n.winner.1.clone(),
                        share_pct: 100,
                        lead: true,
                    }]
                } else {
                    n.members.iter().map(Into::into).collect()
                },
            },
            price_fen: n.price_fen,
            items: n
                .items
                .iter()
                .map(|(o, name, total, rank)| NoticeItem {
                    organization_id: o.0,
                    name: name.clone(),
                    total: round2(*total),
                    rank: *rank,
                })
                .collect(),
            panel: n
                .panel
                .iter()
                .map(|p| PanelName { name: p.clone() })
                .collect(),
        }
    }
}

/// A rating.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RatingIn {
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
    #[serde(default)]
    pub comment: String,
}

/// A rating as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RatingOut {
    pub id: i64,
    pub scenario_id: i64,
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
}

impl From<&Rating> for RatingOut {
    fn from(r: &Rating) -> Self {
        RatingOut {
            id: r.id.0,
            scenario_id: r.scenario.0,
            quality: r.quality,
            timeliness: r.timeliness,
            communication: r.communication,
            comment: r.comment.clone(),
            created_at: r.created_at,
            reply: r.reply.clone(),
            replied_at: r.replied_at,
        }
    }
}

/// A vendor's ratings and reputation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RatingsOut {
    pub items: Vec<RatingOut>,
    /// How many ratings there are (as `count`).
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub count: usize,
    /// Bayesian average on 1–5, rounded; null without ratings.
    pub reputation: Option<f64>,
}

/// A body of text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TextIn {
    #[serde(default)]
    pub body: String,
}

mod export;
mod handlers;

pub use export::*;
pub use handlers::*;
