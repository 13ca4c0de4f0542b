//! Contracts and their delivery (履约): the rules, without storage.
//!
//! - The procurement contract is published within 2 working days of its signing
//!   (政府采购法实施条例 §50): [`notice_due`], [`notice_late`].
//! - Delivery is accepted against the contract in milestones (履约验收), each with a share of
//!   the value; a milestone is submitted by the vendor and accepted or returned by the owner
//!   within a number of working days: [`MilestoneStatus`], [`review_due`].
//! - A government body pays a small or medium-sized firm within 30 calendar days of
//!   acceptance (保障中小企业款项支付条例): [`payment_due`], [`Owed`].
//! - How promptly an agency accepts and pays, from its records: [`record`].

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::error::{Error, Fields, Result};
use crate::message::Message;
use crate::workdays::WorkCalendar;

pub mod event;
mod model;
#[cfg(test)]
mod tests;

pub use event::ContractEvent;
pub use model::*;

/// Working days after signing within which the contract notice is published.
pub const NOTICE_WORKING_DAYS: u32 = 2;
/// Working days the owner has to review a submitted milestone, by default.
pub const REVIEW_WORKING_DAYS: u32 = 7;
/// Calendar days before the payment deadline the owner is reminded.
pub const PAYMENT_REMINDER_DAYS: i64 = 5;
/// Calendar days after acceptance within which a milestone is paid.
pub const PAYMENT_DAYS: i64 = 30;
/// The most milestones of one contract.
pub const MAX_MILESTONES: usize = 20;
/// The longest milestone title.
pub const MAX_TITLE: usize = 200;
/// The longest term, in days (ten years).
pub const MAX_TERM_DAYS: u32 = 3650;
/// The largest contract value, in fen (10 billion yuan).
pub const MAX_VALUE_FEN: i64 = 1_000_000_000_000;

/// One milestone of a contract's schedule as written: what is delivered, by when, and its
/// share of the value in whole percent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestonePlan {
    pub title: String,
    pub due_on: NaiveDate,
    pub share_pct: u8,
}

/// A contract's terms as the owner records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub value_fen: i64,
    pub signed_on: NaiveDate,
    pub term_days: u32,
    /// Empty: one milestone, the whole contract, due at the end of its term.
    pub milestones: Vec<MilestonePlan>,
}

impl Terms {
    /// The last day of the term.
    pub fn ends_on(&self) -> NaiveDate {
        self.signed_on + Duration::days(i64::from(self.term_days))
    }

    /// The milestones in force: the schedule written, or the one implicit milestone.
    pub fn schedule(&self) -> Vec<MilestonePlan> {
        if self.milestones.is_empty() {
            vec![MilestonePlan {
                title: "全部交付 / The whole delivery".into(),
                due_on: self.ends_on(),
                share_pct: 100,
            }]
        } else {
            self.milestones.clone()
        }
    }

