//! A contract as stored: its terms, milestones with their submissions and reviews, payments,
//! amendments and files; and the rules that read them (who sees what, what may be paid, what
//! an amendment may change).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{MilestoneStatus, Owed, amounts, conflict, notice_due};
use crate::bid::{Attachment, BidId};
use crate::error::{Error, Fields, Result};
use crate::ids::{
    AmendmentId, ChallengeId, ContractId, MilestoneId, OrganizationId, PaymentId, UserId,
};
use crate::message::Message;
use crate::scenario::ScenarioId;
use crate::workdays::WorkCalendar;

/// The most files of one kind on a contract, a submission or an acceptance.
pub const MAX_FILES: usize = 5;
/// The longest note, remarks or reasons.
pub const MAX_TEXT: usize = 4000;

/// What a contract file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// The signed contract.
    Signed,
    /// The vendor's evidence for a submission.
    Evidence,
    /// The owner's acceptance report.
    Report,
}

impl FileKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Evidence => "evidence",
            Self::Report => "report",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Signed, Self::Evidence, Self::Report]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// A file of a contract: the signed contract, a submission's evidence or an acceptance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractFile {
    pub kind: FileKind,
    /// The submission it belongs to (evidence and reports).
    pub submission: Option<i64>,
    pub file: Attachment,
}

/// The owner's review of one submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub accepted: bool,
    /// The remarks of an acceptance, or the reasons of a return.
    pub text: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// One submission of a milestone's deliverable by the vendor, and its review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    pub id: i64,
    pub milestone: MilestoneId,
    pub note: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// When the owner's review is due.
    pub review_due: DateTime<Utc>,
    pub review: Option<Review>,
}

/// A milestone of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Milestone {
    pub id: MilestoneId,
    pub contract: ContractId,
    /// 1, 2, … in the schedule's order.
    pub position: i32,
    pub title: String,
    pub due_on: NaiveDate,
    pub share_pct: u8,
    pub amount_fen: i64,
    #[serde(serialize_with = "status_code")]
    pub status: MilestoneStatus,
    pub accepted_at: Option<DateTime<Utc>>,
    /// Voided with its contract, unpaid.
    pub voided: bool,
    /// Oldest first.
    pub submissions: Vec<Submission>,
}

fn status_code<S: serde::Serializer>(
    s: &MilestoneStatus,
    ser: S,
) -> std::result::Result<S::Ok, S::Error> {
    ser.serialize_str(s.code())
}

impl Milestone {
    /// The day (Beijing) it was accepted.
    pub fn accepted_on(&self) -> Option<NaiveDate> {
        self.accepted_at.map(crate::beijing::date)
    }

    /// The submission waiting for review, or the last one.
    pub fn last_submission(&self) -> Option<&Submission> {
        self.submissions.last()
    }

    /// Whether its accepted submission was made by its due date (Beijing).
    pub fn delivered_on_time(&self) -> Option<bool> {
        let accepted = self
            .submissions
            .iter()
            .find(|s| s.review.as_ref().is_some_and(|r| r.accepted))?;
        Some(crate::beijing::date(accepted.at) <= self.due_on)
    }
}

/// A payment recorded by the owner, or a reversing entry that corrects one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub id: PaymentId,
    pub contract: ContractId,
    pub milestone: MilestoneId,
    /// Negative for a reversing entry.
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    /// The payment a reversing entry corrects.
    pub corrects: Option<PaymentId>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

/// A proposed change to one milestone's due date or share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub milestone: MilestoneId,
    pub due_on: Option<NaiveDate>,
    pub share_pct: Option<u8>,
}

/// A change to a contract's dates or shares, proposed by one party and confirmed by the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amendment {
    pub id: AmendmentId,
    pub contract: ContractId,
    pub changes: Vec<Change>,
    pub reason: String,
    pub proposed_by: UserId,
    /// The proposing party's organization.
    pub proposed_org: OrganizationId,
    pub proposed_at: DateTime<Utc>,
    /// `confirmed` or `declined` once the other party (or the proposer, withdrawing) answers.
    pub outcome: Option<String>,
    pub answered_by: Option<UserId>,
    pub answered_at: Option<DateTime<Utc>>,
}

