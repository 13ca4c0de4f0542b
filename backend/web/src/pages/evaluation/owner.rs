//! The owner's evaluation pages: the panel (chosen or drawn), the ranking and the award form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use askama::Template;
use domain::Error;
use domain::bid::BidId;
use domain::evaluation::round2;
use domain::ids::UserId;
use domain::scenario::{ScenarioId, Status};

use super::*;
use super::{CheckedForm, FormErrors, PageCtx, actor, error_page, render, see_other};
use crate::AppState;
use crate::format::{beijing, money};
use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "panel.html")]
struct PanelPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    min_size: usize,
    /// (name, state)
    members: Vec<(String, String)>,
    /// Names of members who declared a conflict and must be replaced.
    conflicts: Vec<String>,
    locked: bool,
    /// (id, name, domains, checked)
    evaluators: Vec<(i64, String, String, bool)>,
    /// (time, seed, pool size, drawn names, reason) of every draw, oldest first.
    draws: Vec<(String, String, usize, String, String)>,
    redraws_left: usize,
    message: Option<String>,
}

async fn panel_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ScenarioId,
    message: Option<domain::message::Message>,
) -> HttpResponse {
    let a = actor(account);
    let loaded = state
        .call(move |services| {
            let v = services.scenario(Some(&a), id)?;
            domain::policy::require_scenario_owner(&a, &v.scenario)?;
            Ok((v, services.panel(&a, id)?, services.active_evaluators()?))
        })
        .await;
    let (v, panel, all) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(req, Some(account), &e),
    };
    let ctx = PageCtx::new(req, Some(account), "my_scenarios");
    let label = |s: domain::sector::Sector| ctx.t.t(&format!("domain.{}", s.code())).to_string();
    let page = PanelPage {
        id: id.0,
        title: v.scenario.title.clone(),
        min_size: panel.min_size,
        members: panel
            .members
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    ctx.t
                        .t(match m.member.has_conflict {
                            None => "ev.not_declared",
                            Some(false) => "ev.declared_none",
                            Some(true) => "ev.declared_conflict",
                        })
                        .to_string(),
                )
            })
            .collect(),
        conflicts: panel.conflicts.iter().map(|m| m.name.clone()).collect(),
        locked: panel.locked,
        evaluators: all
            .iter()
            .map(|u| {
                (
                    u.id.0,
                    u.display_name.clone(),
                    u.expertise
                        .iter()
                        .map(|s| label(*s))
                        .collect::<Vec<_>>()
                        .join("、"),
                    panel.members.iter().any(|m| m.member.evaluator == u.id),
                )
            })
            .collect(),
        draws: panel
            .draws
            .iter()
            .map(|d| {
                let names: Vec<String> = d
                    .drawn
                    .iter()
                    .map(|u| {
                        all.iter()
                            .find(|x| x.id == *u)
                            .map(|x| x.display_name.clone())
                            .unwrap_or_else(|| format!("#{}", u.0))
                    })
                    .collect();
                (
                    beijing(d.at),
                    d.seed.clone(),
                    d.pool.len(),
                    names.join("、"),
                    d.reason.clone(),
                )
            })
            .collect(),
        redraws_left: panel.redraws_left,
        message: message.map(|m| ctx.t.msg(&m)),
        ctx,
    };
    render(StatusCode::OK, &page)
}

/// `GET /scenarios/{id}/panel`
pub async fn panel(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    panel_page(&req, &state, &account, ScenarioId(path.into_inner()), None).await
}

/// `POST /scenarios/{id}/panel` (choose) and `POST /scenarios/{id}/panel/draw`.
pub async fn set_panel(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let ids: Vec<UserId> = form
        .0
        .all("evaluator_id")
        .iter()
        .filter_map(|s| s.parse().ok())
        .map(UserId)
        .collect();
    let a = actor(&account);
    match state
        .call(move |services| services.set_panel(&a, id, ids))
        .await
    {
        Ok(_) => see_other(&format!("/scenarios/{}/panel?notice=saved", id.0)),
        Err(e) => match message_of(&e) {
            Some(m) => panel_page(&req, &state, &account, id, Some(m)).await,
            None => error_page(&req, Some(&account), &e),
        },
    }
}

pub async fn draw_panel(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let n: usize = f.get("n").trim().parse().unwrap_or(0);
    let reason = f.get("reason");
    let a = actor(&account);
    match state
        .call(move |services| services.draw_panel(&a, id, n, reason))
        .await
    {
        Ok(_) => see_other(&format!("/scenarios/{}/panel?notice=saved", id.0)),
        Err(e) => match message_of(&e) {
            Some(m) => panel_page(&req, &state, &account, id, Some(m)).await,
            None => error_page(&req, Some(&account), &e),
        },
    }
}

/// A row of the ranking page.
#[derive(Debug)]
pub struct RankLine {
    pub bid: i64,
    pub rank: usize,
    pub vendor: String,
    pub price: String,
    pub price_score: String,
    pub means: Vec<String>,
    pub technical: String,
    pub total: String,
    /// The vendor's verification was revoked: the bid cannot be awarded.
    pub unverified: bool,
    /// Abnormally low (异常低价), and the vendor's recorded explanation if any.
    pub low: bool,
    pub explained: Option<String>,
}

#[derive(Template)]
#[template(path = "ranking.html")]
struct RankingPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    headers: Vec<String>,
    rows: Vec<RankLine>,
    incomplete: Vec<String>,
    /// What stands in the way of an award, in the reader's language.
    blockers: Vec<String>,
    flags: Vec<String>,
    dissents: Vec<(String, String)>,
    can_award: bool,
    /// An explanation of a low price may be recorded (the bids are being evaluated).
    can_explain: bool,
    has_low: bool,
    /// The abnormally-low share, as people read it ("20%").
    low_share: String,
    errors: FormErrors,
    message: Option<String>,
}

