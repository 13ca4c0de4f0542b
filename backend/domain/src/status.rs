//! The shared vocabulary of a scenario's lifecycle: where a scenario stands ([`Status`]) and
//! every move a refusal can name ([`Move`]). It sits below the scenario, the bids and the
//! error type, which all speak of them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::message::Message;

/// Where a scenario stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Published,
    Evaluating,
    Awarded,
    Delivered,
    Closed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Draft,
        Status::Published,
        Status::Evaluating,
        Status::Awarded,
        Status::Delivered,
        Status::Closed,
        Status::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Evaluating => "evaluating",
            Status::Awarded => "awarded",
            Status::Delivered => "delivered",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<Status, Message> {
        Status::ALL
            .into_iter()
            .find(|x| x.code() == s.trim())
            .ok_or_else(|| {
                Message::new(
                    "未知状态",
                    format!(
                        "unknown status '{}'; expected one of: {}",
                        s.trim(),
                        Status::ALL.map(Status::code).join(", ")
                    ),
                )
            })
    }

    /// The status as everyone should see it at `now`: a published scenario whose deadline has
    /// passed is closed for bidding, whether or not the opening job has run yet.
    pub fn effective(self, deadline: DateTime<Utc>, now: DateTime<Utc>) -> Status {
        if self == Status::Published && deadline_passed(deadline, now) {
            Status::Evaluating
        } else {
            self
        }
    }
}

/// Whether bidding is over: the deadline second itself is already too late.
pub fn deadline_passed(deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= deadline
}

/// Every move a refusal can name: the lifecycle's actions and the moves made beside it (on
/// bids, questions, the panel and scores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Move {
    Edit,
    Publish,
    Extend,
    Cancel,
    OpenBids,
    Award,
    WithdrawAward,
    Deliver,
    Close,
    Bid,
    Revise,
    Attach,
    Detach,
    Withdraw,
    Ask,
    Answer,
    SetPanel,
    Declare,
    Score,
    Rank,
    Dissent,
    Follow,
    Unfollow,
}

impl Move {
    /// The name in API answers (`action` of a 409 problem).
    pub fn code(self) -> &'static str {
        match self {
            Move::Edit => "edit",
            Move::Publish => "publish",
            Move::Extend => "extend",
            Move::Cancel => "cancel",
            Move::OpenBids => "open_bids",
            Move::Award => "award",
            Move::WithdrawAward => "withdraw_award",
            Move::Deliver => "deliver",
            Move::Close => "close",
            Move::Bid => "bid",
            Move::Revise => "revise",
            Move::Attach => "attach",
            Move::Detach => "detach",
            Move::Withdraw => "withdraw",
            Move::Ask => "ask",
            Move::Answer => "answer",
            Move::SetPanel => "set_panel",
            Move::Declare => "declare",
            Move::Score => "score",
            Move::Rank => "rank",
            Move::Dissent => "dissent",
            Move::Follow => "follow",
            Move::Unfollow => "unfollow",
        }
    }
}
