//! The administrators' thesaurus page: one group of equivalent search terms per line.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::Error;
use domain::search::{synonym_lines, synonym_text};

use super::admin::require_admin;
use super::{CheckedForm, PageCtx, actor, error_page, render, see_other};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin_synonyms.html")]
struct SynonymsPage {
    ctx: PageCtx,
    text: String,
    groups: usize,
    /// The problems of the text, by line (an unsaved text is shown again with them).
    problems: Vec<String>,
}

/// `GET /admin/synonyms`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match state.call(|services| services.synonyms()).await {
        Ok(groups) => render(
            StatusCode::OK,
            &SynonymsPage {
                ctx: PageCtx::new(&req, Some(&account), "admin_synonyms"),
                text: synonym_text(&groups),
                groups: groups.len(),
                problems: vec![],
            },
        ),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /admin/synonyms`: saves the thesaurus; it applies to searches at once.
pub async fn save(req: HttpRequest, state: web::Data<AppState>, form: CheckedForm) -> HttpResponse {
    let account = match require_admin(&req, &state).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let text = form.0.get("groups");
    let lines: Vec<&str> = text.lines().collect();
    let groups = synonym_lines(&text);
    let (search, a, raw) = (state.search.clone(), actor(&account), groups.clone());
    match crate::blocking::run(move || search.save_synonyms(&a, &raw)).await {
        Ok(_) => see_other("/admin/synonyms?notice=saved"),
        Err(Error::Validation(errs)) => {
            let ctx = PageCtx::new(&req, Some(&account), "admin_synonyms");
            let problems = errs
                .iter()
                .map(|e| {
                    let group: usize = e
                        .field
                        .trim_start_matches("groups[")
                        .split(']')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    let line = line_of(&lines, group);
                    ctx.t
                        .t("synonyms.problem")
                        .replace("{line}", &line.to_string())
                        .replace("{text}", &ctx.t.msg(&e.message))
                })
                .collect();
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SynonymsPage {
                    ctx,
                    groups: groups.len(),
                    text,
                    problems,
                },
            )
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// The line number (from 1) of the `group`-th group of the text (blank and comment lines
/// make no group).
fn line_of(lines: &[&str], group: usize) -> usize {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !synonym_lines(l).is_empty())
        .nth(group)
        .map(|(i, _)| i + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_are_found_on_their_lines() {
        let lines = ["# 注释", "光伏 = 太阳能", "", "孤词"];
        assert_eq!(super::line_of(&lines, 0), 2);
        assert_eq!(super::line_of(&lines, 1), 4);
    }
}
