//! The inbox: a signed-in user's notifications, filtered by unread and kind; opening one marks
//! it read and follows its link; everything can be marked read at once. Works without
//! JavaScript (each action is a form).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::notification::{Kind, NotificationFilter};

use super::{CheckedForm, PageCtx, actor, error_page, render, safe_next, see_other};
use crate::AppState;
use crate::format::beijing;

/// One line of the inbox.
struct Line {
    id: i64,
    kind: &'static str,
    title: String,
    body: String,
    read: bool,
    at: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct InboxPage {
    ctx: PageCtx,
    items: Vec<Line>,
    unread_only: bool,
    /// The kind filter: (code, label, selected).
    kinds: Vec<(&'static str, &'static str, bool)>,
    total: i64,
    unread: i64,
    pager: crate::pages::Pager,
}

/// `GET /notifications?unread=1&kind=&page=`
pub async fn inbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let page: i64 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let per_page = 20;
    let unread_only = q.get("unread").is_some_and(|v| v == "1" || v == "true");
    let kind = q.get("kind").and_then(|k| Kind::parse(k));
    let filter = NotificationFilter {
        unread_only,
        kind,
        limit: per_page,
        offset: (page - 1).saturating_mul(per_page),
    };
    let who = actor(&account);
    let (items, total) = match state
        .call(move |services| services.notifications(&who, &filter))
        .await
    {
        Ok(found) => found,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "notifications");
    let mut base = String::from("/notifications");
    let mut sep = '?';
    if unread_only {
        base.push_str("?unread=1");
        sep = '&';
    }
    if let Some(k) = kind {
        base.push_str(&format!("{sep}kind={}", k.code()));
    }
    let pager = crate::pages::Pager::new(&ctx.t, &base, page, per_page, total);
    let locale = ctx.t.locale;
    render(
        StatusCode::OK,
        &InboxPage {
            items: items
                .iter()
                .map(|n| Line {
                    id: n.id,
                    kind: n.kind.label(locale),
                    title: n.title.clone(),
                    body: n.body.clone(),
                    read: n.read,
                    at: beijing(n.created_at),
                })
                .collect(),
            unread_only,
            kinds: Kind::ALL
                .iter()
                .map(|k| (k.code(), k.label(locale), Some(*k) == kind))
                .collect(),
            total,
            unread: account.unread_notifications,
            pager,
            ctx,
        },
    )
}

/// `POST /notifications/{id}/open`: marks the notification read and follows its link.
pub async fn open(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    _form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = path.into_inner();
    let who = actor(&account);
    let link = state
        .call(move |services| services.mark_notification_read(&who, id))
        .await
        .map(|n| n.link);
    match link {
        Ok(link) => see_other(safe_next(&link)),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /notifications/read-all`
pub async fn read_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    _form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let who = actor(&account);
    match state
        .call(move |services| services.mark_all_notifications_read(&who))
        .await
    {
        Ok(_) => see_other("/notifications?notice=all_read"),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// Quiet time before a keep-alive comment (so that proxies keep the line open, and a client
/// that went away is noticed and its watcher removed).
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(20);
/// How long one stream lasts; the browser connects again (and is authenticated again).
const STREAM_FOR: std::time::Duration = std::time::Duration::from_secs(600);

/// `GET /notifications/stream`: server-sent events for the header's unread count. An
/// `unread` event carries the count at once and whenever it changes. The counts come from the
/// process's [`crate::live::LiveHub`] (one refresh for every open stream); the stream ends when
/// its session ends, and a user has at most [`crate::live::PER_USER`] open (429 beyond).
pub async fn stream(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Ok(who) = crate::auth::authenticate(&req) else {
        return HttpResponse::Unauthorized().finish();
    };
    let Some(sub) = state.live.subscribe(who.session, who.actor.user_id) else {
        return HttpResponse::TooManyRequests()
            .insert_header((actix_web::http::header::RETRY_AFTER, "60"))
            .content_type("text/plain; charset=utf-8")
            .body(format!(
                "最多同时打开 {} 个通知连接 / at most {} live notification streams at once",
                crate::live::PER_USER,
                crate::live::PER_USER
            ));
    };
    struct Watch {
        sub: crate::live::Subscription,
        last: Option<i64>,
        until: tokio::time::Instant,
    }
    let start = Watch {
        sub,
        last: None,
        until: tokio::time::Instant::now() + STREAM_FOR,
    };
    let events = futures_util::stream::unfold(start, |mut w| async move {
        loop {
            let now = *w.sub.rx.borrow_and_update();
            match now {
                crate::live::Live::Ended => return None,
                crate::live::Live::Unread(n) if Some(n) != w.last => {
                    w.last = Some(n);
                    let event = format!("event: unread\ndata: {n}\n\n");
                    return Some((Ok::<_, actix_web::Error>(web::Bytes::from(event)), w));
                }
                _ => {}
            }
            let wake = (tokio::time::Instant::now() + KEEP_ALIVE).min(w.until);
            match tokio::time::timeout_at(wake, w.sub.rx.changed()).await {
                Ok(Ok(())) => {}
                // The hub is gone (the server stops).
                Ok(Err(_)) => return None,
                Err(_) if tokio::time::Instant::now() >= w.until => return None,
                Err(_) => return Some((Ok(web::Bytes::from_static(b": still here\n\n")), w)),
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events)
}
