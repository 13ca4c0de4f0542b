//! Contracts after an award: the owner records the contract while no challenge is open, the
//! vendor confirms it (which publishes the contract notice), milestones are submitted and
//! accepted or returned, amendments need both parties, payments are recorded and never
//! edited. An upheld challenge voids the contract and its unpaid milestones.

mod delivery;
pub(crate) mod notices;
mod payments;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Services, emit};
use crate::bids::NewAttachment;
use domain::actor::Actor;
use domain::bid::Attachment;
use domain::contract::{
    self as ct, Contract, ContractEvent, ContractFile, FileKind, Milestone, MilestoneStatus, Terms,
};
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::{ChallengeId, ContractId, MilestoneId};
use domain::job::{Job, NewJob};
use domain::message::Message;
use domain::notification::Kind;
use domain::ports::{ReadTx, RowLock, Tx, in_read, in_tx};
use domain::scenario::{Scenario, ScenarioId, Status};

pub(crate) use payments::agency_record_in;
pub use payments::{AgencyRecord, VendorRecord};

/// A scenario's contract as one viewer reads it, and what the viewer may do.
#[derive(Debug, Clone, Serialize)]
pub struct ContractBoard {
    pub scenario: ScenarioId,
    pub title: String,
    pub status: Status,
    pub buyer_name: String,
    pub vendor_name: String,
    /// The contract in force (or the last one, voided), as this viewer may read it.
    pub contract: Option<Contract>,
    /// Earlier contracts voided by upheld challenges.
    pub voided: Vec<Contract>,
    /// When the contract notice is (or was) due, and whether it was (or is) late.
    pub notice_due: Option<DateTime<Utc>>,
    pub late_notice: bool,
    /// `Some(true)` for the buyer, `Some(false)` for the vendor.
    pub party: Option<bool>,
    /// The owner may record the contract now.
    pub may_record: bool,
    /// Why the owner may not record one yet (an open challenge).
    pub record_hold: Option<Message>,
    /// The vendor may confirm it now.
    pub may_confirm: bool,
}

