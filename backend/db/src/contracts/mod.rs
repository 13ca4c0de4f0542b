//! Contracts, their milestones, submissions, reviews, amendments, payments and files.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use domain::contract::{
    Amendment, Contract, ContractFile, MilestoneStatus, Payment, Review, Submission,
};
use domain::error::{Error, Result};
use domain::ids::{AmendmentId, ChallengeId, ContractId, MilestoneId, OrganizationId, UserId};
use domain::ports::{ContractReads, ContractRepo};
use domain::scenario::ScenarioId;

use crate::contract_schema::{
    contract_amendments as am, contract_files as cf, contract_payments as cp, contracts as ct,
    milestone_submissions as ms, milestones as mi,
};
use crate::time::to_db;
use crate::{AnyConnection, db_err};

/// The columns of a contract row, in [`rows::ContractRow`]'s order.
macro_rules! contract_columns {
    () => {
        (
            ct::id,
            ct::scenario_id,
            ct::award_bid_id,
            ct::vendor_org_id,
            ct::buyer_org_id,
            ct::value_fen,
            ct::signed_on,
            ct::term_days,
            ct::implicit,
            ct::recorded_by,
            ct::recorded_at,
            ct::confirmed_by,
            ct::confirmed_at,
            ct::voided_at,
            ct::void_challenge_id,
        )
    };
}

mod rows;

use rows::{ContractRow, day_text, whole};

impl ContractReads for AnyConnection {
    fn contract(&mut self, id: ContractId) -> Result<Option<Contract>> {
        let rows: Vec<ContractRow> = ct::table
            .filter(ct::id.eq(id.0))
            .select(contract_columns!())
            .load(self)
            .map_err(db_err)?;
        Ok(whole(self, rows)?.pop())
    }

    fn contracts_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Contract>> {
        let rows: Vec<ContractRow> = ct::table
            .filter(ct::scenario_id.eq(scenario.0))
            .order((ct::recorded_at, ct::id))
            .select(contract_columns!())
            .load(self)
            .map_err(db_err)?;
        whole(self, rows)
    }

    fn contract_of_milestone(&mut self, milestone: MilestoneId) -> Result<Option<ContractId>> {
        mi::table
            .find(milestone.0)
            .select(mi::contract_id)
            .first(self)
            .optional()
            .map(|o| o.map(ContractId))
            .map_err(db_err)
    }

    fn contract_of_amendment(&mut self, amendment: AmendmentId) -> Result<Option<ContractId>> {
        am::table
            .find(amendment.0)
            .select(am::contract_id)
            .first(self)
            .optional()
            .map(|o| o.map(ContractId))
            .map_err(db_err)
    }

    fn contracts_of_parties(
        &mut self,
        orgs: &[OrganizationId],
        as_buyer: bool,
    ) -> Result<Vec<Contract>> {
        let ids: Vec<i64> = orgs.iter().map(|o| o.0).collect();
        // The same query on the buyer's or the vendor's column.
        macro_rules! of_parties {
            ($conn:expr, $column:expr) => {
                load_in!($conn, $column, &ids, |among| {
                    ct::table
                        .select(contract_columns!())
                        .filter(among)
                        .order((ct::recorded_at, ct::id))
                })
            };
        }
        let rows: Vec<ContractRow> = if as_buyer {
            of_parties!(self, ct::buyer_org_id)
        } else {
            of_parties!(self, ct::vendor_org_id)
        }
        .map_err(db_err)?;
        whole(self, rows)
    }

    fn recorded_contracts(&mut self, agencies: &[OrganizationId]) -> Result<Vec<Contract>> {
        let ids: Vec<i64> = agencies.iter().map(|o| o.0).collect();
        let rows: Vec<ContractRow> = load_in!(self, ct::buyer_org_id, &ids, |among| {
            ct::table
                .select(contract_columns!())
                .filter(among)
                .filter(ct::voided_at.is_null())
                .filter(ct::confirmed_at.is_not_null())
                .order((ct::recorded_at, ct::id))
        })
        .map_err(db_err)?;
        rows::with_parts(self, rows, false)
    }

    fn contract_file_hashes(&mut self) -> Result<Vec<(String, i64)>> {
        cf::table
            .select((cf::sha256, cf::size))
            .distinct()
            .order(cf::sha256.asc())
            .load(self)
            .map_err(db_err)
    }
}

