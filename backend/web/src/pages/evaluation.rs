//! Evaluation pages: the evaluator's workspace, declaration and score sheets; the owner's
//! panel and ranking (with the award form); award notices; a vendor's own result; delivery
//! and rating; the vendor profile with its reputation.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::bid::BidId;
use domain::evaluation::{Marks, ScoreLine, round2};
use domain::ids::{OrganizationId, UserId};
use domain::scenario::{ScenarioId, Status};
use domain::services::accounts::Account;
use domain::services::evaluation::MyPanel;

use super::{
    CheckedForm, FormErrors, PageCtx, actor, current_account, error_page, render, run, see_other,
};
use crate::AppState;
use crate::format::{beijing, money};
use crate::i18n::Tr;

/// One row of the workspace.
#[derive(Debug)]
pub struct PanelRow {
    pub id: i64,
    pub title: String,
    pub agency: String,
    pub status: &'static str,
    pub status_label: String,
    pub deadline: String,
    pub declaration: String,
    /// (given, due) once the bids are opened; nothing before.
    pub progress: Option<(usize, usize)>,
}

#[derive(Template)]
#[template(path = "evaluate_list.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<PanelRow>,
}

/// `GET /evaluate`
pub async fn workspace(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = signed_in!(req, state);
    let (a, services) = (actor(&account), state.services.clone());
    let panels = match run(move || services.my_panels(&a)).await {
        Ok(p) => p,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "evaluate");
    let rows = panels
        .into_iter()
        .map(
            |MyPanel {
                 scenario: v,
                 member: m,
                 progress,
             }| PanelRow {
                id: v.scenario.id.0,
                title: v.scenario.title.clone(),
                agency: v.owner_name.clone(),
                status: v.status.code(),
                status_label: ctx.t.t(&format!("status.{}", v.status.code())).to_string(),
                deadline: beijing(v.scenario.bid_deadline),
                declaration: ctx
                    .t
                    .t(match m.has_conflict {
                        None => "ev.not_declared",
                        Some(false) => "ev.declared_none",
                        Some(true) => "ev.declared_conflict",
                    })
                    .to_string(),
                progress,
            },
        )
        .collect();
    render(StatusCode::OK, &ListPage { ctx, rows })
}

#[derive(Template)]
#[template(path = "evaluate_scenario.html")]
struct ScenarioPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    deadline: String,
    opened: bool,
    declared: bool,
    cleared: bool,
    bidders: Vec<String>,
    /// (bid, vendor, price, scored, due)
    bids: Vec<(i64, String, String, usize, usize)>,
    message: Option<String>,
}

async fn scenario_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ScenarioId,
    message: Option<String>,
) -> HttpResponse {
    let (a, services) = (actor(account), state.services.clone());
    let loaded = run(move || {
        let v = services.scenario(Some(&a), id)?;
        let panel = services.panel(&a, id)?;
        let me = panel
            .members
            .into_iter()
            .find(|m| m.member.evaluator == a.user_id)
            .map(|m| m.member);
        let opened = v.bid_count.is_some();
        let bidders = if opened && me.as_ref().is_some_and(|m| m.declared_at.is_none()) {
            services.bidders_for_declaration(&a, id)?
        } else {
            vec![]
        };
        let cleared = me.as_ref().is_some_and(|m| m.cleared());
        let (bids, mine) = if cleared {
            (
                services.scenario_bids(&a, id)?.items,
                services.my_scores(&a, id)?,
            )
        } else {
            (vec![], vec![])
        };
        Ok((v, me, opened, bidders, bids, mine))
    })
    .await;
    let (v, me, opened, bidders, bids, mine) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(req, Some(account), &e),
    };
    let ctx = PageCtx::new(req, Some(account), "evaluate");
    let per_bid = v.scenario.criteria.len();
    let page = ScenarioPage {
        id: id.0,
        title: v.scenario.title.clone(),
        deadline: beijing(v.scenario.bid_deadline),
        opened,
        declared: me.as_ref().is_some_and(|m| m.declared_at.is_some()),
        cleared: me.as_ref().is_some_and(|m| m.cleared()),
        bidders,
        bids: bids
            .iter()
            .filter(|b| b.bid.status == domain::bid::BidStatus::Submitted)
            .map(|b| {
                (
                    b.bid.id.0,
                    b.vendor_name.clone(),
                    money(b.bid.fields.price_fen, ctx.t.locale),
                    mine.iter().filter(|s| s.bid == b.bid.id).count(),
                    per_bid,
                )
            })
            .collect(),
        message: message.map(|m| ctx.t.pick(&m)),
        ctx,
    };
    render(StatusCode::OK, &page)
}

