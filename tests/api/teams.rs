//! OPC teams through the API: the trades a scenario needs, for whoever may read it.

use serde_json::json;
use tests::fixtures::{offers, posting, verified_agency};
use tests::{TestApp, on_both};

/// A drone inspection that dispatches work orders needs the AI system, devices and
/// integration; a draft's needs are its owner's alone.
async fn a_scenario_says_which_trades_it_needs(app: &TestApp) {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let c = app
        .post("/api/v1/scenarios", Some(&owner), posting(app, 30))
        .await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let sid = c.body["id"].as_i64().unwrap();
    let url = format!("/api/v1/scenarios/{sid}/facets");
    assert_eq!(
        app.get(&url, None).await.status,
        404,
        "a draft's needs are hidden"
    );
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
    assert_eq!(
        keys,
        ["ai_software", "hardware", "integration"],
        "{:?}",
        public.body
    );
    assert_eq!(public.body["items"][1]["label"], "硬件设备");
    assert_eq!(public.body["items"][1]["label_en"], "Hardware");
    let page = tests::page_text(&tests::browser(), app.url(&format!("/scenarios/{sid}"))).await;
    assert!(
        page.contains("所需能力") && page.contains("系统集成"),
        "{page}"
    );
}

/// Three verified vendors open to teaming and a published scenario: (scenario, lead token,
/// the two others' organization ids).
async fn three_vendors(app: &TestApp) -> (i64, String, Vec<i64>) {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let sid = tests::fixtures::draft_titled(app, &owner, "无人机智能巡检", 30).await;
    tests::fixtures::publish(app, &owner, sid).await;
    let (lead, _) = tests::fixtures::verified_vendor(app, "lead@example.cn", "青灵视觉").await;
    let mut orgs = vec![];
    for (e, n) in [
        ("hw@example.cn", "翼飞无人机"),
        ("si@example.cn", "江城集成"),
    ] {
        orgs.push(tests::fixtures::verified_vendor(app, e, n).await.1);
    }
    (sid, lead, orgs)
}

