//! Search stories: what enters the index and when, what a search answers, and what it never
//! reveals.

use serde_json::{Value, json};
use tests::fixtures::{bid, open_scenario, posting, verified_agency, verified_vendor};
use tests::{TestApp, on_both};

async fn search(app: &TestApp, query: &str) -> Value {
    let a = app
        .get(&format!("/api/v1/search/scenarios?{query}"), None)
        .await;
    assert_eq!(a.status, 200, "{query}: {:?}", a.body);
    a.body
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

async fn backlog(app: &TestApp) -> i64 {
    let s = app.parts.search.clone();
    tokio::task::spawn_blocking(move || s.backlog())
        .await
        .unwrap()
        .unwrap()
}

/// A draft is never found; a published scenario is found once its index entry is written (by
/// the worker, after the change committed); a cancelled one disappears.
async fn a_scenario_is_found_from_publication_until_cancellation(app: &TestApp) {
    let (agency, _) = verified_agency(app, "s@example.cn", "青山区城管局").await;
    let created = app
        .post("/api/v1/scenarios", Some(&agency), posting(app, 30))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    app.drain_jobs().await;
    assert!(
        ids(&search(app, "q=巡检").await).is_empty(),
        "a draft is never found"
    );
    let p = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            json!({}),
        )
        .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert!(
        backlog(app).await > 0,
        "the publication marked the document in its transaction"
    );
    app.drain_jobs().await;
    let page = search(app, "q=巡检").await;
    assert_eq!(ids(&page), [id]);
    let item = &page["items"][0];
    assert_eq!(item["title"], "无人机智能巡检");
    assert_eq!(item["highlights"]["title"], "无人机智能<mark>巡检</mark>");
    assert_eq!(item["agency"]["name"], "青山区城管局");
    assert!(item["bid_count"].is_null(), "sealed until the deadline");
    assert_eq!(page["facets"]["domain"]["city_governance"], 1);
    assert_eq!(page["facets"]["status"]["published"], 1);
    assert_eq!(page["total"], 1);
    assert_eq!(
        ids(&search(app, "q=drone").await),
        [id],
        "the English summary"
    );
    assert_eq!(
        ids(&search(app, "q=巡檢").await),
        [id],
        "traditional characters"
    );
    assert_eq!(
        ids(&search(app, "q=巡检&domain=ai_industry").await),
        Vec::<i64>::new(),
        "a filter that excludes it"
    );
    let c = app
        .post(
            &format!("/api/v1/scenarios/{id}/cancel"),
            Some(&agency),
            json!({"reason": "需求调整"}),
        )
        .await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    app.drain_jobs().await;
    assert!(
        ids(&search(app, "q=巡检").await).is_empty(),
        "a cancelled scenario disappears"
    );
}

