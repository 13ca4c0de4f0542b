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
        .find(By::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn text_of(d: &WebDriver) -> String {
    d.find(By::Tag("body")).await.unwrap().text().await.unwrap()
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
    d.find(By::Css("input[name=role][value=vendor]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&d, "org_name", "青云智粒浏览器测试").await;
    fill(&d, "display_name", "李想").await;
    fill(&d, "email", "browser@example.cn").await;
    fill(&d, "password", tests::PASSWORD).await;
    d.find(By::Css("form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.find(By::Css(".notice")).await.expect("registered notice");
    assert!(
        d.current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/account")
    );
    // Sign out, then sign in through the form.
    d.find(By::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    d.goto(app.url("/login")).await.unwrap();
    fill(&d, "email", "browser@example.cn").await;
    fill(&d, "password", tests::PASSWORD).await;
    d.find(By::Css("form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let h1 = d.find(By::Tag("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "我的账号");
    let body = text_of(&d).await;
    assert!(
        body.contains("青云智粒浏览器测试") && body.contains("待认证"),
        "{body}"
    );
    // Switch to English with the header link.
    d.find(By::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let h1 = d.find(By::Tag("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "My account");
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
