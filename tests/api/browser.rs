//! A real browser (headless Chromium through WebDriver) registers, signs in and reads the
//! account page in Chinese, then in English. Without Chromium the test says so loudly; with
//! `TEST_REQUIRE_BROWSER=1` (as in CI) a missing browser fails it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;

/// axe-core, run on every page a story visits: a serious or critical violation fails the
/// story. The script comes from the npm package that `.ci/run` installs into `tests/a11y`
/// (`npm ci --prefix tests/a11y`), or from `AXE_CORE_JS`. Without it the check says so loudly
/// once; with `TEST_REQUIRE_BROWSER=1` (as in CI) a missing script fails the story.
mod a11y {
    use std::sync::OnceLock;
    use thirtyfour::prelude::*;

    fn script() -> Option<&'static str> {
        static SCRIPT: OnceLock<Option<String>> = OnceLock::new();
        SCRIPT
            .get_or_init(|| {
                let path = std::env::var("AXE_CORE_JS").unwrap_or_else(|_| {
                    concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/a11y/node_modules/axe-core/axe.min.js"
                    )
                    .into()
                });
                match std::fs::read_to_string(&path) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        let required =
                            std::env::var("TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
                        assert!(
                            !required,
                            "TEST_REQUIRE_BROWSER=1 but axe-core is missing at {path}: {e} (npm ci --prefix tests/a11y)"
                        );
                        eprintln!(
                            "\n!!! NOTICE: axe-core not found at {path}: the accessibility checks did NOT run. Run `npm ci --prefix tests/a11y`. !!!\n"
                        );
                        None
                    }
                }
            })
            .as_deref()
    }

    /// Runs axe-core on the page the browser shows and panics with every serious or critical
    /// violation, the elements it found and how to fix them.
    pub async fn check(d: &WebDriver) {
        let Some(found) = violations(d).await else {
            return;
        };
        if !found.is_empty() {
            let url = d.current_url().await.unwrap();
            panic!(
                "accessibility: {} serious or critical violation(s) on {url}\n{}",
                found.len(),
                found.join("\n")
            );
        }
    }

    /// The serious and critical violations axe-core finds on the page, one text each (rule,
    /// help, the first elements); `None` when axe-core is not installed.
    pub async fn violations(d: &WebDriver) -> Option<Vec<String>> {
        let src = script()?;
        let present = d
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .unwrap();
        if present.json().as_bool() != Some(true) {
            d.execute(&format!("{src}\nwindow.axe = axe; return 1;"), vec![])
                .await
                .expect("axe-core loads");
        }
        let found = d
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']}).then(r => done(
                   r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.impact + ' ' + v.id + ': ' + v.help + '\n' +
                       v.nodes.slice(0, 6).map(n => '    ' + n.target.join(' ') + '  ' +
                         (n.failureSummary || '').replace(/\n/g, ' ')).join('\n'))
                 ), e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await
            .expect("axe-core runs");
        Some(found.convert().unwrap())
    }
}