impl ContractRepo for AnyConnection {
    fn insert_contract(&mut self, c: &Contract) -> Result<()> {
        diesel::insert_into(ct::table)
            .values((
                ct::id.eq(c.id.0),
                ct::scenario_id.eq(c.scenario.0),
                ct::award_bid_id.eq(c.award_bid.0),
                ct::vendor_org_id.eq(c.vendor.0),
                ct::buyer_org_id.eq(c.buyer.0),
                ct::value_fen.eq(c.value_fen),
                ct::signed_on.eq(day_text(c.signed_on)),
                ct::term_days.eq(i32::try_from(c.term_days).map_err(Error::internal)?),
                ct::implicit.eq(c.implicit),
                ct::recorded_by.eq(c.recorded_by.0),
                ct::recorded_at.eq(to_db(c.recorded_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        for m in &c.milestones {
            diesel::insert_into(mi::table)
                .values((
                    mi::id.eq(m.id.0),
                    mi::contract_id.eq(c.id.0),
                    mi::position.eq(m.position),
                    mi::title.eq(&m.title),
                    mi::due_on.eq(day_text(m.due_on)),
                    mi::share_pct.eq(i32::from(m.share_pct)),
                    mi::amount_fen.eq(m.amount_fen),
                    mi::status.eq(m.status.code()),
                    mi::voided.eq(false),
                ))
                .execute(self)
                .map_err(db_err)?;
        }
        Ok(())
    }

    fn confirm_contract(&mut self, id: ContractId, by: UserId, at: DateTime<Utc>) -> Result<bool> {
        let n = diesel::update(
            ct::table
                .find(id.0)
                .filter(ct::confirmed_at.is_null())
                .filter(ct::voided_at.is_null()),
        )
        .set((ct::confirmed_by.eq(by.0), ct::confirmed_at.eq(to_db(at))))
        .execute(self)
        .map_err(db_err)?;
        Ok(n == 1)
    }

    fn void_contract(
        &mut self,
        id: ContractId,
        challenge: ChallengeId,
        milestones: &[MilestoneId],
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = diesel::update(ct::table.find(id.0).filter(ct::voided_at.is_null()))
            .set((
                ct::voided_at.eq(to_db(at)),
                ct::void_challenge_id.eq(challenge.0),
            ))
            .execute(self)
            .map_err(db_err)?;
        let ids: Vec<i64> = milestones.iter().map(|m| m.0).collect();
        diesel::update(mi::table.filter(mi::id.eq_any(ids)))
            .set(mi::voided.eq(true))
            .execute(self)
            .map_err(db_err)?;
        Ok(n == 1)
    }

    fn insert_contract_file(&mut self, contract: ContractId, f: &ContractFile) -> Result<()> {
        diesel::insert_into(cf::table)
            .values((
                cf::id.eq(f.file.id),
                cf::contract_id.eq(contract.0),
                cf::submission_id.eq(f.submission.unwrap_or(0)),
                cf::kind.eq(f.kind.code()),
                cf::sha256.eq(&f.file.sha256),
                cf::filename.eq(&f.file.filename),
                cf::size.eq(f.file.size),
                cf::created_at.eq(to_db(f.file.created_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn submit_milestone(&mut self, s: &Submission) -> Result<bool> {
        let n = diesel::update(
            mi::table
                .find(s.milestone.0)
                .filter(mi::status.eq_any(["pending", "returned"]))
                .filter(mi::voided.eq(false)),
        )
        .set(mi::status.eq(MilestoneStatus::Submitted.code()))
        .execute(self)
        .map_err(db_err)?;
        if n != 1 {
            return Ok(false);
        }
        diesel::insert_into(ms::table)
            .values((
                ms::id.eq(s.id),
                ms::milestone_id.eq(s.milestone.0),
                ms::note.eq(&s.note),
                ms::submitted_by.eq(s.by.0),
                ms::submitted_at.eq(to_db(s.at)),
                ms::review_due.eq(to_db(s.review_due)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(true)
    }

    fn review_milestone(
        &mut self,
        milestone: MilestoneId,
        submission: i64,
        r: &Review,
    ) -> Result<bool> {
        let (status, accepted_at) = if r.accepted {
            (MilestoneStatus::Accepted, Some(to_db(r.at)))
        } else {
            (MilestoneStatus::Returned, None)
        };
        let n = diesel::update(
            mi::table
                .find(milestone.0)
                .filter(mi::status.eq(MilestoneStatus::Submitted.code()))
                .filter(mi::voided.eq(false)),
        )
        .set((
            mi::status.eq(status.code()),
            mi::accepted_at.eq(accepted_at),
        ))
        .execute(self)
        .map_err(db_err)?;
        if n != 1 {
            return Ok(false);
        }
        diesel::update(
            ms::table
                .find(submission)
                .filter(ms::milestone_id.eq(milestone.0))
                .filter(ms::reviewed_at.is_null()),
        )
        .set((
            ms::accepted.eq(r.accepted),
            ms::review_text.eq(&r.text),
            ms::reviewed_by.eq(r.by.0),
            ms::reviewed_at.eq(to_db(r.at)),
        ))
        .execute(self)
        .map_err(db_err)
        .and_then(|n| {
            if n == 1 {
                Ok(true)
            } else {
                Err(Error::internal(
                    "a milestone under review has one open submission",
                ))
            }
        })
    }

    fn insert_amendment(&mut self, a: &Amendment) -> Result<()> {
        diesel::insert_into(am::table)
            .values((
                am::id.eq(a.id.0),
                am::contract_id.eq(a.contract.0),
                am::changes.eq(serde_json::to_string(&a.changes).map_err(Error::internal)?),
                am::reason.eq(&a.reason),
                am::proposed_by.eq(a.proposed_by.0),
                am::proposed_org_id.eq(a.proposed_org.0),
                am::proposed_at.eq(to_db(a.proposed_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn answer_amendment(
        &mut self,
        id: AmendmentId,
        outcome: &str,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = diesel::update(am::table.find(id.0).filter(am::outcome.is_null()))
            .set((
                am::outcome.eq(outcome),
                am::answered_by.eq(by.0),
                am::answered_at.eq(to_db(at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(n == 1)
    }

    fn update_milestone_terms(
        &mut self,
        id: MilestoneId,
        due_on: NaiveDate,
        share_pct: u8,
        amount_fen: i64,
    ) -> Result<()> {
        diesel::update(mi::table.find(id.0))
            .set((
                mi::due_on.eq(day_text(due_on)),
                mi::share_pct.eq(i32::from(share_pct)),
                mi::amount_fen.eq(amount_fen),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_payment(&mut self, p: &Payment) -> Result<()> {
        diesel::insert_into(cp::table)
            .values((
                cp::id.eq(p.id.0),
                cp::contract_id.eq(p.contract.0),
                cp::milestone_id.eq(p.milestone.0),
                cp::amount_fen.eq(p.amount_fen),
                cp::paid_on.eq(day_text(p.paid_on)),
                cp::corrects.eq(p.corrects.map(|c| c.0)),
                cp::recorded_by.eq(p.recorded_by.0),
                cp::recorded_at.eq(to_db(p.recorded_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}
