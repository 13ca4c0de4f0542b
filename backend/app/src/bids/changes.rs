//! Changing a bid: submit, revise, attach and remove files, withdraw; each checked against the
//! server's clock inside the transaction that would store it.

use chrono::{DateTime, Utc};
use domain::message::Message;

use super::*;
use super::{Services, emit};
use domain::account::Organization;
use domain::bid::{
    self, Attachment, Bid, BidFields, BidId, BidInput, BidStatus, BidVersion, Receipt,
};
use domain::error::{Error, Result};
use domain::event::{BidChange, DomainEvent};
use domain::ids::OrganizationId;
use domain::policy::{self, Actor};
use domain::ports::{ReadTx, RowLock, Tx, in_read, in_tx};
use domain::scenario::{self, Move, Scenario, ScenarioId};
use domain::team::consortium::{self as k, Consortium, Status as ConsortiumStatus};

impl Services {
    /// Writes the next version of a bid and its audit record (hashes only: nothing sealed).
    pub(super) fn record_version(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        b: &Bid,
        change: BidChange,
        now: DateTime<Utc>,
    ) -> Result<(Receipt, BidVersion)> {
        let salt = bid::new_salt();
        let v = BidVersion {
            version: b.version,
            fields: b.fields.clone(),
            attachment_hashes: hashes(&b.attachments),
            content_hash: bid::content_hash(
                b.scenario,
                b.vendor,
                &b.fields,
                &hashes(&b.attachments),
                &salt,
            ),
            salt,
            created_at: now,
        };
        tx.insert_bid_version(self.next_id(), b.id, &v)?;
        let recorded = DomainEvent::BidVersionRecorded {
            bid: b.id,
            scenario: b.scenario,
            change,
            version: v.version,
            content_sha256: v.content_hash.clone(),
        };
        emit(tx, Some(actor.user_id), recorded, now)?;
        Ok((receipt_of(b, &v), v))
    }

    /// Loads the actor's own bid and its scenario (locked against a concurrent cancel or
    /// extension), refusing unless the vendor is still verified and bidding is still open. A
    /// bid on a cancelled scenario is void, and its vendor may still withdraw it.
    pub(super) fn own_open_bid(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        id: BidId,
        action: Move,
        now: DateTime<Utc>,
    ) -> Result<(Bid, Scenario)> {
        let b = Self::own_bid(tx, actor, id)?;
        let s = tx.lock_scenario(b.scenario, RowLock::Share)?;
        Self::check_open_bid(tx, actor, b, s, action, now)
    }

    /// The actor's own bid (404 for anyone else's).
    fn own_bid(tx: &mut dyn ReadTx, actor: &Actor, id: BidId) -> Result<Bid> {
        tx.bid(id)?
            .filter(|b| policy::is_bidder(actor, b.vendor))
            .ok_or(Error::NotFound)
    }

    /// Refuses a change of the bid unless its vendor is still verified and bidding is open.
    fn check_open_bid(
        tx: &mut dyn ReadTx,
        actor: &Actor,
        b: Bid,
        s: Option<Scenario>,
        action: Move,
        now: DateTime<Utc>,
    ) -> Result<(Bid, Scenario)> {
        let s = s.ok_or(Error::NotFound)?;
        let org = tx.organization(b.vendor)?.ok_or(Error::NotFound)?;
        policy::can_bid(actor, &org)?;
        if b.status == BidStatus::Withdrawn {
            return Err(Error::Conflict {
                code: "bid_withdrawn",
                detail: Message::new("该投标已撤回", "this bid was withdrawn"),
            });
        }
        let withdrawing_void = action == Move::Withdraw && s.status == scenario::Status::Cancelled;
        if !withdrawing_void && !scenario::open_for_bids(s.status, s.bid_deadline, now) {
            return Err(not_open(&s, now, action));
        }
        Ok((b, s))
    }

    /// The scenario (its row locked, shared, against a concurrent cancel or extension) and the
    /// actor's organization, if that verified vendor may bid on it at `now`.
    pub(super) fn bidding_scenario(
        tx: &mut dyn Tx,
        actor: &Actor,
        scenario_id: ScenarioId,
        now: DateTime<Utc>,
    ) -> Result<(Scenario, Organization)> {
        let s = tx.lock_scenario(scenario_id, RowLock::Share)?;
        Self::may_bid_on(tx, actor, s, now)
    }

    /// The scenario and the actor's organization, if that verified vendor may bid on it now.
    pub(crate) fn may_bid_on(
        tx: &mut dyn ReadTx,
        actor: &Actor,
        s: Option<Scenario>,
        now: DateTime<Utc>,
    ) -> Result<(Scenario, Organization)> {
        let s = s
            .filter(|s| policy::can_view_scenario(Some(actor), s))
            .ok_or(Error::NotFound)?;
        let org_id = actor.organization_id.ok_or_else(|| {
            Error::Forbidden(Message::new(
                "只有企业用户可以投标",
                "only vendor users submit bids",
            ))
        })?;
        let org = tx.organization(org_id)?.ok_or(Error::NotFound)?;
        policy::can_bid(actor, &org)?;
        if !scenario::open_for_bids(s.status, s.bid_deadline, now) {
            return Err(not_open(&s, now, Move::Bid));
        }
        Ok((s, org))
    }

