//! Account use cases: registration, sign-in with throttling, refresh-token rotation with reuse
//! detection, sign-out, password reset, staff accounts, organization verification and profiles.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Services, emit, enqueue_now};
use crate::account::{
    Email, Locale, NewStaffUser, OrgKind, OrgProfilePatch, Organization, Password, Registration,
    Role, User,
};
use crate::email::{EmailMessage, OutgoingEmail};
use crate::error::{Error, Result};
use crate::event::DomainEvent;
use crate::ids::{OrganizationId, SessionId, UserId};
use crate::job::Job;
use crate::policy::{self, Actor};
use crate::ports::{OrgFilter, PasswordResetRecord, RefreshTokenRecord, Tx, in_read, in_tx};
use crate::security;

/// The answer to every failed sign-in, whatever the cause.
pub const BAD_CREDENTIALS: &str = "邮箱或密码不正确 / wrong e-mail or password";

/// A user with their organization, as `me` and registration return them.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub user: User,
    pub organization: Option<Organization>,
}

/// A signed-in session: the user, the new refresh token (shown once) and its family.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub refresh_token: String,
    pub session: SessionId,
}

/// A page of organizations.
#[derive(Debug, Clone, Serialize)]
pub struct OrgPage {
    pub items: Vec<Organization>,
    pub total: i64,
}

