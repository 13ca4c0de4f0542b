//! The "Scenarios" part of the API (all but search): posting, lifecycle and clarification Q&A.

use crate::api::inputs::*;
use actix_web::{HttpResponse, web};
use actix_web::{get, patch, post};
use app::scenarios::{QuestionView, ScenarioView};
use chrono::{DateTime, Utc};
use domain::Error;
use domain::scenario::{
    MAX_ANSWER, MAX_QUESTION, QuestionId, ScenarioFields, ScenarioId, ScenarioInput, Warning,
    parse_body, parse_reason, parse_time,
};
use serde::{Deserialize, Serialize};

use super::Page;
use crate::AppState;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error::ApiResult;
use crate::query::{ScenarioListQuery, list_query};

/// A technical criterion.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CriterionOut {
    pub id: i64,
    pub name: String,
    pub weight: i32,
    pub description: String,
}

/// The agency that posted a scenario.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyRef {
    pub id: i64,
    pub name: String,
}

/// A scenario.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScenarioOut {
    pub id: i64,
    pub title: String,
    pub summary: String,
    /// Absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A domain code such as `city_governance`.
    pub domain: String,
    pub tags: Vec<String>,
    pub budget_min_fen: i64,
    pub budget_max_fen: i64,
    #[serde(serialize_with = "crate::format::json_time")]
    pub bid_deadline: DateTime<Utc>,
    pub price_weight: i32,
    /// `services` or `goods`.
    pub procurement_type: String,
    pub criteria: Vec<CriterionOut>,
    /// draft, published, evaluating, awarded, delivered, closed, cancelled — as of now.
    pub status: String,
    /// Null until the bids are opened at the deadline.
    pub bid_count: Option<i64>,
    pub agency: AgencyRef,
    /// `platform`, `official_list` (the district's published list) or `sample`.
    pub origin: String,
    pub cancel_reason: Option<String>,
    #[serde(serialize_with = "crate::format::json_time_opt")]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::format::json_time")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::format::json_time")]
    pub updated_at: DateTime<Utc>,
    /// What the caller may do now (`edit`, `publish`, `extend`, `cancel`, `answer`,
    /// `set_panel`, `rank`, `award`, `deliver`, `close`, `bid`, `ask`); only on the detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<&'static str>>,
}

impl ScenarioOut {
    pub fn of(v: &ScenarioView, with_description: bool) -> Self {
        let s = &v.scenario;
        ScenarioOut {
            id: s.id.0,
            title: s.title.clone(),
            summary: s.summary.clone(),
            description: with_description.then(|| s.description.clone()),
            domain: s.domain.code().into(),
            tags: s.tags.clone(),
            budget_min_fen: s.budget_min_fen,
            budget_max_fen: s.budget_max_fen,
            bid_deadline: s.bid_deadline,
            price_weight: s.price_weight,
            procurement_type: s.procurement_type.code().into(),
            criteria: s
                .criteria
                .iter()
                .map(|c| CriterionOut {
                    id: c.id.0,
                    name: c.name.clone(),
                    weight: c.weight,
                    description: c.description.clone(),
                })
                .collect(),
            status: v.status.code().into(),
            bid_count: v.bid_count,
            agency: AgencyRef {
                id: s.owner.0,
                name: v.owner_name.clone(),
            },
            origin: s.origin.code().into(),
            cancel_reason: s.cancel_reason.clone(),
            published_at: s.published_at,
            created_at: s.created_at,
            updated_at: s.updated_at,
            allowed_actions: None,
        }
    }
}

/// A scenario after a change, with the compliance hints that apply.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScenarioSaved {
    #[serde(flatten)]
    pub scenario: ScenarioOut,
    /// Formal-procurement rules this posting does not meet; they never block.
    pub warnings: Vec<WarningOut>,
}

/// An answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnswerOut {
    pub id: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A clarification question (never who asked).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionOut {
    pub id: i64,
    pub scenario_id: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub answered: bool,
    /// Oldest first; a later answer corrects an earlier one.
    pub answers: Vec<AnswerOut>,
    /// Whether the reader asked it.
    pub mine: bool,
}

