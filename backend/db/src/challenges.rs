//! Challenges to awards, their PDFs and answers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::bid::{Attachment, BidId};
use domain::challenge::{Answer, Challenge, Decision};
use domain::error::{Error, Result};
use domain::ids::{ChallengeId, OrganizationId, UserId};
use domain::ports::{ChallengeReads, ChallengeRepo};
use domain::scenario::ScenarioId;

use crate::schema::{challenge_attachments, challenges};
use crate::time::{from_db, opt_from_db, to_db};
use crate::{AnyConnection, db_err};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = challenges)]
#[diesel(treat_none_as_null = true)]
struct ChallengeRow {
    id: i64,
    scenario_id: i64,
    vendor_org_id: i64,
    filed_by: i64,
    award_bid_id: i64,
    awarded_at: chrono::NaiveDateTime,
    reasons: String,
    filed_at: chrono::NaiveDateTime,
    answer_due: chrono::NaiveDateTime,
    decision: Option<String>,
    answer: Option<String>,
    answered_by: Option<i64>,
    answered_at: Option<chrono::NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = challenge_attachments)]
struct AttachmentRow {
    id: i64,
    challenge_id: i64,
    sha256: String,
    filename: String,
    size: i64,
    created_at: chrono::NaiveDateTime,
}

impl ChallengeRow {
    fn into_domain(self, attachments: Vec<Attachment>) -> Result<Challenge> {
        let answer = match (
            self.decision,
            self.answer,
            self.answered_by,
            opt_from_db(self.answered_at),
        ) {
            (Some(d), Some(body), Some(by), Some(at)) => Some(Answer {
                decision: Decision::parse(&d)
                    .map_err(|_| Error::internal(format!("a stored decision {d:?}")))?,
                body,
                answered_by: UserId(by),
                answered_at: at,
            }),
            _ => None,
        };
        Ok(Challenge {
            id: ChallengeId(self.id),
            scenario: ScenarioId(self.scenario_id),
            vendor: OrganizationId(self.vendor_org_id),
            filed_by: UserId(self.filed_by),
            award_bid: BidId(self.award_bid_id),
            award_at: from_db(self.awarded_at),
            reasons: self.reasons,
            filed_at: from_db(self.filed_at),
            answer_due: from_db(self.answer_due),
            answer,
            attachments,
        })
    }
}

/// The challenges of `rows` with their attachments (one query for all of them).
fn with_attachments(c: &mut AnyConnection, rows: Vec<ChallengeRow>) -> Result<Vec<Challenge>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let files: Vec<AttachmentRow> = challenge_attachments::table
        .filter(challenge_attachments::challenge_id.eq_any(&ids))
        .order((
            challenge_attachments::created_at.asc(),
            challenge_attachments::id.asc(),
        ))
        .select(AttachmentRow::as_select())
        .load(c)
        .map_err(db_err)?;
    rows.into_iter()
        .map(|r| {
            let mine = files
                .iter()
                .filter(|f| f.challenge_id == r.id)
                .map(|f| Attachment {
                    id: f.id,
                    sha256: f.sha256.clone(),
                    filename: f.filename.clone(),
                    size: f.size,
                    created_at: from_db(f.created_at),
                })
                .collect();
            r.into_domain(mine)
        })
        .collect()
}

impl ChallengeReads for AnyConnection {
    fn challenge(&mut self, id: ChallengeId) -> Result<Option<Challenge>> {
        let row: Option<ChallengeRow> = challenges::table
            .find(id.0)
            .select(ChallengeRow::as_select())
            .first(self)
            .optional()
            .map_err(db_err)?;
        Ok(with_attachments(self, row.into_iter().collect())?.pop())
    }

    fn challenges_of_scenario(&mut self, scenario: ScenarioId) -> Result<Vec<Challenge>> {
        let rows: Vec<ChallengeRow> = challenges::table
            .filter(challenges::scenario_id.eq(scenario.0))
            .order((challenges::filed_at.asc(), challenges::id.asc()))
            .select(ChallengeRow::as_select())
            .load(self)
            .map_err(db_err)?;
        with_attachments(self, rows)
    }

    fn challenge_attachment_hashes(&mut self) -> Result<Vec<(String, i64)>> {
        challenge_attachments::table
            .select((challenge_attachments::sha256, challenge_attachments::size))
            .distinct()
            .order(challenge_attachments::sha256.asc())
            .load(self)
            .map_err(db_err)
    }
}

impl ChallengeRepo for AnyConnection {
    fn insert_challenge(&mut self, c: &Challenge) -> Result<()> {
        diesel::insert_into(challenges::table)
            .values(ChallengeRow {
                id: c.id.0,
                scenario_id: c.scenario.0,
                vendor_org_id: c.vendor.0,
                filed_by: c.filed_by.0,
                award_bid_id: c.award_bid.0,
                awarded_at: to_db(c.award_at),
                reasons: c.reasons.clone(),
                filed_at: to_db(c.filed_at),
                answer_due: to_db(c.answer_due),
                decision: None,
                answer: None,
                answered_by: None,
                answered_at: None,
            })
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn insert_challenge_attachment(
        &mut self,
        challenge: ChallengeId,
        a: &Attachment,
        at: DateTime<Utc>,
    ) -> Result<()> {
        diesel::insert_into(challenge_attachments::table)
            .values(AttachmentRow {
                id: a.id,
                challenge_id: challenge.0,
                sha256: a.sha256.clone(),
                filename: a.filename.clone(),
                size: a.size,
                created_at: to_db(at),
            })
            .execute(self)
            .map_err(db_err)?;
        Ok(())
    }

    fn save_challenge_answer(&mut self, id: ChallengeId, a: &Answer) -> Result<bool> {
        let n = diesel::update(
            challenges::table
                .find(id.0)
                .filter(challenges::decision.is_null()),
        )
        .set((
            challenges::decision.eq(a.decision.code()),
            challenges::answer.eq(&a.body),
            challenges::answered_by.eq(a.answered_by.0),
            challenges::answered_at.eq(to_db(a.answered_at)),
        ))
        .execute(self)
        .map_err(db_err)?;
        Ok(n == 1)
    }
}
