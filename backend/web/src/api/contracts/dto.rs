//! The bodies of the contract routes: what they answer and what they take.

use app::contracts::AgencyRecord;
use chrono::{DateTime, NaiveDate, Utc};
use domain::Error;
use domain::contract::{Change, Contract, MilestonePlan, Terms};
use domain::error::Fields;
use domain::ids::MilestoneId;
use domain::message::Message;
use serde::{Deserialize, Serialize};

use crate::api::bids::AttachmentOut;

/// A review of a submission.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewOut {
    pub accepted: bool,
    /// The remarks of an acceptance or the reasons of a return (parties only; empty else).
    pub text: String,
    pub at: DateTime<Utc>,
}

/// One submission of a milestone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionOut {
    pub id: i64,
    /// The vendor's note (parties only; empty else).
    pub note: String,
    pub submitted_at: DateTime<Utc>,
    /// The owner reviews before this time.
    pub review_due: DateTime<Utc>,
    pub review: Option<ReviewOut>,
}

/// One milestone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MilestoneOut {
    pub id: i64,
    pub position: i32,
    pub title: String,
    pub due_on: NaiveDate,
    pub share_pct: u8,
    pub amount_fen: i64,
    /// `pending`, `submitted`, `accepted` or `returned`.
    pub status: &'static str,
    /// The day (Beijing) it was accepted.
    pub accepted_on: Option<NaiveDate>,
    /// The last day to pay it (30 calendar days after acceptance).
    pub pay_by: Option<NaiveDate>,
    pub paid_fen: i64,
    /// Voided, unpaid, with its contract.
    pub voided: bool,
    pub submissions: Vec<SubmissionOut>,
}

/// One payment or reversing entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentOut {
    pub id: i64,
    pub milestone_id: i64,
    /// Negative for a reversing entry.
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    /// The payment a reversing entry reverses.
    pub corrects: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

/// One amendment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AmendmentOut {
    pub id: i64,
    pub reason: String,
    pub changes: Vec<ChangeIn>,
    pub proposed_by_org: i64,
    pub proposed_at: DateTime<Utc>,
    /// `proposed`, `confirmed` or `declined`.
    pub status: String,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A file of the contract: `signed`, `evidence` or `report`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractFileOut {
    pub kind: &'static str,
    pub submission_id: Option<i64>,
    #[serde(flatten)]
    pub file: AttachmentOut,
}

/// A contract (the contract notice, once published).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractOut {
    pub id: i64,
    pub scenario_id: i64,
    pub buyer_id: i64,
    pub vendor_id: i64,
    pub value_fen: i64,
    pub signed_on: NaiveDate,
    pub term_days: u32,
    /// `awaiting_confirmation`, `published` or `voided`.
    pub status: &'static str,
    /// When the contract notice was published (the vendor's confirmation).
    pub published_at: Option<DateTime<Utc>>,
    /// The notice is due before this time (2 working days after signing).
    pub notice_due: Option<DateTime<Utc>>,
    /// Published after its due time (or not yet, and late now).
    pub late_notice: bool,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_challenge_id: Option<i64>,
    pub paid_fen: i64,
    pub milestones: Vec<MilestoneOut>,
    pub payments: Vec<PaymentOut>,
    pub amendments: Vec<AmendmentOut>,
    pub files: Vec<ContractFileOut>,
}

impl ContractOut {
    pub fn of(c: &Contract, cal: &domain::workdays::WorkCalendar, now: DateTime<Utc>) -> Self {
        let status = match (c.is_active(), c.confirmed_at) {
            (false, _) => "voided",
            (true, Some(_)) => "published",
            (true, None) => "awaiting_confirmation",
        };
        ContractOut {
            id: c.id.0,
            scenario_id: c.scenario.0,
            buyer_id: c.buyer.0,
            vendor_id: c.vendor.0,
            value_fen: c.value_fen,
            signed_on: c.signed_on,
            term_days: c.term_days,
            status,
            published_at: c.published_at(),
            notice_due: Some(c.notice_due(cal)),
            late_notice: c.late_notice(cal, now),
            voided_at: c.voided_at,
            void_challenge_id: c.void_challenge.map(|x| x.0),
            paid_fen: c.paid_fen(),
            milestones: c
                .milestones
                .iter()
                .map(|m| MilestoneOut {
                    id: m.id.0,
                    position: m.position,
                    title: m.title.clone(),
                    due_on: m.due_on,
                    share_pct: m.share_pct,
                    amount_fen: m.amount_fen,
                    status: m.status.code(),
                    accepted_on: m.accepted_on(),
                    pay_by: m.accepted_on().map(domain::contract::payment_due),
                    paid_fen: c.owed(m).map_or(0, |o| o.paid_fen()),
                    voided: m.voided,
                    submissions: m
                        .submissions
                        .iter()
                        .map(|s| SubmissionOut {
                            id: s.id,
                            note: s.note.clone(),
                            submitted_at: s.at,
                            review_due: s.review_due,
                            review: s.review.as_ref().map(|r| ReviewOut {
                                accepted: r.accepted,
                                text: r.text.clone(),
                                at: r.at,
                            }),
                        })
                        .collect(),
                })
                .collect(),
            payments: c
                .payments
                .iter()
                .map(|p| PaymentOut {
                    id: p.id.0,
                    milestone_id: p.milestone.0,
                    amount_fen: p.amount_fen,
                    paid_on: p.paid_on,
                    corrects: p.corrects.map(|x| x.0),
                    recorded_at: p.recorded_at,
                })
                .collect(),
            amendments: c
                .amendments
                .iter()
                .map(|a| AmendmentOut {
                    id: a.id.0,
                    reason: a.reason.clone(),
                    changes: a
                        .changes
                        .iter()
                        .map(|ch| ChangeIn {
                            id: ch.milestone.0,
                            due_on: ch.due_on.map(|d| d.to_string()),
                            share_pct: ch.share_pct.map(i64::from),
                        })
                        .collect(),
                    proposed_by_org: a.proposed_org.0,
                    proposed_at: a.proposed_at,
                    status: a.outcome.clone().unwrap_or_else(|| "proposed".into()),
                    answered_at: a.answered_at,
                })
                .collect(),
            files: c
                .files
                .iter()
                .map(|f| ContractFileOut {
                    kind: f.kind.code(),
                    submission_id: f.submission,
                    file: AttachmentOut {
                        sha256: f.file.sha256.clone(),
                        filename: f.file.filename.clone(),
                        size: f.file.size,
                        url: format!(
                            "/api/v1/scenarios/{}/contract/files/{}",
                            c.scenario.0, f.file.sha256
                        ),
                    },
                })
                .collect(),
        }
    }
}

