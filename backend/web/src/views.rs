//! Shapes of domain values that both the JSON API and the pages show (the API documents them;
//! the templates render them), so that neither side imports the other.

use chrono::{DateTime, Utc};
use domain::account::{Contact, Organization, User};
use serde::Serialize;

/// How an organization has been rated (ratings arrive with the evaluation features).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RatingSummary {
    pub count: i64,
    /// The reputation score, absent until the first rating.
    pub average: Option<f64>,
}

/// Contact details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactOut {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// An organization's profile.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationOut {
    pub id: i64,
    /// agency | vendor
    pub kind: String,
    pub name: String,
    pub credit_code: Option<String>,
    pub verified: bool,
    pub opc_member: bool,
    pub description: String,
    pub capabilities: Vec<String>,
    /// What the vendor delivers (codes; empty until stated).
    pub offer_kinds: Vec<String>,
    /// Willing to bid in a consortium (联合体) with other vendors.
    pub open_to_teaming: bool,
    pub contact: ContactOut,
    pub rating_summary: RatingSummary,
    pub created_at: DateTime<Utc>,
}

impl From<&Organization> for OrganizationOut {
    fn from(o: &Organization) -> Self {
        let Contact { name, phone, email } = o.contact.clone();
        OrganizationOut {
            id: o.id.0,
            kind: o.kind.code().into(),
            name: o.name.clone(),
            credit_code: o.credit_code.as_ref().map(|c| c.as_str().to_string()),
            verified: o.verified,
            opc_member: o.opc_member,
            description: o.description.clone(),
            capabilities: o.capabilities.clone(),
            offer_kinds: o.offer_kinds.iter().map(|k| k.code().to_string()).collect(),
            open_to_teaming: o.open_to_teaming,
            contact: ContactOut { name, phone, email },
            rating_summary: RatingSummary {
                count: 0,
                average: None,
            },
            created_at: o.created_at,
        }
    }
}

/// A user as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// admin | agency | vendor | evaluator
    pub role: String,
    pub organization_id: Option<i64>,
    /// Domains of expertise (evaluators).
    pub expertise: Vec<String>,
    pub active: bool,
    pub locale: String,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id.0,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.code().into(),
            organization_id: u.organization_id.map(|o| o.0),
            expertise: u.expertise.iter().map(|s| s.code().to_string()).collect(),
            active: u.active,
            locale: u.locale.code().into(),
            created_at: u.created_at,
        }
    }
}
