//! Invitations of vendors to bid: one row per (scenario, vendor).

use diesel::prelude::*;
use domain::error::Result;
use domain::ids::{OrganizationId, UserId};
use domain::scenario::ScenarioId;

use crate::time::{from_db, to_db};
use crate::{AnyConnection, db_err};
use domain::invitation::Invitation;
use domain::ports::{InvitationReads, InvitationRepo};

use crate::schema::invitations;

impl InvitationReads for AnyConnection {
    fn invitation(&mut self, id: i64) -> Result<Option<Invitation>> {
        let row: Option<InvitationRow> = invitations::table
            .find(id)
            .select(invitation_columns())
            .first(self)
            .optional()
            .map_err(db_err)?;
        Ok(row.map(invitation_of))
    }

    fn invitations_of_vendor(&mut self, vendor: OrganizationId) -> Result<Vec<Invitation>> {
        let rows: Vec<InvitationRow> = invitations::table
            .filter(invitations::vendor_org_id.eq(vendor.0))
            .select(invitation_columns())
            .order((invitations::created_at.desc(), invitations::id.desc()))
            .load(self)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(invitation_of).collect())
    }

    fn invitations_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Invitation>> {
        let rows: Vec<InvitationRow> = on_conn!(self, |c| invitations::table
            .filter(invitations::scenario_id.eq(scenario.0))
            .select(invitation_columns())
            .order((invitations::created_at.asc(), invitations::id.asc()))
            .load(c))
        .map_err(db_err)?;
        Ok(rows.into_iter().map(invitation_of).collect())
    }
}

impl InvitationRepo for AnyConnection {
    fn insert_invitation(&mut self, i: &Invitation) -> Result<()> {
        diesel::insert_into(invitations::table)
            .values((
                invitations::id.eq(i.id),
                invitations::scenario_id.eq(i.scenario.0),
                invitations::vendor_org_id.eq(i.vendor.0),
                invitations::invited_by.eq(i.invited_by.0),
                invitations::message.eq(&i.message),
                invitations::created_at.eq(to_db(i.created_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}

type InvitationRow = (i64, i64, i64, i64, String, chrono::NaiveDateTime);

fn invitation_columns() -> (
    invitations::id,
    invitations::scenario_id,
    invitations::vendor_org_id,
    invitations::invited_by,
    invitations::message,
    invitations::created_at,
) {
    (
        invitations::id,
        invitations::scenario_id,
        invitations::vendor_org_id,
        invitations::invited_by,
        invitations::message,
        invitations::created_at,
    )
}

fn invitation_of(r: InvitationRow) -> Invitation {
    Invitation {
        id: r.0,
        scenario: ScenarioId(r.1),
        vendor: OrganizationId(r.2),
        invited_by: UserId(r.3),
        message: r.4,
        created_at: from_db(r.5),
    }
}
