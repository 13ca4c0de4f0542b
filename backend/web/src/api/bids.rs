//! The "Bids" part of the API: sealed submission, revision, withdrawal, attachments and
//! receipts. Before the deadline only the bidding vendor's users can know a bid exists.

use crate::api::inputs::*;
use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web::{delete, get, post, put};
use app::bids::BidView;
use chrono::{DateTime, Utc};
use domain::bid::BidId;
use domain::scenario::ScenarioId;
use serde::Serialize;

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::upload::one_pdf;

/// An attached file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentOut {
    pub sha256: String,
    pub filename: String,
    pub size: i64,
    /// Where to download it.
    pub url: String,
}

/// A receipt and whether it still matches (known once the bids are opened).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptOut {
    #[serde(flatten)]
    pub receipt: ReceiptBody,
    /// Null until the bids are opened; then whether the stored content still hashes to it.
    pub matches: Option<bool>,
}

/// One submitted version (shown to the bidding vendor only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionOut {
    pub version: i32,
    pub price_fen: i64,
    pub delivery_days: i32,
    pub technical_proposal: String,
    pub team: String,
    pub attachment_hashes: Vec<String>,
    pub content_sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A bid.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BidOut {
    pub id: i64,
    pub scenario_id: i64,
    pub scenario_title: String,
    pub bid_deadline: DateTime<Utc>,
    pub vendor: crate::api::scenarios::AgencyRef,
    /// `submitted` or `withdrawn`.
    pub status: String,
    /// Whether the deadline has passed: the bid can no longer change.
    pub locked: bool,
    pub version: i32,
    pub price_fen: i64,
    pub delivery_days: i32,
    pub technical_proposal: String,
    pub team: String,
    pub attachments: Vec<AttachmentOut>,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub receipts: Vec<ReceiptOut>,
    /// The consortium (联合体) the bid is for, its lead being `vendor`; null for a vendor
    /// bidding alone.
    pub consortium: Option<crate::api::teams::BidTeamOut>,
    /// Every version, for the bidding vendor only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<VersionOut>>,
}

impl From<&BidView> for BidOut {
    fn from(v: &BidView) -> Self {
        let b = &v.bid;
        BidOut {
            id: b.id.0,
            scenario_id: b.scenario.0,
            scenario_title: v.scenario_title.clone(),
            bid_deadline: v.bid_deadline,
            vendor: crate::api::scenarios::AgencyRef {
                id: b.vendor.0,
                name: v.vendor_name.clone(),
            },
            status: b.status.code().into(),
            locked: v.opened,
            version: b.version,
            price_fen: b.fields.price_fen,
            delivery_days: b.fields.delivery_days,
            technical_proposal: b.fields.technical_proposal.clone(),
            team: b.fields.team.clone(),
            attachments: b
                .attachments
                .iter()
                .map(|a| AttachmentOut {
                    sha256: a.sha256.clone(),
                    filename: a.filename.clone(),
                    size: a.size,
                    url: format!("/api/v1/bids/{}/attachments/{}", b.id.0, a.sha256),
                })
                .collect(),
            submitted_at: b.created_at,
            updated_at: b.updated_at,
            receipts: v
                .receipts
                .iter()
                .map(|r| ReceiptOut {
                    receipt: r.receipt.clone().into(),
                    matches: r.matches,
                })
                .collect(),
            consortium: v.team.as_ref().map(Into::into),
            versions: v.versions.as_ref().map(|vs| {
                vs.iter()
                    .map(|x| VersionOut {
                        version: x.version,
                        price_fen: x.fields.price_fen,
                        delivery_days: x.fields.delivery_days,
                        technical_proposal: x.fields.technical_proposal.clone(),
                        team: x.fields.team.clone(),
                        attachment_hashes: x.attachment_hashes.clone(),
                        content_sha256: x.content_hash.clone(),
                        created_at: x.created_at,
                    })
                    .collect()
            }),
        }
    }
}

/// A change to a bid and the receipt for it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BidSaved {
    pub bid: BidOut,
    pub receipt: ReceiptBody,
}

/// The bids of a scenario the reader may see.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BidListOut {
    pub items: Vec<BidOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// Whether the bids are opened.
    pub opened: bool,
    /// Hints at opening (fewer than 3 valid bids), for the owner.
    pub warnings: Vec<WarningOut>,
}

#[utoipa::path(tag = "bids", request_body = BidIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = BidSaved), (status = 403, description = "not a verified vendor", body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "after the deadline, or a second active bid", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/scenarios/{id}/bids")]
/// A verified vendor submits a sealed bid before the deadline.
pub async fn submit(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<BidIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let (v, receipt) = state
        .call(move |services| services.submit_bid(&who.actor, id, body.into_inner().into(), &[]))
        .await?;
    Ok(HttpResponse::Created().json(BidSaved {
        bid: BidOut::from(&v),
        receipt: receipt.into(),
    }))
}

#[utoipa::path(tag = "bids", security(("bearer" = [])), params(("id" = i64, Path, description = "bid id")),
    responses((status = 200, body = BidOut), (status = 404, description = "no such bid, or sealed from the caller", body = crate::error::Problem)))]
