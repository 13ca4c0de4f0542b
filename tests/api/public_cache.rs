//! Kept answers to anonymous public reads (`web::public_cache`) stay exact: validators and
//! 304; a write is seen at once; a deadline passes to the second; a bid renews nothing (so
//! when answers are renewed tells nothing about bids); signed-in readers are never answered
//! from them; and a second server process on the same database sees another's write within
//! the stated bound.

use std::time::{Duration, Instant};

use chrono::SecondsFormat;
use serde_json::json;
use tests::fixtures::{bid, posting, verified_agency, verified_vendor};
use tests::{Answer, TestApp, on_both};

async fn anonymous(app: &TestApp, path: &str, etag: Option<&str>) -> Answer {
    let mut rb = app.api.get(app.url(path));
    if let Some(e) = etag {
        rb = rb.header("If-None-Match", e);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Answer {
        status,
        headers,
        body,
    }
}

fn etag(a: &Answer) -> String {
    a.headers
        .get("etag")
        .unwrap_or_else(|| panic!("an ETag: {:?}", a.headers))
        .to_str()
        .unwrap()
        .to_string()
}

/// A scenario taking bids for one hour: its owner's token and id.
async fn one_hour_scenario(app: &TestApp) -> (String, i64) {
    let (agency, _) = verified_agency(app, "cache-owner@example.cn", "缓存测试局").await;
    let mut p = posting(app, 30);
    p["bid_deadline"] = json!(
        (app.parts.services.now() + chrono::Duration::hours(1))
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    let id = app.post("/api/v1/scenarios", Some(&agency), p).await.body["id"]
        .as_i64()
        .unwrap();
    let published = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            json!({}),
        )
        .await;
    assert_eq!(published.status, 200, "{:?}", published.body);
    (agency, id)
}

async fn kept_answers_are_exact(app: &TestApp) {
    let (agency, id) = one_hour_scenario(app).await;
    let detail = format!("/api/v1/scenarios/{id}");
    let page = format!("/scenarios/{id}");

    // Validators: the same answer twice, then 304 for the tag.
    let first = anonymous(app, &detail, None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["status"], "published");
    assert!(first.body["bid_count"].is_null());
    let tag = etag(&first);
    assert_eq!(
        first.headers.get("cache-control").unwrap(),
        "public, no-cache"
    );
    let again = anonymous(app, &detail, None).await;
    assert_eq!((again.status, etag(&again)), (200, tag.clone()));
    assert_eq!(again.body, first.body);
    let not_modified = anonymous(app, &detail, Some(&tag)).await;
    assert_eq!(not_modified.status, 304);
    assert_eq!(etag(&not_modified), tag);
    assert!(app.parts.services.local_writes() > 0);

    // A browser (which takes gzip) gets a kept page coded, under a tag of its own.
    let page_plain = anonymous(app, &page, None).await;
    let coded = app
        .api
        .get(app.url(&page))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(coded.headers()["content-encoding"], "gzip");
    let gz_tag = coded.headers()["etag"].to_str().unwrap().to_string();
    assert!(
        gz_tag.ends_with("-gz\"") && gz_tag != etag(&page_plain),
        "{gz_tag}"
    );
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&coded.bytes().await.unwrap()[..]),
        &mut plain,
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(plain).unwrap(),
        page_plain.body.as_str().unwrap()
    );
    let again = app
        .api
        .get(app.url(&page))
        .header("Accept-Encoding", "gzip")
        .header("If-None-Match", &gz_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // A bid renews nothing: the same tag still holds, the count stays sealed.
    let (vendor, _) = verified_vendor(app, "cache-vendor@example.cn", "缓存测试企业").await;
    let b = app
        .post(
            &format!("/api/v1/scenarios/{id}/bids"),
            Some(&vendor),
            bid(300_000),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    assert_eq!(anonymous(app, &detail, Some(&tag)).await.status, 304);
    let list = anonymous(app, "/api/v1/scenarios", None).await;
    let listed = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
        .clone();
    assert!(listed["bid_count"].is_null(), "{listed}");

    // A signed-in reader is answered afresh: the owner's actions are theirs alone.
    let mine = app.get(&detail, Some(&agency)).await;
    assert!(
        mine.body["allowed_actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "extend"),
        "{:?}",
        mine.body
    );
    assert!(mine.headers.get("etag").is_none());

    // The owner's change is seen at once, by everyone.
    let later = (app.parts.services.now() + chrono::Duration::hours(2))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let extended = app
        .post(
            &format!("/api/v1/scenarios/{id}/extend"),
            Some(&agency),
            json!({ "bid_deadline": later }),
        )
        .await;
    assert_eq!(extended.status, 200, "{:?}", extended.body);
    let seen = anonymous(app, &detail, Some(&tag)).await;
    assert_eq!(seen.status, 200, "a changed scenario is not 304");
    assert_ne!(etag(&seen), tag);
    let deadline =
        chrono::DateTime::parse_from_rfc3339(seen.body["bid_deadline"].as_str().unwrap()).unwrap();
    assert_eq!(
        deadline
            .to_rfc3339_opts(SecondsFormat::Secs, true)
            .replace("+00:00", "Z"),
        later
    );
    let page_before = anonymous(app, &page, None).await;
    assert_eq!(page_before.status, 200, "{:?}", page_before.body);

    // The page's countdown is renewed the moment it changes (not a minute later).
    assert!(
        page_before
            .body
            .as_str()
            .unwrap()
            .contains("1 小时 59 分钟")
    );
    app.clock.advance(chrono::Duration::seconds(59));
    let page_t = anonymous(app, &page, Some(&etag(&page_before))).await;
    assert_eq!(page_t.status, 304, "the countdown reads the same");
    app.clock.advance(chrono::Duration::seconds(1));
    let page_t = anonymous(app, &page, Some(&etag(&page_before))).await;
    assert_eq!(page_t.status, 200);
    assert!(page_t.body.as_str().unwrap().contains("1 小时 58 分钟"));

    // The deadline passes to the second: kept answers stop holding then, not later.
    app.clock
        .advance(chrono::Duration::hours(2) - chrono::Duration::seconds(61));
    let just_before = anonymous(app, &detail, None).await;
    assert_eq!(just_before.body["status"], "published");
    assert!(
        anonymous(app, &page, None)
            .await
            .body
            .as_str()
            .unwrap()
            .contains("剩余 1 分钟")
    );
    app.clock.advance(chrono::Duration::seconds(1));
    let at = anonymous(app, &detail, None).await;
    assert_eq!(at.body["status"], "evaluating", "{:?}", at.body);
    assert_eq!(at.body["bid_count"], 1);
    let list = anonymous(app, "/api/v1/scenarios", None).await;
    let listed = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(listed["status"], "evaluating");
    assert_eq!(listed["bid_count"], 1);
    assert_ne!(anonymous(app, &page, None).await.body, page_before.body);
}

on_both! {
    kept_answers_are_exact => super::kept_answers_are_exact;
}

/// Two server processes on one PostgreSQL database: one keeps an answer, the other changes the
/// scenario; the first sees the change within the stated bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_sees_a_change_within_the_recheck_bound() {
    let Some(pg) = tests::EmptyPostgres::create() else {
        return;
    };
    let writer = tests::spawn_app_on_postgres(&pg.url, &[]).await;
    let reader = tests::spawn_app_on_postgres(&pg.url, &[]).await;
    let (agency, id) = one_hour_scenario(&writer).await;
    let detail = format!("/api/v1/scenarios/{id}");
    let kept = anonymous(&reader, &detail, None).await;
    assert_eq!(kept.status, 200);
    let tag = etag(&kept);
    assert_eq!(anonymous(&reader, &detail, Some(&tag)).await.status, 304);
    let later = (writer.parts.services.now() + chrono::Duration::hours(5))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let extended = writer
        .post(
            &format!("/api/v1/scenarios/{id}/extend"),
            Some(&agency),
            json!({ "bid_deadline": later }),
        )
        .await;
    assert_eq!(extended.status, 200, "{:?}", extended.body);
    let changed_at = Instant::now();
    loop {
        let a = anonymous(&reader, &detail, Some(&tag)).await;
        if a.status == 200 {
            assert_ne!(etag(&a), tag);
            break;
        }
        assert_eq!(a.status, 304);
        assert!(
            // The bound plus generous room for a loaded machine's request times.
            changed_at.elapsed() < web::public_cache::RECHECK + Duration::from_secs(5),
            "the other process still answers the old scenario after {:?}",
            changed_at.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "the second process saw the change after {:?} (bound {:?})",
        changed_at.elapsed(),
        web::public_cache::RECHECK
    );
}
