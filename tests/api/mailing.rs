//! E-mail of notifications against a real SMTP server: recipients, language, subject, both
//! parts and the list headers; the unsubscribe link works without signing in and only for its
//! kind; daily-digest users get exactly one digest; a server that refuses for a while delays
//! mail but never loses or doubles it; a send job run again after a crash sends nothing twice.

use chrono::Duration;
use serde_json::json;
use tests::fixtures::{posting, verified_agency, verify};
use tests::smtp::{Received, SmtpSink};
use tests::{Db, PASSWORD, TestApp, try_spawn_app_with};

/// An app that sends its mail to a fresh SMTP sink.
async fn app_with_smtp(db: Db) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start();
    let app = try_spawn_app_with(db, &[("APP__MAIL__SMTP_URL", sink.url.clone())]).await?;
    Some((app, sink))
}

macro_rules! on_both_with_smtp {
    ($($name:ident => $story:path;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (app, sink) = super::app_with_smtp(tests::Db::Sqlite).await.unwrap();
                    $story(&app, &sink).await;
                    app.assert_invariants().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some((app, sink)) = super::app_with_smtp(tests::Db::Postgres).await {
                        $story(&app, &sink).await;
                        app.assert_invariants().await;
                    }
                }
            )*
        }
    };
}

/// A vendor user registered in `locale` and verified: its token.
async fn vendor_in(app: &TestApp, email: &str, name: &str, locale: &str) -> String {
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "display_name": name,
                   "role": "vendor", "organization": {"name": name}, "locale": locale}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    verify(
        app,
        &admin,
        r.body["organization"]["id"].as_i64().unwrap(),
        true,
    )
    .await;
    app.token(email).await
}

/// The path and query of an absolute link in an e-mail (the app's public address differs from
/// the test server's).
fn local(link: &str) -> String {
    let rest = link.split_once("://").map_or(link, |(_, r)| r);
    rest[rest.find('/').unwrap_or(rest.len())..].to_string()
}

/// The unsubscribe address of a message, from its `List-Unsubscribe` header.
fn unsubscribe_of(m: &Received) -> String {
    let h = m
        .header("List-Unsubscribe")
        .expect("a List-Unsubscribe header");
    assert!(h.starts_with('<') && h.ends_with('>'), "{h}");
    h.trim_matches(['<', '>']).to_string()
}

async fn settings(app: &TestApp, token: &str) -> serde_json::Value {
    let a = app
        .get("/api/v1/me/notification-settings", Some(token))
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    a.body
}

/// Publishes a scenario of `agency` due in 30 days; its id.
async fn publish(app: &TestApp, agency: &str, title: &str) -> i64 {
    let mut body = posting(app, 30);
    body["title"] = json!(title);
    let d = app.post("/api/v1/scenarios", Some(agency), body).await;
    assert_eq!(d.status, 201, "{:?}", d.body);
    let id = d.body["id"].as_i64().unwrap();
    let p = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(agency),
            json!({}),
        )
        .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    id
}

