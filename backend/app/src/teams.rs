//! OPC teams: the trades a scenario needs (its facets), and consortia (联合体) forming to bid
//! as one. A consortium is sealed with the scenario's bids: only its members, and each
//! invitee of its own invitation, learn that it exists.

use chrono::{DateTime, Utc};

use super::{Services, emit};
use domain::account::{OfferKind, OrgKind};
use domain::actor::Actor;
use domain::bid::BidStatus;
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::{ConsortiumId, OrganizationId};
use domain::message::Message;
use domain::notification::{Facts, Kind};
use domain::ports::{ReadTx, RowLock, Tx, in_read, in_tx};
use domain::scenario::{Scenario, ScenarioId};
use domain::team::consortium::{self as k, Consortium, MemberStatus, Membership, Status};
use domain::team::event::ConsortiumEvent;

/// The longest consortium name and invitation message.
const MAX_NAME: usize = 100;
const MAX_MESSAGE: usize = 1000;

impl Services {
    /// The trades the scenario needs, the AI system first.
    pub fn scenario_facets(
        &self,
        viewer: Option<&Actor>,
        id: ScenarioId,
    ) -> Result<Vec<OfferKind>> {
        in_read(&*self.store, |tx| {
            let s = Self::visible(tx, viewer, id)?;
            Ok(domain::team::facets(&s))
        })
    }

    /// A verified vendor forms a consortium for a scenario open for bids, and leads it. It may
    /// not bid alone on the scenario, nor be in another consortium of it.
    pub fn form_consortium(&self, actor: &Actor, id: ScenarioId, name: &str) -> Result<Consortium> {
        let now = self.now();
        let name = domain::text::bounded(name, 0, MAX_NAME).map_err(|m| Error::field("name", m))?;
        in_tx(&*self.store, |tx| {
            let (s, org) = open_scenario(tx, actor, id, now)?;
            self.form_in(tx, actor, &s, &org, &name, now)
        })
    }

