//! The JSON shapes of request bodies and of the domain values the answers carry, with their
//! OpenAPI schemas. Each converts into (or from) the domain's own type, which knows nothing of
//! HTTP or OpenAPI; the domain then validates, naming every bad field.

use chrono::{DateTime, Utc};
use domain::account::{
    Contact, CreateUserRequest, OrgProfilePatchRequest, RegisterOrganization, RegisterRequest, Role,
};
use domain::bid::{BidInput, Receipt};
use domain::evaluation::ScoreLine;
use domain::scenario::{CriterionInput, ScenarioInput, ScenarioPatch, Warning};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /auth/register`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = RegisterRequest)]
pub struct RegisterIn {
    /// At most 254 characters, one `@`, a dot in the domain part.
    #[serde(default)]
    #[schema(required = true, min_length = 5, max_length = 254)]
    pub email: String,
    /// 10 to 128 characters, with a letter and something that is not a letter.
    #[serde(default)]
    #[schema(required = true, min_length = 10, max_length = 128)]
    pub password: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub display_name: String,
    /// `agency` or `vendor`.
    #[serde(default)]
    #[schema(required = true, pattern = "^(agency|vendor)$")]
    pub role: String,
    #[serde(default)]
    #[schema(required = true)]
    pub organization: RegisterOrganizationIn,
    /// `zh-CN` (default) or `en`.
    #[serde(default)]
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = RegisterOrganization)]
pub struct RegisterOrganizationIn {
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub name: String,
    /// The unified social credit code (18 characters), optional.
    #[serde(default)]
    pub credit_code: Option<String>,
    /// What a vendor delivers (`ai_software`, `data_service`, `hardware`, `integration`,
    /// `engineering_works`, `content_training`, `consulting`, `other`); an agency states none.
    #[serde(default)]
    pub offer_kinds: Option<Vec<String>>,
}

impl From<RegisterIn> for RegisterRequest {
    fn from(r: RegisterIn) -> Self {
        RegisterRequest {
            email: r.email,
            password: r.password,
            display_name: r.display_name,
            role: Role::parse(&r.role).ok(),
            organization: RegisterOrganization {
                name: r.organization.name,
                credit_code: r.organization.credit_code,
                offer_kinds: r.organization.offer_kinds,
            },
            locale: r.locale,
        }
    }
}

/// `POST /admin/users`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = CreateUserRequest)]
pub struct CreateUserIn {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    /// `evaluator` or `admin`.
    #[serde(default)]
    pub role: String,
    /// Domains of expertise (required for an evaluator).
    #[serde(default)]
    pub expertise: Vec<String>,
    #[serde(default)]
    pub locale: Option<String>,
}

impl From<CreateUserIn> for CreateUserRequest {
    fn from(r: CreateUserIn) -> Self {
        CreateUserRequest {
            email: r.email,
            password: r.password,
            display_name: r.display_name,
            role: Role::parse(&r.role).ok(),
            expertise: r.expertise,
            locale: r.locale,
        }
    }
}

/// Contact details of an organization; each part optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(as = Contact)]
pub struct ContactIn {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl From<ContactIn> for Contact {
    fn from(c: ContactIn) -> Self {
        Contact {
            name: c.name,
            phone: c.phone,
            email: c.email,
        }
    }
}

/// `PATCH /organizations/{id}`: absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = OrgProfilePatchRequest)]
pub struct OrgProfilePatchIn {
    pub description: Option<String>,
    pub capabilities: Option<Vec<String>>,
    /// What the vendor delivers: `ai_software`, `data_service`, `hardware`, `integration`,
    /// `engineering_works`, `content_training`, `consulting`, `other`.
    pub offer_kinds: Option<Vec<String>>,
    /// Willing to bid in a consortium (联合体) with other vendors.
    pub open_to_teaming: Option<bool>,
    pub contact: Option<ContactIn>,
}

impl From<OrgProfilePatchIn> for OrgProfilePatchRequest {
    fn from(r: OrgProfilePatchIn) -> Self {
        OrgProfilePatchRequest {
            description: r.description,
            capabilities: r.capabilities,
            offer_kinds: r.offer_kinds,
            open_to_teaming: r.open_to_teaming,
            contact: r.contact.map(Contact::from),
        }
    }
}

/// An evaluation criterion of a scenario.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = CriterionInput)]
pub struct CriterionIn {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub description: String,
}

impl From<CriterionIn> for CriterionInput {
    fn from(c: CriterionIn) -> Self {
        CriterionInput {
            name: c.name,
            weight: c.weight,
            description: c.description,
        }
    }
}

/// `POST /scenarios`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = ScenarioInput)]
pub struct ScenarioIn {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: String,
    /// One of the sectors (`city_governance`, `government_services`, …).
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    /// RFC 3339.
    #[serde(default)]
    pub bid_deadline: String,
    pub price_weight: Option<i64>,
    #[serde(default)]
    pub procurement_type: String,
    #[serde(default)]
    pub criteria: Vec<CriterionIn>,
}

impl From<ScenarioIn> for ScenarioInput {
    fn from(r: ScenarioIn) -> Self {
        ScenarioInput {
            title: r.title,
            summary: r.summary,
            description: r.description,
            domain: r.domain,
            tags: r.tags,
            budget_min_fen: r.budget_min_fen,
            budget_max_fen: r.budget_max_fen,
            bid_deadline: r.bid_deadline,
            price_weight: r.price_weight,
            procurement_type: r.procurement_type,
            criteria: r.criteria.into_iter().map(CriterionInput::from).collect(),
        }
    }
}

/// `PATCH /scenarios/{id}`: absent fields stay. Substantive fields change only in draft; tags
/// may change while published too.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = ScenarioPatch)]
pub struct ScenarioPatchIn {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub domain: Option<String>,
    pub tags: Option<Vec<String>>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub bid_deadline: Option<String>,
    pub price_weight: Option<i64>,
    pub procurement_type: Option<String>,
    pub criteria: Option<Vec<CriterionIn>>,
}

impl From<ScenarioPatchIn> for ScenarioPatch {
    fn from(r: ScenarioPatchIn) -> Self {
        ScenarioPatch {
            title: r.title,
            summary: r.summary,
            description: r.description,
            domain: r.domain,
            tags: r.tags,
            budget_min_fen: r.budget_min_fen,
            budget_max_fen: r.budget_max_fen,
            bid_deadline: r.bid_deadline,
            price_weight: r.price_weight,
            procurement_type: r.procurement_type,
            criteria: r
                .criteria
                .map(|c| c.into_iter().map(CriterionInput::from).collect()),
        }
    }
}

/// `POST /scenarios/{id}/bids`, `PUT /bids/{id}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = BidInput)]
pub struct BidIn {
    pub price_fen: Option<i64>,
    pub delivery_days: Option<i64>,
    #[serde(default)]
    pub technical_proposal: String,
    #[serde(default)]
    pub team: String,
    /// On submission only: the agreed consortium (联合体) the caller leads and bids for.
    /// A revision keeps the bid's consortium.
    #[serde(default)]
    pub consortium_id: Option<i64>,
}

