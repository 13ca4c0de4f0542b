//! Scenarios, criteria, questions and answers.

use std::collections::HashMap;

use diesel::prelude::*;
use domain::bid::BidStatus;
use domain::error::{Error, Result};
use domain::ids::{OrganizationId, UserId};
use domain::ports::{ListedScenario, RowLock, ScenarioFilter, ScenarioReads, ScenarioRepo};
use domain::scenario::{
    Answer, AnswerId, Criterion, CriterionId, Origin, ProcurementType, Question, QuestionId,
    Scenario, ScenarioId, Status,
};
use domain::sector::Sector;

use crate::schema::{
    answers, award_notices, bids, organizations, questions, scenario_criteria, scenarios,
};
use crate::time::{OptStamp, Stamp, from_db, opt_from_db, to_db};
use crate::{AnyConnection, db_err};

/// The scenarios a filter selects (visibility, domain, agency and the status at `f.now`), as a
/// boxed query for the connection it is run on.
macro_rules! filtered {
    ($f:expr) => {{
        let f: &ScenarioFilter = $f;
        let now = to_db(f.now);
        let mut q = scenarios::table.into_boxed();

        q = match f.viewer_org {
            Some(org) => q.filter(
                scenarios::published_at
                    .is_not_null()
                    .or(scenarios::owner_org_id.eq(org.0)),
            ),
            None => q.filter(scenarios::published_at.is_not_null()),
        };
        if let Some(d) = f.domain {
            q = q.filter(scenarios::domain.eq(d.code()));
        }
        if let Some(a) = f.agency {
            q = q.filter(scenarios::owner_org_id.eq(a.0));
        }
        match f.status {
            Some(Status::Published) => {
                q = q.filter(
                    scenarios::status
                        .eq("published")
                        .and(scenarios::bid_deadline.gt(now)),
                );
            }
            Some(Status::Evaluating) => {
                q = q.filter(
                    scenarios::status.eq("evaluating").or(scenarios::status
                        .eq("published")
                        .and(scenarios::bid_deadline.le(now))),
                );
            }
            Some(other) => q = q.filter(scenarios::status.eq(other.code())),
            None => {}
        }
        q
    }};
}

// The scenario list groups a page's bids by scenario and agency.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    scenarios::id,
    organizations::id,
    organizations::name,
);

/// The columns of [`ScenarioRow`] in its order, an empty description in its place (no list
/// shows one, and it is most of a row's text).
macro_rules! brief_columns {
    () => {
        (
            scenarios::id,
            scenarios::owner_org_id,
            scenarios::created_by,
            scenarios::title,
            scenarios::summary,
            "".into_sql::<diesel::sql_types::Text>(),
            scenarios::domain,
            scenarios::tags,
            scenarios::budget_min_fen,
            scenarios::budget_max_fen,
            scenarios::bid_deadline,
            scenarios::price_weight,
            scenarios::procurement_type,
            scenarios::status,
            scenarios::origin,
            scenarios::cancel_reason,
            scenarios::published_at,
            scenarios::created_at,
            scenarios::updated_at,
            scenarios::awarded_bid_id,
            scenarios::awarded_at,
            scenarios::award_justification,
        )
    };
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = scenarios)]
#[diesel(treat_none_as_null = true)]
struct ScenarioRow {
    id: i64,
    owner_org_id: i64,
    created_by: i64,
    title: String,
    summary: String,
    description: String,
    domain: String,
    tags: String,
    budget_min_fen: i64,
    budget_max_fen: i64,
    #[diesel(deserialize_as = Stamp)]
    bid_deadline: chrono::NaiveDateTime,
    price_weight: i32,
    procurement_type: String,
    status: String,
    origin: String,
    cancel_reason: Option<String>,
    #[diesel(deserialize_as = OptStamp)]
    published_at: Option<chrono::NaiveDateTime>,
    #[diesel(deserialize_as = Stamp)]
    created_at: chrono::NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    updated_at: chrono::NaiveDateTime,
    awarded_bid_id: Option<i64>,
    #[diesel(deserialize_as = OptStamp)]
    awarded_at: Option<chrono::NaiveDateTime>,
    award_justification: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = scenario_criteria)]