impl Services {
    /// The owner records the contract of an awarded scenario while no challenge is open; the
    /// awarded vendor is asked to confirm it, and reminded (with the owner) before the
    /// contract notice is due.
    pub fn record_contract(
        &self,
        actor: &Actor,
        id: ScenarioId,
        terms: Terms,
        files: Vec<NewAttachment>,
    ) -> Result<Contract> {
        let now = self.now();
        if files.len() > ct::MAX_FILES {
            return Err(too_many_files());
        }
        in_tx(&*self.store, |tx| {
            let s = Self::owned(tx, actor, id)?;
            let award = may_record(tx, &s, now)?;
            terms.check(domain::beijing::date(award.at), domain::beijing::date(now))?;
            let vendor = tx.bid(award.bid)?.ok_or(Error::NotFound)?.vendor;
            let cid = ContractId(self.next_id());
            let schedule = terms.schedule();
            let shares: Vec<u8> = schedule.iter().map(|m| m.share_pct).collect();
            let milestones = schedule
                .iter()
                .zip(ct::amounts(terms.value_fen, &shares))
                .zip(1..)
                .map(|((p, amount), position)| Milestone {
                    id: MilestoneId(self.next_id()),
                    contract: cid,
                    position,
                    title: p.title.trim().to_string(),
                    due_on: p.due_on,
                    share_pct: p.share_pct,
                    amount_fen: amount,
                    status: MilestoneStatus::Pending,
                    accepted_at: None,
                    voided: false,
                    submissions: vec![],
                })
                .collect();
            let c = Contract {
                id: cid,
                scenario: id,
                award_bid: award.bid,
                vendor,
                buyer: s.owner,
                value_fen: terms.value_fen,
                signed_on: terms.signed_on,
                term_days: terms.term_days,
                implicit: terms.milestones.is_empty(),
                recorded_by: actor.user_id,
                recorded_at: now,
                confirmed_by: None,
                confirmed_at: None,
                voided_at: None,
                void_challenge: None,
                milestones,
                payments: vec![],
                amendments: vec![],
                files: vec![],
            };
            tx.insert_contract(&c).map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => contract_exists(),
                e => e,
            })?;
            contract_event(tx, actor, ContractEvent::Recorded(Box::new(c.clone())), now)?;
            for file in files {
                self.add_file(tx, actor, &c, FileKind::Signed, None, file, now)?;
            }
            // The reminder: at the start of the notice's last working day.
            let at = self
                .market
                .workdays
                .start_of_working_day(
                    domain::beijing::at_hour(c.signed_on, 12),
                    ct::NOTICE_WORKING_DAYS,
                )
                .max(now);
            self.schedule_due(tx, &c, Kind::ContractNoticeDue, None, at, now)?;
            tx.contract(cid)?.ok_or(Error::NotFound)
        })
    }

    /// Whether the owner may record the contract now (checked before an upload is read).
    pub fn check_can_record_contract(&self, actor: &Actor, id: ScenarioId) -> Result<()> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| domain::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            domain::policy::require_scenario_owner(actor, &s)?;
            may_record(tx, &s, now).map(drop)
        })
    }

    /// The awarded vendor confirms the contract: the contract notice is published.
    pub fn confirm_contract(&self, actor: &Actor, id: ContractId) -> Result<Contract> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let c = locked(tx, actor, id)?;
            if c.party(actor.organization_id) != Some(false) {
                return Err(Error::Forbidden(Message::new(
                    "只有中标供应商可以确认合同",
                    "only the awarded vendor confirms the contract",
                )));
            }
            if !c.is_active() {
                c.check_in_force()?;
            }
            if !tx.confirm_contract(id, actor.user_id, now)? {
                return Err(Error::Conflict {
                    code: "contract_confirmed",
                    detail: Message::new("合同已确认", "the contract is confirmed already"),
                });
            }
            let late = ct::notice_late(&self.market.workdays, c.signed_on, now);
            let e = ContractEvent::Confirmed {
                contract: id,
                scenario: c.scenario,
                late,
            };
            contract_event(tx, actor, e, now)?;
            tx.contract(id)?.ok_or(Error::NotFound)
        })
    }

    /// A scenario's contract as `viewer` may read it: public once confirmed, the parties'
    /// before; the public reads no submission notes, evidence or review texts.
    pub fn contract_board(&self, viewer: Option<&Actor>, id: ScenarioId) -> Result<ContractBoard> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| s.is_public() && domain::policy::can_view_scenario(viewer, s))
                .ok_or(Error::NotFound)?;
            let org = viewer.and_then(|a| a.organization_id);
            let mut all = tx.contracts_of_scenario(id)?;
            let current = all.pop();
            let party = current.as_ref().and_then(|c| c.party(org));
            let shown = |c: Contract| {
                if c.party(org).is_some() {
                    c
                } else {
                    c.public_view()
                }
            };
            let contract = current.filter(|c| c.visible_to(org)).map(shown);
            let voided = all
                .into_iter()
                .filter(|c| c.visible_to(org))
                .map(shown)
                .collect();
            let is_owner =
                viewer.is_some_and(|a| domain::policy::require_scenario_owner(a, &s).is_ok());
            let (may_record, record_hold) = if is_owner {
                match may_record(tx, &s, now) {
                    Ok(_) => (true, None),
                    Err(Error::Conflict {
                        code: "challenge_open",
                        detail,
                    }) => (false, Some(detail)),
                    Err(_) => (false, None),
                }
            } else {
                (false, None)
            };
            let cal = &self.market.workdays;
            let notice_due = contract.as_ref().map(|c| c.notice_due(cal));
            let late_notice = contract.as_ref().is_some_and(|c| c.late_notice(cal, now));
            let may_confirm = party == Some(false)
                && contract
                    .as_ref()
                    .is_some_and(|c| c.is_active() && c.confirmed_at.is_none());
            let name = |tx: &mut dyn ReadTx, o| -> Result<String> {
                Ok(tx.organization(o)?.map(|o| o.name).unwrap_or_default())
            };
            let vendor_name = match &contract {
                Some(c) => name(tx, c.vendor)?,
                None => String::new(),
            };
            Ok(ContractBoard {
                scenario: s.id,
                title: s.title.clone(),
                status: s.status_at(now),
                buyer_name: name(tx, s.owner)?,
                vendor_name,
                contract,
                voided,
                notice_due,
                late_notice,
                party,
                may_record,
                record_hold,
                may_confirm,
            })
        })
    }

    /// Whether the owner may add the signed contract's PDF now (checked before the upload).
    pub fn check_can_attach_contract(&self, actor: &Actor, id: ScenarioId) -> Result<()> {
        in_read(&*self.store, |tx| signed_target(tx, actor, id).map(drop))
    }

    /// The owner adds the signed contract's PDF.
    pub fn attach_to_contract(
        &self,
        actor: &Actor,
        id: ScenarioId,
        file: NewAttachment,
    ) -> Result<Contract> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            Self::owned(tx, actor, id)?;
            let c = signed_target(tx, actor, id)?;
            self.add_file(tx, actor, &c, FileKind::Signed, None, file, now)?;
            tx.contract(c.id)?.ok_or(Error::NotFound)
        })
    }

    /// A file of a scenario's contracts, for whoever may read it: the signed contract for
    /// everyone once published, evidence and reports for the parties.
    pub fn contract_file(
        &self,
        viewer: Option<&Actor>,
        id: ScenarioId,
        sha256: &str,
    ) -> Result<Attachment> {
        let board = self.contract_board(viewer, id)?;
        board
            .contract
            .iter()
            .chain(board.voided.iter())
            .flat_map(|c| c.files.iter())
            .find(|f| f.file.sha256 == sha256)
            .map(|f| f.file.clone())
            .ok_or(Error::NotFound)
    }

    #[allow(clippy::too_many_arguments, reason = "where the file goes, spelt out")]
    fn add_file(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        c: &Contract,
        kind: FileKind,
        submission: Option<i64>,
        file: NewAttachment,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let stored = tx.contract(c.id)?.map(|c| c.files).unwrap_or_default();
        let same = stored
            .iter()
            .filter(|f| f.kind == kind && f.submission == submission)
            .count();
        if same >= ct::MAX_FILES {
            return Err(too_many_files());
        }
        let f = ContractFile {
            kind,
            submission,
            file: Attachment {
                id: self.next_id(),
                sha256: file.sha256,
                filename: file.filename,
                size: file.size,
                created_at: now,
            },
        };
        tx.insert_contract_file(c.id, &f).map_err(|e| match e {
            Error::Conflict {
                code: "duplicate", ..
            } => Error::field(
                "file",
                Message::new("已附上同一文件", "this file is attached already"),
            ),
            e => e,
        })?;
        let e = ContractEvent::FileAttached {
            contract: c.id,
            scenario: c.scenario,
            kind,
            submission,
            sha256: f.file.sha256.clone(),
            filename: f.file.filename.clone(),
        };
        contract_event(tx, actor, e, now)
    }

    /// Writes the job that tells of a contract's deadline at `at`, once.
    fn schedule_due(
        &self,
        tx: &mut dyn Tx,
        c: &Contract,
        step: Kind,
        milestone: Option<MilestoneId>,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = format!(
            "contract-due:{}:{}:{}",
            step.code(),
            c.id.0,
            milestone.map_or(0, |m| m.0)
        );
        let job = Job::ContractDue {
            contract: c.id,
            step,
            milestone,
        };
        tx.enqueue(self.next_id(), &NewJob::once(job, at, key), now)
            .map(drop)
    }

    /// An upheld challenge withdrew the award: the contract in force, if any, is voided with
    /// its milestones not paid in full (called inside the answer's transaction).
    pub(crate) fn void_contract(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        scenario: ScenarioId,
        challenge: ChallengeId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(c) = tx
            .contracts_of_scenario(scenario)?
            .into_iter()
            .find(Contract::is_active)
        else {
            return Ok(());
        };
        let unpaid: Vec<MilestoneId> = c
            .milestones
            .iter()
            .filter(|m| c.owed(m).is_none_or(|o| o.paid_fen() < o.amount_fen))
            .map(|m| m.id)
            .collect();
        if tx.void_contract(c.id, challenge, &unpaid, now)? {
            let e = ContractEvent::Voided {
                contract: c.id,
                scenario,
                challenge,
                milestones: unpaid,
            };
            contract_event(tx, actor, e, now)?;
        }
        Ok(())
    }

    /// The scenario becomes delivered when every milestone of its contract is accepted and
    /// the period to challenge the award is over with no challenge open; while the period
    /// runs, a job tries again when it ends. Returns whether it was delivered now.
    pub(crate) fn settle_delivery_in(
        &self,
        tx: &mut dyn Tx,
        actor: Option<domain::ids::UserId>,
        s: &Scenario,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(award) = &s.award else {
            return Ok(false);
        };
        let accepted = tx
            .contracts_of_scenario(s.id)?
            .iter()
            .any(|c| c.is_active() && c.all_accepted());
        if s.status != Status::Awarded || !accepted {
            return Ok(false);
        }
        let cal = &self.market.workdays;
        let challenges = tx.challenges_of_scenario(s.id)?;
        if domain::challenge::check_delivery(cal, award.at, &challenges, now).is_err() {
            let at = domain::challenge::filing_closes(cal, award.at).max(now);
            let key = format!("settle-delivery:{}:{}", s.id.0, award.at.timestamp());
            let job = Job::SettleDelivery { scenario: s.id };
            tx.enqueue(self.next_id(), &NewJob::once(job, at, key), now)?;
            return Ok(false);
        }
        let mut after = s.clone();
        after.status = Status::Delivered;
        after.updated_at = now;
        tx.update_scenario(&after)?;
        let e = DomainEvent::Delivered {
            scenario: s.id,
            before: s.status,
        };
        emit(tx, actor, e, now)?;
        Ok(true)
    }

    /// The job at the end of the period to challenge: delivers a scenario whose milestones
    /// are all accepted.
    pub fn settle_delivery(&self, id: ScenarioId) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let Some(s) = tx.lock_scenario(id, RowLock::Update)? else {
                return Ok(());
            };
            self.settle_delivery_in(tx, None, &s, now).map(drop)
        })
    }
}

