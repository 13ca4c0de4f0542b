//! The search engine goes down and comes back: writes never fail, search answers 503 with a
//! clear problem, readiness says "degraded", the documents wait, and after recovery every
//! change is found. Runs against a Meilisearch process of its own (the binary named by
//! `MEILI_BIN`, which `.ci/run` sets); without it the story says so loudly.

use serde_json::json;
use tests::fixtures::{posting, verified_agency};
use tests::own_meili::OwnMeili;
use tests::{Db, TestApp, try_spawn_app_with};

async fn story(db: Db) {
    let Some(mut meili) = OwnMeili::create("the search-engine-down story", None) else {
        return;
    };
    let Some(app) = try_spawn_app_with(
        db,
        &[
            ("APP__SEARCH__MEILISEARCH_URL", meili.url()),
            ("APP__SEARCH__MEILISEARCH_KEY", meili.key.clone()),
        ],
    )
    .await
    else {
        return;
    };
    the_engine_goes_down_and_comes_back(&app, &mut meili).await;
    app.assert_invariants().await;
}

async fn publish(app: &TestApp, agency: &str, title: &str) -> i64 {
    let mut p = posting(app, 30);
    p["title"] = json!(title);
    let id = app.post("/api/v1/scenarios", Some(agency), p).await.body["id"]
        .as_i64()
        .unwrap();
    let a = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(agency),
            json!({}),
        )
        .await;
    assert_eq!(a.status, 200, "the write succeeds: {:?}", a.body);
    id
}

async fn found(app: &TestApp, q: &str) -> Vec<i64> {
    let a = app
        .get(&format!("/api/v1/search/scenarios?q={q}"), None)
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let mut ids: Vec<i64> = a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

async fn the_engine_goes_down_and_comes_back(app: &TestApp, meili: &mut OwnMeili) {
    let (agency, _) = verified_agency(app, "down@example.cn", "青山区城管局").await;
    let first = publish(app, &agency, "无人机智能巡检").await;
    app.drain_jobs().await;
    assert_eq!(found(app, "巡检").await, [first]);
    meili.stop();
    let second = publish(app, &agency, "河道垃圾巡检识别").await;
    app.drain_jobs().await;
    let s = app.parts.search.clone();
    let waiting = tokio::task::spawn_blocking(move || s.backlog())
        .await
        .unwrap()
        .unwrap();
    assert!(waiting > 0, "the document waits for the engine");
    let down = app.get("/api/v1/search/scenarios?q=巡检", None).await;
    assert_eq!(down.status, 503, "{:?}", down.body);
    assert_eq!(down.headers["content-type"], "application/problem+json");
    assert_eq!(down.body["title"], "服务暂时不可用 / Service unavailable");
    assert!(
        down.body["detail"]
            .as_str()
            .unwrap()
            .contains("搜索服务暂时不可用")
    );
    let ready = app.get("/readyz", None).await;
    assert_eq!(
        (ready.status, ready.body["status"].as_str()),
        (200, Some("degraded"))
    );
    let page = app.api.get(app.url("/search?q=巡检")).send().await.unwrap();
    assert_eq!(page.status(), 503);
    assert!(
        page.text().await.unwrap().contains("搜索服务暂时不可用"),
        "the page says why"
    );
    let admin = app.admin_token().await;
    let saved = app
        .call(
            "PUT",
            "/api/v1/admin/synonyms",
            Some(&admin),
            Some(json!({"groups": [["巡检", "踏勘"]]})),
        )
        .await;
    assert_eq!(
        saved.status, 200,
        "the thesaurus is saved while the engine is down: {:?}",
        saved.body
    );
    meili.start();
    app.drain_jobs().await;
    assert_eq!(
        found(app, "巡检").await,
        [first, second],
        "everything is found after recovery"
    );
    assert_eq!(
        found(app, "踏勘").await,
        [first, second],
        "the thesaurus saved while the engine was down applies after recovery"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_the_search_engine_goes_down_and_comes_back() {
    story(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_search_engine_goes_down_and_comes_back() {
    story(Db::Postgres).await;
}
