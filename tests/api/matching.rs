//! Matching that knows what a vendor delivers, through the product: the owner's recommended
//! vendors, the vendor directory's long queries, and a profile change showing at once (the
//! analysed profiles are kept between calls).

use serde_json::{Value, json};
use tests::fixtures::{draft_titled, publish, verified_agency, verified_vendor};
use tests::{TestApp, on_both};

async fn profile(app: &TestApp, token: &str, org: i64, body: Value) {
    let a = app
        .call(
            "PATCH",
            &format!("/api/v1/organizations/{org}"),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

fn ids(body: &Value) -> Vec<i64> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["vendor"]["id"].as_i64().or(i["id"].as_i64()).unwrap())
        .collect()
}

/// Three vendors of one topic (drone inspection of rivers and streets): one sells the drones,
/// one shoots promotional films about them, one writes the recognition software in its own
/// jargon. The software vendor is recommended first, the other two after every vendor that
/// can deliver, each with the reason; when the film studio says it now delivers AI software,
/// the next list shows it at once.
async fn vendors_that_cannot_deliver_come_after_those_that_can(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let (seller, seller_org) = verified_vendor(app, "seller@example.cn", "江城无人机器材").await;
    profile(
        app,
        &seller,
        seller_org,
        json!({"capabilities": ["无人机", "巡检无人机"], "description": "销售巡检无人机和配件，提供河道、街道巡检无人机的维修保养。", "offer_kinds": ["hardware"]}),
    )
    .await;
    let (film, film_org) = verified_vendor(app, "film@example.cn", "航拍影像工作室").await;
    profile(
        app,
        &film,
        film_org,
        json!({"capabilities": ["无人机航拍", "宣传片拍摄"], "description": "用无人机航拍街道、河道和工地，拍摄城市宣传片，开展航拍培训课程。"}),
    )
    .await;
    let (soft, soft_org) = verified_vendor(app, "soft@example.cn", "鹰眼算法").await;
    profile(
        app,
        &soft,
        soft_org,
        json!({"capabilities": ["目标检测", "UAV影像分析"], "description": "YOLO 模型从 UAV 影像中检测违建和垃圾堆放，算法对接城管派单系统。"}),
    )
    .await;
    let id = draft_titled(app, &agency, "无人机河道街道智能巡检", 30).await;
    publish(app, &agency, id).await;

    let url = format!("/api/v1/scenarios/{id}/recommended-vendors");
    let r = app.get(&url, Some(&agency)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        ids(&r.body),
        [soft_org, seller_org, film_org],
        "{:?}",
        r.body
    );
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items[0]["delivers"], true);
    assert_eq!(items[0]["reasons"][0]["kind"], "offer", "{:?}", items[0]);
    assert!(
        items[0]["reasons"][0]["text"]
            .as_str()
            .unwrap()
            .contains("AI 软件"),
        "{:?}",
        items[0]
    );
    for (item, said) in [(&items[1], "硬件设备"), (&items[2], "内容与培训")] {
        assert_eq!(item["delivers"], false, "{item:?}");
        let offer = &item["reasons"][0];
        assert_eq!(offer["kind"], "offer", "{item:?}");
        let text = offer["text"].as_str().unwrap();
        assert!(text.starts_with("只提供") && text.contains(said), "{text}");
        assert!(
            offer["text_en"]
                .as_str()
                .unwrap()
                .starts_with("Only delivers"),
            "{offer:?}"
        );
    }
    // The seller shares more of the scenario's words than the software vendor: only what it
    // delivers keeps it below.
    assert!(
        items[1]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "capability"),
        "{:?}",
        items[2]
    );

    // The directory: the scenario's title pasted as a query ranks the same way.
    let d = app
        .get(
            "/api/v1/vendors?q=%E6%97%A0%E4%BA%BA%E6%9C%BA%E6%B2%B3%E9%81%93%E8%A1%97%E9%81%93%E6%99%BA%E8%83%BD%E5%B7%A1%E6%A3%80",
            None,
        )
        .await;
    assert_eq!(d.status, 200, "{:?}", d.body);
    assert_eq!(ids(&d.body)[0], soft_org, "{:?}", d.body);
    assert_eq!(d.body["total"], 3, "{:?}", d.body);

    // The studio now states it delivers AI software: the next list shows it among those that
    // can, at once.
    profile(
        app,
        &film,
        film_org,
        json!({"offer_kinds": ["ai_software", "content_training"]}),
    )
    .await;
    let again = app.get(&url, Some(&agency)).await;
    let items = again.body["items"].as_array().unwrap();
    let studio = items
        .iter()
        .find(|i| i["vendor"]["id"] == film_org)
        .unwrap();
    assert_eq!(studio["delivers"], true, "{studio:?}");
    assert_eq!(ids(&again.body)[2], seller_org, "{:?}", again.body);
}

async fn matches_in(app: &TestApp, token: &str) -> usize {
    let a = app
        .get("/api/v1/notifications?per_page=100", Some(token))
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "scenario_match")
        .count()
}

/// Alerts judge as the recommendation does: a vendor whose interests name what it does in its
/// own jargon hears of a scenario that never writes those words; a seller of the scenario's
/// hardware, whose keyword is written in it, does not (it cannot deliver); a vendor of another
/// trade does not either.
async fn alerts_reach_those_who_can_deliver_in_their_own_words(app: &TestApp) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "青山区城管局").await;
    let put = |token: String, body: Value| async move {
        let a = app
            .call("PUT", "/api/v1/me/interests", Some(&token), Some(body))
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
    };
    let (soft, soft_org) = verified_vendor(app, "soft@example.cn", "鹰眼算法").await;
    profile(
        app,
        &soft,
        soft_org,
        json!({"capabilities": ["目标检测", "UAV影像分析"], "description": "YOLO 模型从 UAV 影像中检测违建和垃圾堆放。"}),
    )
    .await;
    put(
        soft.clone(),
        json!({"keywords": ["UAV影像分析", "违建检测"]}),
    )
    .await;
    let (seller, seller_org) = verified_vendor(app, "seller@example.cn", "江城无人机器材").await;
    profile(
        app,
        &seller,
        seller_org,
        json!({"capabilities": ["无人机"], "description": "销售巡检无人机和配件。", "offer_kinds": ["hardware"]}),
    )
    .await;
    put(seller.clone(), json!({"keywords": ["无人机"]})).await;
    let (law, law_org) = verified_vendor(app, "law@example.cn", "律智科技").await;
    profile(
        app,
        &law,
        law_org,
        json!({"capabilities": ["法律问答"], "description": "法律大模型。"}),
    )
    .await;
    put(law.clone(), json!({"keywords": ["法律问答", "合同审查"]})).await;

    let id = draft_titled(app, &agency, "无人机智能巡检", 30).await;
    publish(app, &agency, id).await;
    app.drain_jobs().await;
    assert_eq!(matches_in(app, &soft).await, 1, "its own words, judged");
    assert_eq!(matches_in(app, &seller).await, 0, "it cannot deliver");
    assert_eq!(matches_in(app, &law).await, 0, "another trade");
}

on_both! {
    vendors_that_cannot_deliver_come_after_those_that_can => super::vendors_that_cannot_deliver_come_after_those_that_can;
    alerts_reach_those_who_can_deliver_in_their_own_words => super::alerts_reach_those_who_can_deliver_in_their_own_words;
}