/// `GET /evaluate/{id}`
pub async fn scenario(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    scenario_page(&req, &state, &account, ScenarioId(path.into_inner()), None).await
}

/// `POST /evaluate/{id}/declare`
pub async fn declare(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let (a, services, conflict, note) = (
        actor(&account),
        state.services.clone(),
        f.flag("has_conflict"),
        f.get("note"),
    );
    match run(move || services.declare_conflict(&a, id, conflict, note)).await {
        Ok(_) => see_other(&format!("/evaluate/{}", id.0)),
        Err(
            e @ (Error::Conflict { .. } | Error::IllegalTransition { .. } | Error::Validation(_)),
        ) => {
            scenario_page(
                &req,
                &state,
                &account,
                id,
                Some(crate::error::public_detail(&e)),
            )
            .await
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /evaluate/{id}/dissent`
pub async fn dissent(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let (a, services, body) = (actor(&account), state.services.clone(), form.0.get("body"));
    match run(move || services.dissent(&a, id, body)).await {
        Ok(_) => see_other(&format!("/evaluate/{}?notice=saved", id.0)),
        Err(e @ (Error::IllegalTransition { .. } | Error::Validation(_))) => {
            let m = match &e {
                Error::Validation(v) => v.first().map(|f| f.message.clone()).unwrap_or_default(),
                other => crate::error::public_detail(other),
            };
            scenario_page(&req, &state, &account, id, Some(m)).await
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// One criterion row of a score sheet.
#[derive(Debug)]
pub struct SheetRow {
    pub id: i64,
    pub name: String,
    pub weight: i32,
    pub score: String,
    pub comment: String,
    pub score_key: String,
    pub comment_key: String,
}

#[derive(Template)]
#[template(path = "score_sheet.html")]
struct SheetPage {
    ctx: PageCtx,
    sid: i64,
    bid: i64,
    title: String,
    vendor: String,
    price: String,
    days: String,
    proposal: Vec<String>,
    team: String,
    attachments: Vec<(String, String)>,
    rows: Vec<SheetRow>,
    errors: FormErrors,
    error_summary: String,
    /// Scores change only while the scenario is under evaluation.
    can_save: bool,
}

async fn sheet_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    sid: ScenarioId,
    bid: BidId,
    typed: Option<Vec<(String, String)>>,
    errors: FormErrors,
) -> HttpResponse {
    let (a, services) = (actor(account), state.services.clone());
    let loaded = run(move || {
        Ok((
            services.scenario(Some(&a), sid)?,
            services.bid(&a, bid)?,
            services.my_scores(&a, sid)?,
        ))
    })
    .await;
    let (v, b, mine) = match loaded {
        Ok(x) if x.1.bid.scenario == sid => x,
        Ok(_) => return error_page(req, Some(account), &Error::NotFound),
        Err(e) => return error_page(req, Some(account), &e),
    };
    let ctx = PageCtx::new(req, Some(account), "evaluate");
    let rows = v
        .scenario
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let stored = mine.iter().find(|s| s.bid == bid && s.criterion == c.id);
            let (score, comment) = match &typed {
                Some(t) => t.get(i).cloned().unwrap_or_default(),
                None => (
                    stored.map(|s| s.score.to_string()).unwrap_or_default(),
                    stored.map(|s| s.comment.clone()).unwrap_or_default(),
                ),
            };
            SheetRow {
                id: c.id.0,
                name: c.name.clone(),
                weight: c.weight,
                score,
                comment,
                score_key: format!("scores[{i}].score"),
                comment_key: format!("scores[{i}].comment"),
            }
        })
        .collect();
    let n = errors.len();
    let page = SheetPage {
        sid: sid.0,
        bid: bid.0,
        title: v.scenario.title.clone(),
        vendor: b.vendor_name.clone(),
        price: money(b.bid.fields.price_fen, ctx.t.locale),
        days: ctx
            .t
            .t("bid.days_unit")
            .replace("{}", &b.bid.fields.delivery_days.to_string()),
        proposal: b
            .bid
            .fields
            .technical_proposal
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        team: b.bid.fields.team.clone(),
        attachments: b
            .bid
            .attachments
            .iter()
            .map(|x| {
                (
                    x.filename.clone(),
                    format!("/api/v1/bids/{}/attachments/{}", bid.0, x.sha256),
                )
            })
            .collect(),
        rows,
        can_save: v.status == Status::Evaluating,
        error_summary: ctx
            .t
            .pick(&format!("{n} 项需要修改 / {n} entries need attention")),
        errors,
        ctx,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(status, &page)
}

/// `GET /evaluate/{id}/bids/{bid}`
pub async fn sheet(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (sid, bid) = path.into_inner();
    sheet_page(
        &req,
        &state,
        &account,
        ScenarioId(sid),
        BidId(bid),
        None,
        FormErrors::default(),
    )
    .await
}

/// `POST /evaluate/{id}/bids/{bid}`: saves the filled lines of the sheet.
pub async fn save_sheet(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let (sid, bid) = path.into_inner();
    let f = form.0;
    let (ids, scores, comments) = (f.all("criterion_id"), f.all("score"), f.all("comment"));
    let typed: Vec<(String, String)> = (0..ids.len())
        .map(|i| {
            (
                scores.get(i).cloned().unwrap_or_default(),
                comments.get(i).cloned().unwrap_or_default(),
            )
        })
        .collect();
    // Blank scores are simply not saved yet (a partial sheet); positions keep their names.
    let mut lines = Vec::new();
    let mut positions = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let raw = scores
            .get(i)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if raw.is_empty() {
            continue;
        }
        lines.push(ScoreLine {
            criterion_id: id.parse().unwrap_or(-1),
            score: raw.parse().ok(),
            comment: comments.get(i).cloned().unwrap_or_default(),
        });
        positions.push(i);
    }
    let (a, services) = (actor(&account), state.services.clone());
    match run(move || services.save_scores(&a, BidId(bid), lines)).await {
        Ok(_) => see_other(&format!("/evaluate/{sid}?notice=saved")),
        Err(Error::Validation(errs)) => {
            let t = Tr::new(crate::session::locale_of(&req));
            let mut errors = FormErrors::default();
            for e in errs {
                let field = e
                    .field
                    .strip_prefix("scores[")
                    .and_then(|r| r.split_once(']'))
                    .and_then(|(k, tail)| {
                        k.parse::<usize>().ok().map(|k| {
                            format!("scores[{}]{tail}", positions.get(k).copied().unwrap_or(k))
                        })
                    })
                    .unwrap_or(e.field.clone());
                errors.insert(&field, t.pick(&e.message));
            }
            sheet_page(
                &req,
                &state,
                &account,
                ScenarioId(sid),
                BidId(bid),
                Some(typed),
                errors,
            )
            .await
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

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
    message: Option<String>,
) -> HttpResponse {
    let (a, services) = (actor(account), state.services.clone());
    let loaded = run(move || {
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
        message: message.map(|m| ctx.t.pick(&m)),
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

fn message_of(e: &Error) -> Option<String> {
    match e {
        Error::Validation(v) => Some(
            v.iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("；"),
        ),
        Error::Conflict { .. } | Error::IllegalTransition { .. } => {
            Some(crate::error::public_detail(e))
        }
        _ => None,
    }
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
    let (a, services) = (actor(&account), state.services.clone());
    match run(move || services.set_panel(&a, id, ids)).await {
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
    let (a, services) = (actor(&account), state.services.clone());
    match run(move || services.draw_panel(&a, id, n, reason)).await {
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
    errors: FormErrors,
    message: Option<String>,
}

async fn ranking_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ScenarioId,
    errors: FormErrors,
    message: Option<String>,
) -> HttpResponse {
    let (a, services) = (actor(account), state.services.clone());
    let loaded =
        run(move || Ok((services.scenario(Some(&a), id)?, services.ranking(&a, id)?))).await;
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
            })
            .collect(),
        blockers: r.blockers.iter().map(|(_, m)| ctx.t.pick(m)).collect(),
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
        errors,
        message: message.map(|m| ctx.t.pick(&m)),
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
    let (a, services) = (actor(&account), state.services.clone());
    match run(move || services.award(&a, id, bid, justification)).await {
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

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    ctx: PageCtx,
    /// (id, title, agency, winner, price, when)
    items: Vec<(i64, String, String, String, String, String)>,
    pager: super::Pager,
}

/// `GET /notices?page=`
pub async fn notices(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let page: i64 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let per_page = 20;
    let services = state.services.clone();
    let list = match run(move || services.award_notices((page - 1) * per_page, per_page)).await {
        Ok(l) => l,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "notices");
    let pager = super::Pager::new(&ctx.t, "/notices", page, per_page, list.total);
    let items = list
        .items
        .iter()
        .map(|n| {
            (
                n.scenario.0,
                n.title.clone(),
                n.agency.clone(),
                n.winner.1.clone(),
                money(n.price_fen, ctx.t.locale),
                beijing(n.awarded_at),
            )
        })
        .collect();
    render(StatusCode::OK, &NoticesPage { ctx, items, pager })
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    ctx: PageCtx,
    id: i64,
    title: String,
    agency: String,
    winner: String,
    price: String,
    at: String,
    /// (rank, name, total)
    items: Vec<(usize, String, String)>,
    panel: String,
}

/// `GET /scenarios/{id}/notice`
pub async fn notice(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let id = ScenarioId(path.into_inner());
    let services = state.services.clone();
    let n = match run(move || services.award_notice(id)).await {
        Ok(n) => n,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "notices");
    let page = NoticePage {
        id: id.0,
        title: n.title.clone(),
        agency: n.agency.clone(),
        winner: n.winner.1.clone(),
        price: money(n.price_fen, ctx.t.locale),
        at: beijing(n.awarded_at),
        items: n
            .items
            .iter()
            .map(|(_, name, total, rank)| (*rank, name.clone(), format!("{:.2}", round2(*total))))
            .collect(),
        panel: n.panel.join("、"),
        ctx,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "my_result.html")]
struct ResultPage {
    ctx: PageCtx,
    id: i64,
    title: String,
    rank: usize,
    price_score: String,
    means: Vec<(String, String)>,
    technical: String,
    total: String,
}

/// `GET /scenarios/{id}/result`: a bidding vendor's own evaluation.
pub async fn my_result(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let (a, services) = (actor(&account), state.services.clone());
    let loaded = run(move || {
        Ok((
            services.scenario(Some(&a), id)?,
            services.my_result(&a, id)?,
        ))
    })
    .await;
    let (v, r) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "my_bids");
    let f2 = |x: f64| format!("{:.2}", round2(x));
    let page = ResultPage {
        id: id.0,
        title: v.scenario.title.clone(),
        rank: r.evaluated.rank,
        price_score: f2(r.evaluated.price_score),
        means: r
            .evaluated
            .criteria
            .iter()
            .map(|(c, m)| {
                (
                    v.scenario
                        .criteria
                        .iter()
                        .find(|x| x.id == *c)
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                    m.map(f2).unwrap_or_else(|| "—".into()),
                )
            })
            .collect(),
        technical: f2(r.evaluated.technical_score),
        total: f2(r.evaluated.total),
        ctx,
    };
    render(StatusCode::OK, &page)
}

/// `POST /scenarios/{id}/deliver`
pub async fn deliver(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    _checked: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let (a, services) = (actor(&account), state.services.clone());
    match run(move || services.deliver(&a, id)).await {
        Ok(()) => see_other(&format!("/scenarios/{}?notice=saved", id.0)),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /scenarios/{id}/rating`
pub async fn rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let mark = |k: &str| f.get(k).trim().parse::<i32>().unwrap_or(0);
    let marks = Marks {
        quality: mark("quality"),
        timeliness: mark("timeliness"),
        communication: mark("communication"),
    };
    let (a, services, comment) = (actor(&account), state.services.clone(), f.get("comment"));
    match run(move || services.rate(&a, id, marks, comment)).await {
        Ok(_) => see_other(&format!("/scenarios/{}?notice=saved", id.0)),
        Err(Error::Validation(errs)) => {
            let t = Tr::new(crate::session::locale_of(&req));
            super::scenarios::detail_page(
                &req,
                &state,
                Some(&account),
                id,
                FormErrors::from_fields(&errs, &t),
                Default::default(),
            )
            .await
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /ratings/{id}/reply`
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = domain::ids::RatingId(path.into_inner());
    let (a, services, body) = (actor(&account), state.services.clone(), form.0.get("body"));
    match run(move || services.reply_to_rating(&a, id, body)).await {
        Ok(r) => see_other(&format!("/organizations/{}?notice=saved", r.vendor.0)),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// A rating as the profile shows it.
#[derive(Debug)]
pub struct RatingLine {
    pub id: i64,
    pub scenario: String,
    pub quality: i32,
    pub timeliness: i32,
    pub communication: i32,
    pub comment: String,
    pub at: String,
    pub reply: Option<String>,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrgPage {
    ctx: PageCtx,
    org: crate::api::accounts::OrganizationOut,
    reputation: Option<String>,
    count_text: String,
    ratings: Vec<RatingLine>,
    can_reply: bool,
}

/// `GET /organizations/{id}`: the public profile with reputation and ratings.
pub async fn organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let id = OrganizationId(path.into_inner());
    let viewer = account.as_ref().map(actor);
    let services = state.services.clone();
    let loaded = run(move || {
        let org = services.organization(viewer.as_ref(), id)?;
        let ratings = services.vendor_ratings(id)?;
        let mut titles = HashMap::new();
        for r in &ratings.ratings {
            if let Ok(v) = services.scenario(None, r.scenario) {
                titles.insert(r.scenario, v.scenario.title);
            }
        }
        Ok((org, ratings, titles))
    })
    .await;
    let (org, ratings, titles) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(&req, account.as_ref(), &e),
    };
    let ctx = PageCtx::new(&req, account.as_ref(), "vendors");
    let can_reply = account.as_ref().is_some_and(|a| {
        a.user.organization_id == Some(id) && a.user.role == domain::account::Role::Vendor
    });
    let page = OrgPage {
        org: crate::api::accounts::OrganizationOut::from(&org),
        reputation: ratings.reputation.map(|r| format!("{:.2}", round2(r))),
        count_text: ctx
            .t
            .t("ev.ratings_count")
            .replace("{}", &ratings.count.to_string()),
        ratings: ratings
            .ratings
            .iter()
            .map(|r| RatingLine {
                id: r.id.0,
                scenario: titles.get(&r.scenario).cloned().unwrap_or_default(),
                quality: r.quality,
                timeliness: r.timeliness,
                communication: r.communication,
                comment: r.comment.clone(),
                at: beijing(r.created_at),
                reply: r.reply.clone(),
            })
            .collect(),
        can_reply,
        ctx,
    };
    render(StatusCode::OK, &page)
}