/// A consortium forms: the lead invites two, one declines and one joins, the agreement is
/// written and confirmed by both; nobody else learns of it, by any route, before the
/// deadline; a member cannot join another consortium of the scenario, nor one that bids alone.
async fn a_consortium_forms_sealed_from_everyone_outside_it(app: &TestApp) {
    let (sid, lead, orgs) = three_vendors(app).await;
    let (hw, si) = (orgs[0], orgs[1]);
    let c = app
        .post(
            &format!("/api/v1/scenarios/{sid}/consortia"),
            Some(&lead),
            json!({"name": "巡检联合体"}),
        )
        .await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let kid = c.body["id"].as_i64().unwrap();
    assert_eq!(c.body["status"], "forming");
    for v in [hw, si] {
        let i = app
            .post(
                &format!("/api/v1/consortia/{kid}/invitations"),
                Some(&lead),
                json!({"vendor_id": v, "message": "一起投标"}),
            )
            .await;
        assert_eq!(i.status, 201, "{:?}", i.body);
    }
    let twice = app
        .post(
            &format!("/api/v1/consortia/{kid}/invitations"),
            Some(&lead),
            json!({"vendor_id": hw, "message": ""}),
        )
        .await;
    assert_eq!(twice.body["code"], "already_invited");
    let hw_t = app.token("hw@example.cn").await;
    let si_t = app.token("si@example.cn").await;
    app.drain_jobs().await;
    let invited = app
        .get(
            "/api/v1/notifications?kind=consortium_invitation",
            Some(&hw_t),
        )
        .await;
    assert_eq!(
        invited.body["items"].as_array().unwrap().len(),
        1,
        "{:?}",
        invited.body
    );
    // Only the lead writes the agreement, and not while an invitation waits.
    let early = app
        .call(
            "PUT",
            &format!("/api/v1/consortia/{kid}/agreement"),
            Some(&lead),
            Some(json!({"shares": []})),
        )
        .await;
    assert_eq!(early.body["code"], "invitations_open", "{:?}", early.body);
    assert_eq!(
        app.post(
            &format!("/api/v1/consortia/{kid}/decline"),
            Some(&si_t),
            json!({})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/consortia/{kid}/accept"),
            Some(&hw_t),
            json!({})
        )
        .await
        .status,
        200
    );
    let again = app
        .post(
            &format!("/api/v1/consortia/{kid}/accept"),
            Some(&si_t),
            json!({}),
        )
        .await;
    assert_eq!(again.body["code"], "invitation_answered");
    let lead_org = c.body["lead"].as_i64().unwrap();
    let bad = app
        .call("PUT", &format!("/api/v1/consortia/{kid}/agreement"), Some(&lead), Some(json!({"shares": [{"vendor_id": lead_org, "share_pct": 70}, {"vendor_id": hw, "share_pct": 20}]})))
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "shares");
    let by_member = app
        .call(
            "PUT",
            &format!("/api/v1/consortia/{kid}/agreement"),
            Some(&hw_t),
            Some(json!({"shares": []})),
        )
        .await;
    assert_eq!(by_member.status, 403);
    let ok = app
        .call("PUT", &format!("/api/v1/consortia/{kid}/agreement"), Some(&lead), Some(json!({"shares": [{"vendor_id": lead_org, "share_pct": 70}, {"vendor_id": hw, "share_pct": 30}]})))
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let first = app
        .post(
            &format!("/api/v1/consortia/{kid}/agreement/confirm"),
            Some(&lead),
            json!({}),
        )
        .await;
    assert_eq!(first.body["status"], "forming");
    let last = app
        .post(
            &format!("/api/v1/consortia/{kid}/agreement/confirm"),
            Some(&hw_t),
            json!({}),
        )
        .await;
    assert_eq!(last.body["status"], "agreed", "{:?}", last.body);
    let members = last.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[1]["vendor"]["name"], "翼飞无人机");
    assert_eq!(
        (
            members[1]["share_pct"].as_i64(),
            members[2]["status"].as_str()
        ),
        (Some(30), Some("declined"))
    );

    // Who reads it: the members, and the vendor that declined (its own invitation); nobody
    // else, exactly as for a missing id.
    let url = format!("/api/v1/consortia/{kid}");
    for t in [&lead, &hw_t, &si_t] {
        assert_eq!(app.get(&url, Some(t)).await.status, 200);
    }
    let (other, _) = tests::fixtures::verified_vendor(app, "other@example.cn", "别家").await;
    let owner = app.token("owner@example.cn").await;
    let admin = app.admin_token().await;
    let missing = app.get("/api/v1/consortia/1", Some(&other)).await;
    for t in [Some(&other), Some(&owner), Some(&admin), None] {
        let a = app.get(&url, t.map(|s| s.as_str())).await;
        assert_eq!(
            (a.status, &a.body),
            (404, &missing.body),
            "as for a missing id"
        );
    }
    let mine = app.get("/api/v1/me/consortia", Some(&other)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.get("/api/v1/me/consortia", Some(&hw_t)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The audit browser keeps its records back before the deadline, the administrator's too.
    let audit = app
        .get(
            "/api/v1/admin/audit?action=consortium&per_page=100",
            Some(&admin),
        )
        .await;
    assert_eq!(audit.body["total"], 0, "{:?}", audit.body);
    assert!(
        app.query_i64("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'consortium.%'") >= 7
    );
    // The other vendor hears nothing.
    app.drain_jobs().await;
    let heard = app.get("/api/v1/notifications", Some(&other)).await;
    assert!(
        !heard.body.to_string().contains("联合体"),
        "{:?}",
        heard.body
    );

    // A member forms or joins no other consortium of the scenario.
    let second = app
        .post(
            &format!("/api/v1/scenarios/{sid}/consortia"),
            Some(&hw_t),
            json!({}),
        )
        .await;
    assert_eq!(
        second.body["code"], "consortium_conflict",
        "{:?}",
        second.body
    );
    let other_k = app
        .post(
            &format!("/api/v1/scenarios/{sid}/consortia"),
            Some(&other),
            json!({}),
        )
        .await;
    assert_eq!(other_k.status, 201, "{:?}", other_k.body);
    let ok_id = other_k.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/consortia/{ok_id}/invitations"),
        Some(&other),
        json!({"vendor_id": hw, "message": ""}),
    )
    .await;
    let join = app
        .post(
            &format!("/api/v1/consortia/{ok_id}/accept"),
            Some(&hw_t),
            json!({}),
        )
        .await;
    assert_eq!(join.body["code"], "consortium_conflict", "{:?}", join.body);
    // A member bids through its consortium, not alone.
    let member_bid = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&hw_t),
            tests::fixtures::bid(300_000),
        )
        .await;
    assert_eq!(
        member_bid.body["code"], "consortium_conflict",
        "{:?}",
        member_bid.body
    );
    // A vendor that bids alone leads no consortium.
    let bid = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&si_t),
            tests::fixtures::bid(300_000),
        )
        .await;
    assert_eq!(bid.status, 201, "{:?}", bid.body);
    let alone = app
        .post(
            &format!("/api/v1/scenarios/{sid}/consortia"),
            Some(&si_t),
            json!({}),
        )
        .await;
    assert_eq!(alone.body["code"], "consortium_conflict");
}

