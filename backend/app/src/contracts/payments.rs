//! Payments against accepted milestones (never edited; corrected by reversing entries), the
//! reminders of a contract's deadlines, and the public records of agencies and vendors.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Services, contract_event, locked};
use domain::actor::Actor;
use domain::contract::{self as ct, Contract, ContractEvent, Payment, Record, Reviewed};
use domain::error::{Error, Result};
use domain::ids::{ContractId, MilestoneId, OrganizationId, PaymentId};
use domain::message::Message;
use domain::notification::{Kind, Notice};
use domain::ports::{ReadTx, in_read, in_tx};

/// An agency's public record of acceptance and payment.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyRecord {
    pub contracts: i64,
    pub milestones_accepted_on_time_pct: Option<f64>,
    pub median_days_to_pay: Option<f64>,
    pub overdue_now: i64,
    /// Accepted milestones counted.
    pub milestones_accepted: i64,
    /// Value of the contracts in force, and paid on them, in fen.
    pub contracted_fen: i64,
    pub paid_fen: i64,
}

/// A vendor's public record of delivery.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct VendorRecord {
    pub contracts: i64,
    pub milestones_accepted: i64,
    /// Of those, submitted by their due date.
    pub milestones_on_time: i64,
}

impl VendorRecord {
    pub fn on_time_pct(&self) -> Option<f64> {
        (self.milestones_accepted > 0).then(|| {
            (self.milestones_on_time as f64 * 1000.0 / self.milestones_accepted as f64).round()
                / 10.0
        })
    }
}

/// The contracts that count in a record: confirmed (published) and not voided.
fn counted(c: &Contract) -> bool {
    c.is_active() && c.confirmed_at.is_some()
}

