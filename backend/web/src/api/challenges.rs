//! Challenges (质疑) to an award: filing with reasons and PDFs, the owner's answer, and the
//! list, which shows answered challenges to everyone and open ones to the owner and the
//! challenger only.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use app::challenges::{ChallengeBoard, ChallengeView, Filing};
use chrono::{DateTime, Utc};
use domain::ids::ChallengeId;
use domain::scenario::ScenarioId;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::bids::{AttachmentOut, send_pdf};
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error::ApiResult;
use crate::upload::one_pdf;

/// The owner's answer, once given.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChallengeAnswerOut {
    /// `upheld` or `rejected`.
    pub decision: &'static str,
    pub body: String,
    pub answered_at: DateTime<Utc>,
}

/// One challenge.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChallengeOut {
    pub id: i64,
    pub scenario_id: i64,
    pub vendor_id: i64,
    pub vendor_name: String,
    /// The challenged award's bid.
    pub award_bid_id: i64,
    pub reasons: String,
    pub filed_at: DateTime<Utc>,
    /// The owner answers before this time.
    pub answer_due: DateTime<Utc>,
    /// `open`, `upheld` or `rejected`.
    pub status: &'static str,
    /// Unanswered past `answer_due`.
    pub overdue: bool,
    pub answer: Option<ChallengeAnswerOut>,
    pub attachments: Vec<AttachmentOut>,
}

impl From<&ChallengeView> for ChallengeOut {
    fn from(v: &ChallengeView) -> Self {
        let c = &v.challenge;
        ChallengeOut {
            id: c.id.0,
            scenario_id: c.scenario.0,
            vendor_id: c.vendor.0,
            vendor_name: v.vendor_name.clone(),
            award_bid_id: c.award_bid.0,
            reasons: c.reasons.clone(),
            filed_at: c.filed_at,
            answer_due: c.answer_due,
            status: c.answer.as_ref().map_or("open", |a| a.decision.code()),
            overdue: v.overdue,
            answer: c.answer.as_ref().map(|a| ChallengeAnswerOut {
                decision: a.decision.code(),
                body: a.body.clone(),
                answered_at: a.answered_at,
            }),
            attachments: c
                .attachments
                .iter()
                .map(|a| AttachmentOut {
                    sha256: a.sha256.clone(),
                    filename: a.filename.clone(),
                    size: a.size,
                    url: format!(
                        "/api/v1/scenarios/{}/challenges/{}/attachments/{}",
                        c.scenario.0, c.id.0, a.sha256
                    ),
                })
                .collect(),
        }
    }
}

/// The period to challenge the award in force.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FilingOut {
    pub awarded_at: DateTime<Utc>,
    /// The period ends at this time (7 working days after the award).
    pub closes_at: DateTime<Utc>,
    pub open: bool,
}

impl From<&Filing> for FilingOut {
    fn from(f: &Filing) -> Self {
        FilingOut {
            awarded_at: f.awarded_at,
            closes_at: f.closes_at,
            open: f.open,
        }
    }
}

/// A page of the challenges the caller may read (oldest first), and the filing period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChallengeListOut {
    pub items: Vec<ChallengeOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub filing: Option<FilingOut>,
    /// Whether the caller may file a challenge now.
    pub may_file: bool,
}

