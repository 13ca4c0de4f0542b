//! The search page: `/search?q=…` with facets as checkboxes (with counts), sorting, marked
//! snippets and paging. It works without JavaScript; with it, the results follow the typing.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::search::ScenarioResults;
use askama::Template;
use domain::scenario::Status;
use domain::search::{FacetCounts, ScenarioSort};
use domain::sector::Sector;

use super::scenarios::{Card, card};
use super::signed::with_account;
use super::{CheckedForm, PageCtx, Pager, actor, current_account, error_page, render, see_other};
use crate::AppState;
use crate::format::marked_html;
use crate::query::{pairs, query_text, scenario_search, values};

/// One scenario found: its card, and its title and summary with the matched words marked
/// (escaped HTML).
pub struct Found {
    pub card: Card,
    pub title_html: String,
    pub summary_html: String,
}

/// One checkbox of a facet.
pub struct FacetBox {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub checked: bool,
}

/// A facet: its parameter name, heading and boxes.
pub struct FacetGroup {
    pub name: &'static str,
    pub heading: String,
    pub boxes: Vec<FacetBox>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: PageCtx,
    q: String,
    sorts: Vec<(&'static str, String, bool)>,
    facets: Vec<FacetGroup>,
    results: Vec<Found>,
    total_text: String,
    message: Option<String>,
    /// Why nothing could be searched (the engine is down, or a parameter is bad).
    failure: Option<String>,
    pager: Pager,
    /// For a signed-in vendor: the search's query string, which "save this search" posts.
    save_query: Option<String>,
}

/// `GET /search`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let all = pairs(req.query_string());
    let chosen =
        |key: &str| -> Vec<String> { values(&all, key).into_iter().map(str::to_string).collect() };
    let q = query_text(&all);
    let sort = all
        .iter()
        .find(|(k, _)| k == "sort")
        .and_then(|(_, v)| ScenarioSort::parse(v).ok())
        .unwrap_or_default();
    // Twenty a page, whatever the address asks.
    let mut asked: Vec<(String, String)> = all
        .iter()
        .filter(|(k, _)| k != "per_page")
        .cloned()
        .collect();
    asked.push(("per_page".into(), "20".into()));
    let parsed = scenario_search(&asked, state.services.now());
    // The reader's account and the results, in one trip to the blocking pool.
    let (account, read) = match parsed {
        Ok((query, paging, message)) => {
            let search = state.search.clone();
            let (account, found) = with_account(&req, &state, move |_, viewer| {
                search.scenarios(viewer, &query)
            })
            .await;
            (account, Ok((found, paging, message)))
        }
        Err(e) => (current_account(&req, &state).await, Err(e)),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "search");
    let (found, paging, message, failure, status) = match read {
        Ok((found, paging, message)) => match found {
            Ok(found) => (found, paging, message, None, StatusCode::OK),
            Err(e) => {
                let status = crate::error::classify(&e).0;
                (
                    ScenarioResults::default(),
                    paging,
                    message,
                    Some(ctx.t.msg(&crate::error::public_message(&e))),
                    status,
                )
            }
        },
        Err(e) => (
            ScenarioResults::default(),
            crate::query::Paging {
                page: 1,
                per_page: 20,
            },
            None,
            Some(ctx.t.msg(&crate::error::public_message(&e))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let now = state.services.now();
    let base = format!(
        "/search?{}",
        serde_urlencoded::to_string(
            all.iter()
                .filter(|(k, _)| k != "page")
                .cloned()
                .collect::<Vec<_>>()
        )
        .unwrap_or_default()
    );
    let facets = vec![
        facet_group(
            "domain",
            ctx.t.t("scn.domain"),
            &found.facets.domain,
            &chosen("domain"),
            |v| match Sector::parse(v) {
                Ok(s) => ctx.t.t(&format!("domain.{}", s.code())).to_string(),
                Err(_) => v.to_string(),
            },
        ),
        facet_group(
            "status",
            ctx.t.t("scn.status"),
            &found.facets.status,
            &chosen("status"),
            |v| match Status::parse(v) {
                Ok(s) => ctx.t.t(&format!("status.{}", s.code())).to_string(),
                Err(_) => v.to_string(),
            },
        ),
        facet_group(
            "tags",
            ctx.t.t("search.tags"),
            &found.facets.tags,
            &chosen("tags"),
            |v| v.to_string(),
        ),
    ];
    let sorts = ScenarioSort::ALL
        .iter()
        .map(|s| {
            (
                s.code(),
                ctx.t.t(&format!("search.sort_{}", s.code())).to_string(),
                *s == sort,
            )
        })
        .collect();
    let results = found
        .items
        .iter()
        .map(|r| Found {
            card: card(&r.view, &ctx.t, now),
            title_html: marked_html(&r.hit.title),
            summary_html: marked_html(&r.hit.summary),
        })
        .collect();
    let total = found.total as i64;
    let may_save = account
        .as_ref()
        .is_some_and(|a| domain::policy::can_subscribe(&actor(a)).is_ok());
    let something =
        !q.trim().is_empty() || !chosen("domain").is_empty() || !chosen("tags").is_empty();
    let save_query = (may_save && something).then(|| {
        serde_urlencoded::to_string(
            all.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "page" | "per_page" | "sort" | "notice"))
                .cloned()
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default()
    });
    let page = SearchPage {
        save_query,
        q,
        sorts,
        facets,
        results,
        total_text: ctx.t.t("search.total").replace("{}", &total.to_string()),
        message: message.map(|m| ctx.t.msg(&m)),
        failure,
        pager: Pager::new(&ctx.t, &base, paging.page, paging.per_page, total),
        ctx,
    };
    render(status, &page)
}

/// The boxes of a facet: every value the result has (with its count), and every chosen value
/// even when the result no longer has it (so that it can be unticked).
fn facet_group(
    name: &'static str,
    heading: &str,
    counts: &FacetCounts,
    chosen: &[String],
    label: impl Fn(&str) -> String,
) -> FacetGroup {
    let mut boxes: Vec<FacetBox> = counts
        .iter()
        .take(if name == "tags" { 15 } else { usize::MAX })
        .map(|(v, n)| FacetBox {
            value: v.clone(),
            label: label(v),
            count: *n,
            checked: chosen
                .iter()
                .any(|c| domain::search::fold(c) == domain::search::fold(v)),
        })
        .collect();
    for c in chosen {
        if !boxes
            .iter()
            .any(|b| domain::search::fold(&b.value) == domain::search::fold(c))
        {
            boxes.push(FacetBox {
                value: c.clone(),
                label: label(c),
                count: 0,
                checked: true,
            });
        }
    }
    FacetGroup {
        name,
        heading: heading.to_string(),
        boxes,
    }
}

/// `POST /search/save`: a vendor saves the search it sees (its query string); new scenarios
/// that fit it will notify.
pub async fn save(req: HttpRequest, state: web::Data<AppState>, form: CheckedForm) -> HttpResponse {
    let account = signed_in!(req, state);
    let query = form.0.get("query");
    let parsed = scenario_search(&pairs(&query), state.services.now());
    let who = actor(&account);
    let saved = match parsed {
        Ok((q, _, _)) => {
            let domains: Vec<String> = q.domains.iter().map(|d| d.code().to_string()).collect();
            state
                .call(move |services| {
                    services.save_search(
                        &who,
                        &q.text,
                        &domains,
                        &q.tags,
                        q.budget_min_fen,
                        q.budget_max_fen,
                    )
                })
                .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => see_other(&format!("/search?{query}&notice=search_saved")),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}