impl From<&QuestionView> for QuestionOut {
    fn from(q: &QuestionView) -> Self {
        QuestionOut {
            id: q.id.0,
            scenario_id: q.scenario.0,
            body: q.body.clone(),
            created_at: q.created_at,
            answered: !q.answers.is_empty(),
            answers: q
                .answers
                .iter()
                .map(|a| AnswerOut {
                    id: a.id.0,
                    body: a.body.clone(),
                    created_at: a.created_at,
                })
                .collect(),
            mine: q.mine,
        }
    }
}

/// A question or answer body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BodyIn {
    #[serde(default)]
    pub body: String,
}

/// A new deadline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExtendIn {
    /// RFC 3339, later than the current deadline.
    #[serde(default)]
    pub bid_deadline: String,
}

/// A cancellation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CancelIn {
    #[serde(default)]
    pub reason: String,
}

/// An answer to a question, with the hints that apply.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnswerSaved {
    pub question: QuestionOut,
    pub warnings: Vec<WarningOut>,
}

fn saved(v: (ScenarioView, Vec<Warning>)) -> ScenarioSaved {
    ScenarioSaved {
        scenario: ScenarioOut::of(&v.0, true),
        warnings: warnings(v.1),
    }
}

#[utoipa::path(tag = "scenarios", request_body = ScenarioIn, security(("bearer" = [])),
    responses((status = 201, body = ScenarioSaved), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/scenarios")]
/// An agency drafts a scenario (status `draft`).
pub async fn create(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<ScenarioIn>,
) -> ApiResult<HttpResponse> {
    domain::policy::can_draft_scenario(&who.actor)?;
    let fields = ScenarioFields::try_from(ScenarioInput::from(body.into_inner()))?;
    let v = state
        .call(move |services| services.create_scenario(&who.actor, fields))
        .await?;
    Ok(HttpResponse::Created().json(saved(v)))
}

#[utoipa::path(tag = "scenarios", params(ScenarioListQuery),
    responses((status = 200, body = Page<ScenarioOut>), (status = 422, body = crate::error::Problem)))]
