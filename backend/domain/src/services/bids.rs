//! Bid use cases: submit, revise, attach and remove files, withdraw — each only while the
//! scenario takes bids, checked against the server's clock inside the transaction that would
//! store the change — and reading under the sealing rule.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Services, emit};
use crate::bid::{
    self, Attachment, Bid, BidFields, BidId, BidInput, BidStatus, BidVersion, Receipt,
};
use crate::error::{Error, Result};
use crate::event::{BidChange, DomainEvent};
use crate::ids::UserId;
use crate::policy::{self, Actor};
use crate::ports::{RowLock, Tx, in_read, in_tx};
use crate::scenario::{self, Move, Scenario, ScenarioId, Warning};

/// A file already stored under its SHA-256, to be attached.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub sha256: String,
    pub filename: String,
    pub size: i64,
}

/// A receipt and, once the bids are opened, whether the stored content still matches it.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptCheck {
    pub receipt: Receipt,
    /// `None` until the bids are opened.
    pub matches: Option<bool>,
}

/// A bid as its reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct BidView {
    pub bid: Bid,
    pub scenario_title: String,
    pub bid_deadline: DateTime<Utc>,
    pub vendor_name: String,
    /// Whether the scenario's bids are opened (the deadline has passed).
    pub opened: bool,
    /// The scenario was cancelled: the bid is void, never opened, seen only by its vendor.
    pub voided: bool,
    /// Every version with its receipt, for the bidding vendor only.
    pub versions: Option<Vec<BidVersion>>,
    /// Every receipt for the bidding vendor (with salts); the final one for anyone else.
    pub receipts: Vec<ReceiptCheck>,
    /// Whether the vendor's verification is still in force (a revoked vendor cannot win).
    pub vendor_verified: bool,
}

/// The bids of a scenario that the reader may see, and the hints at opening.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioBids {
    pub items: Vec<BidView>,
    pub opened: bool,
    pub warnings: Vec<Warning>,
}

fn not_open(s: &Scenario, now: DateTime<Utc>, action: Move) -> Error {
    scenario::Refused {
        current: s.status_at(now),
        action,
        why: "投标已截止或未开放，服务器时间为准 / the scenario does not take bids now (by the server's clock)".into(),
    }
    .into()
}

fn receipt_of(b: &Bid, v: &BidVersion) -> Receipt {
    Receipt {
        bid_id: b.id.0,
        version: v.version,
        server_time: v.created_at,
        content_sha256: v.content_hash.clone(),
        salt: (!v.salt.is_empty()).then(|| v.salt.clone()),
    }
}

fn hashes(atts: &[Attachment]) -> Vec<String> {
    let mut h: Vec<String> = atts.iter().map(|a| a.sha256.clone()).collect();
    h.sort();
    h
}

/// Whether each receipt still matches: a version's stored content must hash to its receipt,
/// and the bid's current content to the last receipt.
pub fn check_receipts(b: &Bid, versions: &[BidVersion]) -> Vec<(Receipt, bool)> {
    let last = versions.iter().map(|v| v.version).max();
    versions
        .iter()
        .map(|v| {
            let own = bid::content_hash(
                b.scenario,
                b.vendor,
                &v.fields,
                &v.attachment_hashes,
                &v.salt,
            ) == v.content_hash;
            let current = bid::content_hash(
                b.scenario,
                b.vendor,
                &b.fields,
                &hashes(&b.attachments),
                &v.salt,
            );
            let latest_ok =
                Some(v.version) != last || (current == v.content_hash && b.version == v.version);
            (receipt_of(b, v), own && latest_ok)
        })
        .collect()
}

impl Services {
    /// The panel members who declared no conflict: the only evaluators who may read bids.
    pub(crate) fn cleared_panel(&self, tx: &mut dyn Tx, s: ScenarioId) -> Result<Vec<UserId>> {
        Ok(tx
            .panel_members(s)?
            .into_iter()
            .filter(|m| m.cleared())
            .map(|m| m.evaluator)
            .collect())
    }

    /// Writes the next version of a bid and its audit record (hashes only: nothing sealed).
    fn record_version(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        b: &Bid,
        change: BidChange,
        now: DateTime<Utc>,
    ) -> Result<Receipt> {
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
        Ok(receipt_of(b, &v))
    }

