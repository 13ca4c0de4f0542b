//! The reads behind the figures, the operators' job view and the audit browser.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::audit::AuditRecord;
use domain::bid::BidStatus;
use domain::error::{Error, Result};
use domain::ids::{OrganizationId, UserId};
use domain::job::JobStatus;
use domain::ports::{AuditFilter, JobCount, JobInfo, ReportReads};
use domain::reports::{AwardFact, Facts, ScenarioFact, Workload};
use domain::scenario::{ScenarioId, Status};
use domain::sector::Sector;

use crate::audit::{AuditRow, record_of};
use crate::contract_schema::consortium_members;
use crate::schema::{audit_log, bids, jobs, panel_members, scenarios, scores, users};
use crate::time::{from_db, opt_from_db, to_db};
use crate::{AnyConnection, db_err};

type JobInfoRow = (
    i64,
    String,
    String,
    i32,
    i32,
    Option<String>,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

/// Whether an audit record is not about a bid, or about a bid that is opened at `now`: the
/// rule of `domain::policy::bid_opened` (the scenario's deadline has come, the bid was not
/// withdrawn and the scenario not cancelled) as one condition the query can page and count
/// with. The CASE makes sure only a bid record's subject is read as a number.
fn bid_opened_or_not_a_bid(
    now: chrono::DateTime<chrono::Utc>,
) -> Box<
    dyn BoxableExpression<audit_log::table, crate::MultiBackend, SqlType = diesel::sql_types::Bool>,
> {
    Box::new(
        diesel::dsl::sql::<diesel::sql_types::Bool>(
            "NOT EXISTS (SELECT 1 FROM bids b JOIN scenarios s ON s.id = b.scenario_id \
         WHERE b.id = CASE WHEN audit_log.subject_type = 'bid' \
         THEN CAST(audit_log.subject_id AS BIGINT) END AND (s.bid_deadline > ",
        )
        .bind::<diesel::sql_types::Timestamp, _>(to_db(now))
        .sql(" OR b.status = 'withdrawn' OR s.status IN ('cancelled', 'draft')))")
        // A consortium's records are sealed with the bids: shown once the deadline passed,
        // and only of a consortium that bid (a withdrawn or abandoned one never).
        .sql(
            " AND NOT EXISTS (SELECT 1 FROM consortia k JOIN scenarios s ON s.id = k.scenario_id \
             WHERE k.id = CASE WHEN audit_log.subject_type = 'consortium' \
             THEN CAST(audit_log.subject_id AS BIGINT) END AND (s.bid_deadline > ",
        )
        .bind::<diesel::sql_types::Timestamp, _>(to_db(now))
        .sql(" OR k.status <> 'bid' OR s.status IN ('cancelled', 'draft')))"),
    )
}

/// Whether a job tells of no private event (`domain::job::Job::kind_tells_of_private_event`):
/// not a reminder of a challenge that is still open, found by its key.
fn not_of_a_private_event()
-> Box<dyn BoxableExpression<jobs::table, crate::MultiBackend, SqlType = diesel::sql_types::Bool>> {
    Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "NOT (jobs.kind = 'remind_challenge' AND EXISTS (SELECT 1 FROM challenges c \
         WHERE c.decision IS NULL \
         AND jobs.dedup_key LIKE '{}' || CAST(c.id AS TEXT) || ':%'))",
        domain::job::CHALLENGE_REMINDER_KEY
    )))
}

