//! A signed-in user's notifications: list (all or unread, by kind), mark read, mark all read.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::error::{Error, FieldError};
use domain::message::Message;
use domain::notification::{Kind, Notification, NotificationFilter};
use domain::scenario::ScenarioId;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::query::{Page, Paging};

/// One notification, in the recipient's language.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// `scenario_match`, `invitation`, `question_answered`, `deadline_extended`,
    /// `deadline_reminder`, `bids_opened`, `panel_assigned`, `award_result`,
    /// `rating_received`, `organization_verified`, `challenge_filed`, `challenge_reminder`,
    /// `challenge_answered`.
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
