//! The handlers of the evaluation, award and rating routes.

use actix_web::{HttpResponse, web};
use actix_web::{get, post, put};
use domain::bid::BidId;
use domain::evaluation::{Marks, round2};
use domain::ids::{OrganizationId, UserId};
use domain::message::Message;
use domain::scenario::ScenarioId;

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;

use super::*;

#[utoipa::path(tag = "evaluation", request_body = PanelIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = PanelOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[put("/scenarios/{id}/panel")]
/// The owner chooses the evaluation panel (until the first score).
pub async fn set_panel(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<PanelIn>,
) -> ApiResult<HttpResponse> {
    let (id, ids) = (
        ScenarioId(path.into_inner()),
        body.into_inner()
            .evaluator_ids
            .into_iter()
            .map(UserId)
            .collect(),
    );
    let p = state
        .call(move |s| s.set_panel(&who.actor, id, ids))
        .await?;
    Ok(HttpResponse::Ok().json(PanelOut::from(&p)))
}

#[utoipa::path(tag = "evaluation", request_body = DrawIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = PanelOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/scenarios/{id}/panel/draw")]
/// The owner draws N evaluators with expertise in the scenario's domain; seed and result are audited.
pub async fn draw_panel(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<DrawIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let DrawIn { n, reason, seed } = body.into_inner();
    if seed.is_some() {
        return Err(domain::Error::field(
            "seed",
            Message::new(
                "抽取种子由服务器从系统随机源产生，不能指定",
                "the server draws the seed from the system's random source; it cannot be given",
            ),
        )
        .into());
    }
    let p = state
        .call(move |s| s.draw_panel(&who.actor, id, n, reason))
        .await?;
    Ok(HttpResponse::Ok().json(PanelOut::from(&p)))
}

#[utoipa::path(tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = PanelOut), (status = 404, body = crate::error::Problem)))]
#[get("/scenarios/{id}/panel")]
/// The panel, for the owner, administrators and its members.
pub async fn get_panel(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let p = state.call(move |s| s.panel(&who.actor, id)).await?;
    Ok(HttpResponse::Ok().json(PanelOut::from(&p)))
}

