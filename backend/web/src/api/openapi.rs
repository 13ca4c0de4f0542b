//! The OpenAPI 3.1 document, generated from the handlers' annotations, and Swagger UI (served
//! from assets bundled into the binary, so it works offline).

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::{accounts, bids, evaluation, ops, scenarios};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "scenario-market API", version = "1", description = "青山区人工智能机会场景集市 / AI opportunity-scenario marketplace. Errors are application/problem+json (RFC 9457)."),
    paths(
        ops::healthz, ops::readyz, ops::metrics,
        accounts::register, accounts::login, accounts::refresh, accounts::logout,
        accounts::request_password_reset, accounts::confirm_password_reset, accounts::me, accounts::change_password,
        accounts::admin_create_user, accounts::admin_update_user, accounts::admin_organizations,
        accounts::admin_verify_organization, accounts::organization, accounts::update_organization,
        accounts::vendors,
        scenarios::create, scenarios::list, scenarios::get, scenarios::update, scenarios::publish,
        scenarios::extend, scenarios::cancel, scenarios::ask, scenarios::questions, scenarios::answer,
        bids::submit, bids::get, bids::revise, bids::withdraw, bids::list, bids::mine, bids::attach, bids::detach, bids::download,
        evaluation::set_panel, evaluation::draw_panel, evaluation::get_panel, evaluation::bidders, evaluation::declare,
        evaluation::save_scores, evaluation::my_scores, evaluation::ranking, evaluation::dissent, evaluation::award,
        evaluation::notice, evaluation::notices, evaluation::my_result, evaluation::deliver, evaluation::rate,
        evaluation::reply, evaluation::ratings, evaluation::ranking_csv, evaluation::ranking_xlsx,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, sign-in, tokens"),
        (name = "admin", description = "Platform administration"),
        (name = "organizations", description = "Organization profiles and the vendor directory"),
        (name = "scenarios", description = "Posting scenarios, their lifecycle and clarification Q&A"),
        (name = "bids", description = "Sealed bids: only the bidding vendor sees a bid before the deadline"),
        (name = "evaluation", description = "Panels, conflict declarations, scoring, ranking, award, delivery and ratings"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

/// `/api/docs` → `/api/docs/`.
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/api/docs/"))
        .finish()
}

/// `/api/docs/`: Swagger UI, and `GET /api/openapi.json`, the document itself.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi())
}
