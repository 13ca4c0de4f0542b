//! Reading bids under the sealing rule: one bid, a scenario's bids, a vendor's own, a file.

use chrono::{DateTime, Utc};

use super::Services;
use super::*;
use domain::bid::{Attachment, Bid, BidId, BidStatus};
use domain::error::{Error, Result};
use domain::ids::{OrganizationId, UserId};
use domain::policy::{self, Actor};
use domain::ports::{ReadTx, in_read};
use domain::scenario::{self, Scenario, ScenarioId};
use domain::team::consortium::BidTeam;

impl Services {
    /// The panel members who declared no conflict: the only evaluators who may read bids.
    pub(crate) fn cleared_panel(&self, tx: &mut dyn ReadTx, s: ScenarioId) -> Result<Vec<UserId>> {
        Ok(tx
            .panel_members(s)?
            .into_iter()
            .filter(|m| m.cleared())
            .map(|m| m.evaluator)
            .collect())
    }

    pub(super) fn bid_view(
        &self,
        tx: &mut dyn ReadTx,
        viewer: &Actor,
        b: Bid,
        s: &Scenario,
        now: DateTime<Utc>,
    ) -> Result<BidView> {
        let team = self.bid_team(tx, &b)?;
        Self::bid_view_with(tx, viewer, b, s, team, now)
    }

    /// As [`Services::bid_view`], with the bid's consortium already read.
    fn bid_view_with(
        tx: &mut dyn ReadTx,
        viewer: &Actor,
        b: Bid,
        s: &Scenario,
        team: Option<BidTeam>,
        now: DateTime<Utc>,
    ) -> Result<BidView> {
        let versions = tx.bid_versions(b.id)?;
        let vendor = tx.organization(b.vendor)?;
        Ok(Self::view_of(viewer, b, s, versions, vendor, team, now))
    }

    /// The consortium a bid is for, its members named (none for a bid of one vendor).
    pub(crate) fn bid_team(&self, tx: &mut dyn ReadTx, b: &Bid) -> Result<Option<BidTeam>> {
        let Some(c) = b.consortium else {
            return Ok(None);
        };
        let Some(c) = tx.consortium(c)? else {
            return Ok(None);
        };
        let mut orgs = vec![];
        for m in c.accepted() {
            if let Some(o) = tx.organization(m.vendor)? {
                orgs.push((o.id, o.name, o.verified));
            }
        }
        Ok(Some(BidTeam::of(&c, &orgs)))
    }

    /// Whose side of a bid the viewer is on, for the sealing rule: a member of the
    /// consortium the bid is for reads it as its bidder does.
    fn side(viewer: &Actor, b: &Bid, team: Option<&BidTeam>) -> OrganizationId {
        match (viewer.organization_id, team) {
            (Some(org), Some(t)) if t.has(org) => org,
            _ => b.vendor,
        }
    }

    /// Whether the viewer may read the bid under the sealing rule.
    fn may_read(
        viewer: &Actor,
        b: &Bid,
        team: Option<&BidTeam>,
        s: &Scenario,
        panel: &[UserId],
        now: DateTime<Utc>,
    ) -> bool {
        let side = Self::side(viewer, b, team);
        let withdrawn = b.status == BidStatus::Withdrawn;
        policy::can_read_bid(viewer, side, withdrawn, s, panel, now)
    }

    /// The view of a bid, from its versions and its vendor, as `viewer` may see it.
    pub(super) fn view_of(
        viewer: &Actor,
        b: Bid,
        s: &Scenario,
        versions: Vec<domain::bid::BidVersion>,
        vendor: Option<domain::account::Organization>,
        team: Option<BidTeam>,
        now: DateTime<Utc>,
    ) -> BidView {
        let opened = s.bids_opened(now);
        let history = policy::can_see_bid_history(viewer, Self::side(viewer, &b, team.as_ref()));
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
        BidView {
            scenario_title: s.title.clone(),
            bid_deadline: s.bid_deadline,
            vendor_name: vendor.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            vendor_verified: vendor.is_some_and(|o| o.verified)
                && team.as_ref().is_none_or(|t| t.revoked.is_empty()),
            team,
            opened,
            voided: s.status == scenario::Status::Cancelled,
            versions: history.then_some(versions),
            receipts,
            bid: b,
        }
    }

    /// A bid, if the sealing rule lets the viewer read it (404 otherwise).
    pub fn bid(&self, viewer: &Actor, id: BidId) -> Result<BidView> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let b = tx.bid(id)?.ok_or(Error::NotFound)?;
            let s = tx.scenario(b.scenario)?.ok_or(Error::NotFound)?;
            let panel = self.cleared_panel(tx, s.id)?;
            let team = self.bid_team(tx, &b)?;
            if !Self::may_read(viewer, &b, team.as_ref(), &s, &panel, now) {
                return Err(Error::NotFound);
            }
            Self::bid_view_with(tx, viewer, b, &s, team, now)
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
            self.bids_for(tx, viewer, &s, now)
        })
    }

    /// The bids of a scenario the viewer may see, inside the caller's transaction.
    pub(crate) fn bids_for(
        &self,
        tx: &mut dyn ReadTx,
        viewer: &Actor,
        s: &Scenario,
        now: DateTime<Utc>,
    ) -> Result<ScenarioBids> {
        let opened = s.bids_opened(now);
        let panel = self.cleared_panel(tx, s.id)?;
        let all = policy::can_list_all_bids(viewer, s, &panel, now);
        if !all && policy::require_vendor(viewer).is_err() {
            return Err(Error::NotFound);
        }
        let mut items = Vec::new();
        for b in tx.bids_of_scenario(s.id)? {
            let team = self.bid_team(tx, &b)?;
            if Self::may_read(viewer, &b, team.as_ref(), s, &panel, now) {
                items.push(Self::bid_view_with(tx, viewer, b, s, team, now)?);
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
    }

    /// A vendor's own bids across scenarios, and those its consortia's leads submitted for
    /// it, newest first.
    pub fn my_bids(&self, actor: &Actor) -> Result<Vec<BidView>> {
        let now = self.now();
        let org = policy::require_vendor(actor)?;
        in_read(&*self.store, |tx| {
            let mut bids = tx.bids_of_vendor(org)?;
            for c in tx.consortia_of_vendor(org)? {
                if c.lead == org || !c.accepted().any(|m| m.vendor == org) {
                    continue;
                }
                let of_team = tx.bids_of_scenario(c.scenario)?;
                bids.extend(of_team.into_iter().filter(|b| b.consortium == Some(c.id)));
            }
            bids.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.0.cmp(&a.id.0)));
            let mut out = Vec::new();
            for b in bids {
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
