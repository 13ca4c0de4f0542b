//! Invitations: a scenario's owner invites a verified vendor to bid; only the two see it.

use crate::{Services, emit};
use domain::actor::Actor;
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::OrganizationId;
use domain::invitation::{Invitation, MAX_INVITATION};
use domain::message::Message;
use domain::ports::{in_read, in_tx};
use domain::scenario::ScenarioId;

impl Services {
    /// The scenario's owner invites a verified vendor to bid, with a message, while the
    /// scenario takes bids; once per vendor. The vendor is notified.
    pub fn invite_vendor(
        &self,
        actor: &Actor,
        id: ScenarioId,
        vendor: OrganizationId,
        message: &str,
    ) -> Result<Invitation> {
        let message = message.trim();
        let mut f = domain::error::Fields::default();
        if message.is_empty() {
            f.push(
                "message",
                Message::new("请写一句邀请的话", "write a line to the vendor"),
            );
        } else if message.chars().count() > MAX_INVITATION {
            f.push(
                "message",
                Message::new("邀请最多 1000 字", "at most 1000 characters"),
            );
        }
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| domain::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            domain::policy::require_scenario_owner(actor, &s)?;
            let invited = tx
                .organization(vendor)?
                .filter(|o| o.kind == domain::account::OrgKind::Vendor && o.verified);
            if invited.is_none() {
                f.push(
                    "vendor_id",
                    Message::new("没有这家已认证的企业", "no such verified vendor"),
                );
            }
            std::mem::take(&mut f).finish()?;
            if s.status_at(now) != domain::scenario::Status::Published {
                return Err(Error::Conflict {
                    code: "not_open",
                    detail: Message::new(
                        "只能邀请企业参与正在投标的场景",
                        "vendors can be invited only while the scenario takes bids",
                    ),
                });
            }
            let duplicate = || Error::Conflict {
                code: "duplicate_invitation",
                detail: Message::new("已邀请过这家企业", "this vendor is invited already"),
            };
            if tx
                .invitations_of_scenario(id)?
                .iter()
                .any(|i| i.vendor == vendor)
            {
                return Err(duplicate());
            }
            let invitation = Invitation {
                id: self.ids.next_at(now),
                scenario: id,
                vendor,
                invited_by: actor.user_id,
                message: message.to_string(),
                created_at: now,
            };
            // Two invitations at once: the unique index refuses the second, named the same way.
            tx.insert_invitation(&invitation).map_err(|e| match e {
                Error::Conflict {
                    code: "duplicate", ..
                } => duplicate(),
                e => e,
            })?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::VendorInvited(Box::new(invitation.clone())),
                now,
            )?;
            Ok(invitation)
        })
    }

    /// The invitations the actor's vendor received, newest first, with their scenarios.
    pub fn my_invitations(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(Invitation, domain::scenario::Scenario)>> {
        let org = domain::policy::invitation_inbox(actor)?;
        in_read(&*self.store, |tx| {
            let mut out = vec![];
            for i in tx.invitations_of_vendor(org)? {
                if let Some(s) = tx.scenario(i.scenario)? {
                    out.push((i, s));
                }
            }
            Ok(out)
        })
    }

    /// The invitations of a scenario: its owner sees all of them, an invited vendor its own,
    /// everyone else none (who was invited is nobody else's business).
    pub fn scenario_invitations(&self, actor: &Actor, id: ScenarioId) -> Result<Vec<Invitation>> {
        in_read(&*self.store, |tx| {
            let s = tx
                .scenario(id)?
                .filter(|s| domain::policy::can_view_scenario(Some(actor), s))
                .ok_or(Error::NotFound)?;
            Ok(tx
                .invitations_of_scenario(id)?
                .into_iter()
                .filter(|i| domain::policy::can_see_invitation(actor, &s, i.vendor))
                .collect())
        })
    }
}