/// Two vendors invited by two consortia accept both at once: one acceptance succeeds.
async fn a_vendor_joins_one_consortium_of_two_at_once(app: &TestApp) {
    let (sid, lead, orgs) = three_vendors(app).await;
    let si = app.token("si@example.cn").await;
    let a = app
        .post(
            &format!("/api/v1/scenarios/{sid}/consortia"),
            Some(&lead),
            json!({}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let b = app
        .post(
            &format!("/api/v1/scenarios/{sid}/consortia"),
            Some(&si),
            json!({}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    for (k, t) in [(a, &lead), (b, &si)] {
        let i = app
            .post(
                &format!("/api/v1/consortia/{k}/invitations"),
                Some(t),
                json!({"vendor_id": orgs[0], "message": ""}),
            )
            .await;
        assert_eq!(i.status, 201, "{:?}", i.body);
    }
    let hw = app.token("hw@example.cn").await;
    let (pa, pb) = (
        format!("/api/v1/consortia/{a}/accept"),
        format!("/api/v1/consortia/{b}/accept"),
    );
    let (ra, rb) = tokio::join!(
        app.post(&pa, Some(&hw), json!({})),
        app.post(&pb, Some(&hw), json!({})),
    );
    let statuses = [ra.status, rb.status];
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?} {:?} {:?}",
        ra.body,
        rb.body
    );
    assert!(
        [&ra, &rb]
            .iter()
            .any(|r| r.body["code"] == "consortium_conflict"),
        "{:?} {:?}",
        ra.body,
        rb.body
    );
}

/// Sets what a vendor offers and whether it teams up.
/// The AI vendor of a drone inspection gets the team that covers it with a drone maker and an
/// integrator; a vendor not open to teaming is never suggested; only vendors who could bid ask.
async fn a_vendor_gets_teams_that_cover_what_the_scenario_needs(app: &TestApp) {
    let (sid, lead, _) = three_vendors(app).await;
    offers(app, "lead@example.cn", &["ai_software"], true).await;
    let hw = offers(app, "hw@example.cn", &["hardware"], true).await;
    let si = offers(app, "si@example.cn", &["integration"], true).await;
    tests::fixtures::verified_vendor(app, "closed@example.cn", "全能科技").await;
    let closed = offers(
        app,
        "closed@example.cn",
        &["hardware", "integration"],
        false,
    )
    .await;
    let url = format!("/api/v1/scenarios/{sid}/team-suggestions");
    let a = app.get(&url, Some(&lead)).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let first = &a.body["items"][0];
    let ids: Vec<i64> = first["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["vendor"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids[1..], [hw, si], "{:?}", a.body);
    assert_eq!(first["coverage"], 1.0);
    assert_eq!(first["members"][1]["facets"], json!(["hardware"]));
    assert!(
        first["reasons"][0]["text"]
            .as_str()
            .unwrap()
            .contains("硬件设备")
    );
    assert!(
        !a.body.to_string().contains(&format!("\"id\":{closed},")),
        "not open to teaming"
    );
    let owner = app.token("owner@example.cn").await;
    assert_eq!(app.get(&url, Some(&owner)).await.status, 403);
    assert_eq!(app.get(&url, None).await.status, 401);
    // The partners page shows the same first team, linked from the bid form.
    let (client, _) = tests::signed_in(app, "lead@example.cn").await;
    let scenario = tests::page_text(&client, app.url(&format!("/scenarios/{sid}"))).await;
    assert!(
        scenario.contains(&format!("href=\"/scenarios/{sid}/teams\"")),
        "{scenario}"
    );
    let page = tests::page_text(&client, app.url(&format!("/scenarios/{sid}/teams"))).await;
    assert!(
        page.contains("翼飞无人机") && page.contains("江城集成") && page.contains("全部覆盖"),
        "{page}"
    );
    assert!(!page.contains("全能科技"), "not open to teaming");
    let (agency, _) = tests::signed_in(app, "owner@example.cn").await;
    let refused = agency
        .get(app.url(&format!("/scenarios/{sid}/teams")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

on_both! {
    a_vendor_gets_teams_that_cover_what_the_scenario_needs => super::a_vendor_gets_teams_that_cover_what_the_scenario_needs;
    a_scenario_says_which_trades_it_needs => super::a_scenario_says_which_trades_it_needs;
    a_consortium_forms_sealed_from_everyone_outside_it => super::a_consortium_forms_sealed_from_everyone_outside_it;
    a_vendor_joins_one_consortium_of_two_at_once => super::a_vendor_joins_one_consortium_of_two_at_once;
}