    /// Forms a consortium of the scenario (its row locked) led by `org`.
    fn form_in(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        s: &Scenario,
        org: &domain::account::Organization,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Consortium> {
        k::check_exclusive(bids_alone(tx, s, org.id)?, 0)?;
        let name = if name.is_empty() {
            format!("{} 联合体", org.name)
        } else {
            name.to_string()
        };
        let c = Consortium::new(
            ConsortiumId(self.next_id()),
            s.id,
            name,
            org.id,
            actor.user_id,
            now,
        );
        tx.insert_consortium(&c).map_err(exclusive)?;
        event(tx, actor, ConsortiumEvent::Formed(Box::new(c.clone())), now)?;
        Ok(c)
    }

    /// From a suggested team: the vendor invites the partners, with one message, into the
    /// consortium it leads on the scenario, formed now if it leads none. Partners already
    /// invited are left as they are. One transaction: all are invited, or none.
    pub fn invite_partners(
        &self,
        actor: &Actor,
        id: ScenarioId,
        partners: &[OrganizationId],
        message: &str,
    ) -> Result<Consortium> {
        let now = self.now();
        let message = domain::text::bounded(message, 0, MAX_MESSAGE)
            .map_err(|m| Error::field("message", m))?;
        if partners.is_empty() {
            return Err(Error::field(
                "vendor_id",
                Message::new("请选择要邀请的伙伴", "choose the partners to invite"),
            ));
        }
        in_tx(&*self.store, |tx| {
            let (s, org) = open_scenario(tx, actor, id, now)?;
            let led = tx
                .consortia_of_scenario(s.id)?
                .into_iter()
                .find(|c| c.lead == org.id && matches!(c.status, Status::Forming | Status::Agreed));
            let mut c = match led {
                Some(c) => c,
                None => self.form_in(tx, actor, &s, &org, "", now)?,
            };
            for v in partners {
                if c.member(*v).is_none() {
                    invite_in(tx, actor, &c, &s, *v, &message, now)?;
                    c = tx.consortium(c.id)?.ok_or(Error::NotFound)?;
                }
            }
            Ok(c)
        })
    }

    /// The lead invites a verified vendor, with a message; the vendor hears of it.
    pub fn invite_to_consortium(
        &self,
        actor: &Actor,
        id: ConsortiumId,
        vendor: OrganizationId,
        message: &str,
    ) -> Result<Consortium> {
        let now = self.now();
        let message = domain::text::bounded(message, 0, MAX_MESSAGE)
            .map_err(|m| Error::field("message", m))?;
        in_tx(&*self.store, |tx| {
            let (c, s) = member_locked(tx, actor, id, now)?;
            invite_in(tx, actor, &c, &s, vendor, &message, now)?;
            tx.consortium(id)?.ok_or(Error::NotFound)
        })
    }

    /// The invited vendor accepts or declines. Accepting, it may not bid alone on the
    /// scenario nor be in another consortium of it; an agreement written before it joined is
    /// cleared, to be written again with its share.
    pub fn answer_consortium(
        &self,
        actor: &Actor,
        id: ConsortiumId,
        accept: bool,
    ) -> Result<Consortium> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let (c, s) = member_locked(tx, actor, id, now)?;
            let org = actor.organization_id.ok_or(Error::NotFound)?;
            c.check_respond(org)?;
            if accept {
                k::check_exclusive(bids_alone(tx, &s, org)?, 0)?;
            }
            if !tx
                .answer_membership(c.id, org, accept, now)
                .map_err(exclusive)?
            {
                return Err(Error::Conflict {
                    code: "invitation_answered",
                    detail: Message::new("该邀请已答复", "this invitation is answered already"),
                });
            }
            if accept && c.members.iter().any(|m| m.share_pct.is_some()) {
                tx.set_shares(c.id, &[])?;
                tx.set_consortium_status(c.id, Status::Forming, now)?;
            }
            let e = ConsortiumEvent::Answered {
                consortium: c.id,
                scenario: s.id,
                vendor: org,
                accepted: accept,
            };
            event(tx, actor, e, now)?;
            Ok(tx
                .consortium(id)?
                .ok_or(Error::NotFound)?
                .seen_by(Some(org)))
        })
    }

    /// The lead writes (or changes) the agreement: each member's share of the work. Every
    /// member, the lead too, confirms it again.
    pub fn write_agreement(
        &self,
        actor: &Actor,
        id: ConsortiumId,
        shares: &[(OrganizationId, i64)],
    ) -> Result<Consortium> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let (c, s) = member_locked(tx, actor, id, now)?;
            let by = actor.organization_id.ok_or(Error::NotFound)?;
            c.check_agreement(by, shares)?;
            let shares: Vec<(OrganizationId, u8)> = shares
                .iter()
                .map(|(v, p)| (*v, u8::try_from(*p).unwrap_or(0)))
                .collect();
            tx.set_shares(c.id, &shares)?;
            tx.set_consortium_status(c.id, Status::Forming, now)?;
            let e = ConsortiumEvent::AgreementWritten {
                consortium: c.id,
                scenario: s.id,
                shares,
            };
            event(tx, actor, e, now)?;
            tx.consortium(id)?.ok_or(Error::NotFound)
        })
    }

    /// A member confirms the agreement (acknowledging joint and several liability); the last
    /// confirmation makes the consortium `agreed`.
    pub fn confirm_agreement(&self, actor: &Actor, id: ConsortiumId) -> Result<Consortium> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let (c, s) = member_locked(tx, actor, id, now)?;
            let org = actor.organization_id.ok_or(Error::NotFound)?;
            c.check_confirm(org)?;
            if !tx.confirm_membership(c.id, org)? {
                return Err(Error::Conflict {
                    code: "already_confirmed",
                    detail: Message::new("已确认协议", "the agreement is confirmed already"),
                });
            }
            let after = tx.consortium(id)?.ok_or(Error::NotFound)?;
            let agreed = after.is_agreed();
            if agreed {
                tx.set_consortium_status(c.id, Status::Agreed, now)?;
            }
            let e = ConsortiumEvent::Confirmed {
                consortium: c.id,
                scenario: s.id,
                vendor: org,
                agreed,
            };
            event(tx, actor, e, now)?;
            tx.consortium(id)?.ok_or(Error::NotFound)
        })
    }

    /// A consortium, for its members and invitees; 404 for everyone else, as for a missing id.
    pub fn consortium(&self, viewer: Option<&Actor>, id: ConsortiumId) -> Result<Consortium> {
        let org = viewer.and_then(|a| a.organization_id);
        in_read(
            &*self.store,
            |tx| Ok(readable(tx, viewer, id)?.seen_by(org)),
        )
    }

    /// The names and OPC membership of vendors, for a team's members.
    pub fn team_vendors(
        &self,
        ids: &[OrganizationId],
    ) -> Result<Vec<(OrganizationId, String, bool)>> {
        in_read(&*self.store, |tx| {
            let mut out = vec![];
            for id in ids {
                if let Some(o) = tx.organization(*id)? {
                    out.push((o.id, o.name, o.opc_member));
                }
            }
            Ok(out)
        })
    }

    /// The consortia the vendor leads, belongs to or is invited to, newest first.
    pub fn my_consortia(&self, actor: &Actor) -> Result<Vec<Consortium>> {
        let org = domain::policy::require_vendor(actor)?;
        in_read(&*self.store, |tx| {
            let all = tx.consortia_of_vendor(org)?;
            Ok(all.into_iter().map(|c| c.seen_by(Some(org))).collect())
        })
    }
}