/// Emits a contract event.
fn contract_event(
    tx: &mut dyn Tx,
    actor: &Actor,
    e: ContractEvent,
    now: DateTime<Utc>,
) -> Result<()> {
    emit(
        tx,
        Some(actor.user_id),
        DomainEvent::Contract(Box::new(e)),
        now,
    )
}

/// The award a contract may be recorded against now: the scenario is awarded, no contract is
/// in force, and no challenge is open.
fn may_record(
    tx: &mut dyn ReadTx,
    s: &Scenario,
    now: DateTime<Utc>,
) -> Result<domain::scenario::Award> {
    let award = match (&s.award, s.status_at(now)) {
        (Some(a), Status::Awarded) => a.clone(),
        _ => {
            return Err(Error::Conflict {
                code: "not_awarded",
                detail: Message::new(
                    "场景尚未确定中标供应商，不能登记合同",
                    "the scenario has no award in force: no contract can be recorded",
                ),
            });
        }
    };
    if tx
        .contracts_of_scenario(s.id)?
        .iter()
        .any(Contract::is_active)
    {
        return Err(contract_exists());
    }
    if tx.challenges_of_scenario(s.id)?.iter().any(|c| c.is_open()) {
        return Err(Error::Conflict {
            code: "challenge_open",
            detail: Message::new(
                "有质疑尚未答复，答复后方可登记合同",
                "a challenge waits for its answer: record the contract after answering it",
            ),
        });
    }
    Ok(award)
}

