//! The owner's "recommended vendors" of a scenario: every verified vendor by fit, with its
//! reasons, and an invitation form beside each one not invited yet (the vendor is notified and
//! sees the invitation on the scenario). Works without JavaScript.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use askama::Template;
use domain::Error;
use domain::ids::OrganizationId;
use domain::recommend::Recommendation;
use domain::scenario::ScenarioId;

use super::{CheckedForm, FormErrors, PageCtx, Pager, actor, error_page, render, see_other};
use crate::AppState;
use crate::i18n::Tr;

/// One recommended vendor as the page shows it.
#[derive(Debug, Clone)]
pub struct RecLine {
    pub id: i64,
    pub name: String,
    pub opc: bool,
    pub score: String,
    /// Whether its kind of offer can deliver the scenario.
    pub delivers: bool,
    /// (kind, text)
    pub reasons: Vec<(&'static str, String)>,
    pub invited: bool,
    /// The invitation form: open (re-shown with an error), its text, the error.
    pub open: bool,
    pub message: String,
    pub error: Option<String>,
}

/// The lines of recommendations, in the page's language, each invitation form pre-filled with
/// a line naming the scenario.
pub fn lines(
    recs: &[Recommendation],
    invited: &HashSet<OrganizationId>,
    t: &Tr,
    title: &str,
) -> Vec<RecLine> {
    let default_message = t.t("rec.default_message").replace("{title}", title);
    recs.iter()
        .map(|r| RecLine {
            id: r.vendor.0,
            name: r.name.clone(),
            opc: r.opc_member,
            score: format!("{:.1}", r.score),
            delivers: r.delivers,
            reasons: r
                .reasons
                .iter()
                .filter(|x| x.kind != "opc")
                .map(|x| (x.kind, t.msg(&x.text)))
                .collect(),
            invited: invited.contains(&r.vendor),
            open: false,
            message: default_message.clone(),
            error: None,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "recommended.html")]
struct RecommendedPage {
    ctx: PageCtx,
    scenario_id: i64,
    title: String,
    items: Vec<RecLine>,
    total: usize,
    pager: Pager,
    page: i64,
    invited_name: Option<String>,
}

const PER_PAGE: i64 = 10;

/// The recommendations and the invited vendors of the owner's scenario.
async fn load(
    state: &web::Data<AppState>,
    account: &Account,
    id: ScenarioId,
    page: i64,
) -> Result<Loaded, Error> {
    let who = actor(account);
    let search = state.search.clone();
    state
        .call(move |services| {
            let d = services.scenario_detail(Some(&who), id)?;
            let at = |page: i64| (page - 1).saturating_mul(PER_PAGE) as usize;
            let (mut recs, total) =
                search.recommended_vendors(&who, id, at(page), PER_PAGE as usize)?;
            // A page past the last shows the last.
            let pages = (total as i64 + PER_PAGE - 1) / PER_PAGE;
            let page = page.clamp(1, pages.max(1));
            if recs.is_empty() && total > 0 {
                recs = search
                    .recommended_vendors(&who, id, at(page), PER_PAGE as usize)?
                    .0;
            }
            let invited = d.invitations.iter().map(|i| i.vendor).collect();
            Ok(Loaded {
                title: d.view.scenario.title.clone(),
                recs,
                total,
                page,
                invited,
            })
        })
        .await
}

/// One page of the recommendations, with what the page needs besides.
struct Loaded {
    title: String,
    recs: Vec<Recommendation>,
    total: usize,
    page: i64,
    invited: HashSet<OrganizationId>,
}

/// What the page shows besides the list: which page, the form re-shown with its error, the
/// vendor just invited.
#[derive(Default)]
struct Shown {
    page: i64,
    failed: Option<(i64, String)>,
    errors: FormErrors,
    invited_name: Option<String>,
}

async fn show(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    id: ScenarioId,
    shown: Shown,
) -> HttpResponse {
    let Shown {
        page,
        failed,
        errors,
        invited_name,
    } = shown;
    let Loaded {
        title,
        recs: shown,
        total,
        page,
        invited,
    } = match load(state, account, id, page.max(1)).await {
        Ok(v) => v,
        Err(e) => return error_page(req, Some(account), &e),
    };
    let ctx = PageCtx::new(req, Some(account), "scenarios");
    let base = format!("/scenarios/{}/recommended", id.0);
    let pager = Pager::new(&ctx.t, &base, page, PER_PAGE, total as i64);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut items = lines(&shown, &invited, &ctx.t, &title);
    for line in &mut items {
        if let Some((vendor, typed)) = &failed
            && *vendor == line.id
        {
            line.open = true;
            line.message = typed.clone();
            line.error = ["message", "vendor_id"]
                .into_iter()
                .find(|f| errors.has(f))
                .map(|f| errors.get(f).to_string());
        }
    }
    render(
        status,
        &RecommendedPage {
            items,
            scenario_id: id.0,
            title,
            total,
            pager,
            page,
            invited_name,
            ctx,
        },
    )
}

/// `GET /scenarios/{id}/recommended?page=`
pub async fn recommended(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let page = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let invited_name = q.get("invited").cloned();
    let id = ScenarioId(path.into_inner());
    show(
        &req,
        &state,
        &account,
        id,
        Shown {
            page,
            invited_name,
            ..Shown::default()
        },
    )
    .await
}

/// `POST /scenarios/{id}/invite`: `vendor_id`, `message`, `page` (to come back to).
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = ScenarioId(path.into_inner());
    let f = form.0;
    let vendor: i64 = f.get("vendor_id").parse().unwrap_or(0);
    let message = f.get("message");
    let page: i64 = f.get("page").parse().unwrap_or(1);
    let who = actor(&account);
    let typed = message.clone();
    let result = state
        .call(move |services| services.invite_vendor(&who, id, OrganizationId(vendor), &typed))
        .await;
    match result {
        Ok(_) => {
            let name = state
                .call(move |services| services.organization(None, OrganizationId(vendor)))
                .await
                .map(|o| o.name)
                .unwrap_or_default();
            let q = serde_urlencoded::to_string([("page", page.to_string()), ("invited", name)])
                .unwrap_or_default();
            see_other(&format!(
                "/scenarios/{}/recommended?{q}#vendor-{vendor}",
                id.0
            ))
        }
        Err(Error::Validation(errs)) => {
            let t = PageCtx::new(&req, Some(&account), "").t;
            let errors = FormErrors::from_fields(&errs, &t);
            show(
                &req,
                &state,
                &account,
                id,
                Shown {
                    page,
                    failed: Some((vendor, message)),
                    errors,
                    invited_name: None,
                },
            )
            .await
        }
        Err(Error::Conflict { detail, .. }) => {
            let t = PageCtx::new(&req, Some(&account), "").t;
            let mut errors = FormErrors::default();
            errors.insert("message", t.msg(&detail));
            show(
                &req,
                &state,
                &account,
                id,
                Shown {
                    page,
                    failed: Some((vendor, message)),
                    errors,
                    invited_name: None,
                },
            )
            .await
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}