/// The lead invites a verified vendor into the consortium (the scenario's row locked).
fn invite_in(
    tx: &mut dyn Tx,
    actor: &Actor,
    c: &Consortium,
    s: &Scenario,
    vendor: OrganizationId,
    message: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let by = actor.organization_id.ok_or(Error::NotFound)?;
    c.check_invite(by, vendor)?;
    let invited = tx
        .organization(vendor)?
        .filter(|o| o.kind == OrgKind::Vendor && o.verified)
        .ok_or_else(|| {
            Error::field(
                "vendor_id",
                Message::new("须为已认证的企业", "a verified vendor"),
            )
        })?;
    let m = Membership::invited(invited.id, message.to_string(), now);
    tx.insert_membership(c.id, s.id, &m).map_err(|e| match e {
        Error::Conflict {
            code: "duplicate", ..
        } => Error::Conflict {
            code: "already_invited",
            detail: Message::new("该企业已被邀请", "this vendor is invited already"),
        },
        e => e,
    })?;
    let e = ConsortiumEvent::Invited {
        consortium: c.id,
        scenario: s.id,
        vendor: invited.id,
        message: message.to_string(),
    };
    event(tx, actor, e, now)
}

fn event(tx: &mut dyn Tx, actor: &Actor, e: ConsortiumEvent, now: DateTime<Utc>) -> Result<()> {
    emit(
        tx,
        Some(actor.user_id),
        DomainEvent::Consortium(Box::new(e)),
        now,
    )
}

/// The database's refusal of a second membership, as the rule names it.
fn exclusive(e: Error) -> Error {
    match e {
        Error::Conflict {
            code: "duplicate", ..
        } => k::check_exclusive(false, 1).unwrap_err(),
        e => e,
    }
}

/// Whether `org` has a bid of its own in force on the scenario.
fn bids_alone(tx: &mut dyn ReadTx, s: &Scenario, org: OrganizationId) -> Result<bool> {
    Ok(tx
        .bids_of_scenario(s.id)?
        .iter()
        .any(|b| b.vendor == org && b.status == BidStatus::Submitted))
}

/// The scenario, locked, when the actor may bid on it now (a verified vendor, open for bids).
fn open_scenario(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: ScenarioId,
    now: DateTime<Utc>,
) -> Result<(Scenario, domain::account::Organization)> {
    let s = tx.lock_scenario(id, RowLock::Update)?;
    Services::may_bid_on(tx, actor, s, now)
}

/// A consortium the actor may read, with its scenario locked and open for bids; the actor
/// must be able to bid (a verified vendor).
fn member_locked(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: ConsortiumId,
    now: DateTime<Utc>,
) -> Result<(Consortium, Scenario)> {
    let sid = readable(tx, Some(actor), id)?.scenario;
    let (s, _) = open_scenario(tx, actor, sid, now)?;
    let c = readable(tx, Some(actor), id)?;
    Ok((c, s))
}

