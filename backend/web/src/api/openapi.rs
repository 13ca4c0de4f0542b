//! The OpenAPI 3.1 document, generated from the handlers' annotations as they are registered (`crate::api_routes`), and Swagger UI (served
//! from assets bundled into the binary, so it works offline).

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

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
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, sign-in, tokens"),
        (name = "admin", description = "Platform administration"),
        (name = "organizations", description = "Organization profiles and the vendor directory"),
        (name = "scenarios", description = "Posting scenarios, their lifecycle and clarification Q&A"),
        (name = "bids", description = "Sealed bids: only the bidding vendor sees a bid before the deadline"),
        (name = "evaluation", description = "Panels, conflict declarations, scoring, ranking, award, delivery and ratings"),
        (name = "transparency", description = "Open data, the OPC community's figures, feeds"),
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

/// `/api/docs/`: Swagger UI, and `GET /api/openapi.json`, the document itself: [`ApiDoc`]'s
/// header with the paths of every registered API handler.
pub fn swagger_ui(doc: utoipa::openapi::OpenApi) -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", doc)
}
