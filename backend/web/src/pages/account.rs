//! "My account": the user's profile and their organization's profile form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use askama::Template;
use domain::Error;
use domain::account::{Contact, OrgProfilePatch, OrgProfilePatchRequest, Organization, Password};

use super::{CheckedForm, FormErrors, PageCtx, error_page, render, see_other};
use crate::AppState;
use crate::views::OrganizationOut;

/// The organization form's values.
#[derive(Debug, Default)]
pub struct OrgForm {
    pub description: String,
    pub capabilities: String,
    /// The offer-kind codes ticked.
    pub offer_kinds: Vec<String>,
    pub open_to_teaming: bool,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
}

impl OrgForm {
    fn of(o: &Organization) -> Self {
        OrgForm {
            description: o.description.clone(),
            capabilities: o.capabilities.join("，"),
            offer_kinds: o.offer_kinds.iter().map(|k| k.code().to_string()).collect(),
            open_to_teaming: o.open_to_teaming,
            contact_name: o.contact.name.clone().unwrap_or_default(),
            contact_phone: o.contact.phone.clone().unwrap_or_default(),
            contact_email: o.contact.email.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageCtx,
    user: crate::views::UserOut,
    role_key: String,
    expertise: Vec<String>,
    org: Option<OrganizationOut>,
    form: OrgForm,
    /// (code, label, ticked) of every offer kind, for a vendor's form.
    offer_choices: Vec<(&'static str, String, bool)>,
    errors: FormErrors,
    form_message: Option<String>,
    /// (field name, label key, autocomplete)
    password_fields: [(&'static str, &'static str, &'static str); 3],
    pw_errors: FormErrors,
}

const PASSWORD_FIELDS: [(&str, &str, &str); 3] = [
    (
        "current_password",
        "account.current_password",
        "current-password",
    ),
    ("new_password", "account.new_password", "new-password"),
    (
        "new_password_confirm",
        "auth.password_confirm",
        "new-password",
    ),
];

fn page(
    req: &HttpRequest,
    account: &Account,
    form: Option<OrgForm>,
    errors: FormErrors,
) -> AccountPage {
    let ctx = PageCtx::new(req, Some(account), "account");
    let expertise = account
        .user
        .expertise
        .iter()
        .map(|s| {
            if ctx.t.is_zh() {
                s.label_zh()
            } else {
                s.label_en()
            }
            .to_string()
        })
        .collect();
    let form = form.unwrap_or_else(|| {
        account
            .organization
            .as_ref()
            .map(OrgForm::of)
            .unwrap_or_default()
    });
    let offer_choices = super::forms::offer_choices(&ctx.t, &form.offer_kinds);
    AccountPage {
        offer_choices,
        user: (&account.user).into(),
        role_key: format!("role.{}", account.user.role.code()),
        expertise,
        org: account.organization.as_ref().map(OrganizationOut::from),
        form,
        errors,
        form_message: None,
        password_fields: PASSWORD_FIELDS,
        pw_errors: FormErrors::default(),
        ctx,
    }
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = signed_in!(req, state);
    render(
        StatusCode::OK,
        &page(&req, &account, None, FormErrors::default()),
    )
}

pub async fn update_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let f = form.0;
    let Some(org_id) = account.user.organization_id else {
        return error_page(&req, Some(&account), &Error::NotFound);
    };
    let form = OrgForm {
        description: f.get("description"),
        capabilities: f.get("capabilities"),
        offer_kinds: f.all("offer_kinds"),
        open_to_teaming: f.get("open_to_teaming") == "true",
        contact_name: f.get("contact_name"),
        contact_phone: f.get("contact_phone"),
        contact_email: f.get("contact_email"),
    };
    let raw = OrgProfilePatchRequest {
        description: Some(form.description.clone()),
        capabilities: Some(domain::text::split_tag_line(&form.capabilities)),
        offer_kinds: Some(form.offer_kinds.clone()),
        open_to_teaming: Some(form.open_to_teaming),
        contact: Some(Contact {
            name: Some(form.contact_name.clone()),
            phone: Some(form.contact_phone.clone()),
            email: Some(form.contact_email.clone()),
        }),
    };
    let actor = domain::policy::Actor {
        user_id: account.user.id,
        role: account.user.role,
        organization_id: account.user.organization_id,
    };
    let result = match OrgProfilePatch::try_from(raw) {
        Ok(patch) => {
            state
                .call(move |services| services.update_organization_profile(&actor, org_id, patch))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => see_other("/account?notice=saved"),
        Err(Error::Validation(errs)) => {
            let t = crate::i18n::Tr::new(crate::session::locale_of(&req));
            let errors = FormErrors::with_group(&errs, &t, "offer_kinds");
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&req, &account, Some(form), errors),
            )
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let f = form.0;
    let t = crate::i18n::Tr::new(crate::session::locale_of(&req));
    let mut pw_errors = FormErrors::default();
    let new = match Password::parse(&f.get("new_password")) {
        Ok(p) => Some(p),
        Err(m) => {
            pw_errors.insert("new_password", t.msg(&m));
            None
        }
    };
    if f.get("new_password") != f.get("new_password_confirm") {
        pw_errors.insert(
            "new_password_confirm",
            t.t("auth.password_mismatch").to_string(),
        );
    }
    let result = match new.filter(|_| pw_errors.is_empty()) {
        Some(new) => {
            let (id, email, current, fresh) = (
                account.user.id,
                account.user.email.clone(),
                f.get("current_password"),
                f.get("new_password"),
            );
            let ip = state.client_ip(&req);
            state
                .call(move |services| {
                    services.change_password(id, &current, new)?;
                    services.login(&email, &fresh, &ip)
                })
                .await
        }
        None => Err(Error::Validation(vec![])),
    };
    match result {
        Ok(signed) => {
            super::auth::signed_in_redirect(&state, signed, "/account?notice=password_changed")
        }
        Err(Error::Validation(errs)) => {
            for e in errs {
                pw_errors.insert(&e.field, t.msg(&e.message));
            }
            let mut p = page(&req, &account, None, FormErrors::default());
            p.pw_errors = pw_errors;
            render(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /account/sign-out-everywhere`: ends every session of the user (this browser's too)
/// and retires their private calendar and feed links.
pub async fn sign_out_everywhere(
    req: HttpRequest,
    state: web::Data<AppState>,
    _checked: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let user = account.user.id;
    if let Err(e) = state
        .call(move |services| services.logout_everywhere(user))
        .await
    {
        return error_page(&req, Some(&account), &e);
    }
    state.live.look_now();
    super::auth::signed_out_redirect(&state, "/?notice=signed_out_everywhere")
}