async fn ranking_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ScenarioId,
    errors: FormErrors,
    message: Option<domain::message::Message>,
) -> HttpResponse {
    let a = actor(account);
    let loaded = state
        .call(move |services| Ok((services.scenario(Some(&a), id)?, services.ranking(&a, id)?)))
        .await;
    let (v, r) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(req, Some(account), &e),
    };
    let ctx = PageCtx::new(req, Some(account), "my_scenarios");
    let f2 = |x: f64| format!("{:.2}", round2(x));
    let crit_name = |c: domain::scenario::CriterionId| {
        r.criteria
            .iter()
            .find(|(id, _, _)| *id == c)
            .map(|(_, n, _)| n.clone())
            .unwrap_or_default()
    };
    let page = RankingPage {
        id: id.0,
        title: v.scenario.title.clone(),
        headers: r
            .criteria
            .iter()
            .map(|(_, n, w)| format!("{n} ({w})"))
            .collect(),
        rows: r
            .rows
            .iter()
            .map(|row| RankLine {
                bid: row.evaluated.bid.0,
                rank: row.evaluated.rank,
                vendor: row.vendor_name.clone(),
                price: money(row.evaluated.price_fen, ctx.t.locale),
                price_score: f2(row.evaluated.price_score),
                means: row
                    .evaluated
                    .criteria
                    .iter()
                    .map(|(_, m)| m.map(f2).unwrap_or_else(|| "—".into()))
                    .collect(),
                technical: f2(row.evaluated.technical_score),
                total: f2(row.evaluated.total),
                unverified: !row.vendor_verified,
                low: row.abnormally_low,
                explained: row.low_price_check.as_ref().map(|c| c.note.clone()),
            })
            .collect(),
        blockers: r.blockers.iter().map(|(_, m)| ctx.t.msg(m)).collect(),
        incomplete: r
            .incomplete
            .iter()
            .map(|(n, m)| {
                format!(
                    "{n}：{}",
                    ctx.t.t("ev.missing").replace("{}", &m.to_string())
                )
            })
            .collect(),
        flags: r
            .outliers
            .iter()
            .map(|(o, n)| {
                let vendor = r
                    .rows
                    .iter()
                    .find(|x| x.evaluated.bid == o.bid)
                    .map(|x| x.vendor_name.clone())
                    .unwrap_or_default();
                let line = ctx
                    .t
                    .t("ev.flag_line")
                    .replacen("{}", n, 1)
                    .replacen("{}", &o.score.to_string(), 1)
                    .replacen("{}", &f2(o.others_mean), 1);
                format!("{vendor} · {} · {line}", crit_name(o.criterion))
            })
            .collect(),
        dissents: r
            .dissents
            .iter()
            .map(|(d, n)| (n.clone(), d.body.clone()))
            .collect(),
        can_award: v.status == Status::Evaluating && !r.rows.is_empty() && r.blockers.is_empty(),
        can_explain: v.status == Status::Evaluating,
        has_low: r.rows.iter().any(|row| row.abnormally_low),
        low_share: format!("{:.0}%", state.services.market.low_price_share * 100.0),
        errors,
        message: message.map(|m| ctx.t.msg(&m)),
        ctx,
    };
    let status = if page.errors.is_empty() && page.message.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(status, &page)
}

/// `GET /scenarios/{id}/ranking`
pub async fn ranking(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    ranking_page(
        &req,
        &state,
        &account,
        ScenarioId(path.into_inner()),
        FormErrors::default(),
        None,
    )
    .await
}

/// `POST /scenarios/{id}/award`
pub async fn award(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let bid = BidId(f.get("bid_id").parse().unwrap_or(-1));
    let justification = Some(f.get("justification"));
    let a = actor(&account);
    match state
        .call(move |services| services.award(&a, id, bid, justification))
        .await
    {
        Ok(_) => see_other(&format!("/scenarios/{}/notice", id.0)),
        Err(Error::Validation(errs)) => {
            let t = Tr::new(crate::session::locale_of(&req));
            ranking_page(
                &req,
                &state,
                &account,
                id,
                FormErrors::from_fields(&errs, &t),
                None,
            )
            .await
        }
        Err(e) => match message_of(&e) {
            Some(m) => {
                ranking_page(&req, &state, &account, id, FormErrors::default(), Some(m)).await
            }
            None => error_page(&req, Some(&account), &e),
        },
    }
}

/// `POST /bids/{id}/low-price`: the owner records what the vendor of an abnormally low bid
/// explained (`note`, `scenario`); back to the ranking, the note's error beside its form.
pub async fn explain_low_price(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let bid = BidId(path.into_inner());
    let f = form.0;
    let id = ScenarioId(f.get("scenario").parse().unwrap_or(-1));
    let note = f.get("note");
    let a = actor(&account);
    match state
        .call(move |services| services.explain_low_price(&a, bid, &note))
        .await
    {
        Ok(_) => see_other(&format!("/scenarios/{}/ranking#low-price", id.0)),
        Err(Error::Validation(errs)) => {
            let t = Tr::new(crate::session::locale_of(&req));
            let mut errors = FormErrors::default();
            for e in &errs {
                errors.insert(&format!("note-{}", bid.0), t.msg(&e.message));
            }
            ranking_page(&req, &state, &account, id, errors, None).await
        }
        Err(e) => match message_of(&e) {
            Some(m) => {
                ranking_page(&req, &state, &account, id, FormErrors::default(), Some(m)).await
            }
            None => error_page(&req, Some(&account), &e),
        },
    }
}
