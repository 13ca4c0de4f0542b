//! Challenges (质疑) to an award: a bidder files one within the period, with its reasons and
//! PDFs; the owner answers it, upholding it (the award is withdrawn and the bids are evaluated
//! again, the panel's sheets kept) or rejecting it. An open challenge is seen by the owner and
//! the challenger only; an answered one by everyone.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Services, emit};
use crate::bids::NewAttachment;
use domain::actor::Actor;
use domain::bid::{Attachment, BidStatus};
use domain::challenge::{self as ch, Answer, Challenge, Decision};
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::ChallengeId;
use domain::job::{Job, NewJob};
use domain::message::Message;
use domain::ports::{ReadTx, RowLock, Tx, in_read, in_tx};
use domain::scenario::{Action, Scenario, ScenarioId, Status, transition};

/// A challenge with its bidder's name, as its readers see it.
#[derive(Debug, Clone, Serialize)]
pub struct ChallengeView {
    pub challenge: Challenge,
    pub vendor_name: String,
    /// Unanswered past its due time.
    pub overdue: bool,
}

/// The period to challenge the current award.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Filing {
    pub awarded_at: DateTime<Utc>,
    /// When the period ends (exclusive).
    pub closes_at: DateTime<Utc>,
    pub open: bool,
}

/// What the challenges page shows one viewer.
#[derive(Debug, Clone, Serialize)]
pub struct ChallengeBoard {
    pub scenario: ScenarioId,
    pub title: String,
    pub status: Status,
    /// The challenges this viewer may read, oldest first.
    pub items: Vec<ChallengeView>,
    /// The period to challenge the award in force (none without one).
    pub filing: Option<Filing>,
    /// Whether this viewer may file a challenge now.
    pub may_file: bool,
    pub is_owner: bool,
    /// Why the owner cannot mark delivery yet (while the award stands).
    pub delivery_hold: Option<Message>,
}

