//! What a registration, a staff account and a profile edit bring, parsed into values valid by
//! construction (every bad field named).

use crate::message::Message;
use chrono::{DateTime, Utc};

use crate::credit_code::CreditCode;
use crate::error::{Error, Fields, Result};
use crate::sector::Sector;
use crate::text;

use super::*;

/// Most tags an organization may list, and their longest length.
/// Most tags an organization may list, and their longest length.
pub const MAX_CAPABILITIES: usize = 20;
pub const MAX_TAG_LEN: usize = 30;
pub const MAX_DESCRIPTION: usize = 4000;
pub const MAX_ORG_NAME: usize = 100;
pub const MAX_DISPLAY_NAME: usize = 50;

/// A raw registration, as a form or JSON body brings it.
#[derive(Debug, Clone, Default)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// `None` when missing or not a role.
    pub role: Option<Role>,
    pub organization: RegisterOrganization,
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RegisterOrganization {
    pub name: String,
    pub credit_code: Option<String>,
    /// What a vendor delivers (codes of [`super::OfferKind`]); an agency states none.
    pub offer_kinds: Option<Vec<String>>,
}

/// A registration whose every field is valid.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: Email,
    pub password: Password,
    pub display_name: String,
    pub role: Role,
    pub org_kind: OrgKind,
    pub org_name: String,
    pub credit_code: Option<CreditCode>,
    /// Empty for an agency.
    pub offer_kinds: Vec<super::OfferKind>,
    pub locale: Locale,
}

impl TryFrom<RegisterRequest> for Registration {
    type Error = Error;

    fn try_from(r: RegisterRequest) -> Result<Self> {
        let mut f = Fields::new();
        let (email, password, display_name) =
            parse_identity(&mut f, &r.email, &r.password, &r.display_name);
        let role = f.take(
            "role",
            r.role
                .and_then(|role| role.organization_kind().map(|k| (role, k)))
                .ok_or_else(|| {
                    Message::new(
                        "只能注册为机构或企业",
                        "register as \"agency\" or \"vendor\"",
                    )
                }),
        );
        let org_name = f.take(
            "organization.name",
            parse_name(&r.organization.name, MAX_ORG_NAME),
        );
        let credit_code = match r.organization.credit_code.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(c) => f
                .take("organization.credit_code", CreditCode::parse(c))
                .map(Some),
        };
        let codes = r.organization.offer_kinds.unwrap_or_default();
        let offer_kinds = super::OfferKind::parse_list(&mut f, "organization.offer_kinds", &codes);
        if let Some((_, kind)) = role {
            super::check_offer_of(
                &mut f,
                "organization.offer_kinds",
                kind,
                &offer_kinds,
                false,
            );
        }
        let locale = r
            .locale
            .as_deref()
            .and_then(Locale::parse)
            .unwrap_or_default();
        f.finish()?;
        let (role, org_kind) = role.expect("checked");
        Ok(Registration {
            email: email.expect("checked"),
            password: password.expect("checked"),
            display_name: display_name.expect("checked"),
            role,
            org_kind,
            org_name: org_name.expect("checked"),
            credit_code: credit_code.expect("checked"),
            offer_kinds,
            locale,
        })
    }
}

/// A raw admin request to create an evaluator or admin.
#[derive(Debug, Clone, Default)]
pub struct CreateUserRequest {
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// `None` when missing or not a role.
    pub role: Option<Role>,
    pub expertise: Vec<String>,
    pub locale: Option<String>,
}

/// A valid request to create an evaluator or admin.
#[derive(Debug, Clone)]
pub struct NewStaffUser {
    pub email: Email,
    pub password: Password,
    pub display_name: String,
    pub role: Role,
    pub expertise: Vec<Sector>,
    pub locale: Locale,
}

impl TryFrom<CreateUserRequest> for NewStaffUser {
    type Error = Error;