    /// Whom the vendor bids for on the scenario: itself alone (`None`), or the agreed
    /// consortium it leads. A vendor takes part once: a member of a consortium does not bid
    /// alone, and a consortium does not bid while one of its members bids alone. Read after
    /// the scenario's row is locked, as every consortium step locks it too.
    fn bidding_as(
        tx: &mut dyn ReadTx,
        s: &Scenario,
        org: OrganizationId,
        consortium: Option<i64>,
    ) -> Result<Option<Consortium>> {
        let all = tx.consortia_of_scenario(s.id)?;
        let Some(id) = consortium else {
            let member = all.iter().filter(|c| c.accepted().any(|m| m.vendor == org));
            k::check_exclusive(false, member.count())?;
            return Ok(None);
        };
        let c = all
            .into_iter()
            .find(|c| c.id.0 == id && c.visible_to(Some(org)))
            .ok_or_else(|| {
                Error::field(
                    "consortium_id",
                    Message::new("本场景没有该联合体", "no such consortium of this scenario"),
                )
            })?;
        c.check_bid(org)?;
        let bids = tx.bids_of_scenario(s.id)?;
        let alone = c.accepted().any(|m| {
            bids.iter()
                .any(|b| b.vendor == m.vendor && b.status == BidStatus::Submitted)
        });
        k::check_exclusive(alone, 0)?;
        Ok(Some(c))
    }

