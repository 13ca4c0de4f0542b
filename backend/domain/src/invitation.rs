//! Invitations: an agency asks a verified vendor to bid on its open scenario. Only the two
//! see an invitation.

use chrono::{DateTime, Utc};

use crate::ids::{OrganizationId, UserId};
use crate::scenario::ScenarioId;

/// An agency's invitation to a vendor to bid on its scenario. Only the two see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub scenario: ScenarioId,
    pub vendor: OrganizationId,
    pub invited_by: UserId,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// The longest invitation message, in characters.
pub const MAX_INVITATION: usize = 1000;
