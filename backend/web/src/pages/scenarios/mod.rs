//! Scenario pages: the public list and detail, the agency's dashboard, the create/edit form
//! with its criteria editor (rows added and removed by submitting, so it works without
//! JavaScript), the publish/extend/cancel confirmation steps, and the Q&A forms.

mod confirm;
mod detail;
mod form;
mod list;
mod recommended;

pub use confirm::*;
pub use detail::*;
pub use form::*;
pub use list::*;
pub use recommended::*;

use actix_web::web;
use app::scenarios::{ScenarioQuery, ScenarioView};
use chrono::{DateTime, Utc};
use domain::scenario::{ScenarioFields, ScenarioPatch, Status, Warning, posting_warnings};
use domain::sector::Sector;

use super::{
    CheckedForm, FormData, FormErrors, PageCtx, Pager, actor, error_page, render, see_other,
    with_account,
};
use crate::AppState;
use crate::format::{beijing, money, time_left};
use crate::i18n::Tr;

/// A scenario as a card or a page header shows it.
#[derive(Debug, Clone)]
pub struct Card {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub agency: String,
    pub domain_label: String,
    pub status: &'static str,
    pub status_label: String,
    pub budget: String,
    pub deadline: String,
    pub time_left: Option<String>,
    pub origin: &'static str,
    pub tags: Vec<String>,
}

fn domain_label(t: &Tr, d: Sector) -> String {
    t.t(&format!("domain.{}", d.code())).to_string()
}

/// Notes, for kept answers, when the countdowns of these scenarios next change.
pub(super) fn note_countdowns<'a>(
    req: &actix_web::HttpRequest,
    views: impl IntoIterator<Item = &'a ScenarioView>,
    now: DateTime<Utc>,
) {
    let next = views
        .into_iter()
        .filter(|v| matches!(v.status, Status::Published))
        .filter_map(|v| crate::format::time_left_changes(v.scenario.bid_deadline, now))
        .min();
    crate::public_cache::holds_until(req, next);
}

pub(super) fn card(v: &ScenarioView, t: &Tr, now: DateTime<Utc>) -> Card {
    let s = &v.scenario;
    let live = matches!(v.status, Status::Published);
    Card {
        id: s.id.0,
        title: s.title.clone(),
        summary: s.summary.clone(),
        agency: v.owner_name.clone(),
        domain_label: domain_label(t, s.domain),
        status: v.status.code(),
        status_label: t.t(&format!("status.{}", v.status.code())).to_string(),
        budget: format!(
            "{} – {}",
            money(s.budget_min_fen, t.locale),
            money(s.budget_max_fen, t.locale)
        ),
        deadline: beijing(s.bid_deadline),
        time_left: if live {
            time_left(s.bid_deadline, now, t)
        } else {
            None
        },
        origin: s.origin.code(),
        tags: s.tags.clone(),
    }
}

fn warning_texts(ws: &[Warning], t: &Tr) -> Vec<String> {
    ws.iter()
        .map(|w| {
            if t.is_zh() {
                w.zh.clone()
            } else {
                w.en.clone()
            }
        })
        .collect()
}

fn domains(t: &Tr) -> Vec<(&'static str, String)> {
    Sector::ALL
        .iter()
        .map(|d| (d.code(), domain_label(t, *d)))
        .collect()
}

/// The compliance hints of a scenario as it stands (as if published now, if it is a draft).
fn current_warnings(v: &ScenarioView, now: DateTime<Utc>, t: &Tr) -> Vec<String> {
    let at = v.scenario.published_at.unwrap_or(now);
    ScenarioFields::try_from(ScenarioPatch::default().over(&v.scenario))
        .map(|f| warning_texts(&posting_warnings(&f, at), t))
        .unwrap_or_default()
}

/// The newest scenarios open for bids, for the home page (none if the list cannot be read).
pub async fn latest_open(state: &web::Data<AppState>, t: &Tr, n: i64) -> Vec<Card> {
    let q = ScenarioQuery {
        status: Some(Status::Published),
        limit: n,
        without_criteria: true,
        ..Default::default()
    };
    match state
        .call(move |services| services.list_scenarios(None, q))
        .await
    {
        Ok(page) => {
            let now = state.services.now();
            page.items.iter().map(|v| card(v, t, now)).collect()
        }
        Err(e) => {
            tracing::error!(error = %e, "home page: cannot list scenarios");
            vec![]
        }
    }
}