struct CriterionRow {
    id: i64,
    scenario_id: i64,
    position: i32,
    name: String,
    weight: i32,
    description: String,
}

impl ScenarioRow {
    fn of(s: &Scenario) -> Self {
        ScenarioRow {
            id: s.id.0,
            owner_org_id: s.owner.0,
            created_by: s.created_by.0,
            title: s.title.clone(),
            summary: s.summary.clone(),
            description: s.description.clone(),
            domain: s.domain.code().into(),
            tags: serde_json::to_string(&s.tags).unwrap_or_else(|_| "[]".into()),
            budget_min_fen: s.budget_min_fen,
            budget_max_fen: s.budget_max_fen,
            bid_deadline: to_db(s.bid_deadline),
            price_weight: s.price_weight,
            procurement_type: s.procurement_type.code().into(),
            status: s.status.code().into(),
            origin: s.origin.code().into(),
            cancel_reason: s.cancel_reason.clone(),
            published_at: s.published_at.map(to_db),
            created_at: to_db(s.created_at),
            updated_at: to_db(s.updated_at),
            awarded_bid_id: s.award.as_ref().map(|a| a.bid.0),
            awarded_at: s.award.as_ref().map(|a| to_db(a.at)),
            award_justification: s.award.as_ref().and_then(|a| a.justification.clone()),
        }
    }

    fn into_domain(self, criteria: Vec<Criterion>) -> Result<Scenario> {
        Ok(Scenario {
            id: ScenarioId(self.id),
            owner: OrganizationId(self.owner_org_id),
            created_by: UserId(self.created_by),
            title: self.title,
            summary: self.summary,
            description: self.description,
            domain: Sector::parse(&self.domain).map_err(Error::internal)?,
            tags: serde_json::from_str(&self.tags).map_err(Error::internal)?,
            budget_min_fen: self.budget_min_fen,
            budget_max_fen: self.budget_max_fen,
            bid_deadline: from_db(self.bid_deadline),
            price_weight: self.price_weight,
            procurement_type: ProcurementType::parse(&self.procurement_type)
                .map_err(Error::internal)?,
            criteria,
            status: Status::parse(&self.status).map_err(Error::internal)?,
            origin: Origin::parse(&self.origin).map_err(Error::internal)?,
            cancel_reason: self.cancel_reason,
            published_at: opt_from_db(self.published_at),
            created_at: from_db(self.created_at),
            updated_at: from_db(self.updated_at),
            award: match (self.awarded_bid_id, self.awarded_at) {
                (Some(b), Some(at)) => Some(domain::scenario::Award {
                    bid: domain::bid::BidId(b),
                    at: from_db(at),
                    justification: self.award_justification,
                }),
                _ => None,
            },
        })
    }
}

fn insert_criteria(c: &mut AnyConnection, s: &Scenario) -> Result<()> {
    for (i, k) in s.criteria.iter().enumerate() {
        diesel::insert_into(scenario_criteria::table)
            .values(CriterionRow {
                id: k.id.0,
                scenario_id: s.id.0,
                position: i as i32,
                name: k.name.clone(),
                weight: k.weight,
                description: k.description.clone(),
            })
            .execute(c)
            .map_err(db_err)?;
    }
    Ok(())
}

/// The scenario of a row, with its criteria.
fn with_criteria(c: &mut AnyConnection, r: ScenarioRow) -> Result<Scenario> {
    let mut crit = criteria_of(c, &[r.id])?;
    let criteria = crit.remove(&r.id).unwrap_or_default();
    r.into_domain(criteria)
}