impl Amendment {
    pub fn is_open(&self) -> bool {
        self.outcome.is_none()
    }
}

/// A contract with everything recorded against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub id: ContractId,
    pub scenario: ScenarioId,
    pub award_bid: BidId,
    /// The supplier.
    pub vendor: OrganizationId,
    /// The buyer (the scenario's owner).
    pub buyer: OrganizationId,
    pub value_fen: i64,
    pub signed_on: NaiveDate,
    pub term_days: u32,
    /// Recorded without a schedule: one milestone, the whole delivery.
    pub implicit: bool,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
    /// The vendor's confirmation, which publishes the contract notice.
    pub confirmed_by: Option<UserId>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_challenge: Option<ChallengeId>,
    /// In the schedule's order.
    pub milestones: Vec<Milestone>,
    /// Oldest first.
    pub payments: Vec<Payment>,
    /// Oldest first.
    pub amendments: Vec<Amendment>,
    pub files: Vec<ContractFile>,
}

impl Contract {
    /// In force: not voided.
    pub fn is_active(&self) -> bool {
        self.voided_at.is_none()
    }

    /// The contract notice's publication: the vendor's confirmation.
    pub fn published_at(&self) -> Option<DateTime<Utc>> {
        self.confirmed_at
    }

    /// When the contract notice is due.
    pub fn notice_due(&self, cal: &WorkCalendar) -> DateTime<Utc> {
        notice_due(cal, self.signed_on)
    }

    /// Whether the notice was published late, or is late now, unpublished.
    pub fn late_notice(&self, cal: &WorkCalendar, now: DateTime<Utc>) -> bool {
        self.published_at().unwrap_or(now) >= self.notice_due(cal)
    }

    /// Whether `org` may read it: everyone once published; the two parties before.
    pub fn visible_to(&self, org: Option<OrganizationId>) -> bool {
        self.confirmed_at.is_some() || org.is_some_and(|o| o == self.vendor || o == self.buyer)
    }

    /// The party of `org`: `Some(true)` the buyer, `Some(false)` the vendor.
    pub fn party(&self, org: Option<OrganizationId>) -> Option<bool> {
        match org {
            Some(o) if o == self.buyer => Some(true),
            Some(o) if o == self.vendor => Some(false),
            _ => None,
        }
    }

    /// What the public reads of it: the terms, the milestones' status and dates, payments and
    /// the signed contract; not the submissions' notes and evidence, nor the reviews' text.
    pub fn public_view(&self) -> Contract {
        let mut c = self.clone();
        for m in &mut c.milestones {
            for s in &mut m.submissions {
                s.note.clear();
                if let Some(r) = &mut s.review {
                    r.text.clear();
                }
            }
        }
        c.files.retain(|f| f.kind == FileKind::Signed);
        c.amendments
            .retain(|a| a.outcome.as_deref() == Some("confirmed"));
        c
    }

