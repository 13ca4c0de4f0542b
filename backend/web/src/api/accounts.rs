//! The "Accounts" part of the API: registration, sign-in, tokens, the signed-in user, staff
//! accounts, organization verification and profiles, the vendor directory.

use crate::api::inputs::*;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web::{get, patch, post};
use app::accounts::{Account, SignedIn, StaffChange};
use domain::Error;
use domain::account::{
    CreateUserRequest, NewStaffUser, OrgKind, OrgProfilePatch, OrgProfilePatchRequest, Password,
    RegisterRequest, Registration, Role,
};
use domain::ids::{OrganizationId, UserId};
use domain::message::Message;
use domain::ports::OrgFilter;
use domain::sector::Sector;
use serde::{Deserialize, Serialize};

use super::{Page, Paging};
use crate::AppState;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error::ApiResult;
pub use crate::views::{ContactOut, OrganizationOut, RatingSummary, UserOut};

/// A user with their organization.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountOut {
    pub user: UserOut,
    pub organization: Option<OrganizationOut>,
}

impl From<&Account> for AccountOut {
    fn from(a: &Account) -> Self {
        AccountOut {
            user: UserOut::from(&a.user),
            organization: a.organization.as_ref().map(OrganizationOut::from),
        }
    }
}

/// The answer to a sign-in or a refresh.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenOut {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    pub user: UserOut,
}

/// Sign-in input.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginIn {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// Refresh input.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshIn {
    #[serde(default)]
    pub refresh_token: String,
}

/// Start a password reset.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetRequestIn {
    #[serde(default)]
    pub email: String,
}

/// Complete a password reset.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetConfirmIn {
    /// The token of the reset link the server e-mailed.
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub token: String,
    /// The new password: 10 to 128 characters, with a letter and something that is not one.
    #[serde(default)]
    #[schema(required = true, min_length = 10, max_length = 128)]
    pub password: String,
}

/// Change the signed-in user's password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangePasswordIn {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

/// Verification input.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyIn {
    pub verified: bool,
    #[serde(default)]
    pub opc_member: bool,
}

/// A change to a user by an administrator.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AdminUserPatchIn {
    pub active: Option<bool>,
    /// `admin` or `evaluator`, for staff users only.
    pub role: Option<String>,
}

/// Filters of the vendor directory.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct VendorQuery {
    /// Words in the name or description.
    pub q: Option<String>,
    /// Comma-separated capability tags; each must match.
    pub tags: Option<String>,
    pub opc_member: Option<bool>,
    /// A domain code; matches vendors that list it (or its Chinese name) among their tags.
    pub domain: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Filters of the administrators' organization list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AdminOrgQuery {
    pub verified: Option<bool>,
    /// agency | vendor
    pub kind: Option<String>,
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Builds the token answer for a new or refreshed session.
pub fn token_out(state: &AppState, signed: SignedIn) -> ApiResult<TokenOut> {
    let access = state
        .tokens
        .issue(&signed.user, signed.session, state.services.now())
        .map_err(Error::Internal)?;
    Ok(TokenOut {
        access_token: access,
        token_type: "Bearer",
        expires_in: state.tokens.ttl.num_seconds(),
        refresh_token: signed.refresh_token,
        user: UserOut::from(&signed.user),
    })
}

#[utoipa::path(tag = "accounts", request_body = RegisterIn,
    responses((status = 201, body = AccountOut), (status = 409, description = "e-mail already registered", body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/auth/register")]
/// Registers an agency or vendor user; the organization starts unverified.
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterIn>,
) -> ApiResult<HttpResponse> {
    let reg = Registration::try_from(RegisterRequest::from(body.into_inner()))?;
    let account = state.call(move |services| services.register(reg)).await?;
    Ok(HttpResponse::Created().json(AccountOut::from(&account)))
}

#[utoipa::path(tag = "accounts", request_body = LoginIn,
    responses((status = 200, body = TokenOut), (status = 401, body = crate::error::Problem), (status = 429, description = "too many failures; see Retry-After", body = crate::error::Problem)))]
#[post("/auth/login")]
/// Signs in with e-mail and password.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginIn>,
) -> ApiResult<HttpResponse> {
    let ip = state.client_ip(&req);
    let LoginIn { email, password } = body.into_inner();
    let signed = state
        .call(move |services| services.login(&email, &password, &ip))
        .await?;
    Ok(HttpResponse::Ok().json(token_out(&state, signed)?))
}

#[utoipa::path(tag = "accounts", request_body = RefreshIn,
    responses((status = 200, body = TokenOut), (status = 401, body = crate::error::Problem)))]
