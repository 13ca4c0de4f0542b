//! Scenarios: the stored scenario, its lifecycle as one pure function and the deadline rule.
//! The parsed fields of a posting, the compliance hints of formal procurement and the
//! clarification Q&A live in the submodules and are re-exported here.

mod compliance;
mod fields;
mod qa;
#[cfg(test)]
mod tests;

pub use compliance::*;
pub use fields::*;
pub use qa::*;

use crate::message::Message;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError, Result};
use crate::ids::{OrganizationId, UserId};
use crate::sector::Sector;

pub use crate::ids::{AnswerId, CriterionId, QuestionId, ScenarioId};
pub use crate::status::{Move, Status, deadline_passed};

pub const MAX_TITLE: usize = 100;
pub const MAX_SUMMARY: usize = 300;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_LEN: usize = 20;
pub const MAX_CRITERIA: usize = 20;
pub const MAX_CRITERION_NAME: usize = 50;
pub const MAX_CRITERION_DESCRIPTION: usize = 500;
/// The largest budget a posting may state: 100 billion yuan in fen.
pub const MAX_BUDGET_FEN: i64 = 10_000_000_000_000;
pub const MAX_QUESTION: usize = 2000;
pub const MAX_ANSWER: usize = 5000;
pub const MAX_CANCEL_REASON: usize = 500;

/// Whether the scenario takes bids at `now`.
pub fn open_for_bids(status: Status, deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status.effective(deadline, now) == Status::Published
}

/// A move in the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Change the substantive fields.
    Edit,
    Publish,
    /// Move the deadline to a later time.
    Extend {
        new_deadline: DateTime<Utc>,
    },
    Cancel,
    /// The deadline has passed: open the bids.
    OpenBids,
    Award,
    /// An upheld challenge withdraws the award: the bids are evaluated again.
    WithdrawAward,
    Deliver,
    Close,
}

impl Action {
    /// The move this action is.
    pub fn kind(&self) -> Move {
        match self {
            Action::Edit => Move::Edit,
            Action::Publish => Move::Publish,
            Action::Extend { .. } => Move::Extend,
            Action::Cancel => Move::Cancel,
            Action::OpenBids => Move::OpenBids,
            Action::Award => Move::Award,
            Action::WithdrawAward => Move::WithdrawAward,
            Action::Deliver => Move::Deliver,
            Action::Close => Move::Close,
        }
    }

    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

/// A refused move: the current state and the move, for a 409 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub current: Status,
    pub action: Move,
    pub why: Message,
}

impl From<Refused> for Error {
    fn from(r: Refused) -> Error {
        Error::IllegalTransition {
            current: r.current,
            action: r.action,
            detail: r.why,
        }
    }
}

/// The lifecycle: the state after `action` on a scenario in `status` with `deadline`, at `now`.
/// Publishing needs a deadline in the future; extending needs a later one, before the current
/// deadline has passed. Every other pair is refused with the reason.
pub fn transition(
    status: Status,
    deadline: DateTime<Utc>,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Status, Refused> {
    use Status::*;
    let current = status.effective(deadline, now);
    let refuse = |why: Message| Refused {
        current,
        action: action.kind(),
        why,
    };
    match (current, action) {
        (Draft, Action::Edit) => Ok(Draft),
        (Draft, Action::Publish) => {
            if deadline_passed(deadline, now) {
                Err(refuse(Message::new(
                    "截止时间必须晚于现在",
                    "the bid deadline must be in the future",
                )))
            } else {
                Ok(Published)
            }
        }
        (Published, Action::Extend { new_deadline }) => {
            if *new_deadline <= deadline {
                Err(refuse(Message::new(
                    "新的截止时间必须晚于原截止时间",
                    "the new deadline must be later than the current one",
                )))
            } else {
                Ok(Published)
            }
        }
        (Draft | Published, Action::Cancel) => Ok(Cancelled),
        (Evaluating, Action::OpenBids) => Ok(Evaluating),
        (Evaluating, Action::Award) => Ok(Awarded),
        (Awarded, Action::WithdrawAward) => Ok(Evaluating),
        (Awarded, Action::Deliver) => Ok(Delivered),
        (Delivered, Action::Close) => Ok(Closed),
        (Published, Action::OpenBids) => Err(refuse(Message::new(
            "投标尚未截止",
            "bidding has not closed yet",
        ))),
        (_, Action::Edit) => Err(refuse(Message::new(
            "只有草稿可以修改实质内容",
            "only a draft's substance can be edited",
        ))),
        (_, Action::Publish) => Err(refuse(Message::new(
            "只有草稿可以发布",
            "only a draft can be published",
        ))),
        (_, Action::Extend { .. }) => Err(refuse(Message::new(
            "只有投标中的场景可以延期",
            "only a scenario open for bids can be extended",
        ))),
        (_, Action::Cancel) => Err(refuse(Message::new(
            "只有草稿或投标中的场景可以取消",
            "only a draft or a scenario open for bids can be cancelled",
        ))),
        (_, Action::OpenBids) => Err(refuse(Message::new(
            "没有待开标的投标",
            "there are no bids waiting to be opened",
        ))),
        (_, Action::Award) => Err(refuse(Message::new(
            "只有评审中的场景可以定标",
            "only a scenario under evaluation can be awarded",
        ))),
        (_, Action::WithdrawAward) => Err(refuse(Message::new(
            "只有已定标、尚未交付的场景可以撤销中标",
            "only an award not yet delivered can be withdrawn",
        ))),
        (_, Action::Deliver) => Err(refuse(Message::new(
            "只有已定标的场景可以交付",
            "only an awarded scenario can be delivered",
        ))),
        (_, Action::Close) => Err(refuse(Message::new(
            "只有已交付的场景可以关闭",
            "only a delivered scenario can be closed",
        ))),
    }
}

/// How the goods or services are procured (the compliance hints differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProcurementType {
    #[default]
    Services,
    Goods,
}

