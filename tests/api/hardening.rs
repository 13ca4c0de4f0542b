//! The hardening review's findings, one story each (on both databases where storage is
//! involved): sealing, award and evaluation rules, races on PostgreSQL, sessions, and the edges
//! of input and output. Each story failed on the code before the fix.

use chrono::Duration;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tests::{PASSWORD, TestApp, on_both, signed_in};

use tests::fixtures::{
    at_once, bid, contract_signed, evaluator, open_scenario, pdf, posting, sheet, upload,
    verified_agency, verified_vendor,
};

/// Signs in again (access tokens last 15 minutes; stories move the clock by days).
async fn fresh(app: &TestApp, email: &str) -> String {
    app.token(email).await
}

/// Evaluators `ev0@example.cn` … with expertise in city governance, and their ids.
async fn evaluators(app: &TestApp, n: usize) -> Vec<i64> {
    let admin = app.admin_token().await;
    let mut evs = Vec::new();
    for i in 0..n {
        let (email, name) = (format!("ev{i}@example.cn"), format!("专家{i}"));
        evs.push(evaluator(app, &admin, &email, &name).await);
    }
    evs
}

/// A published scenario of `owner` (deadline in 30 days).
async fn publish(app: &TestApp, owner: &str) -> i64 {
    let sid = app
        .post("/api/v1/scenarios", Some(owner), posting(app, 30))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let p = app
        .post(
            &format!("/api/v1/scenarios/{sid}/publish"),
            Some(owner),
            json!({}),
        )
        .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    sid
}

async fn submit(app: &TestApp, token: &str, sid: i64, price_yuan: i64) -> i64 {
    let b = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(token),
            bid(price_yuan),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    b.body["bid"]["id"].as_i64().unwrap()
}

