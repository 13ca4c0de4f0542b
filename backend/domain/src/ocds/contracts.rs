//! A contract in OCDS terms: `contracts[0]` with its `implementation` — milestones with their
//! status and dates, and transactions for payments (reversing entries negative). Written as
//! the contract stands at each public step, and kept with that step's release event.

use serde_json::{Value, json};

use super::{at, org_id, yuan};
use crate::contract::{Contract, FileKind, MilestoneStatus};

/// Which public step of a contract a release tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStage {
    /// The vendor confirmed it: the contract notice.
    Signed,
    /// A milestone accepted or a payment recorded.
    Implementation,
    /// An amendment confirmed by both parties.
    Amendment,
    /// Voided by an upheld challenge.
    Termination,
}

impl ContractStage {
    pub(super) fn tag(self) -> &'static str {
        match self {
            Self::Signed => "contract",
            Self::Implementation => "implementation",
            Self::Amendment => "contractAmendment",
            Self::Termination => "contractTermination",
        }
    }

    pub(super) fn key(self) -> &'static str {
        match self {
            Self::Signed => "contract",
            Self::Implementation => "implementation",
            Self::Amendment => "contract-amendment",
            Self::Termination => "contract-voided",
        }
    }
}

/// The names of the parties: (buyer, vendor).
pub struct Parties<'a> {
    pub buyer: &'a str,
    pub vendor: &'a str,
}

fn day(d: chrono::NaiveDate) -> String {
    at(crate::beijing::at_hour(d, 0))
}

/// The OCDS contract of `c` (of the process `ocid`, whose page is `page`), against the award
/// `award_id`.
pub fn contract_json(
    ocid: &str,
    page: &str,
    award_id: &str,
    title: &str,
    c: &Contract,
    names: &Parties,
) -> Value {
    let ends = c.signed_on + chrono::Duration::days(i64::from(c.term_days));
    let mut documents = vec![json!({
        "id": format!("{ocid}-contract-notice-{}", c.id.0),
        "documentType": "contractNotice",
        "title": format!("合同公告 / contract notice: {title}"),
        "url": format!("{page}/contract"),
        "format": "text/html",
        "language": "zh",
    })];
    for f in c.files.iter().filter(|f| f.kind == FileKind::Signed) {
        documents.push(json!({
            "id": format!("{ocid}-contract-file-{}", f.file.id),
            "documentType": "contractSigned",
            "title": f.file.filename,
            "url": format!("{page}/contract/files/{}", f.file.sha256),
            "format": "application/pdf",
            "language": "zh",
        }));
    }
    let milestones: Vec<Value> = c
        .milestones
        .iter()
        .map(|m| {
            let status = match (m.status, m.voided) {
                (MilestoneStatus::Accepted, _) => "met",
                (_, true) => "notMet",
                _ => "scheduled",
            };
            let mut v = json!({
                "id": format!("milestone-{}", m.id.0),
                "title": m.title,
                "type": "delivery",
                "description": format!("第 {} 期，占合同金额 {}%（{:.2} 元）/ instalment {}, {}% of the value", m.position, m.share_pct, m.amount_fen as f64 / 100.0, m.position, m.share_pct),
                "dueDate": day(m.due_on),
                "status": status,
            });
            if let Some(t) = m.accepted_at {
                v["dateMet"] = json!(at(t));
                v["dateModified"] = json!(at(t));
            }
            v
        })
        .collect();
    let transactions: Vec<Value> = c
        .payments
        .iter()
        .map(|p| {
            json!({
                "id": format!("payment-{}", p.id.0),
                "date": day(p.paid_on),
                "value": yuan(p.amount_fen),
                "payer": {"id": org_id(c.buyer), "name": names.buyer},
                "payee": {"id": org_id(c.vendor), "name": names.vendor},
                "uri": format!("{page}/contract#milestone-{}", p.milestone.0),
            })
        })
        .collect();
    let amendments: Vec<Value> = c
        .amendments
        .iter()
        .filter(|a| a.outcome.as_deref() == Some("confirmed"))
        .map(|a| {
            json!({
                "id": format!("amendment-{}", a.id.0),
                "date": at(a.answered_at.unwrap_or(a.proposed_at)),
                "rationale": a.reason,
                "description": "变更里程碑日期或比例，双方已确认 / milestone dates or shares changed, confirmed by both parties",
            })
        })
        .collect();
    let mut v = json!({
        "id": format!("{ocid}-contract-{}", c.id.0),
        "awardID": award_id,
        "title": title,
        "status": if c.is_active() { "active" } else { "cancelled" },
        "value": yuan(c.value_fen),
        "dateSigned": day(c.signed_on),
        "period": {"startDate": day(c.signed_on), "endDate": day(ends)},
        "documents": documents,
        "implementation": {"milestones": milestones, "transactions": transactions},
    });
    if !amendments.is_empty() {
        v["amendments"] = json!(amendments);
    }
    if !c.is_active() {
        v["statusDetails"] = json!(
            "质疑成立，合同及未付款里程碑作废 / voided with its unpaid milestones after an upheld challenge"
        );
    }
    v
}
