//! A real browser (headless Chromium through WebDriver) registers, signs in and reads the
//! account page in Chinese, then in English. Without Chromium the test says so loudly; with
//! `TEST_REQUIRE_BROWSER=1` (as in CI) a missing browser fails it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver, or explains why not.
async fn start_browser() -> Option<(WebDriver, Driver, tempfile::TempDir)> {
    let required = std::env::var("TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let driver_bin =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chrome_bin = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&driver_bin).exists() || !std::path::Path::new(&chrome_bin).exists() {
        assert!(
            !required,
            "TEST_REQUIRE_BROWSER=1 but {driver_bin} or {chrome_bin} is missing"
        );
        eprintln!(
            "\n!!! NOTICE: chromium/chromedriver not installed: the browser test did NOT run. Install Debian's chromium and chromium-driver. !!!\n"
        );
        return None;
    }
    let port = free_port();
    let child = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let guard = Driver(child);
    let profile = tempfile::tempdir().unwrap();
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&chrome_bin).unwrap();
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--lang=zh-CN",
        "--window-size=1280,900",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
        .unwrap();
    caps.add_experimental_option(
        "prefs",
        serde_json::json!({"intl.accept_languages": "zh-CN,zh"}),
    )
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..50 {
        match WebDriver::new(&url, caps.clone()).await {
            Ok(d) => return Some((d, guard, profile)),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start: {last:?}");
}

async fn fill(d: &WebDriver, id: &str, text: &str) {
    let el = d
        .query(By::Id(id))
        .first()
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn text_of(d: &WebDriver) -> String {
    d.query(By::Tag("body"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Signs out with the header button and waits for the signed-out page.
async fn sign_out(d: &WebDriver) {
    d.query(By::Css("form[action='/logout'] button"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css("a[href='/login']"))
        .first()
        .await
        .expect("signed out");
}

/// Signs in through the form.
async fn sign_in(d: &WebDriver, app: &tests::TestApp, email: &str) {
    d.goto(app.url("/login")).await.unwrap();
    fill(d, "email", email).await;
    fill(d, "password", tests::PASSWORD).await;
    d.query(By::Css("form.stack button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css("form[action='/logout']"))
        .first()
        .await
        .expect("signed in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agency_publishes_a_scenario_and_a_visitor_finds_it() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let admin = app.admin_token().await;
    let reg = app
        .register("agency@example.cn", "agency", "青山区数据局")
        .await;
    let org = reg["organization"]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/admin/organizations/{org}/verify"),
        Some(&admin),
        serde_json::json!({"verified": true}),
    )
    .await;
    sign_in(&d, &app, "agency@example.cn").await;
    d.goto(app.url("/scenarios/new")).await.unwrap();
    fill(&d, "title", "社区养老需求智能匹配").await;
    fill(
        &d,
        "summary",
        "Matching elderly-care needs with community services",
    )
    .await;
    fill(
        &d,
        "description",
        "汇聚社区养老服务需求，智能匹配服务资源。",
    )
    .await;
    fill(&d, "budget_min", "300000").await;
    fill(&d, "budget_max", "600000").await;
    fill(&d, "price_weight", "40").await;
    fill(&d, "criterion_name_0", "技术方案").await;
    fill(&d, "criterion_weight_0", "35").await;
    fill(&d, "criterion_name_1", "服务能力").await;
    fill(&d, "criterion_weight_1", "25").await;
    // The running total follows the weights as they are typed.
    let total = d
        .query(By::Id("weight-total"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(total, "100");
    d.query(By::Css("button[value=save]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css(".notice"))
        .first()
        .await
        .expect("saved notice");
    assert_eq!(
        d.query(By::Tag("h1"))
            .first()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "社区养老需求智能匹配"
    );
    // Publish through the confirmation step.
    d.query(By::Css(".action-list a[href$='/publish']"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css("form[action$='/publish'] button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css(".notice"))
        .first()
        .await
        .expect("published notice");
    let body = text_of(&d).await;
    assert!(body.contains("投标中"), "{body}");
    // A signed-out visitor finds it in the public list and opens it.
    sign_out(&d).await;
    d.goto(app.url("/scenarios")).await.unwrap();
    d.query(By::LinkText("社区养老需求智能匹配"))
        .first()
        .await
        .expect("listed publicly")
        .click()
        .await
        .unwrap();
    let body = text_of(&d).await;
    assert!(
        body.contains("技术方案") && body.contains("服务能力") && body.contains("30万元"),
        "{body}"
    );
    assert!(
        d.find(By::Css(".action-list")).await.is_err(),
        "visitors see no owner actions"
    );
    d.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_bids_with_an_attachment_sees_its_receipt_and_a_rival_sees_no_trace() {
    let Some((d, _driver, profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let admin = app.admin_token().await;
    let verify = |org: i64| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.post(
                &format!("/api/v1/admin/organizations/{org}/verify"),
                Some(&admin),
                serde_json::json!({"verified": true}),
            )
            .await
        }
    };
    let agency = app.register("agency@example.cn", "agency", "城管局").await;
    verify(agency["organization"]["id"].as_i64().unwrap()).await;
    for (email, name) in [
        ("bidder@example.cn", "投标企业"),
        ("rival@example.cn", "竞争企业"),
    ] {
        let v = app.register(email, "vendor", name).await;
        verify(v["organization"]["id"].as_i64().unwrap()).await;
    }
    let token = app.token("agency@example.cn").await;
    let deadline = (app.parts.services.now() + chrono::Duration::days(30)).to_rfc3339();
    let s = app
        .post("/api/v1/scenarios", Some(&token), serde_json::json!({"title": "河道巡检", "summary": "River patrol", "description": "巡检河道。", "domain": "city_governance", "tags": [],
            "budget_min_fen": 10_000_000, "budget_max_fen": 50_000_000, "bid_deadline": deadline, "price_weight": 40, "criteria": [{"name": "技术方案", "weight": 60}]}))
        .await;
    let sid = s.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/scenarios/{sid}/publish"),
        Some(&token),
        serde_json::json!({}),
    )
    .await;
    let pdf = profile.path().join("方案.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4
% browser test
%%EOF
",
    )
    .unwrap();

    sign_in(&d, &app, "bidder@example.cn").await;
    d.goto(app.url(&format!("/scenarios/{sid}"))).await.unwrap();
    fill(&d, "price", "380000").await;
    fill(&d, "delivery_days", "120").await;
    fill(&d, "technical_proposal", "无人机加视觉模型的河道巡检方案。").await;
    fill(&d, "team", "四人团队").await;
    d.query(By::Id("files"))
        .first()
        .await
        .unwrap()
        .send_keys(pdf.to_str().unwrap())
        .await
        .unwrap();
    d.query(By::Css("#bid-form button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    if d.query(By::Css(".notice")).first().await.is_err() {
        panic!("no submitted notice; the page says: {}", text_of(&d).await);
    }
    let body = text_of(&d).await;
    assert!(
        body.contains("方案.pdf") && body.contains("38万元"),
        "{body}"
    );
    let hash = d
        .query(By::Css(".receipts code.hash"))
        .first()
        .await
        .expect("a receipt")
        .text()
        .await
        .unwrap();
    assert_eq!(hash.len(), 64, "the receipt shows the content's SHA-256");
    let bid_url = d.current_url().await.unwrap().path().to_string();
    sign_out(&d).await;

    // A rival vendor: the scenario shows no trace of the bid, and its page does not exist.
    sign_in(&d, &app, "rival@example.cn").await;
    d.goto(app.url(&format!("/scenarios/{sid}"))).await.unwrap();
    let body = text_of(&d).await;
    assert!(
        !body.contains("投标企业") && !body.contains("380") && !body.contains(&hash[..12]),
        "{body}"
    );
    assert!(
        d.find(By::Id("bid-form")).await.is_ok(),
        "the rival can still bid"
    );
    d.goto(app.url(&bid_url)).await.unwrap();
    assert_eq!(
        d.query(By::Tag("h1"))
            .first()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "页面不存在"
    );
    d.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evaluator_scores_the_owner_awards_and_a_visitor_reads_the_notice() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let admin = app.admin_token().await;
    let agency = app.register("owner@example.cn", "agency", "城管局").await;
    let verify = |org: i64| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.post(
                &format!("/api/v1/admin/organizations/{org}/verify"),
                Some(&admin),
                serde_json::json!({"verified": true}),
            )
            .await
        }
    };
    verify(agency["organization"]["id"].as_i64().unwrap()).await;
    let owner = app.token("owner@example.cn").await;
    let deadline = (app.parts.services.now() + chrono::Duration::days(30)).to_rfc3339();
    let sid = app
        .post("/api/v1/scenarios", Some(&owner), serde_json::json!({"title": "河道漂浮物识别", "summary": "River debris", "description": "识别河道漂浮物。", "domain": "city_governance", "tags": [],
            "budget_min_fen": 10_000_000, "budget_max_fen": 50_000_000, "bid_deadline": deadline, "price_weight": 40, "criteria": [{"name": "技术方案", "weight": 60}]}))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/scenarios/{sid}/publish"),
        Some(&owner),
        serde_json::json!({}),
    )
    .await;
    let mut bids = Vec::new();
    // Within 20 % of each other: neither is abnormally low.
    for (i, price) in [(0, 30_000_000_i64), (1, 34_000_000)] {
        let v = app
            .register(
                &format!("v{i}@example.cn"),
                "vendor",
                &format!("投标企业{i}"),
            )
            .await;
        verify(v["organization"]["id"].as_i64().unwrap()).await;
        let t = app.token(&format!("v{i}@example.cn")).await;
        let b = app.post(&format!("/api/v1/scenarios/{sid}/bids"), Some(&t), serde_json::json!({"price_fen": price, "delivery_days": 30, "technical_proposal": "方案", "team": "团队"})).await;
        bids.push(b.body["bid"]["id"].as_i64().unwrap());
    }
    let mut evs = Vec::new();
    for i in 0..3 {
        let e = app.post("/api/v1/admin/users", Some(&admin), serde_json::json!({"email": format!("ev{i}@example.cn"), "password": tests::PASSWORD, "display_name": format!("专家{i}"), "role": "evaluator", "expertise": ["city_governance"]})).await;
        evs.push(e.body["id"].as_i64().unwrap());
    }
    app.call(
        "PUT",
        &format!("/api/v1/scenarios/{sid}/panel"),
        Some(&owner),
        Some(serde_json::json!({"evaluator_ids": evs})),
    )
    .await;
    app.clock.advance(chrono::Duration::days(31));
    let criterion = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body["criteria"][0]["id"]
        .as_i64()
        .unwrap();
    for i in 1..3 {
        let t = app.token(&format!("ev{i}@example.cn")).await;
        app.post(
            &format!("/api/v1/scenarios/{sid}/conflict-declaration"),
            Some(&t),
            serde_json::json!({"has_conflict": false}),
        )
        .await;
        for b in &bids {
            app.call(
                "PUT",
                &format!("/api/v1/bids/{b}/scores"),
                Some(&t),
                Some(serde_json::json!({"scores": [{"criterion_id": criterion, "score": 80}]})),
            )
            .await;
        }
    }

    // The evaluator declares and scores through the pages.
    sign_in(&d, &app, "ev0@example.cn").await;
    d.goto(app.url(&format!("/evaluate/{sid}"))).await.unwrap();
    let body = text_of(&d).await;
    assert!(
        body.contains("投标企业0") && body.contains("投标企业1") && !body.contains("方案"),
        "names only: {body}"
    );
    d.query(By::Css("form[action$='/declare'] button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for b in &bids {
        d.query(By::Css(format!("a[href='/evaluate/{sid}/bids/{b}']")))
            .first()
            .await
            .expect("the bid list after declaring")
            .click()
            .await
            .unwrap();
        fill(&d, &format!("score-{criterion}"), "85").await;
        let live = d
            .query(By::Id("sheet-total"))
            .first()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(live, "51.00", "85 × 60 / 100, live");
        d.query(By::Css("#score-sheet button[type=submit]"))
            .first()
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        d.query(By::Css(".notice")).first().await.expect("saved");
    }
    sign_out(&d).await;

    // The owner awards rank 1 from the ranking page.
    sign_in(&d, &app, "owner@example.cn").await;
    d.goto(app.url(&format!("/scenarios/{sid}/ranking")))
        .await
        .unwrap();
    d.query(By::Css("form[action$='/award'] button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Wait for an element only the next page has (filters on text can meet the old page's
    // elements as they go stale).
    if d.query(By::Id("award-notice")).first().await.is_err() {
        panic!(
            "no notice after the award; the page says: {}",
            text_of(&d).await
        );
    }
    sign_out(&d).await;

    // A signed-out visitor reads it.
    d.goto(app.url("/notices")).await.unwrap();
    d.query(By::LinkText("河道漂浮物识别"))
        .first()
        .await
        .expect("listed")
        .click()
        .await
        .unwrap();
    d.query(By::Id("award-notice"))
        .first()
        .await
        .expect("the notice page");
    let body = text_of(&d).await;
    assert!(
        body.contains("投标企业0") && body.contains("专家0") && body.contains("30万元"),
        "{body}"
    );
    d.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_registers_signs_in_and_reads_the_account_page_in_chinese_then_english() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    d.goto(app.url("/register")).await.unwrap();
    assert!(
        text_of(&d).await.contains("注册"),
        "the register page is in Chinese"
    );
    d.query(By::Css("input[name=role][value=vendor]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&d, "org_name", "青云智粒浏览器测试").await;
    fill(&d, "display_name", "李想").await;
    fill(&d, "email", "browser@example.cn").await;
    fill(&d, "password", tests::PASSWORD).await;
    d.query(By::Css("form.stack button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css(".notice"))
        .first()
        .await
        .expect("registered notice");
    assert!(
        d.current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/account")
    );
    // Sign out, then sign in through the form.
    sign_out(&d).await;
    d.goto(app.url("/login")).await.unwrap();
    fill(&d, "email", "browser@example.cn").await;
    fill(&d, "password", tests::PASSWORD).await;
    d.query(By::Css("form.stack button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Wait for the account page itself, not the sign-in page it replaces.
    d.query(By::Css(
        "html[lang='zh-CN'] form[action='/account/password']",
    ))
    .first()
    .await
    .expect("the account page in Chinese");
    assert_eq!(
        d.find(By::Tag("h1")).await.unwrap().text().await.unwrap(),
        "我的账号"
    );
    let body = text_of(&d).await;
    assert!(
        body.contains("青云智粒浏览器测试") && body.contains("待认证"),
        "{body}"
    );
    // Switch to English with the header link.
    d.query(By::LinkText("English"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css("html[lang='en'] form[action='/account/password']"))
        .first()
        .await
        .expect("the account page in English");
    assert_eq!(
        d.find(By::Tag("h1")).await.unwrap().text().await.unwrap(),
        "My account"
    );
    assert!(text_of(&d).await.contains("Awaiting verification"));
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(
            format!("{dir}/account-en.png"),
            d.screenshot_as_png().await.unwrap(),
        )
        .unwrap();
    }
    d.quit().await.unwrap();
}

/// Waits until the page's text contains `want` and no search update is in flight (the search
/// page updates without a reload, marking its results `aria-busy` meanwhile).
async fn wait_for_text(d: &WebDriver, want: &str, absent: Option<&str>) -> String {
    let mut last = String::new();
    for _ in 0..150 {
        last = text_of(d).await;
        let busy = d
            .query(By::Css("#search-results[aria-busy='true']"))
            .nowait()
            .exists()
            .await
            .unwrap_or(false);
        if !busy && last.contains(want) && absent.is_none_or(|a| !last.contains(a)) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {want:?} (without {absent:?}): {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_searches_in_chinese_ticks_a_facet_and_opens_a_result() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let (agency, _) =
        tests::fixtures::verified_agency(&app, "find@example.cn", "青山区城管局").await;
    let mut ids = vec![];
    for (title, domain, description) in [
        (
            "无人机智能巡检",
            "city_governance",
            "用无人机巡查街道与河道。",
        ),
        (
            "钢材表面巡检机器人",
            "ai_industry",
            "在冷轧线上自动检查钢材表面。",
        ),
    ] {
        let mut p = tests::fixtures::posting(&app, 30);
        p["title"] = serde_json::json!(title);
        p["domain"] = serde_json::json!(domain);
        p["description"] = serde_json::json!(description);
        p["summary"] = serde_json::json!(title);
        p["tags"] = serde_json::json!([]);
        let id = app.post("/api/v1/scenarios", Some(&agency), p).await.body["id"]
            .as_i64()
            .unwrap();
        let published = app
            .post(
                &format!("/api/v1/scenarios/{id}/publish"),
                Some(&agency),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(published.status, 200, "{:?}", published.body);
        ids.push(id);
    }
    app.drain_jobs().await;
    // From the header's search box on the home page.
    d.goto(app.url("/")).await.unwrap();
    fill(&d, "header-q", "无人机").await;
    d.query(By::Css("form.header-search button"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&d, "无人机智能巡检", Some("钢材表面巡检机器人")).await;
    // Typing updates the results without a reload.
    let marker: String = d
        .execute("document.body.dataset.kept = 'yes'; return 'ok';", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(marker, "ok");
    fill(&d, "search-q", "巡检").await;
    let page = wait_for_text(&d, "钢材表面巡检机器人", None).await;
    assert!(page.contains("无人机智能巡检"), "both are found: {page}");
    assert!(page.contains("找到 2 个场景"), "{page}");
    let kept: String = d
        .execute("return document.body.dataset.kept || 'reloaded';", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(
        kept, "yes",
        "the results changed in place, not by a new page"
    );
    // Ticking a facet narrows the results.
    d.query(By::Css("input[name=domain][value=city_governance]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&d, "找到 1 个场景", Some("钢材表面巡检机器人")).await;
    assert!(
        d.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("domain=city_governance"),
        "the address follows"
    );
    // And the result opens the scenario.
    d.query(By::Css(format!(
        "#search-results a[href='/scenarios/{}']",
        ids[0]
    )))
    .first()
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    for _ in 0..50 {
        if d.current_url().await.unwrap().path() == format!("/scenarios/{}", ids[0]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        d.current_url().await.unwrap().path(),
        format!("/scenarios/{}", ids[0])
    );
    let detail = text_of(&d).await;
    assert!(
        detail.contains("无人机智能巡检") && detail.contains("青山区城管局"),
        "{detail}"
    );
}

/// The header's unread count, as the page shows it now ("" while hidden).
async fn unread_badge(d: &WebDriver) -> String {
    d.execute(
        "var b = document.querySelector('.unread-count'); return b && !b.hidden ? b.textContent : '';",
        vec![],
    )
    .await
    .unwrap()
    .json()
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bidder_sees_the_unread_count_change_without_reloading_and_opens_the_notification() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let (agency, _) =
        tests::fixtures::verified_agency(&app, "live@example.cn", "青山区城管局").await;
    let (vendor, _) =
        tests::fixtures::verified_vendor(&app, "bidder@example.cn", "江城无人机服务").await;
    let id = app
        .post(
            "/api/v1/scenarios",
            Some(&agency),
            tests::fixtures::posting(&app, 30),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/scenarios/{id}");
    app.post(
        &format!("{path}/publish"),
        Some(&agency),
        serde_json::json!({}),
    )
    .await;
    let b = app
        .post(
            &format!("{path}/bids"),
            Some(&vendor),
            tests::fixtures::bid(300_000),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    let q = app
        .post(
            &format!("{path}/questions"),
            Some(&vendor),
            serde_json::json!({"body": "数据从哪来？"}),
        )
        .await;
    let qid = q.body["id"].as_i64().unwrap();
    app.drain_jobs().await;

    sign_in(&d, &app, "bidder@example.cn").await;
    d.goto(app.url("/scenarios")).await.unwrap();
    assert_eq!(unread_badge(&d).await, "1", "the verification");
    d.execute("document.body.dataset.kept = 'yes'; return 'ok';", vec![])
        .await
        .unwrap();
    let answered = app
        .post(
            &format!("/api/v1/questions/{qid}/answer"),
            Some(&agency),
            serde_json::json!({"body": "来自区视频共享平台。"}),
        )
        .await;
    assert_eq!(answered.status, 201, "{:?}", answered.body);
    app.drain_jobs().await;
    let mut seen = String::new();
    for _ in 0..100 {
        seen = unread_badge(&d).await;
        if seen == "2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, "2", "the count changes without a reload");
    let kept = d
        .execute("return document.body.dataset.kept || 'reloaded';", vec![])
        .await
        .unwrap();
    assert_eq!(
        kept.json().as_str(),
        Some("yes"),
        "the page was not reloaded"
    );

    // The inbox; opening the answer marks it read and goes to the scenario's questions.
    d.query(By::Css("a.inbox-link"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let newest = d
        .query(By::Css(".inbox .card.unread .link-button"))
        .first()
        .await
        .unwrap();
    assert!(
        newest.text().await.unwrap().contains("的问题有了答复"),
        "newest first"
    );
    newest.click().await.unwrap();
    d.query(By::Css("#qa"))
        .first()
        .await
        .expect("the scenario's questions");
    assert!(
        d.current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with(&format!("/scenarios/{id}#qa"))
    );
    let mut left = String::new();
    for _ in 0..50 {
        left = unread_badge(&d).await;
        if left == "1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, "1", "one is left unread");
    app.assert_invariants().await;
}

/// The whole loop: a vendor saves the search it sees; an agency publishes a scenario
/// that fits; the vendor's header count changes without a reload and the notification opens
/// the scenario; the owner invites that vendor from its recommended vendors, and the vendor
/// is told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_search_brings_the_new_scenario_live_and_the_owner_invites_that_vendor() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let (agency, _) =
        tests::fixtures::verified_agency(&app, "owner@example.cn", "青山区城管局").await;
    let (vendor, org) =
        tests::fixtures::verified_vendor(&app, "saver@example.cn", "江城无人机服务").await;
    let p = app
        .call(
            "PATCH",
            &format!("/api/v1/organizations/{org}"),
            Some(&vendor),
            Some(serde_json::json!({"capabilities": ["无人机", "巡检"], "description": "无人机河道巡检。"})),
        )
        .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    app.drain_jobs().await;

    // The vendor searches, and saves the search it sees.
    sign_in(&d, &app, "saver@example.cn").await;
    d.goto(app.url("/search?q=%E6%97%A0%E4%BA%BA%E6%9C%BA"))
        .await
        .unwrap();
    d.query(By::Css("button[form='save-search']"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css(".notice[role=status]"))
        .first()
        .await
        .expect("saved");
    let saved = app.get("/api/v1/me/saved-searches", Some(&vendor)).await;
    assert_eq!(saved.body["total"], 1, "{:?}", saved.body);
    assert_eq!(saved.body["items"][0]["q"], "无人机");
    d.goto(app.url("/scenarios")).await.unwrap();
    let before = unread_badge(&d).await;
    d.execute("document.body.dataset.kept = 'yes'; return 'ok';", vec![])
        .await
        .unwrap();

    // The agency publishes a scenario that fits.
    let id = app
        .post(
            "/api/v1/scenarios",
            Some(&agency),
            tests::fixtures::posting(&app, 30),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let published = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(published.status, 200, "{:?}", published.body);
    app.drain_jobs().await;
    let want = (before.parse::<i64>().unwrap_or(0) + 1).to_string();
    let mut seen = String::new();
    for _ in 0..100 {
        seen = unread_badge(&d).await;
        if seen == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, want, "the count changes without a reload");
    let kept = d
        .execute("return document.body.dataset.kept || 'reloaded';", vec![])
        .await
        .unwrap();
    assert_eq!(kept.json().as_str(), Some("yes"));
    d.query(By::Css("a.inbox-link"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let newest = d
        .query(By::Css(".inbox .card.unread .link-button"))
        .first()
        .await
        .unwrap();
    assert!(
        newest.text().await.unwrap().contains("新场景"),
        "newest first"
    );
    newest.click().await.unwrap();
    d.query(By::Css("article.scenario h1"))
        .first()
        .await
        .expect("the scenario");
    assert!(
        d.current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with(&format!("/scenarios/{id}"))
    );
    sign_out(&d).await;

    // The owner opens its recommended vendors and invites the vendor.
    sign_in(&d, &app, "owner@example.cn").await;
    d.goto(app.url(&format!("/scenarios/{id}"))).await.unwrap();
    d.query(By::Css(format!("a[href='/scenarios/{id}/recommended']")))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let card = d
        .query(By::Css(format!("#vendor-{org}")))
        .first()
        .await
        .expect("the vendor is recommended");
    assert!(
        card.text().await.unwrap().contains("无人机"),
        "with its reasons"
    );
    card.find(By::Css("summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    card.find(By::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Css(".notice[role=status]"))
        .first()
        .await
        .expect("invited");
    let card = d
        .query(By::Css(format!("#vendor-{org}")))
        .first()
        .await
        .unwrap();
    assert!(card.text().await.unwrap().contains("已邀请"));
    app.drain_jobs().await;
    let told = app
        .get(
            "/api/v1/notifications?kind=invitation",
            Some(&app.token("saver@example.cn").await),
        )
        .await;
    assert_eq!(told.body["total"], 1, "{:?}", told.body);
    app.assert_invariants().await;
}

/// What the charts on the page measure as drawn: (svg count, bars with a size, widest page
/// overflow in pixels).
async fn charts_drawn(d: &WebDriver) -> (i64, i64, i64) {
    let r = d
        .execute(
            "const svgs = [...document.querySelectorAll('svg.chart')];
             const bars = svgs.flatMap(s => [...s.querySelectorAll('rect.bar')])
               .filter(r => { const b = r.getBoundingClientRect(); return b.width > 0.5 && b.height > 0.5; });
             const over = document.documentElement.scrollWidth - document.documentElement.clientWidth;
             return [svgs.length, bars.length, over];",
            vec![],
        )
        .await
        .unwrap();
    let v: Vec<i64> = r.convert().unwrap();
    (v[0], v[1], v[2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_reads_the_dashboard_queue_and_audit_log_and_a_visitor_the_opc_page() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    tests::fixtures::demo(&app).await;
    app.admin_token().await;

    // A visitor opens the community page from the header.
    d.goto(app.url("/")).await.unwrap();
    d.query(By::Css("nav.main-nav a[href='/opc']"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Id("opc-members"))
        .first()
        .await
        .expect("members");
    let text = text_of(&d).await;
    assert!(
        text.contains("青灵视觉科技") && text.contains("年度订单承诺进度"),
        "{text}"
    );
    assert!(text.contains("1亿元"), "the pledge reads in 亿: {text}");
    let (svgs, bars, over) = charts_drawn(&d).await;
    // The pledge bar and the monthly chart: one month has the demo award, the pledge a sliver.
    assert_eq!(svgs, 2);
    assert!(bars >= 2, "{bars} bars drawn");
    assert!(over <= 0, "no sideways scroll: {over}px");
    let months: i64 = d
        .execute(
            "return document.querySelectorAll('#opc-months rect.bar').length;",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(months, 12);

    // The administrator signs in and opens the dashboard from the header.
    sign_in(&d, &app, "root@test.cn").await;
    d.query(By::Css("nav.main-nav a[href='/admin']"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.query(By::Id("chart-domains"))
        .first()
        .await
        .expect("charts");
    let (svgs, bars, over) = charts_drawn(&d).await;
    assert_eq!(svgs, 5, "state, domain, bids, days, OPC share");
    assert!(bars >= 10, "{bars} bars drawn");
    assert!(over <= 0);
    let scenarios = d
        .query(By::Id("stat-scenarios"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(scenarios, "17");
    let workload = d
        .query(By::Css("#workload tbody tr"))
        .all_from_selector()
        .await
        .unwrap();
    assert_eq!(workload.len(), 3, "the demo panel's three experts");

    // The audit log, filtered by an action's start.
    d.query(By::Css(".admin-tabs a[href='/admin/audit']"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let chain = d
        .query(By::Id("chain-status"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(chain.contains("哈希链完整"), "{chain}");
    fill(&d, "action", "scenario.award").await;
    d.query(By::Css("form.filter-bar button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rows = d
        .query(By::Css("#audit-records tbody tr"))
        .all_from_selector()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the demo's one award");
    // A bad date comes back beside its field.
    fill(&d, "action", "").await;
    fill(&d, "since", "昨天").await;
    d.query(By::Css("form.filter-bar button[type=submit]"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = d
        .query(By::Id("since-error"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(err.contains("RFC 3339"), "{err}");

    // The job queue: nothing parked.
    d.query(By::Css(".admin-tabs a[href='/admin/jobs']"))
        .first()
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text_of(&d).await.contains("没有失败的任务"));

    // On a phone the dashboard's charts fit the screen.
    d.set_window_rect(0, 0, 390, 900).await.unwrap();
    d.goto(app.url("/admin")).await.unwrap();
    d.query(By::Id("chart-states")).first().await.unwrap();
    let (svgs, _, over) = charts_drawn(&d).await;
    assert_eq!(svgs, 5);
    assert!(over <= 0, "no sideways scroll on a phone: {over}px");
    app.assert_invariants().await;
}
