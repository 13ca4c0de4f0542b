//! A vendor's public profile: its capabilities, reputation, ratings and the one reply to each.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::evaluation::round2;
use domain::ids::OrganizationId;

use crate::AppState;
use crate::format::beijing;
use crate::pages::{PageCtx, actor, current_account, error_page, render};

/// A rating as the profile shows it.
#[derive(Debug)]
pub struct RatingLine {
    pub id: i64,
    pub scenario: String,
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
    pub comment: String,
    pub at: String,
    pub reply: Option<String>,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrgPage {
    ctx: PageCtx,
    org: crate::views::OrganizationOut,
    reputation: Option<String>,
    count_text: String,
    ratings: Vec<RatingLine>,
    can_reply: bool,
    /// What the vendor delivers, in the page's language.
    offers: Vec<String>,
    /// An agency's record of acceptance and payment.
    record: Option<crate::pages::contracts::RecordFigures>,
    /// A vendor's milestones: (accepted, of them on time, the share as text).
    delivery: Option<(i64, i64, String)>,
}

/// `GET /organizations/{id}`: the public profile with reputation and ratings.
pub async fn organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let id = OrganizationId(path.into_inner());
    let viewer = account.as_ref().map(actor);
    let loaded = state
        .call(move |services| {
            let org = services.organization(viewer.as_ref(), id)?;
            let ratings = services.vendor_ratings(id)?;
            let records = if org.kind == domain::account::OrgKind::Agency {
                (Some(services.payment_record(id)?), None)
            } else {
                (None, Some(services.delivery_record(id)?))
            };
            let mut titles = HashMap::new();
            for r in &ratings.ratings {
                if let Ok(v) = services.scenario(None, r.scenario) {
                    titles.insert(r.scenario, v.scenario.title);
                }
            }
            Ok((org, ratings, titles, records))
        })
        .await;
    let (org, ratings, titles, (record, delivery)) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "vendors");
    let can_reply = account
        .as_ref()
        .is_some_and(|a| domain::policy::can_reply_to_rating(&actor(a), id).is_ok());
    let offers = org
        .offer_kinds
        .iter()
        .map(|k| ctx.t.msg(&k.label()))
        .collect();
    let page = OrgPage {
        offers,
        record: record.map(|r| crate::pages::contracts::RecordFigures::of(&r, &ctx.t)),
        delivery: delivery.filter(|d| d.milestones_accepted > 0).map(|d| {
            (
                d.milestones_accepted,
                d.milestones_on_time,
                d.on_time_pct()
                    .map(|p| format!("{p:.1}%"))
                    .unwrap_or_default(),
            )
        }),
        org: crate::views::OrganizationOut::from(&org),
        reputation: ratings.reputation.map(|r| format!("{:.2}", round2(r))),
        count_text: ctx
            .t
            .t("ev.ratings_count")
            .replace("{}", &ratings.count.to_string()),
        ratings: ratings
            .ratings
            .iter()
            .map(|r| RatingLine {
                id: r.id.0,
                scenario: titles.get(&r.scenario).cloned().unwrap_or_default(),
                quality: r.quality,
                timeliness: r.timeliness,
                communication: r.communication,
                comment: r.comment.clone(),
                at: beijing(r.created_at),
                reply: r.reply.clone(),
            })
            .collect(),
        can_reply,
        ctx,
    };
    render(StatusCode::OK, &page)
}
