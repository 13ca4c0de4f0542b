//! The demo catalogue: 18 scenarios in varied states, loaded once.

use tests::TestApp;

async fn load(app: &TestApp) -> scenario_market::seed::Loaded {
    let services = app.parts.services.clone();
    tokio::task::spawn_blocking(move || scenario_market::seed::load_demo(&services).unwrap())
        .await
        .unwrap()
}

async fn the_catalogue_loads_once_in_varied_states(app: &TestApp) {
    let first = load(app).await;
    assert_eq!(first.scenarios, 18);
    assert!(first.accounts >= 10);
    let again = load(app).await;
    assert_eq!(
        (again.accounts, again.scenarios),
        (0, 0),
        "loading twice changes nothing"
    );
    // Drafts stay with their agencies; the public sees the other 16.
    let all = app.get("/api/v1/scenarios?per_page=100", None).await.body;
    assert_eq!(all["total"], 16);
    let items = all["items"].as_array().unwrap();
    assert_eq!(
        items
            .iter()
            .filter(|s| s["origin"] == "official_list")
            .count(),
        6
    );
    assert!(items.iter().all(|s| s["origin"] != "platform"));
    let published = app
        .get("/api/v1/scenarios?status=published", None)
        .await
        .body["total"]
        .as_i64()
        .unwrap();
    let evaluating = app
        .get("/api/v1/scenarios?status=evaluating", None)
        .await
        .body["total"]
        .as_i64()
        .unwrap();
    assert_eq!((published, evaluating), (13, 1));
    // One sample went the whole way: closed, with a public notice and a rating with a reply.
    let closed = app.get("/api/v1/scenarios?status=closed", None).await.body;
    assert_eq!(closed["total"], 1);
    assert!(
        closed["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("示例")
    );
    // Two samples were awarded: the closed one, and one under contract.
    let page = app.get("/api/v1/award-notices", None).await.body;
    assert_eq!(page["total"], 2);
    let notices = &page["items"];
    let notices = notices
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["scenario_id"] == closed["items"][0]["id"])
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(notices.len(), 1, "{page:?}");
    assert_eq!(notices[0]["items"].as_array().unwrap().len(), 3);
    assert_eq!(notices[0]["panel"].as_array().unwrap().len(), 3);
    let winner = notices[0]["winner"]["organization_id"].as_i64().unwrap();
    let ratings = app
        .get(&format!("/api/v1/organizations/{winner}/ratings"), None)
        .await
        .body;
    assert_eq!(ratings["count"], 1);
    assert!(ratings["items"][0]["reply"].is_string());
    // The opening jobs of the past deadlines are due at once (the finished one's is a no-op),
    // and so are their reminders (no-ops too: those deadlines have passed).
    // (The notifications' e-mails are jobs too; they are counted apart.)
    app.drain_jobs().await;
    let db = app.parts.db.clone();
    let jobs = tokio::task::spawn_blocking(move || db.jobs(100_000))
        .await
        .unwrap()
        .unwrap();
    let timed = jobs
        .iter()
        .filter(|j| matches!(j.kind.as_str(), "open_bids" | "remind_deadline"))
        .filter(|j| j.status == "done")
        .count();
    assert_eq!(timed, 6, "{jobs:?}");
    assert!(
        jobs.iter()
            .filter(|j| j.kind == "send_email")
            .all(|j| j.status == "done"),
        "every e-mail went out: {jobs:?}"
    );
    let named = items
        .iter()
        .find(|s| s["title"] == "无人机智能巡检")
        .expect("a named scenario");
    assert_eq!(named["agency"]["name"], "青山区城市管理执法局");
}

tests::on_both! {
    the_catalogue_loads_once_in_varied_states => super::the_catalogue_loads_once_in_varied_states;
}