impl From<BidIn> for BidInput {
    fn from(r: BidIn) -> Self {
        BidInput {
            price_fen: r.price_fen,
            delivery_days: r.delivery_days,
            technical_proposal: r.technical_proposal,
            team: r.team,
            consortium_id: r.consortium_id,
        }
    }
}

/// One line of a score sheet.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = ScoreLine)]
pub struct ScoreLineIn {
    pub criterion_id: i64,
    pub score: Option<i64>,
    #[serde(default)]
    pub comment: String,
}

impl From<ScoreLineIn> for ScoreLine {
    fn from(l: ScoreLineIn) -> Self {
        ScoreLine {
            criterion_id: l.criterion_id,
            score: l.score,
            comment: l.comment,
        }
    }
}

/// What a vendor keeps to prove what it submitted.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Receipt)]
pub struct ReceiptBody {
    pub bid_id: i64,
    pub version: i32,
    /// The server's time of the submission.
    pub server_time: DateTime<Utc>,
    /// SHA-256 (hex) of the canonical content: the fields, the attachment hashes and the salt.
    pub content_sha256: String,
    /// The version's salt, which the bidder needs to recompute the hash; absent for anyone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

impl From<Receipt> for ReceiptBody {
    fn from(r: Receipt) -> Self {
        ReceiptBody {
            bid_id: r.bid_id,
            version: r.version,
            server_time: r.server_time,
            content_sha256: r.content_sha256,
            salt: r.salt,
        }
    }
}

/// A compliance hint: formal procurement would not allow this, but lighter procedures may.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Warning)]
pub struct WarningOut {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl From<Warning> for WarningOut {
    fn from(w: Warning) -> Self {
        WarningOut {
            code: w.code,
            zh: w.zh,
            en: w.en,
        }
    }
}

/// The warnings of an answer.
pub fn warnings(ws: Vec<Warning>) -> Vec<WarningOut> {
    ws.into_iter().map(WarningOut::from).collect()
}
