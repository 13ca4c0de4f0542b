//! Register, sign in, sign out, forgot and reset password.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::SignedIn;
use askama::Template;
use domain::Error;
use domain::account::{Password, RegisterOrganization, RegisterRequest, Registration};

use super::{
    CheckedForm, FormErrors, PageCtx, current_account, error_page, render, safe_next, see_other,
};
use crate::AppState;

use crate::session::{self, removal, session_cookies};

/// What the register form keeps when it is shown again.
#[derive(Debug, Default)]
pub struct RegisterForm {
    pub role: String,
    pub org_name: String,
    pub credit_code: String,
    /// The offer-kind codes ticked.
    pub offer_kinds: Vec<String>,
    pub display_name: String,
    pub email: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: PageCtx,
    form: RegisterForm,
    errors: FormErrors,
    form_message: Option<String>,
}

impl RegisterPage {
    /// (code, label, ticked) of every offer kind.
    fn offer_choices(&self) -> Vec<(&'static str, String, bool)> {
        super::forms::offer_choices(&self.ctx.t, &self.form.offer_kinds)
    }
}

pub async fn register_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = current_account(&req, &state).await;
    let page = RegisterPage {
        ctx: PageCtx::new(&req, account.as_ref(), "register"),
        form: RegisterForm {
            role: "vendor".into(),
            ..Default::default()
        },
        errors: FormErrors::default(),
        form_message: None,
    };
    render(StatusCode::OK, &page)
}

/// Signs the browser in: sets the session cookies on a redirect.
pub(super) fn signed_in_redirect(state: &AppState, signed: SignedIn, to: &str) -> HttpResponse {
    let mut resp = see_other(to);
    match state
        .tokens
        .issue(&signed.user, signed.session, state.services.now())
    {
        Ok(access) => {
            for c in session_cookies(state, access, signed.refresh_token) {
                let _ = resp.add_cookie(&c);
            }
        }
        Err(e) => tracing::error!(error = %e, "could not issue an access token"),
    }
    resp
}

pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let f = form.0;
    let ctx = PageCtx::new(&req, None, "register");
    let form = RegisterForm {
        role: f.get("role"),
        org_name: f.get("org_name"),
        credit_code: f.get("credit_code"),
        offer_kinds: f.all("offer_kinds"),
        display_name: f.get("display_name"),
        email: f.get("email"),
    };
    let raw = RegisterRequest {
        email: form.email.clone(),
        password: f.get("password"),
        display_name: form.display_name.clone(),
        role: domain::account::Role::parse(&form.role).ok(),
        organization: RegisterOrganization {
            name: form.org_name.clone(),
            credit_code: Some(form.credit_code.clone()),
            offer_kinds: Some(form.offer_kinds.clone()),
        },
        locale: Some(ctx.t.locale.code().into()),
    };
    let password = raw.password.clone();
    let result = match Registration::try_from(raw) {
        Ok(reg) => {
            let ip = state.client_ip(&req);
            state
                .call(move |services| {
                    let account = services.register(reg)?;
                    services.login(&account.user.email, &password, &ip)
                })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(signed) => signed_in_redirect(&state, signed, "/account?notice=registered"),
        Err(Error::Validation(errs)) => {
            let errors = FormErrors::with_group(&errs, &ctx.t, "organization.offer_kinds");
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RegisterPage {
                    ctx,
                    form,
                    errors,
                    form_message: None,
                },
            )
        }
        Err(Error::Conflict { detail, .. }) => {
            let mut errors = FormErrors::default();
            errors.insert("email", ctx.t.msg(&detail));
            render(
                StatusCode::CONFLICT,
                &RegisterPage {
                    ctx,
                    form,
                    errors,
                    form_message: None,
                },
            )
        }
        Err(e) => error_page(&req, None, &e),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: PageCtx,
    email: String,
    next: String,
    errors: FormErrors,
    form_message: Option<String>,
    demo_accounts: Vec<(String, &'static str)>,
    demo_password: &'static str,
}

fn login_page(
    req: &HttpRequest,
    state: &AppState,
    email: String,
    next: String,
    errors: FormErrors,
    form_message: Option<String>,
) -> LoginPage {
    let ctx = PageCtx::new(req, None, "login");
    let demo = state.demo_sign_ins.as_ref();
    let demo_accounts = demo
        .map(|d| {
            d.accounts
                .iter()
                .map(|(role, email, who)| {
                    let key = format!("role.{}", role.code());
                    (format!("{} · {who}", ctx.t.t(&key)), *email)
                })
                .collect()
        })
        .unwrap_or_default();
    LoginPage {
        ctx,
        email,
        next,
        errors,
        form_message,
        demo_accounts,
        demo_password: demo.map(|d| d.password).unwrap_or_default(),
    }
}

pub async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let next = q.get("next").cloned().unwrap_or_default();
    render(
        StatusCode::OK,
        &login_page(
            &req,
            &state,
            String::new(),
            next,
            FormErrors::default(),
            None,
        ),
    )
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let f = form.0;
    let (email, password, next) = (f.get("email"), f.get("password"), f.get("next"));
    let ip = state.client_ip(&req);
    let (e2, p2) = (email.clone(), password);
    let result = state
        .call(move |services| services.login(&e2, &p2, &ip))
        .await;
    let t = crate::i18n::Tr::new(session::locale_of(&req));
    let (status, message) = match result {
        Ok(signed) => {
            let to = if next.is_empty() {
                "/account"
            } else {
                safe_next(&next)
            };
            return signed_in_redirect(&state, signed, to);
        }
        Err(Error::Unauthorized(_)) => (
            StatusCode::UNAUTHORIZED,
            t.t("auth.wrong_credentials").to_string(),
        ),
        Err(Error::TooManyRequests { retry_after_secs }) => {
            let minutes = retry_after_secs.div_ceil(60);
            (
                StatusCode::TOO_MANY_REQUESTS,
                t.t("auth.throttled").replace("{}", &minutes.to_string()),
            )
        }
        Err(e) => return error_page(&req, None, &e),
    };
    render(
        status,
        &login_page(
            &req,
            &state,
            email,
            next,
            FormErrors::default(),
            Some(message),
        ),
    )
}

