//! What happens to a consortium, as the services record it. Every one of these is sealed with
//! the scenario's bids: the audit browser keeps them back, and they move no public version.

use serde_json::json;

use super::consortium::Consortium;
use crate::audit::{AuditAction, AuditDraft};
use crate::ids::{ConsortiumId, OrganizationId, UserId};
use crate::scenario::ScenarioId;

/// Something that happened to a consortium.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsortiumEvent {
    /// A vendor formed it and leads it.
    Formed(Box<Consortium>),
    Invited {
        consortium: ConsortiumId,
        scenario: ScenarioId,
        vendor: OrganizationId,
        message: String,
    },
    Answered {
        consortium: ConsortiumId,
        scenario: ScenarioId,
        vendor: OrganizationId,
        accepted: bool,
    },
    /// The lead wrote (or changed) the agreement: every member confirms again.
    AgreementWritten {
        consortium: ConsortiumId,
        scenario: ScenarioId,
        shares: Vec<(OrganizationId, u8)>,
    },
    /// A member confirmed the agreement; `agreed` when it was the last.
    Confirmed {
        consortium: ConsortiumId,
        scenario: ScenarioId,
        vendor: OrganizationId,
        agreed: bool,
    },
}

impl ConsortiumEvent {
    pub fn consortium(&self) -> ConsortiumId {
        use ConsortiumEvent::*;
        match self {
            Formed(c) => c.id,
            Invited { consortium, .. }
            | Answered { consortium, .. }
            | AgreementWritten { consortium, .. }
            | Confirmed { consortium, .. } => *consortium,
        }
    }

    pub fn action(&self) -> AuditAction {
        use ConsortiumEvent::*;
        match self {
            Formed(_) => AuditAction::ConsortiumForm,
            Invited { .. } => AuditAction::ConsortiumInvite,
            Answered { .. } => AuditAction::ConsortiumAnswer,
            AgreementWritten { .. } => AuditAction::ConsortiumAgreement,
            Confirmed { .. } => AuditAction::ConsortiumConfirm,
        }
    }

    /// The audit record, of subject `consortium`.
    pub fn audit(&self, actor: Option<UserId>) -> AuditDraft {
        use ConsortiumEvent::*;
        let draft = AuditDraft::new(actor, self.action(), "consortium", self.consortium());
        match self {
            Formed(c) => draft.after(json!({
                "scenario": c.scenario, "lead": c.lead, "name": c.name, "status": c.status.code(),
            })),
            Invited {
                scenario,
                vendor,
                message,
                ..
            } => draft.after(json!({"scenario": scenario, "invited": vendor, "message": message})),
            Answered {
                scenario,
                vendor,
                accepted,
                ..
            } => draft
                .before(json!({"vendor": vendor, "status": "invited"}))
                .after(json!({
                    "scenario": scenario, "vendor": vendor,
                    "status": if *accepted { "accepted" } else { "declined" },
                })),
            AgreementWritten {
                scenario, shares, ..
            } => draft.after(json!({"scenario": scenario, "shares": shares})),
            Confirmed {
                scenario,
                vendor,
                agreed,
                ..
            } => {
                draft.after(json!({"scenario": scenario, "confirmed_by": vendor, "agreed": agreed}))
            }
        }
    }
}