    /// Every field checked, every error named: the value, a signing date between the award
    /// and `today` (Beijing), a term, and milestones with titles, due dates within the term
    /// and shares that sum to 100.
    pub fn check(&self, awarded_on: NaiveDate, today: NaiveDate) -> Result<()> {
        let mut f = Fields::new();
        if !(1..=MAX_VALUE_FEN).contains(&self.value_fen) {
            f.push(
                "value_fen",
                Message::new(
                    "合同金额须大于 0 且不超过 100 亿元",
                    "the value must be above 0 and at most 10 billion yuan",
                ),
            );
        }
        if self.signed_on > today {
            f.push(
                "signed_on",
                Message::new(
                    "签订日期不能晚于今天",
                    "the signing date cannot be in the future",
                ),
            );
        } else if self.signed_on < awarded_on {
            f.push(
                "signed_on",
                Message::new(
                    "签订日期不能早于中标结果公布之日",
                    "the contract cannot be signed before the award",
                ),
            );
        }
        if !(1..=MAX_TERM_DAYS).contains(&self.term_days) {
            f.push(
                "term_days",
                Message::new(
                    "履约期限须为 1 至 3650 天",
                    "the term must be 1 to 3650 days",
                ),
            );
        }
        if self.milestones.len() > MAX_MILESTONES {
            f.push(
                "milestones",
                Message::new(
                    format!("里程碑最多 {MAX_MILESTONES} 个"),
                    format!("at most {MAX_MILESTONES} milestones"),
                ),
            );
        }
        for (i, m) in self.milestones.iter().enumerate() {
            let field = |name: &str| format!("milestones[{i}].{name}");
            let title = m.title.trim().chars().count();
            if title == 0 || title > MAX_TITLE {
                f.push(
                    &field("title"),
                    Message::new(
                        format!("请填写交付内容（最多 {MAX_TITLE} 字）"),
                        format!("describe the deliverable (at most {MAX_TITLE} characters)"),
                    ),
                );
            }
            if m.due_on < self.signed_on || m.due_on > self.ends_on() {
                f.push(
                    &field("due_on"),
                    Message::new(
                        "到期日须在合同签订日与履约期限结束之间",
                        "the due date must fall between the signing and the end of the term",
                    ),
                );
            }
            if !(1..=100).contains(&m.share_pct) {
                f.push(
                    &field("share_pct"),
                    Message::new("比例须为 1 至 100", "the share must be 1 to 100"),
                );
            }
        }
        let total: u32 = self.milestones.iter().map(|m| u32::from(m.share_pct)).sum();
        if !self.milestones.is_empty() && total != 100 {
            f.push(
                "milestones",
                Message::new(
                    format!("各里程碑比例之和须为 100%（现为 {total}%）"),
                    format!("the shares must sum to 100% (they sum to {total}%)"),
                ),
            );
        }
        f.finish()
    }
}

/// Each milestone's amount in fen: its share of the value, rounded down, the last taking
/// what is left so that the amounts sum to the value exactly.
pub fn amounts(value_fen: i64, shares: &[u8]) -> Vec<i64> {
    let mut out: Vec<i64> = shares
        .iter()
        .map(|s| value_fen * i64::from(*s) / 100)
        .collect();
    let before_last: i64 = out.iter().rev().skip(1).sum();
    if let Some(last) = out.last_mut() {
        *last = value_fen - before_last;
    }
    out
}

/// The instant the contract notice is due: midnight (Beijing) after the 2nd working day
/// following the day of signing.
pub fn notice_due(cal: &WorkCalendar, signed_on: NaiveDate) -> DateTime<Utc> {
    cal.end_of_working_days(crate::beijing::at_hour(signed_on, 12), NOTICE_WORKING_DAYS)
}

/// Whether a contract notice published at `published_at` was late.
pub fn notice_late(cal: &WorkCalendar, signed_on: NaiveDate, published_at: DateTime<Utc>) -> bool {
    published_at >= notice_due(cal, signed_on)
}

/// The instant the owner's review of a milestone submitted at `submitted_at` is due: midnight
/// (Beijing) after the `working_days`th working day following the submission's day.
pub fn review_due(
    cal: &WorkCalendar,
    submitted_at: DateTime<Utc>,
    working_days: u32,
) -> DateTime<Utc> {
    cal.end_of_working_days(submitted_at, working_days)
}

/// The last day a milestone accepted on `accepted_on` may be paid on: 30 calendar days later.
pub fn payment_due(accepted_on: NaiveDate) -> NaiveDate {
    accepted_on + Duration::days(PAYMENT_DAYS)
}

/// Where a milestone stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MilestoneStatus {
    /// Not submitted yet.
    Pending,
    /// Submitted by the vendor, waiting for the owner's review.
    Submitted,
    Accepted,
    /// Given back by the owner with reasons; the vendor may submit it again.
    Returned,
}

