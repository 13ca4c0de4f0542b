//! A vendor's own bids, and the owner's list of a scenario's bids after opening.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::bid::BidStatus;
use domain::scenario::ScenarioId;

use super::{PageCtx, actor, error_page, render};
use crate::AppState;
use crate::format::{beijing, money};

/// A row of "my bids".
#[derive(Debug, Clone)]
pub struct MyRow {
    pub id: i64,
    pub scenario: String,
    pub status: String,
    pub locked: bool,
    pub deadline: String,
    pub price: String,
    pub version: i32,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "my_bids.html")]
pub(super) struct MinePage {
    ctx: PageCtx,
    rows: Vec<MyRow>,
}

/// `GET /my/bids`
pub async fn mine(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = signed_in!(req, state);
    let a = actor(&account);
    let bids = match state.call(move |services| services.my_bids(&a)).await {
        Ok(b) => b,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "my_bids");
    let rows = bids
        .iter()
        .map(|v| MyRow {
            id: v.bid.id.0,
            scenario: v.scenario_title.clone(),
            status: ctx
                .t
                .t(&format!("bid.status_{}", v.bid.status.code()))
                .to_string(),
            locked: v.opened,
            deadline: beijing(v.bid_deadline),
            price: money(v.bid.fields.price_fen, ctx.t.locale),
            version: v.bid.version,
            hash: v
                .receipts
                .last()
                .map(|r| r.receipt.content_sha256.clone())
                .unwrap_or_default(),
        })
        .collect();
    render(StatusCode::OK, &MinePage { ctx, rows })
}

/// A row of the owner's bid list.
#[derive(Debug, Clone)]
pub struct OwnerRow {
    pub id: i64,
    pub vendor: String,
    pub price: String,
    pub days: i32,
    pub updated: String,
    pub files: usize,
    pub status: String,
}

#[derive(Template)]
#[template(path = "scenario_bids.html")]
pub(super) struct ListPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    rows: Vec<OwnerRow>,
    warnings: Vec<String>,
}

/// `GET /scenarios/{id}/bids`: the owner's (and panel's) list once the bids are opened.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let a = actor(&account);
    let loaded = state
        .call(move |services| {
            let bids = services.scenario_bids(&a, id)?;
            if !bids.opened {
                return Err(Error::NotFound);
            }
            Ok((bids, services.scenario(Some(&a), id)?))
        })
        .await;
    let (bids, v) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "my_scenarios");
    let rows = bids
        .items
        .iter()
        .filter(|b| b.bid.status == BidStatus::Submitted)
        .map(|b| OwnerRow {
            id: b.bid.id.0,
            vendor: b.bidder(),
            price: money(b.bid.fields.price_fen, ctx.t.locale),
            days: b.bid.fields.delivery_days,
            updated: beijing(b.bid.updated_at),
            files: b.bid.attachments.len(),
            status: ctx
                .t
                .t(&format!("bid.status_{}", b.bid.status.code()))
                .to_string(),
        })
        .collect();
    let warnings = bids
        .warnings
        .iter()
        .map(|w| {
            if ctx.t.is_zh() {
                w.zh.clone()
            } else {
                w.en.clone()
            }
        })
        .collect();
    render(
        StatusCode::OK,
        &ListPage {
            id: id.0,
            title: v.scenario.title.clone(),
            rows,
            warnings,
            ctx,
        },
    )
}