    /// Loads the actor's own bid and its scenario (locked against a concurrent cancel or
    /// extension), refusing unless the vendor is still verified and bidding is still open. A
    /// bid on a cancelled scenario is void, and its vendor may still withdraw it.
    fn own_open_bid(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        id: BidId,
        action: Move,
        now: DateTime<Utc>,
    ) -> Result<(Bid, Scenario)> {
        let b = tx
            .bid(id)?
            .filter(|b| actor.organization_id == Some(b.vendor))
            .ok_or(Error::NotFound)?;
        let s = tx
            .lock_scenario(b.scenario, RowLock::Share)?
            .ok_or(Error::NotFound)?;
        let org = tx.organization(b.vendor)?.ok_or(Error::NotFound)?;
        policy::can_bid(actor, &org)?;
        if b.status == BidStatus::Withdrawn {
            return Err(Error::Conflict {
                code: "bid_withdrawn",
                detail: "该投标已撤回 / this bid was withdrawn".into(),
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
    fn bidding_scenario(
        tx: &mut dyn Tx,
        actor: &Actor,
        scenario_id: ScenarioId,
        now: DateTime<Utc>,
    ) -> Result<(Scenario, crate::ids::OrganizationId)> {
        let s = tx
            .lock_scenario(scenario_id, RowLock::Share)?
            .filter(|s| policy::can_view_scenario(Some(actor), s))
            .ok_or(Error::NotFound)?;
        let org_id = actor.organization_id.ok_or_else(|| {
            Error::Forbidden("只有企业用户可以投标 / only vendor users submit bids".into())
        })?;
        let org = tx.organization(org_id)?.ok_or(Error::NotFound)?;
        policy::can_bid(actor, &org)?;
        if !scenario::open_for_bids(s.status, s.bid_deadline, now) {
            return Err(not_open(&s, now, Move::Bid));
        }
        Ok((s, org_id))
    }

    /// Whether the actor could submit a bid on the scenario now (read-only): checked before an
    /// upload is read, so that nothing is received or stored for a request that would fail.
    pub fn check_can_submit(&self, actor: &Actor, scenario_id: ScenarioId) -> Result<()> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            Self::bidding_scenario(tx, actor, scenario_id, now).map(drop)
        })
    }

    /// Whether the actor could change their bid now and it can take another file (read-only):
    /// checked before an upload is read.
    pub fn check_can_attach(&self, actor: &Actor, id: BidId) -> Result<()> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let (b, _) = self.own_open_bid(tx, actor, id, Move::Attach, now)?;
            if b.attachments.len() >= bid::MAX_ATTACHMENTS {
                return Err(Error::field(
                    "file",
                    format!(
                        "最多 {} 个附件 / at most {} attachments",
                        bid::MAX_ATTACHMENTS,
                        bid::MAX_ATTACHMENTS
                    ),
                ));
            }
            Ok(())
        })
    }

    fn attachments_of(
        &self,
        list: &[NewAttachment],
        now: DateTime<Utc>,
    ) -> Result<Vec<Attachment>> {
        if list.len() > bid::MAX_ATTACHMENTS {
            return Err(Error::field(
                "file",
                format!(
                    "最多 {} 个附件 / at most {} attachments",
                    bid::MAX_ATTACHMENTS,
                    bid::MAX_ATTACHMENTS
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
            let (s, org_id) = Self::bidding_scenario(tx, actor, scenario_id, now)?;
            let fields = BidFields::parse(input.clone(), s.budget_max_fen)?;
            let attachments = self.attachments_of(attachments, now)?;
            if tx
                .bids_of_scenario(s.id)?
                .iter()
                .any(|b| b.vendor == org_id && b.status != BidStatus::Withdrawn)
            {
                return Err(Error::Conflict { code: "duplicate_bid", detail: "本企业已有有效投标，请修改或撤回后再投 / your organization already has an active bid: revise or withdraw it".into() });
            }
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
            };
            tx.insert_bid(&b)?;
            let receipt = self.record_version(tx, actor, &b, BidChange::Submitted, now)?;
            let view = self.bid_view(tx, actor, b, &s, now)?;
            Ok((view, receipt))
        })
    }

    fn revise_with(
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
            let receipt = self.record_version(tx, actor, &b, change, now)?;
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
                    detail: "该文件已附上 / this file is already attached".into(),
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
            let withdrawn = DomainEvent::BidWithdrawn {
                bid: id,
                scenario: b.scenario,
            };
            emit(tx, Some(actor.user_id), withdrawn, now)?;
            self.bid_view(tx, actor, b, &s, now)
        })
    }

    fn bid_view(
        &self,
        tx: &mut dyn Tx,
        viewer: &Actor,
        b: Bid,
        s: &Scenario,
        now: DateTime<Utc>,
    ) -> Result<BidView> {
        let opened = s.bids_opened(now);
        let versions = tx.bid_versions(b.id)?;
        let history = policy::can_see_bid_history(viewer, b.vendor);
        let mut checks = check_receipts(&b, &versions);
        if !history {
            // Earlier versions are the bidder's: others see the final receipt, without its salt.
            checks = checks.split_off(checks.len().saturating_sub(1));
            for (r, _) in checks.iter_mut() {
                r.salt = None;
            }
        }
        let receipts = checks
            .into_iter()
            .map(|(receipt, ok)| ReceiptCheck {
                receipt,
                matches: opened.then_some(ok),
            })
            .collect();
        let vendor = tx.organization(b.vendor)?;
        Ok(BidView {
            scenario_title: s.title.clone(),
            bid_deadline: s.bid_deadline,
            vendor_name: vendor.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            vendor_verified: vendor.is_some_and(|o| o.verified),
            opened,
            voided: s.status == scenario::Status::Cancelled,
            versions: history.then_some(versions),
            receipts,
            bid: b,
        })
    }

    /// A bid, if the sealing rule lets the viewer read it (404 otherwise).
    pub fn bid(&self, viewer: &Actor, id: BidId) -> Result<BidView> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let b = tx.bid(id)?.ok_or(Error::NotFound)?;
            let s = tx.scenario(b.scenario)?.ok_or(Error::NotFound)?;
            let panel = self.cleared_panel(tx, s.id)?;
            if !policy::can_read_bid(
                viewer,
                b.vendor,
                b.status == BidStatus::Withdrawn,
                &s,
                &panel,
                now,
            ) {
                return Err(Error::NotFound);
            }
            self.bid_view(tx, viewer, b, &s, now)
        })
    }

    /// The bids of a scenario: a vendor sees only its own (at any time); the owner agency and
    /// the panel see all once the bids are opened; to anyone else the list does not exist.
    pub fn scenario_bids(&self, viewer: &Actor, scenario_id: ScenarioId) -> Result<ScenarioBids> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let s = tx
                .scenario(scenario_id)?
                .filter(|s| policy::can_view_scenario(Some(viewer), s))
                .ok_or(Error::NotFound)?;
            let opened = s.bids_opened(now);
            let panel = self.cleared_panel(tx, s.id)?;
            let all = policy::can_list_all_bids(viewer, &s, &panel, now);
            if !all && viewer.role != crate::account::Role::Vendor {
                return Err(Error::NotFound);
            }
            let mut items = Vec::new();
            for b in tx.bids_of_scenario(s.id)? {
                let withdrawn = b.status == BidStatus::Withdrawn;
                if policy::can_read_bid(viewer, b.vendor, withdrawn, &s, &panel, now) {
                    items.push(self.bid_view(tx, viewer, b, &s, now)?);
                }
            }
            let warnings = if all {
                scenario::opening_warnings(
                    items
                        .iter()
                        .filter(|v| v.bid.status != BidStatus::Withdrawn)
                        .count() as i64,
                )
            } else {
                vec![]
            };
            Ok(ScenarioBids {
                items,
                opened,
                warnings,
            })
        })
    }

    /// A vendor's own bids across scenarios, newest first.
    pub fn my_bids(&self, actor: &Actor) -> Result<Vec<BidView>> {
        let now = self.now();
        let org = policy::require_vendor(actor)?;
        in_read(&*self.store, |tx| {
            let mut out = Vec::new();
            for b in tx.bids_of_vendor(org)? {
                let s = tx.scenario(b.scenario)?.ok_or(Error::NotFound)?;
                out.push(self.bid_view(tx, actor, b, &s, now)?);
            }
            Ok(out)
        })
    }

    /// An attachment's stored name, if the viewer may read the bid.
    pub fn bid_attachment(&self, viewer: &Actor, id: BidId, sha256: &str) -> Result<Attachment> {
        let v = self.bid(viewer, id)?;
        v.bid
            .attachments
            .into_iter()
            .find(|a| a.sha256 == sha256)
            .ok_or(Error::NotFound)
    }
}