    fn try_from(r: CreateUserRequest) -> Result<Self> {
        let mut f = Fields::new();
        let (email, password, display_name) =
            parse_identity(&mut f, &r.email, &r.password, &r.display_name);
        let role = f.take(
            "role",
            match r.role {
                Some(role @ (Role::Evaluator | Role::Admin)) => Ok(role),
                _ => Err(Message::new(
                    "只能创建评审专家或管理员",
                    "role must be \"evaluator\" or \"admin\"",
                )),
            },
        );
        let mut expertise = Vec::new();
        for (i, e) in r.expertise.iter().enumerate() {
            if let Some(s) = f.take(&format!("expertise[{i}]"), Sector::parse(e))
                && !expertise.contains(&s)
            {
                expertise.push(s);
            }
        }
        if role == Some(Role::Evaluator) && expertise.is_empty() && r.expertise.is_empty() {
            f.push(
                "expertise",
                Message::new(
                    "评审专家至少选择一个专业领域",
                    "an evaluator needs at least one domain of expertise",
                ),
            );
        }
        let locale = r
            .locale
            .as_deref()
            .and_then(Locale::parse)
            .unwrap_or_default();
        f.finish()?;
        Ok(NewStaffUser {
            email: email.expect("checked"),
            password: password.expect("checked"),
            display_name: display_name.expect("checked"),
            role: role.expect("checked"),
            expertise,
            locale,
        })
    }
}

/// A raw change to an organization's public profile; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct OrgProfilePatchRequest {
    pub description: Option<String>,
    pub capabilities: Option<Vec<String>>,
    /// Codes of [`super::OfferKind`].
    pub offer_kinds: Option<Vec<String>>,
    pub open_to_teaming: Option<bool>,
    pub contact: Option<Contact>,
}

/// A valid profile change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgProfilePatch {
    pub description: Option<String>,
    pub capabilities: Option<Vec<String>>,
    pub offer_kinds: Option<Vec<super::OfferKind>>,
    pub open_to_teaming: Option<bool>,
    pub contact: Option<Contact>,
}

impl TryFrom<OrgProfilePatchRequest> for OrgProfilePatch {
    type Error = Error;

    fn try_from(r: OrgProfilePatchRequest) -> Result<Self> {
        let mut f = Fields::new();
        let description = match r.description {
            Some(d) => f
                .take("description", text::bounded(&d, 0, MAX_DESCRIPTION))
                .map(Some),
            None => Some(None),
        };
        let capabilities = match r.capabilities {
            Some(c) => f
                .take(
                    "capabilities",
                    text::tags(&c, MAX_CAPABILITIES, MAX_TAG_LEN),
                )
                .map(Some),
            None => Some(None),
        };
        let offer_kinds = r
            .offer_kinds
            .map(|codes| super::OfferKind::parse_list(&mut f, "offer_kinds", &codes));
        let contact = match r.contact {
            Some(c) => match Contact::parse(&c) {
                Ok(c) => Some(Some(c)),
                Err(errs) => {
                    f.extend_nested("contact", errs);
                    None
                }
            },
            None => Some(None),
        };
        f.finish()?;
        Ok(OrgProfilePatch {
            description: description.expect("checked"),
            capabilities: capabilities.expect("checked"),
            offer_kinds,
            open_to_teaming: r.open_to_teaming,
            contact: contact.expect("checked"),
        })
    }
}

impl OrgProfilePatch {
    /// Refuses what the organization's kind may not state (see [`super::check_offer_of`]).
    pub fn check_for(&self, kind: OrgKind) -> Result<()> {
        let mut f = Fields::new();
        super::check_offer_of(
            &mut f,
            "offer_kinds",
            kind,
            self.offer_kinds.as_deref().unwrap_or_default(),
            self.open_to_teaming.unwrap_or(false),
        );
        f.finish()
    }

    /// Applies the change to an organization.
    pub fn apply(self, org: &mut Organization, now: DateTime<Utc>) {
        if let Some(d) = self.description {
            org.description = d;
        }
        if let Some(c) = self.capabilities {
            org.capabilities = c;
        }
        if let Some(k) = self.offer_kinds {
            org.offer_kinds = k;
        }
        if let Some(t) = self.open_to_teaming {
            org.open_to_teaming = t;
        }
        if let Some(c) = self.contact {
            org.contact = c;
        }
        org.updated_at = now;
    }
}
