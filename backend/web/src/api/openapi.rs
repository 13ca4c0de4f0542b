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
        (name = "challenges", description = "Challenges (质疑) to an award and the owner's answers"),
        (name = "teams", description = "OPC teams: a scenario's facets and consortia (联合体) bidding as one, sealed with the bids"),
        (name = "contracts", description = "Contracts and delivery: the contract notice, milestones and their acceptance (验收), amendments, payments, agencies' payment records"),
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
/// header with the paths of every registered API handler, completed by [`complete`]. The
/// document is kept as its JSON text, written once for every worker: as utoipa's structure it
/// held 4 MB per worker.
pub fn swagger_ui(doc: utoipa::openapi::OpenApi) -> impl actix_web::dev::HttpServiceFactory {
    static JSON: std::sync::OnceLock<actix_web::web::Bytes> = std::sync::OnceLock::new();
    let json = JSON
        .get_or_init(|| {
            let doc = complete(doc);
            let _ = OPERATIONS.set(operations(&doc));
            serde_json::to_vec(&doc).unwrap_or_default().into()
        })
        .clone();
    (
        SwaggerUi::new("/api/docs/{_:.*}")
            .config(utoipa_swagger_ui::Config::new(["/api/openapi.json"])),
        actix_web::web::resource("/api/openapi.json")
            .guard(actix_web::guard::Get())
            .to(move || {
                let json = json.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type(actix_web::http::header::ContentType::json())
                        .body(json)
                }
            }),
    )
}

/// Every path template of the document with its methods (for 405 and `Allow`).
static OPERATIONS: std::sync::OnceLock<Vec<(Vec<String>, Vec<String>)>> =
    std::sync::OnceLock::new();

fn operations(doc: &utoipa::openapi::OpenApi) -> Vec<(Vec<String>, Vec<String>)> {
    let v = serde_json::to_value(doc).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(paths) = v["paths"].as_object() {
        for (path, item) in paths {
            let methods: Vec<String> = item
                .as_object()
                .into_iter()
                .flat_map(|o| o.keys())
                .filter(|m| METHODS.contains(&m.as_str()))
                .map(|m| m.to_uppercase())
                .collect();
            let segments = path
                .trim_matches('/')
                .split('/')
                .map(str::to_string)
                .collect();
            out.push((segments, methods));
        }
    }
    out
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The methods the document declares for `path` (a request path), if any template matches it:
/// a `{param}` segment matches any one segment.
pub fn allowed_methods(path: &str) -> Option<Vec<String>> {
    let got: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut methods: Vec<String> = OPERATIONS
        .get()?
        .iter()
        .filter(|(template, _)| {
            template.len() == got.len()
                && template
                    .iter()
                    .zip(&got)
                    .all(|(t, g)| t == g || (t.starts_with('{') && t.ends_with('}')))
        })
        .flat_map(|(_, m)| m.iter().cloned())
        .collect();
    methods.sort();
    methods.dedup();
    (!methods.is_empty()).then_some(methods)
}

/// Makes the document say exactly what the server does, for what every operation shares:
/// - problems are `application/problem+json` (RFC 9457), never `application/json`;
/// - an operation with a bearer token can answer 401; one with path parameters 404 (an id
///   that does not parse or does not exist); one with query parameters 422 (a bad filter or
///   page); one with a JSON body 413 (too large), 415 (not JSON) and 422 (invalid); one with
///   an upload 507 (the disk is full); every one 503 (the database does not answer);
/// - `page` counts from 1 and `per_page` is 1 to 100.
pub fn complete(doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut v = match serde_json::to_value(&doc) {
        Ok(v) => v,
        Err(_) => return doc,
    };
    complete_json(&mut v);
    serde_json::from_value(v).unwrap_or(doc)
}

fn complete_json(v: &mut serde_json::Value) {
    use serde_json::json;
    let problem =
        json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    let Some(paths) = v["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path = params.iter().any(|p| p["in"] == "path");
            let in_query = params.iter().any(|p| p["in"] == "query");
            let json_body = op["requestBody"]["content"]
                .as_object()
                .is_some_and(|c| c.contains_key("application/json"));
            let upload = op["requestBody"]["content"]
                .as_object()
                .is_some_and(|c| c.contains_key("multipart/form-data"));
            if let Some(list) = op["parameters"].as_array_mut() {
                for p in list {
                    if p["in"] != "query" {
                        continue;
                    }
                    match p["name"].as_str() {
                        Some("page") => p["schema"]["minimum"] = json!(1),
                        Some("per_page") => {
                            p["schema"]["minimum"] = json!(1);
                            p["schema"]["maximum"] = json!(100);
                        }
                        Some(name) => {
                            let name = name.to_string();
                            constrain_query(path, &name, &mut p["schema"]);
                        }
                        None => {}
                    }
                }
            }
            let responses = op["responses"].as_object_mut();
            let Some(responses) = responses else {
                continue;
            };
            for r in responses.values_mut() {
                let is_problem = r["content"]["application/json"]["schema"]["$ref"]
                    == "#/components/schemas/Problem";
                if is_problem {
                    r["content"] = problem.clone();
                }
            }
            let mut add = |code: &str, what: &str| {
                responses
                    .entry(code.to_string())
                    .or_insert_with(|| json!({"description": what, "content": problem.clone()}));
            };
            if secured {
                add("401", "no valid access token");
            }
            if in_path {
                add("404", "not found, or an id that does not parse");
            }
            if in_query || json_body {
                add("422", "invalid input; `errors` names each field");
            }
            if json_body {
                add("413", "the body is too large");
                add("415", "the body is not application/json");
            }
            if upload {
                add(
                    "507",
                    "the attachment storage is full: nothing was stored (`code`: `storage_full`)",
                );
            }
            add(
                "503",
                "a service the answer needs (the database) does not answer now; nothing was changed, `Retry-After` says when to try again",
            );
        }
    }
}

