//! Consortia and their members.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::error::{Error, Result};
use domain::ids::{ConsortiumId, OrganizationId, UserId};
use domain::ports::{ConsortiumReads, ConsortiumRepo};
use domain::scenario::ScenarioId;
use domain::team::consortium::{Consortium, MemberStatus, Membership, Status};

use crate::contract_schema::{consortia as kc, consortium_members as km};
use crate::time::{from_db, opt_from_db, to_db};
use crate::{AnyConnection, db_err};

type Row = (i64, i64, i64, String, String, i64, NaiveDateTime);
type MemberRow = (
    i64,
    i64,
    String,
    Option<i32>,
    bool,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

macro_rules! columns {
    () => {
        (
            kc::id,
            kc::scenario_id,
            kc::lead_org_id,
            kc::name,
            kc::status,
            kc::created_by,
            kc::created_at,
        )
    };
}

/// The consortia of `rows` with their members (one query for all).
fn whole(c: &mut AnyConnection, rows: Vec<Row>) -> Result<Vec<Consortium>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let members: Vec<MemberRow> = load_in!(c, km::consortium_id, &ids, |among| km::table
        .filter(among)
        .order((km::consortium_id, km::position))
        .select((
            km::consortium_id,
            km::vendor_org_id,
            km::status,
            km::share_pct,
            km::confirmed,
            km::message,
            km::invited_at,
            km::answered_at,
        )))
    .map_err(db_err)?;
    rows.into_iter()
        .map(|r| {
            let members = members
                .iter()
                .filter(|m| m.0 == r.0)
                .map(|m| {
                    Ok(Membership {
                        vendor: OrganizationId(m.1),
                        status: MemberStatus::parse(&m.2)
                            .ok_or_else(|| Error::internal("a stored member status"))?,
                        share_pct: m.3.map(u8::try_from).transpose().map_err(Error::internal)?,
                        confirmed: m.4,
                        message: m.5.clone(),
                        invited_at: from_db(m.6),
                        answered_at: opt_from_db(m.7),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Consortium {
                id: ConsortiumId(r.0),
                scenario: ScenarioId(r.1),
                lead: OrganizationId(r.2),
                name: r.3,
                status: Status::parse(&r.4)
                    .ok_or_else(|| Error::internal("a stored consortium status"))?,
                created_by: UserId(r.5),
                created_at: from_db(r.6),
                members,
            })
        })
        .collect()
}

impl ConsortiumReads for AnyConnection {
    fn consortium(&mut self, id: ConsortiumId) -> Result<Option<Consortium>> {
        let rows: Vec<Row> = kc::table
            .filter(kc::id.eq(id.0))
            .select(columns!())
            .load(self)
            .map_err(db_err)?;
        Ok(whole(self, rows)?.pop())
    }

    fn consortia_of_vendor(&mut self, vendor: OrganizationId) -> Result<Vec<Consortium>> {
        let ids: Vec<i64> = km::table
            .filter(km::vendor_org_id.eq(vendor.0))
            .select(km::consortium_id)
            .load(self)
            .map_err(db_err)?;
        let rows: Vec<Row> = kc::table
            .filter(kc::id.eq_any(ids))
            .order((kc::created_at.desc(), kc::id.desc()))
            .select(columns!())
            .load(self)
            .map_err(db_err)?;
        whole(self, rows)
    }

    fn consortia_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Consortium>> {
        let rows: Vec<Row> = on_conn!(self, |c| kc::table
            .filter(kc::scenario_id.eq(scenario.0))
            .order((kc::created_at, kc::id))
            .select(columns!())
            .load(c))
        .map_err(db_err)?;
        whole(self, rows)
    }
}

impl ConsortiumRepo for AnyConnection {
    fn insert_consortium(&mut self, c: &Consortium) -> Result<()> {
        diesel::insert_into(kc::table)
            .values((
                kc::id.eq(c.id.0),
                kc::scenario_id.eq(c.scenario.0),
                kc::lead_org_id.eq(c.lead.0),
                kc::name.eq(&c.name),
                kc::status.eq(c.status.code()),
                kc::created_by.eq(c.created_by.0),
                kc::created_at.eq(to_db(c.created_at)),
                kc::updated_at.eq(to_db(c.created_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        for m in &c.members {
            self.insert_membership(c.id, c.scenario, m)?;
        }
        Ok(())
    }

    fn insert_membership(
        &mut self,
        c: ConsortiumId,
        scenario: ScenarioId,
        m: &Membership,
    ) -> Result<()> {
        let position: i64 = km::table
            .filter(km::consortium_id.eq(c.0))
            .count()
            .get_result(self)
            .map_err(db_err)?;
        diesel::insert_into(km::table)
            .values((
                km::consortium_id.eq(c.0),
                km::scenario_id.eq(scenario.0),
                km::vendor_org_id.eq(m.vendor.0),
                km::position.eq(i32::try_from(position).map_err(Error::internal)?),
                km::status.eq(m.status.code()),
                km::share_pct.eq(m.share_pct.map(i32::from)),
                km::confirmed.eq(m.confirmed),
                km::message.eq(&m.message),
                km::invited_at.eq(to_db(m.invited_at)),
                km::answered_at.eq(m.answered_at.map(to_db)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn answer_membership(
        &mut self,
        c: ConsortiumId,
        vendor: OrganizationId,
        accepted: bool,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let status = if accepted {
            MemberStatus::Accepted
        } else {
            MemberStatus::Declined
        };
        let n = diesel::update(
            km::table
                .filter(km::consortium_id.eq(c.0))
                .filter(km::vendor_org_id.eq(vendor.0))
                .filter(km::status.eq(MemberStatus::Invited.code())),
        )
        .set((km::status.eq(status.code()), km::answered_at.eq(to_db(at))))
        .execute(self)
        .map_err(db_err)?;
        Ok(n == 1)
    }

    fn set_shares(&mut self, c: ConsortiumId, shares: &[(OrganizationId, u8)]) -> Result<()> {
        diesel::update(km::table.filter(km::consortium_id.eq(c.0)))
            .set((km::share_pct.eq(None::<i32>), km::confirmed.eq(false)))
            .execute(self)
            .map_err(db_err)?;
        for (v, pct) in shares {
            diesel::update(
                km::table
                    .filter(km::consortium_id.eq(c.0))
                    .filter(km::vendor_org_id.eq(v.0)),
            )
            .set(km::share_pct.eq(i32::from(*pct)))
            .execute(self)
            .map_err(db_err)?;
        }
        Ok(())
    }

    fn confirm_membership(&mut self, c: ConsortiumId, vendor: OrganizationId) -> Result<bool> {
        let n = diesel::update(
            km::table
                .filter(km::consortium_id.eq(c.0))
                .filter(km::vendor_org_id.eq(vendor.0))
                .filter(km::confirmed.eq(false))
                .filter(km::share_pct.is_not_null()),
        )
        .set(km::confirmed.eq(true))
        .execute(self)
        .map_err(db_err)?;
        Ok(n == 1)
    }

    fn set_consortium_status(
        &mut self,
        c: ConsortiumId,
        status: Status,
        at: DateTime<Utc>,
    ) -> Result<()> {
        diesel::update(kc::table.find(c.0))
            .set((kc::status.eq(status.code()), kc::updated_at.eq(to_db(at))))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}