fn duplicate_email() -> Error {
    Error::Conflict {
        code: "duplicate_email",
        detail: "该邮箱已注册 / this e-mail is already registered".into(),
    }
}

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
            })
        })
    }

    /// Signs in. Unknown e-mail, wrong password and a deactivated account answer alike; after
    /// too many failures for the account (or, far more, from the address) the answer is 429.
    /// The throttle check and the record of the attempt are one atomic step: the attempt is
    /// written as a failure, under a lock on the account and the address, before the password
    /// is checked, and becomes a success only if it was right. So parallel guesses cannot all
    /// pass the check.
    pub fn login(&self, email: &str, password: &str, ip: &str) -> Result<SignedIn> {
        let now = self.now();
        let key = email.trim().to_lowercase();
        let rule = self.auth.throttle;
        let attempt = self.next_id();
        let found = in_tx(&*self.store, |tx| {
            tx.lock_login_keys(&key, ip)?;
            let (by_email, by_ip) = tx.recent_login_failures(&key, ip, now - rule.window())?;
            if let Some(secs) = rule.retry_after(&by_email, &by_ip, now) {
                return Err(Error::TooManyRequests {
                    retry_after_secs: secs,
                });
            }
            tx.record_login_attempt(attempt, &key, ip, false, now)?;
            tx.user_by_email(&key)
        })?;
        // Verify outside any transaction: argon2 is slow on purpose.
        let user = match &found {
            Some((user, hash)) => {
                let ok = security::verify_password(password, hash);
                (ok && user.active).then(|| user.clone())
            }
            None => {
                security::verify_password(password, security::dummy_hash());
                None
            }
        };
        let Some(user) = user else {
            return Err(Error::Unauthorized(BAD_CREDENTIALS.into()));
        };
        let refresh = security::new_token();
        let session = SessionId(self.next_id());
        in_tx(&*self.store, |tx| {
            tx.mark_login_succeeded(attempt)?;
            tx.insert_session(session, user.id, now)?;
            tx.insert_refresh_token(&self.refresh_record(user.id, session, &refresh, now))
        })?;
        Ok(SignedIn {
            user,
            refresh_token: refresh,
            session,
        })
    }

    /// The user of a live session, as every authenticated request checks it: the session is
    /// not revoked (sign-out, password change or reset, deactivation, role change) and the user
    /// is active. Role and organization come from here, never from the token.
    pub fn live_session(&self, session: SessionId, user: UserId) -> Result<Option<User>> {
        in_read(&*self.store, |tx| {
            Ok(tx.live_session_user(session)?.filter(|u| u.id == user))
        })
    }

    fn refresh_record(
        &self,
        user: UserId,
        session: SessionId,
        token: &str,
        now: DateTime<Utc>,
    ) -> RefreshTokenRecord {
        RefreshTokenRecord {
            id: self.next_id(),
            user_id: user,
            session,
            token_hash: security::token_hash(token),
            created_at: now,
            expires_at: now + self.auth.refresh_ttl,
            used_at: None,
            revoked_at: None,
        }
    }

    /// Exchanges a refresh token for a new one in the same session. Presenting a token that
    /// was already exchanged means it was stolen or replayed: the whole session is revoked.
    pub fn refresh(&self, token: &str) -> Result<SignedIn> {
        let now = self.now();
        let invalid = || {
            Error::Unauthorized("刷新令牌无效或已过期 / invalid or expired refresh token".into())
        };
        enum Outcome {
            Ok(SignedIn),
            Reused,
            Invalid,
        }
        // A replayed token ends its whole session, and the replay is audited.
        let reuse_detected = |tx: &mut dyn Tx, rec: &RefreshTokenRecord, now| {
            tx.revoke_session(rec.session, now)?;
            let replayed = DomainEvent::SessionReplayed {
                user: rec.user_id,
                session: rec.session,
            };
            emit(tx, Some(rec.user_id), replayed, now)?;
            Ok(Outcome::Reused)
        };
        let outcome = in_tx(&*self.store, |tx| {
            let Some(rec) = tx.refresh_token_by_hash(&security::token_hash(token))? else {
                return Ok(Outcome::Invalid);
            };
            if rec.revoked_at.is_some() || rec.expires_at <= now {
                return Ok(Outcome::Invalid);
            }
            if rec.used_at.is_some() {
                return reuse_detected(tx, &rec, now);
            }
            let Some(user) = tx.user(rec.user_id)?.filter(|u| u.active) else {
                return Ok(Outcome::Invalid);
            };
            if !tx.mark_refresh_token_used(rec.id, now)? {
                // A concurrent exchange of the same token got there first: that is a replay.
                return reuse_detected(tx, &rec, now);
            }
            let fresh = security::new_token();
            tx.insert_refresh_token(&self.refresh_record(user.id, rec.session, &fresh, now))?;
            Ok(Outcome::Ok(SignedIn {
                user,
                refresh_token: fresh,
                session: rec.session,
            }))
        })?;
        match outcome {
            Outcome::Ok(s) => Ok(s),
            Outcome::Reused | Outcome::Invalid => Err(invalid()),
        }
    }

    /// Ends one session: its refresh tokens stop working.
    pub fn logout(&self, session: SessionId) -> Result<()> {
        let now = self.now();
        in_tx(&*self.store, |tx| tx.revoke_session(session, now))
    }

    /// The signed-in user (if still active) and their organization.
    pub fn account(&self, id: UserId) -> Result<Account> {
        in_read(&*self.store, |tx| {
            let user = tx.user(id)?.filter(|u| u.active).ok_or_else(|| {
                Error::Unauthorized(
                    "账号不存在或已停用 / the account is gone or deactivated".into(),
                )
            })?;
            let organization = match user.organization_id {
                Some(o) => tx.organization(o)?,
                None => None,
            };
            Ok(Account { user, organization })
        })
    }

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
                "请提供要修改的字段 / give a field to change",
            ));
        }
        if actor.user_id == id {
            return Err(Error::Conflict {
                code: "cannot_change_self",
                detail: "不能停用自己或修改自己的角色 / you cannot deactivate yourself or change your own role".into(),
            });
        }
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let before = tx.user(id)?.ok_or(Error::NotFound)?;
            let mut user = before.clone();
            if let Some(role) = change.role {
                let staff = |r: Role| matches!(r, Role::Admin | Role::Evaluator);
                if !staff(role) || !staff(before.role) {
                    return Err(Error::field(
                        "role",
                        "只能在管理员和评审专家之间调整角色 / roles change only between admin and evaluator",
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
            tx.revoke_user_sessions(id, now)?;
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
            let before = tx.organization(id)?.ok_or(Error::NotFound)?;
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
            if before.verified != org.verified || before.opc_member != org.opc_member {
                for u in tx
                    .users_of_organization(id)?
                    .into_iter()
                    .filter(|u| u.active)
                {
                    let mail = OutgoingEmail {
                        to: u.email.clone(),
                        locale: u.locale,
                        message: EmailMessage::OrganizationVerified {
                            display_name: u.display_name.clone(),
                            organization: org.name.clone(),
                            verified: org.verified,
                            opc_member: org.opc_member,
                        },
                    };
                    enqueue_now(tx, &self.ids, Job::SendEmail(mail), now)?;
                }
            }
            Ok(org)
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
            let before = tx.organization(id)?.ok_or(Error::NotFound)?;
            policy::can_edit_organization(actor, id)?;
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

    /// The public vendor directory: verified vendors only.
    pub fn vendor_directory(&self, mut filter: OrgFilter) -> Result<OrgPage> {
        filter.kind = Some(OrgKind::Vendor);
        filter.verified = Some(true);
        let (items, total) = in_read(&*self.store, |tx| tx.organizations(&filter))?;
        Ok(OrgPage { items, total })
    }

    /// Starts a password reset. Answers the same whether or not the e-mail is known; when it
    /// is, a one-time link goes out by e-mail in the user's language.
    pub fn request_password_reset(&self, email: &str) -> Result<()> {
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let now = self.now();
        let token = security::new_token();
        in_tx(&*self.store, |tx| {
            let Some((user, _)) = tx.user_by_email(&email.normalized())? else {
                return Ok(());
            };
            if !user.active {
                return Ok(());
            }
            tx.insert_password_reset(&PasswordResetRecord {
                id: self.next_id(),
                user_id: user.id,
                token_hash: security::token_hash(&token),
                created_at: now,
                expires_at: now + self.auth.reset_ttl,
                used_at: None,
            })?;
            let link = format!("{}/reset-password?token={token}", self.auth.public_base_url);
            let mail = OutgoingEmail {
                to: user.email.clone(),
                locale: user.locale,
                message: EmailMessage::PasswordReset {
                    display_name: user.display_name.clone(),
                    link,
                    valid_minutes: self.auth.reset_ttl.num_minutes(),
                },
            };
            enqueue_now(tx, &self.ids, Job::SendEmail(mail), now)
        })
    }

    /// Completes a password reset: the link works once, within its hour; afterwards every
    /// session of the user is ended.
    pub fn reset_password(&self, token: &str, password: Password) -> Result<()> {
        let hash = security::hash_password(&password)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            let rec = tx
                .password_reset_by_hash(&security::token_hash(token))?
                .filter(|r| r.used_at.is_none() && r.expires_at > now)
                .ok_or_else(|| {
                    Error::field(
                        "token",
                        "重置链接无效、已使用或已过期 / the reset link is invalid, used or expired",
                    )
                })?;
            tx.mark_password_reset_used(rec.id, now)?;
            tx.set_password_hash(rec.user_id, &hash, now)?;
            tx.revoke_user_sessions(rec.user_id, now)?;
            let reset = DomainEvent::PasswordReset { user: rec.user_id };
            emit(tx, Some(rec.user_id), reset, now)
        })
    }

    /// A signed-in user changes their password, proving the current one. Every session of the
    /// user ends (the caller signs in again with the new password).
    pub fn change_password(&self, id: UserId, current: &str, new: Password) -> Result<()> {
        let stored = in_read(&*self.store, |tx| {
            let user = tx.user(id)?.filter(|u| u.active).ok_or(Error::NotFound)?;
            Ok(tx
                .user_by_email(&user.email.to_lowercase())?
                .map(|(_, h)| h))
        })?;
        if !stored.is_some_and(|h| security::verify_password(current, &h)) {
            return Err(Error::field(
                "current_password",
                "当前密码不正确 / the current password is wrong",
            ));
        }
        let hash = security::hash_password(&new)?;
        let now = self.now();
        in_tx(&*self.store, |tx| {
            tx.set_password_hash(id, &hash, now)?;
            tx.revoke_user_sessions(id, now)?;
            emit(tx, Some(id), DomainEvent::PasswordChanged { user: id }, now)
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

    /// Creates a user with an organization directly (demo data and the `admin create` command);
    /// idempotent by e-mail: an existing user is returned unchanged.
    pub fn ensure_user(&self, spec: EnsureUser) -> Result<User> {
        if let Some((u, _)) = in_read(&*self.store, |tx| {
            tx.user_by_email(&spec.email.normalized())
        })? {
            return Ok(u);
        }
        let hash = security::hash_password(&spec.password)?;
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
                        "机构和企业用户需要组织 / agency and vendor users need an organization",
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
    pub fn verify_audit_chain(&self) -> Result<crate::audit::ChainCheck> {
        use crate::audit::{ChainCheck, GENESIS_HASH, verify_chain_after};
        let (mut seq, mut hash, mut total) = (0, GENESIS_HASH.to_string(), 0);
        loop {
            let page = in_read(&*self.store, |tx: &mut dyn Tx| tx.audit_records(seq, 1000))?;
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

/// What an administrator changes about a user; absent parts stay.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaffChange {
    pub active: Option<bool>,
    pub role: Option<Role>,
}

/// A user for demo data or the command line.
#[derive(Debug, Clone)]
pub struct EnsureUser {
    pub email: Email,
    pub password: Password,
    pub display_name: String,
    pub role: Role,
    pub expertise: Vec<crate::sector::Sector>,
    pub organization: Option<EnsureOrganization>,
}

/// The organization of an [`EnsureUser`].
#[derive(Debug, Clone)]
pub struct EnsureOrganization {
    pub name: String,
    pub credit_code: Option<crate::credit_code::CreditCode>,
    pub verified: bool,
    pub opc_member: bool,
    pub description: String,
    pub capabilities: Vec<String>,
}
