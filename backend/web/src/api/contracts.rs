//! Contracts and delivery: the contract notice, milestones with submissions and reviews,
//! amendments, payments, and an agency's public payment record.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use app::bids::NewAttachment;
use app::contracts::{AgencyRecord, ContractBoard};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Error;
use domain::contract::{Change, Contract, MilestonePlan, Terms};
use domain::error::Fields;
use domain::ids::{AmendmentId, ContractId, MilestoneId, OrganizationId, PaymentId};
use domain::message::Message;
use domain::scenario::ScenarioId;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::bids::{AttachmentOut, send_pdf};
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error::{ApiError, ApiResult};
use crate::upload::{as_attachments, receive_pdfs};

/// A review of a submission.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewOut {
    pub accepted: bool,
    /// The remarks of an acceptance or the reasons of a return (parties only; empty else).
    pub text: String,
    pub at: DateTime<Utc>,
}

/// One submission of a milestone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionOut {
    pub id: i64,
    /// The vendor's note (parties only; empty else).
    pub note: String,
    pub submitted_at: DateTime<Utc>,
    /// The owner reviews before this time.
    pub review_due: DateTime<Utc>,
    pub review: Option<ReviewOut>,
}

/// One milestone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MilestoneOut {
    pub id: i64,
    pub position: i32,
    pub title: String,
    pub due_on: NaiveDate,
    pub share_pct: u8,
    pub amount_fen: i64,
    /// `pending`, `submitted`, `accepted` or `returned`.
    pub status: &'static str,
    /// The day (Beijing) it was accepted.
    pub accepted_on: Option<NaiveDate>,
    /// The last day to pay it (30 calendar days after acceptance).
    pub pay_by: Option<NaiveDate>,
    pub paid_fen: i64,
    /// Voided, unpaid, with its contract.
    pub voided: bool,
    pub submissions: Vec<SubmissionOut>,
}

/// One payment or reversing entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentOut {
    pub id: i64,
    pub milestone_id: i64,
    /// Negative for a reversing entry.
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    /// The payment a reversing entry reverses.
    pub corrects: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

/// One amendment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AmendmentOut {
    pub id: i64,
    pub reason: String,
    pub changes: Vec<ChangeIn>,
    pub proposed_by_org: i64,
    pub proposed_at: DateTime<Utc>,
    /// `proposed`, `confirmed` or `declined`.
    pub status: String,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A file of the contract: `signed`, `evidence` or `report`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractFileOut {
    pub kind: &'static str,
    pub submission_id: Option<i64>,
    #[serde(flatten)]
    pub file: AttachmentOut,
}

/// A contract (the contract notice, once published).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContractOut {
    pub id: i64,
    pub scenario_id: i64,
    pub buyer_id: i64,
    pub vendor_id: i64,
    pub value_fen: i64,
    pub signed_on: NaiveDate,
    pub term_days: u32,
    /// `awaiting_confirmation`, `published` or `voided`.
    pub status: &'static str,
    /// When the contract notice was published (the vendor's confirmation).
    pub published_at: Option<DateTime<Utc>>,
    /// The notice is due before this time (2 working days after signing).
    pub notice_due: Option<DateTime<Utc>>,
    /// Published after its due time (or not yet, and late now).
    pub late_notice: bool,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_challenge_id: Option<i64>,
    pub paid_fen: i64,
    pub milestones: Vec<MilestoneOut>,
    pub payments: Vec<PaymentOut>,
    pub amendments: Vec<AmendmentOut>,
    pub files: Vec<ContractFileOut>,
}

