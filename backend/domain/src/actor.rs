//! The signed-in user a service acts for.

use crate::account::Role;
use crate::ids::{OrganizationId, UserId};

/// The signed-in user, as a request presents it (role and organization as stored now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
}
