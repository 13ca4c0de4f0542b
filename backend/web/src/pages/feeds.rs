//! The feeds: an Atom feed of newly published scenarios (all, one domain, or one of a user's
//! saved searches behind their private token) and an iCalendar feed of bid deadlines (all
//! public ones, or a user's followed and bid-on scenarios behind the token). Written with
//! `atom_syndication` and `icalendar`; links are absolute, on the public address.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use app::scenarios::ScenarioView;
use atom_syndication::{Category, Content, Entry, Feed, Link, Person, Text};
use chrono::{DateTime, FixedOffset, Utc};
use domain::Error;
use domain::sector::Sector;
use icalendar::{Calendar, Component, EventLike, EventStatus};

use crate::AppState;
use crate::error::ApiError;
use crate::format::money;

fn base(state: &AppState) -> String {
    state
        .services
        .auth
        .public_base_url
        .trim_end_matches('/')
        .to_string()
}

fn fixed(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&domain::beijing::offset())
}

fn bad(field: &str, zh: &'static str, en: &'static str) -> HttpResponse {
    ApiError(Error::Validation(vec![domain::FieldError::new(
        field,
        domain::message::Message::new(zh, en),
    )]))
    .error_response()
}

fn failed(e: Error) -> HttpResponse {
    ApiError(e).error_response()
}

/// `GET /feeds/scenarios.atom[?domain=…][?saved_search=ID&token=T]`.
pub async fn scenarios_atom(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let domain = match q.get("domain").map(String::as_str) {
        None | Some("") => None,
        Some(code) => match Sector::parse(code) {
            Ok(d) => Some(d),
            Err(_) => return bad("domain", "未知的领域", "unknown domain"),
        },
    };
    let saved_id = match q.get("saved_search").map(String::as_str) {
        None | Some("") => None,
        Some(id) => match id.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return bad("saved_search", "应为编号", "a saved search id is expected"),
        },
    };
    let token = q.get("token").cloned().unwrap_or_default();
    let base = base(&state);
    let search = state.search.clone();
    let services = state.services.clone();
    let found = crate::blocking::run(move || {
        let saved = match saved_id {
            Some(id) => {
                let user = services.feed_owner(&token)?;
                Some(services.saved_search_of(&user, id)?)
            }
            None => None,
        };
        let views = search.newest_scenarios(domain.into_iter().collect(), saved.as_ref())?;
        Ok((views, saved))
    })
    .await;
    let (views, saved) = match found {
        Ok(x) => x,
        Err(e) => return failed(e),
    };
    let self_href = format!("{base}{}", req.uri());
    let (title, private) = match (&saved, domain) {
        (Some(s), _) => (
            format!(
                "场景集市 · 保存的搜索 / Saved search: {}",
                if s.q.is_empty() {
                    "—".to_string()
                } else {
                    feed_line(&s.q)
                }
            ),
            true,
        ),
        (None, Some(d)) => (
            format!(
                "场景集市 · {} / {} — 新发布场景",
                d.label_zh(),
                d.label_en()
            ),
            false,
        ),
        (None, None) => (
            "青山区人工智能机会场景集市 · 新发布场景 / Newly published scenarios".to_string(),
            false,
        ),
    };
    let mut feed = Feed::default();
    feed.set_title(title);
    feed.set_id(match (&saved, domain) {
        (Some(s), _) => format!("{base}/feeds/scenarios.atom?saved_search={}", s.id),
        (None, Some(d)) => format!("{base}/feeds/scenarios.atom?domain={}", d.code()),
        (None, None) => format!("{base}/feeds/scenarios.atom"),
    });
    feed.set_lang(Some("zh-CN".to_string()));
    let newest = views
        .iter()
        .filter_map(|v| v.scenario.published_at.max(Some(v.scenario.updated_at)))
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    feed.set_updated(fixed(newest));
    feed.set_links(vec![
        link(&self_href, "self", Some("application/atom+xml")),
        link(&format!("{base}/scenarios"), "alternate", Some("text/html")),
    ]);
    feed.set_authors(vec![Person {
        name: "青山区人工智能机会场景集市".into(),
        email: None,
        uri: Some(base.clone()),
        ..Person::default()
    }]);
    feed.set_entries(views.iter().map(|v| entry(&base, v)).collect::<Vec<_>>());
    HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header(cache_header(private))
        .body(feed.to_string())
}

fn cache_header(private: bool) -> (header::HeaderName, &'static str) {
    (
        header::CACHE_CONTROL,
        if private {
            "private, no-store"
        } else {
            "public, max-age=300"
        },
    )
}

fn link(href: &str, rel: &str, mime: Option<&str>) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(mime.map(str::to_string));
    l
}

