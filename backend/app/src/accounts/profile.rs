//! Registration, the signed-in account, organization profiles and the vendor directory, the
//! interface language.

use super::*;
use super::{Services, emit};
use domain::account::{Locale, OrgProfilePatch, Organization, Registration, User};
use domain::error::{Error, Result};
use domain::event::DomainEvent;
use domain::ids::{OrganizationId, UserId};
use domain::message::Message;
use domain::policy::{self, Actor};
use domain::ports::{ReadTx, in_read, in_tx};
use domain::security;

impl Services {
    /// Registers an agency or vendor user with a new, unverified organization.
    pub fn register(&self, reg: Registration) -> Result<Account> {
        let hash = security::hash_password(&reg.password)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            if tx.user_by_email(&reg.email.normalized())?.is_some() {
                return Err(duplicate_email());
            }
            let org = Organization {
                id: OrganizationId(self.next_id()),
                kind: reg.org_kind,
                name: reg.org_name.clone(),
                credit_code: reg.credit_code.clone(),
                verified: false,
                opc_member: false,
                description: String::new(),
                capabilities: vec![],
                offer_kinds: reg.offer_kinds.clone(),
                open_to_teaming: false,
                contact: Default::default(),
                created_at: now,
                updated_at: now,
            };
            let user = User {
                id: UserId(self.next_id()),
                email: reg.email.as_str().to_string(),
                display_name: reg.display_name.clone(),
                role: reg.role,
                organization_id: Some(org.id),
                expertise: vec![],
                active: true,
                locale: reg.locale,
                created_at: now,
                updated_at: now,
            };
            tx.insert_organization(&org)?;
            tx.insert_user(&user, &hash)?;
            emit(
                tx,
                Some(user.id),
                DomainEvent::OrganizationRegistered(org.clone()),
                now,
            )?;
            emit(
                tx,
                Some(user.id),
                DomainEvent::UserRegistered(user.clone()),
                now,
            )?;
            Ok(Account {
                user,
                organization: Some(org),
                unread_notifications: 0,
            })
        })
    }

    /// The signed-in user (if still active) and their organization.
    pub fn account(&self, id: UserId) -> Result<Account> {
        in_read(&*self.store, |tx| {
            let user = tx.user(id)?.filter(|u| u.active).ok_or_else(|| {
                Error::Unauthorized(Message::new(
                    "账号不存在或已停用",
                    "the account is gone or deactivated",
                ))
            })?;
            Self::account_with(tx, user)
        })
    }

    /// [`Services::account`] of a user just read by the session check (live and active):
    /// their organization and unread count only.
    pub fn account_of(&self, user: User) -> Result<Account> {
        in_read(&*self.store, |tx| Self::account_with(tx, user))
    }

    /// A user's account: their organization and unread count, read in the caller's
    /// transaction.
    fn account_with(tx: &mut dyn ReadTx, user: User) -> Result<Account> {
        let organization = match user.organization_id {
            Some(o) => tx.organization(o)?,
            None => None,
        };
        let unread_notifications = tx.unread_notifications(user.id)?;
        Ok(Account {
            user,
            organization,
            unread_notifications,
        })
    }

    /// An organization's public profile. Unverified organizations are visible only to their
    /// members and administrators; to others they do not exist.
    pub fn organization(&self, viewer: Option<&Actor>, id: OrganizationId) -> Result<Organization> {
        let org = in_read(&*self.store, |tx| tx.organization(id))?.ok_or(Error::NotFound)?;
        let privileged = viewer.is_some_and(|a| policy::can_edit_organization(a, id).is_ok());
        if org.verified || privileged {
            Ok(org)
        } else {
            Err(Error::NotFound)
        }
    }

    /// A member changes the organization's description, capabilities or contact.
    pub fn update_organization_profile(
        &self,
        actor: &Actor,
        id: OrganizationId,
        patch: OrgProfilePatch,
    ) -> Result<Organization> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = tx.lock_organization(id)?.ok_or(Error::NotFound)?;
            policy::can_edit_organization(actor, id)?;
            patch.check_for(before.kind)?;
            let mut org = before.clone();
            patch.apply(&mut org, now);
            tx.update_organization(&org)?;
            let edited = DomainEvent::OrganizationProfileEdited {
                before: Box::new(before),
                after: Box::new(org.clone()),
            };
            emit(tx, Some(actor.user_id), edited, now)?;
            Ok(org)
        })
    }

    /// Changes a user's interface language.
    pub fn set_locale(&self, id: UserId, locale: Locale) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let mut u = tx.user(id)?.ok_or(Error::NotFound)?;
            if u.locale != locale {
                u.locale = locale;
                u.updated_at = now;
                tx.update_user(&u)?;
            }
            Ok(())
        })
    }
}
