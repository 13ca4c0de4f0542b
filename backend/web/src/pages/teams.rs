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
    /// The partners (every member but the vendor itself), to invite.
    partners: Vec<i64>,
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    facets: Vec<String>,
    teams: Vec<TeamRow>,
    /// The viewer's consortia on this scenario: (id, name).
    mine: Vec<(i64, String)>,
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
            let mine: Vec<(i64, String)> = s
                .my_consortia(&who)?
                .into_iter()
                .filter(|c| {
                    c.scenario == id
                        && who
                            .organization_id
                            .and_then(|o| c.member(o))
                            .is_some_and(|m| {
                                m.status != domain::team::consortium::MemberStatus::Declined
                            })
                })
                .map(|c| (c.id.0, c.name))
                .collect();
            Ok((teams, facets, title, s.team_vendors(&ids)?, mine))
        })
        .await;
    let (teams, facets, title, names, mine) = match found {
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
            partners: t.members.iter().skip(1).map(|m| m.vendor.0).collect(),
        })
        .collect();
    let page = TeamsPage {
        id: id.0,
        title,
        facets: facets.iter().map(label).collect(),
        teams: rows,
        mine,
        ctx,
    };
    render(StatusCode::OK, &page)
}