#[get("/bids/{id}")]
/// A bid: the bidding vendor's users; after the deadline also the owner agency and the panel.
pub async fn get(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = BidId(path.into_inner());
    let v = state
        .call(move |services| services.bid(&who.actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(BidOut::from(&v)))
}

#[utoipa::path(tag = "bids", request_body = BidIn, security(("bearer" = [])), params(("id" = i64, Path, description = "bid id")),
    responses((status = 200, body = BidSaved), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[put("/bids/{id}")]
/// The bidding vendor revises its bid before the deadline; earlier versions are kept.
pub async fn revise(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<BidIn>,
) -> ApiResult<HttpResponse> {
    let id = BidId(path.into_inner());
    let (v, receipt) = state
        .call(move |services| services.revise_bid(&who.actor, id, body.into_inner().into()))
        .await?;
    Ok(HttpResponse::Ok().json(BidSaved {
        bid: BidOut::from(&v),
        receipt: receipt.into(),
    }))
}

#[utoipa::path(tag = "bids", security(("bearer" = [])), params(("id" = i64, Path, description = "bid id")),
    responses((status = 200, body = BidOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/bids/{id}/withdraw")]
/// The bidding vendor withdraws its bid before the deadline.
pub async fn withdraw(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = BidId(path.into_inner());
    let v = state
        .call(move |services| services.withdraw_bid(&who.actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(BidOut::from(&v)))
}

#[utoipa::path(tag = "bids", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id"), crate::api::PageQuery),
    responses((status = 200, body = BidListOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/scenarios/{id}/bids")]
/// Owner and panel after opening see every valid bid; a vendor sees only its own.
pub async fn list(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let r = state
        .call(move |services| services.scenario_bids(&who.actor, id))
        .await?;
    let page = paging.slice(r.items.iter().map(BidOut::from).collect());
    Ok(HttpResponse::Ok().json(BidListOut {
        items: page.items,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        opened: r.opened,
        warnings: warnings(r.warnings),
    }))
}

#[utoipa::path(tag = "bids", security(("bearer" = [])), params(crate::api::PageQuery),
    responses((status = 200, body = crate::api::Page<BidOut>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/me/bids")]
/// The signed-in vendor's bids, newest first, a page at a time.
pub async fn mine(
    state: web::Data<AppState>,
    who: Authenticated,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let v = state
        .call(move |services| services.my_bids(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(paging.slice(v.iter().map(BidOut::from).collect())))
}

#[utoipa::path(tag = "bids", security(("bearer" = [])), params(("id" = i64, Path, description = "bid id")),
    request_body(content_type = "multipart/form-data", description = "one PDF in the part `file`, at most 10 MB"),
    responses((status = 201, body = BidSaved), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, description = "not a PDF, too large, or a sixth file", body = crate::error::Problem)))]
#[post("/bids/{id}/attachments")]
/// Attaches a PDF to the bid (a new version, with a new receipt).
pub async fn attach(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let id = BidId(path.into_inner());
    // Identity (and CSRF for cookies) came with the extractor; the permission comes before a
    // byte of the body is read, so a request that would be refused stores nothing.
    let (v, receipt) = one_pdf(
        &state,
        payload,
        move |s| s.check_can_attach(&who.actor, id),
        move |s, new| s.add_attachment(&who.actor, id, new),
    )
    .await?;
    Ok(HttpResponse::Created().json(BidSaved {
        bid: BidOut::from(&v),
        receipt: receipt.into(),
    }))
}

#[utoipa::path(tag = "bids", security(("bearer" = [])),
    params(("id" = i64, Path, description = "bid id"), ("sha256" = String, Path, description = "the file's SHA-256")),
    responses((status = 200, body = BidSaved), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[delete("/bids/{id}/attachments/{sha256}")]
/// Removes an attached file (a new version, with a new receipt).
pub async fn detach(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<(i64, String)>,
) -> ApiResult<HttpResponse> {
    let (id, sha) = path.into_inner();
    let (v, receipt) = state
        .call(move |services| services.remove_attachment(&who.actor, BidId(id), &sha))
        .await?;
    Ok(HttpResponse::Ok().json(BidSaved {
        bid: BidOut::from(&v),
        receipt: receipt.into(),
    }))
}

#[utoipa::path(tag = "bids", security(("bearer" = [])),
    params(("id" = i64, Path, description = "bid id"), ("sha256" = String, Path, description = "the file's SHA-256")),
    responses((status = 200, description = "the PDF, as an attachment", content_type = "application/pdf"), (status = 404, body = crate::error::Problem)))]
#[get("/bids/{id}/attachments/{sha256}")]
/// Downloads an attachment, sealed exactly like its bid.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<(i64, String)>,
) -> ApiResult<HttpResponse> {
    let (id, sha) = path.into_inner();
    let sha2 = sha.clone();
    let att = state
        .call(move |services| services.bid_attachment(&who.actor, BidId(id), &sha2))
        .await?;
    send_pdf(&req, &state, &att).await
}

/// A stored PDF as a download under its own name.
pub(crate) async fn send_pdf(
    req: &HttpRequest,
    state: &AppState,
    att: &domain::bid::Attachment,
) -> ApiResult<HttpResponse> {
    Ok(state.files.send(req, &att.sha256, &att.filename).await?)
}