impl Services {
    /// The challenges of a published scenario that `viewer` may read, and what it may do.
    pub fn challenge_board(
        &self,
        viewer: Option<&Actor>,
        id: ScenarioId,
    ) -> Result<ChallengeBoard> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = visible(tx, viewer, id)?;
            let all = tx.challenges_of_scenario(id)?;
            let org = viewer.and_then(|a| a.organization_id);
            let is_owner =
                viewer.is_some_and(|a| domain::policy::require_scenario_owner(a, &s).is_ok());
            let cal = &self.market.workdays;
            let filing = s.award.as_ref().map(|a| {
                let closes_at = ch::filing_closes(cal, a.at);
                Filing {
                    awarded_at: a.at,
                    closes_at,
                    open: s.status == Status::Awarded && ch::may_file(cal, a.at, now),
                }
            });
            // Only a vendor's bids can stand behind a challenge.
            let may_file = match viewer {
                Some(a) if domain::policy::require_vendor(a).is_ok() => {
                    may_challenge(tx, cal, &s, a, &all, now)?.is_ok()
                }
                _ => false,
            };
            let delivery_hold = match (&s.award, is_owner && s.status == Status::Awarded) {
                (Some(a), true) => ch::check_delivery(cal, a.at, &all, now)
                    .err()
                    .and_then(|e| match e {
                        Error::Conflict { detail, .. } => Some(detail),
                        _ => None,
                    }),
                _ => None,
            };
            let mut items = Vec::new();
            for c in all.into_iter().filter(|c| c.visible_to(org, s.owner)) {
                items.push(view(tx, c, now)?);
            }
            Ok(ChallengeBoard {
                scenario: s.id,
                title: s.title.clone(),
                status: s.status_at(now),
                items,
                filing,
                may_file,
                is_owner,
                delivery_hold,
            })
        })
    }

    /// A bidder challenges the award, with its reasons (and the PDFs already stored for it).
    /// The owner is notified and reminded on the 5th and the last working day of the answer
    /// period.
    pub fn file_challenge(
        &self,
        actor: &Actor,
        id: ScenarioId,
        reasons: &str,
        files: Vec<NewAttachment>,
    ) -> Result<ChallengeView> {
        let reasons = ch::check_text("reasons", reasons)?;
        if files.len() > ch::MAX_ATTACHMENTS {
            return Err(too_many_files());
        }
        let now = self.now();
        in_tx(&*self.store, |tx| {
            // The scenario's row lock orders this against delivery and answers.
            let s = tx
                .lock_scenario(id, RowLock::Update)?
                .filter(|s| domain::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            let filed = tx.challenges_of_scenario(id)?;
            let due = may_challenge(tx, &self.market.workdays, &s, actor, &filed, now)??;
            let award = s.award.clone().ok_or_else(|| Error::internal("checked"))?;
            let c = Challenge {
                id: ChallengeId(self.next_id()),
                scenario: id,
                vendor: actor
                    .organization_id
                    .ok_or_else(|| Error::internal("checked"))?,
                filed_by: actor.user_id,
                award_bid: award.bid,
                award_at: award.at,
                reasons: reasons.clone(),
                filed_at: now,
                answer_due: due,
                answer: None,
                attachments: vec![],
            };
            // Two at once from one bidder: the unique index refuses the second.
            tx.insert_challenge(&c).map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => ch::already_challenged(),
                e => e,
            })?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::ChallengeFiled(Box::new(c.clone())),
                now,
            )?;
            for file in files {
                self.attach_file(tx, actor, &c, file, now)?;
            }
            for (nth, at) in (1u8..).zip(ch::reminders(&self.market.workdays, now)) {
                let job = Job::RemindChallenge {
                    challenge: c.id,
                    nth,
                };
                let key = domain::job::challenge_reminder_key(c.id, nth);
                tx.enqueue(self.next_id(), &NewJob::once(job, at, key), now)?;
            }
            let stored = tx.challenge(c.id)?.ok_or(Error::NotFound)?;
            view(tx, stored, now)
        })
    }

    /// Whether the actor may file a challenge now (checked before an upload is read).
    pub fn check_can_file_challenge(&self, actor: &Actor, id: ScenarioId) -> Result<()> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = visible(tx, Some(actor), id)?;
            let filed = tx.challenges_of_scenario(id)?;
            may_challenge(tx, &self.market.workdays, &s, actor, &filed, now)?.map(drop)
        })
    }

    /// Whether the actor may add a PDF to the challenge now (checked before the upload is read).
    pub fn check_can_attach_to_challenge(
        &self,
        actor: &Actor,
        id: ScenarioId,
        challenge: ChallengeId,
    ) -> Result<()> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let (s, c) = readable(tx, Some(actor), id, challenge)?;
            may_attach(&self.market.workdays, actor, &s, &c, now)
        })
    }

    /// The challenger adds a PDF to its open challenge while the period to challenge runs.
    pub fn attach_to_challenge(
        &self,
        actor: &Actor,
        id: ScenarioId,
        challenge: ChallengeId,
        file: NewAttachment,
    ) -> Result<ChallengeView> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let s = tx
                .lock_scenario(id, RowLock::Update)?
                .ok_or(Error::NotFound)?;
            let c = tx
                .challenge(challenge)?
                .filter(|c| c.scenario == id && c.visible_to(actor.organization_id, s.owner))
                .ok_or(Error::NotFound)?;
            may_attach(&self.market.workdays, actor, &s, &c, now)?;
            self.attach_file(tx, actor, &c, file, now)?;
            let stored = tx.challenge(c.id)?.ok_or(Error::NotFound)?;
            view(tx, stored, now)
        })
    }

    fn attach_file(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        c: &Challenge,
        file: NewAttachment,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let stored = tx
            .challenge(c.id)?
            .map(|c| c.attachments)
            .unwrap_or_default();
        if stored.len() >= ch::MAX_ATTACHMENTS {
            return Err(too_many_files());
        }
        let a = Attachment {
            id: self.next_id(),
            sha256: file.sha256.clone(),
            filename: file.filename.clone(),
            size: file.size,
            created_at: now,
        };
        tx.insert_challenge_attachment(c.id, &a, now)
            .map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => Error::field(
                    "file",
                    Message::new("已附上同一文件", "this file is attached already"),
                ),
                e => e,
            })?;
        emit(
            tx,
            Some(actor.user_id),
            DomainEvent::ChallengeAttached {
                challenge: c.id,
                scenario: c.scenario,
                sha256: a.sha256,
                filename: a.filename,
            },
            now,
        )
    }

    /// A PDF of a challenge, for whoever may read the challenge.
    pub fn challenge_attachment(
        &self,
        viewer: Option<&Actor>,
        id: ScenarioId,
        challenge: ChallengeId,
        sha256: &str,
    ) -> Result<Attachment> {
        in_read(&*self.store, |tx| {
            let (_, c) = readable(tx, viewer, id, challenge)?;
            c.attachments
                .into_iter()
                .find(|a| a.sha256 == sha256)
                .ok_or(Error::NotFound)
        })
    }

    /// The owner answers a challenge, once. Upheld, the award it challenged is withdrawn (if it
    /// still stands): the scenario goes back to evaluation with every score kept, and the
    /// award notice leaves the public list (the audit trail keeps it). Every bidder hears of
    /// the answer, which is public from now on.
    pub fn answer_challenge(
        &self,
        actor: &Actor,
        challenge: ChallengeId,
        decision: &str,
        body: &str,
    ) -> Result<ChallengeView> {
        let (decision, body) = ch::answer_input(decision, body)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let sid = tx.challenge(challenge)?.ok_or(Error::NotFound)?.scenario;
            let s = tx
                .lock_scenario(sid, RowLock::Update)?
                .ok_or(Error::NotFound)?;
            let c = tx
                .challenge(challenge)?
                .filter(|c| c.visible_to(actor.organization_id, s.owner))
                .ok_or(Error::NotFound)?;
            domain::policy::require_scenario_owner(actor, &s)?;
            ch::check_answer(&c)?;
            let answer = Answer {
                decision,
                body: body.clone(),
                answered_by: actor.user_id,
                answered_at: now,
            };
            if !tx.save_challenge_answer(c.id, &answer)? {
                return Err(ch::already_answered());
            }
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::ChallengeAnswered {
                    challenge: c.id,
                    scenario: s.id,
                    decision,
                    body,
                },
                now,
            )?;
            if decision == Decision::Upheld && ch::withdraws_award(&c, &s) {
                self.withdraw_award(tx, actor, &s, &c, now)?;
                self.void_contract(tx, actor, s.id, c.id, now)?;
            } else {
                // The last challenge answered may free a delivery that waited for it.
                self.settle_delivery_in(tx, Some(actor.user_id), &s, now)?;
            }
            let stored = tx.challenge(c.id)?.ok_or(Error::NotFound)?;
            view(tx, stored, now)
        })
    }

    fn withdraw_award(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        s: &Scenario,
        c: &Challenge,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let status = transition(s.status, s.bid_deadline, &Action::WithdrawAward, now)?;
        let award = s.award.clone().ok_or_else(|| Error::internal("checked"))?;
        let notice = match tx.award_notice(s.id)? {
            Some(body) => serde_json::from_str(&body).map_err(Error::internal)?,
            None => serde_json::Value::Null,
        };
        tx.delete_award_notice(s.id)?;
        let mut after = s.clone();
        after.status = status;
        after.award = None;
        after.updated_at = now;
        tx.update_scenario(&after)?;
        emit(
            tx,
            Some(actor.user_id),
            DomainEvent::AwardWithdrawn {
                scenario: s.id,
                bid: award.bid,
                awarded_at: award.at,
                challenge: c.id,
                notice,
            },
            now,
        )
    }

    /// The reminder job: the owner hears again of a challenge still unanswered.
    pub fn remind_challenge(&self, challenge: ChallengeId, nth: u8) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let Some(c) = tx.challenge(challenge)? else {
                return Ok(());
            };
            if !c.is_open() {
                return Ok(());
            }
            let notice = domain::notification::Notice::ChallengeReminder {
                challenge: challenge.0,
                nth,
            };
            let stored = serde_json::to_string(&notice).map_err(Error::internal)?;
            tx.enqueue_notice(&stored, now)
        })
    }
}