async fn set_panel(app: &TestApp, owner: &str, sid: i64, evs: &[i64]) {
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/scenarios/{sid}/panel"),
            Some(owner),
            Some(json!({"evaluator_ids": evs})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn criteria(app: &TestApp, sid: i64) -> Vec<i64> {
    app.get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

async fn declare_none(app: &TestApp, token: &str, sid: i64) {
    let d = app
        .post(
            &format!("/api/v1/scenarios/{sid}/conflict-declaration"),
            Some(token),
            json!({"has_conflict": false, "note": ""}),
        )
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);
}

async fn score(app: &TestApp, token: &str, bid: i64, crit: &[i64], marks: &[i64]) -> u16 {
    app.call(
        "PUT",
        &format!("/api/v1/bids/{bid}/scores"),
        Some(token),
        Some(sheet(crit, marks)),
    )
    .await
    .status
}

/// A scenario past its deadline with three bids, a panel of three who declared no conflict
/// and scored every bid: ready for the award. Returns (owner email, scenario, bids, evaluator
/// emails, vendor emails).
struct Ready {
    sid: i64,
    bids: Vec<i64>,
    vendor_orgs: Vec<i64>,
}

async fn ready_for_award(app: &TestApp) -> Ready {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let sid = publish(app, &owner).await;
    let evs = evaluators(app, 3).await;
    set_panel(app, &owner, sid, &evs).await;
    let (mut bids, mut vendor_orgs) = (Vec::new(), Vec::new());
    for (i, price) in [300_000i64, 400_000, 250_000].iter().enumerate() {
        let (t, org) = verified_vendor(app, &format!("v{i}@example.cn"), &format!("企业{i}")).await;
        bids.push(submit(app, &t, sid, *price).await);
        vendor_orgs.push(org);
    }
    app.clock.advance(Duration::days(31));
    let crit = criteria(app, sid).await;
    for i in 0..3 {
        let e = fresh(app, &format!("ev{i}@example.cn")).await;
        declare_none(app, &e, sid).await;
        for b in &bids {
            assert_eq!(score(app, &e, *b, &crit, &[70 + i, 80]).await, 200);
        }
    }
    // 250,000 is abnormally low against 300,000 and 400,000: the owner records the vendor's
    // explanation, as an award of it needs.
    let owner = fresh(app, "owner@example.cn").await;
    let explained = app
        .post(
            &format!("/api/v1/bids/{}/low-price-explanation", bids[2]),
            Some(&owner),
            json!({"note": "投标人提供了成本测算。"}),
        )
        .await;
    assert_eq!(explained.status, 201, "{:?}", explained.body);
    Ready {
        sid,
        bids,
        vendor_orgs,
    }
}

fn count(statuses: &[u16], s: u16) -> usize {
    statuses.iter().filter(|x| **x == s).count()
}

// ---------------------------------------------------------------- 1. evaluators before opening

async fn an_evaluator_sees_nothing_that_depends_on_bids_before_opening(app: &TestApp) {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let sid = publish(app, &owner).await;
    let evs = evaluators(app, 4).await;
    set_panel(app, &owner, sid, &evs[..3]).await;
    let (c, _) = signed_in(app, "ev0@example.cn").await;
    let page = |c: reqwest::Client| async move {
        let r = c.get(app.url("/evaluate")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.text().await.unwrap()
    };
    let before = page(c.clone()).await;
    assert!(
        before.contains("无人机智能巡检"),
        "the member sees the panel"
    );
    assert!(
        !before.contains("评分进度"),
        "no progress figure before opening"
    );
    // Bids arrive and one is withdrawn: the evaluator's page does not move.
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    submit(app, &v, sid, 300_000).await;
    let (w, _) = verified_vendor(app, "w@example.cn", "W").await;
    let wb = submit(app, &w, sid, 310_000).await;
    let withdrawn = app
        .post(&format!("/api/v1/bids/{wb}/withdraw"), Some(&w), json!({}))
        .await;
    assert_eq!(withdrawn.status, 200);
    assert_eq!(
        page(c.clone()).await,
        before,
        "the page does not depend on the bids"
    );
    // A member taken off the panel sees nothing of it any more.
    set_panel(app, &owner, sid, &[evs[1], evs[2], evs[3]]).await;
    let after = page(c.clone()).await;
    assert!(
        !after.contains("无人机智能巡检"),
        "a removed member no longer sees the scenario"
    );
    let e0 = fresh(app, "ev0@example.cn").await;
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/panel"), Some(&e0))
            .await
            .status,
        404
    );
    // After opening the remaining members see their progress.
    app.clock.advance(Duration::days(31));
    let (c1, _) = signed_in(app, "ev1@example.cn").await;
    let opened = page(c1).await;
    assert!(opened.contains("评分进度"), "progress once opened");
}

// ------------------------------------------------- 2. the same answer for sealed and missing bids

/// Recursively drops keys that differ between two otherwise identical scenarios (ids).
fn normalized(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !(k.as_str() == "id" || k.ends_with("_id")))
                .map(|(k, v)| (k.clone(), normalized(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalized).collect()),
        other => other.clone(),
    }
}

async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut rb = app.api.request(m, app.url(path));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn multipart(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(pdf("probe"))
        .file_name("探测.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let mut rb = app
        .api
        .post(app.url(path))
        .multipart(reqwest::multipart::Form::new().part("file", part));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Every route that takes a bid id, answered for `real` and for an invented id.
async fn bid_routes_alike(
    app: &TestApp,
    who: &str,
    token: Option<&str>,
    real: i64,
    sha: &str,
    sid: i64,
) {
    let fake = real + 7_777_777;
    let crit = criteria(app, sid).await;
    for (method, tail, body) in [
        ("GET", String::new(), None),
        ("PUT", String::new(), Some(bid(123_000))),
        ("POST", "/withdraw".to_string(), Some(json!({}))),
        ("GET", format!("/attachments/{sha}"), None),
        ("DELETE", format!("/attachments/{sha}"), None),
        ("PUT", "/scores".to_string(), Some(sheet(&crit, &[70, 70]))),
    ] {
        let a = raw(
            app,
            method,
            &format!("/api/v1/bids/{real}{tail}"),
            token,
            body.clone(),
        )
        .await;
        let b = raw(
            app,
            method,
            &format!("/api/v1/bids/{fake}{tail}"),
            token,
            body,
        )
        .await;
        assert_eq!(a, b, "{who}: {method} /api/v1/bids/{{id}}{tail}");
        assert!(
            matches!(a.0, 401 | 404),
            "{who}: {method} {tail} answered {}",
            a.0
        );
    }
    let before = app.stored_files().len();
    let a = multipart(app, &format!("/api/v1/bids/{real}/attachments"), token).await;
    let b = multipart(app, &format!("/api/v1/bids/{fake}/attachments"), token).await;
    assert_eq!(a, b, "{who}: POST attachments");
    assert_eq!(
        app.stored_files().len(),
        before,
        "{who}: nothing stored by a refused upload"
    );
}

/// Pages that take a bid id, for a signed-in browser.
async fn bid_pages_alike(app: &TestApp, who: &str, c: &reqwest::Client, real: i64, sid: i64) {
    let fake = real + 7_777_777;
    for path in ["/bids/{}", &format!("/evaluate/{sid}/bids/{{}}")] {
        let get = |id: i64| {
            let url = app.url(&path.replace("{}", &id.to_string()));
            let c = c.clone();
            async move {
                let r = c.get(url).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (a, b) = (get(real).await, get(fake).await);
        assert_eq!(a.0, b.0, "{who}: page {path}");
        // The page names its own address (the language switch); nothing else may differ.
        assert_eq!(
            a.1.replace(&real.to_string(), "ID"),
            b.1.replace(&fake.to_string(), "ID"),
            "{who}: page {path} body"
        );
    }
}

/// Every route that takes a scenario id, answered for a scenario with a sealed bid and for its
/// twin without bids.
async fn scenario_routes_alike(
    app: &TestApp,
    who: &str,
    token: Option<&str>,
    with: i64,
    without: i64,
) {
    for tail in [
        "",
        "/questions",
        "/bids",
        "/panel",
        "/bidders",
        "/my-scores",
        "/ranking",
        "/ranking.csv",
        "/ranking.xlsx",
        "/award-notice",
        "/my-result",
    ] {
        let a = raw(
            app,
            "GET",
            &format!("/api/v1/scenarios/{with}{tail}"),
            token,
            None,
        )
        .await;
        let b = raw(
            app,
            "GET",
            &format!("/api/v1/scenarios/{without}{tail}"),
            token,
            None,
        )
        .await;
        assert_eq!(a.0, b.0, "{who}: GET /api/v1/scenarios/{{id}}{tail}");
        if let (Ok(x), Ok(y)) = (
            serde_json::from_str::<Value>(&a.1),
            serde_json::from_str::<Value>(&b.1),
        ) {
            assert_eq!(normalized(&x), normalized(&y), "{who}: GET …{tail} body");
        }
    }
}

async fn scenario_pages_alike(
    app: &TestApp,
    who: &str,
    c: &reqwest::Client,
    with: i64,
    without: i64,
) {
    for tail in ["", "/bids", "/panel", "/ranking"] {
        let get = |id: i64| {
            let (url, c) = (app.url(&format!("/scenarios/{id}{tail}")), c.clone());
            async move {
                let r = c.get(url).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (a, b) = (get(with).await, get(without).await);
        assert_eq!(a.0, b.0, "{who}: page /scenarios/{{id}}{tail}");
        assert_eq!(
            a.1.replace(&with.to_string(), "ID"),
            b.1.replace(&without.to_string(), "ID"),
            "{who}: page /scenarios/{{id}}{tail} body"
        );
    }
    let get = |id: i64| {
        let (url, c) = (app.url(&format!("/evaluate/{id}")), c.clone());
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        get(with).await,
        get(without).await,
        "{who}: page /evaluate/{{id}}"
    );
}

async fn every_route_answers_a_sealed_bid_exactly_like_a_missing_one(app: &TestApp) {
    let admin = app.admin_token().await;
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    // Another agency, a caller below (by its e-mail).
    verified_agency(app, "other@example.cn", "别的局").await;
    // Twins: created at the same instant from the same posting, with the same panel.
    let with = publish(app, &owner).await;
    let without = publish(app, &owner).await;
    let e_panel = evaluator(app, &admin, "panel@example.cn", "评审甲").await;
    let e2 = evaluator(app, &admin, "panel2@example.cn", "评审乙").await;
    let e3 = evaluator(app, &admin, "panel3@example.cn", "评审丙").await;
    evaluator(app, &admin, "stranger@example.cn", "局外专家").await;
    for s in [with, without] {
        set_panel(app, &owner, s, &[e_panel, e2, e3]).await;
    }
    let (a, _) = verified_vendor(app, "a@example.cn", "甲企业").await;
    let real = submit(app, &a, with, 300_000).await;
    let up = upload(app, &a, real, "方案.pdf", pdf("sealed")).await;
    assert_eq!(up.status, 201);
    let sha = up.body["bid"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let (withdrawing, _) = verified_vendor(app, "c@example.cn", "丙企业").await;
    let withdrawn = submit(app, &withdrawing, with, 320_000).await;
    let wup = upload(app, &withdrawing, withdrawn, "撤回.pdf", pdf("withdrawn")).await;
    let wsha = wup.body["bid"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/bids/{withdrawn}/withdraw"),
        Some(&withdrawing),
        json!({}),
    )
    .await;
    verified_vendor(app, "b@example.cn", "乙企业").await;
    app.register("unverified@example.cn", "vendor", "未认证")
        .await;
    let callers = [
        "b@example.cn",
        "unverified@example.cn",
        "owner@example.cn",
        "other@example.cn",
        "panel@example.cn",
        "stranger@example.cn",
        "root@test.cn",
    ];
    // Before the deadline: nobody but the bidder can tell the bid exists.
    for who in callers {
        let t = fresh(app, who).await;
        bid_routes_alike(app, who, Some(&t), real, &sha, with).await;
        scenario_routes_alike(app, who, Some(&t), with, without).await;
        let (c, _) = signed_in(app, who).await;
        bid_pages_alike(app, who, &c, real, with).await;
        scenario_pages_alike(app, who, &c, with, without).await;
    }
    bid_routes_alike(app, "anonymous", None, real, &sha, with).await;
    scenario_routes_alike(app, "anonymous", None, with, without).await;
    // After opening: the same for everyone who still may not read it (the panel member has
    // not declared yet), and a withdrawn bid is the vendor's alone, for the owner too.
    app.clock.advance(Duration::days(31));
    for who in [
        "b@example.cn",
        "other@example.cn",
        "panel@example.cn",
        "stranger@example.cn",
        "root@test.cn",
    ] {
        let t = fresh(app, who).await;
        bid_routes_alike(app, who, Some(&t), real, &sha, with).await;
        let (c, _) = signed_in(app, who).await;
        bid_pages_alike(app, who, &c, real, with).await;
    }
    bid_routes_alike(app, "anonymous", None, real, &sha, with).await;
    for who in ["owner@example.cn", "b@example.cn", "root@test.cn"] {
        let t = fresh(app, who).await;
        bid_routes_alike(app, who, Some(&t), withdrawn, &wsha, with).await;
        let (c, _) = signed_in(app, who).await;
        bid_pages_alike(app, who, &c, withdrawn, with).await;
    }
    // And the bidder still reads its own.
    let a = fresh(app, "a@example.cn").await;
    assert_eq!(
        app.get(&format!("/api/v1/bids/{real}"), Some(&a))
            .await
            .status,
        200
    );
}

/// Every route that takes a consortium id, answered for `real` and for an invented id.
async fn consortium_routes_alike(app: &TestApp, who: &str, token: Option<&str>, real: i64) {
    let fake = real + 7_777_777;
    for (method, tail, body) in [
        ("GET", "", None),
        (
            "POST",
            "/invitations",
            Some(json!({"vendor_id": 1, "message": ""})),
        ),
        ("POST", "/accept", Some(json!({}))),
        ("POST", "/decline", Some(json!({}))),
        ("PUT", "/agreement", Some(json!({"shares": []}))),
        ("POST", "/agreement/confirm", Some(json!({}))),
    ] {
        let path = |id: i64| format!("/api/v1/consortia/{id}{tail}");
        let a = raw(app, method, &path(real), token, body.clone()).await;
        let b = raw(app, method, &path(fake), token, body).await;
        assert_eq!(a, b, "{who}: {method} /api/v1/consortia/{{id}}{tail}");
        assert!(matches!(a.0, 401 | 404), "{who}: {method} {tail}: {}", a.0);
    }
}

/// The consortium's page, for a signed-in browser.
async fn consortium_page_alike(app: &TestApp, who: &str, c: &reqwest::Client, real: i64) {
    let fake = real + 7_777_777;
    let get = |id: i64| {
        let (url, c) = (app.url(&format!("/consortia/{id}")), c.clone());
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (a, b) = (get(real).await, get(fake).await);
    assert_eq!(a.0, b.0, "{who}: page /consortia/{{id}}");
    assert_eq!(
        a.1.replace(&real.to_string(), "ID"),
        b.1.replace(&fake.to_string(), "ID"),
        "{who}: page /consortia/{{id}} body"
    );
    let mine = tests::page_text(c, app.url("/consortia")).await;
    assert!(!mine.contains("巡检联合体"), "{who}: /consortia");
}

/// The sealing rule for a consortium and its bid: before the deadline nobody outside the
/// consortium can tell that it formed, invited or bid, by any route, page or list; a vendor
/// that declined its invitation reads that invitation and nothing of how the team went on.
/// After opening, those who may read bids read its bid; the consortium stays its members'.
async fn every_route_answers_a_consortium_and_its_bid_like_missing_ones(app: &TestApp) {
    let admin = app.admin_token().await;
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    verified_agency(app, "other@example.cn", "别的局").await;
    let with = publish(app, &owner).await;
    let without = publish(app, &owner).await;
    let mut panel = vec![];
    for (e, n) in [
        ("panel@example.cn", "评审甲"),
        ("panel2@example.cn", "评审乙"),
        ("panel3@example.cn", "评审丙"),
    ] {
        panel.push(evaluator(app, &admin, e, n).await);
    }
    evaluator(app, &admin, "stranger@example.cn", "局外专家").await;
    for s in [with, without] {
        set_panel(app, &owner, s, &panel).await;
    }
    let (lead, lead_org) = verified_vendor(app, "lead@example.cn", "青灵视觉").await;
    let members = vec![verified_vendor(app, "hw@example.cn", "翼飞无人机").await];
    let (no, no_org) = verified_vendor(app, "no@example.cn", "婉拒科技").await;
    let kid = tests::fixtures::agreed_consortium(
        app,
        with,
        (&lead, lead_org),
        &members,
        Some((&no, no_org)),
        &[60, 40],
    )
    .await;
    let b = app
        .post(
            &format!("/api/v1/scenarios/{with}/bids"),
            Some(&lead),
            json!({"price_fen": 30_000_000, "delivery_days": 60, "technical_proposal": "联合方案",
                "team": "两家", "consortium_id": kid}),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    let real = b.body["bid"]["id"].as_i64().unwrap();
    let up = upload(app, &lead, real, "联合方案.pdf", pdf("consortium")).await;
    assert_eq!(up.status, 201);
    let sha = up.body["bid"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    verified_vendor(app, "b@example.cn", "乙企业").await;
    // The member reads the bid; the vendor that declined reads its invitation alone.
    assert_eq!(
        app.get(&format!("/api/v1/bids/{real}"), Some(&members[0].0))
            .await
            .status,
        200
    );
    let seen = app
        .get(&format!("/api/v1/consortia/{kid}"), Some(&no))
        .await
        .body;
    let names: Vec<&str> = seen["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["vendor"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["青灵视觉", "婉拒科技"], "{seen}");
    assert_eq!(
        seen["status"], "forming",
        "nor that it agreed and bid: {seen}"
    );
    let callers = [
        "no@example.cn",
        "b@example.cn",
        "owner@example.cn",
        "other@example.cn",
        "panel@example.cn",
        "stranger@example.cn",
        "root@test.cn",
    ];
    // Before the deadline.
    for who in callers {
        let t = fresh(app, who).await;
        bid_routes_alike(app, who, Some(&t), real, &sha, with).await;
        scenario_routes_alike(app, who, Some(&t), with, without).await;
        let (c, _) = signed_in(app, who).await;
        bid_pages_alike(app, who, &c, real, with).await;
        scenario_pages_alike(app, who, &c, with, without).await;
        if who != "no@example.cn" {
            consortium_routes_alike(app, who, Some(&t), kid).await;
            consortium_page_alike(app, who, &c, kid).await;
        }
    }
    bid_routes_alike(app, "anonymous", None, real, &sha, with).await;
    scenario_routes_alike(app, "anonymous", None, with, without).await;
    consortium_routes_alike(app, "anonymous", None, kid).await;
    // After opening: the bid is read by those who may read bids (the owner), and by nobody
    // else yet; the consortium stays its members', the owner's view included.
    app.clock.advance(Duration::days(31));
    for who in callers.iter().filter(|w| **w != "owner@example.cn") {
        let t = fresh(app, who).await;
        bid_routes_alike(app, who, Some(&t), real, &sha, with).await;
        let (c, _) = signed_in(app, who).await;
        bid_pages_alike(app, who, &c, real, with).await;
    }
    for who in ["owner@example.cn", "b@example.cn", "root@test.cn"] {
        let t = fresh(app, who).await;
        consortium_routes_alike(app, who, Some(&t), kid).await;
    }
    let owner = fresh(app, "owner@example.cn").await;
    let opened = app.get(&format!("/api/v1/bids/{real}"), Some(&owner)).await;
    assert_eq!(opened.status, 200);
    assert_eq!(opened.body["consortium"]["members"][1]["share_pct"], 40);
}

// ------------------------------------------------------------------ 3. withdrawn bids stay sealed

async fn a_withdrawn_bid_is_never_opened(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let kept = submit(app, &v, sid, 300_000).await;
    let (w, _) = verified_vendor(app, "w@example.cn", "W").await;
    let gone = submit(app, &w, sid, 280_000).await;
    let up = upload(app, &w, gone, "方案.pdf", pdf("w")).await;
    let sha = up.body["bid"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.post(
            &format!("/api/v1/bids/{gone}/withdraw"),
            Some(&w),
            json!({})
        )
        .await
        .status,
        200
    );
    app.clock.advance(Duration::days(31));
    let owner = fresh(app, "owner@example.cn").await;
    assert!(!owner.is_empty());
    let list = app
        .get(&format!("/api/v1/scenarios/{sid}/bids"), Some(&owner))
        .await
        .body;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [kept], "the owner's list has only the valid bid");
    assert_eq!(list["total"], 1);
    assert!(
        !list.to_string().contains("280000"),
        "not even the price shows"
    );
    assert_eq!(
        app.get(&format!("/api/v1/bids/{gone}"), Some(&owner))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/bids/{gone}/attachments/{sha}"),
            Some(&owner)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}"), None)
            .await
            .body["bid_count"],
        1
    );
    let w = fresh(app, "w@example.cn").await;
    let own = app.get(&format!("/api/v1/bids/{gone}"), Some(&w)).await;
    assert_eq!(
        (own.status, own.body["status"].as_str()),
        (200, Some("withdrawn"))
    );
    assert_eq!(
        app.get(&format!("/api/v1/bids/{gone}/attachments/{sha}"), Some(&w))
            .await
            .status,
        200,
        "the vendor still has its own file"
    );
}

// ------------------------------------------------------------ 4. cancelling voids every bid

async fn cancelling_a_scenario_voids_its_bids_for_good(app: &TestApp) {
    let (owner, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let b = submit(app, &v, sid, 300_000).await;
    let c = app
        .post(
            &format!("/api/v1/scenarios/{sid}/cancel"),
            Some(&owner),
            json!({"reason": "需求调整"}),
        )
        .await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    // The old deadline passes and its job runs: nothing opens.
    app.clock.advance(Duration::days(31));
    app.drain_jobs().await;
    let s = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body;
    assert_eq!(
        (s["status"].as_str(), s["bid_count"].clone()),
        (Some("cancelled"), Value::Null)
    );
    let owner = fresh(app, "owner@example.cn").await;
    assert_eq!(
        app.get(&format!("/api/v1/bids/{b}"), Some(&owner))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/bids"), Some(&owner))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&owner))
            .await
            .status,
        409
    );
    // The bidder's page says the bid is void, offers no revision, but lets it be withdrawn.
    let (c, _) = signed_in(app, "v@example.cn").await;
    let page = c
        .get(app.url(&format!("/bids/{b}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("投标作废"), "the page says the bid is void");
    assert!(
        !page.contains(&format!("href=\"/bids/{b}/edit\"")),
        "no revision of a void bid"
    );
    assert!(page.contains(&format!("href=\"/bids/{b}/withdraw\"")));
    // The bidder reads its own bid and receipt, and may still withdraw it.
    let v = fresh(app, "v@example.cn").await;
    let own = app.get(&format!("/api/v1/bids/{b}"), Some(&v)).await;
    assert_eq!(own.status, 200);
    assert_eq!(own.body["receipts"].as_array().unwrap().len(), 1);
    let wd = app
        .post(&format!("/api/v1/bids/{b}/withdraw"), Some(&v), json!({}))
        .await;
    assert_eq!(wd.status, 200, "{:?}", wd.body);
    // A revision of a void bid is refused.
    let b2 = {
        let (owner2, _) = (fresh(app, "owner@example.cn").await, ());
        let sid2 = publish(app, &owner2).await;
        let v = fresh(app, "v@example.cn").await;
        let b2 = submit(app, &v, sid2, 300_000).await;
        app.post(
            &format!("/api/v1/scenarios/{sid2}/cancel"),
            Some(&owner2),
            json!({"reason": "撤销"}),
        )
        .await;
        b2
    };
    let v = fresh(app, "v@example.cn").await;
    assert_eq!(
        app.call(
            "PUT",
            &format!("/api/v1/bids/{b2}"),
            Some(&v),
            Some(bid(290_000))
        )
        .await
        .status,
        409
    );
}

// ------------------------------------------- 5. earlier versions and unguessable receipts

fn receipt_of(scenario: i64, vendor: i64, price_fen: i64, salt: Option<&str>) -> String {
    let b = bid(0);
    let mut v = json!({
        "scenario_id": scenario,
        "vendor_id": vendor,
        "price_fen": price_fen,
        "delivery_days": b["delivery_days"],
        "technical_proposal": b["technical_proposal"],
        "team": b["team"],
        "attachments": [],
    });
    if let Some(s) = salt {
        v["salt"] = json!(s);
    }
    hex(&Sha256::digest(v.to_string().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn earlier_versions_are_the_bidders_and_receipts_cannot_be_guessed(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, vendor) = verified_vendor(app, "v@example.cn", "V").await;
    let id = submit(app, &v, sid, 400_000).await;
    let r2 = app
        .call(
            "PUT",
            &format!("/api/v1/bids/{id}"),
            Some(&v),
            Some(bid(350_000)),
        )
        .await;
    assert_eq!(r2.status, 200);
    let mine = app.get(&format!("/api/v1/bids/{id}"), Some(&v)).await.body;
    let receipts = mine["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 2);
    // The bidder holds each salt and can recompute its receipts exactly.
    for (r, price) in receipts.iter().zip([40_000_000i64, 35_000_000]) {
        let salt = r["salt"].as_str().expect("the bidder sees the salt");
        assert_eq!(salt.len(), 32);
        assert_eq!(
            r["content_sha256"].as_str().unwrap(),
            receipt_of(sid, vendor, price, Some(salt))
        );
    }
    let first = receipts[0]["content_sha256"].as_str().unwrap().to_string();
    app.clock.advance(Duration::days(31));
    let owner = fresh(app, "owner@example.cn").await;
    let seen = app
        .get(&format!("/api/v1/bids/{id}"), Some(&owner))
        .await
        .body;
    let theirs = seen["receipts"].as_array().unwrap();
    assert_eq!(theirs.len(), 1, "the owner sees the final receipt only");
    assert_eq!(theirs[0]["version"], 2);
    assert!(theirs[0].get("salt").is_none(), "and never a salt");
    assert!(seen.get("versions").is_none());
    assert!(!seen.to_string().contains(&first), "no earlier receipt");
    // Trying candidate prices without the salt finds nothing (this recovered the old price).
    let hit = (300_000..=450_000)
        .step_by(1000)
        .any(|yuan| receipt_of(sid, vendor, yuan * 100, None) == theirs[0]["content_sha256"]);
    assert!(!hit, "the final receipt cannot be matched by guessing");
}

// --------------------------------------------------------------- 6. the panel draw's seed

async fn the_panel_seed_is_drawn_by_the_server_and_redraws_are_few_and_explained(app: &TestApp) {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let sid = publish(app, &owner).await;
    evaluators(app, 6).await;
    let draw = format!("/api/v1/scenarios/{sid}/panel/draw");
    let steer = app
        .post(&draw, Some(&owner), json!({"n": 3, "seed": "42"}))
        .await;
    assert_eq!(
        (steer.status, steer.body["errors"][0]["field"].as_str()),
        (422, Some("seed"))
    );
    let first = app.post(&draw, Some(&owner), json!({"n": 3})).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let d = &first.body["draws"][0];
    assert_eq!(d["pool"].as_array().unwrap().len(), 6);
    assert_eq!(d["drawn"].as_array().unwrap().len(), 3);
    let seed = d["seed"].as_str().unwrap().to_string();
    assert!(seed.parse::<u64>().is_ok());
    // The audit record holds the seed, the pool and the result.
    let records = audit_records(app).await;
    let rec = records
        .iter()
        .rev()
        .find(|r| r.action == "panel.set")
        .expect("an audit record of the draw");
    let after = rec.after.clone().unwrap().to_string();
    assert!(after.contains(&seed) && after.contains("pool"), "{after}");
    // A redraw needs a reason; two are allowed; then no more.
    let bare = app.post(&draw, Some(&owner), json!({"n": 3})).await;
    assert_eq!(
        (bare.status, bare.body["errors"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    for reason in ["专家甲临时出差", "专家乙请假"] {
        let r = app
            .post(&draw, Some(&owner), json!({"n": 3, "reason": reason}))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let last = app
        .post(&draw, Some(&owner), json!({"n": 3, "reason": "再来一次"}))
        .await;
    assert_eq!(
        (last.status, last.body["code"].as_str()),
        (409, Some("redraw_limit"))
    );
    let panel = app
        .get(&format!("/api/v1/scenarios/{sid}/panel"), Some(&owner))
        .await
        .body;
    assert_eq!(panel["draws"].as_array().unwrap().len(), 3);
    assert_eq!(panel["redraws_left"], 0);
    assert_eq!(panel["draws"][1]["reason"], "专家甲临时出差");
}

// ------------------------------------------------------ 7. no award on partial sheets

async fn an_award_waits_for_complete_sheets_from_a_full_panel(app: &TestApp) {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let sid = publish(app, &owner).await;
    let evs = evaluators(app, 3).await;
    set_panel(app, &owner, sid, &evs).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let b1 = submit(app, &v, sid, 300_000).await;
    let (w, _) = verified_vendor(app, "w@example.cn", "W").await;
    let b2 = submit(app, &w, sid, 310_000).await;
    app.clock.advance(Duration::days(31));
    let crit = criteria(app, sid).await;
    // One evaluator, one bid: what was awarded before.
    let e0 = fresh(app, "ev0@example.cn").await;
    declare_none(app, &e0, sid).await;
    assert_eq!(score(app, &e0, b1, &crit, &[80, 80]).await, 200);
    let owner = fresh(app, "owner@example.cn").await;
    let award = format!("/api/v1/scenarios/{sid}/award");
    let early = app.post(&award, Some(&owner), json!({"bid_id": b1})).await;
    assert_eq!(
        (early.status, early.body["code"].as_str()),
        (409, Some("evaluation_incomplete")),
        "{:?}",
        early.body
    );
    let ranking = app
        .get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&owner))
        .await
        .body;
    let kinds: Vec<&str> = ranking["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"panel_too_small") && kinds.contains(&"incomplete_sheet"),
        "{kinds:?}"
    );
    let (c, _) = signed_in(app, "owner@example.cn").await;
    let page = c
        .get(app.url(&format!("/scenarios/{sid}/ranking")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("定标前还需完成") && page.contains("专家0"),
        "the ranking page says what is missing"
    );
    assert!(
        !page.contains(&format!("action=\"/scenarios/{sid}/award\"")),
        "no award form yet"
    );
    // Everyone declares and scores everything: now it may be awarded.
    assert_eq!(score(app, &e0, b2, &crit, &[70, 70]).await, 200);
    for i in 1..3 {
        let e = fresh(app, &format!("ev{i}@example.cn")).await;
        declare_none(app, &e, sid).await;
        for b in [b1, b2] {
            assert_eq!(score(app, &e, b, &crit, &[75, 75]).await, 200);
        }
    }
    let ok = app.post(&award, Some(&owner), json!({"bid_id": b1})).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    // Scores are closed once awarded.
    assert_eq!(score(app, &e0, b2, &crit, &[71, 71]).await, 409);
}

// ------------------------------------------------------------------ 8. races on PostgreSQL

async fn concurrent_awards_and_closing_moves_succeed_once(app: &TestApp) {
    let r = ready_for_award(app).await;
    let owner = fresh(app, "owner@example.cn").await;
    let sid = r.sid;
    let cheapest = r.bids[2];
    let awards = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/scenarios/{sid}/award"),
        &owner,
        json!({"bid_id": cheapest}),
    )
    .await;
    assert_eq!(
        (count(&awards, 200), count(&awards, 409)),
        (1, 7),
        "{awards:?}"
    );
    let audit = audit_actions(app).await;
    assert_eq!(audit.iter().filter(|a| *a == "scenario.award").count(), 1);
    let notices = app.get("/api/v1/award-notices", None).await.body;
    assert_eq!(notices["total"], 1);
    // Scores after the award are refused.
    let crit = criteria(app, sid).await;
    let e0 = fresh(app, "ev0@example.cn").await;
    assert_eq!(score(app, &e0, r.bids[0], &crit, &[60, 60]).await, 409);
    // Delivery waits for the period to challenge the award (7 working days).
    app.clock.advance(chrono::Duration::days(25));
    let owner = fresh(app, "owner@example.cn").await;
    contract_signed(app, sid, &owner).await;
    let deliver = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/scenarios/{sid}/deliver"),
        &owner,
        json!({}),
    )
    .await;
    assert_eq!(count(&deliver, 204), 1, "{deliver:?}");
    let rate = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/scenarios/{sid}/rating"),
        &owner,
        json!({"quality": 5, "timeliness": 4, "communication": 5, "comment": "按期交付"}),
    )
    .await;
    assert_eq!(count(&rate, 201) + count(&rate, 200), 1, "{rate:?}");
    let winner_org = r.vendor_orgs[2];
    let ratings = app
        .get(&format!("/api/v1/organizations/{winner_org}/ratings"), None)
        .await
        .body;
    assert_eq!(ratings["count"], 1);
    let rating_id = ratings["items"][0]["id"].as_i64().unwrap();
    let vendor = fresh(app, "v2@example.cn").await;
    let replies = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/ratings/{rating_id}/reply"),
        &vendor,
        json!({"body": "感谢"}),
    )
    .await;
    assert_eq!(
        count(&replies, 200) + count(&replies, 201),
        1,
        "{replies:?}"
    );
    let audit = audit_actions(app).await;
    for action in ["scenario.deliver", "rating.create", "rating.reply"] {
        assert_eq!(audit.iter().filter(|a| *a == action).count(), 1, "{action}");
    }
}

async fn concurrent_lifecycle_moves_on_one_scenario_succeed_once(app: &TestApp) {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let sid = app
        .post("/api/v1/scenarios", Some(&owner), posting(app, 30))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let publishes = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/scenarios/{sid}/publish"),
        &owner,
        json!({}),
    )
    .await;
    assert_eq!(count(&publishes, 200), 1, "{publishes:?}");
    let later = (app.parts.services.now() + Duration::days(40)).to_rfc3339();
    let extends = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/scenarios/{sid}/extend"),
        &owner,
        json!({"bid_deadline": later}),
    )
    .await;
    assert_eq!(count(&extends, 200), 1, "{extends:?}");
    evaluators(app, 8).await;
    let draws = at_once(
        app,
        6,
        "POST",
        &format!("/api/v1/scenarios/{sid}/panel/draw"),
        &owner,
        json!({"n": 3}),
    )
    .await;
    assert_eq!(
        count(&draws, 200),
        1,
        "only the first draw needs no reason: {draws:?}"
    );
    let cancels = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/scenarios/{sid}/cancel"),
        &owner,
        json!({"reason": "需求调整"}),
    )
    .await;
    assert_eq!(count(&cancels, 200), 1, "{cancels:?}");
    let audit = audit_actions(app).await;
    for action in ["scenario.publish", "scenario.extend", "scenario.cancel"] {
        assert_eq!(audit.iter().filter(|a| *a == action).count(), 1, "{action}");
    }
    // Of the concurrent first draws exactly one set the panel.
    assert_eq!(audit.iter().filter(|a| *a == "panel.set").count(), 1);
}

async fn two_refreshes_with_one_token_succeed_once_and_end_the_session(app: &TestApp) {
    app.register("v@example.cn", "vendor", "V").await;
    for round in 0..5 {
        let login = app.login("v@example.cn", PASSWORD).await.body;
        let token = login["refresh_token"].as_str().unwrap().to_string();
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let rb = app
                .api
                .post(app.url("/api/v1/auth/refresh"))
                .json(&json!({"refresh_token": token}));
            tasks.push(tokio::spawn(async move {
                let r = rb.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        let winners: Vec<&Value> = out
            .iter()
            .filter(|(s, _)| *s == 200)
            .map(|(_, b)| b)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {out:?}");
        assert_eq!(
            out.iter().filter(|(s, _)| *s == 401).count(),
            1,
            "round {round}"
        );
        // The replay was detected: the whole session, the winner's new token too, is gone.
        let next = winners[0]["refresh_token"].as_str().unwrap();
        let again = app
            .post("/api/v1/auth/refresh", None, json!({"refresh_token": next}))
            .await;
        assert_eq!(again.status, 401, "round {round}: the session was revoked");
        let access = winners[0]["access_token"].as_str().unwrap();
        assert_eq!(app.get("/api/v1/me", Some(access)).await.status, 401);
    }
}

async fn audit_records(app: &TestApp) -> Vec<domain::audit::AuditRecord> {
    let services = app.parts.services.clone();
    tokio::task::spawn_blocking(move || {
        domain::ports::in_read(services.store_for_tests(), |tx| {
            tx.audit_records(0, 100_000)
        })
    })
    .await
    .unwrap()
    .unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_records(app)
        .await
        .into_iter()
        .map(|r| r.action)
        .collect()
}

// ----------------------------------------------------------- 9. revoked verification

async fn a_vendor_whose_verification_is_revoked_stops_at_once_and_cannot_win(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, org) = verified_vendor(app, "v@example.cn", "V").await;
    let id = submit(app, &v, sid, 300_000).await;
    let admin = app.admin_token().await;
    tests::fixtures::verify(app, &admin, org, false).await;
    // The same access token, at once.
    let revise = app
        .call(
            "PUT",
            &format!("/api/v1/bids/{id}"),
            Some(&v),
            Some(bid(290_000)),
        )
        .await;
    assert_eq!(revise.status, 403, "{:?}", revise.body);
    assert_eq!(upload(app, &v, id, "a.pdf", pdf("x")).await.status, 403);
    assert_eq!(
        app.post(&format!("/api/v1/bids/{id}/withdraw"), Some(&v), json!({}))
            .await
            .status,
        403
    );
    let again = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&v),
            bid(280_000),
        )
        .await;
    assert_eq!(again.status, 403);
}

async fn the_ranking_marks_a_revoked_vendor_and_the_award_refuses_it(app: &TestApp) {
    let r = ready_for_award(app).await;
    let admin = app.admin_token().await;
    let revoked = r.vendor_orgs[2];
    tests::fixtures::verify(app, &admin, revoked, false).await;
    let owner = fresh(app, "owner@example.cn").await;
    let ranking = app
        .get(
            &format!("/api/v1/scenarios/{}/ranking", r.sid),
            Some(&owner),
        )
        .await
        .body;
    let row = ranking["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["bid_id"] == r.bids[2])
        .unwrap()
        .clone();
    assert_eq!(row["vendor_verified"], false, "{row}");
    let refused = app
        .post(
            &format!("/api/v1/scenarios/{}/award", r.sid),
            Some(&owner),
            json!({"bid_id": r.bids[2]}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (409, Some("vendor_not_verified"))
    );
}

// ------------------------------------------------------------------- 12. sessions end tokens

async fn access_tokens_die_with_their_session(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let id = submit(app, &v, sid, 300_000).await;
    // Sign-out.
    let login = app.login("v@example.cn", PASSWORD).await.body;
    let access = login["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.status, 200);
    assert_eq!(
        app.post("/api/v1/auth/logout", Some(&access), json!({}))
            .await
            .status,
        204
    );
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.status, 401);
    // Deactivation: a deactivated vendor can no longer revise with the token it holds.
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/me", Some(&v)).await.body;
    let uid = me["user"]["id"].as_i64().unwrap();
    app.call(
        "PATCH",
        &format!("/api/v1/admin/users/{uid}"),
        Some(&admin),
        Some(json!({"active": false})),
    )
    .await;
    let revise = app
        .call(
            "PUT",
            &format!("/api/v1/bids/{id}"),
            Some(&v),
            Some(bid(290_000)),
        )
        .await;
    assert_eq!(revise.status, 401);
    // A password reset ends the sessions of the old password.
    app.register("w@example.cn", "vendor", "W").await;
    let w = app.token("w@example.cn").await;
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": "w@example.cn"}),
    )
    .await;
    app.drain_jobs().await;
    let mail = app
        .emails()
        .into_iter()
        .rev()
        .find(|m| m.to == "w@example.cn")
        .expect("a reset mail");
    let token = mail
        .body
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let c = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "another-horse-43"}),
        )
        .await;
    assert!(c.status == 200 || c.status == 204, "{:?}", c.body);
    assert_eq!(app.get("/api/v1/me", Some(&w)).await.status, 401);
    // A demoted administrator cannot create users with the token from before.
    let other = app.post("/api/v1/admin/users", Some(&admin), json!({"email": "ops@test.cn", "password": PASSWORD, "display_name": "运维", "role": "admin"})).await;
    assert_eq!(other.status, 201);
    let ops = app.token("ops@test.cn").await;
    let ops_id = other.body["id"].as_i64().unwrap();
    let demote = app
        .call(
            "PATCH",
            &format!("/api/v1/admin/users/{ops_id}"),
            Some(&admin),
            Some(json!({"role": "evaluator"})),
        )
        .await;
    assert_eq!(demote.status, 200, "{:?}", demote.body);
    let create = app.post("/api/v1/admin/users", Some(&ops), json!({"email": "x@test.cn", "password": PASSWORD, "display_name": "X", "role": "admin"})).await;
    assert!(matches!(create.status, 401 | 403), "{:?}", create.body);
    // A page session ends with its session too.
    let (browser, csrf) = signed_in(app, "root@test.cn").await;
    assert_eq!(
        browser
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = browser
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        browser
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}

// ---------------------------------------------------------------------- 13. redirects

async fn redirects_after_language_switch_and_sign_in_stay_on_this_site(app: &TestApp) {
    for next in [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example",
        "/%0d%0a/evil.example",
    ] {
        let r = app
            .api
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/", "next={next}");
    }
    let r = app
        .api
        .get(app.url("/lang/en?next=/scenarios%3Fpage%3D2"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/scenarios?page=2");
    app.register("v@example.cn", "vendor", "V").await;
    let c = tests::browser();
    let html = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = tests::csrf_of(&html);
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "v@example.cn"),
            ("password", PASSWORD),
            ("next", "/\t/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
}

// -------------------------------------------------------------------- 14. upload limits

async fn uploads_are_checked_before_their_body_is_read_and_bounded(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let id = submit(app, &v, sid, 300_000).await;
    let (rival, _) = verified_vendor(app, "r@example.cn", "R").await;
    // Another vendor's upload to this bid stores nothing (it was written before the check).
    let before = app.stored_files().len();
    assert_eq!(
        upload(app, &rival, id, "x.pdf", pdf("rival")).await.status,
        404
    );
    assert_eq!(app.stored_files().len(), before);
    // Too many parts, or too much text in all (each field alone was within the old limit),
    // even with a valid PDF at the end: refused, nothing stored.
    let file = || {
        reqwest::multipart::Part::bytes(pdf("bounded"))
            .file_name("a.pdf")
            .mime_str("application/pdf")
            .unwrap()
    };
    let mut form = reqwest::multipart::Form::new();
    for i in 0..40 {
        form = form.text(format!("f{i}"), "x");
    }
    let r = app
        .api
        .post(app.url(&format!("/api/v1/bids/{id}/attachments")))
        .bearer_auth(&v)
        .multipart(form.part("file", file()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let big = "字".repeat(70_000);
    let form = reqwest::multipart::Form::new()
        .text("a", big.clone())
        .text("b", big)
        .part("file", file());
    let r = app
        .api
        .post(app.url(&format!("/api/v1/bids/{id}/attachments")))
        .bearer_auth(&v)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(app.stored_files().len(), before);
    // The page form: the CSRF token travels in the address and is checked before the body.
    let (c, csrf) = signed_in(app, "r@example.cn").await;
    let (sid2, _) = (
        publish(app, &fresh(app, "owner@example.cn").await).await,
        (),
    );
    let part = || {
        reqwest::multipart::Part::bytes(pdf("page"))
            .file_name("方案.pdf")
            .mime_str("application/pdf")
            .unwrap()
    };
    let fields = |f: reqwest::multipart::Form| {
        f.text("price", "3000")
            .text("delivery_days", "30")
            .text("technical_proposal", "方案")
            .text("team", "团队")
    };
    let wrong = c
        .post(app.url(&format!("/scenarios/{sid2}/bid?csrf=wrong")))
        .multipart(
            fields(reqwest::multipart::Form::new().text("csrf", csrf.clone())).part("file", part()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    assert_eq!(
        app.stored_files().len(),
        before,
        "a form with a bad token stores nothing"
    );
    let right = c
        .post(app.url(&format!("/scenarios/{sid2}/bid?csrf={csrf}")))
        .multipart(fields(reqwest::multipart::Form::new()).part("file", part()))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 303, "{}", right.text().await.unwrap());
    assert_eq!(app.stored_files().len(), before + 1);
}

async fn an_award_notice_is_stored_at_award_time_and_earlier_awards_are_backfilled(app: &TestApp) {
    let r = ready_for_award(app).await;
    let owner = fresh(app, "owner@example.cn").await;
    let awarded = app
        .post(
            &format!("/api/v1/scenarios/{}/award", r.sid),
            Some(&owner),
            json!({"bid_id": r.bids[2]}),
        )
        .await;
    assert_eq!(awarded.status, 200);
    let notice = app
        .get(&format!("/api/v1/scenarios/{}/award-notice", r.sid), None)
        .await;
    assert_eq!(
        notice.body, awarded.body,
        "the notice is the one stored at award time"
    );
    // A database from before stored notices: the award is there, its notice is not.
    assert_eq!(app.execute_sql("DELETE FROM award_notices"), 1);
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{}/award-notice", r.sid), None)
            .await
            .status,
        404
    );
    let services = app.parts.services.clone();
    let n = tokio::task::spawn_blocking(move || services.backfill_award_notices())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 1);
    let again = app
        .get(&format!("/api/v1/scenarios/{}/award-notice", r.sid), None)
        .await;
    assert_eq!(again.body, awarded.body);
    let services = app.parts.services.clone();
    let n = tokio::task::spawn_blocking(move || services.backfill_award_notices())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 0, "idempotent");
}

// ------------------------------------------------------------------- 18. paged lists

async fn every_list_route_is_paged(app: &TestApp) {
    let r = ready_for_award(app).await;
    let owner = fresh(app, "owner@example.cn").await;
    app.post(
        &format!("/api/v1/scenarios/{}/award", r.sid),
        Some(&owner),
        json!({"bid_id": r.bids[2]}),
    )
    .await;
    let admin = app.admin_token().await;
    let v = fresh(app, "v0@example.cn").await;
    let e = fresh(app, "ev0@example.cn").await;
    let sid = r.sid;
    let org = r.vendor_orgs[0];
    let lists: Vec<(String, Option<&str>)> = vec![
        ("/api/v1/scenarios".into(), None),
        ("/api/v1/vendors".into(), None),
        ("/api/v1/admin/organizations".into(), Some(&admin)),
        (format!("/api/v1/scenarios/{sid}/questions"), None),
        (format!("/api/v1/scenarios/{sid}/bids"), Some(&owner)),
        (format!("/api/v1/scenarios/{sid}/bidders"), Some(&e)),
        (format!("/api/v1/scenarios/{sid}/my-scores"), Some(&e)),
        ("/api/v1/me/bids".into(), Some(&v)),
        ("/api/v1/me/invitations".into(), Some(&v)),
        ("/api/v1/me/saved-searches".into(), Some(&v)),
        ("/api/v1/me/consortia".into(), Some(&v)),
        ("/api/v1/notifications".into(), Some(&v)),
        ("/api/v1/award-notices".into(), None),
        (format!("/api/v1/organizations/{org}/ratings"), None),
        (format!("/api/v1/scenarios/{sid}/challenges"), None),
    ];
    for (path, token) in lists {
        let a = app.get(&path, token).await;
        assert_eq!(a.status, 200, "{path}: {:?}", a.body);
        for key in ["items", "total", "page", "per_page"] {
            assert!(!a.body[key].is_null(), "{path} lacks {key}: {}", a.body);
        }
        assert!(a.body["items"].is_array(), "{path}");
        let sep = if path.contains('?') { '&' } else { '?' };
        let one = app.get(&format!("{path}{sep}per_page=1"), token).await;
        assert!(one.body["items"].as_array().unwrap().len() <= 1, "{path}");
        assert_eq!(one.body["per_page"], 1, "{path}");
        let bad = app.get(&format!("{path}{sep}page=0"), token).await;
        assert_eq!(
            (bad.status, bad.body["errors"][0]["field"].as_str()),
            (422, Some("page")),
            "{path}"
        );
    }
    // The document says the same of every GET route: none answers a bare array, and every
    // answer with `items` is a page (so a new list route cannot slip past this test).
    let doc = app.get("/api/openapi.json", None).await.body;
    let resolve = |schema: &Value| -> Value {
        match schema["$ref"].as_str() {
            Some(r) => doc["components"]["schemas"][r.rsplit('/').next().unwrap()].clone(),
            None => schema.clone(),
        }
    };
    let mut lists = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
        if schema.is_null() {
            continue;
        }
        let schema = resolve(schema);
        assert_ne!(schema["type"], "array", "GET {path} answers a bare array");
        // One resource whose `items` API.md fixes (a notice's bidders, a ranking's rows, the
        // whole of one scenario's evaluation), not a list of resources.
        let whole = [
            "/api/v1/scenarios/{id}/award-notice",
            "/api/v1/scenarios/{id}/ranking",
            "/api/v1/scenarios/{id}/facets",
        ];
        if !schema["properties"]["items"].is_null() && !whole.contains(&path.as_str()) {
            lists += 1;
            for key in ["total", "page", "per_page"] {
                assert!(
                    !schema["properties"][key].is_null(),
                    "GET {path} lists items without {key}"
                );
            }
            let params = get["parameters"].to_string();
            assert!(
                params.contains("\"per_page\""),
                "GET {path} takes no per_page: {params}"
            );
        }
    }
    assert!(lists >= 10, "{lists} list routes in the document");
}

on_both! {
    an_evaluator_sees_nothing_that_depends_on_bids_before_opening => super::an_evaluator_sees_nothing_that_depends_on_bids_before_opening;
    every_route_answers_a_sealed_bid_exactly_like_a_missing_one => super::every_route_answers_a_sealed_bid_exactly_like_a_missing_one;
    every_route_answers_a_consortium_and_its_bid_like_missing_ones => super::every_route_answers_a_consortium_and_its_bid_like_missing_ones;
    a_withdrawn_bid_is_never_opened => super::a_withdrawn_bid_is_never_opened;
    cancelling_a_scenario_voids_its_bids_for_good => super::cancelling_a_scenario_voids_its_bids_for_good;
    earlier_versions_are_the_bidders_and_receipts_cannot_be_guessed => super::earlier_versions_are_the_bidders_and_receipts_cannot_be_guessed;
    the_panel_seed_is_drawn_by_the_server_and_redraws_are_few_and_explained => super::the_panel_seed_is_drawn_by_the_server_and_redraws_are_few_and_explained;
    an_award_waits_for_complete_sheets_from_a_full_panel => super::an_award_waits_for_complete_sheets_from_a_full_panel;
    concurrent_awards_and_closing_moves_succeed_once => super::concurrent_awards_and_closing_moves_succeed_once;
    concurrent_lifecycle_moves_on_one_scenario_succeed_once => super::concurrent_lifecycle_moves_on_one_scenario_succeed_once;
    two_refreshes_with_one_token_succeed_once_and_end_the_session => super::two_refreshes_with_one_token_succeed_once_and_end_the_session;
    a_vendor_whose_verification_is_revoked_stops_at_once_and_cannot_win => super::a_vendor_whose_verification_is_revoked_stops_at_once_and_cannot_win;
    the_ranking_marks_a_revoked_vendor_and_the_award_refuses_it => super::the_ranking_marks_a_revoked_vendor_and_the_award_refuses_it;
    access_tokens_die_with_their_session => super::access_tokens_die_with_their_session;
    redirects_after_language_switch_and_sign_in_stay_on_this_site => super::redirects_after_language_switch_and_sign_in_stay_on_this_site;
    uploads_are_checked_before_their_body_is_read_and_bounded => super::uploads_are_checked_before_their_body_is_read_and_bounded;
    every_list_route_is_paged => super::every_list_route_is_paged;
    an_award_notice_is_stored_at_award_time_and_earlier_awards_are_backfilled => super::an_award_notice_is_stored_at_award_time_and_earlier_awards_are_backfilled;
}
