//! Invitations to bid: the owner invites a verified vendor; the vendor sees its invitations.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::scenario::ScenarioId;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::query::{Page, PageQuery};

/// An invitation to bid.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InvitationIn {
    pub vendor_id: i64,
    /// Up to 1000 characters.
    pub message: String,
}

/// An invitation, as its agency and its vendor see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationOut {
    pub id: i64,
    pub scenario_id: i64,
    pub vendor_id: i64,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

impl InvitationOut {
    fn of(i: &domain::invitation::Invitation) -> Self {
        Self {
            id: i.id,
            scenario_id: i.scenario.0,
            vendor_id: i.vendor.0,
            message: i.message.clone(),
            created_at: i.created_at,
        }
    }
}

/// The scenario an invitation is for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitedTo {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub bid_deadline: DateTime<Utc>,
}

/// A vendor's invitation with its scenario.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceivedInvitation {
    #[serde(flatten)]
    pub invitation: InvitationOut,
    pub scenario: InvitedTo,
}

#[utoipa::path(tag = "notifications", request_body = InvitationIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = InvitationOut), (status = 403, description = "not the owner", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "bidding is over, or the vendor is invited already", body = crate::error::Problem),
        (status = 422, description = "no such verified vendor (`vendor_id`), or no message (`message`)", body = crate::error::Problem)))]
#[post("/scenarios/{id}/invitations")]
/// The owner invites a verified vendor to bid; the vendor is notified.
pub async fn invite(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<InvitationIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let body = body.into_inner();
    let i = state
        .call(move |services| {
            services.invite_vendor(
                &who.actor,
                id,
                domain::ids::OrganizationId(body.vendor_id),
                &body.message,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(InvitationOut::of(&i)))
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id"), PageQuery),
    responses((status = 200, body = Page<InvitationOut>), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/scenarios/{id}/invitations")]
/// A scenario's invitations, oldest first: all for its owner, its own for an invited vendor,
/// none otherwise.
pub async fn scenario_invitations(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let items = state
        .call(move |services| services.scenario_invitations(&who.actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(paging.slice(items.iter().map(InvitationOut::of).collect())))
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<ReceivedInvitation>), (status = 403, description = "not a vendor", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/me/invitations")]
/// The invitations the caller's vendor received, newest first, with their scenarios.
pub async fn my_invitations(
    state: web::Data<AppState>,
    who: Authenticated,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let now = state.services.now();
    let items = state
        .call(move |services| services.my_invitations(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(
        paging.slice(
            items
                .iter()
                .map(|(i, s)| ReceivedInvitation {
                    invitation: InvitationOut::of(i),
                    scenario: InvitedTo {
                        id: s.id.0,
                        title: s.title.clone(),
                        status: s.status_at(now).code().into(),
                        bid_deadline: s.bid_deadline,
                    },
                })
                .collect(),
        ),
    ))
}

/// A recommended vendor.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecommendedVendor {
    pub id: i64,
    pub name: String,
    pub opc_member: bool,
}

/// Why a vendor is recommended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReasonOut {
    /// `offer` (what the vendor delivers, or that it only delivers something else),
    /// `capability`, `terms`, `concept` (what both speak of in other words), `domain`, `rating`
    /// or `opc`.
    pub kind: &'static str,
    /// In Chinese.
    pub text: String,
    pub text_en: String,
}

/// One vendor of the recommendation list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub vendor: RecommendedVendor,
    /// The fit; equal scores are equal matches (OPC members first among them).
    pub score: f64,
    /// Whether its kind of offer can deliver an AI system (or is not known): vendors that
    /// cannot (only hardware, works, training, consulting or goods) come after all that can.
    pub delivers: bool,
    pub reasons: Vec<ReasonOut>,
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(PageQuery,
        ("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = Page<Recommendation>), (status = 403, description = "not the owner", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/scenarios/{id}/recommended-vendors")]
/// Every verified vendor ranked by fit to the owner's scenario, best first, with reasons.
pub async fn recommended_vendors(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let search = state.search.clone();
    let (offset, limit) = (paging.offset() as usize, paging.per_page as usize);
    let (page, total) = state
        .call(move |_| search.recommended_vendors(&who.actor, id, offset, limit))
        .await?;
    let items: Vec<Recommendation> = page
        .into_iter()
        .map(|r| Recommendation {
            vendor: RecommendedVendor {
                id: r.vendor.0,
                name: r.name,
                opc_member: r.opc_member,
            },
            score: r.score,
            delivers: r.delivers,
            reasons: r
                .reasons
                .into_iter()
                .map(|x| ReasonOut {
                    kind: x.kind,
                    text: x.text.zh.into_owned(),
                    text_en: x.text.en.into_owned(),
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(paging.page_of(items, total as i64)))
}
