//! Contracts and delivery: the contract notice, milestones with submissions and reviews,
//! amendments, payments, and an agency's public payment record.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use app::contracts::ContractBoard;
use domain::Error;
use domain::contract::Contract;
use domain::error::Fields;
use domain::ids::{AmendmentId, ContractId, MilestoneId, OrganizationId, PaymentId};
use domain::scenario::ScenarioId;
use serde::Deserialize;

use crate::AppState;
use crate::api::bids::send_pdf;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error::ApiResult;
use crate::upload::one_pdf;

mod dto;

pub use dto::*;

fn out(state: &AppState, c: &Contract) -> ContractOut {
    let s = &state.services;
    ContractOut::of(c, &s.market.workdays, s.now())
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
    let (a, b) = (who.actor, who.actor);
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
    #[schema(required = true, min_length = 1, max_length = 4000, pattern = "\\S")]
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
    let (a, b) = (who.actor, who.actor);
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
    #[schema(max_length = 4000)]
    pub remarks: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReturnIn {
    /// Why it is returned (1–4000 characters).
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 4000, pattern = "\\S")]
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
    #[schema(required = true)]
    pub milestone_id: i64,
    /// Positive; negative for a reversing entry (with `corrects`).
    #[serde(default)]
    #[schema(required = true)]
    pub amount_fen: i64,
    /// `YYYY-MM-DD`, not before the acceptance nor after today.
    #[serde(default)]
    #[schema(required = true, format = Date)]
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