pub async fn logout(
    state: web::Data<AppState>,
    who: crate::auth::MaybeAuthenticated,
    _checked: CheckedForm,
) -> HttpResponse {
    if let Some(who) = who.0
        && let Err(e) = state
            .call(move |services| services.logout(who.session))
            .await
    {
        tracing::warn!(error = %e, "sign-out could not revoke the session");
    }
    state.live.look_now();
    signed_out_redirect(&state, "/?notice=signed_out")
}

/// A redirect to `to` that removes the session's cookies from the browser.
pub(super) fn signed_out_redirect(state: &AppState, to: &str) -> HttpResponse {
    let mut resp = see_other(to);
    for name in [session::ACCESS_COOKIE, session::REFRESH_COOKIE] {
        let _ = resp.add_cookie(&removal(name, state.secure_cookies));
    }
    resp
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    ctx: PageCtx,
    sent: bool,
    form_message: Option<String>,
}

pub async fn forgot_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = current_account(&req, &state).await;
    render(
        StatusCode::OK,
        &ForgotPage {
            ctx: PageCtx::new(&req, account.as_ref(), "login"),
            sent: false,
            form_message: None,
        },
    )
}

pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let f = form.0;
    let email = f.get("email");
    match state
        .call(move |services| services.request_password_reset(&email))
        .await
    {
        Ok(()) => render(
            StatusCode::OK,
            &ForgotPage {
                ctx: PageCtx::new(&req, None, "login"),
                sent: true,
                form_message: None,
            },
        ),
        Err(e) => error_page(&req, None, &e),
    }
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage {
    ctx: PageCtx,
    token: String,
    errors: FormErrors,
    form_message: Option<String>,
}

pub async fn reset_form(req: HttpRequest, q: web::Query<HashMap<String, String>>) -> HttpResponse {
    let token = q.get("token").cloned().unwrap_or_default();
    let ctx = PageCtx::new(&req, None, "login");
    let mut errors = FormErrors::default();
    if token.is_empty() {
        errors.insert("token", ctx.t.t("auth.reset_bad_link").to_string());
    }
    render(
        StatusCode::OK,
        &ResetPage {
            ctx,
            token,
            errors,
            form_message: None,
        },
    )
}

pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let f = form.0;
    let ctx = PageCtx::new(&req, None, "login");
    let token = f.get("token");
    let mut errors = FormErrors::default();
    let password = match Password::parse(&f.get("password")) {
        Ok(p) => Some(p),
        Err(m) => {
            errors.insert("password", ctx.t.msg(&m));
            None
        }
    };
    if f.get("password") != f.get("password_confirm") {
        errors.insert(
            "password_confirm",
            ctx.t.t("auth.password_mismatch").to_string(),
        );
    }
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetPage {
                ctx,
                token,
                errors,
                form_message: None,
            },
        );
    };
    let t2 = token.clone();
    match state
        .call(move |services| services.reset_password(&t2, password))
        .await
    {
        Ok(()) => see_other("/login?notice=password_reset"),
        Err(Error::Validation(errs)) => {
            let errors = FormErrors::with_group(&errs, &ctx.t, "organization.offer_kinds");
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResetPage {
                    ctx,
                    token,
                    errors,
                    form_message: None,
                },
            )
        }
        Err(e) => error_page(&req, None, &e),
    }
}
