//! What happens to a contract, as the services record it: each event names its audit action
//! and record, and the notice it leaves.

use chrono::NaiveDate;
use serde_json::json;

use super::model::{Amendment, Contract, FileKind, Payment};
use crate::audit::{AuditAction, AuditDraft};
use crate::ids::{AmendmentId, ChallengeId, ContractId, MilestoneId, UserId};
use crate::scenario::ScenarioId;

/// A milestone's terms before or after an amendment: (id, due date, share, amount).
pub type Terms = Vec<(MilestoneId, NaiveDate, u8, i64)>;

/// Something that happened to a contract.
#[derive(Debug, Clone, PartialEq)]
pub enum ContractEvent {
    /// The owner recorded the contract; the vendor is asked to confirm it.
    Recorded(Box<Contract>),
    /// The vendor confirmed it: the contract notice is published.
    Confirmed {
        contract: ContractId,
        scenario: ScenarioId,
        late: bool,
    },
    FileAttached {
        contract: ContractId,
        scenario: ScenarioId,
        kind: FileKind,
        submission: Option<i64>,
        sha256: String,
        filename: String,
    },
    Submitted {
        contract: ContractId,
        scenario: ScenarioId,
        milestone: MilestoneId,
        submission: i64,
        note: String,
    },
    Reviewed {
        contract: ContractId,
        scenario: ScenarioId,
        milestone: MilestoneId,
        submission: i64,
        accepted: bool,
        text: String,
        on_time: bool,
    },
    AmendmentProposed {
        scenario: ScenarioId,
        amendment: Box<Amendment>,
    },
    AmendmentAnswered {
        contract: ContractId,
        scenario: ScenarioId,
        amendment: AmendmentId,
        confirmed: bool,
        before: Terms,
        after: Terms,
    },
    PaymentRecorded {
        scenario: ScenarioId,
        payment: Box<Payment>,
    },
    /// An upheld challenge voided the contract and its unpaid milestones.
    Voided {
        contract: ContractId,
        scenario: ScenarioId,
        challenge: ChallengeId,
        milestones: Vec<MilestoneId>,
    },
}

impl ContractEvent {
    pub fn scenario(&self) -> ScenarioId {
        use ContractEvent::*;
        match self {
            Recorded(c) => c.scenario,
            AmendmentProposed { scenario, .. }
            | PaymentRecorded { scenario, .. }
            | Confirmed { scenario, .. }
            | FileAttached { scenario, .. }
            | Submitted { scenario, .. }
            | Reviewed { scenario, .. }
            | AmendmentAnswered { scenario, .. }
            | Voided { scenario, .. } => *scenario,
        }
    }

    pub fn action(&self) -> AuditAction {
        use ContractEvent::*;
        match self {
            Recorded(_) => AuditAction::ContractRecord,
            Confirmed { .. } => AuditAction::ContractConfirm,
            FileAttached { .. } => AuditAction::ContractAttach,
            Submitted { .. } => AuditAction::MilestoneSubmit,
            Reviewed { accepted: true, .. } => AuditAction::MilestoneAccept,
            Reviewed { .. } => AuditAction::MilestoneReturn,
            AmendmentProposed { .. } => AuditAction::AmendmentPropose,
            AmendmentAnswered {
                confirmed: true, ..
            } => AuditAction::AmendmentConfirm,
            AmendmentAnswered { .. } => AuditAction::AmendmentDecline,
            PaymentRecorded { payment, .. } if payment.corrects.is_some() => {
                AuditAction::PaymentReverse
            }
            PaymentRecorded { .. } => AuditAction::PaymentRecord,
            Voided { .. } => AuditAction::ContractVoid,
        }
    }

    /// The audit record.
    pub fn audit(&self, actor: Option<UserId>) -> AuditDraft {
        use ContractEvent::*;
        let draft = |kind: &str, id: &dyn std::fmt::Display| {
            AuditDraft::new(actor, self.action(), kind, id.to_string())
        };
        match self {
            Recorded(c) => draft("contract", &c.id).after(json!({
                "scenario": c.scenario,
                "vendor": c.vendor,
                "value_fen": c.value_fen,
                "signed_on": c.signed_on,
                "term_days": c.term_days,
                "milestones": c.milestones.iter().map(|m| json!({
                    "id": m.id, "title": m.title, "due_on": m.due_on,
                    "share_pct": m.share_pct, "amount_fen": m.amount_fen,
                })).collect::<Vec<_>>(),
            })),
            Confirmed {
                contract,
                scenario,
                late,
            } => draft("contract", contract)
                .before(json!({"confirmed": false}))
                .after(json!({"scenario": scenario, "confirmed": true, "late_notice": late})),
            FileAttached {
                contract,
                scenario,
                kind,
                submission,
                sha256,
                filename,
            } => draft("contract", contract).after(json!({
                "scenario": scenario, "kind": kind, "submission": submission,
                "sha256": sha256, "filename": filename,
            })),
            Submitted {
                contract,
                scenario,
                milestone,
                submission,
                note,
            } => draft("milestone", milestone).after(json!({
                "contract": contract, "scenario": scenario, "submission": submission,
                "status": "submitted", "note": note,
            })),
            Reviewed {
                contract,
                scenario,
                milestone,
                submission,
                accepted,
                text,
                on_time,
            } => draft("milestone", milestone)
                .before(json!({"status": "submitted"}))
                .after(json!({
                    "contract": contract, "scenario": scenario, "submission": submission,
                    "status": if *accepted { "accepted" } else { "returned" },
                    if *accepted { "remarks" } else { "reasons" }: text,
                    "on_time": on_time,
                })),
            AmendmentProposed {
                scenario,
                amendment,
            } => draft("amendment", &amendment.id).after(json!({
                "contract": amendment.contract, "scenario": scenario,
                "changes": amendment.changes, "reason": amendment.reason,
            })),
            AmendmentAnswered {
                contract,
                scenario,
                amendment,
                confirmed,
                before,
                after,
            } => draft("amendment", amendment)
                .before(json!({"status": "proposed", "milestones": before}))
                .after(json!({
                    "contract": contract, "scenario": scenario,
                    "status": if *confirmed { "confirmed" } else { "declined" },
                    "milestones": after,
                })),
            PaymentRecorded { scenario, payment } => draft("payment", &payment.id).after(json!({
                "contract": payment.contract, "scenario": scenario,
                "milestone": payment.milestone, "amount_fen": payment.amount_fen,
                "paid_on": payment.paid_on, "corrects": payment.corrects,
            })),
            Voided {
                contract,
                scenario,
                challenge,
                milestones,
            } => draft("contract", contract)
                .before(json!({"status": "active"}))
                .after(json!({
                    "scenario": scenario, "status": "voided", "challenge": challenge,
                    "milestones_voided": milestones,
                })),
        }
    }
}
