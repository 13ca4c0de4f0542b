//! Milestones: the vendor submits, the owner accepts or returns; amendments to dates and
//! shares, proposed by one party and confirmed by the other; delivery of a contract recorded
//! without a schedule in one step.

use chrono::{DateTime, Utc};

use super::{Services, contract_event, locked, too_many_files};
use crate::bids::NewAttachment;
use domain::actor::Actor;
use domain::contract::{
    self as ct, Amendment, Change, Contract, ContractEvent, FileKind, MilestoneStatus, Review,
    Submission,
};
use domain::error::{Error, Result};
use domain::ids::{AmendmentId, ContractId, MilestoneId};
use domain::message::Message;
use domain::notification::Kind;
use domain::ports::{ReadTx, Tx, in_read, in_tx};
use domain::scenario::ScenarioId;
use domain::text;

fn bounded(field: &str, s: &str, min: usize) -> Result<String> {
    text::bounded(s, min, ct::MAX_TEXT).map_err(|m| Error::field(field, m))
}

fn only(vendor: bool) -> Error {
    Error::Forbidden(if vendor {
        Message::new(
            "只有中标供应商可以提交交付成果",
            "only the awarded vendor submits deliverables",
        )
    } else {
        Message::new("只有采购方可以验收", "only the agency reviews deliverables")
    })
}

/// The milestone's contract, locked, when `actor` is the given party (`buyer`).
fn as_party(
    tx: &mut dyn Tx,
    actor: &Actor,
    milestone: MilestoneId,
    buyer: bool,
) -> Result<Contract> {
    let cid = tx
        .contract_of_milestone(milestone)?
        .ok_or(Error::NotFound)?;
    let c = locked(tx, actor, cid)?;
    if c.party(actor.organization_id) != Some(buyer) {
        return Err(only(!buyer));
    }
    c.check_in_force()?;
    Ok(c)
}

/// The milestone's contract, read, when `actor` is the given party (`buyer`).
fn read_as_party(
    tx: &mut dyn ReadTx,
    actor: &Actor,
    milestone: MilestoneId,
    buyer: bool,
) -> Result<Contract> {
    let cid = tx
        .contract_of_milestone(milestone)?
        .ok_or(Error::NotFound)?;
    let c = tx
        .contract(cid)?
        .filter(|c| c.visible_to(actor.organization_id))
        .ok_or(Error::NotFound)?;
    if c.party(actor.organization_id) != Some(buyer) {
        return Err(only(!buyer));
    }
    c.check_in_force()?;
    Ok(c)
}