/// chromedriver and the Chromium it started for one profile folder: both end with the test,
/// whether or not it quit its session (killing chromedriver alone left the browser and its
/// renderers running after the suite, 84 processes, and they skewed whatever ran next).
struct Driver {
    child: Child,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", "--"])
            .arg(format!("--user-data-dir={}", self.profile.display()))
            .status();
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
    let profile = tempfile::tempdir().unwrap();
    let guard = Driver {
        child,
        profile: profile.path().to_path_buf(),
    };
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

/// Clicks the first element that `css` finds and waits until the browser has loaded the page
/// the click leads to, so that nothing after it reads the page it left (under load a click
/// returns before the navigation starts).
async fn click_through(d: &WebDriver, css: &str) {
    let el = d
        .query(By::Css(css))
        .first()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    follow(d, el, css).await;
}

/// Clicks the first link whose text is `text` and waits for the page it leads to.
async fn link_through(d: &WebDriver, text: &str) {
    let el = d
        .query(By::LinkText(text))
        .first()
        .await
        .unwrap_or_else(|e| panic!("link {text}: {e}"));
    follow(d, el, text).await;
}

/// Opens `path` of the app and checks the page's accessibility.
async fn visit(d: &WebDriver, app: &tests::TestApp, path: &str) {
    d.goto(app.url(path)).await.unwrap();
    a11y::check(d).await;
}

/// Clicks `el` (named `what` in a failure) and waits for the page it leads to.
async fn follow(d: &WebDriver, el: WebElement, what: &str) {
    d.execute("window.__left = true; return 1;", vec![])
        .await
        .unwrap();
    el.click().await.unwrap();
    arrived(d, &format!("clicking {what}")).await;
}

/// Waits (at most 30 s) until the document marked before an action has given way to a fully
/// loaded new one, then checks its accessibility.
async fn arrived(d: &WebDriver, action: &str) {
    for _ in 0..300 {
        let loaded = d
            .execute(
                "return window.__left === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .map(|r| r.json().as_bool() == Some(true))
            .unwrap_or(false);
        if loaded {
            a11y::check(d).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{action} loaded no new page in 30 s; still at {}",
        d.current_url().await.unwrap()
    );
}

/// Signs out with the header button and waits for the signed-out page.
async fn sign_out(d: &WebDriver) {
    click_through(d, "form[action='/logout'] button").await;
    d.query(By::Css("a[href='/login']"))
        .first()
        .await
        .expect("signed out");
}

/// Signs in through the form with the tests' password.
async fn sign_in(d: &WebDriver, app: &tests::TestApp, email: &str) {
    sign_in_as(d, app, email, tests::PASSWORD).await;
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
    visit(&d, &app, "/scenarios/new").await;
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
    click_through(&d, "button[value=save]").await;
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
    click_through(&d, ".action-list a[href$='/publish']").await;
    click_through(&d, "form[action$='/publish'] button[type=submit]").await;
    d.query(By::Css(".notice"))
        .first()
        .await
        .expect("published notice");
    let body = text_of(&d).await;
    assert!(body.contains("投标中"), "{body}");
    // A signed-out visitor finds it in the public list and opens it.
    sign_out(&d).await;
    visit(&d, &app, "/scenarios").await;
    link_through(&d, "社区养老需求智能匹配").await;
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
    visit(&d, &app, &format!("/scenarios/{sid}")).await;
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
    click_through(&d, "#bid-form button[type=submit]").await;
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
    visit(&d, &app, &format!("/scenarios/{sid}")).await;
    let body = text_of(&d).await;
    assert!(
        !body.contains("投标企业") && !body.contains("380") && !body.contains(&hash[..12]),
        "{body}"
    );
    assert!(
        d.find(By::Id("bid-form")).await.is_ok(),
        "the rival can still bid"
    );
    visit(&d, &app, &bid_url).await;
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
    visit(&d, &app, &format!("/evaluate/{sid}")).await;
    let body = text_of(&d).await;
    assert!(
        body.contains("投标企业0") && body.contains("投标企业1") && !body.contains("方案"),
        "names only: {body}"
    );
    click_through(&d, "form[action$='/declare'] button[type=submit]").await;
    for b in &bids {
        click_through(&d, &format!("a[href='/evaluate/{sid}/bids/{b}']")).await;
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
        click_through(&d, "#score-sheet button[type=submit]").await;
        d.query(By::Css(".notice")).first().await.expect("saved");
    }
    sign_out(&d).await;

    // The owner awards rank 1 from the ranking page.
    sign_in(&d, &app, "owner@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}/ranking")).await;
    click_through(&d, "form[action$='/award'] button[type=submit]").await;
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
    visit(&d, &app, "/notices").await;
    link_through(&d, "河道漂浮物识别").await;
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
    visit(&d, &app, "/register").await;
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
    click_through(&d, "form.stack button[type=submit]").await;
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
    visit(&d, &app, "/login").await;
    fill(&d, "email", "browser@example.cn").await;
    fill(&d, "password", tests::PASSWORD).await;
    click_through(&d, "form.stack button[type=submit]").await;
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
    link_through(&d, "English").await;
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
    visit(&d, &app, "/").await;
    fill(&d, "header-q", "无人机").await;
    click_through(&d, "form.header-search button").await;
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
    click_through(
        &d,
        &format!("#search-results a[href='/scenarios/{}']", ids[0]),
    )
    .await;
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
    visit(&d, &app, "/scenarios").await;
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
    click_through(&d, "a.inbox-link").await;
    let newest = d
        .query(By::Css(".inbox .card.unread .link-button"))
        .first()
        .await
        .unwrap();
    assert!(
        newest.text().await.unwrap().contains("的问题有了答复"),
        "newest first"
    );
    follow(&d, newest, "the newest notification").await;
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

/// The issue's whole loop: a vendor saves the search it sees; an agency publishes a scenario
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
    visit(&d, &app, "/search?q=%E6%97%A0%E4%BA%BA%E6%9C%BA").await;
    click_through(&d, "button[form='save-search']").await;
    d.query(By::Css(".notice[role=status]"))
        .first()
        .await
        .expect("saved");
    let saved = app.get("/api/v1/me/saved-searches", Some(&vendor)).await;
    assert_eq!(saved.body["total"], 1, "{:?}", saved.body);
    assert_eq!(saved.body["items"][0]["q"], "无人机");
    visit(&d, &app, "/scenarios").await;
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
    click_through(&d, "a.inbox-link").await;
    let newest = d
        .query(By::Css(".inbox .card.unread .link-button"))
        .first()
        .await
        .unwrap();
    assert!(
        newest.text().await.unwrap().contains("新场景"),
        "newest first"
    );
    follow(&d, newest, "the newest notification").await;
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
    visit(&d, &app, &format!("/scenarios/{id}")).await;
    click_through(&d, &format!("a[href='/scenarios/{id}/recommended']")).await;
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
    let invite = card.find(By::Css("button[type=submit]")).await.unwrap();
    follow(&d, invite, "the invite button").await;
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
    visit(&d, &app, "/").await;
    click_through(&d, "nav.main-nav a[href='/opc']").await;
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
    click_through(&d, "nav.main-nav a[href='/admin']").await;
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
    assert_eq!(scenarios, "18");
    let contracts = d
        .query(By::Id("stat-contracts"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let overdue = d
        .query(By::Id("stat-overdue"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        (contracts.as_str(), overdue.as_str()),
        ("2", "1"),
        "the demo's contracts"
    );
    let workload = d
        .query(By::Css("#workload tbody tr"))
        .all_from_selector()
        .await
        .unwrap();
    assert_eq!(workload.len(), 3, "the demo panel's three experts");

    // The audit log, filtered by an action's start.
    click_through(&d, ".admin-tabs a[href='/admin/audit']").await;
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
    click_through(&d, "form.filter-bar button[type=submit]").await;
    let rows = d
        .query(By::Css("#audit-records tbody tr"))
        .all_from_selector()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the demo's two awards");
    // A bad date comes back beside its field.
    fill(&d, "action", "").await;
    fill(&d, "since", "昨天").await;
    click_through(&d, "form.filter-bar button[type=submit]").await;
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
    click_through(&d, ".admin-tabs a[href='/admin/jobs']").await;
    assert!(text_of(&d).await.contains("没有失败的任务"));

    // On a phone the dashboard's charts fit the screen.
    d.set_window_rect(0, 0, 390, 900).await.unwrap();
    visit(&d, &app, "/admin").await;
    d.query(By::Id("chart-states")).first().await.unwrap();
    let (svgs, _, over) = charts_drawn(&d).await;
    assert_eq!(svgs, 5);
    assert!(over <= 0, "no sideways scroll on a phone: {over}px");
    app.assert_invariants().await;
}

/// The check itself: a page with an image without a text alternative and a nameless button
/// is caught, by rule, so the gate above can fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accessibility_check_names_a_violation_it_finds() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    visit(&d, &app, "/").await;
    d.execute(
        "const main = document.querySelector('main');
         main.insertAdjacentHTML('beforeend', '<img src=\"/static/none.png\"><button></button>');
         return 1;",
        vec![],
    )
    .await
    .unwrap();
    let Some(found) = a11y::violations(&d).await else {
        return;
    };
    let all = found.join("\n");
    assert!(all.contains("critical image-alt"), "{all}");
    assert!(all.contains("critical button-name"), "{all}");
}

/// Presses Tab until the focused element matches `css`, and returns what focus passed through
/// (id or tag). Each focused control must show a focus indicator (an outline or a shadow).
async fn tab_to(d: &WebDriver, css: &str) -> Vec<String> {
    let mut passed = Vec::new();
    for _ in 0..120 {
        d.action_chain()
            .send_keys(Key::Tab)
            .perform()
            .await
            .unwrap();
        let r = d
            .execute(
                "const el = document.activeElement; const st = getComputedStyle(el);
                 const shown = (st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0)
                   || st.boxShadow !== 'none';
                 return [el.id || el.tagName.toLowerCase(), el.matches(arguments[0]), shown];",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap();
        let (name, hit, shown): (String, bool, bool) = r.convert().unwrap();
        assert!(shown, "focus on {name} is not visible (going to {css})");
        passed.push(name);
        if hit {
            return passed;
        }
    }
    panic!("Tab never reached {css}; it went through {passed:?}");
}

/// Types into the focused element, as a keyboard does.
async fn type_keys(d: &WebDriver, text: &str) {
    d.action_chain().send_keys(text).perform().await.unwrap();
}

/// Presses Enter on the focused control and waits for the page it leads to.
async fn enter_through(d: &WebDriver, what: &str) {
    d.execute("window.__left = true; return 1;", vec![])
        .await
        .unwrap();
    d.action_chain()
        .send_keys(Key::Enter)
        .perform()
        .await
        .unwrap();
    arrived(d, &format!("Enter on {what}")).await;
}

/// Bidding and scoring with the keyboard alone: from the scenario page a vendor reaches every
/// field of the bid form with Tab, in order, and submits it with Enter; an evaluator declares,
/// opens a bid and saves a score sheet the same way. Every control focus passes shows where
/// focus is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_bids_and_an_evaluator_scores_with_the_keyboard_alone() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let admin = app.admin_token().await;
    let (owner, sid) = tests::fixtures::open_scenario(&app).await;
    let (vendor, _) = tests::fixtures::verified_vendor(&app, "keys@example.cn", "键盘科技").await;
    let mut evs = Vec::new();
    for i in 0..3 {
        evs.push(
            tests::fixtures::evaluator(
                &app,
                &admin,
                &format!("ev{i}@example.cn"),
                &format!("专家{i}"),
            )
            .await,
        );
    }
    let panel = app
        .call(
            "PUT",
            &format!("/api/v1/scenarios/{sid}/panel"),
            Some(&owner),
            Some(serde_json::json!({"evaluator_ids": evs})),
        )
        .await;
    assert_eq!(panel.status, 200, "{:?}", panel.body);

    // The vendor: Tab from the top of the page to the bid form, field by field.
    sign_in(&d, &app, "keys@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}")).await;
    tab_to(&d, "#price").await;
    type_keys(&d, "380000").await;
    for (next, text) in [
        ("#delivery_days", "120"),
        ("#technical_proposal", "全键盘完成的投标方案。"),
        ("#team", "两人团队"),
    ] {
        let passed = tab_to(&d, next).await;
        assert_eq!(passed.len(), 1, "{next} comes straight after: {passed:?}");
        type_keys(&d, text).await;
    }
    let passed = tab_to(&d, "#bid-form button[type=submit]").await;
    assert!(passed.len() <= 3, "the file box, then submit: {passed:?}");
    enter_through(&d, "the bid's submit button").await;
    d.query(By::Css(".receipts code.hash"))
        .first()
        .await
        .expect("a receipt after the keyboard's bid");
    let mine = app.get("/api/v1/me/bids", Some(&vendor)).await;
    assert_eq!(mine.body["total"], 1, "{:?}", mine.body);
    assert_eq!(mine.body["items"][0]["price_fen"], 38_000_000);
    let bid = mine.body["items"][0]["id"].as_i64().unwrap();
    sign_out(&d).await;

    // The evaluator, after the deadline: declare, open the bid, score, save.
    app.clock.advance(chrono::Duration::days(31));
    sign_in(&d, &app, "ev0@example.cn").await;
    visit(&d, &app, &format!("/evaluate/{sid}")).await;
    tab_to(&d, "input[name=has_conflict][value=false]").await;
    tab_to(&d, "form[action$='/declare'] button[type=submit]").await;
    enter_through(&d, "the declaration's submit button").await;
    tab_to(&d, &format!("a[href='/evaluate/{sid}/bids/{bid}']")).await;
    enter_through(&d, "the bid's link").await;
    let criteria = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect::<Vec<_>>();
    for c in &criteria {
        tab_to(&d, &format!("#score-{c}")).await;
        type_keys(&d, "85").await;
    }
    tab_to(&d, "#score-sheet button[type=submit]").await;
    enter_through(&d, "the sheet's save button").await;
    d.query(By::Css(".notice")).first().await.expect("saved");
    let ev0 = app.token("ev0@example.cn").await;
    let sheet = app
        .get(&format!("/api/v1/scenarios/{sid}/my-scores"), Some(&ev0))
        .await;
    assert_eq!(sheet.status, 200, "{:?}", sheet.body);
    let scores = sheet.body["items"].as_array().expect("scores");
    assert_eq!(scores.len(), criteria.len(), "{:?}", sheet.body);
    assert!(
        scores
            .iter()
            .all(|s| s["score"] == 85 && s["bid_id"] == bid),
        "{:?}",
        sheet.body
    );
}

/// Signs in through the form with `password`.
async fn sign_in_as(d: &WebDriver, app: &tests::TestApp, email: &str, password: &str) {
    visit(d, app, "/login").await;
    fill(d, "email", email).await;
    fill(d, "password", password).await;
    click_through(d, "form.stack button[type=submit]").await;
    d.query(By::Css("form[action='/logout']"))
        .first()
        .await
        .expect("signed in");
}

/// A path's shape: every number becomes `{id}` and the query goes (one visit per page kind).
fn shape(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut out = String::new();
    let mut in_number = false;
    for c in path.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push_str("{id}");
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// Walks the site from `start` as the signed-in (or anonymous) browser sees it, following its
/// own links breadth-first, one page per path shape and at most `limit` pages; axe-core checks
/// each. Returns the shapes seen.
async fn walk(d: &WebDriver, app: &tests::TestApp, start: &[&str], limit: usize) -> Vec<String> {
    let skip = |p: &str| {
        p.starts_with("/api/")
            || p.starts_with("/static/")
            || p.starts_with("/feeds/")
            || p.starts_with("/lang/")
            || p.contains("/attachments/")
            || p.contains("/download")
            || p.ends_with(".pdf")
    };
    let mut queue: std::collections::VecDeque<String> =
        start.iter().map(|s| s.to_string()).collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut shapes = Vec::new();
    while let Some(path) = queue.pop_front() {
        if shapes.len() >= limit {
            break;
        }
        let kind = shape(&path);
        if skip(&path) || !seen.insert(kind.clone()) {
            continue;
        }
        visit(d, app, &path).await;
        shapes.push(kind);
        let links: Vec<String> = d
            .execute(
                "return [...document.querySelectorAll('a[href^=\"/\"]')].map(a => a.getAttribute('href'));",
                vec![],
            )
            .await
            .unwrap()
            .convert()
            .unwrap();
        queue.extend(links);
    }
    shapes
}

/// Every kind of page the demo data show, as each kind of user reaches it by following links,
/// passes axe-core: the visitor, a vendor that won, the owner agency, an evaluator of the
/// finished sample and the administrator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_the_demo_links_passes_the_accessibility_check_for_every_role() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    tests::fixtures::demo(&app).await;
    let public = walk(
        &d,
        &app,
        &["/", "/login", "/register", "/forgot-password"],
        40,
    )
    .await;
    for must in [
        "/",
        "/scenarios",
        "/scenarios/{id}",
        "/notices",
        "/opc",
        "/vendors",
        "/login",
    ] {
        assert!(
            public.iter().any(|s| s == must),
            "{must} not reached: {public:?}"
        );
    }
    eprintln!(
        "accessibility walk as a visitor: {} page kinds",
        public.len()
    );
    let list = app.get("/api/v1/scenarios?per_page=100", None).await;
    let sample = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "塔吊群防碰撞智能预警（示例）")
        .expect("the finished sample")["id"]
        .as_i64()
        .unwrap();
    let sample_page = format!("/scenarios/{sample}");
    let sample_ranking = format!("/scenarios/{sample}/ranking");
    let password = scenario_market::demo::DEMO_PASSWORD;
    for (email, start, must) in [
        (
            "founder@qingling-vision.demo",
            &["/my/bids", "/account", "/notifications"][..],
            &["/bids/{id}", "/notifications/settings", "/consortia/{id}"][..],
        ),
        (
            "urban-management@demo.qingshan.gov.cn",
            &["/my/scenarios", "/scenarios/new", sample_ranking.as_str()][..],
            &["/scenarios/{id}/ranking", "/scenarios/{id}/panel"][..],
        ),
        (
            "expert.huang@demo.qingshan.gov.cn",
            &["/evaluate", sample_page.as_str()][..],
            &["/evaluate/{id}"][..],
        ),
        (
            "admin@demo.qingshan.gov.cn",
            &["/admin"][..],
            &[
                "/admin/jobs",
                "/admin/audit",
                "/admin/organizations",
                "/admin/evaluators",
            ][..],
        ),
    ] {
        sign_in_as(&d, &app, email, password).await;
        let shapes = walk(&d, &app, start, 40).await;
        for m in must {
            assert!(
                shapes.iter().any(|s| s == m),
                "{email}: {m} not reached: {shapes:?}"
            );
        }
        eprintln!("accessibility walk as {email}: {} page kinds", shapes.len());
        sign_out(&d).await;
    }
}

/// Sets a form field by script (a date input takes its value in the browser's own format
/// when typed; set, it takes ISO).
async fn set_value(d: &WebDriver, id: &str, value: &str) {
    d.execute(
        &format!("document.getElementById('{id}').value = '{value}'; return 1;"),
        vec![],
    )
    .await
    .unwrap_or_else(|e| panic!("#{id}: {e}"));
}

/// The contract as the owner reads it through the API.
async fn contract_json(app: &tests::TestApp, sid: i64) -> serde_json::Value {
    let t = app.token("owner@example.cn").await;
    app.get(&format!("/api/v1/scenarios/{sid}/contract"), Some(&t))
        .await
        .body
}

/// From the award to the last payment through the pages: the owner records the contract (a
/// schedule whose shares do not sum to 100 is shown again with the error beside it), the
/// vendor confirms it, a milestone is returned and submitted again, each is accepted and paid,
/// and a visitor reads the contract notice and the agency's record. axe-core checks every page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_contract_to_the_last_payment_through_the_pages() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let r = tests::fixtures::ready(&app, 2).await;
    let sid = r.sid;
    let awarded = tests::fixtures::award(&app, sid, r.bids[0], None).await;
    assert_eq!(awarded.status, 200, "{:?}", awarded.body);
    let today = domain::beijing::date(app.parts.services.now());
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();

    // The owner records it; the first try's shares sum to 90.
    sign_in(&d, &app, "owner@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}")).await;
    link_through(&d, "合同与履约").await;
    fill(&d, "value_yuan", "500000").await;
    set_value(&d, "signed_on", &day(0)).await;
    fill(&d, "term_days", "90").await;
    for (i, (title, due, share)) in [("数据接入", day(30), "40"), ("模型上线", day(80), "50")]
        .iter()
        .enumerate()
    {
        fill(&d, &format!("m{i}_title"), title).await;
        set_value(&d, &format!("m{i}_due"), due).await;
        fill(&d, &format!("m{i}_share"), share).await;
    }
    click_through(&d, "#record-form button[type=submit]").await;
    let body = text_of(&d).await;
    assert!(
        body.contains("各里程碑比例之和须为 100%（现为 90%）"),
        "{body}"
    );
    let kept = d
        .query(By::Id("m1_title"))
        .first()
        .await
        .unwrap()
        .value()
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("模型上线"), "what was typed stays");
    fill(&d, "m1_share", "60").await;
    click_through(&d, "#record-form button[type=submit]").await;
    assert!(text_of(&d).await.contains("待供应商确认"));
    let c = contract_json(&app, sid).await;
    let (m1, m2) = (
        c["milestones"][0]["id"].as_i64().unwrap(),
        c["milestones"][1]["id"].as_i64().unwrap(),
    );
    sign_out(&d).await;

    // The vendor confirms it and submits the first milestone.
    sign_in(&d, &app, "v0@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}/contract")).await;
    click_through(&d, "#confirm-form button[type=submit]").await;
    assert!(text_of(&d).await.contains("已公告"));
    fill(&d, &format!("note-{m1}"), "已接入 12 路视频。").await;
    click_through(&d, &format!("#milestone-{m1} form button[type=submit]")).await;
    assert!(text_of(&d).await.contains("待验收"));
    sign_out(&d).await;

    // The owner returns it with reasons; the vendor submits again; the owner accepts and pays.
    sign_in(&d, &app, "owner@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}/contract")).await;
    fill(&d, &format!("reasons-{m1}"), "缺少标注抽检报告。").await;
    click_through(
        &d,
        &format!("form[action$='/milestones/{m1}/return'] button"),
    )
    .await;
    assert!(text_of(&d).await.contains("缺少标注抽检报告"));
    sign_out(&d).await;
    sign_in(&d, &app, "v0@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}/contract")).await;
    fill(&d, &format!("note-{m1}"), "补充抽检报告。").await;
    click_through(&d, &format!("#milestone-{m1} form button[type=submit]")).await;
    sign_out(&d).await;
    sign_in(&d, &app, "owner@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}/contract")).await;
    fill(&d, &format!("remarks-{m1}"), "合格。").await;
    click_through(
        &d,
        &format!("form[action*='/milestones/{m1}/accept'] button"),
    )
    .await;
    fill(&d, "pay-amount", "200000").await;
    set_value(&d, "pay-on", &day(0)).await;
    click_through(&d, "#pay-form button[type=submit]").await;
    assert!(
        d.query(By::Css("#payment-table tbody tr"))
            .all_from_selector()
            .await
            .unwrap()
            .len()
            == 1,
        "{}",
        text_of(&d).await
    );
    sign_out(&d).await;

    // After the period to challenge: the second milestone, accepted and paid; delivered.
    app.clock.advance(chrono::Duration::days(20));
    let later = domain::beijing::date(app.parts.services.now()).to_string();
    sign_in(&d, &app, "v0@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}/contract")).await;
    fill(&d, &format!("note-{m2}"), "系统已上线。").await;
    click_through(&d, &format!("#milestone-{m2} form button[type=submit]")).await;
    sign_out(&d).await;
    sign_in(&d, &app, "owner@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}/contract")).await;
    click_through(
        &d,
        &format!("form[action*='/milestones/{m2}/accept'] button"),
    )
    .await;
    fill(&d, "pay-amount", "300000").await;
    set_value(&d, "pay-on", &later).await;
    click_through(&d, "#pay-form button[type=submit]").await;
    assert!(
        d.query(By::Id("pay-form")).first().await.is_err(),
        "nothing is owed"
    );
    visit(&d, &app, &format!("/scenarios/{sid}")).await;
    d.query(By::Id("rating-form"))
        .first()
        .await
        .expect("delivered: the rating form");
    sign_out(&d).await;

    // A visitor reads the notice and the agency's record.
    visit(&d, &app, &format!("/scenarios/{sid}/contract")).await;
    let body = text_of(&d).await;
    assert!(
        body.contains("已公告") && body.contains("50万元") && !body.contains("缺少标注"),
        "{body}"
    );
    visit(&d, &app, "/agencies").await;
    link_through(&d, "城管局").await;
    let contracts = d
        .query(By::Id("record-contracts"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(contracts, "1");
    let overdue = d
        .query(By::Id("record-overdue"))
        .first()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(overdue, "0");
    d.quit().await.unwrap();
}

/// Clicks the checkbox `id`.
async fn tick(d: &WebDriver, id: &str) {
    d.query(By::Id(id))
        .first()
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_startups_team_up_bid_as_one_and_the_notice_names_all_three() {
    let Some((d, _driver, _profile)) = start_browser().await else {
        return;
    };
    let app = tests::spawn_app().await;
    let sid = tests::fixtures::with_panel(&app).await;
    let mut orgs = vec![];
    for (email, name, kind) in [
        ("lead@example.cn", "青灵视觉", "ai_software"),
        ("hw@example.cn", "翼飞无人机", "hardware"),
        ("si@example.cn", "江城集成", "integration"),
    ] {
        tests::fixtures::verified_vendor(&app, email, name).await;
        orgs.push(tests::fixtures::offers(&app, email, &[kind], true).await);
    }

    // The lead finds the two partners among the suggestions and invites them.
    sign_in(&d, &app, "lead@example.cn").await;
    visit(&d, &app, &format!("/scenarios/{sid}")).await;
    link_through(&d, "寻找合作伙伴，组成联合体投标 →").await;
    fill(&d, "team-message-1", "一起投无人机巡检吧").await;
    click_through(&d, "#teams form button[type=submit]").await;
    let url = d.current_url().await.unwrap().to_string();
    let kid: i64 = url
        .split("/consortia/")
        .nth(1)
        .and_then(|r| r.split(['?', '#']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the consortium's page: {url}"));
    let body = text_of(&d).await;
    assert!(
        body.contains("翼飞无人机") && body.contains("江城集成") && body.contains("已邀请"),
        "{body}"
    );
    sign_out(&d).await;

    // Each partner finds the invitation among its consortia and accepts it.
    for email in ["hw@example.cn", "si@example.cn"] {
        sign_in(&d, &app, email).await;
        visit(&d, &app, "/consortia").await;
        link_through(&d, "青灵视觉 联合体").await;
        assert!(text_of(&d).await.contains("一起投无人机巡检吧"));
        click_through(&d, "form[action$='/accept'] button").await;
        sign_out(&d).await;
    }

    // The lead writes the agreement; the first try's shares sum to 90.
    sign_in(&d, &app, "lead@example.cn").await;
    visit(&d, &app, &format!("/consortia/{kid}")).await;
    for (org, pct) in orgs.iter().zip(["50", "30", "10"]) {
        fill(&d, &format!("share-{org}"), pct).await;
    }
    click_through(&d, "#agreement button[type=submit]").await;
    let body = text_of(&d).await;
    assert!(body.contains("份额之和须为 100%（现为 90%）"), "{body}");
    fill(&d, &format!("share-{}", orgs[2]), "20").await;
    click_through(&d, "#agreement button[type=submit]").await;
    // Confirming asks for the liability to be acknowledged.
    click_through(&d, "#confirm button[type=submit]").await;
    assert!(text_of(&d).await.contains("请确认承担连带责任"));
    tick(&d, "liability").await;
    click_through(&d, "#confirm button[type=submit]").await;
    sign_out(&d).await;
    for email in ["hw@example.cn", "si@example.cn"] {
        sign_in(&d, &app, email).await;
        visit(&d, &app, &format!("/consortia/{kid}")).await;
        tick(&d, "liability").await;
        click_through(&d, "#confirm button[type=submit]").await;
        sign_out(&d).await;
    }

    // Agreed: the lead bids for the consortium from the scenario's page.
    sign_in(&d, &app, "lead@example.cn").await;
    visit(&d, &app, &format!("/consortia/{kid}")).await;
    assert!(text_of(&d).await.contains("协议已确认"));
    link_through(&d, "去投标").await;
    assert!(text_of(&d).await.contains("将以联合体名义投标"));
    fill(&d, "price", "300000").await;
    fill(&d, "delivery_days", "60").await;
    fill(
        &d,
        "technical_proposal",
        "三家联合：无人机、识别模型与派单平台对接。",
    )
    .await;
    fill(&d, "team", "青灵视觉牵头，翼飞无人机与江城集成参加。").await;
    click_through(&d, "#bid-form button[type=submit]").await;
    let body = text_of(&d).await;
    assert!(body.contains("江城集成 20%"), "{body}");
    sign_out(&d).await;

    // A member reads the sealed bid from the consortium's page.
    sign_in(&d, &app, "si@example.cn").await;
    visit(&d, &app, &format!("/consortia/{kid}")).await;
    link_through(&d, "查看联合体投标").await;
    assert!(text_of(&d).await.contains("三家联合"));
    sign_out(&d).await;

    // A rival bids; after the deadline the panel scores and the owner awards the consortium.
    let (rival, _) = tests::fixtures::verified_vendor(&app, "other@example.cn", "别家").await;
    let r = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&rival),
            tests::fixtures::bid(320_000),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let bid = app.query_i64(&format!(
        "SELECT id AS n FROM bids WHERE consortium_id = {kid}"
    ));
    let rival_bid = r.body["bid"]["id"].as_i64().unwrap();
    tests::fixtures::scored(&app, sid, &[bid, rival_bid]).await;
    let won = tests::fixtures::award(&app, sid, bid, None).await;
    assert_eq!(won.status, 200, "{:?}", won.body);

    // A visitor reads the award notice: it names all three.
    visit(&d, &app, &format!("/scenarios/{sid}/notice")).await;
    let body = text_of(&d).await;
    for name in ["青灵视觉", "翼飞无人机 30%", "江城集成 20%"] {
        assert!(body.contains(name), "{name}: {body}");
    }
    d.quit().await.unwrap();
}