/// Scenario rows with their agency names and active bids, and their criteria if `criteria`
/// (two or three queries in all).
fn listed(
    c: &mut AnyConnection,
    rows: Vec<ScenarioRow>,
    criteria: bool,
) -> Result<Vec<ListedScenario>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut crit = if criteria {
        criteria_of(c, &ids)?
    } else {
        HashMap::new()
    };
    // The agencies' names and the active bids of the whole page, in one query.
    let extra: Vec<(i64, String, i64)> = load_in!(c, scenarios::id, &ids, |among| {
        scenarios::table
            .inner_join(organizations::table)
            .left_join(
                bids::table.on(bids::scenario_id
                    .eq(scenarios::id)
                    .and(bids::status.ne(BidStatus::Withdrawn.code()))),
            )
            .filter(among)
            .group_by((scenarios::id, organizations::id, organizations::name))
            .select((
                scenarios::id,
                organizations::name,
                diesel::dsl::count(bids::id.nullable()),
            ))
    })
    .map_err(db_err)?;
    let mut extra: HashMap<i64, (String, i64)> = extra
        .into_iter()
        .map(|(id, name, n)| (id, (name, n)))
        .collect();
    let items = rows
        .into_iter()
        .map(|r| {
            let criteria = crit.remove(&r.id).unwrap_or_default();
            let (owner_name, active_bids) = extra.remove(&r.id).unwrap_or_default();
            Ok(ListedScenario {
                scenario: r.into_domain(criteria)?,
                owner_name,
                active_bids,
            })
        })
        .collect::<Result<_>>()?;
    Ok(items)
}