#[utoipa::path(tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id"), crate::api::PageQuery),
    responses((status = 200, body = crate::api::Page<String>), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/scenarios/{id}/bidders")]
/// The bidding organizations' names, for a panel member's declaration (after opening).
pub async fn bidders(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let names = state
        .call(move |s| s.bidders_for_declaration(&who.actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(paging.slice(names)))
}

#[utoipa::path(tag = "evaluation", request_body = DeclarationIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = MemberOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/scenarios/{id}/conflict-declaration")]
/// A panel member declares a conflict (and leaves the panel) or no conflict (and may score).
pub async fn declare(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<DeclarationIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let DeclarationIn { has_conflict, note } = body.into_inner();
    let m = state
        .call(move |s| s.declare_conflict(&who.actor, id, has_conflict, note))
        .await?;
    Ok(HttpResponse::Ok().json(MemberOut {
        evaluator_id: m.evaluator.0,
        name: String::new(),
        has_conflict: m.has_conflict,
        declared_at: m.declared_at,
    }))
}

#[utoipa::path(tag = "evaluation", request_body = ScoresIn, security(("bearer" = [])), params(("id" = i64, Path, description = "bid id")),
    responses((status = 200, body = Vec<ScoreOut>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[put("/bids/{id}/scores")]
/// A cleared panel member saves scores (0–100, a comment below 40 or above 95) for one bid.
pub async fn save_scores(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ScoresIn>,
) -> ApiResult<HttpResponse> {
    let id = BidId(path.into_inner());
    let lines = body
        .into_inner()
        .scores
        .into_iter()
        .map(Into::into)
        .collect();
    let saved = state
        .call(move |s| s.save_scores(&who.actor, id, lines))
        .await?;
    Ok(HttpResponse::Ok().json(saved.iter().map(ScoreOut::from).collect::<Vec<_>>()))
}

#[utoipa::path(tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id"), crate::api::PageQuery),
    responses((status = 200, body = crate::api::Page<ScoreOut>), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/scenarios/{id}/my-scores")]
/// A panel member's own scores on a scenario, a page at a time (at most 100).
pub async fn my_scores(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let v = state.call(move |s| s.my_scores(&who.actor, id)).await?;
    Ok(HttpResponse::Ok().json(paging.slice(v.iter().map(ScoreOut::from).collect())))
}

#[utoipa::path(tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = RankingOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[get("/scenarios/{id}/ranking")]
/// The ranking with per-criterion means, incomplete sheets, outlier flags and dissents.
pub async fn ranking(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let r = state.call(move |s| s.ranking(&who.actor, id)).await?;
    Ok(HttpResponse::Ok().json(RankingOut::from(&r)))
}

#[utoipa::path(tag = "evaluation", request_body = TextIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = DissentOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/scenarios/{id}/dissent")]
/// A panel member records their disagreement with the ranking.
pub async fn dissent(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<TextIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let text = body.into_inner().body;
    let d = state.call(move |s| s.dissent(&who.actor, id, text)).await?;
    Ok(HttpResponse::Created().json(DissentOut {
        evaluator: String::new(),
        body: d.body,
        created_at: d.created_at,
    }))
}

#[utoipa::path(tag = "evaluation", request_body = AwardIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = NoticeOut), (status = 409, body = crate::error::Problem), (status = 422, description = "not rank 1 and no justification", body = crate::error::Problem)))]
#[post("/scenarios/{id}/award")]
/// The owner awards a bid; a justification is required unless it is ranked first.
pub async fn award(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<AwardIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let AwardIn {
        bid_id,
        justification,
    } = body.into_inner();
    let n = state
        .call(move |s| s.award(&who.actor, id, BidId(bid_id), justification))
        .await?;
    Ok(HttpResponse::Ok().json(NoticeOut::from(&n)))
}

#[utoipa::path(tag = "evaluation", request_body = LowPriceIn, security(("bearer" = [])), params(("id" = i64, Path, description = "bid id")),
    responses((status = 201, body = LowPriceOut), (status = 404, body = crate::error::Problem),
        (status = 409, description = "not abnormally low, recorded already, or not being evaluated", body = crate::error::Problem),
        (status = 422, description = "no note", body = crate::error::Problem)))]
#[post("/bids/{id}/low-price-explanation")]
/// The owner records what the vendor of an abnormally low bid explained (needed to award it).
pub async fn explain_low_price(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<LowPriceIn>,
) -> ApiResult<HttpResponse> {
    let id = BidId(path.into_inner());
    let note = body.into_inner().note;
    let c = state
        .call(move |s| s.explain_low_price(&who.actor, id, &note))
        .await?;
    Ok(HttpResponse::Created().json(LowPriceOut::from(&c)))
}

#[utoipa::path(tag = "evaluation", params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = NoticeOut), (status = 404, body = crate::error::Problem)))]
#[get("/scenarios/{id}/award-notice")]
/// The public award notice, once awarded.
pub async fn notice(state: web::Data<AppState>, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let n = state.call(move |s| s.award_notice(id)).await?;
    Ok(HttpResponse::Ok().json(NoticeOut::from(&n)))
}

#[utoipa::path(tag = "evaluation", params(crate::api::PageQuery),
    responses((status = 200, body = crate::api::Page<NoticeOut>), (status = 422, body = crate::error::Problem)))]
#[get("/award-notices")]
/// Every award notice, newest first, a page at a time.
pub async fn notices(
    state: web::Data<AppState>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let list = state
        .call(move |s| s.award_notices(paging.offset(), paging.per_page))
        .await?;
    Ok(HttpResponse::Ok()
        .json(paging.page_of(list.items.iter().map(NoticeOut::from).collect(), list.total)))
}

#[utoipa::path(tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = RankItem), (status = 404, body = crate::error::Problem)))]
#[get("/scenarios/{id}/my-result")]
/// A bidding vendor's own scores and rank after the award (never another bidder's).
pub async fn my_result(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let r = state.call(move |s| s.my_result(&who.actor, id)).await?;
    Ok(HttpResponse::Ok().json(RankItem::from(&r)))
}

#[utoipa::path(tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 204, description = "delivered"), (status = 409, body = crate::error::Problem)))]
#[post("/scenarios/{id}/deliver")]
/// awarded → `delivered`.
pub async fn deliver(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    state.call(move |s| s.deliver(&who.actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "evaluation", request_body = RatingIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = RatingOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/scenarios/{id}/rating")]
/// The owner rates the delivered work (1–5 each, with a comment) → `closed`.
pub async fn rate(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<RatingIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let RatingIn {
        quality,
        timeliness,
        communication,
        comment,
    } = body.into_inner();
    let r = state
        .call(move |s| {
            s.rate(
                &who.actor,
                id,
                Marks {
                    quality,
                    timeliness,
                    communication,
                },
                comment,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(RatingOut::from(&r)))
}

#[utoipa::path(tag = "evaluation", request_body = TextIn, security(("bearer" = [])), params(("id" = i64, Path, description = "rating id")),
    responses((status = 200, body = RatingOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
#[post("/ratings/{id}/reply")]
/// The rated vendor replies, once.
pub async fn reply(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<TextIn>,
) -> ApiResult<HttpResponse> {
    let id = domain::ids::RatingId(path.into_inner());
    let text = body.into_inner().body;
    let r = state
        .call(move |s| s.reply_to_rating(&who.actor, id, text))
        .await?;
    Ok(HttpResponse::Ok().json(RatingOut::from(&r)))
}

#[utoipa::path(tag = "evaluation", params(("id" = i64, Path, description = "organization id"), crate::api::PageQuery),
    responses((status = 200, body = RatingsOut), (status = 422, body = crate::error::Problem)))]
#[get("/organizations/{id}/ratings")]
/// A vendor's ratings (newest first, a page at a time) and its Bayesian reputation over all.
pub async fn ratings(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = OrganizationId(path.into_inner());
    let v = state.call(move |s| s.vendor_ratings(id)).await?;
    let page = paging.slice(v.ratings.iter().map(RatingOut::from).collect());
    Ok(HttpResponse::Ok().json(RatingsOut {
        items: page.items,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        count: v.count,
        reputation: v.reputation.map(round2),
    }))
}
