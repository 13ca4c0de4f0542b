//! "Notification settings": every user's e-mail choice per kind and digest hour; a vendor's
//! interests and saved searches. And the unsubscribe page of the e-mails' links, which works
//! without signing in (the signed token is the authority; a one-click POST from a mail client
//! does it too, RFC 8058).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::accounts::Account;
use askama::Template;
use domain::email::{NotificationSettings, Unsubscribe};
use domain::matching::{EmailPref, Interests, SavedSearch};
use domain::message::Message;
use domain::notification::Kind;
use domain::sector::Sector;
use domain::{Error, FieldError};

use super::{CheckedForm, FormErrors, PageCtx, actor, error_page, render, see_other};
use crate::AppState;
use crate::format::{parse_yuan, yuan_input};

/// One kind's row of the e-mail table.
struct KindRow {
    code: &'static str,
    label: &'static str,
    pref: &'static str,
}

/// One saved search in the list.
struct SearchLine {
    id: i64,
    text: String,
    filters: String,
    href: String,
    /// Its private Atom feed.
    feed: String,
}

/// The interests form's values.
#[derive(Default)]
struct InterestForm {
    domains: Vec<String>,
    tags: String,
    keywords: String,
    budget_min: String,
}

#[derive(Template)]
#[template(path = "notification_settings.html")]
struct SettingsPage {
    ctx: PageCtx,
    rows: Vec<KindRow>,
    digest_hour: u8,
    vendor: bool,
    /// (code, label, checked)
    domains: Vec<(&'static str, &'static str, bool)>,
    interests: InterestForm,
    searches: Vec<SearchLine>,
    errors: FormErrors,
    saved: Option<&'static str>,
    /// The private calendar of followed and bid-on scenarios.
    calendar_url: String,
    /// The public feeds.
    public_atom: String,
    public_ics: String,
}

const PREFS: [&str; 3] = ["immediate", "daily", "off"];

/// `GET /notifications/settings`
pub async fn settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let saved = match q.get("saved").map(String::as_str) {
        Some("email") => Some("prefs.saved_email"),
        Some("interests") => Some("prefs.saved_interests"),
        Some("search_deleted") => Some("prefs.search_deleted"),
        Some("feed_reset") => Some("prefs.feed_reset"),
        _ => None,
    };
    show(
        &req,
        &state,
        &account,
        None,
        None,
        FormErrors::default(),
        saved,
    )
    .await
}

