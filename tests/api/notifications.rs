//! In-app notifications: each event notifies exactly its recipients, in each one's language;
//! nothing sealed reaches anyone else; the inbox lists, filters and marks read; the header
//! counts what is unread.

use chrono::Duration;
use serde_json::{Value, json};
use tests::fixtures::{bid, posting, verified_agency, verified_vendor, verify};
use tests::{TestApp, on_both, signed_in};

/// A draft of `agency` due in `days`: its id and API path.
async fn draft(app: &TestApp, agency: &str, days: i64) -> (i64, String) {
    let id = app
        .post("/api/v1/scenarios", Some(agency), posting(app, days))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    (id, format!("/api/v1/scenarios/{id}"))
}

/// Every notification of a user (newest first), as the API lists them.
async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let a = app
        .get("/api/v1/notifications?per_page=100", Some(token))
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    a.body["items"].as_array().unwrap().clone()
}

fn kinds(items: &[Value]) -> Vec<&str> {
    let mut k: Vec<&str> = items.iter().map(|n| n["kind"].as_str().unwrap()).collect();
    k.sort();
    k
}

fn text_of(items: &[Value]) -> String {
    items
        .iter()
        .map(|n| format!("{} {}", n["title"], n["body"]))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn every_event_notifies_exactly_its_recipients_in_their_language(app: &TestApp) {
    let admin = app.admin_token().await;
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (zh_vendor, _) = verified_vendor(app, "zh@example.cn", "江城无人机服务").await;
    let en = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "en@example.cn", "password": tests::PASSWORD, "display_name": "Lee",
                   "role": "vendor", "organization": {"name": "Hawkeye Vision"}, "locale": "en"}),
        )
        .await;
    assert_eq!(en.status, 201, "{:?}", en.body);
    verify(
        app,
        &admin,
        en.body["organization"]["id"].as_i64().unwrap(),
        true,
    )
    .await;
    let en_vendor = app.token("en@example.cn").await;
    let (bystander, _) = verified_vendor(app, "by@example.cn", "旁观科技").await;
    app.drain_jobs().await;

    // Verification: each organization's own users hear of it, in their language.
    let zh_items = inbox(app, &zh_vendor).await;
    assert_eq!(kinds(&zh_items), ["organization_verified"]);
    assert_eq!(zh_items[0]["title"], "江城无人机服务 已通过认证");
    assert_eq!(zh_items[0]["read"], false);
    let en_items = inbox(app, &en_vendor).await;
    assert_eq!(en_items[0]["title"], "Hawkeye Vision is verified");
    assert!(
        inbox(app, &admin).await.is_empty(),
        "the administrator is not told"
    );

    // A scenario; two vendors bid, the bystander asks a question.
    let (id, path) = draft(app, &agency, 30).await;
    assert_eq!(
        app.post(&format!("{path}/publish"), Some(&agency), json!({}))
            .await
            .status,
        200
    );
    for (token, price) in [(&zh_vendor, 300_000), (&en_vendor, 280_000)] {
        let b = app
            .post(&format!("{path}/bids"), Some(token), bid(price))
            .await;
        assert_eq!(b.status, 201, "{:?}", b.body);
    }
    let q = app
        .post(
            &format!("{path}/questions"),
            Some(&bystander),
            json!({"body": "视频数据从哪个平台接入？"}),
        )
        .await;
    assert_eq!(q.status, 201, "{:?}", q.body);
    let qid = q.body["id"].as_i64().unwrap();
    let answered = app
        .post(
            &format!("/api/v1/questions/{qid}/answer"),
            Some(&agency),
            json!({"body": "接入区级视频共享平台。"}),
        )
        .await;
    assert_eq!(answered.status, 201, "{:?}", answered.body);
    app.drain_jobs().await;
    // The answer: both bidders and the asker.
    for token in [&zh_vendor, &en_vendor, &bystander] {
        let items = inbox(app, token).await;
        let answer = items
            .iter()
            .find(|n| n["kind"] == "question_answered")
            .unwrap_or_else(|| panic!("the answer reaches every bidder and the asker: {items:?}"));
        assert_eq!(answer["link"], format!("/scenarios/{id}#qa"));
    }
    assert!(
        inbox(app, &agency)
            .await
            .iter()
            .all(|n| n["kind"] != "question_answered"),
        "the agency that answered is not told of its own answer"
    );
    let en_answer = inbox(app, &en_vendor).await;
    assert!(
        text_of(&en_answer).contains("Q: 视频数据从哪个平台接入？"),
        "{en_answer:?}"
    );

    // An extension: the bidders only.
    let deadline = chrono::DateTime::parse_from_rfc3339(
        app.get(&path, None).await.body["bid_deadline"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let x = app
        .post(
            &format!("{path}/extend"),
            Some(&agency),
            json!({"bid_deadline": (deadline + Duration::days(7)).to_rfc3339()}),
        )
        .await;
    assert_eq!(x.status, 200, "{:?}", x.body);
    app.drain_jobs().await;
    let extended = |items: &[Value]| items.iter().any(|n| n["kind"] == "deadline_extended");
    assert!(extended(&inbox(app, &zh_vendor).await));
    assert!(extended(&inbox(app, &en_vendor).await));
    assert!(!extended(&inbox(app, &bystander).await), "not a bidder");
    assert!(!extended(&inbox(app, &agency).await));

    // Before the opening nothing anyone reads names another bidder or counts the bids.
    for (token, others) in [
        (&zh_vendor, vec!["Hawkeye", "旁观"]),
        (&en_vendor, vec!["江城", "旁观"]),
        (&bystander, vec!["江城", "Hawkeye"]),
        (&agency, vec!["江城", "Hawkeye", "旁观"]),
    ] {
        let all = text_of(&inbox(app, token).await);
        for other in others {
            assert!(!all.contains(other), "{other} shows to someone else: {all}");
        }
        assert!(
            !all.contains("份投标") && !all.contains("valid bid"),
            "{all}"
        );
    }

    // The opening: the owner and both bidders, with the count that is public from now on.
    app.clock.advance(Duration::days(38));
    app.drain_jobs().await;
    // Signed in again: the tokens expired while the clock moved.
    let agency = app.token("owner@example.cn").await;
    let zh_vendor = app.token("zh@example.cn").await;
    let en_vendor = app.token("en@example.cn").await;
    let bystander = app.token("by@example.cn").await;
    let opened = |items: &[Value]| items.iter().find(|n| n["kind"] == "bids_opened").cloned();
    let owner_news = opened(&inbox(app, &agency).await).expect("the owner hears of the opening");
    assert_eq!(owner_news["title"], "「无人机智能巡检」已开标");
    assert!(
        owner_news["body"]
            .as_str()
            .unwrap()
            .contains("共收到 2 份有效投标")
    );
    assert!(opened(&inbox(app, &zh_vendor).await).is_some());
    let en_news = opened(&inbox(app, &en_vendor).await).unwrap();
    assert_eq!(en_news["title"], "Bids opened: 无人机智能巡检");
    assert!(
        opened(&inbox(app, &bystander).await).is_none(),
        "not a bidder"
    );

    // Another round of the worker writes nothing twice.
    let everyone = [&agency, &zh_vendor, &en_vendor, &bystander];
    let mut counts = vec![];
    for t in everyone {
        counts.push(inbox(app, t).await.len());
    }
    app.drain_jobs().await;
    for (t, n) in everyone.into_iter().zip(counts) {
        assert_eq!(inbox(app, t).await.len(), n, "nothing is written twice");
    }
}

async fn the_inbox_filters_marks_read_and_the_header_counts(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (vendor, _) = verified_vendor(app, "v@example.cn", "江城无人机服务").await;
    // Another vendor (signed in again after the clock moves).
    verified_vendor(app, "o@example.cn", "旁观科技").await;
    let (_, path) = draft(app, &agency, 30).await;
    app.post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    app.post(&format!("{path}/bids"), Some(&vendor), bid(300_000))
        .await;
    app.clock.advance(Duration::days(31));
    app.drain_jobs().await;
    let (agency, vendor, other) = (
        app.token("owner@example.cn").await,
        app.token("v@example.cn").await,
        app.token("o@example.cn").await,
    );

    let all = app.get("/api/v1/notifications", Some(&vendor)).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["total"], 2, "{:?}", all.body);
    assert_eq!(all.body["unread"], 2);
    assert_eq!(all.body["items"][0]["kind"], "bids_opened", "newest first");
    let opened = app
        .get("/api/v1/notifications?kind=bids_opened", Some(&vendor))
        .await;
    assert_eq!(opened.body["total"], 1);
    let bad = app
        .get(
            "/api/v1/notifications?kind=gossip&per_page=0",
            Some(&vendor),
        )
        .await;
    assert_eq!(bad.status, 422);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kind", "per_page"]);
    assert_eq!(app.get("/api/v1/notifications", None).await.status, 401);

    // The header counts the unread ones on every page, without JavaScript.
    let (browser, csrf) = signed_in(app, "v@example.cn").await;
    let page = browser.get(app.url("/scenarios")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("data-unread=\"2\""),
        "the header shows 2 unread"
    );
    let inbox_page = browser
        .get(app.url("/notifications?unread=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        inbox_page.contains("「无人机智能巡检」已开标"),
        "{inbox_page}"
    );

    // Someone else's notification is "not found"; one's own is marked read.
    let first = all.body["items"][0]["id"].as_i64().unwrap();
    let stranger = app
        .post(
            &format!("/api/v1/notifications/{first}/read"),
            Some(&other),
            json!({}),
        )
        .await;
    assert_eq!(stranger.status, 404);
    let mine = app
        .post(
            &format!("/api/v1/notifications/{first}/read"),
            Some(&vendor),
            json!({}),
        )
        .await;
    assert_eq!(mine.status, 204);
    let unread = app
        .get("/api/v1/notifications?unread=true", Some(&vendor))
        .await;
    assert_eq!(unread.body["total"], 1);
    assert_eq!(unread.body["unread"], 1);

    // Opening one on the inbox page marks it read and follows its link.
    let second = unread.body["items"][0]["id"].as_i64().unwrap();
    let link = unread.body["items"][0]["link"]
        .as_str()
        .unwrap()
        .to_string();
    let open = browser
        .post(app.url(&format!("/notifications/{second}/open")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 303);
    assert_eq!(open.headers()["location"], link.as_str());
    let after = app.get("/api/v1/notifications", Some(&vendor)).await;
    assert_eq!(after.body["unread"], 0);
    let html = browser
        .get(app.url("/scenarios"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-unread=\"0\" hidden"),
        "no count when all are read"
    );

    // Mark all read through the API: nothing is left to mark.
    let marked = app
        .post("/api/v1/notifications/read-all", Some(&vendor), json!({}))
        .await;
    assert_eq!(marked.status, 200);
    assert_eq!(marked.body["marked"], 0);
    let owner = app
        .post("/api/v1/notifications/read-all", Some(&agency), json!({}))
        .await;
    assert_eq!(
        owner.body["marked"], 2,
        "the agency's verification and opening"
    );
}

/// The owner moves the deadline `days` later; the worker runs.
async fn extend(app: &TestApp, path: &str, agency: &str, days: i64) {
    let now = app.get(path, None).await.body;
    let d = chrono::DateTime::parse_from_rfc3339(now["bid_deadline"].as_str().unwrap()).unwrap();
    let x = app
        .post(
            &format!("{path}/extend"),
            Some(agency),
            json!({"bid_deadline": (d + Duration::days(days)).to_rfc3339()}),
        )
        .await;
    assert_eq!(x.status, 200, "{:?}", x.body);
    app.drain_jobs().await;
}

async fn followers_hear_of_answers_and_extensions_until_they_stop(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (follower, _) = verified_vendor(app, "f@example.cn", "江城无人机服务").await;
    let (asker, _) = verified_vendor(app, "a@example.cn", "旁观科技").await;
    let (id, path) = draft(app, &agency, 30).await;
    let follow = |token: String| async move {
        app.call(
            "PUT",
            &format!("/api/v1/scenarios/{id}/follow"),
            Some(&token),
            None,
        )
        .await
    };
    assert_eq!(
        follow(follower.clone()).await.status,
        404,
        "a draft is not there"
    );
    app.post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    let on = follow(follower.clone()).await;
    assert_eq!(
        (on.status, on.body["following"].clone()),
        (200, json!(true))
    );
    assert_eq!(follow(follower.clone()).await.status, 200, "twice is once");
    assert_eq!(
        follow(agency.clone()).await.status,
        403,
        "only vendors follow"
    );
    let detail = app.get(&path, Some(&follower)).await;
    assert!(
        detail.body["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("unfollow")),
        "{:?}",
        detail.body["allowed_actions"]
    );

    // An answer reaches the follower (and the asker), though neither bid.
    let q = app
        .post(
            &format!("{path}/questions"),
            Some(&asker),
            json!({"body": "需要私有化部署吗？"}),
        )
        .await;
    let qid = q.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/questions/{qid}/answer"),
        Some(&agency),
        json!({"body": "需要，部署在区政务云。"}),
    )
    .await;
    app.drain_jobs().await;
    let kinds_of = |items: Vec<Value>| {
        items
            .iter()
            .map(|n| n["kind"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(kinds_of(inbox(app, &follower).await).contains(&"question_answered".to_string()));
    assert!(kinds_of(inbox(app, &asker).await).contains(&"question_answered".to_string()));

    // After stopping, an extension does not reach the follower; following again, it does.
    let off = app
        .call(
            "DELETE",
            &format!("/api/v1/scenarios/{id}/follow"),
            Some(&follower),
            None,
        )
        .await;
    assert_eq!(
        (off.status, off.body["following"].clone()),
        (200, json!(false))
    );
    extend(app, &path, &agency, 3).await;
    let extensions = |items: Vec<Value>| {
        items
            .iter()
            .filter(|n| n["kind"] == "deadline_extended")
            .count()
    };
    assert_eq!(
        extensions(inbox(app, &follower).await),
        0,
        "stopped following"
    );
    assert_eq!(extensions(inbox(app, &asker).await), 0, "never followed");
    follow(follower.clone()).await;
    extend(app, &path, &agency, 3).await;
    assert_eq!(extensions(inbox(app, &follower).await), 1);

    // The page's button stops following; once bidding closes nobody starts.
    let (browser, csrf) = signed_in(app, "f@example.cn").await;
    let html = browser
        .get(app.url(&format!("/scenarios/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("取消关注"),
        "the follower sees the stop button"
    );
    let stop = browser
        .post(app.url(&format!("/scenarios/{id}/follow")))
        .form(&[("csrf", csrf.as_str()), ("follow", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(stop.status(), 303);
    app.clock.advance(Duration::days(40));
    app.drain_jobs().await;
    let late = follow(app.token("f@example.cn").await).await;
    assert_eq!(late.status, 409, "{:?}", late.body);
}

async fn followers_are_reminded_a_day_before_the_deadline_once(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (follower, _) = verified_vendor(app, "f@example.cn", "江城无人机服务").await;
    let (bidder, _) = verified_vendor(app, "b@example.cn", "旁观科技").await;
    let (_, path) = draft(app, &agency, 3).await;
    app.post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    for t in [&follower, &bidder] {
        let f = app
            .call("PUT", &format!("{path}/follow"), Some(t), None)
            .await;
        assert_eq!(f.status, 200);
    }
    app.post(&format!("{path}/bids"), Some(&bidder), bid(300_000))
        .await;
    let reminders = |items: Vec<Value>| {
        items
            .into_iter()
            .filter(|n| n["kind"] == "deadline_reminder")
            .collect::<Vec<_>>()
    };
    // Extended by a day: the first reminder's deadline is gone, so only the new one counts.
    extend(app, &path, &agency, 1).await;
    app.clock
        .advance(Duration::hours(48) + Duration::minutes(1));
    app.drain_jobs().await;
    let follower = app.token("f@example.cn").await;
    assert!(
        reminders(inbox(app, &follower).await).is_empty(),
        "not yet: the deadline moved a day later"
    );
    app.clock.advance(Duration::hours(24));
    app.drain_jobs().await;
    let follower = app.token("f@example.cn").await;
    let bidder = app.token("b@example.cn").await;
    let got = reminders(inbox(app, &follower).await);
    assert_eq!(got.len(), 1, "one reminder, for the deadline in force");
    assert_eq!(got[0]["title"], "「无人机智能巡检」明天截止投标");
    assert!(
        reminders(inbox(app, &bidder).await).is_empty(),
        "a follower who bid has nothing left to do"
    );
}

async fn the_owner_invites_a_vendor_who_is_told_and_sees_it_and_nobody_else_does(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (other_agency, _) = verified_agency(app, "other@example.cn", "别的局").await;
    let (invited, invited_org) = verified_vendor(app, "in@example.cn", "江城无人机服务").await;
    let (rival, _) = verified_vendor(app, "r@example.cn", "旁观科技").await;
    let unverified =
        app.register("u@example.cn", "vendor", "未认证企业").await["organization"]["id"]
            .as_i64()
            .unwrap();
    let (id, path) = draft(app, &agency, 30).await;
    let invite = |token: String, vendor: i64, message: &'static str| {
        let path = path.clone();
        async move {
            app.post(
                &format!("{path}/invitations"),
                Some(&token),
                json!({"vendor_id": vendor, "message": message}),
            )
            .await
        }
    };
    assert_eq!(
        invite(agency.clone(), invited_org, "欢迎投标").await.status,
        409,
        "a draft takes no invitations"
    );
    app.post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    assert_eq!(
        invite(other_agency.clone(), invited_org, "来投")
            .await
            .status,
        403
    );
    assert_eq!(invite(rival.clone(), invited_org, "来投").await.status, 403);
    let bad = invite(agency.clone(), unverified, " ").await;
    assert_eq!(bad.status, 422);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["message", "vendor_id"]);
    let ok = invite(
        agency.clone(),
        invited_org,
        "贵司的无人机巡检案例与本场景很契合，欢迎投标。",
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(
        invite(agency.clone(), invited_org, "再邀请一次")
            .await
            .status,
        409,
        "once per vendor"
    );
    // Two invitations of the same vendor at once: one is written, the other is the same
    // conflict, however the race falls.
    let (_, rival_org) = verified_vendor(app, "race@example.cn", "并发科技").await;
    let answers =
        futures_util::future::join_all((0..8).map(|_| invite(agency.clone(), rival_org, "同时")))
            .await;
    let written = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(written, 1, "{answers:?}");
    for a in answers.iter().filter(|a| a.status != 201) {
        assert_eq!(a.status, 409, "{:?}", a.body);
        assert_eq!(a.body["code"], "duplicate_invitation", "{:?}", a.body);
    }
    app.drain_jobs().await;

    // The invited vendor is told, lists it and sees it on the scenario.
    let news = inbox(app, &invited).await;
    let told = news
        .iter()
        .find(|n| n["kind"] == "invitation")
        .expect("the invited vendor is told");
    assert_eq!(
        told["title"],
        "青山区城管局 邀请贵方参与「无人机智能巡检」投标"
    );
    assert_eq!(
        told["body"],
        "贵司的无人机巡检案例与本场景很契合，欢迎投标。"
    );
    let mine = app.get("/api/v1/me/invitations", Some(&invited)).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["items"][0]["scenario"]["id"], id);
    assert_eq!(mine.body["items"][0]["scenario"]["status"], "published");
    let (browser, _) = signed_in(app, "in@example.cn").await;
    let html = browser
        .get(app.url(&format!("/scenarios/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("本场景的采购方邀请贵方投标"),
        "the page shows it"
    );

    // Nobody else learns who was invited.
    assert!(
        inbox(app, &rival)
            .await
            .iter()
            .all(|n| n["kind"] != "invitation")
    );
    let rivals_view = app.get(&format!("{path}/invitations"), Some(&rival)).await;
    assert_eq!(rivals_view.body["items"], json!([]));
    assert!(
        app.get("/api/v1/me/invitations", Some(&rival)).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (rival_browser, _) = signed_in(app, "r@example.cn").await;
    let rival_html = rival_browser
        .get(app.url(&format!("/scenarios/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!rival_html.contains("邀请贵方投标") && !rival_html.contains("契合"));
    let owners_view = app.get(&format!("{path}/invitations"), Some(&agency)).await;
    assert_eq!(owners_view.body["items"][0]["vendor_id"], invited_org);
    assert_eq!(
        app.get("/api/v1/me/invitations", Some(&agency))
            .await
            .status,
        403
    );
}

async fn a_published_scenario_reaches_exactly_the_vendors_whose_interests_or_searches_fit(
    app: &TestApp,
) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (by_interest, _) = verified_vendor(app, "i@example.cn", "巡查科技").await;
    let (by_search, _) = verified_vendor(app, "s@example.cn", "江城无人机服务").await;
    let (other_search, _) = verified_vendor(app, "o@example.cn", "钢铁智造").await;
    let (other_domain, _) = verified_vendor(app, "d@example.cn", "工业视觉").await;
    let (nothing, _) = verified_vendor(app, "n@example.cn", "未订阅企业").await;
    // Interests: through the thesaurus (巡查 = 巡检), with email off.
    let put = |token: String, body: Value| async move {
        app.call("PUT", "/api/v1/me/interests", Some(&token), Some(body))
            .await
    };
    let bad = put(
        by_interest.clone(),
        json!({"domains": ["space"], "budget_min_fen": -1, "email": "weekly"}),
    )
    .await;
    assert_eq!(bad.status, 422);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["domains", "budget_min_fen", "email"]);
    assert_eq!(
        put(agency.clone(), json!({})).await.status,
        403,
        "vendors only"
    );
    let saved = put(
        by_interest.clone(),
        json!({"domains": ["city_governance"], "keywords": ["巡查"], "email": "off"}),
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(
        app.get("/api/v1/me/interests", Some(&by_interest))
            .await
            .body["keywords"],
        json!(["巡查"])
    );
    put(
        other_domain.clone(),
        json!({"domains": ["ai_industry"], "tags": ["无人机"]}),
    )
    .await;
    // Saved searches.
    let save = |token: String, body: Value| async move {
        app.post("/api/v1/me/saved-searches", Some(&token), body)
            .await
    };
    assert_eq!(
        save(by_search.clone(), json!({"q": "  "})).await.status,
        422
    );
    let kept = save(by_search.clone(), json!({"q": "无人机 巡检"})).await;
    assert_eq!(kept.status, 201, "{:?}", kept.body);
    save(other_search.clone(), json!({"q": "钢铁"})).await;
    let mine = app.get("/api/v1/me/saved-searches", Some(&by_search)).await;
    assert_eq!(
        (
            mine.body["total"].clone(),
            mine.body["items"][0]["q"].clone()
        ),
        (json!(1), json!("无人机 巡检"))
    );

    let (_, path) = draft(app, &agency, 30).await;
    app.post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    app.drain_jobs().await;
    let matched = |items: Vec<Value>| {
        items
            .iter()
            .filter(|n| n["kind"] == "scenario_match")
            .count()
    };
    assert_eq!(
        matched(inbox(app, &by_interest).await),
        1,
        "interests, email off"
    );
    assert_eq!(matched(inbox(app, &by_search).await), 1, "the saved search");
    assert_eq!(matched(inbox(app, &other_search).await), 0);
    assert_eq!(
        matched(inbox(app, &other_domain).await),
        0,
        "another domain"
    );
    assert_eq!(matched(inbox(app, &nothing).await), 0);
    let news = inbox(app, &by_search).await;
    assert_eq!(news[0]["title"], "新场景：无人机智能巡检");

    // A search deleted no longer notifies; someone else's cannot be deleted.
    let sid = kept.body["id"].as_i64().unwrap();
    let path_of = format!("/api/v1/me/saved-searches/{sid}");
    assert_eq!(
        app.call("DELETE", &path_of, Some(&other_search), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.call("DELETE", &path_of, Some(&by_search), None)
            .await
            .status,
        204
    );
    let (_, again) = draft(app, &agency, 30).await;
    app.post(&format!("{again}/publish"), Some(&agency), json!({}))
        .await;
    app.drain_jobs().await;
    assert_eq!(matched(inbox(app, &by_search).await), 1, "no second match");
    assert_eq!(
        matched(inbox(app, &by_interest).await),
        2,
        "the interests still fit"
    );
}

async fn a_vendor_saves_the_search_it_sees_from_the_search_page(app: &TestApp) {
    verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (vendor, _) = verified_vendor(app, "v@example.cn", "江城无人机服务").await;
    let (browser, csrf) = signed_in(app, "v@example.cn").await;
    let html = browser
        .get(app.url("/search?q=巡检&domain=city_governance"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("保存此搜索"), "a vendor may save the search");
    let query = html
        .split("name=\"query\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let saved = browser
        .post(app.url("/search/save"))
        .form(&[("csrf", csrf.as_str()), ("query", query.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let back = saved.headers()["location"].to_str().unwrap().to_string();
    let page = browser.get(app.url(&back)).send().await.unwrap();
    assert_eq!(page.status(), 200, "{back}");
    let text = page.text().await.unwrap();
    assert!(
        text.contains("搜索已保存"),
        "{back}: {}",
        &text[..text.len().min(3000)]
    );
    let listed = app.get("/api/v1/me/saved-searches", Some(&vendor)).await;
    assert_eq!(listed.body["items"][0]["q"], "巡检");
    assert_eq!(
        listed.body["items"][0]["domains"],
        json!(["city_governance"])
    );
    let (agency_browser, _) = signed_in(app, "owner@example.cn").await;
    let theirs = agency_browser
        .get(app.url("/search?q=巡检"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!theirs.contains("保存此搜索"), "agencies do not subscribe");
}

/// Sets a vendor's profile: capability tags and description.
async fn profile(app: &TestApp, token: &str, org: i64, caps: &[&str], description: &str) {
    let a = app
        .call(
            "PATCH",
            &format!("/api/v1/organizations/{org}"),
            Some(token),
            Some(json!({"capabilities": caps, "description": description})),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

async fn the_owner_sees_every_verified_vendor_ranked_with_reasons_and_nobody_else_does(
    app: &TestApp,
) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (other_agency, _) = verified_agency(app, "other@example.cn", "别的局").await;
    let (drone, drone_org) = verified_vendor(app, "drone@example.cn", "江城无人机服务").await;
    profile(
        app,
        &drone,
        drone_org,
        &["无人机", "巡检"],
        "无人机河道和街道巡检，违建识别。",
    )
    .await;
    // The same profile, and an OPC member: equal scores, so it comes first.
    let (twin, twin_org) = verified_vendor(app, "twin@example.cn", "一人无人机").await;
    profile(
        app,
        &twin,
        twin_org,
        &["无人机", "巡检"],
        "无人机河道和街道巡检，违建识别。",
    )
    .await;
    let admin = app.admin_token().await;
    let opc = app
        .post(
            &format!("/api/v1/admin/organizations/{twin_org}/verify"),
            Some(&admin),
            json!({"verified": true, "opc_member": true}),
        )
        .await;
    assert_eq!(opc.status, 200, "{:?}", opc.body);
    let (law, law_org) = verified_vendor(app, "law@example.cn", "律智科技").await;
    profile(app, &law, law_org, &["法律问答"], "法律大模型。").await;
    let hidden = app.register("u@example.cn", "vendor", "未认证无人机").await;
    let hidden_org = hidden["organization"]["id"].as_i64().unwrap();
    let (id, path) = draft(app, &agency, 30).await;
    assert_eq!(
        app.post(&format!("{path}/publish"), Some(&agency), json!({}))
            .await
            .status,
        200
    );
    let url = format!("{path}/recommended-vendors");
    let a = app.get(&url, Some(&agency)).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(
        a.body["total"], 3,
        "every verified vendor, and only those: {:?}",
        a.body
    );
    let items = a.body["items"].as_array().unwrap();
    let ids: Vec<i64> = items
        .iter()
        .map(|i| i["vendor"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [twin_org, drone_org, law_org], "{items:?}");
    assert!(!ids.contains(&hidden_org));
    assert_eq!(items[0]["score"], items[1]["score"], "equal matches");
    assert_eq!(items[0]["vendor"]["opc_member"], true);
    assert!(items[1]["score"].as_f64().unwrap() > items[2]["score"].as_f64().unwrap() + 3.0);
    let kinds: Vec<&str> = items[1]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"capability"), "{:?}", items[1]);
    assert!(
        items[1]["reasons"][0]["text"]
            .as_str()
            .unwrap()
            .contains("无人机")
    );
    assert!(
        items[1]["reasons"][0]["text_en"]
            .as_str()
            .unwrap()
            .starts_with("Capabilities")
    );
    // Paged like every list.
    let one = app
        .get(&format!("{url}?per_page=1&page=2"), Some(&agency))
        .await;
    assert_eq!(one.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(one.body["items"][0]["vendor"]["id"], drone_org);
    // Nobody but the owner: another agency and a vendor are refused, a stranger signs in.
    assert_eq!(app.get(&url, Some(&other_agency)).await.status, 403);
    assert_eq!(app.get(&url, Some(&drone)).await.status, 403);
    assert_eq!(app.get(&url, None).await.status, 401);
    let (draft_id, draft_path) = draft(app, &agency, 30).await;
    assert_eq!(
        app.get(
            &format!("{draft_path}/recommended-vendors"),
            Some(&other_agency)
        )
        .await
        .status,
        404,
        "someone else's draft does not exist for them"
    );
    assert!(draft_id > id);
    // The page: the list with the invite forms; inviting notifies the vendor.
    let (browser, csrf) = signed_in(app, "owner@example.cn").await;
    let page = browser
        .get(app.url(&format!("/scenarios/{id}/recommended")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("一人无人机") && html.contains("能力标签相符"),
        "{html}"
    );
    // The owner's scenario page shows the best fits (none that fits nothing); nobody else's.
    let own = browser
        .get(app.url(&format!("/scenarios/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        own.contains("id=\"recommended\"") && own.contains("一人无人机"),
        "{own}"
    );
    assert!(
        !own.contains("律智科技"),
        "a vendor that fits nothing is not recommended there"
    );
    let (vendor_browser, _) = signed_in(app, "law@example.cn").await;
    let theirs = vendor_browser
        .get(app.url(&format!("/scenarios/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!theirs.contains("id=\"recommended\""));
    let empty = browser
        .post(app.url(&format!("/scenarios/{id}/invite")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("vendor_id", &drone_org.to_string()),
            ("message", " "),
            ("page", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await.unwrap().contains("请写一句邀请的话"));
    let sent = browser
        .post(app.url(&format!("/scenarios/{id}/invite")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("vendor_id", &drone_org.to_string()),
            ("message", "欢迎参与投标"),
            ("page", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303);
    app.drain_jobs().await;
    let told = app
        .get("/api/v1/notifications?kind=invitation", Some(&drone))
        .await;
    assert_eq!(told.body["total"], 1, "{:?}", told.body);
    let after = browser
        .get(app.url(&format!("/scenarios/{id}/recommended")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(after.contains("已邀请"));
}

/// The next chunk of an event stream, within `secs` seconds (`None`: it ended).
async fn next_chunk(r: &mut reqwest::Response, secs: u64) -> Option<String> {
    tokio::time::timeout(std::time::Duration::from_secs(secs), r.chunk())
        .await
        .expect("the stream said nothing in time")
        .unwrap()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

async fn the_live_count_follows_its_session_and_a_user_has_a_few_streams(app: &TestApp) {
    let admin = app.admin_token().await;
    let org = app.register("live@example.cn", "vendor", "实时公司").await["organization"]["id"]
        .as_i64()
        .unwrap();
    let (browser, csrf) = signed_in(app, "live@example.cn").await;
    let open = || async {
        browser
            .get(app.url("/notifications/stream"))
            .send()
            .await
            .unwrap()
    };
    let mut first = open().await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "text/event-stream");
    assert_eq!(
        next_chunk(&mut first, 10).await.as_deref(),
        Some("event: unread\ndata: 0\n\n")
    );
    // A notification arrives: the count follows.
    verify(app, &admin, org, true).await;
    app.drain_jobs().await;
    assert_eq!(
        next_chunk(&mut first, 10).await.as_deref(),
        Some("event: unread\ndata: 1\n\n")
    );
    // A few streams per user, and no more.
    let mut others = vec![];
    for _ in 1..4 {
        let r = open().await;
        assert_eq!(r.status(), 200);
        others.push(r);
    }
    let refused = open().await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // Another user is not held back by them.
    verified_vendor(app, "other@example.cn", "其他公司").await;
    let (other, _) = signed_in(app, "other@example.cn").await;
    let mut theirs = other
        .get(app.url("/notifications/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 200);
    assert!(
        next_chunk(&mut theirs, 10)
            .await
            .unwrap()
            .starts_with("event: unread")
    );
    // Signing out ends every stream of the session, at once.
    let out = browser
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(
        next_chunk(&mut first, 10).await,
        None,
        "the stream outlived its session"
    );
    for r in &mut others {
        // Each told its count (1) at most once, then ended.
        let mut told = 0;
        while let Some(c) = next_chunk(r, 10).await {
            assert_eq!(c, "event: unread\ndata: 1\n\n");
            told += 1;
            assert!(told <= 1, "a stream went on after its session ended");
        }
    }
    // The other user's streams go on.
    let again = other
        .get(app.url("/notifications/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    // A signed-out browser gets no stream.
    assert_eq!(open().await.status(), 401);
}

on_both! {
    the_live_count_follows_its_session_and_a_user_has_a_few_streams => super::the_live_count_follows_its_session_and_a_user_has_a_few_streams;
    every_event_notifies_exactly_its_recipients_in_their_language => super::every_event_notifies_exactly_its_recipients_in_their_language;
    the_inbox_filters_marks_read_and_the_header_counts => super::the_inbox_filters_marks_read_and_the_header_counts;
    followers_hear_of_answers_and_extensions_until_they_stop => super::followers_hear_of_answers_and_extensions_until_they_stop;
    followers_are_reminded_a_day_before_the_deadline_once => super::followers_are_reminded_a_day_before_the_deadline_once;
    the_owner_invites_a_vendor_who_is_told_and_sees_it_and_nobody_else_does => super::the_owner_invites_a_vendor_who_is_told_and_sees_it_and_nobody_else_does;
    a_published_scenario_reaches_exactly_the_vendors_whose_interests_or_searches_fit => super::a_published_scenario_reaches_exactly_the_vendors_whose_interests_or_searches_fit;
    a_vendor_saves_the_search_it_sees_from_the_search_page => super::a_vendor_saves_the_search_it_sees_from_the_search_page;
    the_owner_sees_every_verified_vendor_ranked_with_reasons_and_nobody_else_does => super::the_owner_sees_every_verified_vendor_ranked_with_reasons_and_nobody_else_does;
}
