//! Consortia (联合体) and their members.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::{ConsortiumId, OrganizationId};
use crate::scenario::ScenarioId;
use crate::team::consortium::{Consortium, Membership, Status};

/// What may be read of consortia inside any transaction.
pub trait ConsortiumReads {
    fn consortium(&mut self, id: ConsortiumId) -> Result<Option<Consortium>>;
    /// The consortia a vendor leads, belongs to or was invited to, newest first.
    fn consortia_of_vendor(&mut self, vendor: OrganizationId) -> Result<Vec<Consortium>>;
    /// The consortia of a scenario, oldest first.
    fn consortia_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Consortium>>;
}

/// Writes of consortia; every write that depends on a state is one conditional update.
pub trait ConsortiumRepo: ConsortiumReads {
    /// Writes a new consortium with its lead as an accepted member. A vendor that is already
    /// an accepted member of a consortium of the scenario is refused by the database
    /// (`duplicate`).
    fn insert_consortium(&mut self, c: &Consortium) -> Result<()>;
    /// Adds an invitation; the same vendor twice is refused (`duplicate`).
    fn insert_membership(
        &mut self,
        c: ConsortiumId,
        scenario: ScenarioId,
        m: &Membership,
    ) -> Result<()>;
    /// Answers an open invitation, unless answered; accepting while an accepted member of
    /// another consortium of the scenario is refused by the database (`duplicate`).
    fn answer_membership(
        &mut self,
        c: ConsortiumId,
        vendor: OrganizationId,
        accepted: bool,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Writes the agreement's shares; every member's confirmation is cleared.
    fn set_shares(&mut self, c: ConsortiumId, shares: &[(OrganizationId, u8)]) -> Result<()>;
    /// A member confirms the agreement, unless it has.
    fn confirm_membership(&mut self, c: ConsortiumId, vendor: OrganizationId) -> Result<bool>;
    fn set_consortium_status(
        &mut self,
        c: ConsortiumId,
        status: Status,
        at: DateTime<Utc>,
    ) -> Result<()>;
}