    pub fn milestone(&self, id: MilestoneId) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.id == id)
    }

    /// Whether every milestone is accepted.
    pub fn all_accepted(&self) -> bool {
        !self.milestones.is_empty()
            && self
                .milestones
                .iter()
                .all(|m| m.status == MilestoneStatus::Accepted)
    }

    pub fn open_amendment(&self) -> Option<&Amendment> {
        self.amendments.iter().find(|a| a.is_open())
    }

    /// What is owed on an accepted milestone, with its payments.
    pub fn owed(&self, m: &Milestone) -> Option<Owed> {
        Some(Owed {
            amount_fen: m.amount_fen,
            accepted_on: m.accepted_on()?,
            payments: self
                .payments
                .iter()
                .filter(|p| p.milestone == m.id)
                .map(|p| (p.paid_on, p.amount_fen))
                .collect(),
        })
    }

    /// The value paid so far.
    pub fn paid_fen(&self) -> i64 {
        self.payments.iter().map(|p| p.amount_fen).sum()
    }

    /// Refuses a change while it is voided or not yet confirmed by the vendor.
    pub fn check_in_force(&self) -> Result<()> {
        if !self.is_active() {
            return Err(conflict(
                "contract_voided",
                Message::new(
                    "该合同已因质疑成立而作废",
                    "this contract was voided by an upheld challenge",
                ),
            ));
        }
        if self.confirmed_at.is_none() {
            return Err(conflict(
                "contract_unconfirmed",
                Message::new(
                    "供应商尚未确认合同",
                    "the vendor has not confirmed the contract yet",
                ),
            ));
        }
        Ok(())
    }

    /// Checks a payment of `amount_fen` on `paid_on` against `milestone` (a reversing entry
    /// when `corrects` names the payment it reverses): the milestone is accepted, the day is
    /// neither before its acceptance nor after `today`, a payment is positive and never more
    /// than what is still owed, and a reversing entry reverses one payment of the same
    /// milestone, whole and once.
    pub fn check_payment(
        &self,
        milestone: MilestoneId,
        amount_fen: i64,
        paid_on: NaiveDate,
        corrects: Option<PaymentId>,
        today: NaiveDate,
    ) -> Result<()> {
        self.check_in_force()?;
        let m = self.milestone(milestone).ok_or_else(|| {
            Error::field(
                "milestone_id",
                Message::new("没有这个里程碑", "no such milestone in this contract"),
            )
        })?;
        let Some(owed) = self.owed(m) else {
            return Err(Error::field(
                "milestone_id",
                Message::new(
                    "该里程碑尚未验收，不能登记付款",
                    "this milestone is not accepted yet: no payment can be recorded",
                ),
            ));
        };
        let mut f = Fields::new();
        if paid_on > today {
            f.push(
                "paid_on",
                Message::new(
                    "付款日期不能晚于今天",
                    "the payment date cannot be in the future",
                ),
            );
        } else if paid_on < owed.accepted_on {
            f.push(
                "paid_on",
                Message::new(
                    "付款日期不能早于验收日期",
                    "the payment date cannot be before the acceptance",
                ),
            );
        }
        match corrects {
            None => {
                let left = owed.amount_fen - owed.paid_fen();
                if amount_fen <= 0 || amount_fen > left {
                    f.push(
                        "amount_fen",
                        Message::new(
                            format!("金额须大于 0 且不超过未付金额 {} 分", left),
                            format!(
                                "the amount must be above 0 and at most the {left} fen still owed"
                            ),
                        ),
                    );
                }
            }
            Some(id) => match self.payments.iter().find(|p| p.id == id) {
                Some(p) if p.milestone == milestone && p.corrects.is_none() => {
                    if self.payments.iter().any(|q| q.corrects == Some(id)) {
                        f.push(
                            "corrects",
                            Message::new("该笔付款已被冲正", "this payment is reversed already"),
                        );
                    } else if amount_fen != -p.amount_fen {
                        f.push(
                            "amount_fen",
                            Message::new(
                                format!("冲正金额须为 {} 分", -p.amount_fen),
                                format!("a reversing entry is {} fen", -p.amount_fen),
                            ),
                        );
                    }
                }
                _ => f.push(
                    "corrects",
                    Message::new(
                        "须为该里程碑的一笔付款",
                        "name a payment of this milestone to reverse",
                    ),
                ),
            },
        }
        f.finish()
    }

    /// The milestones as `changes` would leave them: (id, due date, share, amount), after
    /// checking that they change only milestones of this contract that are not accepted, that
    /// due dates fall within the term and that the shares still sum to 100.
    pub fn amended(&self, changes: &[Change]) -> Result<Vec<(MilestoneId, NaiveDate, u8, i64)>> {
        self.check_in_force()?;
        let mut f = Fields::new();
        if changes.is_empty() {
            f.push(
                "milestones",
                Message::new("请至少修改一个里程碑", "change at least one milestone"),
            );
        }
        let ends_on = self.signed_on + chrono::Duration::days(i64::from(self.term_days));
        let mut rows: Vec<(MilestoneId, NaiveDate, u8)> = self
            .milestones
            .iter()
            .map(|m| (m.id, m.due_on, m.share_pct))
            .collect();
        for (i, c) in changes.iter().enumerate() {
            let field = |n: &str| format!("milestones[{i}].{n}");
            let Some(m) = self.milestone(c.milestone) else {
                f.push(
                    &field("id"),
                    Message::new("没有这个里程碑", "no such milestone in this contract"),
                );
                continue;
            };
            if m.status == MilestoneStatus::Accepted {
                f.push(
                    &field("id"),
                    Message::new(
                        "已验收的里程碑不能修改",
                        "an accepted milestone cannot change",
                    ),
                );
            }
            let row = rows.iter_mut().find(|r| r.0 == m.id).expect("listed");
            if let Some(d) = c.due_on {
                if d < self.signed_on || d > ends_on {
                    f.push(
                        &field("due_on"),
                        Message::new(
                            "到期日须在合同签订日与履约期限结束之间",
                            "the due date must fall between the signing and the end of the term",
                        ),
                    );
                }
                row.1 = d;
            }
            if let Some(s) = c.share_pct {
                if !(1..=100).contains(&s) {
                    f.push(
                        &field("share_pct"),
                        Message::new("比例须为 1 至 100", "the share must be 1 to 100"),
                    );
                }
                row.2 = s;
            }
        }
        let total: u32 = rows.iter().map(|r| u32::from(r.2)).sum();
        if total != 100 {
            f.push(
                "milestones",
                Message::new(
                    format!("各里程碑比例之和须为 100%（现为 {total}%）"),
                    format!("the shares must sum to 100% (they sum to {total}%)"),
                ),
            );
        }
        f.finish()?;
        let shares: Vec<u8> = rows.iter().map(|r| r.2).collect();
        let out: Vec<_> = rows
            .iter()
            .zip(amounts(self.value_fen, &shares))
            .map(|(r, a)| (r.0, r.1, r.2, a))
            .collect();
        // An accepted milestone keeps its amount (it may be paid already).
        for (m, new) in self.milestones.iter().zip(&out) {
            if m.status == MilestoneStatus::Accepted && m.amount_fen != new.3 {
                return Err(Error::field(
                    "milestones",
                    Message::new(
                        "修改会改变已验收里程碑的金额",
                        "the change would alter the amount of an accepted milestone",
                    ),
                ));
            }
        }
        Ok(out)
    }
}