#[get("/scenarios")]
/// Scenarios: the public sees published and later ones; an agency also its own drafts.
pub async fn list(
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    q: web::Query<ScenarioListQuery>,
) -> ApiResult<HttpResponse> {
    let (query, paging) = list_query(&q)?;
    let page = state
        .call(move |services| services.list_scenarios(who.0.as_ref().map(|a| &a.actor), query))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .iter()
            .map(|v| ScenarioOut::of(v, false))
            .collect(),
        total: page.total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

#[utoipa::path(tag = "scenarios", params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = ScenarioOut), (status = 404, body = crate::error::Problem)))]
#[get("/scenarios/{id}")]
/// One scenario (a draft only for its agency).
pub async fn get(
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let d = state
        .call(move |services| services.scenario_detail(who.0.as_ref().map(|a| &a.actor), id))
        .await?;
    let mut out = ScenarioOut::of(&d.view, true);
    out.allowed_actions = Some(d.allowed.iter().map(|m| m.code()).collect());
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(tag = "scenarios", request_body = ScenarioPatchIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = ScenarioSaved), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[patch("/scenarios/{id}")]
/// The owner edits a scenario; substantive fields only while `draft`, tags also while published.
pub async fn update(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ScenarioPatchIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let v = state
        .call(move |services| services.update_scenario(&who.actor, id, body.into_inner().into()))
        .await?;
    Ok(HttpResponse::Ok().json(saved(v)))
}

#[utoipa::path(tag = "scenarios", security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = ScenarioSaved), (status = 403, description = "the agency is not verified", body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/scenarios/{id}/publish")]
/// draft → `published`; the deadline must be in the future.
pub async fn publish(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let v = state
        .call(move |services| services.publish_scenario(&who.actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(saved(v)))
}

#[utoipa::path(tag = "scenarios", request_body = ExtendIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = ScenarioOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/scenarios/{id}/extend")]
/// Moves the deadline later while published.
pub async fn extend(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ExtendIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let deadline = parse_time(&body.bid_deadline).map_err(|m| Error::field("bid_deadline", m))?;
    let v = state
        .call(move |services| services.extend_deadline(&who.actor, id, deadline))
        .await?;
    Ok(HttpResponse::Ok().json(ScenarioOut::of(&v, true)))
}

#[utoipa::path(tag = "scenarios", request_body = CancelIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = ScenarioOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/scenarios/{id}/cancel")]
/// Cancels a draft or published scenario, with a reason.
pub async fn cancel(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<CancelIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let reason = parse_reason(&body.reason)?;
    let v = state
        .call(move |services| services.cancel_scenario(&who.actor, id, reason))
        .await?;
    Ok(HttpResponse::Ok().json(ScenarioOut::of(&v, true)))
}

#[utoipa::path(tag = "scenarios", request_body = BodyIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = QuestionOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/scenarios/{id}/questions")]
/// A vendor asks a clarification question while the scenario takes bids.
pub async fn ask(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<BodyIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    // Who may ask is checked by the service after the scenario's visibility, so that a refusal
    // never tells a draft exists.
    let text = parse_body(&body.body, MAX_QUESTION)?;
    let q = state
        .call(move |services| services.ask_question(&who.actor, id, text))
        .await?;
    Ok(HttpResponse::Created().json(QuestionOut::from(&q)))
}

#[utoipa::path(tag = "scenarios", params(("id" = i64, Path, description = "scenario id"), crate::api::PageQuery),
    responses((status = 200, body = crate::api::Page<QuestionOut>), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/scenarios/{id}/questions")]
/// Answered questions for everyone; the owner also sees unanswered ones. The asker is never
/// shown. Oldest first, a page at a time.
pub async fn questions(
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let qs = state
        .call(move |services| services.questions(who.0.as_ref().map(|a| &a.actor), id))
        .await?;
    Ok(HttpResponse::Ok().json(paging.slice(qs.iter().map(QuestionOut::from).collect())))
}

#[utoipa::path(tag = "scenarios", request_body = BodyIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "question id")),
    responses((status = 201, body = AnswerSaved), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/questions/{id}/answer")]
/// The owner answers; an answer is never changed (a correction is a new answer).
pub async fn answer(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<BodyIn>,
) -> ApiResult<HttpResponse> {
    let id = QuestionId(path.into_inner());
    let text = parse_body(&body.body, MAX_ANSWER)?;
    let (q, warnings) = state
        .call(move |services| services.answer_question(&who.actor, id, text))
        .await?;
    Ok(HttpResponse::Created().json(AnswerSaved {
        question: QuestionOut::from(&q),
        warnings: crate::api::inputs::warnings(warnings),
    }))
}

/// One trade a scenario needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacetOut {
    /// An offer kind's code (`ai_software`, `hardware`, `integration`, …).
    pub key: &'static str,
    pub label: String,
    pub label_en: String,
}

/// The trades a scenario needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacetsOut {
    pub items: Vec<FacetOut>,
}

#[utoipa::path(tag = "scenarios", params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = FacetsOut), (status = 404, body = crate::error::Problem)))]
#[get("/scenarios/{id}/facets")]
/// The capabilities the scenario needs — the AI system, and the trades its text names
/// (devices, data work, integration, works, training, consulting) — for vendors forming a team.
pub async fn facets(
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let kinds = state
        .call(move |s| s.scenario_facets(who.0.as_ref().map(|a| &a.actor), id))
        .await?;
    Ok(HttpResponse::Ok().json(FacetsOut {
        items: kinds
            .into_iter()
            .map(|k| {
                let m = k.label();
                FacetOut {
                    key: k.code(),
                    label: m.zh.into_owned(),
                    label_en: m.en.into_owned(),
                }
            })
            .collect(),
    }))
}
