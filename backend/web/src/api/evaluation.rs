//! The "Evaluation, award, rating" part of the API.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::bid::BidId;
use domain::evaluation::{Marks, Rating, ScoreLine, StoredScore, round2};
use domain::ids::{OrganizationId, UserId};
use domain::scenario::ScenarioId;
use domain::services::evaluation::{AwardNotice, PanelView, RankRow, RankingView};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiResult;

/// A panel member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberOut {
    pub evaluator_id: i64,
    pub name: String,
    /// Null until declared.
    pub has_conflict: Option<bool>,
    pub declared_at: Option<DateTime<Utc>>,
}

/// The panel.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PanelOut {
    pub members: Vec<MemberOut>,
    /// True once scoring has begun: the panel no longer changes.
    pub locked: bool,
    pub min_size: usize,
    /// Formal tenders use 5 or more, an odd number.
    pub recommended: &'static str,
    /// Every draw: the server's seed, the candidate pool, the result and the reason.
    pub draws: Vec<DrawOut>,
    /// How many more times the panel may be drawn again.
    pub redraws_left: usize,
}

/// One recorded panel draw.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DrawOut {
    /// The seed the server drew from the operating system's random source (decimal).
    pub seed: String,
    pub pool: Vec<i64>,
    pub drawn: Vec<i64>,
    pub reason: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<&PanelView> for PanelOut {
    fn from(p: &PanelView) -> Self {
        PanelOut {
            members: p
                .members
                .iter()
                .map(|m| MemberOut {
                    evaluator_id: m.member.evaluator.0,
                    name: m.name.clone(),
                    has_conflict: m.member.has_conflict,
                    declared_at: m.member.declared_at,
                })
                .collect(),
            locked: p.locked,
            min_size: p.min_size,
            recommended: "正式采购建议 5 人以上单数 / formal tenders use 5 or more, an odd number",
            draws: p
                .draws
                .iter()
                .map(|d| DrawOut {
                    seed: d.seed.clone(),
                    pool: d.pool.iter().map(|u| u.0).collect(),
                    drawn: d.drawn.iter().map(|u| u.0).collect(),
                    reason: d.reason.clone(),
                    at: d.at,
                })
                .collect(),
            redraws_left: p.redraws_left,
        }
    }
}

/// Choose the panel.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PanelIn {
    #[serde(default)]
    pub evaluator_ids: Vec<i64>,
}

/// Draw the panel.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DrawIn {
    pub n: usize,
    /// Why the panel is drawn again (required after the first draw).
    #[serde(default)]
    pub reason: String,
    /// Refused: the server draws the seed itself, so that nobody can choose the panel.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub seed: Option<serde_json::Value>,
}

/// A conflict-of-interest declaration.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeclarationIn {
    pub has_conflict: bool,
    #[serde(default)]
    pub note: String,
}

/// A score sheet (or part of it) for one bid.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScoresIn {
    #[serde(default)]
    pub scores: Vec<ScoreLine>,
}

/// One stored score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScoreOut {
    pub bid_id: i64,
    pub criterion_id: i64,
    pub score: i32,
    pub comment: String,
    pub updated_at: DateTime<Utc>,
}

impl From<&StoredScore> for ScoreOut {
    fn from(s: &StoredScore) -> Self {
        ScoreOut {
            bid_id: s.bid.0,
            criterion_id: s.criterion.0,
            score: s.score,
            comment: s.comment.clone(),
            updated_at: s.updated_at,
        }
    }
}

/// A criterion's mean in a ranking row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CriterionMeanOut {
    pub criterion_id: i64,
    /// Null until scored; rounded to two decimals.
    pub mean: Option<f64>,
}

/// The vendor of a ranking row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VendorRef {
    pub id: i64,
    pub name: String,
}

/// One row of the ranking (numbers rounded to two decimals).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankItem {
    pub bid_id: i64,
    pub vendor: VendorRef,
    pub price_fen: i64,
    pub price_score: f64,
    pub technical_score: f64,
    pub total: f64,
    pub rank: usize,
    pub criteria: Vec<CriterionMeanOut>,
    /// False once the vendor's verification was revoked: such a bid cannot be awarded.
    pub vendor_verified: bool,
}