impl ContractOut {
    fn of(c: &Contract, cal: &domain::workdays::WorkCalendar, now: DateTime<Utc>) -> Self {
        let status = match (c.is_active(), c.confirmed_at) {
            (false, _) => "voided",
            (true, Some(_)) => "published",
            (true, None) => "awaiting_confirmation",
        };
        ContractOut {
            id: c.id.0,
            scenario_id: c.scenario.0,
            buyer_id: c.buyer.0,
            vendor_id: c.vendor.0,
            value_fen: c.value_fen,
            signed_on: c.signed_on,
            term_days: c.term_days,
            status,
            published_at: c.published_at(),
            notice_due: Some(c.notice_due(cal)),
            late_notice: c.late_notice(cal, now),
            voided_at: c.voided_at,
            void_challenge_id: c.void_challenge.map(|x| x.0),
            paid_fen: c.paid_fen(),
            milestones: c
                .milestones
                .iter()
                .map(|m| MilestoneOut {
                    id: m.id.0,
                    position: m.position,
                    title: m.title.clone(),
                    due_on: m.due_on,
                    share_pct: m.share_pct,
                    amount_fen: m.amount_fen,
                    status: m.status.code(),
                    accepted_on: m.accepted_on(),
                    pay_by: m.accepted_on().map(domain::contract::payment_due),
                    paid_fen: c.owed(m).map_or(0, |o| o.paid_fen()),
                    voided: m.voided,
                    submissions: m
                        .submissions
                        .iter()
                        .map(|s| SubmissionOut {
                            id: s.id,
                            note: s.note.clone(),
                            submitted_at: s.at,
                            review_due: s.review_due,
                            review: s.review.as_ref().map(|r| ReviewOut {
                                accepted: r.accepted,
                                text: r.text.clone(),
                                at: r.at,
                            }),
                        })
                        .collect(),
                })
                .collect(),
            payments: c
                .payments
                .iter()
                .map(|p| PaymentOut {
                    id: p.id.0,
                    milestone_id: p.milestone.0,
                    amount_fen: p.amount_fen,
                    paid_on: p.paid_on,
                    corrects: p.corrects.map(|x| x.0),
                    recorded_at: p.recorded_at,
                })
                .collect(),
            amendments: c
                .amendments
                .iter()
                .map(|a| AmendmentOut {
                    id: a.id.0,
                    reason: a.reason.clone(),
                    changes: a
                        .changes
                        .iter()
                        .map(|ch| ChangeIn {
                            id: ch.milestone.0,
                            due_on: ch.due_on.map(|d| d.to_string()),
                            share_pct: ch.share_pct.map(i64::from),
                        })
                        .collect(),
                    proposed_by_org: a.proposed_org.0,
                    proposed_at: a.proposed_at,
                    status: a.outcome.clone().unwrap_or_else(|| "proposed".into()),
                    answered_at: a.answered_at,
                })
                .collect(),
            files: c
                .files
                .iter()
                .map(|f| ContractFileOut {
                    kind: f.kind.code(),
                    submission_id: f.submission,
                    file: AttachmentOut {
                        sha256: f.file.sha256.clone(),
                        filename: f.file.filename.clone(),
                        size: f.file.size,
                        url: format!(
                            "/api/v1/scenarios/{}/contract/files/{}",
                            c.scenario.0, f.file.sha256
                        ),
                    },
                })
                .collect(),
        }
    }
}

fn out(state: &AppState, c: &Contract) -> ContractOut {
    let s = &state.services;
    ContractOut::of(c, &s.market.workdays, s.now())
}

/// One milestone of the schedule as written.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MilestoneIn {
    #[serde(default)]
    pub title: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: String,
    /// Whole percent; the shares sum to 100.
    #[serde(default)]
    pub share_pct: i64,
}

/// The contract's terms.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ContractIn {
    #[serde(default)]
    pub value_fen: i64,
    /// `YYYY-MM-DD` (Beijing).
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub term_days: i64,
    /// Empty: one milestone, the whole delivery, due at the end of the term.
    #[serde(default)]
    pub milestones: Vec<MilestoneIn>,
}

/// A date field, or its error.
fn date(f: &mut Fields, field: &str, s: &str) -> NaiveDate {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            f.push(
                field,
                Message::new("请填写日期（YYYY-MM-DD）", "a date as YYYY-MM-DD"),
            );
            NaiveDate::MIN
        }
    }
}

/// A share in whole percent: out of range reads as 0 (which the rules refuse by name).
fn share(v: i64) -> u8 {
    u8::try_from(v).unwrap_or(0)
}

impl ContractIn {
    /// The terms, or every field's error (a malformed date named as such).
    pub fn terms(&self) -> Result<Terms, Error> {
        let mut f = Fields::new();
        let signed_on = date(&mut f, "signed_on", &self.signed_on);
        let milestones = self
            .milestones
            .iter()
            .enumerate()
            .map(|(i, m)| MilestonePlan {
                title: m.title.clone(),
                due_on: date(&mut f, &format!("milestones[{i}].due_on"), &m.due_on),
                share_pct: share(m.share_pct),
            })
            .collect();
        f.finish()?;
        Ok(Terms {
            value_fen: self.value_fen,
            signed_on,
            term_days: u32::try_from(self.term_days).unwrap_or(0),
            milestones,
        })
    }
}

#[utoipa::path(tag = "contracts", request_body = ContractIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "not awarded, a challenge open, or recorded already", body = crate::error::Problem),
        (status = 422, description = "a field is wrong (named)", body = crate::error::Problem)))]
