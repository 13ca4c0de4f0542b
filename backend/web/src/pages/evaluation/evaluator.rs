//! The evaluator's pages: the workspace, a scenario's declaration and dissent, the score sheets.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use app::evaluation::MyPanel;
use askama::Template;
use domain::Error;
use domain::bid::BidId;
use domain::evaluation::ScoreLine;
use domain::message::Message;
use domain::scenario::{ScenarioId, Status};

use super::{CheckedForm, FormErrors, PageCtx, actor, error_page, render, see_other};
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
    pub conflict: bool,
}

/// One filter of the workspace: (code, label, count, chosen, href).
pub struct FilterTab {
    pub label: String,
    pub count: usize,
    pub chosen: bool,
    pub href: String,
}

#[derive(Template)]
#[template(path = "evaluate_list.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<PanelRow>,
    tabs: Vec<FilterTab>,
    /// The deadline order: latest first when true.
    latest_first: bool,
    /// The chosen filter's code ("" for all), for the sort form.
    show: String,
}

/// `GET /evaluate?show=pending|evaluated|conflict&sort=deadline|-deadline`: the evaluator's
/// panels, filtered by where they stand and ordered by bid deadline (soonest first).
pub async fn workspace(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let show = q
        .get("show")
        .and_then(|s| domain::evaluation::PanelState::parse(s));
    let latest_first = q.get("sort").is_some_and(|s| s == "-deadline");
    let a = actor(&account);
    let panels = match state.call(move |services| services.my_panels(&a)).await {
        Ok(p) => p,
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    let ctx = PageCtx::new(&req, Some(&account), "evaluate");
    let mut panels = panels;
    panels.sort_by_key(|p| p.scenario.scenario.bid_deadline);
    if latest_first {
        panels.reverse();
    }
    let state_of = |p: &MyPanel| domain::evaluation::PanelState::of(&p.member, p.progress);
    let sort = if latest_first { "&sort=-deadline" } else { "" };
    let mut tabs = vec![FilterTab {
        label: ctx.t.t("ev.filter_all").to_string(),
        count: panels.len(),
        chosen: show.is_none(),
        href: format!("/evaluate?show={sort}"),
    }];
    for st in domain::evaluation::PanelState::ALL {
        tabs.push(FilterTab {
            label: ctx.t.t(&format!("ev.filter_{}", st.code())).to_string(),
            count: panels.iter().filter(|p| state_of(p) == st).count(),
            chosen: show == Some(st),
            href: format!("/evaluate?show={}{sort}", st.code()),
        });
    }
    let rows = panels
        .into_iter()
        .filter(|p| show.is_none_or(|st| state_of(p) == st))
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
                conflict: m.has_conflict == Some(true),
                progress,
            },
        )
        .collect();
    render(
        StatusCode::OK,
        &ListPage {
            ctx,
            rows,
            tabs,
            latest_first,
            show: show.map(|s| s.code().to_string()).unwrap_or_default(),
        },
    )
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
    message: Option<domain::message::Message>,
) -> HttpResponse {
    let a = actor(account);
    let loaded = state
        .call(move |services| {
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
                    b.bidder(),
                    money(b.bid.fields.price_fen, ctx.t.locale),
                    mine.iter().filter(|s| s.bid == b.bid.id).count(),
                    per_bid,
                )
            })
            .collect(),
        message: message.map(|m| ctx.t.msg(&m)),
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
    let (a, conflict, note) = (actor(&account), f.flag("has_conflict"), f.get("note"));
    match state
        .call(move |services| services.declare_conflict(&a, id, conflict, note))
        .await
    {
        Ok(_) => see_other(&format!("/evaluate/{}", id.0)),
        Err(
            e @ (Error::Conflict { .. } | Error::IllegalTransition { .. } | Error::Validation(_)),
        ) => {
            scenario_page(
                &req,
                &state,
                &account,
                id,
                Some(crate::error::public_message(&e)),
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
    let (a, body) = (actor(&account), form.0.get("body"));
    match state
        .call(move |services| services.dissent(&a, id, body))
        .await
    {
        Ok(_) => see_other(&format!("/evaluate/{}?notice=saved", id.0)),
        Err(e @ (Error::IllegalTransition { .. } | Error::Validation(_))) => {
            let m = match &e {
                Error::Validation(v) => v
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| crate::error::public_message(&e)),
                other => crate::error::public_message(other),
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
    let a = actor(account);
    let loaded = state
        .call(move |services| {
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
        vendor: b.bidder(),
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
        error_summary: ctx.t.msg(&Message::new(
            format!("{n} 项需要修改"),
            format!("{n} entries need attention"),
        )),
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
    let a = actor(&account);
    match state
        .call(move |services| services.save_scores(&a, BidId(bid), lines))
        .await
    {
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
                errors.insert(&field, t.msg(&e.message));
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