impl From<&RankRow> for RankItem {
    fn from(r: &RankRow) -> Self {
        let e = &r.evaluated;
        RankItem {
            bid_id: e.bid.0,
            vendor: VendorRef {
                id: r.vendor.0,
                name: r.vendor_name.clone(),
            },
            price_fen: e.price_fen,
            price_score: round2(e.price_score),
            technical_score: round2(e.technical_score),
            total: round2(e.total),
            rank: e.rank,
            criteria: e
                .criteria
                .iter()
                .map(|(c, m)| CriterionMeanOut {
                    criterion_id: c.0,
                    mean: m.map(round2),
                })
                .collect(),
            vendor_verified: r.vendor_verified,
        }
    }
}

/// An incomplete score sheet.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncompleteOut {
    pub evaluator: String,
    pub missing: usize,
}

/// A flagged score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FlagOut {
    pub evaluator: String,
    pub bid_id: i64,
    pub criterion_id: i64,
    pub score: i32,
    pub others_mean: f64,
}

/// A dissent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DissentOut {
    pub evaluator: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The ranking.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankingOut {
    pub items: Vec<RankItem>,
    pub incomplete_sheets: Vec<IncompleteOut>,
    pub flags: Vec<FlagOut>,
    pub dissents: Vec<DissentOut>,
    /// What stands in the way of an award (empty: it may be made).
    pub blockers: Vec<BlockerOut>,
}

/// One thing that stands in the way of an award.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BlockerOut {
    /// `panel_too_small`, `incomplete_sheet` or `no_valid_bid`.
    pub kind: &'static str,
    pub message: String,
}

impl From<&RankingView> for RankingOut {
    fn from(r: &RankingView) -> Self {
        RankingOut {
            items: r.rows.iter().map(RankItem::from).collect(),
            incomplete_sheets: r
                .incomplete
                .iter()
                .map(|(n, m)| IncompleteOut {
                    evaluator: n.clone(),
                    missing: *m,
                })
                .collect(),
            flags: r
                .outliers
                .iter()
                .map(|(o, n)| FlagOut {
                    evaluator: n.clone(),
                    bid_id: o.bid.0,
                    criterion_id: o.criterion.0,
                    score: o.score,
                    others_mean: round2(o.others_mean),
                })
                .collect(),
            dissents: r
                .dissents
                .iter()
                .map(|(d, n)| DissentOut {
                    evaluator: n.clone(),
                    body: d.body.clone(),
                    created_at: d.created_at,
                })
                .collect(),
            blockers: r
                .blockers
                .iter()
                .map(|(b, m)| BlockerOut {
                    kind: match b {
                        domain::evaluation::AwardBlocker::PanelTooSmall { .. } => "panel_too_small",
                        domain::evaluation::AwardBlocker::IncompleteSheet { .. } => {
                            "incomplete_sheet"
                        }
                        domain::evaluation::AwardBlocker::NoValidBid => "no_valid_bid",
                    },
                    message: m.clone(),
                })
                .collect(),
        }
    }
}

/// An award.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AwardIn {
    pub bid_id: i64,
    pub justification: Option<String>,
}

/// A notice item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeItem {
    pub organization_id: i64,
    pub name: String,
    pub total: f64,
    pub rank: usize,
}

/// A panel name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PanelName {
    pub name: String,
}

/// The winner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Winner {
    pub organization_id: i64,
    pub name: String,
}

/// The public award notice (中标公告).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeOut {
    pub scenario_id: i64,
    pub title: String,
    pub agency: String,
    pub awarded_at: DateTime<Utc>,
    pub winner: Winner,
    pub price_fen: i64,
    pub items: Vec<NoticeItem>,
    pub panel: Vec<PanelName>,
}

impl From<&AwardNotice> for NoticeOut {
    fn from(n: &AwardNotice) -> Self {
        NoticeOut {
            scenario_id: n.scenario.0,
            title: n.title.clone(),
            agency: n.agency.clone(),
            awarded_at: n.awarded_at,
            winner: Winner {
                organization_id: n.winner.0.0,
                name: n.winner.1.clone(),
            },
            price_fen: n.price_fen,
            items: n
                .items
                .iter()
                .map(|(o, name, total, rank)| NoticeItem {
                    organization_id: o.0,
                    name: name.clone(),
                    total: round2(*total),
                    rank: *rank,
                })
                .collect(),
            panel: n
                .panel
                .iter()
                .map(|p| PanelName { name: p.clone() })
                .collect(),
        }
    }
}