#[post("/scenarios/{id}/contract")]
/// The owner records the contract of the award; the vendor is asked to confirm it.
pub async fn record(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ContractIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let terms = body.terms()?;
    let c = state
        .call(move |s| s.record_contract(&who.actor, id, terms, vec![]))
        .await?;
    Ok(HttpResponse::Created().json(out(&state, &c)))
}

/// Receives one PDF (`file`) after `check`, then stores it with `call`; the file is discarded
/// when the call fails.
async fn one_pdf<C, F>(
    state: &AppState,
    payload: Multipart,
    check: C,
    call: F,
) -> ApiResult<Contract>
where
    C: FnOnce(&app::Services) -> domain::Result<()> + Send + 'static,
    F: FnOnce(&app::Services, NewAttachment) -> domain::Result<Contract> + Send + 'static,
{
    state.call(check).await?;
    let up = receive_pdfs(state, payload, 1).await;
    if let Some(e) = up.error {
        return Err(e.into());
    }
    let Some(file) = up.stored.first().cloned() else {
        return Err(Error::field(
            "file",
            Message::new("请选择一个 PDF 文件", "choose a PDF file"),
        )
        .into());
    };
    let new = as_attachments(&up.stored).remove(0);
    match state.call(move |s| call(s, new)).await {
        Ok(c) => Ok(c),
        Err(e) => {
            state.files.discard(&[file]).await;
            Err(ApiError(e))
        }
    }
}

#[utoipa::path(tag = "contracts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    request_body(content_type = "multipart/form-data", description = "the signed contract: one PDF in the part `file`, at most 10 MB"),
    responses((status = 201, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/scenarios/{id}/contract/attachments")]
/// The owner adds the signed contract's PDF.
pub async fn attach_signed(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let (a, b) = (who.actor.clone(), who.actor);
    let c = one_pdf(
        &state,
        payload,
        move |s| s.check_can_attach_contract(&a, id),
        move |s, f| s.attach_to_contract(&b, id, f),
    )
    .await?;
    Ok(HttpResponse::Created().json(out(&state, &c)))
}

#[utoipa::path(tag = "contracts", params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = ContractOut), (status = 404, description = "none, or not published and not a party", body = crate::error::Problem)))]
#[get("/scenarios/{id}/contract")]
/// The contract notice: for anyone once the vendor confirmed it; for the parties before. The
/// public reads no submission notes, evidence or review texts.
pub async fn get_contract(
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let b: ContractBoard = state
        .call(move |s| s.contract_board(who.0.as_ref().map(|a| &a.actor), id))
        .await?;
    let c = b.contract.ok_or(Error::NotFound)?;
    Ok(HttpResponse::Ok().json(out(&state, &c)))
}

#[utoipa::path(tag = "contracts",
    params(("id" = i64, Path, description = "scenario id"), ("sha256" = String, Path, description = "the file's SHA-256")),
    responses((status = 200, description = "the PDF, as an attachment", content_type = "application/pdf"), (status = 404, body = crate::error::Problem)))]
#[get("/scenarios/{id}/contract/files/{sha256}")]
/// Downloads a contract file: the signed contract for anyone once published, evidence and
/// reports for the parties.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<(i64, String)>,
) -> ApiResult<HttpResponse> {
    let (id, sha) = path.into_inner();
    let att = state
        .call(move |s| s.contract_file(who.0.as_ref().map(|a| &a.actor), ScenarioId(id), &sha))
        .await?;
    send_pdf(&req, &state, &att).await
}

#[utoipa::path(tag = "contracts", security(("bearer" = [])), params(("id" = i64, Path, description = "contract id")),
    responses((status = 200, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "confirmed already, or voided", body = crate::error::Problem)))]
