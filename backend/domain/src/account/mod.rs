//! Accounts: organizations and users, and the parsed inputs that create and change them.

mod offer;
mod requests;
#[cfg(test)]
mod tests;

pub use offer::{OfferKind, check_offer_of};
pub use requests::*;

use crate::message::Message;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::credit_code::CreditCode;
use crate::error::{Error, Fields, Result};
use crate::ids::{OrganizationId, UserId};
pub use crate::locale::Locale;
use crate::sector::Sector;
use crate::text;

/// What a user may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Agency,
    Vendor,
    Evaluator,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agency => "agency",
            Role::Vendor => "vendor",
            Role::Evaluator => "evaluator",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Message> {
        match s.trim() {
            "admin" => Ok(Role::Admin),
            "agency" => Ok(Role::Agency),
            "vendor" => Ok(Role::Vendor),
            "evaluator" => Ok(Role::Evaluator),
            other => Err(Message::new(
                "未知角色",
                format!("unknown role '{other}': admin, agency, vendor, evaluator"),
            )),
        }
    }

    /// Agency and vendor users belong to an organization of the matching kind.
    pub fn organization_kind(self) -> Option<OrgKind> {
        match self {
            Role::Agency => Some(OrgKind::Agency),
            Role::Vendor => Some(OrgKind::Vendor),
            Role::Admin | Role::Evaluator => None,
        }
    }
}

/// The kind of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Agency,
    Vendor,
}

impl OrgKind {
    pub fn code(self) -> &'static str {
        match self {
            OrgKind::Agency => "agency",
            OrgKind::Vendor => "vendor",
        }
    }

    pub fn parse(s: &str) -> Result<OrgKind, Message> {
        match s {
            "agency" => Ok(OrgKind::Agency),
            "vendor" => Ok(OrgKind::Vendor),
            other => Err(Message::same(format!(
                "unknown organization kind '{other}'"
            ))),
        }
    }
}

/// An e-mail address: trimmed, with one `@`, a dotted domain and no spaces. Kept as typed;
/// compared in lower case ([`Email::normalized`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, Message> {
        let s = raw.trim();
        let bad = || Err(Message::new("邮箱格式不正确", "not a valid e-mail address"));
        if s.is_empty() {
            return Err(Message::new("请填写邮箱", "e-mail is required"));
        }
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad();
        }
        let Some((local, domain)) = s.split_once('@') else {
            return bad();
        };
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return bad();
        }
        Ok(Email(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for uniqueness and look-up.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A new password: 10 to 128 characters, not all of one kind of character.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub const MIN: usize = 10;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Password, Message> {
        let n = raw.chars().count();
        if n < Self::MIN {
            return Err(Message::new(
                format!("密码至少 {} 个字符", Self::MIN),
                format!("the password needs at least {} characters", Self::MIN),
            ));
        }
        if n > Self::MAX {
            return Err(Message::new(
                format!("密码最多 {} 个字符", Self::MAX),
                format!("the password has at most {} characters", Self::MAX),
            ));
        }
        let has_letter = raw.chars().any(char::is_alphabetic);
        let has_other = raw.chars().any(|c| !c.is_alphabetic());
        if !(has_letter && has_other) {
            return Err(Message::new(
                "密码需同时包含字母和数字或符号",
                "use letters and digits or symbols together",
            ));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Parses a person's or organization's display name.
pub fn parse_name(raw: &str, max: usize) -> Result<String, Message> {
    text::line(raw, 1, max)
}

/// The e-mail, password and name every new account has, each error recorded in `f`.
pub(crate) fn parse_identity(
    f: &mut Fields,
    email: &str,
    password: &str,
    display_name: &str,
) -> (Option<Email>, Option<Password>, Option<String>) {
    (
        f.take("email", Email::parse(email)),
        f.take("password", Password::parse(password)),
        f.take("display_name", parse_name(display_name, MAX_DISPLAY_NAME)),
    )
}

/// Contact details of an organization; each part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl Contact {
    fn parse(raw: &Contact) -> Result<Contact, Vec<crate::FieldError>> {
        let mut f = Fields::new();
        let opt = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let name = opt(&raw.name);
        if let Some(n) = &name {
            f.take("name", text::line(n, 1, 60));
        }
        let phone = opt(&raw.phone);
        if let Some(p) = &phone {
            let ok = p.len() <= 30 && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if !ok {
                f.push(
                    "phone",
                    Message::new("电话号码格式不正确", "not a valid phone number"),
                );
            }
        }
        let email = match opt(&raw.email) {
            Some(e) => f
                .take("email", Email::parse(&e))
                .map(|e| e.as_str().to_string()),
            None => None,
        };
        match f.finish() {
            Ok(()) => Ok(Contact { name, phone, email }),
            Err(Error::Validation(errs)) => Err(errs),
            Err(_) => unreachable!("Fields only yields validation errors"),
        }
    }
}

/// An agency or vendor organization as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub id: OrganizationId,
    pub kind: OrgKind,
    pub name: String,
    pub credit_code: Option<CreditCode>,
    pub verified: bool,
    pub opc_member: bool,
    pub description: String,
    pub capabilities: Vec<String>,
    /// What a vendor delivers (empty until stated).
    pub offer_kinds: Vec<OfferKind>,
    /// A vendor willing to bid in a consortium with others.
    pub open_to_teaming: bool,
    pub contact: Contact,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user account as stored (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    pub expertise: Vec<Sector>,
    pub active: bool,
    pub locale: Locale,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What sending a user a notification needs of them (no password hash, no timestamps):
/// read for many users at once when a notice reaches many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    pub active: bool,
    pub locale: Locale,
}

impl From<&User> for Recipient {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            organization_id: u.organization_id,
            active: u.active,
            locale: u.locale,
        }
    }
}
