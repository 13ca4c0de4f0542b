//! Administration pages: verifying organizations (with OPC membership) and creating evaluators.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use askama::Template;
use domain::Error;
use domain::account::{CreateUserRequest, NewStaffUser};
use domain::policy;
use domain::ports::OrgFilter;
use domain::sector::Sector;

use super::{
    CheckedForm, FormErrors, PageCtx, Pager, actor, error_page, render, require_account, see_other,
};
use crate::AppState;
use crate::query::Paging;
use crate::views::OrganizationOut;

/// The signed-in administrator, or the answer to give instead.
pub(super) async fn require_admin(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Account, HttpResponse> {
    let account = require_account(req, state).await?;
    match policy::require_admin(&actor(&account)) {
        Ok(()) => Ok(account),
        Err(e) => Err(error_page(req, Some(&account), &e)),
    }
}

#[derive(Template)]
#[template(path = "admin_organizations.html")]
struct OrgsPage {
    ctx: PageCtx,
    status: String,
    orgs: Vec<OrganizationOut>,
    total_text: String,
    pager: Pager,
}

pub async fn organizations(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let status = match q.get("status").map(String::as_str) {
        Some(s @ ("verified" | "all")) => s.to_string(),
        _ => "unverified".to_string(),
    };
    let page_no = q.get("page").and_then(|p| p.parse().ok());
    let paging = Paging::parse(page_no, Some(20)).unwrap_or(Paging {
        page: 1,
        per_page: 20,
    });
    let filter = OrgFilter {
        verified: match status.as_str() {
            "verified" => Some(true),
            "all" => None,
            _ => Some(false),
        },
        offset: paging.offset(),
        limit: paging.per_page,
        ..Default::default()
    };
    let a = actor(&account);
    let result = state
        .call(move |services| services.admin_organizations(&a, filter))
        .await;
    match result {
        Ok(page) => {
            let ctx = PageCtx::new(&req, Some(&account), "admin_orgs");
            let pager = Pager::new(
                &ctx.t,
                &format!("/admin/organizations?status={status}"),
                paging.page,
                paging.per_page,
                page.total,
            );
            let total_text = ctx
                .t
                .t("admin.total")
                .replace("{}", &page.total.to_string());
            render(
                StatusCode::OK,
                &OrgsPage {
                    orgs: page.items.iter().map(OrganizationOut::from).collect(),
                    status,
                    total_text,
                    pager,
                    ctx,
                },
            )
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CheckedForm,
) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let f = form.0;
    let id = domain::ids::OrganizationId(path.into_inner());
    let (verified, opc) = (f.flag("verified"), f.flag("opc_member"));
    let a = actor(&account);
    match state
        .call(move |services| services.verify_organization(&a, id, verified, opc))
        .await
    {
        Ok(_) => {
            let status = match f.get("status").as_str() {
                s @ ("verified" | "all") => s.to_string(),
                _ => "unverified".into(),
            };
            see_other(&format!(
                "/admin/organizations?status={status}&notice=verified"
            ))
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// The evaluator form's values.
#[derive(Debug, Default)]
pub struct EvaluatorForm {
    pub display_name: String,
    pub email: String,
}

#[derive(Template)]
#[template(path = "admin_evaluators.html")]
struct EvaluatorsPage {
    ctx: PageCtx,
    form: EvaluatorForm,
    errors: FormErrors,
    form_message: Option<String>,
    /// (code, label, checked)
    sectors: Vec<(&'static str, &'static str, bool)>,
    /// (name, e-mail, domain labels)
    evaluators: Vec<(String, String, Vec<&'static str>)>,
}

async fn evaluators_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    form: EvaluatorForm,
    checked: &[String],
    errors: FormErrors,
) -> HttpResponse {
    let a = actor(account);
    let list = match state
        .call(move |services| services.list_evaluators(&a))
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(req, Some(account), &e),
    };
    let ctx = PageCtx::new(req, Some(account), "admin_evaluators");
    let zh = ctx.t.is_zh();
    let label = |s: Sector| if zh { s.label_zh() } else { s.label_en() };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = EvaluatorsPage {
        sectors: Sector::ALL
            .iter()
            .map(|s| (s.code(), label(*s), checked.iter().any(|c| c == s.code())))
            .collect(),
        evaluators: list
            .into_iter()
            .map(|u| {
                (
                    u.display_name,
                    u.email,
                    u.expertise.into_iter().map(label).collect(),
                )
            })
            .collect(),
        form,
        errors,
        form_message: None,
        ctx,
    };
    render(status, &page)
}

pub async fn evaluators(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match require_admin(&req, &state).await {
        Ok(account) => {
            evaluators_page(
                &req,
                &state,
                &account,
                EvaluatorForm::default(),
                &[],
                FormErrors::default(),
            )
            .await
        }
        Err(r) => r,
    }
}

pub async fn create_evaluator(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let f = form.0;
    let form = EvaluatorForm {
        display_name: f.get("display_name"),
        email: f.get("email"),
    };
    let expertise = f.all("expertise");
    let raw = CreateUserRequest {
        email: form.email.clone(),
        password: f.get("password"),
        display_name: form.display_name.clone(),
        role: Some(domain::account::Role::Evaluator),
        expertise: expertise.clone(),
        locale: None,
    };
    let result = match NewStaffUser::try_from(raw) {
        Ok(new) => {
            let a = actor(&account);
            state
                .call(move |services| services.create_staff_user(&a, new))
                .await
        }
        Err(e) => Err(e),
    };
    let t = crate::i18n::Tr::new(crate::session::locale_of(&req));
    let errors = match result {
        Ok(_) => return see_other("/admin/evaluators?notice=evaluator_created"),
        Err(Error::Validation(errs)) => FormErrors::from_fields(&errs, &t),
        Err(Error::Conflict { detail, .. }) => {
            let mut e = FormErrors::default();
            e.insert("email", t.msg(&detail));
            e
        }
        Err(e) => return error_page(&req, Some(&account), &e),
    };
    evaluators_page(&req, &state, &account, form, &expertise, errors).await
}
