//! A signed-in user's notifications: list (all or unread, by kind), mark read, mark all read.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::error::{Error, FieldError};
use domain::message::Message;
use domain::notify::{Kind, Notification, NotificationFilter};
use domain::scenario::ScenarioId;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::query::{Page, PageQuery, Paging};

/// One notification, in the recipient's language.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// `scenario_match`, `invitation`, `question_answered`, `deadline_extended`,
    /// `deadline_reminder`, `bids_opened`, `panel_assigned`, `award_result`,
    /// `rating_received`, `organization_verified`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A path on this site.
    pub link: String,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

impl NotificationOut {
    pub fn of(n: &Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind.code().into(),
            title: n.title.clone(),
            body: n.body.clone(),
            link: n.link.clone(),
            read: n.read,
            created_at: n.created_at,
        }
    }
}

/// Which notifications to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct NotificationQuery {
    /// `true`: unread ones only.
    pub unread: Option<bool>,
    /// One kind only.
    pub kind: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The filter and page of a notification list; a bad kind or page is named.
pub fn notification_filter(q: &NotificationQuery) -> Result<(NotificationFilter, Paging), Error> {
    let mut errors = vec![];
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => {
            let found = Kind::parse(k);
            if found.is_none() {
                errors.push(FieldError::new(
                    "kind",
                    Message::new("没有这种通知类型", "no such kind of notification"),
                ));
            }
            found
        }
    };
    let paging = match Paging::parse(q.page, q.per_page) {
        Ok(p) => Some(p),
        Err(Error::Validation(e)) => {
            errors.extend(e);
            None
        }
        Err(e) => return Err(e),
    };
    match paging {
        Some(p) if errors.is_empty() => Ok((
            NotificationFilter {
                unread_only: q.unread.unwrap_or(false),
                kind,
                limit: p.per_page,
                offset: p.offset(),
            },
            p,
        )),
        _ => Err(Error::Validation(errors)),
    }
}

/// A page of notifications and how many are unread in all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    #[serde(flatten)]
    pub page: Page<NotificationOut>,
    pub unread: i64,
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(NotificationQuery),
    responses((status = 200, body = NotificationPage), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/notifications")]
/// The caller's notifications, newest first.
pub async fn list(
    state: web::Data<AppState>,
    who: Authenticated,
    q: web::Query<NotificationQuery>,
) -> ApiResult<HttpResponse> {
    let (filter, paging) = notification_filter(&q)?;
    let (items, total, unread) = state
        .call(move |services| {
            let (items, total) = services.notifications(&who.actor, &filter)?;
            let unread = services.unread_notifications(who.actor.user_id)?;
            Ok((items, total, unread))
        })
        .await?;
    Ok(HttpResponse::Ok().json(NotificationPage {
        page: paging.page_of(items.iter().map(NotificationOut::of).collect(), total),
        unread,
    }))
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "notification id")),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 404, description = "not the caller's notification", body = crate::error::Problem)))]
#[post("/notifications/{id}/read")]
/// Marks one of the caller's notifications read.
pub async fn read(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .call(move |services| services.mark_notification_read(&who.actor, id).map(drop))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How many notifications were marked read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MarkedRead {
    pub marked: i64,
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = MarkedRead), (status = 401, body = crate::error::Problem)))]
#[post("/notifications/read-all")]
/// Marks every notification of the caller read.
pub async fn read_all(state: web::Data<AppState>, who: Authenticated) -> ApiResult<HttpResponse> {
    let marked = state
        .call(move |services| services.mark_all_notifications_read(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(MarkedRead { marked }))
}

/// Whether the caller follows the scenario now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Following {
    pub following: bool,
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = Following), (status = 401, body = crate::error::Problem),
        (status = 403, description = "not a vendor", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "the scenario does not take bids now", body = crate::error::Problem)))]