/// The criteria of several scenarios, by scenario, in order.
fn criteria_of(c: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<Criterion>>> {
    let rows: Vec<CriterionRow> = load_in!(c, scenario_criteria::scenario_id, ids, |among| {
        scenario_criteria::table
            .filter(among)
            .order((scenario_criteria::scenario_id, scenario_criteria::position))
            .select(CriterionRow::as_select())
    })
    .map_err(db_err)?;
    let mut out: HashMap<i64, Vec<Criterion>> = HashMap::new();
    for r in rows {
        out.entry(r.scenario_id).or_default().push(Criterion {
            id: CriterionId(r.id),
            name: r.name,
            weight: r.weight,
            description: r.description,
        });
    }
    Ok(out)
}

type QuestionRow = (i64, i64, i64, String, chrono::NaiveDateTime);

fn with_answers(c: &mut AnyConnection, rows: Vec<QuestionRow>) -> Result<Vec<Question>> {
    // Most scenarios have no questions: no statement for their answers.
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let answer_rows: Vec<(i64, i64, String, chrono::NaiveDateTime)> =
        load_in!(c, answers::question_id, &ids, |among| {
            answers::table
                .filter(among)
                .order((answers::created_at.asc(), answers::id.asc()))
                .select((
                    answers::id,
                    answers::question_id,
                    answers::body,
                    answers::created_at,
                ))
        })
        .map_err(db_err)?;
    let mut by_question: HashMap<i64, Vec<Answer>> = HashMap::new();
    for (id, q, body, at) in answer_rows {
        by_question.entry(q).or_default().push(Answer {
            id: AnswerId(id),
            body,
            created_at: from_db(at),
        });
    }
    Ok(rows
        .into_iter()
        .map(|(id, scenario, asked_by, body, at)| Question {
            id: QuestionId(id),
            scenario: ScenarioId(scenario),
            asked_by: UserId(asked_by),
            body,
            created_at: from_db(at),
            answers: by_question.remove(&id).unwrap_or_default(),
        })
        .collect())
}

impl ScenarioReads for AnyConnection {
    fn scenario(&mut self, id: ScenarioId) -> Result<Option<Scenario>> {
        let row: Option<ScenarioRow> = on_conn!(self, |c| scenarios::table
            .find(id.0)
            .select(ScenarioRow::as_select())
            .first(c)
            .optional())
        .map_err(db_err)?;
        row.map(|r| with_criteria(self, r)).transpose()
    }

    fn awarded_without_notice(&mut self) -> Result<Vec<Scenario>> {
        let rows: Vec<ScenarioRow> = scenarios::table
            .filter(scenarios::awarded_bid_id.is_not_null())
            .filter(diesel::dsl::not(scenarios::id.eq_any(
                award_notices::table.select(award_notices::scenario_id),
            )))
            .select(ScenarioRow::as_select())
            .load(self)
            .map_err(db_err)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut crit = criteria_of(self, &ids)?;
        rows.into_iter()
            .map(|r| {
                let c = crit.remove(&r.id).unwrap_or_default();
                r.into_domain(c)
            })
            .collect()
    }

    fn awards_in_domain(&mut self, domain: Sector) -> Result<Vec<(ScenarioId, OrganizationId)>> {
        let awarded: Vec<(i64, Option<i64>)> = scenarios::table
            .filter(scenarios::domain.eq(domain.code()))
            .filter(scenarios::awarded_bid_id.is_not_null())
            .select((scenarios::id, scenarios::awarded_bid_id))
            .load(self)
            .map_err(db_err)?;
        let bid_ids: Vec<i64> = awarded.iter().filter_map(|(_, b)| *b).collect();
        let mut winners: HashMap<i64, i64> = HashMap::new();
        for chunk in bid_ids.chunks(1000) {
            let rows: Vec<(i64, i64)> = bids::table
                .filter(bids::id.eq_any(chunk))
                .select((bids::id, bids::vendor_org_id))
                .load(self)
                .map_err(db_err)?;
            winners.extend(rows);
        }
        Ok(awarded
            .into_iter()
            .filter_map(|(s, b)| Some((ScenarioId(s), OrganizationId(*winners.get(&b?)?))))
            .collect())
    }

    fn scenario_version(&mut self) -> Result<i64> {
        on_conn!(self, |c| crate::schema::scenario_version::table
            .find(1)
            .select(crate::schema::scenario_version::n)
            .first(c))
        .map_err(db_err)
    }

    fn next_deadline_after(
        &mut self,
        t: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let next: Option<chrono::NaiveDateTime> = scenarios::table
            .filter(scenarios::status.eq("published"))
            .filter(scenarios::bid_deadline.gt(to_db(t)))
            .select(diesel::dsl::min(scenarios::bid_deadline))
            .first(self)
            .map_err(db_err)?;
        Ok(next.map(from_db))
    }

    fn count_scenarios(&mut self, f: &ScenarioFilter) -> Result<i64> {
        on_conn!(self, |c| filtered!(f).count().get_result(c)).map_err(db_err)
    }

    fn scenario_rows(&mut self, f: &ScenarioFilter) -> Result<Vec<ListedScenario>> {
        let rows: Vec<ScenarioRow> = on_conn!(self, |c| filtered!(f)
            .select(ScenarioRow::as_select())
            .order((scenarios::created_at.desc(), scenarios::id.desc()))
            .offset(f.offset)
            .limit(f.limit)
            .load(c))
        .map_err(db_err)?;
        listed(self, rows, true)
    }

    fn scenario_list_rows(
        &mut self,
        f: &ScenarioFilter,
        criteria: bool,
    ) -> Result<Vec<ListedScenario>> {
        let rows: Vec<ScenarioRow> = on_conn!(self, |c| filtered!(f)
            .select(brief_columns!())
            .order((scenarios::created_at.desc(), scenarios::id.desc()))
            .offset(f.offset)
            .limit(f.limit)
            .load(c))
        .map_err(db_err)?;
        listed(self, rows, criteria)
    }

    fn listed_scenarios(
        &mut self,
        ids: &[ScenarioId],
        description: bool,
    ) -> Result<Vec<ListedScenario>> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let rows: Vec<ScenarioRow> = if description {
            load_in!(self, scenarios::id, &ids, |among| {
                scenarios::table
                    .filter(among)
                    .select(ScenarioRow::as_select())
            })
        } else {
            load_in!(self, scenarios::id, &ids, |among| {
                scenarios::table.filter(among).select(brief_columns!())
            })
        }
        .map_err(db_err)?;
        listed(self, rows, true)
    }

    fn question(&mut self, id: QuestionId) -> Result<Option<Question>> {
        let rows: Vec<QuestionRow> = questions::table
            .filter(questions::id.eq(id.0))
            .select((
                questions::id,
                questions::scenario_id,
                questions::asked_by,
                questions::body,
                questions::created_at,
            ))
            .load(self)
            .map_err(db_err)?;
        Ok(with_answers(self, rows)?.pop())
    }

    fn questions(&mut self, scenario: ScenarioId) -> Result<Vec<Question>> {
        let rows: Vec<QuestionRow> = on_conn!(self, |c| questions::table
            .filter(questions::scenario_id.eq(scenario.0))
            .order((questions::created_at.asc(), questions::id.asc()))
            .select((
                questions::id,
                questions::scenario_id,
                questions::asked_by,
                questions::body,
                questions::created_at,
            ))
            .load(c))
        .map_err(db_err)?;
        with_answers(self, rows)
    }
}