/// Bids leave no trace in the index: submitting one marks nothing, and no answer of the search
/// shows a count before the deadline.
async fn bidding_leaves_no_trace_in_the_index(app: &TestApp) {
    let (_, id) = open_scenario(app).await;
    app.drain_jobs().await;
    assert_eq!(backlog(app).await, 0);
    let (vendor, _) = verified_vendor(app, "v@example.cn", "江城智能").await;
    app.drain_jobs().await;
    let b = app
        .post(
            &format!("/api/v1/scenarios/{id}/bids"),
            Some(&vendor),
            bid(300_000),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    assert_eq!(backlog(app).await, 0, "a bid marks no document");
    let page = search(app, "q=巡检").await;
    assert_eq!(ids(&page), [id]);
    assert!(page["items"][0]["bid_count"].is_null());
    let before = page.to_string();
    let withdrawn = app
        .post(
            &format!("/api/v1/bids/{}/withdraw", b.body["bid"]["id"]),
            Some(&vendor),
            json!({}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{:?}", withdrawn.body);
    assert_eq!(
        search(app, "q=巡检").await.to_string(),
        before,
        "the same answer"
    );
}

/// Odd queries never fail: long ones are cut, syntax is just text, punctuation alone means
/// "everything"; bad filters are named.
async fn odd_queries_are_answered_and_bad_filters_named(app: &TestApp) {
    let (_, id) = open_scenario(app).await;
    app.drain_jobs().await;
    let long = "巡检".repeat(500);
    let page = search(app, &format!("q={long}")).await;
    assert!(
        page["message"].as_str().unwrap().contains("200"),
        "{:?}",
        page["message"]
    );
    let page = search(app, "q=%22(*)%22%20%3A%3A%20--%20%EF%BC%81").await;
    assert!(page["message"].is_string(), "{page:?}");
    assert_eq!(ids(&page), [id], "nothing searchable: everything");
    assert_eq!(
        ids(&search(app, "q=巡检%20OR%20(").await),
        [id],
        "syntax is text, and a last word nothing has is dropped"
    );
    assert!(
        ids(&search(app, "q=石油化工%20巡检").await).is_empty(),
        "the first word must match"
    );
    assert_eq!(ids(&search(app, "q=").await), [id]);
    for (query, field) in [
        ("domain=mars", "domain"),
        ("status=open", "status"),
        ("sort=price", "sort"),
        ("budget_min_fen=cheap", "budget_min_fen"),
        ("deadline_before=tomorrow", "deadline_before"),
        ("page=0", "page"),
        ("per_page=500", "per_page"),
    ] {
        let a = app
            .get(&format!("/api/v1/search/scenarios?{query}"), None)
            .await;
        assert_eq!(a.status, 422, "{query}: {:?}", a.body);
        assert_eq!(a.body["errors"][0]["field"], field, "{query}");
    }
}

/// Several values of a filter: repeated keys or commas; paging and sorting.
async fn filters_take_several_values_and_pages_and_sorts_work(app: &TestApp) {
    let (agency, _) = verified_agency(app, "m@example.cn", "青山区经信局").await;
    let mut made = vec![];
    for (i, (title, domain, days)) in [
        ("钢板表面缺陷检测", "ai_industry", 20),
        ("政务热线智能客服", "government_services", 10),
        ("工地安全帽识别", "ai_construction", 15),
    ]
    .into_iter()
    .enumerate()
    {
        let mut p = posting(app, days);
        p["title"] = json!(title);
        p["domain"] = json!(domain);
        p["summary"] = json!(format!("第 {i} 个"));
        let c = app.post("/api/v1/scenarios", Some(&agency), p).await;
        assert_eq!(c.status, 201, "{:?}", c.body);
        let id = c.body["id"].as_i64().unwrap();
        let p = app
            .post(
                &format!("/api/v1/scenarios/{id}/publish"),
                Some(&agency),
                json!({}),
            )
            .await;
        assert_eq!(p.status, 200, "{:?}", p.body);
        made.push(id);
    }
    app.drain_jobs().await;
    let mut two = ids(&search(app, "domain=ai_industry&domain=ai_construction").await);
    two.sort();
    assert_eq!(two, [made[0], made[2]]);
    let mut two = ids(&search(app, "domain=ai_industry,ai_construction").await);
    two.sort();
    assert_eq!(two, [made[0], made[2]], "commas too");
    assert_eq!(
        ids(&search(app, "sort=deadline").await),
        [made[1], made[2], made[0]],
        "the nearest deadline first"
    );
    let page = search(app, "sort=deadline&per_page=2&page=2").await;
    assert_eq!(
        (ids(&page), page["total"].as_i64()),
        (vec![made[0]], Some(3))
    );
    // A page far past the end is empty, with the same total (a page number in the billions
    // once made the index ask for terabytes and took the server down; schemathesis found it).
    for path in [
        "/api/v1/search/scenarios?page=9223372036854775806&per_page=1",
        "/api/v1/vendors?page=90049425765",
        "/api/v1/vendors?q=%E8%A7%86%E8%A7%89&page=9223372036854775806&per_page=100",
        "/api/v1/scenarios?page=9223372036854775806&per_page=100",
    ] {
        let far = app.get(path, None).await;
        assert_eq!(far.status, 200, "{path}: {:?}", far.body);
        assert_eq!(far.body["items"], json!([]), "{path}");
    }
    assert_eq!(search(app, "page=90049425765").await["total"], 3);
}

/// The vendor directory's `q` goes through the same engine: Chinese words, English words.
async fn the_vendor_directory_searches_through_the_engine(app: &TestApp) {
    let (vendor, org) = verified_vendor(app, "dir@example.cn", "鹰眼视觉科技").await;
    let edit = app
        .call(
            "PATCH",
            &format!("/api/v1/organizations/{org}"),
            Some(&vendor),
            Some(json!({"description": "工业视觉与缺陷检测。Machine vision for steel plants.", "capabilities": ["视觉", "质检"]})),
        )
        .await;
    assert_eq!(edit.status, 200, "{:?}", edit.body);
    verified_vendor(app, "other@example.cn", "江城无人机服务").await;
    app.drain_jobs().await;
    let found = |q: &str| {
        let q = q.to_string();
        async move {
            let a = app.get(&format!("/api/v1/vendors?{q}"), None).await;
            assert_eq!(a.status, 200, "{:?}", a.body);
            a.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("q=缺陷检测").await, ["鹰眼视觉科技"]);
    assert_eq!(found("q=vision").await, ["鹰眼视觉科技"]);
    assert_eq!(found("q=无人机").await, ["江城无人机服务"]);
    assert_eq!(found("tags=质检").await, ["鹰眼视觉科技"]);
    assert_eq!(found("").await.len(), 2);
}

/// The search page works without JavaScript: the query box, facets with counts, sorting,
/// marked results; a bad filter is shown, not failed.
async fn the_search_page_shows_results_facets_and_marks(app: &TestApp) {
    let (_, id) = open_scenario(app).await;
    app.drain_jobs().await;
    let page = app.api.get(app.url("/search?q=巡检")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/scenarios/{id}\"")),
        "the result links to it"
    );
    assert!(
        html.contains("无人机智能<mark>巡检</mark>"),
        "the match is marked"
    );
    assert!(
        html.contains("name=\"domain\" value=\"city_governance\"> <span>城市治理</span> <span class=\"count\">1</span>"),
        "the domain facet with its count"
    );
    assert!(html.contains("找到 1 个场景"));
    let page = app
        .api
        .get(app.url("/search?q=<script>alert(1)</script>"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "the query is escaped");
    let bad = app
        .api
        .get(app.url("/search?domain=mars"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text().await.unwrap().contains("search-form"),
        "the page, with the message"
    );
    let home = app
        .api
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("action=\"/search\""),
        "the header searches from every page"
    );
}

/// Administrators edit the thesaurus; a change applies to the next search, with no rebuild.
async fn synonyms_are_edited_by_administrators_and_apply_at_once(app: &TestApp) {
    let (agency, _) = verified_agency(app, "syn@example.cn", "青山区城管局").await;
    let mut p = posting(app, 30);
    p["title"] = json!("老旧小区监控探头智能升级");
    p["summary"] = json!("为小区的监控探头加装边缘计算");
    p["tags"] = json!(["视频监控"]);
    let id = app.post("/api/v1/scenarios", Some(&agency), p).await.body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/scenarios/{id}/publish"),
        Some(&agency),
        json!({}),
    )
    .await;
    app.drain_jobs().await;
    assert_eq!(
        ids(&search(app, "q=摄像头").await),
        [id],
        "the shipped thesaurus applies"
    );
    let admin = app.admin_token().await;
    let shipped = app.get("/api/v1/admin/synonyms", Some(&admin)).await;
    assert_eq!(shipped.status, 200);
    assert!(shipped.body["groups"].as_array().unwrap().len() >= 60);
    assert_eq!(
        app.get("/api/v1/admin/synonyms", Some(&agency))
            .await
            .status,
        403
    );
    assert_eq!(app.get("/api/v1/admin/synonyms", None).await.status, 401);
    let bad = app
        .call(
            "PUT",
            "/api/v1/admin/synonyms",
            Some(&admin),
            Some(json!({"groups": [["光伏", "太阳能发电"], ["孤词"]]})),
        )
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "groups[1]");
    assert_eq!(ids(&search(app, "q=摄像头").await), [id], "nothing changed");
    let saved = app
        .call(
            "PUT",
            "/api/v1/admin/synonyms",
            Some(&admin),
            Some(json!({"groups": [["光伏", " 太阳能发电 "]]})),
        )
        .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(saved.body["groups"], json!([["光伏", "太阳能发电"]]));
    assert!(
        ids(&search(app, "q=摄像头").await).is_empty(),
        "the old group is gone at once"
    );
    let again = app
        .call(
            "PUT",
            "/api/v1/admin/synonyms",
            Some(&admin),
            Some(json!({"groups": [["摄像头", "监控探头"]]})),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        ids(&search(app, "q=摄像头").await),
        [id],
        "and the new one works at once"
    );
    let vendor = app.register("nosy@example.cn", "vendor", "好奇企业").await;
    let _ = vendor;
    let nosy = app.token("nosy@example.cn").await;
    let refused = app
        .call(
            "PUT",
            "/api/v1/admin/synonyms",
            Some(&nosy),
            Some(json!({"groups": []})),
        )
        .await;
    assert_eq!(refused.status, 403);
}

/// The thesaurus page: the groups one per line; a bad line is named and nothing is saved.
async fn the_thesaurus_page_names_a_bad_line_and_saves_a_good_text(app: &TestApp) {
    app.admin_token().await;
    let (browser, csrf) = tests::signed_in(app, "root@test.cn").await;
    let html = browser
        .get(app.url("/admin/synonyms"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("摄像头 = 监控探头"),
        "the shipped groups, one per line"
    );
    let post = |text: &'static str| {
        browser
            .post(app.url("/admin/synonyms"))
            .form(&[("csrf", csrf.as_str()), ("groups", text)])
            .send()
    };
    let bad = post("# 注释\n光伏 = 太阳能发电\n孤词\n").await.unwrap();
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(html.contains("第 3 行"), "the line is named");
    assert!(html.contains("孤词"), "the text is shown again");
    let good = post("光伏 = 太阳能发电\n大模型、LLM\n").await.unwrap();
    assert_eq!(good.status(), 303);
    let admin = app.admin_token().await;
    let now = app.get("/api/v1/admin/synonyms", Some(&admin)).await;
    assert_eq!(
        now.body["groups"],
        json!([["光伏", "太阳能发电"], ["大模型", "LLM"]])
    );
    let anon = tests::browser()
        .get(app.url("/admin/synonyms"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 303, "signed-out readers are sent to sign in");
}

on_both! {
    the_thesaurus_page_names_a_bad_line_and_saves_a_good_text => super::the_thesaurus_page_names_a_bad_line_and_saves_a_good_text;
    synonyms_are_edited_by_administrators_and_apply_at_once => super::synonyms_are_edited_by_administrators_and_apply_at_once;
    a_scenario_is_found_from_publication_until_cancellation => super::a_scenario_is_found_from_publication_until_cancellation;
    bidding_leaves_no_trace_in_the_index => super::bidding_leaves_no_trace_in_the_index;
    odd_queries_are_answered_and_bad_filters_named => super::odd_queries_are_answered_and_bad_filters_named;
    filters_take_several_values_and_pages_and_sorts_work => super::filters_take_several_values_and_pages_and_sorts_work;
    the_vendor_directory_searches_through_the_engine => super::the_vendor_directory_searches_through_the_engine;
    the_search_page_shows_results_facets_and_marks => super::the_search_page_shows_results_facets_and_marks;
}
