//! Accounts: organizations and users, and the parsed inputs that create and change them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::credit_code::CreditCode;
use crate::error::{Error, Fields, Result};
use crate::ids::{OrganizationId, UserId};
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

    pub fn parse(s: &str) -> Result<Role, String> {
        match s.trim() {
            "admin" => Ok(Role::Admin),
            "agency" => Ok(Role::Agency),
            "vendor" => Ok(Role::Vendor),
            "evaluator" => Ok(Role::Evaluator),
            other => Err(format!(
                "未知角色 / unknown role '{other}': admin, agency, vendor, evaluator"
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

    pub fn parse(s: &str) -> Result<OrgKind, String> {
        match s {
            "agency" => Ok(OrgKind::Agency),
            "vendor" => Ok(OrgKind::Vendor),
            other => Err(format!("unknown organization kind '{other}'")),
        }
    }
}

/// The interface language of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Lenient: `zh`, `zh-CN`, `zh-Hans` are Chinese, `en*` is English.
    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Locale::ZhCn)
        } else if s.starts_with("en") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// The first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut langs: Vec<(f32, Locale)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
                    .unwrap_or(1.0);
                Locale::parse(tag).map(|l| (q, l))
            })
            .collect();
        langs.sort_by(|a, b| b.0.total_cmp(&a.0));
        langs.first().map(|(_, l)| *l)
    }
}

/// An e-mail address: trimmed, with one `@`, a dotted domain and no spaces. Kept as typed;
/// compared in lower case ([`Email::normalized`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = raw.trim();
        let bad = || Err("邮箱格式不正确 / not a valid e-mail address".to_string());
        if s.is_empty() {
            return Err("请填写邮箱 / e-mail is required".into());
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

    pub fn parse(raw: &str) -> Result<Password, String> {
        let n = raw.chars().count();
        if n < Self::MIN {
            return Err(format!(
                "密码至少 {} 个字符 / the password needs at least {} characters",
                Self::MIN,
                Self::MIN
            ));
        }
        if n > Self::MAX {
            return Err(format!(
                "密码最多 {} 个字符 / the password has at most {} characters",
                Self::MAX,
                Self::MAX
            ));
        }
        let has_letter = raw.chars().any(char::is_alphabetic);
        let has_other = raw.chars().any(|c| !c.is_alphabetic());
        if !(has_letter && has_other) {
            return Err(
                "密码需同时包含字母和数字或符号 / use letters and digits or symbols together"
                    .into(),
            );
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Parses a person's or organization's display name.
pub fn parse_name(raw: &str, max: usize) -> Result<String, String> {
    text::bounded(raw, 1, max)
}

/// The e-mail, password and name every new account has, each error recorded in `f`.
fn parse_identity(
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
            f.take("name", text::bounded(n, 1, 60));
        }
        let phone = opt(&raw.phone);
        if let Some(p) = &phone {
            let ok = p.len() <= 30 && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if !ok {
                f.push("phone", "电话号码格式不正确 / not a valid phone number");
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

/// Most tags an organization may list, and their longest length.
pub const MAX_CAPABILITIES: usize = 20;
pub const MAX_TAG_LEN: usize = 30;
pub const MAX_DESCRIPTION: usize = 4000;
pub const MAX_ORG_NAME: usize = 100;
pub const MAX_DISPLAY_NAME: usize = 50;

/// A raw registration, as a form or JSON body brings it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub organization: RegisterOrganization,
    #[serde(default)]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RegisterOrganization {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub credit_code: Option<String>,
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
            Role::parse(&r.role).and_then(|role| {
                role.organization_kind().map(|k| (role, k)).ok_or_else(|| {
                    "只能注册为机构或企业 / register as \"agency\" or \"vendor\"".to_string()
                })
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
            locale,
        })
    }
}

/// A raw admin request to create an evaluator or admin.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CreateUserRequest {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub expertise: Vec<String>,
    #[serde(default)]
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
            Role::parse(&r.role).and_then(|role| match role {
                Role::Evaluator | Role::Admin => Ok(role),
                _ => {
                    Err("只能创建评审专家或管理员 / role must be \"evaluator\" or \"admin\"".into())
                }
            }),
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
                "评审专家至少选择一个专业领域 / an evaluator needs at least one domain of expertise",
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
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OrgProfilePatchRequest {
    pub description: Option<String>,
    pub capabilities: Option<Vec<String>>,
    pub contact: Option<Contact>,
}

/// A valid profile change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgProfilePatch {
    pub description: Option<String>,
    pub capabilities: Option<Vec<String>>,
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
            contact: contact.expect("checked"),
        })
    }
}