impl ProcurementType {
    pub fn parse(s: &str) -> Result<ProcurementType, Message> {
        match s.trim() {
            "" | "services" => Ok(ProcurementType::Services),
            "goods" => Ok(ProcurementType::Goods),
            other => Err(Message::new(
                "未知采购类型",
                format!("unknown procurement type '{other}': services, goods"),
            )),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ProcurementType::Services => "services",
            ProcurementType::Goods => "goods",
        }
    }
}

/// Where a catalogue entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Posted on the platform by an agency.
    #[default]
    Platform,
    /// One of the district's published list of 17 scenarios.
    OfficialList,
    /// A sample made for demonstration, not an official posting.
    Sample,
}

impl Origin {
    pub fn code(self) -> &'static str {
        match self {
            Origin::Platform => "platform",
            Origin::OfficialList => "official_list",
            Origin::Sample => "sample",
        }
    }

    pub fn parse(s: &str) -> Result<Origin, Message> {
        match s {
            "platform" => Ok(Origin::Platform),
            "official_list" => Ok(Origin::OfficialList),
            "sample" => Ok(Origin::Sample),
            other => Err(Message::same(format!("unknown origin '{other}'"))),
        }
    }
}

/// One technical criterion, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criterion {
    pub id: CriterionId,
    pub name: String,
    pub weight: i32,
    pub description: String,
}

/// A scenario as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub id: ScenarioId,
    pub owner: OrganizationId,
    pub created_by: UserId,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub domain: Sector,
    pub tags: Vec<String>,
    pub budget_min_fen: i64,
    pub budget_max_fen: i64,
    pub bid_deadline: DateTime<Utc>,
    pub price_weight: i32,
    pub procurement_type: ProcurementType,
    pub criteria: Vec<Criterion>,
    /// The stored status; see [`Scenario::status_at`] for what everyone sees.
    pub status: Status,
    pub origin: Origin,
    pub cancel_reason: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The winning bid, once awarded.
    pub award: Option<Award>,
}

/// The award of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    pub bid: crate::ids::BidId,
    pub at: DateTime<Utc>,
    /// Required when the awarded bid is not ranked first.
    pub justification: Option<String>,
}

impl Scenario {
    /// The status at `now`, with a passed deadline treated as closed for bidding.
    pub fn status_at(&self, now: DateTime<Utc>) -> Status {
        self.status.effective(self.bid_deadline, now)
    }

    /// Whether the public may see it: once published, always.
    pub fn is_public(&self) -> bool {
        self.published_at.is_some()
    }

    /// Whether the bids are opened at `now`: the deadline of a published scenario has passed.
    /// A draft has no bids, and a cancelled scenario's bids are void and never opened.
    pub fn bids_opened(&self, now: DateTime<Utc>) -> bool {
        matches!(
            self.status_at(now),
            Status::Evaluating | Status::Awarded | Status::Delivered | Status::Closed
        )
    }
}