impl ChallengeListOut {
    fn of(b: &ChallengeBoard, paging: &crate::api::Paging) -> Self {
        let page = paging.slice(b.items.iter().map(ChallengeOut::from).collect());
        ChallengeListOut {
            items: page.items,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
            filing: b.filing.as_ref().map(FilingOut::from),
            may_file: b.may_file,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChallengeIn {
    /// Why the award is wrong (1–5000 characters).
    #[serde(default)]
    pub reasons: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChallengeAnswerIn {
    /// `upheld` (the award is withdrawn) or `rejected`.
    #[serde(default)]
    pub decision: String,
    /// The written answer (1–5000 characters).
    #[serde(default)]
    pub body: String,
}

#[utoipa::path(tag = "challenges", request_body = ChallengeIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = ChallengeOut),
        (status = 403, description = "not a bidder, or the winner", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "not awarded, the period is over, or challenged already", body = crate::error::Problem),
        (status = 422, description = "no reasons, or too long", body = crate::error::Problem)))]
#[post("/scenarios/{id}/challenges")]
/// A bidder challenges the award, within 7 working days of it.
pub async fn file_challenge(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ChallengeIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let reasons = body.into_inner().reasons;
    let v = state
        .call(move |s| s.file_challenge(&who.actor, id, &reasons, vec![]))
        .await?;
    Ok(HttpResponse::Created().json(ChallengeOut::from(&v)))
}

#[utoipa::path(tag = "challenges", params(("id" = i64, Path, description = "scenario id"), crate::api::PageQuery),
    responses((status = 200, body = ChallengeListOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/scenarios/{id}/challenges")]
/// The challenges of a scenario: answered ones for everyone, open ones for the owner and the
/// challenger.
pub async fn list(
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let b = state
        .call(move |s| s.challenge_board(who.0.as_ref().map(|a| &a.actor), id))
        .await?;
    Ok(HttpResponse::Ok().json(ChallengeListOut::of(&b, &paging)))
}

#[utoipa::path(tag = "challenges", security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id"), ("cid" = i64, Path, description = "challenge id")),
    request_body(content_type = "multipart/form-data", description = "one PDF in the part `file`, at most 10 MB"),
    responses((status = 201, body = ChallengeOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "answered, or the period is over", body = crate::error::Problem),
        (status = 422, description = "not a PDF, too large, or a sixth file", body = crate::error::Problem)))]
#[post("/scenarios/{id}/challenges/{cid}/attachments")]
/// The challenger adds a PDF to its open challenge while the period runs.
pub async fn attach(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let (id, cid) = (ScenarioId(id), ChallengeId(cid));
    let actor = who.actor;
    let v = one_pdf(
        &state,
        payload,
        move |s| s.check_can_attach_to_challenge(&actor, id, cid),
        move |s, new| s.attach_to_challenge(&who.actor, id, cid, new),
    )
    .await?;
    Ok(HttpResponse::Created().json(ChallengeOut::from(&v)))
}

#[utoipa::path(tag = "challenges",
    params(("id" = i64, Path, description = "scenario id"), ("cid" = i64, Path, description = "challenge id"), ("sha256" = String, Path, description = "the file's SHA-256")),
    responses((status = 200, description = "the PDF, as an attachment", content_type = "application/pdf"), (status = 404, body = crate::error::Problem)))]
#[get("/scenarios/{id}/challenges/{cid}/attachments/{sha256}")]
/// Downloads a PDF of a challenge, for whoever may read the challenge.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<(i64, i64, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cid, sha) = path.into_inner();
    let sha2 = sha.clone();
    let att = state
        .call(move |s| {
            s.challenge_attachment(
                who.0.as_ref().map(|a| &a.actor),
                ScenarioId(id),
                ChallengeId(cid),
                &sha2,
            )
        })
        .await?;
    send_pdf(&req, &state, &att).await
}

#[utoipa::path(tag = "challenges", request_body = ChallengeAnswerIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "challenge id")),
    responses((status = 200, body = ChallengeOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "answered already", body = crate::error::Problem),
        (status = 422, description = "a bad decision or no answer", body = crate::error::Problem)))]
#[post("/challenges/{id}/answer")]
/// The owner answers a challenge; upheld, the award is withdrawn and the bids are evaluated
/// again with the panel's scores kept.
pub async fn answer(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ChallengeAnswerIn>,
) -> ApiResult<HttpResponse> {
    let id = ChallengeId(path.into_inner());
    let ChallengeAnswerIn { decision, body } = body.into_inner();
    let v = state
        .call(move |s| s.answer_challenge(&who.actor, id, &decision, &body))
        .await?;
    Ok(HttpResponse::Ok().json(ChallengeOut::from(&v)))
}
