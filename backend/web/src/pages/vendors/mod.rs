//! The public vendor directory, and each vendor's profile.

mod profile;

pub use profile::*;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{PageCtx, Pager, current_account, error_page, render};
use crate::AppState;
use crate::query::Paging;
use crate::views::OrganizationOut;

#[derive(Template)]
#[template(path = "vendors.html")]
struct VendorsPage {
    ctx: PageCtx,
    q: String,
    tags: String,
    opc_only: bool,
    vendors: Vec<OrganizationOut>,
    total_text: String,
    pager: Pager,
}

pub async fn directory(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let q = query.get("q").cloned().unwrap_or_default();
    let tags = query.get("tags").cloned().unwrap_or_default();
    let opc_only = query.get("opc_member").is_some_and(|v| v == "true");
    let paging =
        Paging::parse(query.get("page").and_then(|p| p.parse().ok()), Some(20)).unwrap_or(Paging {
            page: 1,
            per_page: 20,
        });
    let search = domain::search::VendorSearch {
        text: domain::search::clean_query(&q).0,
        capabilities: domain::text::split_tag_line(&tags),
        opc_member: opc_only.then_some(true),
        offset: paging.offset() as usize,
        limit: paging.per_page as usize,
    };
    let engine = state.search.clone();
    match crate::blocking::run(move || engine.vendors(&search)).await {
        Ok(page) => {
            let ctx = PageCtx::new(&req, account.as_ref(), "vendors");
            let base = format!(
                "/vendors?{}",
                serde_urlencoded::to_string([
                    ("q", q.as_str()),
                    ("tags", tags.as_str()),
                    ("opc_member", if opc_only { "true" } else { "" })
                ])
                .unwrap_or_default()
            );
            let pager = Pager::new(&ctx.t, &base, paging.page, paging.per_page, page.total);
            let total_text = ctx
                .t
                .t("admin.total")
                .replace("{}", &page.total.to_string());
            render(
                StatusCode::OK,
                &VendorsPage {
                    vendors: page.items.iter().map(OrganizationOut::from).collect(),
                    q,
                    tags,
                    opc_only,
                    total_text,
                    pager,
                    ctx,
                },
            )
        }
        Err(e) => error_page(&req, account.as_ref(), &e),
    }
}