impl MilestoneStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Submitted,
            Self::Accepted,
            Self::Returned,
        ]
        .into_iter()
        .find(|m| m.code() == s)
    }

    /// The vendor may submit a milestone not yet submitted, or one given back.
    pub fn check_submit(self) -> Result<()> {
        match self {
            Self::Pending | Self::Returned => Ok(()),
            Self::Submitted => Err(conflict(
                "milestone_under_review",
                Message::new(
                    "该里程碑已提交，正在等待验收",
                    "this milestone is submitted and waits for review",
                ),
            )),
            Self::Accepted => Err(accepted_already()),
        }
    }

    /// The owner accepts or returns only a milestone submitted and not yet reviewed.
    pub fn check_review(self) -> Result<()> {
        match self {
            Self::Submitted => Ok(()),
            Self::Accepted => Err(accepted_already()),
            Self::Pending | Self::Returned => Err(conflict(
                "milestone_not_submitted",
                Message::new(
                    "该里程碑尚未提交，无法验收",
                    "this milestone has not been submitted for review",
                ),
            )),
        }
    }
}

fn accepted_already() -> Error {
    conflict(
        "milestone_accepted",
        Message::new(
            "该里程碑已通过验收",
            "this milestone has been accepted already",
        ),
    )
}

fn conflict(code: &'static str, detail: Message) -> Error {
    Error::Conflict { code, detail }
}

/// What is owed on one accepted milestone: its amount, the payments recorded against it
/// (reversing entries negative), and when it was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed {
    pub amount_fen: i64,
    pub accepted_on: NaiveDate,
    /// `(paid_on, amount_fen)`, in any order.
    pub payments: Vec<(NaiveDate, i64)>,
}

impl Owed {
    pub fn paid_fen(&self) -> i64 {
        self.payments.iter().map(|(_, a)| a).sum()
    }

    /// The day the payments first covered the amount (and stayed covering it), if they do.
    pub fn paid_in_full_on(&self) -> Option<NaiveDate> {
        let mut by_day = self.payments.clone();
        by_day.sort();
        let mut paid = 0;
        let mut covered = None;
        for (day, amount) in by_day {
            paid += amount;
            if paid >= self.amount_fen {
                covered.get_or_insert(day);
            } else {
                covered = None;
            }
        }
        covered
    }

    /// Not paid in full after its last day to be paid.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.paid_fen() < self.amount_fen && today > payment_due(self.accepted_on)
    }
}

/// One milestone as an agency's record counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed {
    /// When the review of its last submission was due, and when it was accepted.
    pub review_due: DateTime<Utc>,
    pub accepted_at: DateTime<Utc>,
    pub owed: Owed,
}

/// An agency's record of acceptance and payment, as the public sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub contracts: i64,
    /// Of the milestones accepted, the share accepted within the review period, in percent
    /// (one decimal); `None` before any.
    pub milestones_accepted_on_time_pct: Option<f64>,
    /// The median of the calendar days from acceptance to full payment, over the milestones
    /// paid in full; `None` before any.
    pub median_days_to_pay: Option<f64>,
    /// Accepted milestones not paid in full after their 30 days, today.
    pub overdue_now: i64,
}

/// The record of an agency with `contracts` contracts in force whose accepted milestones are
/// `accepted`, on `today` (Beijing).
pub fn record(contracts: i64, accepted: &[Reviewed], today: NaiveDate) -> Record {
    let on_time = accepted
        .iter()
        .filter(|m| m.accepted_at < m.review_due)
        .count();
    let pct = (!accepted.is_empty())
        .then(|| (on_time as f64 * 1000.0 / accepted.len() as f64).round() / 10.0);
    let mut days: Vec<i64> = accepted
        .iter()
        .filter_map(|m| {
            m.owed
                .paid_in_full_on()
                .map(|d| (d - m.owed.accepted_on).num_days().max(0))
        })
        .collect();
    days.sort_unstable();
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2] as f64),
        n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
    };
    Record {
        contracts,
        milestones_accepted_on_time_pct: pct,
        median_days_to_pay: median,
        overdue_now: accepted.iter().filter(|m| m.owed.overdue(today)).count() as i64,
    }
}
