//! The public scenario list and an agency's own scenarios.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::scenarios::ScenarioQuery;
use askama::Template;
use domain::scenario::Status;

use super::{PageCtx, Pager, actor, error_page, render, with_account};
use crate::AppState;
use crate::query::{ScenarioListQuery, list_query};

use super::*;

#[derive(Template)]
#[template(path = "scenarios.html")]
struct ListPage {
    ctx: PageCtx,
    cards: Vec<Card>,
    domains: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    domain: String,
    status: String,
    total_text: String,
    pager: Pager,
}

/// `GET /scenarios`
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let get = |k: &str| q.get(k).cloned().filter(|v| !v.is_empty());
    let raw = ScenarioListQuery {
        status: get("status"),
        domain: get("domain"),
        agency_id: get("agency_id").and_then(|a| a.parse().ok()),
        page: get("page").and_then(|p| p.parse().ok()),
        per_page: Some(20),
    };
    let (query, paging) = match list_query(&raw) {
        Ok(x) => x,
        Err(_) => list_query(&ScenarioListQuery {
            status: None,
            domain: None,
            agency_id: None,
            page: None,
            per_page: Some(20),
        })
        .expect("defaults parse"),
    };
    // Cards show no criteria.
    let query = ScenarioQuery {
        without_criteria: true,
        ..query
    };
    let (account, page) = with_account(&req, &state, move |services, viewer| {
        services.list_scenarios(viewer, query)
    })
    .await;
    let page = match page {
        Ok(p) => p,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "scenarios");
    let now = state.services.now();
    let (domain, status) = (
        raw.domain.clone().unwrap_or_default(),
        raw.status.clone().unwrap_or_default(),
    );
    let base = format!(
        "/scenarios?{}",
        serde_urlencoded::to_string([("domain", domain.as_str()), ("status", status.as_str())])
            .unwrap_or_default()
    );
    let statuses = [
        Status::Published,
        Status::Evaluating,
        Status::Awarded,
        Status::Delivered,
        Status::Closed,
        Status::Cancelled,
    ]
    .iter()
    .map(|s| {
        (
            s.code(),
            ctx.t.t(&format!("status.{}", s.code())).to_string(),
        )
    })
    .collect();
    super::note_countdowns(&req, &page.items, now);
    let page_view = ListPage {
        cards: page.items.iter().map(|v| card(v, &ctx.t, now)).collect(),
        domains: domains(&ctx.t),
        statuses,
        domain,
        status,
        total_text: ctx
            .t
            .t("admin.total")
            .replace("{}", &page.total.to_string()),
        pager: Pager::new(&ctx.t, &base, paging.page, paging.per_page, page.total),
        ctx,
    };
    render(StatusCode::OK, &page_view)
}

#[derive(Template)]
#[template(path = "my_scenarios.html")]
struct MyPage {
    ctx: PageCtx,
    /// (state label, count, cards)
    groups: Vec<(String, usize, Vec<Card>)>,
}

/// `GET /my/scenarios`: the agency's scenarios grouped by state.
pub async fn mine(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = signed_in!(req, state);
    let a = actor(&account);
    if let Err(e) = domain::policy::can_draft_scenario(&a) {
        return error_page(&req, Some(&account), &e);
    }
    let q = ScenarioQuery {
        agency: a.organization_id,
        limit: 500,
        without_criteria: true,
        ..Default::default()
    };
    let page = match state
        .call(move |services| services.list_scenarios(Some(&a), q))
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "my_scenarios");
    let now = state.services.now();
    let groups = Status::ALL
        .iter()
        .map(|st| {
            let cards: Vec<Card> = page
                .items
                .iter()
                .filter(|v| v.status == *st)
                .map(|v| card(v, &ctx.t, now))
                .collect();
            (
                ctx.t.t(&format!("status.{}", st.code())).to_string(),
                cards.len(),
                cards,
            )
        })
        .collect();
    render(StatusCode::OK, &MyPage { ctx, groups })
}