/// What the operators and the community page count of contracts: the ones published and in
/// force (signed in `year`, when given), their value and what was paid on them (in `year`),
/// notices published late, payments overdue now, and contracts voided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub contracts: i64,
    pub contracted_fen: i64,
    pub paid_fen: i64,
    pub late_notices: i64,
    pub overdue_now: i64,
    pub voided: i64,
}

/// The totals of `contracts` at `now`, within `year` (Beijing) when given.
pub fn totals(
    contracts: &[Contract],
    cal: &WorkCalendar,
    now: DateTime<Utc>,
    year: Option<i32>,
) -> Totals {
    use chrono::Datelike;
    let today = crate::beijing::date(now);
    let in_year = |d: NaiveDate| year.is_none_or(|y| d.year() == y);
    let mut t = Totals::default();
    for c in contracts {
        if c.confirmed_at.is_none() {
            continue;
        }
        if !c.is_active() {
            t.voided += 1;
            continue;
        }
        t.paid_fen += c
            .payments
            .iter()
            .filter(|p| in_year(p.paid_on))
            .map(|p| p.amount_fen)
            .sum::<i64>();
        if !in_year(c.signed_on) {
            continue;
        }
        t.contracts += 1;
        t.contracted_fen += c.value_fen;
        t.late_notices += i64::from(c.late_notice(cal, now));
        t.overdue_now += c
            .milestones
            .iter()
            .filter(|m| c.owed(m).is_some_and(|o| o.overdue(today)))
            .count() as i64;
    }
    t
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