    /// Whether the actor could submit a bid on the scenario now (read-only): checked before an
    /// upload is read, so that nothing is received or stored for a request that would fail.
    pub fn check_can_submit(&self, actor: &Actor, scenario_id: ScenarioId) -> Result<()> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = tx.scenario(scenario_id)?;
            Self::may_bid_on(tx, actor, s, now).map(drop)
        })
    }

    /// Whether the actor could change their bid now and it can take another file (read-only):
    /// checked before an upload is read.
    pub fn check_can_attach(&self, actor: &Actor, id: BidId) -> Result<()> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let b = Self::own_bid(tx, actor, id)?;
            let s = tx.scenario(b.scenario)?;
            let (b, _) = Self::check_open_bid(tx, actor, b, s, Move::Attach, now)?;
            if b.attachments.len() >= bid::MAX_ATTACHMENTS {
                return Err(Error::field(
                    "file",
                    Message::new(
                        format!("最多 {} 个附件", bid::MAX_ATTACHMENTS),
                        format!("at most {} attachments", bid::MAX_ATTACHMENTS),
                    ),
                ));
            }
            Ok(())
        })
    }

    pub(super) fn attachments_of(
        &self,
        list: &[NewAttachment],
        now: DateTime<Utc>,
    ) -> Result<Vec<Attachment>> {
        if list.len() > bid::MAX_ATTACHMENTS {
            return Err(Error::field(
                "file",
                Message::new(
                    format!("最多 {} 个附件", bid::MAX_ATTACHMENTS),
                    format!("at most {} attachments", bid::MAX_ATTACHMENTS),
                ),
            ));
        }
        let mut out: Vec<Attachment> = Vec::new();
        for a in list {
            if !out.iter().any(|x| x.sha256 == a.sha256) {
                out.push(Attachment {
                    id: self.next_id(),
                    sha256: a.sha256.clone(),
                    filename: a.filename.clone(),
                    size: a.size,
                    created_at: now,
                });
            }
        }
        Ok(out)
    }

    /// A verified vendor submits a sealed bid while the scenario takes bids. The deadline is
    /// checked by the server's clock inside the transaction that stores the bid.
    pub fn submit_bid(
        &self,
        actor: &Actor,
        scenario_id: ScenarioId,
        input: BidInput,
        attachments: &[NewAttachment],
    ) -> Result<(BidView, Receipt)> {
        in_tx(&*self.store, |tx| {
            let now = self.now();
            let (s, org) = Self::bidding_scenario(tx, actor, scenario_id, now)?;
            let org_id = org.id;
            let consortium = Self::bidding_as(tx, &s, org_id, input.consortium_id)?;
            let fields = BidFields::parse(input.clone(), s.budget_max_fen)?;
            let attachments = self.attachments_of(attachments, now)?;
            let b = Bid {
                id: BidId(self.next_id()),
                scenario: s.id,
                vendor: org_id,
                submitted_by: actor.user_id,
                status: BidStatus::Submitted,
                version: 1,
                fields,
                attachments,
                created_at: now,
                updated_at: now,
                consortium: consortium.as_ref().map(|c| c.id),
            };
            // One active bid per vendor and scenario: the database refuses a second one (and
            // two racing first ones), and the refusal is named here.
            tx.insert_bid(&b).map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => Error::Conflict {
                    code: "duplicate_bid",
                    detail: Message::new(
                        "本企业已有有效投标，请修改或撤回后再投",
                        "your organization already has an active bid: revise or withdraw it",
                    ),
                },
                e => e,
            })?;
            if let Some(c) = &consortium {
                tx.set_consortium_status(c.id, ConsortiumStatus::Bid, now)?;
            }
            let (receipt, version) =
                self.record_version(tx, actor, &b, BidChange::Submitted, now)?;
            // A new bid has this one version, and its vendor is the actor's organization.
            let team = self.bid_team(tx, &b)?;
            let view = Self::view_of(actor, b, &s, vec![version], Some(org), team, now);
            Ok((view, receipt))
        })
    }

    pub(super) fn revise_with(
        &self,
        actor: &Actor,
        id: BidId,
        change: BidChange,
        apply: impl FnOnce(&mut Bid, &Scenario, DateTime<Utc>) -> Result<()>,
    ) -> Result<(BidView, Receipt)> {
        in_tx(&*self.store, |tx| {
            let now = self.now();
            let (mut b, s) = self.own_open_bid(tx, actor, id, change.verb(), now)?;
            apply(&mut b, &s, now)?;
            b.version += 1;
            b.updated_at = now;
            b.submitted_by = actor.user_id;
            tx.update_bid(&b)?;
            let (receipt, _) = self.record_version(tx, actor, &b, change, now)?;
            let view = self.bid_view(tx, actor, b, &s, now)?;
            Ok((view, receipt))
        })
    }

    /// The bidding vendor revises its bid before the deadline; earlier versions are kept.
    pub fn revise_bid(
        &self,
        actor: &Actor,
        id: BidId,
        input: BidInput,
    ) -> Result<(BidView, Receipt)> {
        self.revise_with(actor, id, BidChange::Revised, |b, s, _| {
            b.fields = BidFields::parse(input, s.budget_max_fen)?;
            Ok(())
        })
    }

    /// Attaches a stored file (a new version of the bid).
    pub fn add_attachment(
        &self,
        actor: &Actor,
        id: BidId,
        file: NewAttachment,
    ) -> Result<(BidView, Receipt)> {
        self.revise_with(actor, id, BidChange::FileAttached, |b, _, now| {
            if b.attachments.iter().any(|a| a.sha256 == file.sha256) {
                return Err(Error::Conflict {
                    code: "duplicate_attachment",
                    detail: Message::new("该文件已附上", "this file is already attached"),
                });
            }
            let mut list: Vec<NewAttachment> = b
                .attachments
                .iter()
                .map(|a| NewAttachment {
                    sha256: a.sha256.clone(),
                    filename: a.filename.clone(),
                    size: a.size,
                })
                .collect();
            list.push(file);
            let kept = b.attachments.clone();
            let mut fresh = self.attachments_of(&list, now)?;
            // Keep the ids and times of the files already there.
            for f in fresh.iter_mut() {
                if let Some(old) = kept.iter().find(|k| k.sha256 == f.sha256) {
                    *f = old.clone();
                }
            }
            b.attachments = fresh;
            Ok(())
        })
    }

    /// Removes an attached file (a new version of the bid).
    pub fn remove_attachment(
        &self,
        actor: &Actor,
        id: BidId,
        sha256: &str,
    ) -> Result<(BidView, Receipt)> {
        self.revise_with(actor, id, BidChange::FileRemoved, |b, _, _| {
            let before = b.attachments.len();
            b.attachments.retain(|a| a.sha256 != sha256);
            if b.attachments.len() == before {
                return Err(Error::NotFound);
            }
            Ok(())
        })
    }

    /// The bidding vendor withdraws its bid before the deadline; it may bid again afterwards.
    pub fn withdraw_bid(&self, actor: &Actor, id: BidId) -> Result<BidView> {
        in_tx(&*self.store, |tx| {
            let now = self.now();
            let (mut b, s) = self.own_open_bid(tx, actor, id, Move::Withdraw, now)?;
            b.status = BidStatus::Withdrawn;
            b.updated_at = now;
            tx.update_bid(&b)?;
            // The consortium may bid again, as it stands agreed.
            if let Some(c) = b.consortium {
                tx.set_consortium_status(c, ConsortiumStatus::Agreed, now)?;
            }
            let withdrawn = DomainEvent::BidWithdrawn {
                bid: id,
                scenario: b.scenario,
            };
            emit(tx, Some(actor.user_id), withdrawn, now)?;
            self.bid_view(tx, actor, b, &s, now)
        })
    }
}