impl OrgProfilePatch {
    /// Applies the change to an organization.
    pub fn apply(self, org: &mut Organization, now: DateTime<Utc>) {
        if let Some(d) = self.description {
            org.description = d;
        }
        if let Some(c) = self.capabilities {
            org.capabilities = c;
        }
        if let Some(c) = self.contact {
            org.contact = c;
        }
        org.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(e: Error) -> Vec<String> {
        match e {
            Error::Validation(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("expected validation, got {other:?}"),
        }
    }

    #[test]
    fn roles_and_kinds_round_trip_and_only_agency_and_vendor_have_organizations() {
        for r in [Role::Admin, Role::Agency, Role::Vendor, Role::Evaluator] {
            assert_eq!(Role::parse(r.code()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
        assert_eq!(Role::Agency.organization_kind(), Some(OrgKind::Agency));
        assert_eq!(Role::Vendor.organization_kind(), Some(OrgKind::Vendor));
        assert_eq!(Role::Admin.organization_kind(), None);
        assert_eq!(Role::Evaluator.organization_kind(), None);
        assert_eq!(OrgKind::parse("vendor"), Ok(OrgKind::Vendor));
        assert!(OrgKind::parse("club").is_err());
        assert_eq!(Locale::parse("zh-Hans"), Some(Locale::ZhCn));
        assert_eq!(Locale::parse("EN-us"), Some(Locale::En));
        assert_eq!(Locale::parse("fr"), None);
    }

    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(
            Email::parse(" Li.Lei@Example.CN ").unwrap().normalized(),
            "li.lei@example.cn"
        );
        for bad in [
            "", "a", "a@b", "a@@b.cn", "a b@c.cn", "@c.cn", "a@.cn", "a@c..cn", "a@c.cn.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn passwords_need_length_and_mixed_characters() {
        assert!(Password::parse("short1").is_err());
        assert!(Password::parse("onlyletterslong").is_err());
        assert!(Password::parse("1234567890").is_err());
        assert!(Password::parse("correct horse 1").is_ok());
        assert!(Password::parse(&"a1".repeat(65)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret-pass-1").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn a_registration_with_every_field_wrong_names_every_field() {
        let req = RegisterRequest {
            email: "nope".into(),
            password: "x".into(),
            display_name: " ".into(),
            role: "admin".into(),
            organization: RegisterOrganization {
                name: "".into(),
                credit_code: Some("123".into()),
            },
            locale: None,
        };
        let names = fields_of(Registration::try_from(req).unwrap_err());
        assert_eq!(
            names,
            [
                "email",
                "password",
                "display_name",
                "role",
                "organization.name",
                "organization.credit_code"
            ]
        );
    }

    #[test]
    fn a_good_registration_parses_and_credit_code_is_optional() {
        let req = RegisterRequest {
            email: "a@b.cn".into(),
            password: "good-pass-123".into(),
            display_name: "王芳".into(),
            role: "vendor".into(),
            organization: RegisterOrganization {
                name: "青云智粒科技".into(),
                credit_code: Some("".into()),
            },
            locale: Some("en-US".into()),
        };
        let r = Registration::try_from(req).unwrap();
        assert_eq!(r.org_kind, OrgKind::Vendor);
        assert!(r.credit_code.is_none());
        assert_eq!(r.locale, Locale::En);
    }

    #[test]
    fn staff_users_must_be_evaluators_or_admins_and_evaluators_need_expertise() {
        let mut req = CreateUserRequest {
            email: "e@b.cn".into(),
            password: "good-pass-123".into(),
            display_name: "专家".into(),
            role: "evaluator".into(),
            expertise: vec![],
            locale: None,
        };
        assert_eq!(
            fields_of(NewStaffUser::try_from(req.clone()).unwrap_err()),
            ["expertise"]
        );
        req.expertise = vec!["city_governance".into(), "mars".into()];
        assert_eq!(
            fields_of(NewStaffUser::try_from(req.clone()).unwrap_err()),
            ["expertise[1]"]
        );
        req.expertise = vec!["city_governance".into(), "city_governance".into()];
        assert_eq!(
            NewStaffUser::try_from(req.clone()).unwrap().expertise.len(),
            1
        );
        req.role = "vendor".into();
        assert_eq!(
            fields_of(NewStaffUser::try_from(req).unwrap_err()),
            ["role"]
        );
    }

    #[test]
    fn a_profile_patch_checks_contact_and_tags() {
        let req = OrgProfilePatchRequest {
            description: Some("做视觉".into()),
            capabilities: Some(vec!["视觉".into(), "视觉".into(), " OCR ".into()]),
            contact: Some(Contact {
                name: None,
                phone: Some("027-8888 6666".into()),
                email: Some("x@y.cn".into()),
            }),
        };
        let p = OrgProfilePatch::try_from(req).unwrap();
        assert_eq!(p.capabilities.unwrap(), vec!["视觉", "ocr"]);
        let bad = OrgProfilePatchRequest {
            description: None,
            capabilities: None,
            contact: Some(Contact {
                name: None,
                phone: Some("call me".into()),
                email: Some("no".into()),
            }),
        };
        assert_eq!(
            fields_of(OrgProfilePatch::try_from(bad).unwrap_err()),
            ["contact.phone", "contact.email"]
        );
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr, zh;q=0.5, en;q=0.4"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("fr"), None);
    }
}
