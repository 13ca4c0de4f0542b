//! The feeds, read back with maintained parsers (feed-rs for Atom, icalendar's parser for
//! iCalendar): what each carries, in what order, the private token and its reset.

use chrono::{DateTime, Duration, Utc};
use icalendar::Component;
use serde_json::json;
use tests::fixtures::{bid, posting, verified_agency, verified_vendor};
use tests::{TestApp, on_both};

async fn get_text(app: &TestApp, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let r = app.api.get(app.url(path)).send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.text().await.unwrap(), headers)
}

async fn atom(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    let (status, body, headers) = get_text(app, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    assert!(headers.get("set-cookie").is_none(), "a feed sets no cookie");
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    feed
}

async fn calendar(app: &TestApp, path: &str) -> icalendar::Calendar {
    let (status, body, headers) = get_text(app, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    body.parse::<icalendar::Calendar>()
        .unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

/// Posts and publishes a scenario titled `title` in `domain`, its deadline `days` away.
async fn publish(app: &TestApp, agency: &str, title: &str, domain: &str, days: i64) -> i64 {
    let mut p = posting(app, days);
    p["title"] = json!(title);
    p["domain"] = json!(domain);
    let id = app.post("/api/v1/scenarios", Some(agency), p).await.body["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(agency),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    app.clock.advance(Duration::seconds(5));
    id
}

fn deadline_of(
    cal: &icalendar::Calendar,
    id: i64,
) -> Option<(DateTime<Utc>, Option<icalendar::EventStatus>)> {
    cal.components.iter().find_map(|c| {
        let e = c.as_event()?;
        if !e
            .get_uid()?
            .starts_with(&format!("scenario-{id}-deadline@"))
        {
            return None;
        }
        let start = match e.get_start()? {
            icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t)) => t,
            other => panic!("a UTC deadline, got {other:?}"),
        };
        Some((start, e.get_status()))
    })
}

async fn the_public_feeds_carry_what_is_published(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let drone = publish(app, &agency, "无人机河道巡检", "city_governance", 20).await;
    let steel = publish(app, &agency, "钢材缺陷视觉检测", "ai_industry", 10).await;
    let later = publish(app, &agency, "工地扬尘监测", "city_governance", 30).await;
    let draft = app
        .post("/api/v1/scenarios", Some(&agency), posting(app, 15))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let cancelled = publish(app, &agency, "已取消的场景", "other", 25).await;
    let c = app
        .post(
            &format!("/api/v1/scenarios/{cancelled}/cancel"),
            Some(&agency),
            json!({"reason": "预算调整，暂停采购"}),
        )
        .await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    app.drain_jobs().await;

    // Atom: newest first, absolute links, the domain as a category; no draft, and the
    // cancelled one has left the index and with it the feeds.
    let all = atom(app, "/feeds/scenarios.atom").await;
    assert_eq!(
        titles(&all),
        vec!["工地扬尘监测", "钢材缺陷视觉检测", "无人机河道巡检"]
    );
    let first = &all.entries[1];
    assert_eq!(
        first.links[0].href,
        format!(
            "{}/scenarios/{steel}",
            app.parts.services.auth.public_base_url
        )
    );
    assert!(first.categories.iter().any(|c| c.term == "ai_industry"));
    assert!(first.published.is_some() && first.summary.is_some());
    assert!(
        all.entries
            .iter()
            .all(|e| !e.id.ends_with(&format!("/{draft}")))
    );
    let city = atom(app, "/feeds/scenarios.atom?domain=city_governance").await;
    assert_eq!(titles(&city), vec!["工地扬尘监测", "无人机河道巡检"]);
    let (status, body, _) = get_text(app, "/feeds/scenarios.atom?domain=mars").await;
    assert_eq!(status, 422);
    assert!(body.contains("\"domain\""), "{body}");

    // iCalendar: every public deadline at its instant; no draft, no cancelled one.
    let cal = calendar(app, "/feeds/deadlines.ics").await;
    let scenario = |id: i64| async move {
        let s = app.get(&format!("/api/v1/scenarios/{id}"), None).await.body;
        DateTime::parse_from_rfc3339(s["bid_deadline"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    for id in [drone, steel, later] {
        let (at, status) = deadline_of(&cal, id).unwrap_or_else(|| panic!("{id} in the calendar"));
        assert_eq!(at, scenario(id).await.with_nanosecond_zero());
        assert_eq!(status, Some(icalendar::EventStatus::Confirmed));
    }
    assert!(
        deadline_of(&cal, cancelled).is_none(),
        "a cancelled scenario leaves"
    );
    assert!(deadline_of(&cal, draft).is_none());
    // A deadline long past leaves the calendar.
    app.clock.advance(Duration::days(61));
    app.drain_jobs().await;
    let cal = calendar(app, "/feeds/deadlines.ics").await;
    assert!(deadline_of(&cal, steel).is_none() && deadline_of(&cal, later).is_none());
    app.drain_jobs().await;
}

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl NoNanos for DateTime<Utc> {
    fn with_nanosecond_zero(self) -> Self {
        DateTime::from_timestamp(self.timestamp(), 0).unwrap()
    }
}

async fn the_private_feeds_open_with_the_token_and_a_reset_retires_it(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let followed = publish(app, &agency, "无人机河道巡检", "city_governance", 20).await;
    let bid_on = publish(app, &agency, "钢材缺陷视觉检测", "ai_industry", 10).await;
    let other = publish(app, &agency, "工地扬尘监测", "city_governance", 30).await;
    let (vendor, _) = verified_vendor(app, "v@example.cn", "甲公司").await;
    let (rival, _) = verified_vendor(app, "r@example.cn", "乙公司").await;
    let f = app
        .call(
            "PUT",
            &format!("/api/v1/scenarios/{followed}/follow"),
            Some(&vendor),
            None,
        )
        .await;
    assert!(f.status == 200 || f.status == 204, "{:?}", f.body);
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{bid_on}/bids"),
            Some(&vendor),
            bid(300_000)
        )
        .await
        .status,
        201
    );
    let saved = app
        .post(
            "/api/v1/me/saved-searches",
            Some(&vendor),
            json!({"q": "钢材缺陷"}),
        )
        .await;
    assert_eq!(saved.status, 201, "{:?}", saved.body);
    let search_id = saved.body["id"].as_i64().unwrap();
    app.drain_jobs().await;

    let links = app.get("/api/v1/me/feed-token", Some(&vendor)).await.body;
    let token = links["token"].as_str().unwrap().to_string();
    assert!(
        links["calendar_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("token={token}"))
    );
    let mine = calendar(app, &format!("/feeds/deadlines.ics?token={token}")).await;
    assert!(deadline_of(&mine, followed).is_some() && deadline_of(&mine, bid_on).is_some());
    assert!(deadline_of(&mine, other).is_none(), "only the vendor's own");
    let (_, body, headers) = get_text(app, &format!("/feeds/deadlines.ics?token={token}")).await;
    assert_eq!(headers["cache-control"], "private, no-store");
    assert!(
        !body.contains("300000") && !body.contains("3,000"),
        "no bid figures"
    );
    let feed = atom(
        app,
        &format!("/feeds/scenarios.atom?saved_search={search_id}&token={token}"),
    )
    .await;
    assert_eq!(titles(&feed), vec!["钢材缺陷视觉检测"]);

    // Another user's token or a forged one opens nothing; nor does a stranger's search id.
    let rival_token = app.get("/api/v1/me/feed-token", Some(&rival)).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let forged = format!(
        "{}.{}",
        token.split('.').next().unwrap(),
        rival_token.split('.').nth(1).unwrap()
    );
    for bad in [
        format!("/feeds/deadlines.ics?token={forged}"),
        "/feeds/deadlines.ics?token=garbage".into(),
        format!("/feeds/scenarios.atom?saved_search={search_id}&token={rival_token}"),
        format!("/feeds/scenarios.atom?saved_search={search_id}"),
    ] {
        assert_eq!(get_text(app, &bad).await.0, 404, "{bad}");
    }

    // A reset: the old links stop, the new ones work, and it is audited.
    let fresh = app
        .post("/api/v1/me/feed-token/reset", Some(&vendor), json!({}))
        .await;
    assert_eq!(fresh.status, 200);
    let new_token = fresh.body["token"].as_str().unwrap().to_string();
    assert_ne!(new_token, token);
    assert_eq!(
        get_text(app, &format!("/feeds/deadlines.ics?token={token}"))
            .await
            .0,
        404
    );
    let mine = calendar(app, &format!("/feeds/deadlines.ics?token={new_token}")).await;
    assert!(deadline_of(&mine, followed).is_some());
    let admin = app.admin_token().await;
    let audit = app
        .get(
            "/api/v1/admin/audit?action=user.feed_token_reset",
            Some(&admin),
        )
        .await
        .body;
    assert_eq!(audit["total"], 1);

    // The settings page shows the private link, and its button resets it.
    let (client, csrf) = tests::signed_in(app, "v@example.cn").await;
    let html = tests::page_text(&client, app.url("/notifications/settings")).await;
    assert!(html.contains(&format!("deadlines.ics?token={new_token}")));
    let i = html.find("saved_search=").map(|i| &html[i..i + 80]);
    assert!(
        html.contains(&format!("saved_search={search_id}&#38;token={new_token}")),
        "{i:?}"
    );
    let r = client
        .post(app.url("/notifications/feeds/reset"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        get_text(app, &format!("/feeds/deadlines.ics?token={new_token}"))
            .await
            .0,
        404
    );
    app.drain_jobs().await;
}

/// Two resets at once each retire the token before them: no two users of one generation.
async fn parallel_resets_each_move_the_token_on(app: &TestApp) {
    let (vendor, _) = verified_vendor(app, "v@example.cn", "甲公司").await;
    let resets = (0..6).map(|_| app.post("/api/v1/me/feed-token/reset", Some(&vendor), json!({})));
    let tokens: Vec<String> = futures_util::future::join_all(resets)
        .await
        .into_iter()
        .map(|a| {
            assert_eq!(a.status, 200, "{:?}", a.body);
            a.body["token"].as_str().unwrap().to_string()
        })
        .collect();
    let distinct: std::collections::HashSet<_> = tokens.iter().collect();
    assert_eq!(distinct.len(), 6, "each reset made a new generation");
    let current = app.get("/api/v1/me/feed-token", Some(&vendor)).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut working = 0;
    for t in &tokens {
        if get_text(app, &format!("/feeds/deadlines.ics?token={t}"))
            .await
            .0
            == 200
        {
            working += 1;
        }
    }
    assert_eq!(working, 1, "only the last one works");
    assert!(tokens.contains(&current));
}

/// The user's current private calendar token (signed in afresh with `password`).
async fn calendar_token(app: &TestApp, email: &str, password: &str) -> String {
    let signed_in = app.login(email, password).await;
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
    let access = signed_in.body["access_token"].as_str().unwrap().to_string();
    app.get("/api/v1/me/feed-token", Some(&access)).await.body["token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn a_password_change_or_reset_or_signing_out_everywhere_retires_the_feed_token(
    app: &TestApp,
) {
    let email = "v@example.cn";
    verified_vendor(app, email, "甲公司").await;
    let first = calendar_token(app, email, tests::PASSWORD).await;
    let ics = |t: &str| format!("/feeds/deadlines.ics?token={t}");
    assert_eq!(get_text(app, &ics(&first)).await.0, 200);

    // A change of password ends every session, and the calendar link with them.
    let access = app.login(email, tests::PASSWORD).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let changed = app
        .post(
            "/api/v1/me/password",
            Some(&access),
            json!({"current_password": tests::PASSWORD, "new_password": "second-pass-77"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    assert_eq!(get_text(app, &ics(&first)).await.0, 404);
    let second = calendar_token(app, email, "second-pass-77").await;
    assert_ne!(second, first);
    assert_eq!(get_text(app, &ics(&second)).await.0, 200);

    // So does a reset by e-mail.
    app.post("/api/v1/auth/password-reset", None, json!({"email": email}))
        .await;
    app.drain_jobs().await;
    let mail = app.emails().into_iter().find(|m| m.to == email).unwrap();
    let token = mail.body.split("token=").nth(1).unwrap();
    let token = token.split_whitespace().next().unwrap();
    let done = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "third-pass-88"}),
        )
        .await;
    assert_eq!(done.status, 204, "{:?}", done.body);
    assert_eq!(get_text(app, &ics(&second)).await.0, 404);
    let third = calendar_token(app, email, "third-pass-88").await;
    assert_eq!(get_text(app, &ics(&third)).await.0, 200);

    // And signing out everywhere: every session ends, the calendar link with them (audited).
    let signed = app.login(email, "third-pass-88").await.body;
    let access = signed["access_token"].as_str().unwrap().to_string();
    let out = app
        .post("/api/v1/auth/logout-all", Some(&access), json!({}))
        .await;
    assert_eq!(out.status, 204, "{:?}", out.body);
    assert_eq!(get_text(app, &ics(&third)).await.0, 404);
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.status, 401);
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": signed["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status, 401);
    let admin = app.admin_token().await;
    let audited = app
        .get(
            "/api/v1/admin/audit?action=user.sign_out_everywhere",
            Some(&admin),
        )
        .await
        .body;
    assert_eq!(audited["total"], 1);

    // The account page's button does the same for a browser.
    verified_vendor(app, "page@example.cn", "乙公司").await;
    let token = calendar_token(app, "page@example.cn", tests::PASSWORD).await;
    let (browser, csrf) = tests::signed_in(app, "page@example.cn").await;
    let html = tests::page_text(&browser, app.url("/account")).await;
    assert!(html.contains("/account/sign-out-everywhere"));
    let r = browser
        .post(app.url("/account/sign-out-everywhere"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/?notice=signed_out_everywhere");
    assert_eq!(get_text(app, &ics(&token)).await.0, 404);
    let again = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(again.status(), 303, "signed out");
}

async fn no_control_character_reaches_a_feed_and_titles_and_summaries_refuse_them(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    // One-line fields refuse every control character, a bare CR included, naming the field.
    for (field, value) in [
        ("title", "无人机巡检\rBEGIN:VEVENT"),
        ("title", "无人机巡检\n第二行"),
        ("summary", "摘要\r\nEND:VCALENDAR"),
        ("summary", "摘要\u{1b}[31m"),
    ] {
        let mut p = posting(app, 20);
        p[field] = json!(value);
        let r = app.post("/api/v1/scenarios", Some(&agency), p).await;
        assert_eq!(r.status, 422, "{field}: {:?}", r.body);
        let named: Vec<&str> = r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(named, vec![field], "{:?}", r.body);
    }
    // The description keeps its lines; what reaches the feeds has no bare CR.
    let mut p = posting(app, 20);
    p["description"] = json!("第一行\r第二行\r\n第三行\t结束，含 Windows 与旧 Mac 的换行。");
    let id = app.post("/api/v1/scenarios", Some(&agency), p).await.body["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    app.drain_jobs().await;
    let (status, atom_text, _) = get_text(app, "/feeds/scenarios.atom").await;
    assert_eq!(status, 200);
    assert!(atom_text.contains("第三行"), "the scenario is in the feed");
    assert!(!atom_text.contains('\r'), "a CR reached the Atom feed");
    let (status, ics, _) = get_text(app, "/feeds/deadlines.ics").await;
    assert_eq!(status, 200);
    assert!(ics.contains(&format!("scenario-{id}-deadline@")));
    for (i, _) in ics.match_indices('\r') {
        assert_eq!(
            &ics[i..i + 2],
            "\r\n",
            "a bare CR in the calendar at byte {i}"
        );
    }
    assert!(
        !ics.chars()
            .any(|c| c.is_control() && c != '\r' && c != '\n')
    );
}

on_both! {
    no_control_character_reaches_a_feed_and_titles_and_summaries_refuse_them => super::no_control_character_reaches_a_feed_and_titles_and_summaries_refuse_them;
    a_password_change_or_reset_or_signing_out_everywhere_retires_the_feed_token => super::a_password_change_or_reset_or_signing_out_everywhere_retires_the_feed_token;
    the_public_feeds_carry_what_is_published => super::the_public_feeds_carry_what_is_published;
    the_private_feeds_open_with_the_token_and_a_reset_retires_it => super::the_private_feeds_open_with_the_token_and_a_reset_retires_it;
    parallel_resets_each_move_the_token_on => super::parallel_resets_each_move_the_token_on;
}
