//! Search: scenarios through the search engine, with facets and marked snippets.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use domain::search::FacetCounts;
use serde::{Deserialize, Serialize};

use super::scenarios::ScenarioOut;
use crate::AppState;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error::ApiResult;
use crate::query::{ScenarioSearchQuery, pairs, scenario_search};

/// The matched words of a result, as HTML with `<mark>` (everything else escaped).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Highlights {
    pub title: String,
    pub summary: String,
}

/// One scenario found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FoundScenario {
    #[serde(flatten)]
    pub scenario: ScenarioOut,
    pub highlights: Highlights,
}

/// Counts of the whole result by value.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchFacets {
    pub domain: BTreeMap<String, u64>,
    pub status: BTreeMap<String, u64>,
    pub tags: BTreeMap<String, u64>,
}

/// A page of scenarios found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScenarioSearchPage {
    pub items: Vec<FoundScenario>,
    pub total: u64,
    pub page: i64,
    pub per_page: i64,
    pub facets: SearchFacets,
    /// How the query was changed before searching (cut, or nothing searchable in it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

fn map(c: FacetCounts) -> BTreeMap<String, u64> {
    c.into_iter().collect()
}

#[utoipa::path(tag = "scenarios", params(ScenarioSearchQuery),
    responses((status = 200, body = ScenarioSearchPage), (status = 422, body = crate::error::Problem),
        (status = 503, description = "the search engine does not answer", body = crate::error::Problem)))]
#[get("/search/scenarios")]
/// Searches the published scenarios (Chinese or English, with synonyms, filters, facets,
/// sorting and paging). Results are read fresh, so nothing hidden since indexing shows.
pub async fn scenarios(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
) -> ApiResult<HttpResponse> {
    let now = state.services.now();
    let (query, paging, message) = scenario_search(&pairs(req.query_string()), now)?;
    let search = state.search.clone();
    let found =
        crate::blocking::run(move || search.scenarios(who.0.as_ref().map(|a| &a.actor), &query))
            .await?;
    Ok(HttpResponse::Ok().json(ScenarioSearchPage {
        items: found
            .items
            .iter()
            .map(|r| FoundScenario {
                scenario: ScenarioOut::of(&r.view, false),
                highlights: Highlights {
                    title: crate::format::marked_html(&r.hit.title),
                    summary: crate::format::marked_html(&r.hit.summary),
                },
            })
            .collect(),
        total: found.total,
        page: paging.page,
        per_page: paging.per_page,
        facets: SearchFacets {
            domain: map(found.facets.domain),
            status: map(found.facets.status),
            tags: map(found.facets.tags),
        },
        message: message.map(|m| m.to_string()),
    }))
}

/// The search thesaurus: groups of terms that find one another.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SynonymsBody {
    #[serde(default)]
    pub groups: Vec<Vec<String>>,
}

#[utoipa::path(tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SynonymsBody), (status = 403, body = crate::error::Problem)))]
#[get("/admin/synonyms")]
/// The thesaurus in force (the shipped one until an administrator saves another).
pub async fn synonyms(state: web::Data<AppState>, who: Authenticated) -> ApiResult<HttpResponse> {
    domain::policy::require_admin(&who.actor)?;
    let groups = state.call(|services| services.synonyms()).await?;
    Ok(HttpResponse::Ok().json(SynonymsBody { groups }))
}

#[utoipa::path(tag = "admin", request_body = SynonymsBody, security(("bearer" = [])),
    responses((status = 200, body = SynonymsBody), (status = 403, body = crate::error::Problem),
        (status = 422, description = "a group with fewer than two terms, or a term too long (named `groups[i]`, `groups[i][j]`)", body = crate::error::Problem)))]
#[put("/admin/synonyms")]
/// Replaces the thesaurus; searches use it at once, without a rebuild.
pub async fn save_synonyms(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<SynonymsBody>,
) -> ApiResult<HttpResponse> {
    let search = state.search.clone();
    let raw = body.into_inner().groups;
    let groups = crate::blocking::run(move || search.save_synonyms(&who.actor, &raw)).await?;
    Ok(HttpResponse::Ok().json(SynonymsBody { groups }))
}
