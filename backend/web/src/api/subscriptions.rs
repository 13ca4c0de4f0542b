//! What a user hears of and how: a vendor's interests and saved searches (new scenarios that
//! fit them notify), and everyone's e-mail settings per kind of notification.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::notification::Kind;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::query::{Page, PageQuery};

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
    responses((status = 201, body = SavedSearchOut), (status = 200, description = "the same search was saved before: the stored one", body = SavedSearchOut), (status = 403, description = "not a vendor", body = crate::error::Problem),
        (status = 422, description = "nothing to search for (`q`), or a bad filter, named", body = crate::error::Problem)))]
#[post("/me/saved-searches")]
/// Saves a search; new scenarios that fit it notify.
pub async fn save_search(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<SavedSearchIn>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let (s, created) = state
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
    Ok(if created {
        HttpResponse::Created().json(SavedSearchOut::of(&s))
    } else {
        HttpResponse::Ok().json(SavedSearchOut::of(&s))
    })
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

/// How the caller wants e-mail of each kind of notification, and the digest hour.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationSettingsOut {
    /// Every kind: `immediate`, `daily` (in the daily digest) or `off` (in-app only).
    pub kinds: BTreeMap<String, String>,
    /// The hour of the daily digest, Beijing time (0–23).
    pub digest_hour: u8,
}

impl NotificationSettingsOut {
    fn of(s: &domain::email::NotificationSettings) -> Self {
        Self {
            kinds: Kind::ALL
                .iter()
                .map(|k| (k.code().to_string(), s.pref(*k).code().to_string()))
                .collect(),
            digest_hour: s.digest_hour,
        }
    }
}

/// A change of e-mail settings: the kinds named change, the others stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NotificationSettingsIn {
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
    pub digest_hour: Option<i64>,
}

#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettingsOut)))]
#[get("/me/notification-settings")]
/// The caller's e-mail choice per kind of notification and the digest hour.
pub async fn notification_settings(
    state: web::Data<AppState>,
    who: Authenticated,
) -> ApiResult<HttpResponse> {
    let s = state
        .call(move |services| services.notification_settings(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(NotificationSettingsOut::of(&s)))
}

#[utoipa::path(tag = "notifications", request_body = NotificationSettingsIn, security(("bearer" = [])),
    responses((status = 200, body = NotificationSettingsOut),
        (status = 422, description = "an unknown kind or choice (`kinds.<kind>`) or a bad hour (`digest_hour`); nothing changed", body = crate::error::Problem)))]
#[put("/me/notification-settings")]
/// Changes the caller's e-mail choices (the kinds named) and the digest hour.
pub async fn save_notification_settings(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<NotificationSettingsIn>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let kinds: Vec<(String, String)> = b.kinds.into_iter().collect();
    let s = state
        .call(move |services| {
            services.save_notification_settings(&who.actor, &kinds, b.digest_hour)
        })
        .await?;
    Ok(HttpResponse::Ok().json(NotificationSettingsOut::of(&s)))
}

/// The caller's private feed links (they work without signing in: keep them private).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedTokenOut {
    pub token: String,
    /// The iCalendar feed of the caller's followed and bid-on scenarios.
    pub calendar_url: String,
    /// The Atom feed of a saved search: put the search's id in place of `{id}`.
    pub saved_search_feed_template: String,
}

fn feed_links(state: &AppState, token: String) -> FeedTokenOut {
    let base = state.services.auth.public_base_url.trim_end_matches('/');
    FeedTokenOut {
        calendar_url: format!("{base}/feeds/deadlines.ics?token={token}"),
        saved_search_feed_template: format!(
            "{base}/feeds/scenarios.atom?saved_search={{id}}&token={token}"
        ),
        token,
    }
}

#[utoipa::path(tag = "transparency", security(("bearer" = [])),
    responses((status = 200, body = FeedTokenOut), (status = 401, body = crate::error::Problem)))]
#[get("/me/feed-token")]
/// The caller's private feed token and links.
pub async fn feed_token(state: web::Data<AppState>, who: Authenticated) -> ApiResult<HttpResponse> {
    let token = state
        .call(move |services| services.feed_token(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(feed_links(&state, token)))
}

#[utoipa::path(tag = "transparency", security(("bearer" = [])),
    responses((status = 200, description = "a new token; every earlier one stops working", body = FeedTokenOut),
        (status = 401, body = crate::error::Problem)))]
#[post("/me/feed-token/reset")]
/// Replaces the caller's private feed token (audited as `user.feed_token_reset`).
pub async fn reset_feed_token(
    state: web::Data<AppState>,
    who: Authenticated,
) -> ApiResult<HttpResponse> {
    let token = state
        .call(move |services| services.reset_feed_token(&who.actor))
        .await?;
    Ok(HttpResponse::Ok().json(feed_links(&state, token)))
}
