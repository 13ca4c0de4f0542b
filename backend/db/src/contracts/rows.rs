//! Reading contracts whole: the rows of each table, and the contract they make.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::bid::{Attachment, BidId};
use domain::contract::{
    Amendment, Change, Contract, ContractFile, FileKind, Milestone, MilestoneStatus, Payment,
    Review, Submission,
};
use domain::error::{Error, Result};
use domain::ids::{
    AmendmentId, ChallengeId, ContractId, MilestoneId, OrganizationId, PaymentId, UserId,
};
use domain::scenario::ScenarioId;

use crate::contract_schema::{
    contract_amendments as am, contract_files as cf, contract_payments as cp,
    milestone_submissions as ms, milestones as mi,
};
use crate::time::{from_db, opt_from_db};
use crate::{AnyConnection, db_err};

pub(super) type ContractRow = (
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    i32,
    bool,
    i64,
    NaiveDateTime,
    Option<i64>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<i64>,
);
type MilestoneRow = (
    i64,
    i64,
    i32,
    String,
    String,
    i32,
    i64,
    String,
    Option<NaiveDateTime>,
    bool,
);
type SubmissionRow = (
    i64,
    i64,
    String,
    i64,
    NaiveDateTime,
    NaiveDateTime,
    Option<bool>,
    Option<String>,
    Option<i64>,
    Option<NaiveDateTime>,
);
type FileRow = (i64, i64, i64, String, String, String, i64, NaiveDateTime);
type AmendmentRow = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    NaiveDateTime,
    Option<String>,
    Option<i64>,
    Option<NaiveDateTime>,
);
type PaymentRow = (i64, i64, i64, i64, String, Option<i64>, i64, NaiveDateTime);

fn day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::internal(format!("a stored date {s:?}")))
}

pub(super) fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The contracts of `rows`, each with everything recorded against it (one query per table).
pub(super) fn whole(c: &mut AnyConnection, rows: Vec<ContractRow>) -> Result<Vec<Contract>> {
    with_parts(c, rows, true)
}