/// What the server accepts in the coded query parameters, said in their schemas: the codes of
/// a single-valued filter as an enum, those of a filter that takes several (comma-separated,
/// as the search form sends them) as a pattern, and times as RFC 3339 (a bare `YYYY-MM-DD`
/// is accepted too, as the descriptions say).
fn constrain_query(path: &str, name: &str, schema: &mut serde_json::Value) {
    use domain::{notification::Kind, scenario::Status, search::ScenarioSort, sector::Sector};
    let sectors = Sector::ALL.map(Sector::code);
    let statuses = Status::ALL.map(Status::code);
    let several = path == "/api/v1/search/scenarios";
    let codes: Option<Vec<&str>> = match name {
        "domain" => Some(sectors.to_vec()),
        "status" if path == "/api/v1/scenarios" || several => Some(statuses.to_vec()),
        "sort" if several => Some(ScenarioSort::ALL.iter().map(|s| s.code()).collect()),
        "kind" if path == "/api/v1/notifications" => Some(Kind::ALL.map(Kind::code).to_vec()),
        "since" | "deadline_after" | "deadline_before" => {
            schema["format"] = serde_json::json!("date-time");
            None
        }
        _ => None,
    };
    let Some(codes) = codes else { return };
    if several && name != "sort" {
        let one = format!("({})", codes.join("|"));
        schema["pattern"] = serde_json::json!(format!("^\\s*({one}\\s*([,，]\\s*{one}\\s*)*)?$"));
    } else {
        schema["enum"] = serde_json::json!(codes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_query_parameters_carry_their_codes() {
        let mut one = serde_json::json!({});
        constrain_query("/api/v1/scenarios", "status", &mut one);
        let listed: Vec<&str> = one["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(listed, domain::scenario::Status::ALL.map(|s| s.code()));
        let mut several = serde_json::json!({});
        constrain_query("/api/v1/search/scenarios", "domain", &mut several);
        let pattern = several["pattern"].as_str().unwrap();
        assert!(
            pattern.starts_with("^") && pattern.ends_with(")?$"),
            "{pattern}"
        );
        assert!(pattern.contains("city_governance|") && pattern.contains("[,，]"));
        assert!(several.get("enum").is_none());
        let mut time = serde_json::json!({});
        constrain_query("/api/v1/ocds/releases", "since", &mut time);
        assert_eq!(time["format"], "date-time");
        let mut other = serde_json::json!({});
        constrain_query("/api/v1/vendors", "q", &mut other);
        assert_eq!(other, serde_json::json!({}));
    }

    #[test]
    fn the_document_declares_problems_and_the_shared_answers() {
        let mut v = serde_json::json!({"paths": {"/a/{id}": {"post": {
            "security": [{"bearer": []}],
            "parameters": [{"in": "path", "name": "id"}, {"in": "query", "name": "page", "schema": {"type": "integer"}}],
            "requestBody": {"content": {"application/json": {}}},
            "responses": {"409": {"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}
        }}}});
        complete_json(&mut v);
        let op = &v["paths"]["/a/{id}"]["post"];
        let r = op["responses"].as_object().unwrap();
        for code in ["401", "404", "409", "413", "415", "422", "503"] {
            assert!(
                r[code]["content"]["application/problem+json"].is_object(),
                "{code}: {r:?}"
            );
            assert!(r[code]["content"].get("application/json").is_none());
        }
        assert_eq!(op["parameters"][1]["schema"]["minimum"], 1);
    }

    #[test]
    fn a_template_segment_matches_any_one_segment() {
        let _ = OPERATIONS.set(vec![
            (
                vec!["api".into(), "x".into(), "{id}".into()],
                vec!["GET".into()],
            ),
            (
                vec!["api".into(), "x".into(), "{id}".into()],
                vec!["DELETE".into()],
            ),
        ]);
        assert_eq!(
            allowed_methods("/api/x/42"),
            Some(vec!["DELETE".to_string(), "GET".to_string()])
        );
        assert_eq!(allowed_methods("/api/x/42/y"), None);
        assert_eq!(allowed_methods("/api/y/42"), None);
    }
}