/// A rating.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RatingIn {
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
    #[serde(default)]
    pub comment: String,
}

/// A rating as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RatingOut {
    pub id: i64,
    pub scenario_id: i64,
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
}

impl From<&Rating> for RatingOut {
    fn from(r: &Rating) -> Self {
        RatingOut {
            id: r.id.0,
            scenario_id: r.scenario.0,
            quality: r.quality,
            timeliness: r.timeliness,
            communication: r.communication,
            comment: r.comment.clone(),
            created_at: r.created_at,
            reply: r.reply.clone(),
            replied_at: r.replied_at,
        }
    }
}

/// A vendor's ratings and reputation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RatingsOut {
    pub items: Vec<RatingOut>,
    /// How many ratings there are (as `count`).
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub count: usize,
    /// Bayesian average on 1–5, rounded; null without ratings.
    pub reputation: Option<f64>,
}

/// A body of text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TextIn {
    #[serde(default)]
    pub body: String,
}

macro_rules! blocking {
    ($state:expr, |$s:ident| $body:expr) => {{
        let $s = $state.services.clone();
        web::block(move || $body).await??
    }};
}

#[utoipa::path(put, path = "/api/v1/scenarios/{id}/panel", tag = "evaluation", request_body = PanelIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = PanelOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
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
    let p = blocking!(state, |s| s.set_panel(&who.actor, id, ids));
    Ok(HttpResponse::Ok().json(PanelOut::from(&p)))
}

#[utoipa::path(post, path = "/api/v1/scenarios/{id}/panel/draw", tag = "evaluation", request_body = DrawIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = PanelOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
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
            "抽取种子由服务器从系统随机源产生，不能指定 / the server draws the seed from the system's random source; it cannot be given",
        )
        .into());
    }
    let p = blocking!(state, |s| s.draw_panel(&who.actor, id, n, reason));
    Ok(HttpResponse::Ok().json(PanelOut::from(&p)))
}

#[utoipa::path(get, path = "/api/v1/scenarios/{id}/panel", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = PanelOut), (status = 404, body = crate::error::Problem)))]
/// The panel, for the owner, administrators and its members.
pub async fn get_panel(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let p = blocking!(state, |s| s.panel(&who.actor, id));
    Ok(HttpResponse::Ok().json(PanelOut::from(&p)))
}

