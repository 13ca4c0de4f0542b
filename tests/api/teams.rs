//! OPC teams through the API: the trades a scenario needs, for whoever may read it.

use tests::fixtures::{posting, verified_agency};
use tests::{TestApp, on_both};

/// A drone inspection that dispatches work orders needs the AI system, devices and
/// integration; a draft's needs are its owner's alone.
async fn a_scenario_says_which_trades_it_needs(app: &TestApp) {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let c = app.post("/api/v1/scenarios", Some(&owner), posting(app, 30)).await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let sid = c.body["id"].as_i64().unwrap();
    let url = format!("/api/v1/scenarios/{sid}/facets");
    assert_eq!(app.get(&url, None).await.status, 404, "a draft's needs are hidden");
    let mine = app.get(&url, Some(&owner)).await;
    assert_eq!(mine.status, 200, "{:?}", mine.body);
    tests::fixtures::publish(app, &owner, sid).await;
    let public = app.get(&url, None).await;
    assert_eq!(public.status, 200);
    let keys: Vec<&str> = public.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["ai_software", "hardware", "integration"], "{:?}", public.body);
    assert_eq!(public.body["items"][1]["label"], "硬件设备");
    assert_eq!(public.body["items"][1]["label_en"], "Hardware");
    let page = tests::page_text(&tests::browser(), app.url(&format!("/scenarios/{sid}"))).await;
    assert!(page.contains("所需能力") && page.contains("系统集成"), "{page}");
}

on_both! {
    a_scenario_says_which_trades_it_needs => super::a_scenario_says_which_trades_it_needs;
}