/// The contracts of `rows` with their milestones, submissions and payments, and their files and
/// amendments only if `all` (a payment record counts none of those).
pub(super) fn with_parts(
    c: &mut AnyConnection,
    rows: Vec<ContractRow>,
    all: bool,
) -> Result<Vec<Contract>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let miles: Vec<MilestoneRow> = load_in!(c, mi::contract_id, &ids, |among| mi::table
        .filter(among)
        .order((mi::contract_id, mi::position))
        .select((
            mi::id,
            mi::contract_id,
            mi::position,
            mi::title,
            mi::due_on,
            mi::share_pct,
            mi::amount_fen,
            mi::status,
            mi::accepted_at,
            mi::voided,
        )))
    .map_err(db_err)?;
    let mids: Vec<i64> = miles.iter().map(|m| m.0).collect();
    let subs: Vec<SubmissionRow> = load_in!(c, ms::milestone_id, &mids, |among| ms::table
        .filter(among)
        .order((ms::submitted_at, ms::id))
        .select((
            ms::id,
            ms::milestone_id,
            ms::note,
            ms::submitted_by,
            ms::submitted_at,
            ms::review_due,
            ms::accepted,
            ms::review_text,
            ms::reviewed_by,
            ms::reviewed_at,
        )))
    .map_err(db_err)?;
    let files: Vec<FileRow> = if all {
        load_in!(c, cf::contract_id, &ids, |among| cf::table
            .filter(among)
            .order((cf::created_at, cf::id))
            .select((
                cf::id,
                cf::contract_id,
                cf::submission_id,
                cf::kind,
                cf::sha256,
                cf::filename,
                cf::size,
                cf::created_at,
            )))
        .map_err(db_err)?
    } else {
        vec![]
    };
    let amends: Vec<AmendmentRow> = if all {
        load_in!(c, am::contract_id, &ids, |among| am::table
            .filter(among)
            .order((am::proposed_at, am::id))
            .select((
                am::id,
                am::contract_id,
                am::changes,
                am::reason,
                am::proposed_by,
                am::proposed_org_id,
                am::proposed_at,
                am::outcome,
                am::answered_by,
                am::answered_at,
            )))
        .map_err(db_err)?
    } else {
        vec![]
    };
    let pays: Vec<PaymentRow> = load_in!(c, cp::contract_id, &ids, |among| cp::table
        .filter(among)
        .order((cp::recorded_at, cp::id))
        .select((
            cp::id,
            cp::contract_id,
            cp::milestone_id,
            cp::amount_fen,
            cp::paid_on,
            cp::corrects,
            cp::recorded_by,
            cp::recorded_at,
        )))
    .map_err(db_err)?;
    rows.into_iter()
        .map(|r| {
            let id = r.0;
            let milestones = miles
                .iter()
                .filter(|m| m.1 == id)
                .map(|m| milestone(m, &subs))
                .collect::<Result<Vec<_>>>()?;
            let files = files
                .iter()
                .filter(|f| f.1 == id)
                .map(|f| {
                    Ok(ContractFile {
                        kind: FileKind::parse(&f.3)
                            .ok_or_else(|| Error::internal("a stored file kind"))?,
                        submission: (f.2 != 0).then_some(f.2),
                        file: Attachment {
                            id: f.0,
                            sha256: f.4.clone(),
                            filename: f.5.clone(),
                            size: f.6,
                            created_at: from_db(f.7),
                        },
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let amendments = amends
                .iter()
                .filter(|a| a.1 == id)
                .map(|a| {
                    Ok(Amendment {
                        id: AmendmentId(a.0),
                        contract: ContractId(a.1),
                        changes: serde_json::from_str::<Vec<Change>>(&a.2)
                            .map_err(Error::internal)?,
                        reason: a.3.clone(),
                        proposed_by: UserId(a.4),
                        proposed_org: OrganizationId(a.5),
                        proposed_at: from_db(a.6),
                        outcome: a.7.clone(),
                        answered_by: a.8.map(UserId),
                        answered_at: opt_from_db(a.9),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let payments = pays
                .iter()
                .filter(|p| p.1 == id)
                .map(|p| {
                    Ok(Payment {
                        id: PaymentId(p.0),
                        contract: ContractId(p.1),
                        milestone: MilestoneId(p.2),
                        amount_fen: p.3,
                        paid_on: day(&p.4)?,
                        corrects: p.5.map(PaymentId),
                        recorded_by: UserId(p.6),
                        recorded_at: from_db(p.7),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Contract {
                id: ContractId(id),
                scenario: ScenarioId(r.1),
                award_bid: BidId(r.2),
                vendor: OrganizationId(r.3),
                buyer: OrganizationId(r.4),
                value_fen: r.5,
                signed_on: day(&r.6)?,
                term_days: u32::try_from(r.7).map_err(Error::internal)?,
                implicit: r.8,
                recorded_by: UserId(r.9),
                recorded_at: from_db(r.10),
                confirmed_by: r.11.map(UserId),
                confirmed_at: opt_from_db(r.12),
                voided_at: opt_from_db(r.13),
                void_challenge: r.14.map(ChallengeId),
                milestones,
                payments,
                amendments,
                files,
            })
        })
        .collect()
}

fn milestone(m: &MilestoneRow, subs: &[SubmissionRow]) -> Result<Milestone> {
    let submissions = subs
        .iter()
        .filter(|s| s.1 == m.0)
        .map(|s| Submission {
            id: s.0,
            milestone: MilestoneId(s.1),
            note: s.2.clone(),
            by: UserId(s.3),
            at: from_db(s.4),
            review_due: from_db(s.5),
            review: match (s.6, &s.7, s.8, s.9) {
                (Some(accepted), Some(text), Some(by), Some(at)) => Some(Review {
                    accepted,
                    text: text.clone(),
                    by: UserId(by),
                    at: from_db(at),
                }),
                _ => None,
            },
        })
        .collect();
    Ok(Milestone {
        id: MilestoneId(m.0),
        contract: ContractId(m.1),
        position: m.2,
        title: m.3.clone(),
        due_on: day(&m.4)?,
        share_pct: u8::try_from(m.5).map_err(Error::internal)?,
        amount_fen: m.6,
        status: MilestoneStatus::parse(&m.7)
            .ok_or_else(|| Error::internal(format!("a stored milestone status {:?}", m.7)))?,
        accepted_at: opt_from_db(m.8),
        voided: m.9,
        submissions,
    })
}