#[post("/contracts/{id}/confirm")]
/// The awarded vendor confirms the contract: the contract notice is published.
pub async fn confirm(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ContractId(path.into_inner());
    let c = state
        .call(move |s| s.confirm_contract(&who.actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, &c)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubmissionIn {
    /// What is delivered (1–4000 characters).
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(tag = "contracts", request_body = SubmissionIn, security(("bearer" = [])), params(("id" = i64, Path, description = "milestone id")),
    responses((status = 201, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "under review or accepted already; the contract unconfirmed or voided", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
#[post("/milestones/{id}/submission")]
/// The vendor submits a milestone's deliverable (again after a return).
pub async fn submit(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<SubmissionIn>,
) -> ApiResult<HttpResponse> {
    let id = MilestoneId(path.into_inner());
    let note = body.into_inner().note;
    let c = state
        .call(move |s| s.submit_milestone(&who.actor, id, &note, vec![]))
        .await?;
    Ok(HttpResponse::Created().json(out(&state, &c)))
}

/// Adds a PDF to a milestone: evidence to the submission under review, or a report to the
/// acceptance.
async fn milestone_pdf(
    state: web::Data<AppState>,
    who: Authenticated,
    id: MilestoneId,
    payload: Multipart,
    report: bool,
) -> ApiResult<HttpResponse> {
    let (a, b) = (who.actor.clone(), who.actor);
    let c = one_pdf(
        &state,
        payload,
        move |s| s.check_can_attach_to_milestone(&a, id, report),
        move |s, f| s.attach_to_milestone(&b, id, report, f),
    )
    .await?;
    Ok(HttpResponse::Created().json(out(&state, &c)))
}

#[utoipa::path(tag = "contracts", security(("bearer" = [])), params(("id" = i64, Path, description = "milestone id")),
    request_body(content_type = "multipart/form-data", description = "evidence: one PDF in the part `file`, at most 10 MB"),
    responses((status = 201, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "no submission under review", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/milestones/{id}/submission/attachments")]
/// The vendor adds a PDF to the submission under review.
pub async fn attach_evidence(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    milestone_pdf(state, who, MilestoneId(path.into_inner()), payload, false).await
}

#[utoipa::path(tag = "contracts", security(("bearer" = [])), params(("id" = i64, Path, description = "milestone id")),
    request_body(content_type = "multipart/form-data", description = "the acceptance report: one PDF in the part `file`, at most 10 MB"),
    responses((status = 201, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "not accepted", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/milestones/{id}/acceptance/attachments")]
/// The owner adds the acceptance report's PDF to an accepted milestone.
pub async fn attach_report(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    milestone_pdf(state, who, MilestoneId(path.into_inner()), payload, true).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AcceptIn {
    /// Remarks of the acceptance (up to 4000 characters).
    #[serde(default)]
    pub remarks: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReturnIn {
    /// Why it is returned (1–4000 characters).
    #[serde(default)]
    pub reasons: String,
}

#[utoipa::path(tag = "contracts", request_body = AcceptIn, security(("bearer" = [])), params(("id" = i64, Path, description = "milestone id")),
    responses((status = 200, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "not under review, or accepted already", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/milestones/{id}/accept")]
/// The owner accepts the submission under review (验收); the 30 days to pay start.
pub async fn accept(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<AcceptIn>,
) -> ApiResult<HttpResponse> {
    let id = MilestoneId(path.into_inner());
    let text = body.into_inner().remarks;
    let c = state
        .call(move |s| s.review_milestone(&who.actor, id, true, &text, vec![]))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, &c)))
}

#[utoipa::path(tag = "contracts", request_body = ReturnIn, security(("bearer" = [])), params(("id" = i64, Path, description = "milestone id")),
    responses((status = 200, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "not under review", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/milestones/{id}/return")]
/// The owner returns the submission under review with reasons; the vendor may submit again.
pub async fn give_back(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ReturnIn>,
) -> ApiResult<HttpResponse> {
    let id = MilestoneId(path.into_inner());
    let text = body.into_inner().reasons;
    let c = state
        .call(move |s| s.review_milestone(&who.actor, id, false, &text, vec![]))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, &c)))
}

/// A change to one milestone.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangeIn {
    /// The milestone's id.
    pub id: i64,
    /// The new due date (`YYYY-MM-DD`), if it changes.
    #[serde(default)]
    pub due_on: Option<String>,
    /// The new share, if it changes.
    #[serde(default)]
    pub share_pct: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AmendmentIn {
    #[serde(default)]
    pub milestones: Vec<ChangeIn>,
    /// Why (1–4000 characters).
    #[serde(default)]
    pub reason: String,
}

impl AmendmentIn {
    pub fn changes(&self) -> Result<Vec<Change>, Error> {
        let mut f = Fields::new();
        let out = self
            .milestones
            .iter()
            .enumerate()
            .map(|(i, c)| Change {
                milestone: MilestoneId(c.id),
                due_on: c
                    .due_on
                    .as_deref()
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| date(&mut f, &format!("milestones[{i}].due_on"), d)),
                share_pct: c.share_pct.map(share),
            })
            .collect();
        f.finish()?;
        Ok(out)
    }
}

#[utoipa::path(tag = "contracts", request_body = AmendmentIn, security(("bearer" = [])), params(("id" = i64, Path, description = "contract id")),
    responses((status = 201, body = ContractOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "another amendment is open; the contract unconfirmed or voided", body = crate::error::Problem),
        (status = 422, description = "a change is wrong (named)", body = crate::error::Problem)))]
#[post("/contracts/{id}/amendments")]
/// Either party proposes to change milestone dates or shares; the other confirms.
pub async fn propose(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<AmendmentIn>,
) -> ApiResult<HttpResponse> {
    let id = ContractId(path.into_inner());
    let changes = body.changes()?;
    let reason = body.into_inner().reason;
    let c = state
        .call(move |s| s.propose_amendment(&who.actor, id, changes, &reason))
        .await?;
    Ok(HttpResponse::Created().json(out(&state, &c)))
}

#[utoipa::path(tag = "contracts", security(("bearer" = [])), params(("id" = i64, Path, description = "amendment id")),
    responses((status = 200, body = ContractOut), (status = 403, description = "the proposer", body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "answered already", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/amendments/{id}/confirm")]
/// The other party confirms an amendment: it takes effect.
pub async fn confirm_amendment(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = AmendmentId(path.into_inner());
    let c = state
        .call(move |s| s.answer_amendment(&who.actor, id, true))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, &c)))
}

#[utoipa::path(tag = "contracts", security(("bearer" = [])), params(("id" = i64, Path, description = "amendment id")),
    responses((status = 200, body = ContractOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "answered already", body = crate::error::Problem)))]
#[post("/amendments/{id}/decline")]
/// The other party declines an amendment, or its proposer withdraws it.
pub async fn decline_amendment(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = AmendmentId(path.into_inner());
    let c = state
        .call(move |s| s.answer_amendment(&who.actor, id, false))
        .await?;
    Ok(HttpResponse::Ok().json(out(&state, &c)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PaymentIn {
    #[serde(default)]
    pub milestone_id: i64,
    /// Positive; negative for a reversing entry (with `corrects`).
    #[serde(default)]
    pub amount_fen: i64,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub paid_on: String,
    /// The payment a reversing entry reverses.
    #[serde(default)]
    pub corrects: Option<i64>,
}

#[utoipa::path(tag = "contracts", request_body = PaymentIn, security(("bearer" = [])), params(("id" = i64, Path, description = "contract id")),
    responses((status = 201, body = PaymentOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "the contract unconfirmed or voided", body = crate::error::Problem),
        (status = 422, description = "a field is wrong (named)", body = crate::error::Problem)))]
#[post("/contracts/{id}/payments")]
/// The owner records a payment against an accepted milestone, or a reversing entry.
pub async fn pay(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<PaymentIn>,
) -> ApiResult<HttpResponse> {
    let id = ContractId(path.into_inner());
    let b = body.into_inner();
    let mut f = Fields::new();
    let paid_on = date(&mut f, "paid_on", &b.paid_on);
    f.finish()?;
    let p = state
        .call(move |s| {
            s.record_payment(
                &who.actor,
                id,
                MilestoneId(b.milestone_id),
                b.amount_fen,
                paid_on,
                b.corrects.map(PaymentId),
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(PaymentOut {
        id: p.id.0,
        milestone_id: p.milestone.0,
        amount_fen: p.amount_fen,
        paid_on: p.paid_on,
        corrects: p.corrects.map(|x| x.0),
        recorded_at: p.recorded_at,
    }))
}

/// An agency's public record of acceptance and payment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentRecordOut {
    /// Contracts published and in force.
    pub contracts: i64,
    /// Of the milestones accepted, the share accepted within the review period (percent).
    pub milestones_accepted_on_time_pct: Option<f64>,
    /// Median calendar days from acceptance to full payment.
    pub median_days_to_pay: Option<f64>,
    /// Accepted milestones not paid in full 30 days after acceptance, today.
    pub overdue_now: i64,
    pub milestones_accepted: i64,
    pub contracted_fen: i64,
    pub paid_fen: i64,
}

impl From<AgencyRecord> for PaymentRecordOut {
    fn from(r: AgencyRecord) -> Self {
        PaymentRecordOut {
            contracts: r.contracts,
            milestones_accepted_on_time_pct: r.milestones_accepted_on_time_pct,
            median_days_to_pay: r.median_days_to_pay,
            overdue_now: r.overdue_now,
            milestones_accepted: r.milestones_accepted,
            contracted_fen: r.contracted_fen,
            paid_fen: r.paid_fen,
        }
    }
}

#[utoipa::path(tag = "contracts", params(("id" = i64, Path, description = "organization id")),
    responses((status = 200, body = PaymentRecordOut), (status = 404, description = "no such agency", body = crate::error::Problem)))]
#[get("/organizations/{id}/payment-record")]
/// An agency's record: contracts, milestones accepted on time, days to pay, overdue now.
pub async fn payment_record(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = OrganizationId(path.into_inner());
    let r = state.call(move |s| s.payment_record(id)).await?;
    Ok(HttpResponse::Ok().json(PaymentRecordOut::from(r)))
}
