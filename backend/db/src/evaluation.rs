//! Panels, scores, dissents and ratings.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::bid::BidId;
use domain::error::{Error, Result};
use domain::evaluation::{Dissent, LowPriceCheck, PanelMember, Rating, StoredScore};
use domain::ids::{OrganizationId, PanelMemberId, RatingId, UserId};
use domain::ports::{EvaluationReads, EvaluationRepo, PanelDraw};
use domain::scenario::{CriterionId, ScenarioId};

use crate::contract_schema::consortium_members;
use crate::schema::{
    award_notices, bids, dissents, low_price_checks, panel_draws, panel_members, ratings, scores,
};
use crate::time::{from_db, opt_from_db, to_db};
use crate::{AnyConnection, db_err};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = panel_members)]
#[diesel(treat_none_as_null = true)]
struct MemberRow {
    id: i64,
    scenario_id: i64,
    evaluator_id: i64,
    added_at: chrono::NaiveDateTime,
    declared_at: Option<chrono::NaiveDateTime>,
    has_conflict: Option<bool>,
    declaration_note: String,
    removed_at: Option<chrono::NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = scores)]
struct ScoreRow {
    id: i64,
    scenario_id: i64,
    bid_id: i64,
    evaluator_id: i64,
    criterion_id: i64,
    score: i32,
    comment: String,
    updated_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = ratings)]
struct RatingRow {
    id: i64,
    scenario_id: i64,
    vendor_org_id: i64,
    rated_by: i64,
    quality: i32,
    timeliness: i32,
    communication: i32,
    comment: String,
    created_at: chrono::NaiveDateTime,
    reply: Option<String>,
    replied_at: Option<chrono::NaiveDateTime>,
}

impl RatingRow {
    fn into_domain(self) -> Rating {
        Rating {
            id: RatingId(self.id),
            scenario: ScenarioId(self.scenario_id),
            vendor: OrganizationId(self.vendor_org_id),
            rated_by: UserId(self.rated_by),
            quality: self.quality,
            timeliness: self.timeliness,
            communication: self.communication,
            comment: self.comment,
            created_at: from_db(self.created_at),
            reply: self.reply,
            replied_at: opt_from_db(self.replied_at),
        }
    }
}

fn member(r: MemberRow) -> PanelMember {
    PanelMember {
        id: PanelMemberId(r.id),
        evaluator: UserId(r.evaluator_id),
        added_at: from_db(r.added_at),
        declared_at: opt_from_db(r.declared_at),
        has_conflict: r.has_conflict,
        note: r.declaration_note,
        removed_at: opt_from_db(r.removed_at),
    }
}