impl ScenarioRepo for AnyConnection {
    fn bump_scenario_version(&mut self) -> Result<()> {
        bump_version(self)
    }

    fn insert_scenario(&mut self, s: &Scenario) -> Result<()> {
        bump_version(self)?;
        diesel::insert_into(scenarios::table)
            .values(ScenarioRow::of(s))
            .execute(self)
            .map_err(db_err)?;
        insert_criteria(self, s)
    }

    fn update_scenario(&mut self, s: &Scenario) -> Result<()> {
        bump_version(self)?;
        diesel::update(scenarios::table.find(s.id.0))
            .set(ScenarioRow::of(s))
            .execute(self)
            .map_err(db_err)?;
        diesel::delete(scenario_criteria::table.filter(scenario_criteria::scenario_id.eq(s.id.0)))
            .execute(self)
            .map_err(db_err)?;
        insert_criteria(self, s)
    }

    fn lock_scenario(&mut self, id: ScenarioId, mode: RowLock) -> Result<Option<Scenario>> {
        let AnyConnection::Postgresql(pg) = self else {
            // SQLite: the write lock is held already.
            return self.scenario(id);
        };
        // A locking read waits for the row's last writer and then reads what it committed;
        // the criteria, read after it, are as that writer left them too.
        let q = scenarios::table.find(id.0).select(ScenarioRow::as_select());
        let row: Option<ScenarioRow> = match mode {
            RowLock::Update => q.for_update().first(pg),
            RowLock::Share => q.for_share().first(pg),
        }
        .optional()
        .map_err(db_err)?;
        row.map(|r| with_criteria(self, r)).transpose()
    }

    fn insert_question(&mut self, q: &Question) -> Result<()> {
        diesel::insert_into(questions::table)
            .values((
                questions::id.eq(q.id.0),
                questions::scenario_id.eq(q.scenario.0),
                questions::asked_by.eq(q.asked_by.0),
                questions::body.eq(&q.body),
                questions::created_at.eq(to_db(q.created_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_answer(&mut self, question: QuestionId, by: UserId, a: &Answer) -> Result<()> {
        diesel::insert_into(answers::table)
            .values((
                answers::id.eq(a.id.0),
                answers::question_id.eq(question.0),
                answers::answered_by.eq(by.0),
                answers::body.eq(&a.body),
                answers::created_at.eq(to_db(a.created_at)),
            ))
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }
}

/// Moves the scenario version (the list's totals are kept per value of it).
fn bump_version(c: &mut AnyConnection) -> Result<()> {
    use crate::schema::scenario_version::dsl as v;
    diesel::update(v::scenario_version.find(1))
        .set(v::n.eq(v::n + 1))
        .execute(c)
        .map_err(db_err)?;
    Ok(())
}