#[post("/auth/refresh")]
/// Exchanges a refresh token for a new pair; the old one stops working.
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshIn>,
) -> ApiResult<HttpResponse> {
    let token = body.into_inner().refresh_token;
    let signed = state.call(move |services| services.refresh(&token)).await?;
    Ok(HttpResponse::Ok().json(token_out(&state, signed)?))
}

#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "the session's refresh tokens are revoked"), (status = 401, body = crate::error::Problem)))]
#[post("/auth/logout")]
/// Ends this session.
pub async fn logout(state: web::Data<AppState>, who: Authenticated) -> ApiResult<HttpResponse> {
    state
        .call(move |services| services.logout(who.session))
        .await?;
    // Its open notification streams end now, not at the next look.
    state.live.look_now();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "every session of the user ended and the private feed token retired: every device signs in again"), (status = 401, body = crate::error::Problem)))]
#[post("/auth/logout-all")]
/// Signs the user out everywhere: every session ends (this one too), and the private calendar
/// and feed links stop working.
pub async fn logout_all(state: web::Data<AppState>, who: Authenticated) -> ApiResult<HttpResponse> {
    state
        .call(move |services| services.logout_everywhere(who.actor.user_id))
        .await?;
    state.live.look_now();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "accounts", request_body = ResetRequestIn,
    responses((status = 202, description = "the same answer whether or not the e-mail is registered")))]
#[post("/auth/password-reset")]
/// Sends a one-time password-reset link, if the e-mail belongs to an account.
pub async fn request_password_reset(
    state: web::Data<AppState>,
    body: web::Json<ResetRequestIn>,
) -> ApiResult<HttpResponse> {
    let email = body.into_inner().email;
    state
        .call(move |services| services.request_password_reset(&email))
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "detail": Message::new("如果该邮箱已注册，重置链接已发出", "if the e-mail is registered, a reset link is on its way")
    })))
}

#[utoipa::path(tag = "accounts", request_body = ResetConfirmIn,
    responses((status = 204, description = "password set; every session of the user ended"), (status = 422, body = crate::error::Problem)))]
#[post("/auth/password-reset/confirm")]
/// Sets a new password with a reset token.
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: web::Json<ResetConfirmIn>,
) -> ApiResult<HttpResponse> {
    let ResetConfirmIn { token, password } = body.into_inner();
    let password = Password::parse(&password).map_err(|m| Error::field("password", m))?;
    state
        .call(move |services| services.reset_password(&token, password))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = AccountOut), (status = 401, body = crate::error::Problem)))]
#[get("/me")]
/// The signed-in user and their organization.
pub async fn me(state: web::Data<AppState>, who: Authenticated) -> ApiResult<HttpResponse> {
    let account = state
        .call(move |services| services.account(who.actor.user_id))
        .await?;
    Ok(HttpResponse::Ok().json(AccountOut::from(&account)))
}