/// A consortium `viewer` may read: a member, or a vendor invited to it (declined too).
fn readable(tx: &mut dyn ReadTx, viewer: Option<&Actor>, id: ConsortiumId) -> Result<Consortium> {
    tx.consortium(id)?
        .filter(|c| c.visible_to(viewer.and_then(|a| a.organization_id)))
        .ok_or(Error::NotFound)
}

/// Who hears of a consortium's step, and what they read: the invitee of its invitation, the
/// lead of an answer, the other members of an agreement to confirm, every member of the
/// agreement confirmed. Nobody outside the consortium.
pub(crate) fn notice_groups(
    tx: &mut dyn ReadTx,
    step: Kind,
    consortium: i64,
    vendor: i64,
) -> Result<Vec<(Facts, Vec<OrganizationId>)>> {
    let Some(c) = tx.consortium(ConsortiumId(consortium))? else {
        return Ok(vec![]);
    };
    let Some(s) = tx.scenario(c.scenario)? else {
        return Ok(vec![]);
    };
    let name = |tx: &mut dyn ReadTx, o| -> Result<String> {
        Ok(tx.organization(o)?.map(|o| o.name).unwrap_or_default())
    };
    let vendor = OrganizationId(vendor);
    let accepted: Vec<OrganizationId> = c.accepted().map(|m| m.vendor).collect();
    let (party, orgs) = match step {
        Kind::ConsortiumInvitation => (name(tx, c.lead)?, vec![vendor]),
        Kind::ConsortiumAnswered => (name(tx, vendor)?, vec![c.lead]),
        Kind::ConsortiumAgreement => (
            name(tx, c.lead)?,
            accepted.iter().copied().filter(|o| *o != c.lead).collect(),
        ),
        _ => (name(tx, c.lead)?, accepted),
    };
    let facts = Facts::Consortium {
        step,
        scenario: s.id.0,
        title: s.title,
        name: c.name.clone(),
        party,
        accepted: c
            .member(vendor)
            .is_some_and(|m| m.status == MemberStatus::Accepted),
    };
    Ok(vec![(facts, orgs)])
}

/// A consortium's page: the consortium, its scenario, its members' names and the bid it made.
#[derive(Debug, Clone)]
pub struct ConsortiumBoard {
    pub consortium: Consortium,
    pub scenario_title: String,
    /// The scenario takes bids now: the consortium may still change and bid.
    pub open: bool,
    /// (id, name, OPC member) of every member and invitee.
    pub names: Vec<(OrganizationId, String, bool)>,
    /// The consortium's bid in force, when it bid.
    pub bid: Option<domain::bid::BidId>,
}

impl Services {
    /// A consortium's page, for its members and invitees (404 for anyone else).
    pub fn consortium_board(&self, viewer: &Actor, id: ConsortiumId) -> Result<ConsortiumBoard> {
        let now = self.now();
        in_read(&*self.store, |tx| {
            let c = readable(tx, Some(viewer), id)?.seen_by(viewer.organization_id);
            let s = tx.scenario(c.scenario)?.ok_or(Error::NotFound)?;
            let mut names = vec![];
            for m in &c.members {
                if let Some(o) = tx.organization(m.vendor)? {
                    names.push((o.id, o.name, o.opc_member));
                }
            }
            let member = c
                .accepted()
                .any(|m| Some(m.vendor) == viewer.organization_id);
            let bid = tx
                .bids_of_scenario(s.id)?
                .into_iter()
                .find(|b| member && b.consortium == Some(c.id) && b.status == BidStatus::Submitted)
                .map(|b| b.id);
            Ok(ConsortiumBoard {
                open: domain::scenario::open_for_bids(s.status, s.bid_deadline, now),
                scenario_title: s.title,
                names,
                bid,
                consortium: c,
            })
        })
    }
}

impl Services {
    /// The vendor's consortia (as [`Services::my_consortia`]) with their scenarios' titles.
    pub fn my_consortia_titled(&self, actor: &Actor) -> Result<Vec<(Consortium, String)>> {
        let all = self.my_consortia(actor)?;
        in_read(&*self.store, |tx| {
            let mut out = Vec::with_capacity(all.len());
            for c in &all {
                let title = tx
                    .scenario(c.scenario)?
                    .map(|s| s.title)
                    .unwrap_or_default();
                out.push((c.clone(), title));
            }
            Ok(out)
        })
    }
}