fn contract_exists() -> Error {
    Error::Conflict {
        code: "contract_exists",
        detail: Message::new(
            "该场景已登记合同",
            "a contract is recorded for this scenario already",
        ),
    }
}

fn too_many_files() -> Error {
    Error::field(
        "file",
        Message::new(
            format!("最多 {} 个附件", ct::MAX_FILES),
            format!("at most {} attachments", ct::MAX_FILES),
        ),
    )
}

/// A contract that `actor` may read, after locking its scenario's row (every write to a
/// contract holds it, so they are one after the other on PostgreSQL too).
fn locked(tx: &mut dyn Tx, actor: &Actor, id: ContractId) -> Result<Contract> {
    let sid = tx.contract(id)?.ok_or(Error::NotFound)?.scenario;
    tx.lock_scenario(sid, RowLock::Update)?;
    tx.contract(id)?
        .filter(|c| c.visible_to(actor.organization_id))
        .ok_or(Error::NotFound)
}

/// The contract in force to which the owner adds the signed PDF.
fn signed_target(tx: &mut dyn ReadTx, actor: &Actor, id: ScenarioId) -> Result<Contract> {
    let c = tx
        .contracts_of_scenario(id)?
        .into_iter()
        .rfind(|c| c.visible_to(actor.organization_id))
        .ok_or(Error::NotFound)?;
    if c.party(actor.organization_id) != Some(true) {
        return Err(Error::Forbidden(Message::new(
            "只有采购方可以上传合同文本",
            "only the agency uploads the signed contract",
        )));
    }
    if !c.is_active() {
        c.check_in_force()?;
    }
    Ok(c)
}
