//! What administrators do: staff accounts, activation and roles, organization verification,
//! the lists they work from; the command line's accounts; the audit chain check.

use super::*;
use super::{Services, emit, enqueue_now};
use domain::account::{Locale, NewStaffUser, OrgKind, Organization, User};
use domain::email::{EmailMessage, OutgoingEmail};
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::{OrganizationId, UserId};
use domain::job::Job;
use domain::message::Message;
use domain::policy::{self, Actor};
use domain::ports::{OrgFilter, ReadTx, in_read, in_tx};
use domain::security;

impl Services {
    /// An administrator creates an evaluator or another administrator.
    pub fn create_staff_user(&self, actor: &Actor, new: NewStaffUser) -> Result<User> {
        policy::require_admin(actor)?;
        let hash = security::hash_password(&new.password)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            if tx.user_by_email(&new.email.normalized())?.is_some() {
                return Err(duplicate_email());
            }
            let user = User {
                id: UserId(self.next_id()),
                email: new.email.as_str().to_string(),
                display_name: new.display_name.clone(),
                role: new.role,
                organization_id: None,
                expertise: new.expertise.clone(),
                active: true,
                locale: new.locale,
                created_at: now,
                updated_at: now,
            };
            tx.insert_user(&user, &hash)?;
            emit(
                tx,
                Some(actor.user_id),
                DomainEvent::StaffUserCreated(user.clone()),
                now,
            )?;
            Ok(user)
        })
    }

    /// An administrator activates or deactivates a user, or moves a staff user between the
    /// administrator and evaluator roles. Either change ends the user's sessions.
    pub fn admin_update_user(
        &self,
        actor: &Actor,
        id: UserId,
        change: StaffChange,
    ) -> Result<User> {
        policy::require_admin(actor)?;
        if change.active.is_none() && change.role.is_none() {
            return Err(Error::field(
                "active",
                Message::new("请提供要修改的字段", "give a field to change"),
            ));
        }
        if actor.user_id == id {
            return Err(Error::Conflict {
                code: "cannot_change_self",
                detail: Message::new(
                    "不能停用自己或修改自己的角色",
                    "you cannot deactivate yourself or change your own role",
                ),
            });
        }
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = tx.user(id)?.ok_or(Error::NotFound)?;
            let mut user = before.clone();
            if let Some(role) = change.role {
                if !policy::role_may_change(before.role, role) {
                    return Err(Error::field(
                        "role",
                        Message::new(
                            "只能在管理员和评审专家之间调整角色",
                            "roles change only between admin and evaluator",
                        ),
                    ));
                }
                user.role = role;
            }
            if let Some(active) = change.active {
                user.active = active;
            }
            if user == before {
                return Ok(user);
            }
            user.updated_at = now;
            tx.update_user(&user)?;
            super::end_every_session(tx, id, now)?;
            if user.active != before.active {
                let changed = DomainEvent::UserActiveChanged {
                    user: id,
                    active: user.active,
                };
                emit(tx, Some(actor.user_id), changed, now)?;
            }
            if user.role != before.role {
                let changed = DomainEvent::UserRoleChanged {
                    user: id,
                    before: before.role,
                    after: user.role,
                };
                emit(tx, Some(actor.user_id), changed, now)?;
            }
            Ok(user)
        })
    }

    /// An administrator sets an organization's verification and OPC membership; its users are
    /// told by e-mail.
    pub fn verify_organization(
        &self,
        actor: &Actor,
        id: OrganizationId,
        verified: bool,
        opc_member: bool,
    ) -> Result<Organization> {
        policy::require_admin(actor)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = tx.lock_organization(id)?.ok_or(Error::NotFound)?;
            let mut org = before.clone();
            org.verified = verified;
            // OPC membership is for vendors only.
            org.opc_member = opc_member && org.kind == OrgKind::Vendor;
            org.updated_at = now;
            tx.update_organization(&org)?;
            let verified = DomainEvent::OrganizationVerified {
                org: id,
                before: (before.verified, before.opc_member),
                after: (org.verified, org.opc_member),
            };
            emit(tx, Some(actor.user_id), verified, now)?;
            // Verification granted is a notification (in the app and, as the user chose, by
            // e-mail); a withdrawal or a change of OPC membership alone is mailed here.
            let granted = org.verified && !before.verified;
            let changed = before.verified != org.verified || before.opc_member != org.opc_member;
            if changed && !granted {
                for u in tx
                    .users_of_organization(id)?
                    .into_iter()
                    .filter(|u| u.active)
                {
                    let mail = OutgoingEmail::new(
                        u.email.clone(),
                        u.locale,
                        EmailMessage::OrganizationVerified {
                            display_name: u.display_name.clone(),
                            organization: org.name.clone(),
                            verified: org.verified,
                            opc_member: org.opc_member,
                        },
                    );
                    enqueue_now(tx, &self.ids, Job::SendEmail(mail), now)?;
                }
            }
            Ok(org)
        })
    }

    /// Active evaluators, for administrators.
    pub fn list_evaluators(&self, actor: &Actor) -> Result<Vec<User>> {
        policy::require_admin(actor)?;
        in_read(&*self.store, |tx| tx.evaluators(None))
    }

    /// Organizations for the administrators' list (unverified first).
    pub fn admin_organizations(&self, actor: &Actor, filter: OrgFilter) -> Result<OrgPage> {
        policy::require_admin(actor)?;
        let (items, total) = in_read(&*self.store, |tx| tx.organizations(&filter))?;
        Ok(OrgPage { items, total })
    }

    /// Creates a user with an organization directly (demo data and the `admin create` command);
    /// idempotent by e-mail: an existing user is returned unchanged.
    pub fn ensure_user(&self, spec: EnsureUser) -> Result<User> {
        if let Some((u, _)) = in_read(&*self.store, |tx| {
            tx.user_by_email(&spec.email.normalized())
        })? {
            return Ok(u);
        }
        let hash = spec.password_hash.clone();
        let now = self.now();
        in_tx(&*self.store, |tx| {
            if let Some((u, _)) = tx.user_by_email(&spec.email.normalized())? {
                return Ok(u);
            }
            let org_id = match (&spec.organization, spec.role.organization_kind()) {
                (Some(o), Some(kind)) => {
                    let org = Organization {
                        id: OrganizationId(self.next_id()),
                        kind,
                        name: o.name.clone(),
                        credit_code: o.credit_code.clone(),
                        verified: o.verified,
                        opc_member: o.opc_member && kind == OrgKind::Vendor,
                        description: o.description.clone(),
                        capabilities: o.capabilities.clone(),
                        offer_kinds: o.offer_kinds.clone(),
                        open_to_teaming: o.open_to_teaming && kind == OrgKind::Vendor,
                        contact: Default::default(),
                        created_at: now,
                        updated_at: now,
                    };
                    tx.insert_organization(&org)?;
                    emit(tx, None, DomainEvent::OrganizationSeeded(org.clone()), now)?;
                    Some(org.id)
                }
                (None, Some(_)) => {
                    return Err(Error::field(
                        "organization",
                        Message::new(
                            "机构和企业用户需要组织",
                            "agency and vendor users need an organization",
                        ),
                    ));
                }
                _ => None,
            };
            let user = User {
                id: UserId(self.next_id()),
                email: spec.email.as_str().to_string(),
                display_name: spec.display_name.clone(),
                role: spec.role,
                organization_id: org_id,
                expertise: spec.expertise.clone(),
                active: true,
                locale: Locale::ZhCn,
                created_at: now,
                updated_at: now,
            };
            tx.insert_user(&user, &hash)?;
            emit(tx, None, DomainEvent::UserSeeded(user.clone()), now)?;
            Ok(user)
        })
    }

    /// Recomputes the audit chain a page at a time and reports the first broken record.
    pub fn verify_audit_chain(&self) -> Result<domain::audit::ChainCheck> {
        use domain::audit::{ChainCheck, GENESIS_HASH, verify_chain_after};
        self.store.settle_audit()?;
        let (mut seq, mut hash, mut total) = (0, GENESIS_HASH.to_string(), 0);
        loop {
            let page = in_read(&*self.store, |tx: &mut dyn ReadTx| {
                tx.audit_records(seq, 1000)
            })?;
            let Some(last) = page.last() else {
                return Ok(ChainCheck::Intact { records: total });
            };
            match verify_chain_after(seq, &hash, &page) {
                ChainCheck::Intact { records } => total += records,
                broken => return Ok(broken),
            }
            (seq, hash) = (last.seq, last.hash.clone());
        }
    }
}