impl ReportReads for AnyConnection {
    fn report_facts(&mut self) -> Result<Facts> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            i64,
            String,
            String,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
            Option<i64>,
            Option<chrono::NaiveDateTime>,
        )> = scenarios::table
            .select((
                scenarios::id,
                scenarios::domain,
                scenarios::status,
                scenarios::bid_deadline,
                scenarios::published_at,
                scenarios::awarded_bid_id,
                scenarios::awarded_at,
            ))
            .load(self)
            .map_err(db_err)?;
        let active: Vec<(i64, i64, i64, i64, Option<i64>)> = bids::table
            .filter(bids::status.ne(BidStatus::Withdrawn.code()))
            .select((
                bids::id,
                bids::scenario_id,
                bids::vendor_org_id,
                bids::price_fen,
                bids::consortium_id,
            ))
            .load(self)
            .map_err(db_err)?;
        let parties = self.bid_parties(&active)?;
        let by_id: HashMap<i64, i64> = active.iter().map(|(id, _, _, p, _)| (*id, *p)).collect();
        let mut facts = Facts {
            bids: active
                .iter()
                .flat_map(|(id, s, _, _, _)| parties[id].iter().map(|(v, _)| (ScenarioId(*s), *v)))
                .collect(),
            ..Facts::default()
        };
        for (id, domain, status, deadline, published, awarded_bid, awarded_at) in rows {
            let status = Status::parse(&status).map_err(Error::internal)?;
            facts.scenarios.push(ScenarioFact {
                id: ScenarioId(id),
                domain: Sector::parse(&domain).map_err(Error::internal)?,
                status,
                deadline: from_db(deadline),
                published_at: opt_from_db(published),
            });
            if let (Some(bid), Some(at)) = (awarded_bid, awarded_at)
                && let Some(price) = by_id.get(&bid)
            {
                // A consortium's award counts for each member by its share of the work.
                let shares: Vec<u8> = parties[&bid].iter().map(|(_, p)| *p).collect();
                let amounts = domain::contract::amounts(*price, &shares);
                for ((vendor, _), price_fen) in parties[&bid].iter().zip(amounts) {
                    facts.awards.push(AwardFact {
                        scenario: ScenarioId(id),
                        vendor: *vendor,
                        price_fen,
                        awarded_at: from_db(at),
                    });
                }
            }
        }
        Ok(facts)
    }

    fn evaluator_workload(&mut self) -> Result<Vec<Workload>> {
        let seats: Vec<(i64, Option<bool>)> = panel_members::table
            .filter(panel_members::removed_at.is_null())
            .select((panel_members::evaluator_id, panel_members::has_conflict))
            .load(self)
            .map_err(db_err)?;
        let given: Vec<(i64, i64)> = scores::table
            .group_by(scores::evaluator_id)
            .select((scores::evaluator_id, count_star()))
            .load(self)
            .map_err(db_err)?;
        let mut load: HashMap<i64, (i64, i64, i64)> = HashMap::new();
        for (e, conflict) in seats {
            let w = load.entry(e).or_default();
            if conflict == Some(true) {
                w.1 += 1;
            } else {
                w.0 += 1;
            }
        }
        for (e, n) in given {
            load.entry(e).or_default().2 = n;
        }
        let ids: Vec<i64> = load.keys().copied().collect();
        let mut names: HashMap<i64, String> = HashMap::new();
        for chunk in ids.chunks(1000) {
            let rows: Vec<(i64, String)> = users::table
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::display_name))
                .load(self)
                .map_err(db_err)?;
            names.extend(rows);
        }
        Ok(load
            .into_iter()
            .map(|(e, (panels, conflicts, scores))| Workload {
                evaluator: UserId(e),
                name: names.remove(&e).unwrap_or_default(),
                panels,
                conflicts,
                scores,
            })
            .collect())
    }

    fn job_counts(&mut self) -> Result<Vec<JobCount>> {
        let rows: Vec<(String, String, i64)> = jobs::table
            .filter(not_of_a_private_event())
            .group_by((jobs::kind, jobs::status))
            .select((jobs::kind, jobs::status, count_star()))
            .order((jobs::kind.asc(), jobs::status.asc()))
            .load(self)
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(kind, status, count)| {
                Ok(JobCount {
                    kind,
                    status: job_status(&status)?,
                    count,
                })
            })
            .collect()
    }

    fn failed_jobs(&mut self, offset: i64, limit: i64) -> Result<(Vec<JobInfo>, i64)> {
        let total: i64 = jobs::table
            .filter(jobs::status.eq(JobStatus::Failed.code()))
            .filter(not_of_a_private_event())
            .count()
            .get_result(self)
            .map_err(db_err)?;
        let rows: Vec<JobInfoRow> = jobs::table
            .filter(jobs::status.eq(JobStatus::Failed.code()))
            .filter(not_of_a_private_event())
            .order((jobs::finished_at.desc(), jobs::id.desc()))
            .offset(offset)
            .limit(limit)
            .select((
                jobs::id,
                jobs::kind,
                jobs::status,
                jobs::attempts,
                jobs::max_attempts,
                jobs::last_error,
                jobs::run_at,
                jobs::created_at,
                jobs::finished_at,
            ))
            .load(self)
            .map_err(db_err)?;
        Ok((
            rows.into_iter()
                .map(|r| {
                    Ok(JobInfo {
                        id: r.0,
                        kind: r.1,
                        status: job_status(&r.2)?,
                        attempts: r.3,
                        max_attempts: r.4,
                        last_error: r.5,
                        run_at: from_db(r.6),
                        created_at: from_db(r.7),
                        finished_at: opt_from_db(r.8),
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            total,
        ))
    }

    fn audit_browse(&mut self, f: &AuditFilter) -> Result<(Vec<AuditRecord>, i64)> {
        // Open challenges: the owner's and the challenger's until answered.
        let open: Vec<String> = crate::schema::challenges::table
            .filter(crate::schema::challenges::decision.is_null())
            .select(crate::schema::challenges::id)
            .load::<i64>(self)
            .map_err(db_err)?
            .into_iter()
            .map(|id| id.to_string())
            .collect();
        let query = || {
            let mut q = audit_log::table
                .into_boxed()
                .filter(bid_opened_or_not_a_bid(f.sealed_at));
            if let Some(seq) = f.seq {
                q = q.filter(audit_log::seq.eq(seq));
            }
            if !open.is_empty() {
                q = q.filter(
                    audit_log::subject_type
                        .ne("challenge")
                        .or(audit_log::subject_id.ne_all(open.clone())),
                );
            }
            if let Some(a) = &f.action {
                let pattern = format!(
                    "{}%",
                    a.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                );
                q = q.filter(audit_log::action.like(pattern).escape('\\'));
            }
            if let Some(t) = &f.subject_type {
                q = q.filter(audit_log::subject_type.eq(t.clone()));
            }
            if let Some(id) = &f.subject_id {
                q = q.filter(audit_log::subject_id.eq(id.clone()));
            }
            if let Some(a) = f.actor {
                q = q.filter(audit_log::actor_id.eq(a.0));
            }
            if let Some(t) = f.since {
                q = q.filter(audit_log::at.ge(to_db(t)));
            }
            q
        };
        let total: i64 = query().count().get_result(self).map_err(db_err)?;
        let rows: Vec<AuditRow> = query()
            .order(audit_log::seq.desc())
            .offset(f.offset)
            .limit(f.limit)
            .load(self)
            .map_err(db_err)?;
        Ok((rows.into_iter().map(record_of).collect(), total))
    }
}

/// A stored job status.
fn job_status(code: &str) -> Result<JobStatus> {
    JobStatus::parse(code).ok_or_else(|| Error::internal(format!("stored job status {code:?}")))
}

impl AnyConnection {
    /// Who takes part in each bid, with its share of the work: the vendor alone (100 %), or
    /// every member of the consortium the bid is for.
    fn bid_parties(
        &mut self,
        bids: &[(i64, i64, i64, i64, Option<i64>)],
    ) -> Result<HashMap<i64, Vec<(OrganizationId, u8)>>> {
        let teams: Vec<i64> = bids.iter().filter_map(|b| b.4).collect();
        let rows: Vec<(i64, i64, Option<i32>)> = consortium_members::table
            .filter(consortium_members::consortium_id.eq_any(&teams))
            .filter(consortium_members::status.eq("accepted"))
            .order((
                consortium_members::consortium_id,
                consortium_members::position,
            ))
            .select((
                consortium_members::consortium_id,
                consortium_members::vendor_org_id,
                consortium_members::share_pct,
            ))
            .load(self)
            .map_err(db_err)?;
        let mut members: HashMap<i64, Vec<(OrganizationId, u8)>> = HashMap::new();
        for (c, v, share) in rows {
            let share = share.and_then(|p| u8::try_from(p).ok()).unwrap_or(0);
            members
                .entry(c)
                .or_default()
                .push((OrganizationId(v), share));
        }
        Ok(bids
            .iter()
            .map(|(id, _, vendor, _, team)| {
                let alone = || vec![(OrganizationId(*vendor), 100)];
                let parties = team
                    .and_then(|c| members.get(&c).cloned())
                    .unwrap_or_else(alone);
                (*id, parties)
            })
            .collect())
    }
}
