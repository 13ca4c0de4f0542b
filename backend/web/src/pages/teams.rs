//! The partners page of a scenario (`/scenarios/{id}/teams`): for a verified vendor while bids
//! are taken, what the scenario needs and the teams of vendors open to teaming that would
//! cover it with the vendor.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::ids::OrganizationId;
use domain::scenario::ScenarioId;

use super::{PageCtx, actor, error_page, render};
use crate::AppState;

/// How many teams the page shows.
const SHOWN: usize = 10;

struct TeamRow {
    /// (name, OPC member, the facets it brings)
    members: Vec<(String, bool, Vec<String>)>,
    coverage: String,
    full: bool,
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    facets: Vec<String>,
    teams: Vec<TeamRow>,
}

/// `GET /scenarios/{id}/teams`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let who = actor(&account);
    let search = state.search.clone();
    let found = state
        .call(move |s| {
            let (teams, facets, _) = search.team_suggestions(&who, id, 0, SHOWN)?;
            let title = s.scenario(Some(&who), id)?.scenario.title;
            let ids: Vec<OrganizationId> = teams
                .iter()
                .flat_map(|t| t.members.iter().map(|m| m.vendor))
                .collect();
            Ok((teams, facets, title, s.team_vendors(&ids)?))
        })
        .await;
    let (teams, facets, title, names) = match found {
        Ok(x) => x,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "scenarios");
    let label = |k: &domain::account::OfferKind| ctx.t.msg(&k.label());
    let rows = teams
        .iter()
        .map(|t| TeamRow {
            members: t
                .members
                .iter()
                .map(|m| {
                    let (name, opc) = names
                        .iter()
                        .find(|(v, _, _)| *v == m.vendor)
                        .map(|(_, n, o)| (n.clone(), *o))
                        .unwrap_or_default();
                    (name, opc, m.facets.iter().map(label).collect())
                })
                .collect(),
            coverage: format!("{:.0}%", t.coverage * 100.0),
            full: t.coverage >= 1.0,
        })
        .collect();
    let page = TeamsPage {
        id: id.0,
        title,
        facets: facets.iter().map(label).collect(),
        teams: rows,
        ctx,
    };
    render(StatusCode::OK, &page)
}
