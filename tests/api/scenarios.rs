//! The "Scenarios" contract (all but search), on both databases.

use chrono::Duration;
use serde_json::{Value, json};
use tests::fixtures::{posting, verified_agency};
use tests::{TestApp, on_both};

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let a = app.post("/api/v1/scenarios", Some(token), body).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body
}

async fn the_whole_lifecycle_runs_to_evaluating_without_a_request(app: &TestApp) {
    let (agency, org) = verified_agency(app, "poster@example.cn", "青山区数据局").await;
    let s = create(app, &agency, posting(app, 30)).await;
    let id = s["id"].as_i64().unwrap();
    assert_eq!(s["status"], "draft");
    assert!(s["bid_count"].is_null());
    assert_eq!(s["agency"]["id"], org);
    assert_eq!(s["criteria"].as_array().unwrap().len(), 2);
    assert!(
        s["warnings"].as_array().unwrap().is_empty(),
        "{:?}",
        s["warnings"]
    );
    let path = format!("/api/v1/scenarios/{id}");
    // Edit in draft.
    let e = app.call("PATCH", &path, Some(&agency), Some(json!({"title": "无人机智能巡检（二期）", "price_weight": 5, "criteria": [{"name": "技术方案", "weight": 95}]}))).await;
    assert_eq!(e.status, 200, "{:?}", e.body);
    assert_eq!(e.body["title"], "无人机智能巡检（二期）");
    assert_eq!(e.body["warnings"][0]["code"], "price_weight_low");
    // Publish.
    let p = app
        .post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body["status"], "published");
    assert!(
        p.body["bid_count"].is_null(),
        "sealed: no count before the deadline"
    );
    // Publishing twice is a 409 naming the state and the move.
    let again = app
        .post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["current_status"], "published");
    assert_eq!(again.body["action"], "publish");
    // Substantive edits are refused once published; tags still change.
    let refused = app
        .call(
            "PATCH",
            &path,
            Some(&agency),
            Some(json!({"budget_max_fen": 90_000_000})),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["action"].as_str()),
        (409, Some("edit"))
    );
    let tags = app
        .call(
            "PATCH",
            &path,
            Some(&agency),
            Some(json!({"tags": ["无人机", "河道"]})),
        )
        .await;
    assert_eq!(tags.status, 200);
    // Extend by a week.
    let old_deadline =
        chrono::DateTime::parse_from_rfc3339(p.body["bid_deadline"].as_str().unwrap()).unwrap();
    let new_deadline = (old_deadline + Duration::days(7)).to_rfc3339();
    let earlier = app
        .post(
            &format!("{path}/extend"),
            Some(&agency),
            json!({"bid_deadline": (old_deadline - Duration::days(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(earlier.status, 409);
    let x = app
        .post(
            &format!("{path}/extend"),
            Some(&agency),
            json!({"bid_deadline": new_deadline}),
        )
        .await;
    assert_eq!(x.status, 200, "{:?}", x.body);
    // The old deadline passes: nothing happens, the scenario still takes bids.
    app.clock.advance(Duration::days(30));
    app.drain_jobs().await;
    assert_eq!(app.get(&path, None).await.body["status"], "published");
    // The new deadline passes: reads say evaluating at once, the job stores it.
    app.clock.advance(Duration::days(7));
    let read = app.get(&path, None).await;
    assert_eq!(
        read.body["status"], "evaluating",
        "reads never wait for the job"
    );
    assert_eq!(read.body["bid_count"], 0);
    assert!(app.drain_jobs().await >= 1);
    let services = app.parts.services.clone();
    let agency = app.token("poster@example.cn").await;
    let stored = tokio::task::spawn_blocking(move || {
        domain::ports::in_read(services.store_for_tests(), |tx| {
            tx.scenario(domain::scenario::ScenarioId(id))
        })
        .unwrap()
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(stored.status, domain::scenario::Status::Evaluating);
    // Too late to extend or cancel.
    assert_eq!(
        app.post(
            &format!("{path}/extend"),
            Some(&agency),
            json!({"bid_deadline": (old_deadline + Duration::days(60)).to_rfc3339()})
        )
        .await
        .status,
        409
    );
    let c = app
        .post(
            &format!("{path}/cancel"),
            Some(&agency),
            json!({"reason": "不需要了"}),
        )
        .await;
    assert_eq!(
        (c.status, c.body["current_status"].as_str()),
        (409, Some("evaluating"))
    );
}

async fn cancel_needs_a_reason_and_ends_the_scenario(app: &TestApp) {
    let (agency, _) = verified_agency(app, "c@example.cn", "城管局").await;
    let id = create(app, &agency, posting(app, 30)).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/scenarios/{id}");
    app.post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    let no_reason = app
        .post(
            &format!("{path}/cancel"),
            Some(&agency),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(
        (
            no_reason.status,
            no_reason.body["errors"][0]["field"].as_str()
        ),
        (422, Some("reason"))
    );
    let c = app
        .post(
            &format!("{path}/cancel"),
            Some(&agency),
            json!({"reason": "预算调整"}),
        )
        .await;
    assert_eq!(c.status, 200);
    assert_eq!(
        (c.body["status"].as_str(), c.body["cancel_reason"].as_str()),
        (Some("cancelled"), Some("预算调整"))
    );
    assert_eq!(
        app.post(&format!("{path}/publish"), Some(&agency), json!({}))
            .await
            .status,
        409
    );
    // A cancelled draft stays invisible; a cancelled published scenario stays public.
    assert_eq!(app.get(&path, None).await.body["status"], "cancelled");
}

async fn a_draft_is_invisible_to_everyone_but_its_agency(app: &TestApp) {
    let (agency, org) = verified_agency(app, "d@example.cn", "司法局").await;
    let id = create(app, &agency, posting(app, 30)).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/scenarios/{id}");
    assert_eq!(app.get(&path, None).await.status, 404);
    app.register("nosy-vendor@example.cn", "vendor", "V").await;
    let vendor = app.token("nosy-vendor@example.cn").await;
    assert_eq!(app.get(&path, Some(&vendor)).await.status, 404);
    let (other, _) = verified_agency(app, "other-agency@example.cn", "别的局").await;
    assert_eq!(app.get(&path, Some(&other)).await.status, 404);
    assert_eq!(
        app.call("PATCH", &path, Some(&other), Some(json!({"title": "x"})))
            .await
            .status,
        404
    );
    assert_eq!(
        app.post(&format!("{path}/publish"), Some(&other), json!({}))
            .await
            .status,
        404
    );
    assert_eq!(app.get(&path, Some(&agency)).await.status, 200);
    // Lists: the public sees nothing; the agency sees its draft.
    assert_eq!(app.get("/api/v1/scenarios", None).await.body["total"], 0);
    let mine = app
        .get(&format!("/api/v1/scenarios?agency_id={org}"), Some(&agency))
        .await;
    assert_eq!(mine.body["total"], 1);
    assert_eq!(mine.body["items"][0]["status"], "draft");
    assert!(
        mine.body["items"][0].get("description").is_none(),
        "lists carry the summary only"
    );
    // Once published, everyone sees it and another agency may read but not manage it.
    app.post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    assert_eq!(app.get(&path, None).await.status, 200);
    assert_eq!(
        app.call("PATCH", &path, Some(&other), Some(json!({"tags": []})))
            .await
            .status,
        403
    );
}

async fn every_create_error_is_named_field_by_field(app: &TestApp) {
    let (agency, _) = verified_agency(app, "v@example.cn", "数据局").await;
    let a = app
        .post(
            "/api/v1/scenarios",
            Some(&agency),
            json!({"title": "", "summary": "", "description": "", "domain": "mars", "tags": ["x".repeat(30)], "budget_min_fen": 0, "budget_max_fen": -1,
                   "bid_deadline": "soon", "price_weight": 120, "procurement_type": "lease", "criteria": [{"name": "", "weight": -5}]}),
        )
        .await;
    assert_eq!(a.status, 422);
    let fields: Vec<&str> = a.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "title",
            "summary",
            "description",
            "domain",
            "tags",
            "budget_min_fen",
            "budget_max_fen",
            "bid_deadline",
            "price_weight",
            "procurement_type",
            "criteria[0].name",
            "criteria[0].weight"
        ]
    );
    // Weights that do not add up to 100.
    let mut body = posting(app, 30);
    body["criteria"][0]["weight"] = json!(50);
    let w = app.post("/api/v1/scenarios", Some(&agency), body).await;
    assert_eq!(w.status, 422);
    assert_eq!(w.body["errors"][0]["field"], "criteria");
    assert!(
        w.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("110")
    );
    // Minimum above maximum, duplicate criterion names.
    let mut body = posting(app, 30);
    body["budget_min_fen"] = json!(90_000_000);
    body["criteria"][1]["name"] = json!("技术方案");
    let d = app.post("/api/v1/scenarios", Some(&agency), body).await;
    let fields: Vec<&str> = d.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["budget_max_fen", "criteria[1].name"]);
    // Vendors cannot post at all; nothing was stored.
    app.register("vendor@example.cn", "vendor", "V").await;
    let vendor = app.token("vendor@example.cn").await;
    assert_eq!(
        app.post("/api/v1/scenarios", Some(&vendor), posting(app, 30))
            .await
            .status,
        403
    );
    assert_eq!(
        app.get("/api/v1/scenarios", Some(&agency)).await.body["total"],
        0
    );
}

async fn an_unverified_agency_drafts_but_may_not_publish(app: &TestApp) {
    app.register("new@example.cn", "agency", "新成立的街道办")
        .await;
    let agency = app.token("new@example.cn").await;
    let id = create(app, &agency, posting(app, 30)).await["id"]
        .as_i64()
        .unwrap();
    let p = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            json!({}),
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(
        p.body["detail"].as_str().unwrap().contains("not verified"),
        "{:?}",
        p.body
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{id}"), Some(&agency))
            .await
            .body["status"],
        "draft"
    );
}

async fn publishing_needs_a_future_deadline(app: &TestApp) {
    let (agency, _) = verified_agency(app, "late@example.cn", "数据局").await;
    let id = create(app, &agency, posting(app, 1)).await["id"]
        .as_i64()
        .unwrap();
    app.clock.advance(Duration::days(1));
    let agency = app.token("late@example.cn").await;
    let p = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            json!({}),
        )
        .await;
    assert_eq!(p.status, 409, "{:?}", p.body);
    assert_eq!(p.body["current_status"], "draft");
    // A short window publishes, with the hint.
    let id = create(app, &agency, posting(app, 5)).await["id"]
        .as_i64()
        .unwrap();
    let p = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            json!({}),
        )
        .await;
    assert_eq!(p.status, 200);
    assert_eq!(p.body["warnings"][0]["code"], "short_bid_window");
}

async fn questions_are_public_once_answered_and_never_name_the_asker(app: &TestApp) {
    let (agency, _) = verified_agency(app, "qa@example.cn", "数据局").await;
    let id = create(app, &agency, posting(app, 30)).await["id"]
        .as_i64()
        .unwrap();
    let qpath = format!("/api/v1/scenarios/{id}/questions");
    app.register("asker@example.cn", "vendor", "提问企业").await;
    let asker = app.token("asker@example.cn").await;
    // Not while a draft (invisible), and never empty.
    assert_eq!(
        app.post(&qpath, Some(&asker), json!({"body": "数据从哪来？"}))
            .await
            .status,
        404
    );
    app.post(
        &format!("/api/v1/scenarios/{id}/publish"),
        Some(&agency),
        json!({}),
    )
    .await;
    assert_eq!(
        app.post(&qpath, Some(&asker), json!({"body": "  "}))
            .await
            .status,
        422
    );
    assert_eq!(
        app.post(&qpath, Some(&agency), json!({"body": "自问自答"}))
            .await
            .status,
        403,
        "agencies do not ask"
    );
    assert_eq!(
        app.post(&qpath, None, json!({"body": "匿名"})).await.status,
        401
    );
    let q1 = app
        .post(
            &qpath,
            Some(&asker),
            json!({"body": "视频数据从哪个平台接入？"}),
        )
        .await;
    assert_eq!(q1.status, 201);
    let q2 = app
        .post(
            &qpath,
            Some(&asker),
            json!({"body": "是否需要私有化部署？"}),
        )
        .await;
    let (q1, q2) = (
        q1.body["id"].as_i64().unwrap(),
        q2.body["id"].as_i64().unwrap(),
    );
    // The public sees nothing yet; the owner sees both; the asker sees their own.
    assert_eq!(
        app.get(&qpath, None).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.get(&qpath, Some(&agency)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let own = app.get(&qpath, Some(&asker)).await.body["items"].clone();
    assert!(own.as_array().unwrap().iter().all(|q| q["mine"] == true));
    // Only the owner answers.
    assert_eq!(
        app.post(
            &format!("/api/v1/questions/{q1}/answer"),
            Some(&asker),
            json!({"body": "我来答"})
        )
        .await
        .status,
        403
    );
    let a = app
        .post(
            &format!("/api/v1/questions/{q1}/answer"),
            Some(&agency),
            json!({"body": "通过区城市运行中心视频平台接入。"}),
        )
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert!(a.body["warnings"].as_array().unwrap().is_empty());
    // A correction is another answer; the first stays.
    app.post(
        &format!("/api/v1/questions/{q1}/answer"),
        Some(&agency),
        json!({"body": "更正：同时接入街道自建摄像头。"}),
    )
    .await;
    let public = app.get(&qpath, None).await.body;
    assert_eq!(public["total"], 1);
    let list = public["items"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["answers"].as_array().unwrap().len(), 2);
    assert_eq!(
        list[0]["answers"][0]["body"],
        "通过区城市运行中心视频平台接入。"
    );
    let text = public.to_string();
    assert!(
        !text.contains("asker@example.cn")
            && !text.contains("提问企业")
            && !text.contains("asked_by"),
        "the asker is never shown"
    );
    assert_eq!(
        app.get(&qpath, Some(&agency)).await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["answered"] == false)
            .count(),
        1
    );
    // Close to the deadline an answer carries the hint; after it, no more Q&A.
    app.clock.advance(Duration::days(20));
    let agency = app.token("qa@example.cn").await;
    let late = app
        .post(
            &format!("/api/v1/questions/{q2}/answer"),
            Some(&agency),
            json!({"body": "需要。"}),
        )
        .await;
    assert_eq!(late.body["warnings"][0]["code"], "late_clarification");
    app.clock.advance(Duration::days(11));
    let asker = app.token("asker@example.cn").await;
    assert_eq!(
        app.post(&qpath, Some(&asker), json!({"body": "还能问吗？"}))
            .await
            .status,
        409
    );
}

async fn list_filters_by_status_domain_and_agency_with_paging(app: &TestApp) {
    let (a1, org1) = verified_agency(app, "l1@example.cn", "甲局").await;
    let (a2, _) = verified_agency(app, "l2@example.cn", "乙局").await;
    for (token, domain, days) in [
        (&a1, "city_governance", 30),
        (&a1, "government_services", 2),
        (&a2, "city_governance", 30),
    ] {
        let mut body = posting(app, days);
        body["domain"] = json!(domain);
        let id = create(app, token, body).await["id"].as_i64().unwrap();
        app.post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(token),
            json!({}),
        )
        .await;
    }
    app.clock.advance(Duration::days(3));
    let q = |s: &'static str| async move { app.get(s, None).await.body };
    assert_eq!(q("/api/v1/scenarios").await["total"], 3);
    assert_eq!(
        q("/api/v1/scenarios?status=published").await["total"],
        2,
        "a passed deadline is no longer published"
    );
    assert_eq!(q("/api/v1/scenarios?status=evaluating").await["total"], 1);
    assert_eq!(
        q("/api/v1/scenarios?domain=city_governance").await["total"],
        2
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios?agency_id={org1}"), None)
            .await
            .body["total"],
        2
    );
    let page = q("/api/v1/scenarios?per_page=2&page=2").await;
    assert_eq!(
        (
            page["items"].as_array().unwrap().len(),
            page["page"].as_i64()
        ),
        (1, Some(2))
    );
    let bad = app
        .get(
            "/api/v1/scenarios?status=open&domain=space&per_page=500",
            None,
        )
        .await;
    assert_eq!(bad.status, 422);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["status", "domain", "per_page"]);
}

async fn every_scenario_change_is_audited(app: &TestApp) {
    let (agency, _) = verified_agency(app, "au@example.cn", "数据局").await;
    let id = create(app, &agency, posting(app, 30)).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/scenarios/{id}");
    app.call(
        "PATCH",
        &path,
        Some(&agency),
        Some(json!({"summary": "changed"})),
    )
    .await;
    app.post(&format!("{path}/publish"), Some(&agency), json!({}))
        .await;
    let new_deadline = (app.parts.services.now() + Duration::days(40)).to_rfc3339();
    app.post(
        &format!("{path}/extend"),
        Some(&agency),
        json!({"bid_deadline": new_deadline}),
    )
    .await;
    app.register("asker@example.cn", "vendor", "V").await;
    let vendor = app.token("asker@example.cn").await;
    let q = app
        .post(
            &format!("{path}/questions"),
            Some(&vendor),
            json!({"body": "问题"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/questions/{q}/answer"),
        Some(&agency),
        json!({"body": "答复"}),
    )
    .await;
    app.post(
        &format!("{path}/cancel"),
        Some(&agency),
        json!({"reason": "调整"}),
    )
    .await;
    let services = app.parts.services.clone();
    let (records, check) = tokio::task::spawn_blocking(move || {
        (
            domain::ports::in_read(services.store_for_tests(), |tx| tx.audit_records(0, 1000))
                .unwrap(),
            services.verify_audit_chain().unwrap(),
        )
    })
    .await
    .unwrap();
    let actions: Vec<&str> = records
        .iter()
        .filter(|r| r.action.starts_with("scenario.") || r.action.starts_with("question."))
        .map(|r| r.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "scenario.create",
            "scenario.edit",
            "scenario.publish",
            "scenario.extend",
            "question.ask",
            "question.answer",
            "scenario.cancel"
        ]
    );
    assert!(matches!(check, domain::audit::ChainCheck::Intact { .. }));
}

async fn the_detail_says_what_the_caller_may_do(app: &TestApp) {
    let (owner, _) = verified_agency(app, "aa-owner@example.cn", "城管局").await;
    let id = create(app, &owner, posting(app, 30)).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/scenarios/{id}");
    let allowed = |b: &Value| b["allowed_actions"].clone();
    assert_eq!(
        allowed(&app.get(&path, Some(&owner)).await.body),
        json!(["edit", "publish", "cancel"])
    );
    app.post(&format!("{path}/publish"), Some(&owner), json!({}))
        .await;
    assert_eq!(
        allowed(&app.get(&path, Some(&owner)).await.body),
        json!(["extend", "cancel", "answer", "set_panel"])
    );
    let admin = app.admin_token().await;
    let org = app.register("aa-v@example.cn", "vendor", "V").await["organization"]["id"]
        .as_i64()
        .unwrap();
    let v = app.token("aa-v@example.cn").await;
    assert_eq!(
        allowed(&app.get(&path, Some(&v)).await.body),
        json!(["ask", "follow"]),
        "unverified: no bid"
    );
    tests::fixtures::verify(app, &admin, org, true).await;
    assert_eq!(
        allowed(&app.get(&path, Some(&v)).await.body),
        json!(["bid", "ask", "follow"])
    );
    assert_eq!(allowed(&app.get(&path, None).await.body), json!([]));
    let list = app.get("/api/v1/scenarios", None).await.body;
    assert!(
        list["items"][0].get("allowed_actions").is_none(),
        "only the detail carries them"
    );
}

/// The list's totals are kept between changes (issue 13): they still follow every change at
/// once, a deadline to the second, and each viewer's own drafts.
async fn list_totals_follow_every_change_and_each_deadline_to_the_second(app: &TestApp) {
    use domain::ports::Clock;
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let publish = |days: i64| {
        let owner = owner.clone();
        async move {
            let s = create(app, &owner, posting(app, days)).await;
            let id = s["id"].as_i64().unwrap();
            let p = app
                .post(
                    &format!("/api/v1/scenarios/{id}/publish"),
                    Some(&owner),
                    json!({}),
                )
                .await;
            assert_eq!(p.status, 200, "{:?}", p.body);
            p.body
        }
    };
    let total = |q: &'static str, token: Option<String>| async move {
        let a = app
            .get(&format!("/api/v1/scenarios{q}"), token.as_deref())
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body["total"].as_i64().unwrap()
    };
    let first = publish(1).await;
    publish(2).await;
    for _ in 0..2 {
        assert_eq!(total("?status=published", None).await, 2);
        assert_eq!(total("", None).await, 2);
    }
    // A draft: the agency's own total has it at once, the public's does not.
    create(app, &owner, posting(app, 3)).await;
    assert_eq!(total("", None).await, 2);
    assert_eq!(total("", Some(owner.clone())).await, 3);
    // The first deadline, to the second.
    let deadline: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(first["bid_deadline"].clone()).unwrap();
    app.clock
        .advance(deadline - app.clock.now() - Duration::seconds(1));
    assert_eq!(total("?status=published", None).await, 2);
    assert_eq!(total("?status=evaluating", None).await, 0);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(
        total("?status=published", None).await,
        1,
        "closed at the deadline second"
    );
    assert_eq!(total("?status=evaluating", None).await, 1);
    // A new publication shows at once, to everyone.
    let owner = app.token("owner@example.cn").await;
    let again = create(app, &owner, posting(app, 5)).await["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/scenarios/{again}/publish"),
        Some(&owner),
        json!({}),
    )
    .await;
    assert_eq!(total("?status=published", None).await, 2);
    assert_eq!(total("", None).await, 3);
}

on_both! {
    the_detail_says_what_the_caller_may_do => super::the_detail_says_what_the_caller_may_do;
    the_whole_lifecycle_runs_to_evaluating_without_a_request => super::the_whole_lifecycle_runs_to_evaluating_without_a_request;
    cancel_needs_a_reason_and_ends_the_scenario => super::cancel_needs_a_reason_and_ends_the_scenario;
    a_draft_is_invisible_to_everyone_but_its_agency => super::a_draft_is_invisible_to_everyone_but_its_agency;
    every_create_error_is_named_field_by_field => super::every_create_error_is_named_field_by_field;
    an_unverified_agency_drafts_but_may_not_publish => super::an_unverified_agency_drafts_but_may_not_publish;
    publishing_needs_a_future_deadline => super::publishing_needs_a_future_deadline;
    questions_are_public_once_answered_and_never_name_the_asker => super::questions_are_public_once_answered_and_never_name_the_asker;
    list_filters_by_status_domain_and_agency_with_paging => super::list_filters_by_status_domain_and_agency_with_paging;
    every_scenario_change_is_audited => super::every_scenario_change_is_audited;
    list_totals_follow_every_change_and_each_deadline_to_the_second => super::list_totals_follow_every_change_and_each_deadline_to_the_second;
}
