//! Award notices, public, and a bidder's own result.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::evaluation::round2;
use domain::scenario::ScenarioId;

use super::{PageCtx, actor, current_account, error_page, render};
use crate::AppState;
use crate::format::{beijing, money};

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    ctx: PageCtx,
    /// (id, title, agency, winner, price, when)
    items: Vec<(i64, String, String, String, String, String)>,
    pager: crate::pages::Pager,
}

/// `GET /notices?page=`
pub async fn notices(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let page: i64 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let per_page = 20;
    let list = match state
        .call(move |services| services.award_notices((page - 1).saturating_mul(per_page), per_page))
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "notices");
    let pager = crate::pages::Pager::new(&ctx.t, "/notices", page, per_page, list.total);
    let items = list
        .items
        .iter()
        .map(|n| {
            (
                n.scenario.0,
                n.title.clone(),
                n.agency.clone(),
                n.winner.1.clone(),
                money(n.price_fen, ctx.t.locale),
                beijing(n.awarded_at),
            )
        })
        .collect();
    render(StatusCode::OK, &NoticesPage { ctx, items, pager })
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    ctx: PageCtx,
    id: i64,
    title: String,
    agency: String,
    winner: String,
    price: String,
    at: String,
    /// (rank, name, total)
    items: Vec<(usize, String, String)>,
    panel: String,
}

/// `GET /scenarios/{id}/notice`
pub async fn notice(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let id = ScenarioId(path.into_inner());
    let n = match state.call(move |services| services.award_notice(id)).await {
        Ok(n) => n,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "notices");
    let page = NoticePage {
        id: id.0,
        title: n.title.clone(),
        agency: n.agency.clone(),
        winner: n.winner.1.clone(),
        price: money(n.price_fen, ctx.t.locale),
        at: beijing(n.awarded_at),
        items: n
            .items
            .iter()
            .map(|(_, name, total, rank)| (*rank, name.clone(), format!("{:.2}", round2(*total))))
            .collect(),
        panel: n.panel.join("、"),
        ctx,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "my_result.html")]
struct ResultPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    rank: usize,
    price_score: String,
    means: Vec<(String, String)>,
    technical: String,
    total: String,
}

/// `GET /scenarios/{id}/result`: a bidding vendor's own evaluation.
pub async fn my_result(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let a = actor(&account);
    let loaded = state
        .call(move |services| {
            Ok((
                services.scenario(Some(&a), id)?,
                services.my_result(&a, id)?,
            ))
        })
        .await;
    let (v, r) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "my_bids");
    let f2 = |x: f64| format!("{:.2}", round2(x));
    let page = ResultPage {
        id: id.0,
        title: v.scenario.title.clone(),
        rank: r.evaluated.rank,
        price_score: f2(r.evaluated.price_score),
        means: r
            .evaluated
            .criteria
            .iter()
            .map(|(c, m)| {
                (
                    v.scenario
                        .criteria
                        .iter()
                        .find(|x| x.id == *c)
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                    m.map(f2).unwrap_or_else(|| "—".into()),
                )
            })
            .collect(),
        technical: f2(r.evaluated.technical_score),
        total: f2(r.evaluated.total),
        ctx,
    };
    render(StatusCode::OK, &page)
}