#[utoipa::path(tag = "accounts", request_body = ChangePasswordIn, security(("bearer" = [])),
    responses((status = 204, description = "changed; every session of the user ended, sign in again"), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/me/password")]
/// Changes the signed-in user's password.
pub async fn change_password(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<ChangePasswordIn>,
) -> ApiResult<HttpResponse> {
    let ChangePasswordIn {
        current_password,
        new_password,
    } = body.into_inner();
    let new = Password::parse(&new_password).map_err(|m| Error::field("new_password", m))?;
    state
        .call(move |services| services.change_password(who.actor.user_id, &current_password, new))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "admin", request_body = CreateUserIn, security(("bearer" = [])),
    responses((status = 201, body = UserOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/admin/users")]
/// An administrator creates an evaluator or administrator.
pub async fn admin_create_user(
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Json<CreateUserIn>,
) -> ApiResult<HttpResponse> {
    domain::policy::require_admin(&who.actor)?;
    let new = NewStaffUser::try_from(CreateUserRequest::from(body.into_inner()))?;
    let user = state
        .call(move |services| services.create_staff_user(&who.actor, new))
        .await?;
    Ok(HttpResponse::Created().json(UserOut::from(&user)))
}

#[utoipa::path(tag = "admin", request_body = AdminUserPatchIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = UserOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[patch("/admin/users/{id}")]
/// An administrator activates or deactivates a user, or changes a staff user's role.
pub async fn admin_update_user(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<AdminUserPatchIn>,
) -> ApiResult<HttpResponse> {
    let id = UserId(path.into_inner());
    let body = body.into_inner();
    let role = match body.role.as_deref() {
        Some(r) => Some(Role::parse(r).map_err(|m| Error::field("role", m))?),
        None => None,
    };
    let change = StaffChange {
        active: body.active,
        role,
    };
    let user = state
        .call(move |services| services.admin_update_user(&who.actor, id, change))
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(&user)))
}

#[utoipa::path(tag = "admin", params(AdminOrgQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<OrganizationOut>), (status = 403, body = crate::error::Problem)))]
#[get("/admin/organizations")]
/// Organizations for administrators, unverified first.
pub async fn admin_organizations(
    state: web::Data<AppState>,
    who: Authenticated,
    q: web::Query<AdminOrgQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let paging = Paging::parse(q.page, q.per_page)?;
    let kind = match q.kind.as_deref() {
        Some(k) => Some(OrgKind::parse(k).map_err(|m| Error::field("kind", m))?),
        None => None,
    };
    let filter = OrgFilter {
        kind,
        verified: q.verified,
        q: q.q,
        offset: paging.offset(),
        limit: paging.per_page,
        ..Default::default()
    };
    let page = state
        .call(move |services| services.admin_organizations(&who.actor, filter))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.iter().map(OrganizationOut::from).collect(),
        total: page.total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

#[utoipa::path(tag = "admin", request_body = VerifyIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "organization id")),
    responses((status = 200, body = OrganizationOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[post("/admin/organizations/{id}/verify")]
/// An administrator verifies an organization and sets its OPC membership.
pub async fn admin_verify_organization(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<VerifyIn>,
) -> ApiResult<HttpResponse> {
    let id = OrganizationId(path.into_inner());
    let VerifyIn {
        verified,
        opc_member,
    } = body.into_inner();
    let org = state
        .call(move |services| services.verify_organization(&who.actor, id, verified, opc_member))
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationOut::from(&org)))
}

#[utoipa::path(tag = "organizations",
    params(("id" = i64, Path, description = "organization id")),
    responses((status = 200, body = OrganizationOut), (status = 404, body = crate::error::Problem)))]
#[get("/organizations/{id}")]
/// An organization's public profile (unverified ones only for their members and administrators).
pub async fn organization(
    state: web::Data<AppState>,
    who: MaybeAuthenticated,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = OrganizationId(path.into_inner());
    let (org, ratings) = state
        .call(move |services| {
            let org = services.organization(who.0.as_ref().map(|a| &a.actor), id)?;
            Ok::<_, Error>((org, services.vendor_ratings(id)?))
        })
        .await?;
    let mut out = OrganizationOut::from(&org);
    out.rating_summary = RatingSummary {
        count: ratings.count as i64,
        average: ratings.reputation.map(domain::evaluation::round2),
    };
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(tag = "organizations", request_body = OrgProfilePatchIn, security(("bearer" = [])),
    params(("id" = i64, Path, description = "organization id")),
    responses((status = 200, body = OrganizationOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[patch("/organizations/{id}")]
/// A member edits the organization's description, capability tags and contact.
pub async fn update_organization(
    state: web::Data<AppState>,
    who: Authenticated,
    path: web::Path<i64>,
    body: web::Json<OrgProfilePatchIn>,
) -> ApiResult<HttpResponse> {
    let id = OrganizationId(path.into_inner());
    domain::policy::can_edit_organization(&who.actor, id)?;
    let patch = OrgProfilePatch::try_from(OrgProfilePatchRequest::from(body.into_inner()))?;
    let org = state
        .call(move |services| services.update_organization_profile(&who.actor, id, patch))
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationOut::from(&org)))
}

#[utoipa::path(tag = "organizations", params(VendorQuery),
    responses((status = 200, body = Page<OrganizationOut>), (status = 422, body = crate::error::Problem)))]
#[get("/vendors")]
/// The directory of verified vendors, searched through the search engine (`q` in Chinese or
/// English, like the scenario search).
pub async fn vendors(
    state: web::Data<AppState>,
    q: web::Query<VendorQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let paging = Paging::parse(q.page, q.per_page)?;
    let mut capabilities = q
        .tags
        .as_deref()
        .map(domain::text::split_tag_line)
        .unwrap_or_default();
    if let Some(d) = q.domain.as_deref().filter(|d| !d.is_empty()) {
        let sector = Sector::parse(d).map_err(|m| Error::field("domain", m))?;
        capabilities.push(sector.label_zh().to_string());
    }
    let search = domain::search::VendorSearch {
        text: domain::search::clean_query(q.q.as_deref().unwrap_or_default()).0,
        capabilities,
        opc_member: q.opc_member,
        offset: paging.offset() as usize,
        limit: paging.per_page as usize,
    };
    let engine = state.search.clone();
    let page = crate::blocking::run(move || engine.vendors(&search)).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.iter().map(OrganizationOut::from).collect(),
        total: page.total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}