/// Text for a feed: line breaks as `\n` (a bare CR too) and no other control character, so
/// that nothing stored (before the parsers refused it, or in a field that allows lines) can
/// break a calendar line or make the XML invalid.
fn feed_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .map(|c| match c {
            '\n' | '\r' => '\n',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// One line of a feed (a title, a name): [`feed_text`] with the line breaks as spaces too.
fn feed_line(s: &str) -> String {
    feed_text(s).replace('\n', " ")
}

fn entry(base: &str, v: &ScenarioView) -> Entry {
    let s = &v.scenario;
    let url = format!("{base}/scenarios/{}", s.id.0);
    let mut e = Entry::default();
    e.set_title(feed_line(&s.title));
    e.set_id(url.clone());
    e.set_updated(fixed(s.updated_at));
    e.set_published(s.published_at.map(fixed));
    e.set_links(vec![link(&url, "alternate", Some("text/html"))]);
    e.set_authors(vec![Person {
        name: feed_line(&v.owner_name),
        email: None,
        uri: None,
        ..Person::default()
    }]);
    let mut cats = vec![Category {
        term: s.domain.code().into(),
        scheme: Some(format!("{base}/scenarios?domain=")),
        label: Some(s.domain.label_zh().into()),
    }];
    cats.extend(s.tags.iter().map(|t| Category {
        term: t.clone(),
        scheme: None,
        label: None,
    }));
    e.set_categories(cats);
    let summary = format!(
        "{}｜预算 {}–{}｜投标截止 {}｜{}",
        feed_line(&s.summary),
        money(s.budget_min_fen, domain::account::Locale::ZhCn),
        money(s.budget_max_fen, domain::account::Locale::ZhCn),
        crate::format::beijing(s.bid_deadline),
        v.status.code()
    );
    e.set_summary(Some(Text::plain(summary)));
    e.set_content(Some(Content {
        base: None,
        lang: Some("zh-CN".into()),
        value: Some(feed_text(&s.description)),
        src: None,
        content_type: Some("text".into()),
    }));
    e
}

/// `GET /feeds/deadlines.ics[?token=T]`: every public deadline, or the token owner's own.
pub async fn deadlines_ics(
    state: web::Data<AppState>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let token = q.get("token").cloned().filter(|t| !t.is_empty());
    let private = token.is_some();
    let search = state.search.clone();
    let services = state.services.clone();
    let found = crate::blocking::run(move || match token {
        Some(t) => {
            let user = services.feed_owner(&t)?;
            Ok((services.my_deadlines(&user)?, Some(user.display_name)))
        }
        None => Ok((search.public_deadlines()?, None)),
    })
    .await;
    let (views, owner) = match found {
        Ok(x) => x,
        Err(e) => return failed(e),
    };
    let base = base(&state);
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or("scenario-market")
        .split('/')
        .next()
        .unwrap_or("scenario-market")
        .to_string();
    let mut cal = Calendar::new();
    cal.name(&match &owner {
        Some(name) => format!(
            "场景集市 · {} 的投标截止 / My bid deadlines",
            feed_line(name)
        ),
        None => "青山区 AI 机会场景 · 投标截止 / Bid deadlines".into(),
    });
    cal.description("青山区人工智能机会场景集市的投标截止时间 / Bid deadlines on the Qingshan AI scenario market");
    cal.ttl(&chrono::Duration::hours(1));
    let now = state.services.now();
    for v in &views {
        let s = &v.scenario;
        let url = format!("{base}/scenarios/{}", s.id.0);
        let mut ev = icalendar::Event::new();
        ev.uid(&format!("scenario-{}-deadline@{host}", s.id.0))
            .timestamp(now)
            .summary(&format!("投标截止 / Bid deadline: {}", feed_line(&s.title)))
            .description(&format!(
                "{}\n{} · 预算 {}–{}\n{}",
                feed_line(&s.summary),
                feed_line(&v.owner_name),
                money(s.budget_min_fen, domain::account::Locale::ZhCn),
                money(s.budget_max_fen, domain::account::Locale::ZhCn),
                url
            ))
            .url(&url)
            .starts(s.bid_deadline)
            .ends(s.bid_deadline)
            .last_modified(s.updated_at)
            .categories([s.domain.label_zh()]);
        ev.status(EventStatus::Confirmed);
        cal.push(ev.done());
    }
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(cache_header(private))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"deadlines.ics\"",
        ))
        .body(cal.done().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_control_character_reaches_a_feed() {
        let stored = "甲\r乙\r\n丙\n丁\u{0}\u{1b}[31m\u{85}戊\t己";
        let text = feed_text(stored);
        assert_eq!(text, "甲\n乙\n丙\n丁  [31m 戊 己");
        assert!(!text.contains('\r'));
        let line = feed_line(stored);
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}
