//! Invitations of vendors to bid.

use crate::error::Result;
use crate::invitation::Invitation;
use crate::scenario::ScenarioId;

/// The reading side of invitations.
pub trait InvitationReads {
    fn invitation(&mut self, id: i64) -> Result<Option<Invitation>>;
    /// A vendor's invitations, newest first.
    fn invitations_of_vendor(
        &mut self,
        vendor: crate::ids::OrganizationId,
    ) -> Result<Vec<Invitation>>;
    /// A scenario's invitations, oldest first.
    fn invitations_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Invitation>>;
}

pub trait InvitationRepo: InvitationReads {
    /// Writes an invitation; a second one of the same vendor to the same scenario is a
    /// conflict.
    fn insert_invitation(&mut self, i: &Invitation) -> Result<()>;
}