/// The payment record of an agency, read in `tx`.
pub(crate) fn agency_record_in(
    tx: &mut dyn ReadTx,
    org: OrganizationId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<AgencyRecord> {
    let today = domain::beijing::date(now);
    Ok(agency_record(&tx.recorded_contracts(&[org])?, today))
}

/// The record of one agency from its contracts, on `today` (Beijing).
pub fn agency_record(contracts: &[Contract], today: NaiveDate) -> AgencyRecord {
    let live: Vec<&Contract> = contracts.iter().filter(|c| counted(c)).collect();
    let accepted: Vec<Reviewed> = live
        .iter()
        .flat_map(|c| {
            c.milestones.iter().filter_map(|m| {
                let sub = m
                    .submissions
                    .iter()
                    .find(|s| s.review.as_ref().is_some_and(|r| r.accepted))?;
                Some(Reviewed {
                    review_due: sub.review_due,
                    accepted_at: m.accepted_at?,
                    owed: c.owed(m)?,
                })
            })
        })
        .collect();
    let Record {
        contracts,
        milestones_accepted_on_time_pct,
        median_days_to_pay,
        overdue_now,
    } = ct::record(live.len() as i64, &accepted, today);
    AgencyRecord {
        contracts,
        milestones_accepted_on_time_pct,
        median_days_to_pay,
        overdue_now,
        milestones_accepted: accepted.len() as i64,
        contracted_fen: live.iter().map(|c| c.value_fen).sum(),
        paid_fen: live.iter().map(|c| c.paid_fen()).sum(),
    }
}

/// The record of one vendor from its contracts.
pub fn vendor_record(contracts: &[Contract]) -> VendorRecord {
    let live: Vec<&Contract> = contracts.iter().filter(|c| counted(c)).collect();
    let on_time: Vec<bool> = live
        .iter()
        .flat_map(|c| c.milestones.iter().filter_map(|m| m.delivered_on_time()))
        .collect();
    VendorRecord {
        contracts: live.len() as i64,
        milestones_accepted: on_time.len() as i64,
        milestones_on_time: on_time.iter().filter(|t| **t).count() as i64,
    }
}

impl Services {
    /// The owner records a payment against an accepted milestone, or a reversing entry
    /// (`corrects`) that cancels one; the vendor hears of it.
    pub fn record_payment(
        &self,
        actor: &Actor,
        id: ContractId,
        milestone: MilestoneId,
        amount_fen: i64,
        paid_on: NaiveDate,
        corrects: Option<PaymentId>,
    ) -> Result<Payment> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let c = locked(tx, actor, id)?;
            if c.party(actor.organization_id) != Some(true) {
                return Err(Error::Forbidden(Message::new(
                    "只有采购方可以登记付款",
                    "only the agency records payments",
                )));
            }
            let today = domain::beijing::date(now);
            c.check_payment(milestone, amount_fen, paid_on, corrects, today)?;
            let p = Payment {
                id: PaymentId(self.next_id()),
                contract: id,
                milestone,
                amount_fen,
                paid_on,
                corrects,
                recorded_by: actor.user_id,
                recorded_at: now,
            };
            tx.insert_payment(&p).map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => Error::field(
                    "corrects",
                    Message::new("该笔付款已被冲正", "this payment is reversed already"),
                ),
                e => e,
            })?;
            let e = ContractEvent::PaymentRecorded {
                scenario: c.scenario,
                payment: Box::new(p.clone()),
            };
            contract_event(tx, actor, e, now)?;
            Ok(p)
        })
    }

    /// An agency's public record (404 for an organization that is not an agency).
    pub fn payment_record(&self, org: OrganizationId) -> Result<AgencyRecord> {
        in_read(&*self.store, |tx| {
            tx.organization(org)?
                .filter(|o| o.kind == domain::account::OrgKind::Agency)
                .ok_or(Error::NotFound)?;
            agency_record_in(tx, org, self.now())
        })
    }

    /// The records of several agencies at once (the directory of agencies).
    pub fn payment_records(
        &self,
        orgs: &[OrganizationId],
    ) -> Result<HashMap<OrganizationId, AgencyRecord>> {
        let today = domain::beijing::date(self.now());
        in_read(&*self.store, |tx| records_in(tx, orgs, today))
    }

    /// The verified agencies with their records, by name (the directory of agencies).
    pub fn agency_directory(&self) -> Result<Vec<(domain::account::Organization, AgencyRecord)>> {
        let today = domain::beijing::date(self.now());
        in_read(&*self.store, |tx| {
            let (mut orgs, _) = tx.organizations(&domain::ports::OrgFilter {
                kind: Some(domain::account::OrgKind::Agency),
                verified: Some(true),
                limit: 2000,
                ..Default::default()
            })?;
            orgs.sort_by(|a, b| a.name.cmp(&b.name));
            let ids: Vec<OrganizationId> = orgs.iter().map(|o| o.id).collect();
            let mut records = records_in(tx, &ids, today)?;
            Ok(orgs
                .into_iter()
                .filter_map(|o| records.remove(&o.id).map(|r| (o, r)))
                .collect())
        })
    }

    /// A vendor's public record of delivery.
    pub fn delivery_record(&self, org: OrganizationId) -> Result<VendorRecord> {
        in_read(&*self.store, |tx| {
            Ok(vendor_record(&tx.contracts_of_parties(&[org], false)?))
        })
    }

    /// The job of a contract's deadline: the notice still unpublished, or a milestone still
    /// not paid in full, is told of to the parties; otherwise nothing.
    pub fn contract_due(
        &self,
        id: ContractId,
        step: Kind,
        milestone: Option<MilestoneId>,
    ) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let Some(c) = tx.contract(id)?.filter(Contract::is_active) else {
                return Ok(());
            };
            let due = match (step, milestone) {
                (Kind::ContractNoticeDue, _) => c.confirmed_at.is_none(),
                (_, Some(m)) => c
                    .milestone(m)
                    .and_then(|m| c.owed(m))
                    .is_some_and(|o| o.paid_fen() < o.amount_fen),
                _ => false,
            };
            if !due {
                return Ok(());
            }
            let notice = Notice::Contract {
                step,
                contract: id.0,
                item: milestone.map(|m| m.0),
            };
            let stored = serde_json::to_string(&notice).map_err(Error::internal)?;
            tx.enqueue_notice(&stored, now)
        })
    }
}

/// The records of `orgs` as agencies, read in one pass.
pub(crate) fn records_in(
    tx: &mut dyn ReadTx,
    orgs: &[OrganizationId],
    today: NaiveDate,
) -> Result<HashMap<OrganizationId, AgencyRecord>> {
    let all = tx.recorded_contracts(orgs)?;
    Ok(orgs
        .iter()
        .map(|o| {
            let mine: Vec<Contract> = all.iter().filter(|c| c.buyer == *o).cloned().collect();
            (*o, agency_record(&mine, today))
        })
        .collect())
}