fn too_many_files() -> Error {
    Error::field(
        "file",
        Message::new(
            format!("最多 {} 个附件", ch::MAX_ATTACHMENTS),
            format!("at most {} attachments", ch::MAX_ATTACHMENTS),
        ),
    )
}

/// A published scenario the viewer may see.
fn visible(tx: &mut dyn ReadTx, viewer: Option<&Actor>, id: ScenarioId) -> Result<Scenario> {
    tx.scenario(id)?
        .filter(|s| s.is_public() && domain::policy::can_view_scenario(viewer, s))
        .ok_or(Error::NotFound)
}

/// A challenge of the scenario that the viewer may read, with the scenario.
fn readable(
    tx: &mut dyn ReadTx,
    viewer: Option<&Actor>,
    id: ScenarioId,
    challenge: ChallengeId,
) -> Result<(Scenario, Challenge)> {
    let s = visible(tx, viewer, id)?;
    let org = viewer.and_then(|a| a.organization_id);
    let c = tx
        .challenge(challenge)?
        .filter(|c| c.scenario == id && c.visible_to(org, s.owner))
        .ok_or(Error::NotFound)?;
    Ok((s, c))
}

/// Only the challenger adds files, while its challenge is open and the period runs.
fn may_attach(
    cal: &domain::workdays::WorkCalendar,
    actor: &Actor,
    s: &Scenario,
    c: &Challenge,
    now: DateTime<Utc>,
) -> Result<()> {
    if actor.organization_id != Some(c.vendor) {
        return Err(Error::Forbidden(Message::new(
            "只有质疑供应商可以补充附件",
            "only the challenger adds files",
        )));
    }
    if !c.is_open() {
        return Err(ch::already_answered());
    }
    if s.status != Status::Awarded || !ch::may_file(cal, c.award_at, now) {
        return Err(Error::Conflict {
            code: "challenge_period_over",
            detail: Message::new(
                "质疑期已结束，不能再补充附件",
                "the period to challenge is over: no more files",
            ),
        });
    }
    Ok(())
}