impl Services {
    /// The vendor submits a milestone's deliverable (again, after a return), with a note and
    /// PDFs; the owner is to review it within the configured working days.
    pub fn submit_milestone(
        &self,
        actor: &Actor,
        milestone: MilestoneId,
        note: &str,
        files: Vec<NewAttachment>,
    ) -> Result<Contract> {
        let note = bounded("note", note, 1)?;
        if files.len() > ct::MAX_FILES {
            return Err(too_many_files());
        }
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let c = as_party(tx, actor, milestone, false)?;
            let m = c.milestone(milestone).ok_or(Error::NotFound)?;
            m.status.check_submit()?;
            let sub = Submission {
                id: self.next_id(),
                milestone,
                note: note.clone(),
                by: actor.user_id,
                at: now,
                review_due: ct::review_due(
                    &self.market.workdays,
                    now,
                    self.market.review_working_days,
                ),
                review: None,
            };
            if !tx.submit_milestone(&sub)? {
                return Err(Error::Conflict {
                    code: "milestone_under_review",
                    detail: Message::new("该里程碑已提交", "this milestone is submitted already"),
                });
            }
            let e = ContractEvent::Submitted {
                contract: c.id,
                scenario: c.scenario,
                milestone,
                submission: sub.id,
                note: note.clone(),
            };
            contract_event(tx, actor, e, now)?;
            for f in files {
                self.add_file(tx, actor, &c, FileKind::Evidence, Some(sub.id), f, now)?;
            }
            tx.contract(c.id)?.ok_or(Error::NotFound)
        })
    }

    /// Whether the vendor may submit the milestone now (checked before an upload is read).
    pub fn check_can_submit_milestone(&self, actor: &Actor, milestone: MilestoneId) -> Result<()> {
        in_read(&*self.store, |tx| {
            let c = read_as_party(tx, actor, milestone, false)?;
            c.milestone(milestone)
                .ok_or(Error::NotFound)?
                .status
                .check_submit()
        })
    }

    /// Whether the owner may review the milestone now (checked before an upload is read).
    pub fn check_can_review_milestone(&self, actor: &Actor, milestone: MilestoneId) -> Result<()> {
        in_read(&*self.store, |tx| {
            let c = read_as_party(tx, actor, milestone, true)?;
            c.milestone(milestone)
                .ok_or(Error::NotFound)?
                .status
                .check_review()
        })
    }

    /// Whether the vendor may add evidence to the milestone's submission under review now, or
    /// (`report`) the owner a report to its acceptance (checked before the upload).
    pub fn check_can_attach_to_milestone(
        &self,
        actor: &Actor,
        milestone: MilestoneId,
        report: bool,
    ) -> Result<()> {
        in_read(&*self.store, |tx| {
            let c = read_as_party(tx, actor, milestone, report)?;
            file_target(&c, milestone, report).map(drop)
        })
    }

    /// The vendor adds a PDF to the submission under review, or (`report`) the owner an
    /// acceptance report to the accepted submission.
    pub fn attach_to_milestone(
        &self,
        actor: &Actor,
        milestone: MilestoneId,
        report: bool,
        file: NewAttachment,
    ) -> Result<Contract> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let c = as_party(tx, actor, milestone, report)?;
            let sub = file_target(&c, milestone, report)?;
            let kind = if report {
                FileKind::Report
            } else {
                FileKind::Evidence
            };
            self.add_file(tx, actor, &c, kind, Some(sub), file, now)?;
            tx.contract(c.id)?.ok_or(Error::NotFound)
        })
    }

    /// The owner accepts (`accept`, with remarks and an optional report) or returns (with
    /// reasons) the milestone's submission under review, once.
    pub fn review_milestone(
        &self,
        actor: &Actor,
        milestone: MilestoneId,
        accept: bool,
        text: &str,
        files: Vec<NewAttachment>,
    ) -> Result<Contract> {
        let field = if accept { "remarks" } else { "reasons" };
        let text = bounded(field, text, usize::from(!accept))?;
        if files.len() > ct::MAX_FILES {
            return Err(too_many_files());
        }
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let c = as_party(tx, actor, milestone, true)?;
            self.review_in(tx, actor, &c, milestone, accept, &text, now)?;
            let c = tx.contract(c.id)?.ok_or(Error::NotFound)?;
            let sub = c
                .milestone(milestone)
                .and_then(|m| m.last_submission())
                .map(|s| s.id);
            for f in files {
                self.add_file(tx, actor, &c, FileKind::Report, sub, f, now)?;
            }
            if accept {
                let s = tx.scenario(c.scenario)?.ok_or(Error::NotFound)?;
                self.settle_delivery_in(tx, Some(actor.user_id), &s, now)?;
            }
            tx.contract(c.id)?.ok_or(Error::NotFound)
        })
    }

    #[allow(clippy::too_many_arguments, reason = "the review, spelt out")]
    fn review_in(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        c: &Contract,
        milestone: MilestoneId,
        accept: bool,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let m = c.milestone(milestone).ok_or(Error::NotFound)?;
        m.status.check_review()?;
        let sub = m
            .last_submission()
            .ok_or_else(|| Error::internal("a submitted milestone has a submission"))?;
        let review = Review {
            accepted: accept,
            text: text.to_string(),
            by: actor.user_id,
            at: now,
        };
        // Two reviews at once: the conditional update lets one through.
        if !tx.review_milestone(milestone, sub.id, &review)? {
            return MilestoneStatus::Accepted.check_review();
        }
        let e = ContractEvent::Reviewed {
            contract: c.id,
            scenario: c.scenario,
            milestone,
            submission: sub.id,
            accepted: accept,
            text: text.to_string(),
            on_time: now < sub.review_due,
        };
        contract_event(tx, actor, e, now)?;
        if accept {
            let due = ct::payment_due(domain::beijing::date(now));
            let remind = domain::beijing::at_hour(
                due - chrono::Duration::days(ct::PAYMENT_REMINDER_DAYS),
                9,
            );
            let overdue = domain::beijing::at_hour(due + chrono::Duration::days(1), 0);
            self.schedule_due(
                tx,
                c,
                Kind::PaymentDue,
                Some(milestone),
                remind.max(now),
                now,
            )?;
            self.schedule_due(tx, c, Kind::PaymentOverdue, Some(milestone), overdue, now)?;
        }
        Ok(())
    }

    /// `POST /scenarios/{id}/deliver`: the owner accepts the one implicit milestone of a
    /// contract recorded without a schedule (or, once every milestone is accepted, settles
    /// the delivery), after the period to challenge the award.
    pub fn deliver(&self, actor: &Actor, id: ScenarioId) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let s = Self::owned(tx, actor, id)?;
            domain::scenario::transition(
                s.status,
                s.bid_deadline,
                &domain::scenario::Action::Deliver,
                now,
            )?;
            if let Some(award) = &s.award {
                let challenges = tx.challenges_of_scenario(id)?;
                domain::challenge::check_delivery(
                    &self.market.workdays,
                    award.at,
                    &challenges,
                    now,
                )?;
            }
            let c = tx
                .contracts_of_scenario(id)?
                .into_iter()
                .find(Contract::is_active)
                .ok_or_else(|| Error::Conflict {
                    code: "contract_required",
                    detail: Message::new(
                        "请先登记合同并由供应商确认，再确认交付",
                        "record the contract, and have the vendor confirm it, before delivery",
                    ),
                })?;
            c.check_in_force()?;
            if !c.all_accepted() {
                let m = match c.milestones.as_slice() {
                    [m] if c.implicit => m.clone(),
                    _ => {
                        return Err(Error::Conflict {
                            code: "milestones_open",
                            detail: Message::new(
                                "尚有里程碑未通过验收",
                                "some milestones are not accepted yet",
                            ),
                        });
                    }
                };
                if m.status != MilestoneStatus::Submitted {
                    let sub = Submission {
                        id: self.next_id(),
                        milestone: m.id,
                        note: String::new(),
                        by: actor.user_id,
                        at: now,
                        review_due: ct::review_due(
                            &self.market.workdays,
                            now,
                            self.market.review_working_days,
                        ),
                        review: None,
                    };
                    if !tx.submit_milestone(&sub)? {
                        return m.status.check_submit();
                    }
                }
                let c = tx.contract(c.id)?.ok_or(Error::NotFound)?;
                let text = "采购方确认交付 / Delivery accepted by the agency";
                self.review_in(tx, actor, &c, m.id, true, text, now)?;
            }
            if self.settle_delivery_in(tx, Some(actor.user_id), &s, now)? {
                Ok(())
            } else {
                Err(Error::internal("a contract accepted in full is delivered"))
            }
        })
    }

    /// Either party proposes to change milestone dates or shares; the other confirms it.
    pub fn propose_amendment(
        &self,
        actor: &Actor,
        id: ContractId,
        changes: Vec<Change>,
        reason: &str,
    ) -> Result<Contract> {
        let reason = bounded("reason", reason, 1)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let c = locked(tx, actor, id)?;
            let org = c.party(actor.organization_id).ok_or_else(|| {
                Error::Forbidden(Message::new(
                    "只有合同双方可以提议变更",
                    "only the parties amend a contract",
                ))
            })?;
            c.amended(&changes)?;
            if c.open_amendment().is_some() {
                return Err(amendment_open());
            }
            let a = Amendment {
                id: AmendmentId(self.next_id()),
                contract: id,
                changes: changes.clone(),
                reason: reason.clone(),
                proposed_by: actor.user_id,
                proposed_org: if org { c.buyer } else { c.vendor },
                proposed_at: now,
                outcome: None,
                answered_by: None,
                answered_at: None,
            };
            tx.insert_amendment(&a).map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => amendment_open(),
                e => e,
            })?;
            let e = ContractEvent::AmendmentProposed {
                scenario: c.scenario,
                amendment: Box::new(a),
            };
            contract_event(tx, actor, e, now)?;
            tx.contract(id)?.ok_or(Error::NotFound)
        })
    }

    /// The other party confirms an open amendment (it takes effect), or either party declines
    /// (the proposer withdraws) it.
    pub fn answer_amendment(
        &self,
        actor: &Actor,
        id: AmendmentId,
        confirm: bool,
    ) -> Result<Contract> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let cid = tx.contract_of_amendment(id)?.ok_or(Error::NotFound)?;
            let c = locked(tx, actor, cid)?;
            let a = c
                .amendments
                .iter()
                .find(|a| a.id == id)
                .cloned()
                .ok_or(Error::NotFound)?;
            if c.party(actor.organization_id).is_none() {
                return Err(Error::NotFound);
            }
            if confirm && actor.organization_id == Some(a.proposed_org) {
                return Err(Error::Forbidden(Message::new(
                    "变更须由另一方确认",
                    "the other party confirms an amendment",
                )));
            }
            if !a.is_open() {
                return Err(Error::Conflict {
                    code: "amendment_answered",
                    detail: Message::new("该变更已处理", "this amendment is answered already"),
                });
            }
            let before: Vec<_> = c
                .milestones
                .iter()
                .map(|m| (m.id, m.due_on, m.share_pct, m.amount_fen))
                .collect();
            // Checked again: a milestone may have been accepted since the proposal.
            let after = if confirm {
                c.amended(&a.changes)?
            } else {
                before.clone()
            };
            let outcome = if confirm { "confirmed" } else { "declined" };
            if !tx.answer_amendment(id, outcome, actor.user_id, now)? {
                return Err(Error::internal(
                    "an open amendment under the scenario's lock",
                ));
            }
            for (m, due, share, amount) in &after {
                tx.update_milestone_terms(*m, *due, *share, *amount)?;
            }
            let e = ContractEvent::AmendmentAnswered {
                contract: cid,
                scenario: c.scenario,
                amendment: id,
                confirmed: confirm,
                before,
                after,
            };
            contract_event(tx, actor, e, now)?;
            tx.contract(cid)?.ok_or(Error::NotFound)
        })
    }
}

fn amendment_open() -> Error {
    Error::Conflict {
        code: "amendment_open",
        detail: Message::new(
            "已有一项变更等待确认",
            "an amendment waits for confirmation already",
        ),
    }
}

/// The submission a file goes to: the one under review (evidence), or the accepted one (a
/// report).
fn file_target(c: &Contract, milestone: MilestoneId, report: bool) -> Result<i64> {
    let m = c.milestone(milestone).ok_or(Error::NotFound)?;
    let want = if report {
        MilestoneStatus::Accepted
    } else {
        MilestoneStatus::Submitted
    };
    if m.status != want {
        return Err(Error::Conflict {
            code: if report {
                "milestone_not_accepted"
            } else {
                "milestone_not_submitted"
            },
            detail: if report {
                Message::new(
                    "验收报告须在验收后上传",
                    "an acceptance report follows the acceptance",
                )
            } else {
                Message::new(
                    "证明材料随待验收的提交上传",
                    "evidence goes with a submission under review",
                )
            },
        });
    }
    m.last_submission()
        .map(|s| s.id)
        .ok_or_else(|| Error::internal("a submitted milestone has a submission"))
}