/// Interests that every posting of the fixtures fits.
async fn interested(app: &TestApp, token: &str) {
    let a = app
        .call(
            "PUT",
            "/api/v1/me/interests",
            Some(token),
            Some(json!({"domains": ["city_governance"]})),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

async fn every_email_has_both_parts_the_list_headers_and_an_unsubscribe_that_works_alone(
    app: &TestApp,
    sink: &SmtpSink,
) {
    let zh = vendor_in(app, "zh@example.cn", "江城无人机", "zh-CN").await;
    let en = vendor_in(app, "en@example.cn", "Hawkeye Vision", "en").await;
    app.drain_jobs().await;
    // Verification: one e-mail to each, in each one's language.
    let to_zh = sink.to("zh@example.cn");
    assert_eq!(to_zh.len(), 1, "{to_zh:?}");
    let m = &to_zh[0];
    assert_eq!(m.subject(), "江城无人机 已通过认证");
    assert!(
        m.text().contains("江城无人机，您好") && m.text().contains("认证已通过"),
        "{}",
        m.text()
    );
    assert!(
        m.html().contains("<h1") && m.html().contains("江城无人机 已通过认证"),
        "{}",
        m.html()
    );
    assert!(
        m.text().contains("/unsubscribe?token="),
        "the link is in the body too"
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(m.header("Message-ID").is_some_and(|id| id.contains('@')));
    let to_en = sink.to("en@example.cn");
    assert_eq!(to_en.len(), 1);
    assert_eq!(to_en[0].subject(), "Hawkeye Vision is verified");
    assert!(
        to_en[0].text().starts_with("Hello Hawkeye Vision,"),
        "{}",
        to_en[0].text()
    );
    assert!(to_en[0].html().contains("lang=\"en\""));

    // The link's page asks first and changes nothing (a mail scanner may open it).
    let link = unsubscribe_of(m);
    let anonymous = reqwest::Client::new();
    let page = anonymous.get(app.url(&local(&link))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("机构认证") && html.contains("确认退订"),
        "{html}"
    );
    assert_eq!(
        settings(app, &zh).await["kinds"]["organization_verified"],
        "immediate"
    );

    // A forged token (another kind, same signature) changes nothing.
    let forged = local(&link).replace("organization_verified", "scenario_match");
    let r = anonymous
        .post(app.url(&forged))
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The one-click POST of a mail client, without any session: that kind only is off.
    let r = anonymous
        .post(app.url(&local(&link)))
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let s = settings(app, &zh).await;
    assert_eq!(s["kinds"]["organization_verified"], "off");
    assert_eq!(s["kinds"]["scenario_match"], "immediate");
    assert_eq!(s["kinds"]["invitation"], "immediate");
    assert_eq!(
        settings(app, &en).await["kinds"]["organization_verified"],
        "immediate"
    );

    // Another kind still mails: a matching scenario, with its own template and link.
    interested(app, &zh).await;
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区数据局").await;
    app.drain_jobs().await;
    let id = publish(app, &agency, "河道漂浮物识别").await;
    app.drain_jobs().await;
    let to_zh = sink.to("zh@example.cn");
    assert_eq!(to_zh.len(), 2, "{to_zh:?}");
    let m = &to_zh[1];
    assert_eq!(m.subject(), "新场景：河道漂浮物识别");
    assert!(
        m.text()
            .contains("青山区数据局 发布了新场景「河道漂浮物识别」"),
        "{}",
        m.text()
    );
    assert!(m.text().contains(&format!("/scenarios/{id}")));
    assert!(unsubscribe_of(m).contains("scenario_match"));
    assert!(m.html().contains(&format!("/scenarios/{id}\"")));
    // Nobody else: the English vendor has no interests, the agency is no vendor.
    assert_eq!(sink.to("en@example.cn").len(), 1);
    assert_eq!(
        sink.to("owner@example.cn").len(),
        1,
        "its own verification only"
    );
}

async fn email_off_still_notifies_in_the_app_and_bad_settings_change_nothing(
    app: &TestApp,
    sink: &SmtpSink,
) {
    let v = vendor_in(app, "v@example.cn", "一人公司", "zh-CN").await;
    interested(app, &v).await;
    let bad = app
        .call(
            "PUT",
            "/api/v1/me/notification-settings",
            Some(&v),
            Some(json!({"kinds": {"scenario_match": "off", "nope": "off", "invitation": "weekly"}, "digest_hour": 24})),
        )
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["kinds.nope", "kinds.invitation", "digest_hour"] {
        assert!(fields.contains(&f), "{f} is named: {fields:?}");
    }
    let s = settings(app, &v).await;
    assert_eq!(s["kinds"]["scenario_match"], "immediate", "nothing changed");
    assert_eq!(s["digest_hour"], 8);
    let ok = app
        .call(
            "PUT",
            "/api/v1/me/notification-settings",
            Some(&v),
            Some(json!({"kinds": {"scenario_match": "off"}, "digest_hour": 20})),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["kinds"]["scenario_match"], "off");
    assert_eq!(ok.body["kinds"]["bids_opened"], "immediate");
    assert_eq!(ok.body["digest_hour"], 20);
    // The interests report the same choice.
    let i = app.get("/api/v1/me/interests", Some(&v)).await;
    assert_eq!(i.body["email"], "off");

    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    app.drain_jobs().await;
    let before = sink.to("v@example.cn").len();
    publish(app, &agency, "渣土车识别").await;
    app.drain_jobs().await;
    assert_eq!(sink.to("v@example.cn").len(), before, "no e-mail");
    let inbox = app
        .get("/api/v1/notifications?kind=scenario_match", Some(&v))
        .await;
    assert_eq!(inbox.body["total"], 1, "the in-app notification is written");

    // Ten changes of ten kinds at once: each is kept (none is lost to another's write).
    let kinds = [
        "scenario_match",
        "invitation",
        "question_answered",
        "deadline_extended",
        "deadline_reminder",
        "bids_opened",
        "panel_assigned",
        "award_result",
        "rating_received",
        "organization_verified",
    ];
    let answers = futures_util::future::join_all(kinds.iter().map(|k| {
        app.call(
            "PUT",
            "/api/v1/me/notification-settings",
            Some(&v),
            Some(json!({"kinds": {*k: "daily"}})),
        )
    }))
    .await;
    assert!(answers.iter().all(|a| a.status == 200), "{answers:?}");
    let s = settings(app, &v).await;
    for k in kinds {
        assert_eq!(s["kinds"][k], "daily", "{k} is kept: {s}");
    }
}

async fn a_daily_digest_user_gets_exactly_one_digest(app: &TestApp, sink: &SmtpSink) {
    let v = vendor_in(app, "d@example.cn", "摘要科技", "zh-CN").await;
    interested(app, &v).await;
    // Matching scenarios come in the digest; the interests' own choice says so.
    let a = app
        .call(
            "PUT",
            "/api/v1/me/interests",
            Some(&v),
            Some(json!({"domains": ["city_governance"], "email": "daily"})),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(settings(app, &v).await["kinds"]["scenario_match"], "daily");
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    app.drain_jobs().await;
    let before = sink.to("d@example.cn").len();
    for title in ["井盖缺失识别", "占道经营识别", "违章停车识别"] {
        publish(app, &agency, title).await;
    }
    app.drain_jobs().await;
    assert_eq!(
        sink.to("d@example.cn").len(),
        before,
        "nothing until the digest hour"
    );
    assert_eq!(
        app.get("/api/v1/notifications?kind=scenario_match", Some(&v))
            .await
            .body["total"],
        3
    );
    // A day later: one digest with all three, then nothing more however often the jobs run.
    app.clock.advance(Duration::hours(25));
    app.drain_jobs().await;
    app.drain_jobs().await;
    let mails = sink.to("d@example.cn");
    assert_eq!(mails.len(), before + 1, "{mails:?}");
    let digest = mails.last().unwrap();
    assert!(
        digest.subject().starts_with("场景集市每日摘要"),
        "{}",
        digest.subject()
    );
    assert!(digest.subject().contains("3 条"));
    for title in ["井盖缺失识别", "占道经营识别", "违章停车识别"] {
        assert!(
            digest.text().contains(title) && digest.html().contains(title),
            "{title}"
        );
    }
    assert!(unsubscribe_of(digest).contains(".digest."));
    app.clock.advance(Duration::days(2));
    app.drain_jobs().await;
    assert_eq!(
        sink.to("d@example.cn").len(),
        before + 1,
        "exactly one digest"
    );
    // The digest's link turns the daily kinds off.
    let link = local(&unsubscribe_of(digest));
    let r = reqwest::Client::new()
        .post(app.url(&link))
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v = app.token("d@example.cn").await;
    let s = settings(app, &v).await;
    assert_eq!(s["kinds"]["scenario_match"], "off");
    assert_eq!(s["kinds"]["invitation"], "immediate");
}

async fn a_refusing_server_delays_mail_but_never_loses_or_doubles_it(
    app: &TestApp,
    sink: &SmtpSink,
) {
    sink.refuse_next(4);
    let emails = ["r1@example.cn", "r2@example.cn", "r3@example.cn"];
    for (i, e) in emails.iter().enumerate() {
        vendor_in(app, e, &format!("拒收测试{i}"), "zh-CN").await;
    }
    // Each refusal fails a job; backoff makes it due again later.
    for _ in 0..8 {
        app.drain_jobs().await;
        app.clock.advance(Duration::minutes(10));
    }
    for e in emails {
        assert_eq!(sink.to(e).len(), 1, "{e} gets its e-mail exactly once");
    }
    assert!(
        sink.attempts() >= 3 + 4,
        "the refusals were met: {}",
        sink.attempts()
    );

    // A worker that sent but died before marking the job done: the job runs again, and sends
    // nothing, because the key was sent.
    let n = app.execute_sql(
        "UPDATE jobs SET status = 'queued', finished_at = NULL WHERE kind = 'send_email'",
    );
    assert!(n >= 3);
    app.drain_jobs().await;
    for e in emails {
        assert_eq!(sink.to(e).len(), 1, "{e}: a job run twice sends once");
    }
}

on_both_with_smtp! {
    every_email_has_both_parts_the_list_headers_and_an_unsubscribe_that_works_alone => super::every_email_has_both_parts_the_list_headers_and_an_unsubscribe_that_works_alone;
    email_off_still_notifies_in_the_app_and_bad_settings_change_nothing => super::email_off_still_notifies_in_the_app_and_bad_settings_change_nothing;
    a_daily_digest_user_gets_exactly_one_digest => super::a_daily_digest_user_gets_exactly_one_digest;
    a_refusing_server_delays_mail_but_never_loses_or_doubles_it => super::a_refusing_server_delays_mail_but_never_loses_or_doubles_it;
}

/// The mailer is a port: a worker given another one sends through it, and the configured
/// outbox sees nothing; a mailer that fails leaves the e-mail queued for the next try.
mod swapped_mailer {
    use std::sync::{Arc, Mutex};

    use domain::email::OutgoingEmail;
    use domain::ports::MailSender;
    use serde_json::json;

    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<String>>,
        fail: bool,
    }

    impl MailSender for Recorder {
        fn send(&self, mail: &OutgoingEmail) -> anyhow::Result<()> {
            if self.fail {
                anyhow::bail!("the test mailer refuses");
            }
            self.sent.lock().unwrap().push(mail.to.clone());
            Ok(())
        }
        fn check(&self) -> anyhow::Result<()> {
            Ok(())
        }
        fn transport(&self) -> &'static str {
            "test"
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_sends_through_the_mailer_it_is_given() {
        let app = tests::spawn_app().await;
        app.register("swap@example.cn", "vendor", "V").await;
        let reset = |email: &'static str| {
            app.post(
                "/api/v1/auth/password-reset",
                None,
                json!({ "email": email }),
            )
        };
        assert_eq!(reset("swap@example.cn").await.status, 202);
        let failing = Arc::new(Recorder {
            fail: true,
            ..Default::default()
        });
        let w = app.parts.worker.clone().with_mailer(failing.clone());
        tokio::task::spawn_blocking(move || w.drain())
            .await
            .unwrap()
            .unwrap();
        assert!(failing.sent.lock().unwrap().is_empty());
        // The failed try waits out its backoff, then the working mailer sends it once.
        app.clock.advance(chrono::Duration::hours(1));
        let recorder = Arc::new(Recorder::default());
        let w = app.parts.worker.clone().with_mailer(recorder.clone());
        tokio::task::spawn_blocking(move || w.drain())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(*recorder.sent.lock().unwrap(), ["swap@example.cn"]);
        assert!(
            app.emails().is_empty(),
            "the configured outbox was not used"
        );
        assert_eq!(app.drain_jobs().await, 0, "nothing left to send");
        assert!(app.emails().is_empty());
    }
}