/// Whether the actor may challenge the award of `s` now (the inner result), with when the
/// answer would be due; the outer one is the store's.
fn may_challenge(
    tx: &mut dyn ReadTx,
    cal: &domain::workdays::WorkCalendar,
    s: &Scenario,
    actor: &Actor,
    filed: &[Challenge],
    now: DateTime<Utc>,
) -> Result<Result<DateTime<Utc>>> {
    let (bidder, winner) = standing(tx, s, actor)?;
    Ok(ch::check_filing(
        cal,
        s,
        actor.organization_id,
        bidder,
        winner,
        filed,
        now,
    ))
}

/// Whether the actor's organization has a bid in force on the scenario, and whether it won.
fn standing(tx: &mut dyn ReadTx, s: &Scenario, actor: &Actor) -> Result<(bool, bool)> {
    let Some(org) = actor.organization_id else {
        return Ok((false, false));
    };
    let bids = tx.bids_of_scenario(s.id)?;
    let bidder = bids
        .iter()
        .any(|b| b.vendor == org && b.status == BidStatus::Submitted);
    let winner = s
        .award
        .as_ref()
        .is_some_and(|a| bids.iter().any(|b| b.id == a.bid && b.vendor == org));
    Ok((bidder, winner))
}

fn view(tx: &mut dyn ReadTx, c: Challenge, now: DateTime<Utc>) -> Result<ChallengeView> {
    let vendor_name = tx
        .organization(c.vendor)?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(ChallengeView {
        overdue: c.overdue(now),
        vendor_name,
        challenge: c,
    })
}