#[utoipa::path(get, path = "/api/v1/scenarios/{id}/bidders", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id"), crate::api::PageQuery),
    responses((status = 200, body = crate::api::Page<String>), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
/// The bidding organizations' names, for a panel member's declaration (after opening).
pub async fn bidders(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let names = blocking!(state, |s| s.bidders_for_declaration(&who.actor, id));
    Ok(HttpResponse::Ok().json(paging.slice(names)))
}

#[utoipa::path(post, path = "/api/v1/scenarios/{id}/conflict-declaration", tag = "evaluation", request_body = DeclarationIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = MemberOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
/// A panel member declares a conflict (and leaves the panel) or no conflict (and may score).
pub async fn declare(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<DeclarationIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let DeclarationIn { has_conflict, note } = body.into_inner();
    let m = blocking!(state, |s| s.declare_conflict(
        &who.actor,
        id,
        has_conflict,
        note
    ));
    Ok(HttpResponse::Ok().json(MemberOut {
        evaluator_id: m.evaluator.0,
        name: String::new(),
        has_conflict: m.has_conflict,
        declared_at: m.declared_at,
    }))
}

#[utoipa::path(put, path = "/api/v1/bids/{id}/scores", tag = "evaluation", request_body = ScoresIn, security(("bearer" = [])), params(("id" = i64, Path, description = "bid id")),
    responses((status = 200, body = Vec<ScoreOut>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
/// A cleared panel member saves scores (0–100, a comment below 40 or above 95) for one bid.
pub async fn save_scores(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<ScoresIn>,
) -> ApiResult<HttpResponse> {
    let id = BidId(path.into_inner());
    let lines = body.into_inner().scores;
    let saved = blocking!(state, |s| s.save_scores(&who.actor, id, lines));
    Ok(HttpResponse::Ok().json(saved.iter().map(ScoreOut::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/scenarios/{id}/my-scores", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id"), crate::api::PageQuery),
    responses((status = 200, body = crate::api::Page<ScoreOut>), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
/// A panel member's own scores on a scenario, a page at a time (at most 100).
pub async fn my_scores(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = ScenarioId(path.into_inner());
    let v = blocking!(state, |s| s.my_scores(&who.actor, id));
    Ok(HttpResponse::Ok().json(paging.slice(v.iter().map(ScoreOut::from).collect())))
}

#[utoipa::path(get, path = "/api/v1/scenarios/{id}/ranking", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = RankingOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
/// The ranking with per-criterion means, incomplete sheets, outlier flags and dissents.
pub async fn ranking(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let r = blocking!(state, |s| s.ranking(&who.actor, id));
    Ok(HttpResponse::Ok().json(RankingOut::from(&r)))
}

#[utoipa::path(post, path = "/api/v1/scenarios/{id}/dissent", tag = "evaluation", request_body = TextIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = DissentOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
/// A panel member records their disagreement with the ranking.
pub async fn dissent(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<TextIn>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let text = body.into_inner().body;
    let d = blocking!(state, |s| s.dissent(&who.actor, id, text));
    Ok(HttpResponse::Created().json(DissentOut {
        evaluator: String::new(),
        body: d.body,
        created_at: d.created_at,
    }))
}

#[utoipa::path(post, path = "/api/v1/scenarios/{id}/award", tag = "evaluation", request_body = AwardIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = NoticeOut), (status = 409, body = crate::error::Problem), (status = 422, description = "not rank 1 and no justification", body = crate::error::Problem)))]
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
    let n = blocking!(state, |s| s.award(
        &who.actor,
        id,
        BidId(bid_id),
        justification
    ));
    Ok(HttpResponse::Ok().json(NoticeOut::from(&n)))
}

#[utoipa::path(get, path = "/api/v1/scenarios/{id}/award-notice", tag = "evaluation", params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = NoticeOut), (status = 404, body = crate::error::Problem)))]
/// The public award notice, once awarded.
pub async fn notice(state: web::Data<AppState>, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let n = blocking!(state, |s| s.award_notice(id));
    Ok(HttpResponse::Ok().json(NoticeOut::from(&n)))
}

#[utoipa::path(get, path = "/api/v1/award-notices", tag = "evaluation", params(crate::api::PageQuery),
    responses((status = 200, body = crate::api::Page<NoticeOut>), (status = 422, body = crate::error::Problem)))]
/// Every award notice, newest first, a page at a time.
pub async fn notices(
    state: web::Data<AppState>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let list = blocking!(state, |s| s.award_notices(paging.offset(), paging.per_page));
    Ok(HttpResponse::Ok()
        .json(paging.page_of(list.items.iter().map(NoticeOut::from).collect(), list.total)))
}

#[utoipa::path(get, path = "/api/v1/scenarios/{id}/my-result", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, body = RankItem), (status = 404, body = crate::error::Problem)))]
/// A bidding vendor's own scores and rank after the award (never another bidder's).
pub async fn my_result(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let r = blocking!(state, |s| s.my_result(&who.actor, id));
    Ok(HttpResponse::Ok().json(RankItem::from(&r)))
}

#[utoipa::path(post, path = "/api/v1/scenarios/{id}/deliver", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 204, description = "delivered"), (status = 409, body = crate::error::Problem)))]
/// awarded → `delivered`.
pub async fn deliver(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    blocking!(state, |s| s.deliver(&who.actor, id));
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/scenarios/{id}/rating", tag = "evaluation", request_body = RatingIn, security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 201, body = RatingOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
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
    let r = blocking!(state, |s| s.rate(
        &who.actor,
        id,
        Marks {
            quality,
            timeliness,
            communication
        },
        comment
    ));
    Ok(HttpResponse::Created().json(RatingOut::from(&r)))
}

#[utoipa::path(post, path = "/api/v1/ratings/{id}/reply", tag = "evaluation", request_body = TextIn, security(("bearer" = [])), params(("id" = i64, Path, description = "rating id")),
    responses((status = 200, body = RatingOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
/// The rated vendor replies, once.
pub async fn reply(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<TextIn>,
) -> ApiResult<HttpResponse> {
    let id = domain::ids::RatingId(path.into_inner());
    let text = body.into_inner().body;
    let r = blocking!(state, |s| s.reply_to_rating(&who.actor, id, text));
    Ok(HttpResponse::Ok().json(RatingOut::from(&r)))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/ratings", tag = "evaluation", params(("id" = i64, Path, description = "organization id"), crate::api::PageQuery),
    responses((status = 200, body = RatingsOut), (status = 422, body = crate::error::Problem)))]
/// A vendor's ratings (newest first, a page at a time) and its Bayesian reputation over all.
pub async fn ratings(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    q: web::Query<crate::api::PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let id = OrganizationId(path.into_inner());
    let v = blocking!(state, |s| s.vendor_ratings(id));
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

/// The ranking as rows of cells with zh-CN headers (shared by CSV and XLSX).
fn ranking_table(r: &RankingView) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec![
        "排名".to_string(),
        "投标企业".into(),
        "报价（元）".into(),
        format!("价格分（权重 {}）", r.price_weight),
    ];
    for (_, name, w) in &r.criteria {
        header.push(format!("{name}（权重 {w}）均分"));
    }
    header.extend(["技术分".to_string(), "总分".into()]);
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let e = &row.evaluated;
            let mut cells = vec![
                e.rank.to_string(),
                row.vendor_name.clone(),
                format!("{:.2}", e.price_fen as f64 / 100.0),
                format!("{:.2}", e.price_score),
            ];
            for (c, _, _) in &r.criteria {
                let mean = e
                    .criteria
                    .iter()
                    .find(|(id, _)| id == c)
                    .and_then(|(_, m)| *m);
                cells.push(mean.map(|m| format!("{m:.2}")).unwrap_or_default());
            }
            cells.extend([
                format!("{:.2}", e.technical_score),
                format!("{:.2}", e.total),
            ]);
            cells
        })
        .collect();
    (header, rows)
}

/// A cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) is written
/// with a leading apostrophe, so an organization's name can never run as a formula. Numbers
/// (a minus sign followed by digits) stay numbers.
fn csv_safe(cell: &str) -> String {
    let numeric = cell.parse::<f64>().is_ok();
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !numeric => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_like_cells_are_defused_and_numbers_kept() {
        assert_eq!(super::csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::csv_safe("-12.50"), "-12.50");
        assert_eq!(super::csv_safe("青灵视觉"), "青灵视觉");
    }
}

#[utoipa::path(get, path = "/api/v1/scenarios/{id}/ranking.csv", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, description = "the ranking as CSV (UTF-8 with BOM, zh-CN headers)", content_type = "text/csv")))]
/// The ranking as CSV.
pub async fn ranking_csv(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let r = blocking!(state, |s| s.ranking(&who.actor, id));
    let (header, rows) = ranking_table(&r);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.iter().map(|c| csv_safe(c)))
        .map_err(domain::Error::internal)?;
    for row in rows {
        w.write_record(row.iter().map(|c| csv_safe(c)))
            .map_err(domain::Error::internal)?;
    }
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend(w.into_inner().map_err(domain::Error::internal)?);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"ranking-{}.csv\"", id.0),
        ))
        .body(body))
}

#[utoipa::path(get, path = "/api/v1/scenarios/{id}/ranking.xlsx", tag = "evaluation", security(("bearer" = [])), params(("id" = i64, Path, description = "scenario id")),
    responses((status = 200, description = "the ranking as an Excel workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
/// The ranking as an Excel workbook.
pub async fn ranking_xlsx(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = ScenarioId(path.into_inner());
    let r = blocking!(state, |s| s.ranking(&who.actor, id));
    let (header, rows) = ranking_table(&r);
    let body = web::block(move || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("排名")?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold)?;
            sheet.set_column_width(c as u16, 16)?;
        }
        for (i, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) if c != 1 => sheet.write_number(i as u32 + 1, c as u16, n)?,
                    _ => sheet.write_string(i as u32 + 1, c as u16, cell)?,
                };
            }
        }
        book.save_to_buffer()
    })
    .await?
    .map_err(domain::Error::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"ranking-{}.xlsx\"", id.0),
        ))
        .body(body))
}