impl EvaluationReads for AnyConnection {
    fn panels_of_evaluator(&mut self, evaluator: UserId) -> Result<Vec<(ScenarioId, PanelMember)>> {
        let rows: Vec<MemberRow> = panel_members::table
            .filter(panel_members::evaluator_id.eq(evaluator.0))
            .order(panel_members::added_at.desc())
            .select(MemberRow::as_select())
            .load(self)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| (ScenarioId(r.scenario_id), member(r)))
            .collect())
    }

    fn panel_members(&mut self, scenario: ScenarioId) -> Result<Vec<PanelMember>> {
        let rows: Vec<MemberRow> = on_conn!(self, |c| panel_members::table
            .filter(panel_members::scenario_id.eq(scenario.0))
            .order((panel_members::added_at.asc(), panel_members::id.asc()))
            .select(MemberRow::as_select())
            .load(c))
        .map_err(db_err)?;
        Ok(rows.into_iter().map(member).collect())
    }

    fn scores(&mut self, scenario: ScenarioId) -> Result<Vec<StoredScore>> {
        let rows: Vec<ScoreRow> = scores::table
            .filter(scores::scenario_id.eq(scenario.0))
            .order(scores::id.asc())
            .select(ScoreRow::as_select())
            .load(self)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| StoredScore {
                evaluator: UserId(r.evaluator_id),
                bid: BidId(r.bid_id),
                criterion: CriterionId(r.criterion_id),
                score: r.score,
                comment: r.comment,
                updated_at: from_db(r.updated_at),
            })
            .collect())
    }

    fn dissents(&mut self, scenario: ScenarioId) -> Result<Vec<Dissent>> {
        let rows: Vec<(i64, i64, String, chrono::NaiveDateTime)> = dissents::table
            .filter(dissents::scenario_id.eq(scenario.0))
            .order(dissents::created_at.asc())
            .select((
                dissents::id,
                dissents::evaluator_id,
                dissents::body,
                dissents::created_at,
            ))
            .load(self)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, e, body, at)| Dissent {
                id,
                evaluator: UserId(e),
                body,
                created_at: from_db(at),
            })
            .collect())
    }

    fn rating_of_scenario(&mut self, scenario: ScenarioId) -> Result<Option<Rating>> {
        let row: Option<RatingRow> = ratings::table
            .filter(ratings::scenario_id.eq(scenario.0))
            .select(RatingRow::as_select())
            .first(self)
            .optional()
            .map_err(db_err)?;
        Ok(row.map(RatingRow::into_domain))
    }

    fn low_price_checks(&mut self, scenario: ScenarioId) -> Result<Vec<LowPriceCheck>> {
        let rows: Vec<(i64, i64, String, i64, chrono::NaiveDateTime)> = low_price_checks::table
            .filter(low_price_checks::scenario_id.eq(scenario.0))
            .select((
                low_price_checks::bid_id,
                low_price_checks::scenario_id,
                low_price_checks::note,
                low_price_checks::recorded_by,
                low_price_checks::recorded_at,
            ))
            .order(low_price_checks::recorded_at.asc())
            .load(self)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| LowPriceCheck {
                bid: BidId(r.0),
                scenario: ScenarioId(r.1),
                note: r.2,
                recorded_by: UserId(r.3),
                recorded_at: from_db(r.4),
            })
            .collect())
    }

    fn rating(&mut self, id: RatingId) -> Result<Option<Rating>> {
        let row: Option<RatingRow> = ratings::table
            .find(id.0)
            .select(RatingRow::as_select())
            .first(self)
            .optional()
            .map_err(db_err)?;
        Ok(row.map(RatingRow::into_domain))
    }

    fn panel_draws(&mut self, scenario: ScenarioId) -> Result<Vec<PanelDraw>> {
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            String,
            chrono::NaiveDateTime,
        );
        let rows: Vec<Row> = panel_draws::table
            .filter(panel_draws::scenario_id.eq(scenario.0))
            .order((panel_draws::at.asc(), panel_draws::id.asc()))
            .select((
                panel_draws::id,
                panel_draws::drawn_by,
                panel_draws::seed,
                panel_draws::pool,
                panel_draws::drawn,
                panel_draws::reason,
                panel_draws::at,
            ))
            .load(self)
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, by, seed, pool, drawn, reason, at)| {
                Ok(PanelDraw {
                    id,
                    drawn_by: UserId(by),
                    seed,
                    pool: serde_json::from_str(&pool).map_err(Error::internal)?,
                    drawn: serde_json::from_str(&drawn).map_err(Error::internal)?,
                    reason,
                    at: from_db(at),
                })
            })
            .collect()
    }

    fn award_notice(&mut self, scenario: ScenarioId) -> Result<Option<String>> {
        award_notices::table
            .find(scenario.0)
            .select(award_notices::body)
            .first(self)
            .optional()
            .map_err(db_err)
    }

    fn award_notices(&mut self, offset: i64, limit: i64) -> Result<(Vec<String>, i64)> {
        let total: i64 = award_notices::table
            .count()
            .get_result(self)
            .map_err(db_err)?;
        let items = award_notices::table
            .order((
                award_notices::awarded_at.desc(),
                award_notices::scenario_id.desc(),
            ))
            .select(award_notices::body)
            .offset(offset)
            .limit(limit)
            .load(self)
            .map_err(db_err)?;
        Ok((items, total))
    }

    fn ratings_of_vendor(&mut self, vendor: OrganizationId) -> Result<Vec<Rating>> {
        // A consortium's rating is given to its lead and reaches every member: the scenarios
        // where the vendor is a member of a consortium that bid, with that bid's lead.
        let teams: Vec<i64> = consortium_members::table
            .filter(consortium_members::vendor_org_id.eq(vendor.0))
            .filter(consortium_members::status.eq("accepted"))
            .select(consortium_members::consortium_id)
            .load(self)
            .map_err(db_err)?;
        let led: Vec<(i64, i64)> = if teams.is_empty() {
            vec![]
        } else {
            bids::table
                .filter(bids::consortium_id.eq_any(&teams))
                .filter(bids::vendor_org_id.ne(vendor.0))
                .select((bids::scenario_id, bids::vendor_org_id))
                .load(self)
                .map_err(db_err)?
        };
        let scenarios: Vec<i64> = led.iter().map(|(s, _)| *s).collect();
        let rows: Vec<RatingRow> = ratings::table
            .filter(
                ratings::vendor_org_id
                    .eq(vendor.0)
                    .or(ratings::scenario_id.eq_any(&scenarios)),
            )
            .order(ratings::created_at.desc())
            .select(RatingRow::as_select())
            .load(self)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter(|r| {
                r.vendor_org_id == vendor.0 || led.contains(&(r.scenario_id, r.vendor_org_id))
            })
            .map(RatingRow::into_domain)
            .collect())
    }
}