/// The page, with what was typed (when a form is re-shown) or what is stored.
async fn show(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: &Account,
    typed_prefs: Option<NotificationSettings>,
    typed_interests: Option<InterestForm>,
    errors: FormErrors,
    saved: Option<&'static str>,
) -> HttpResponse {
    let who = actor(account);
    let vendor = domain::policy::can_subscribe(&who).is_ok();
    let stored = state
        .call(move |services| {
            let s = services.notification_settings(&who)?;
            let token = services.feed_token(&who)?;
            let (i, q) = if vendor {
                (
                    services.my_interests(&who)?,
                    services.my_saved_searches(&who)?,
                )
            } else {
                (Interests::default(), vec![])
            };
            Ok((s, i, q, token))
        })
        .await;
    let (settings, interests, searches, token) = match stored {
        Ok(v) => v,
        Err(e) => return error_page(req, Some(account), &e),
    };
    let settings = typed_prefs.unwrap_or(settings);
    let base = state
        .services
        .auth
        .public_base_url
        .trim_end_matches('/')
        .to_string();
    let ctx = PageCtx::new(req, Some(account), "notifications");
    let locale = ctx.t.locale;
    let zh = ctx.t.is_zh();
    let form = typed_interests.unwrap_or_else(|| InterestForm {
        domains: interests
            .domains
            .iter()
            .map(|d| d.code().to_string())
            .collect(),
        tags: interests.tags.join("，"),
        keywords: interests.keywords.join("，"),
        budget_min: interests.budget_min_fen.map(yuan_input).unwrap_or_default(),
    });
    let page = SettingsPage {
        rows: Kind::ALL
            .iter()
            .map(|k| KindRow {
                code: k.code(),
                label: k.label(locale),
                pref: settings.pref(*k).code(),
            })
            .collect(),
        digest_hour: settings.digest_hour,
        vendor,
        domains: Sector::ALL
            .iter()
            .map(|s| {
                (
                    s.code(),
                    if zh { s.label_zh() } else { s.label_en() },
                    form.domains.iter().any(|d| d == s.code()),
                )
            })
            .collect(),
        interests: form,
        searches: searches
            .iter()
            .map(|s| search_line(s, zh, &base, &token))
            .collect(),
        errors,
        saved,
        calendar_url: format!("{base}/feeds/deadlines.ics?token={token}"),
        public_atom: format!("{base}/feeds/scenarios.atom"),
        public_ics: format!("{base}/feeds/deadlines.ics"),
        ctx,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(status, &page)
}

fn search_line(s: &SavedSearch, zh: bool, base: &str, token: &str) -> SearchLine {
    let mut pairs: Vec<(&str, String)> = vec![("q", s.q.clone())];
    pairs.extend(s.domains.iter().map(|d| ("domain", d.code().to_string())));
    pairs.extend(s.tags.iter().map(|t| ("tags", t.clone())));
    if let Some(b) = s.budget_min_fen {
        pairs.push(("budget_min_fen", b.to_string()));
    }
    if let Some(b) = s.budget_max_fen {
        pairs.push(("budget_max_fen", b.to_string()));
    }
    let mut filters: Vec<String> = s
        .domains
        .iter()
        .map(|d| {
            if zh {
                d.label_zh().to_string()
            } else {
                d.label_en().to_string()
            }
        })
        .collect();
    filters.extend(s.tags.iter().map(|t| format!("#{t}")));
    let locale = if zh {
        domain::account::Locale::ZhCn
    } else {
        domain::account::Locale::En
    };
    match (s.budget_min_fen, s.budget_max_fen) {
        (None, None) => {}
        (lo, hi) => filters.push(format!(
            "{} – {}",
            lo.map(|f| crate::format::money(f, locale))
                .unwrap_or_default(),
            hi.map(|f| crate::format::money(f, locale))
                .unwrap_or_default()
        )),
    }
    SearchLine {
        id: s.id,
        text: s.q.clone(),
        filters: filters.join(" · "),
        href: format!(
            "/search?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        ),
        feed: format!(
            "{base}/feeds/scenarios.atom?saved_search={}&token={token}",
            s.id
        ),
    }
}

/// `POST /notifications/feeds/reset`: a new private feed token; the old links stop working.
pub async fn reset_feeds(
    req: HttpRequest,
    state: web::Data<AppState>,
    _form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let who = actor(&account);
    match state
        .call(move |services| services.reset_feed_token(&who))
        .await
    {
        Ok(_) => see_other("/notifications/settings?saved=feed_reset#feeds"),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /notifications/settings`: the e-mail choices (`kind.<code>`) and the digest hour.
pub async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let f = form.0;
    let kinds: Vec<(String, String)> = Kind::ALL
        .iter()
        .map(|k| (k.code().to_string(), f.get(&format!("kind.{}", k.code()))))
        .collect();
    let hour_raw = f.get("digest_hour");
    let hour = hour_raw.trim().parse::<i64>().unwrap_or(-1);
    let who = actor(&account);
    let sent = kinds.clone();
    let result = state
        .call(move |services| services.save_notification_settings(&who, &sent, Some(hour)))
        .await;
    match result {
        Ok(_) => see_other("/notifications/settings?saved=email"),
        Err(Error::Validation(errs)) => {
            // Re-show what was chosen, each bad choice named beside its kind.
            let mut typed = NotificationSettings::default();
            for (k, p) in &kinds {
                if let (Some(k), Some(p)) = (Kind::parse(k), EmailPref::parse(p)) {
                    typed.prefs.insert(k, p);
                }
            }
            typed.digest_hour = u8::try_from(hour).ok().filter(|h| *h < 24).unwrap_or(8);
            let t = PageCtx::new(&req, Some(&account), "").t;
            let errors = FormErrors::from_fields(&errs, &t);
            show(&req, &state, &account, Some(typed), None, errors, None).await
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// Splits a typed list on commas (either width), semicolons and line ends.
fn terms(s: &str) -> Vec<String> {
    s.split([',', '，', ';', '；', '、', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// `POST /notifications/interests` (vendors): domains, tags, keywords, least budget (yuan).
pub async fn save_interests(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let f = form.0;
    let typed = InterestForm {
        domains: f.all("domain"),
        tags: f.get("tags"),
        keywords: f.get("keywords"),
        budget_min: f.get("budget_min"),
    };
    let budget = match typed.budget_min.trim() {
        "" => Ok(None),
        raw => parse_yuan(raw).map(Some).ok_or_else(|| {
            FieldError::new(
                "budget_min_fen",
                Message::new("请输入金额（元）", "an amount in yuan is expected"),
            )
        }),
    };
    let who = actor(&account);
    let (domains, tags, keywords) = (
        typed.domains.clone(),
        terms(&typed.tags),
        terms(&typed.keywords),
    );
    let result = match budget {
        Ok(budget) => {
            state
                .call(move |services| {
                    services.save_interests(&who, &domains, &tags, &keywords, budget, None)
                })
                .await
        }
        Err(e) => Err(Error::Validation(vec![e])),
    };
    match result {
        Ok(_) => see_other("/notifications/settings?saved=interests#interests"),
        Err(Error::Validation(errs)) => {
            let t = PageCtx::new(&req, Some(&account), "").t;
            let errors = FormErrors::from_fields(&errs, &t);
            show(&req, &state, &account, None, Some(typed), errors, None).await
        }
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

/// `POST /notifications/saved-searches/{id}/delete`
pub async fn delete_search(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    _form: CheckedForm,
) -> HttpResponse {
    let account = signed_in!(req, state);
    let id = path.into_inner();
    let who = actor(&account);
    match state
        .call(move |services| services.delete_saved_search(&who, id))
        .await
    {
        Ok(()) => see_other("/notifications/settings?saved=search_deleted#searches"),
        Err(e) => error_page(&req, Some(&account), &e),
    }
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    ctx: PageCtx,
    token: String,
    /// What the link turns off, in the page's language; empty when the link is not genuine.
    what: String,
    done: bool,
}

fn what_label(ctx: &PageCtx, what: Unsubscribe) -> String {
    match what {
        Unsubscribe::Kind(k) => k.label(ctx.t.locale).to_string(),
        Unsubscribe::Digest => ctx.t.t("prefs.digest").to_string(),
    }
}

/// `GET /unsubscribe?token=`: says what the link turns off and asks to confirm (a link
/// opened by a mail scanner changes nothing).
pub async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let token = q.get("token").cloned().unwrap_or_default();
    let ctx = PageCtx::new(&req, None, "");
    let target = state.services.unsubscribe_target(&token);
    let what = target.map(|(_, w)| what_label(&ctx, w)).unwrap_or_default();
    let status = if target.is_some() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        status,
        &UnsubscribePage {
            ctx,
            token,
            what,
            done: false,
        },
    )
}

/// `POST /unsubscribe?token=`: turns that e-mail off. The form of the page and a mail
/// client's one-click POST (`List-Unsubscribe=One-Click`) both land here; no session or CSRF
/// token is needed, the signed token is the authority.
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<std::collections::HashMap<String, String>>,
    body: web::Bytes,
) -> HttpResponse {
    let posted = super::forms::FormData::parse(&body);
    let token = q
        .get("token")
        .cloned()
        .unwrap_or_else(|| posted.get("token"));
    let ctx = PageCtx::new(&req, None, "");
    let target = state.services.unsubscribe_target(&token);
    let t = token.clone();
    let result = state.call(move |services| services.unsubscribe(&t)).await;
    match (result, target) {
        (Ok(_), Some((_, what))) => {
            let what = what_label(&ctx, what);
            render(
                StatusCode::OK,
                &UnsubscribePage {
                    ctx,
                    token,
                    what,
                    done: true,
                },
            )
        }
        (Err(Error::Internal(e)), _) => error_page(&req, None, &Error::Internal(e)),
        _ => render(
            StatusCode::BAD_REQUEST,
            &UnsubscribePage {
                ctx,
                token,
                what: String::new(),
                done: false,
            },
        ),
    }
}