/// One milestone of the schedule as written.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MilestoneIn {
    /// The deliverable (1–200 characters).
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// `YYYY-MM-DD`, within the term.
    #[serde(default)]
    #[schema(required = true, format = Date)]
    pub due_on: String,
    /// Whole percent; the shares sum to 100.
    #[serde(default)]
    #[schema(required = true, minimum = 1, maximum = 100)]
    pub share_pct: i64,
}

/// The contract's terms.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ContractIn {
    #[serde(default)]
    #[schema(required = true, minimum = 1, maximum = 1_000_000_000_000_i64)]
    pub value_fen: i64,
    /// `YYYY-MM-DD` (Beijing), between the award and today.
    #[serde(default)]
    #[schema(required = true, format = Date)]
    pub signed_on: String,
    #[serde(default)]
    #[schema(required = true, minimum = 1, maximum = 3650)]
    pub term_days: i64,
    /// Empty: one milestone, the whole delivery, due at the end of the term.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub milestones: Vec<MilestoneIn>,
}

/// A date field, or its error.
pub(super) fn date(f: &mut Fields, field: &str, s: &str) -> NaiveDate {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            f.push(
                field,
                Message::new("请填写日期（YYYY-MM-DD）", "a date as YYYY-MM-DD"),
            );
            NaiveDate::MIN
        }
    }
}

/// A share in whole percent: out of range reads as 0 (which the rules refuse by name).
fn share(v: i64) -> u8 {
    u8::try_from(v).unwrap_or(0)
}

impl ContractIn {
    /// The terms, or every field's error (a malformed date named as such).
    pub fn terms(&self) -> Result<Terms, Error> {
        let mut f = Fields::new();
        let signed_on = date(&mut f, "signed_on", &self.signed_on);
        let milestones = self
            .milestones
            .iter()
            .enumerate()
            .map(|(i, m)| MilestonePlan {
                title: m.title.clone(),
                due_on: date(&mut f, &format!("milestones[{i}].due_on"), &m.due_on),
                share_pct: share(m.share_pct),
            })
            .collect();
        f.finish()?;
        Ok(Terms {
            value_fen: self.value_fen,
            signed_on,
            term_days: u32::try_from(self.term_days).unwrap_or(0),
            milestones,
        })
    }
}

/// A change to one milestone.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeIn {
    /// The milestone's id.
    pub id: i64,
    /// The new due date (`YYYY-MM-DD`), if it changes.
    #[serde(default)]
    #[schema(format = Date)]
    pub due_on: Option<String>,
    /// The new share, if it changes.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub share_pct: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AmendmentIn {
    #[serde(default)]
    #[schema(required = true, min_items = 1)]
    pub milestones: Vec<ChangeIn>,
    /// Why (1–4000 characters).
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 4000, pattern = "\\S")]
    pub reason: String,
}

impl AmendmentIn {
    pub fn changes(&self) -> Result<Vec<Change>, Error> {
        let mut f = Fields::new();
        let out = self
            .milestones
            .iter()
            .enumerate()
            .map(|(i, c)| Change {
                milestone: MilestoneId(c.id),
                due_on: c
                    .due_on
                    .as_deref()
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| date(&mut f, &format!("milestones[{i}].due_on"), d)),
                share_pct: c.share_pct.map(share),
            })
            .collect();
        f.finish()?;
        Ok(out)
    }
}

/// An agency's public record of acceptance and payment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentRecordOut {
    /// Contracts published and in force.
    pub contracts: i64,
    /// Of the milestones accepted, the share accepted within the review period (percent).
    pub milestones_accepted_on_time_pct: Option<f64>,
    /// Median calendar days from acceptance to full payment.
    pub median_days_to_pay: Option<f64>,
    /// Accepted milestones not paid in full 30 days after acceptance, today.
    pub overdue_now: i64,
    pub milestones_accepted: i64,
    pub contracted_fen: i64,
    pub paid_fen: i64,
}

impl From<AgencyRecord> for PaymentRecordOut {
    fn from(r: AgencyRecord) -> Self {
        PaymentRecordOut {
            contracts: r.contracts,
            milestones_accepted_on_time_pct: r.milestones_accepted_on_time_pct,
            median_days_to_pay: r.median_days_to_pay,
            overdue_now: r.overdue_now,
            milestones_accepted: r.milestones_accepted,
            contracted_fen: r.contracted_fen,
            paid_fen: r.paid_fen,
        }
    }
}