impl EvaluationRepo for AnyConnection {
    fn save_panel_member(&mut self, scenario: ScenarioId, m: &PanelMember) -> Result<()> {
        let row = MemberRow {
            id: m.id.0,
            scenario_id: scenario.0,
            evaluator_id: m.evaluator.0,
            added_at: to_db(m.added_at),
            declared_at: m.declared_at.map(to_db),
            has_conflict: m.has_conflict,
            declaration_note: m.note.clone(),
            removed_at: m.removed_at.map(to_db),
        };
        let updated = diesel::update(panel_members::table.find(m.id.0))
            .set(&row)
            .execute(self)
            .map_err(db_err)?;
        if updated == 0 {
            diesel::insert_into(panel_members::table)
                .values(&row)
                .execute(self)
                .map_err(db_err)?;
        }
        Ok(())
    }

    fn save_score(&mut self, id: i64, scenario: ScenarioId, s: &StoredScore) -> Result<()> {
        diesel::delete(
            scores::table
                .filter(scores::bid_id.eq(s.bid.0))
                .filter(scores::evaluator_id.eq(s.evaluator.0))
                .filter(scores::criterion_id.eq(s.criterion.0)),
        )
        .execute(self)
        .map_err(db_err)?;
        diesel::insert_into(scores::table)
            .values(ScoreRow {
                id,
                scenario_id: scenario.0,
                bid_id: s.bid.0,
                evaluator_id: s.evaluator.0,
                criterion_id: s.criterion.0,
                score: s.score,
                comment: s.comment.clone(),
                updated_at: to_db(s.updated_at),
            })
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_dissent(&mut self, scenario: ScenarioId, d: &Dissent) -> Result<()> {
        diesel::insert_into(dissents::table)
            .values((
                dissents::id.eq(d.id),
                dissents::scenario_id.eq(scenario.0),
                dissents::evaluator_id.eq(d.evaluator.0),
                dissents::body.eq(&d.body),
                dissents::created_at.eq(to_db(d.created_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_low_price_check(&mut self, c: &LowPriceCheck) -> Result<()> {
        diesel::insert_into(low_price_checks::table)
            .values((
                low_price_checks::bid_id.eq(c.bid.0),
                low_price_checks::scenario_id.eq(c.scenario.0),
                low_price_checks::note.eq(&c.note),
                low_price_checks::recorded_by.eq(c.recorded_by.0),
                low_price_checks::recorded_at.eq(to_db(c.recorded_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_rating(&mut self, r: &Rating) -> Result<()> {
        diesel::insert_into(ratings::table)
            .values(RatingRow {
                id: r.id.0,
                scenario_id: r.scenario.0,
                vendor_org_id: r.vendor.0,
                rated_by: r.rated_by.0,
                quality: r.quality,
                timeliness: r.timeliness,
                communication: r.communication,
                comment: r.comment.clone(),
                created_at: to_db(r.created_at),
                reply: r.reply.clone(),
                replied_at: r.replied_at.map(to_db),
            })
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn save_reply(&mut self, id: RatingId, body: &str, at: DateTime<Utc>) -> Result<bool> {
        let n = diesel::update(ratings::table.find(id.0).filter(ratings::reply.is_null()))
            .set((
                ratings::reply.eq(Some(body)),
                ratings::replied_at.eq(Some(to_db(at))),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(n == 1)
    }

    fn insert_panel_draw(&mut self, scenario: ScenarioId, d: &PanelDraw) -> Result<()> {
        let ids = |v: &[UserId]| serde_json::to_string(v).map_err(Error::internal);
        diesel::insert_into(panel_draws::table)
            .values((
                panel_draws::id.eq(d.id),
                panel_draws::scenario_id.eq(scenario.0),
                panel_draws::drawn_by.eq(d.drawn_by.0),
                panel_draws::seed.eq(&d.seed),
                panel_draws::pool.eq(ids(&d.pool)?),
                panel_draws::drawn.eq(ids(&d.drawn)?),
                panel_draws::reason.eq(&d.reason),
                panel_draws::at.eq(to_db(d.at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn delete_award_notice(&mut self, scenario: ScenarioId) -> Result<()> {
        diesel::delete(award_notices::table.find(scenario.0))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_award_notice(
        &mut self,
        scenario: ScenarioId,
        awarded_at: DateTime<Utc>,
        body: &str,
    ) -> Result<()> {
        diesel::insert_into(award_notices::table)
            .values((
                award_notices::scenario_id.eq(scenario.0),
                award_notices::awarded_at.eq(to_db(awarded_at)),
                award_notices::body.eq(body),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}