#[put("/scenarios/{id}/follow")]
/// Follows a scenario that takes bids (vendors): its answers and deadline extensions notify.
pub async fn follow(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    set_following(state, who, path.into_inner(), true).await
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = Following), (status = 401, body = crate::error::Problem),
        (status = 403, description = "not a vendor", body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[delete("/scenarios/{id}/follow")]
/// Stops following a scenario.
pub async fn unfollow(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    set_following(state, who, path.into_inner(), false).await
}

async fn set_following(
    state: web::Data<AppState>,
    who: Authenticated,
    id: i64,
    on: bool,
) -> ApiResult<HttpResponse> {
    let following = state
        .call(move |services| services.follow_scenario(&who.actor, ScenarioId(id), on))
        .await?;
    Ok(HttpResponse::Ok().json(Following { following }))
}

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
    fn of(i: &domain::notify::Invitation) -> Self {
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

/// A vendor user's interests: new scenarios that fit them notify.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InterestsBody {
    /// Domain codes.
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub budget_min_fen: Option<i64>,
    /// `immediate`, `daily` or `off` (in-app notifications are always written).
    pub email: Option<String>,
}

impl InterestsBody {
    fn of(i: &domain::matching::Interests) -> Self {
        Self {
            domains: i.domains.iter().map(|d| d.code().to_string()).collect(),
            tags: i.tags.clone(),
            keywords: i.keywords.clone(),
            budget_min_fen: i.budget_min_fen,
            email: Some(i.email.code().into()),
        }
    }
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = InterestsBody), (status = 403, description = "not a vendor", body = crate::error::Problem)))]
#[get("/me/interests")]
/// The caller's interests (empty until saved).
pub async fn interests(state: web::Data<AppState>, who: Authenticated) -> ApiResult<HttpResponse> {
    let i = state
        .call(move |services| services.my_interests(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(InterestsBody::of(&i)))
}

#[utoipa::path(tag = "notifications", request_body = InterestsBody, security(("bearer" = [])),
    responses((status = 200, body = InterestsBody), (status = 403, description = "not a vendor", body = crate::error::Problem),
        (status = 422, description = "a bad domain, tag, keyword, budget or email choice, named", body = crate::error::Problem)))]
#[put("/me/interests")]
/// Replaces the caller's interests.
pub async fn save_interests(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<InterestsBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let i = state
        .call(move |services| {
            services.save_interests(
                &who.actor,
                &b.domains,
                &b.tags,
                &b.keywords,
                b.budget_min_fen,
                b.email.as_deref(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(InterestsBody::of(&i)))
}

/// A saved search: the search page's query and filters.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SavedSearchIn {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
}

/// A saved search as stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedSearchOut {
    pub id: i64,
    pub q: String,
    pub domains: Vec<String>,
    pub tags: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl SavedSearchOut {
    fn of(s: &domain::matching::SavedSearch) -> Self {
        Self {
            id: s.id,
            q: s.q.clone(),
            domains: s.domains.iter().map(|d| d.code().to_string()).collect(),
            tags: s.tags.clone(),
            budget_min_fen: s.budget_min_fen,
            budget_max_fen: s.budget_max_fen,
            created_at: s.created_at,
        }
    }
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<SavedSearchOut>), (status = 403, description = "not a vendor", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/me/saved-searches")]
/// The caller's saved searches, oldest first.
pub async fn saved_searches(
    state: web::Data<AppState>,
    who: Authenticated,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let all = state
        .call(move |services| services.my_saved_searches(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(paging.slice(all.iter().map(SavedSearchOut::of).collect())))
}

#[utoipa::path(tag = "notifications", request_body = SavedSearchIn, security(("bearer" = [])),
    responses((status = 201, body = SavedSearchOut), (status = 403, description = "not a vendor", body = crate::error::Problem),
        (status = 422, description = "nothing to search for (`q`), or a bad filter, named", body = crate::error::Problem)))]
#[post("/me/saved-searches")]
/// Saves a search; new scenarios that fit it notify.
pub async fn save_search(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<SavedSearchIn>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let s = state
        .call(move |services| {
            services.save_search(
                &who.actor,
                &b.q,
                &b.domains,
                &b.tags,
                b.budget_min_fen,
                b.budget_max_fen,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(SavedSearchOut::of(&s)))
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "saved search id")),
    responses((status = 204), (status = 404, description = "not the caller's", body = crate::error::Problem)))]
#[delete("/me/saved-searches/{id}")]
/// Deletes one of the caller's saved searches.
pub async fn delete_saved_search(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .call(move |services| services.delete_saved_search(&who.actor, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
