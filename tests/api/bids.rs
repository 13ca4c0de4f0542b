//! The "Bids" contract on both databases: the sealing rule as a table, the deadline to the
//! second, one active bid per vendor, versions and receipts, attachments, concurrency.

use chrono::Duration;
use serde_json::{Value, json};
use tests::{PASSWORD, TestApp, on_both};

use tests::fixtures::{bid, open_scenario, pdf, upload, verified_agency, verified_vendor};

async fn status_of(app: &TestApp, path: &str, token: Option<&str>) -> u16 {
    app.get(path, token).await.status
}

async fn the_sealing_rule_holds_for_every_viewer_before_and_after_the_deadline(app: &TestApp) {
    let (owner, sid) = open_scenario(app).await;
    let (bidder, _) = verified_vendor(app, "bidder@example.cn", "投标企业").await;
    let (other_vendor, _) = verified_vendor(app, "rival@example.cn", "竞争企业").await;
    let (other_agency, _) = verified_agency(app, "other-agency@example.cn", "别的局").await;
    let admin = app.admin_token().await;
    let ev = app.post("/api/v1/admin/users", Some(&admin), json!({"email": "ev@example.cn", "password": PASSWORD, "display_name": "专家", "role": "evaluator", "expertise": ["city_governance"]})).await;
    assert_eq!(ev.status, 201);
    let evaluator = app.token("ev@example.cn").await;
    let b = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&bidder),
            bid(300_000),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    let bid_id = b.body["bid"]["id"].as_i64().unwrap();
    let sha = upload(app, &bidder, bid_id, "方案.pdf", pdf("a"))
        .await
        .body["bid"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let paths = [
        format!("/api/v1/bids/{bid_id}"),
        format!("/api/v1/bids/{bid_id}/attachments/{sha}"),
    ];
    let list = format!("/api/v1/scenarios/{sid}/bids");
    let scenario = format!("/api/v1/scenarios/{sid}");
    // Before the deadline: (viewer, bid and attachment, list)
    let before: [(&str, Option<&str>, u16, Option<u16>); 7] = [
        ("bidder", Some(&bidder), 200, Some(200)),
        ("other vendor", Some(&other_vendor), 404, Some(200)),
        ("owner agency", Some(&owner), 404, Some(404)),
        ("other agency", Some(&other_agency), 404, Some(404)),
        ("evaluator", Some(&evaluator), 404, Some(404)),
        ("admin", Some(&admin), 404, Some(404)),
        ("anonymous", None, 401, Some(401)),
    ];
    for (who, token, want, want_list) in before {
        for p in &paths {
            assert_eq!(
                status_of(app, p, token).await,
                want,
                "{who} before the deadline: {p}"
            );
        }
        let l = app.get(&list, token).await;
        assert_eq!(Some(l.status), want_list, "{who} list before the deadline");
        if who == "other vendor" {
            assert_eq!(
                l.body["items"].as_array().unwrap().len(),
                0,
                "another vendor sees no trace"
            );
        }
        assert!(
            app.get(&scenario, token).await.body["bid_count"].is_null(),
            "{who}: no count before the deadline"
        );
    }
    assert!(app.get("/api/v1/scenarios", None).await.body["items"][0]["bid_count"].is_null());
    // After the deadline.
    app.clock.advance(Duration::days(30));
    let fresh = |e: &'static str| async move { app.token(e).await };
    let (bidder, other_vendor, owner, other_agency, evaluator, admin) = (
        fresh("bidder@example.cn").await,
        fresh("rival@example.cn").await,
        fresh("owner@example.cn").await,
        fresh("other-agency@example.cn").await,
        fresh("ev@example.cn").await,
        app.admin_token().await,
    );
    let after: [(&str, &str, u16); 6] = [
        ("bidder", &bidder, 200),
        ("other vendor", &other_vendor, 404),
        ("owner agency", &owner, 200),
        ("other agency", &other_agency, 404),
        ("evaluator not on the panel", &evaluator, 404),
        ("admin", &admin, 404),
    ];
    for (who, token, want) in after {
        for p in &paths {
            assert_eq!(
                status_of(app, p, Some(token)).await,
                want,
                "{who} after the deadline: {p}"
            );
        }
    }
    let l = app.get(&list, Some(&owner)).await;
    assert_eq!(
        (
            l.status,
            l.body["items"].as_array().unwrap().len(),
            l.body["opened"].as_bool()
        ),
        (200, 1, Some(true))
    );
    assert_eq!(l.body["warnings"][0]["code"], "few_bids");
    assert_eq!(app.get(&scenario, None).await.body["bid_count"], 1);
    let own = app.get(&paths[0], Some(&bidder)).await.body;
    assert_eq!(own["locked"], true);
    let dl = app
        .api
        .get(app.url(&paths[1]))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), 200);
    let cd = dl.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("attachment") && cd.contains("filename*=UTF-8''"),
        "{cd}"
    );
    assert_eq!(dl.bytes().await.unwrap().as_ref(), pdf("a").as_slice());
}

async fn a_bid_one_second_late_is_refused_and_stores_nothing(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    verified_vendor(app, "early@example.cn", "早到企业").await;
    verified_vendor(app, "late@example.cn", "迟到企业").await;
    app.clock.advance(Duration::days(30) - Duration::seconds(1));
    let (early, late) = (
        app.token("early@example.cn").await,
        app.token("late@example.cn").await,
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&early),
            bid(1000)
        )
        .await
        .status,
        201,
        "the last second still counts"
    );
    app.clock.advance(Duration::seconds(1));
    let a = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&late),
            bid(1000),
        )
        .await;
    assert_eq!(a.status, 409, "{:?}", a.body);
    assert_eq!(a.body["current_status"], "evaluating");
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}"), None)
            .await
            .body["bid_count"],
        1
    );
    assert_eq!(
        app.get("/api/v1/me/bids", Some(&late)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn one_active_bid_per_vendor_and_withdrawing_makes_room(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let path = format!("/api/v1/scenarios/{sid}/bids");
    let first = app.post(&path, Some(&v), bid(1000)).await.body["bid"]["id"]
        .as_i64()
        .unwrap();
    let dup = app.post(&path, Some(&v), bid(900)).await;
    assert_eq!(
        (dup.status, dup.body["code"].as_str()),
        (409, Some("duplicate_bid"))
    );
    let w = app
        .post(
            &format!("/api/v1/bids/{first}/withdraw"),
            Some(&v),
            json!({}),
        )
        .await;
    assert_eq!(
        (w.status, w.body["status"].as_str()),
        (200, Some("withdrawn"))
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/bids/{first}/withdraw"),
            Some(&v),
            json!({})
        )
        .await
        .status,
        409
    );
    assert_eq!(
        app.post(&path, Some(&v), bid(900)).await.status,
        201,
        "a new bid after withdrawing"
    );
    // Price rules and who may bid.
    let over = app.post(&path, Some(&v), bid(10_000_000)).await;
    assert!(over.status == 409 || over.status == 422);
    app.register("new-vendor@example.cn", "vendor", "未认证企业")
        .await;
    let unverified = app.token("new-vendor@example.cn").await;
    let u = app.post(&path, Some(&unverified), bid(1000)).await;
    assert_eq!(u.status, 403);
    assert!(u.body["detail"].as_str().unwrap().contains("not verified"));
    let (agency, _) = verified_agency(app, "agency2@example.cn", "别的局").await;
    assert_eq!(app.post(&path, Some(&agency), bid(1000)).await.status, 403);
}

async fn a_price_above_the_budget_names_the_budget(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let a = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&v),
            bid(500_001),
        )
        .await;
    assert_eq!(a.status, 422);
    assert_eq!(a.body["errors"][0]["field"], "price_fen");
    assert!(
        a.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("500000")
    );
    let bad = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&v),
            json!({"price_fen": -1, "delivery_days": 0, "technical_proposal": "", "team": ""}),
        )
        .await;
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["price_fen", "delivery_days", "technical_proposal", "team"]
    );
}

async fn revisions_keep_every_version_and_receipts_reveal_tampering(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let first = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&v),
            bid(400_000),
        )
        .await
        .body;
    let id = first["bid"]["id"].as_i64().unwrap();
    let r1 = first["receipt"].clone();
    assert_eq!(
        (
            r1["version"].as_i64(),
            r1["content_sha256"].as_str().map(str::len)
        ),
        (Some(1), Some(64))
    );
    let second = app
        .call(
            "PUT",
            &format!("/api/v1/bids/{id}"),
            Some(&v),
            Some(bid(350_000)),
        )
        .await;
    assert_eq!(second.status, 200);
    assert_eq!(second.body["receipt"]["version"], 2);
    assert_ne!(
        second.body["receipt"]["content_sha256"],
        r1["content_sha256"]
    );
    let att = upload(app, &v, id, "资质.pdf", pdf("b")).await;
    assert_eq!(
        (att.status, att.body["receipt"]["version"].as_i64()),
        (201, Some(3))
    );
    let mine = app.get(&format!("/api/v1/bids/{id}"), Some(&v)).await.body;
    assert_eq!(mine["versions"].as_array().unwrap().len(), 3);
    assert_eq!(mine["versions"][0]["price_fen"], 40_000_000);
    assert!(
        mine["receipts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["matches"].is_null()),
        "checked once opened"
    );
    // Opened: every receipt matches.
    app.clock.advance(Duration::days(30));
    let owner = app.token("owner@example.cn").await;
    let opened = app
        .get(&format!("/api/v1/bids/{id}"), Some(&owner))
        .await
        .body;
    assert!(
        opened.get("versions").is_none(),
        "only the bidder sees the versions"
    );
    assert_eq!(
        opened["price_fen"], 35_000_000,
        "only the final version counts"
    );
    assert!(
        opened["receipts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["matches"] == true),
        "{opened}"
    );
    // Someone edits the bid in the database: the last receipt no longer matches.
    assert_eq!(
        app.execute_sql(&format!("UPDATE bids SET price_fen = 1 WHERE id = {id}")),
        1
    );
    let tampered = app
        .get(&format!("/api/v1/bids/{id}"), Some(&owner))
        .await
        .body;
    let matches: Vec<Value> = tampered["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["matches"].clone())
        .collect();
    assert_eq!(
        matches,
        [json!(false)],
        "the owner sees the final receipt only"
    );
    let v = app.token("v@example.cn").await;
    let bidder = app.get(&format!("/api/v1/bids/{id}"), Some(&v)).await.body;
    let matches: Vec<Value> = bidder["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["matches"].clone())
        .collect();
    assert_eq!(matches, [json!(true), json!(true), json!(false)]);
}

async fn uploads_are_pdfs_of_at_most_10_mb_and_five_per_bid(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let id = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&v),
            bid(1000),
        )
        .await
        .body["bid"]["id"]
        .as_i64()
        .unwrap();
    let not_pdf = upload(
        app,
        &v,
        id,
        "方案.pdf",
        b"PK\x03\x04 this is a zip".to_vec(),
    )
    .await;
    assert_eq!(
        (not_pdf.status, not_pdf.body["errors"][0]["field"].as_str()),
        (422, Some("file"))
    );
    assert!(
        not_pdf.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PDF")
    );
    assert!(
        app.stored_files().is_empty(),
        "nothing left behind: {:?}",
        app.stored_files()
    );
    let mut big = pdf("big");
    big.resize(11 * 1024 * 1024, b' ');
    let too_big = upload(app, &v, id, "大文件.pdf", big).await;
    assert_eq!(too_big.status, 422);
    assert!(
        too_big.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("10 MB")
    );
    assert!(
        app.stored_files().is_empty(),
        "nothing left behind: {:?}",
        app.stored_files()
    );
    for i in 0..5 {
        assert_eq!(
            upload(app, &v, id, &format!("f{i}.pdf"), pdf(&i.to_string()))
                .await
                .status,
            201
        );
    }
    let sixth = upload(app, &v, id, "f6.pdf", pdf("six")).await;
    assert_eq!(sixth.status, 422);
    assert!(
        sixth.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains('5')
    );
    assert_eq!(
        app.stored_files().len(),
        5,
        "only the five accepted files are stored"
    );
    // Removing one is a new version and the file is no longer part of the bid.
    let b = app.get(&format!("/api/v1/bids/{id}"), Some(&v)).await.body;
    let sha = b["attachments"][0]["sha256"].as_str().unwrap();
    let d = app
        .call(
            "DELETE",
            &format!("/api/v1/bids/{id}/attachments/{sha}"),
            Some(&v),
            None,
        )
        .await;
    assert_eq!(
        (
            d.status,
            d.body["bid"]["attachments"].as_array().unwrap().len()
        ),
        (200, 4)
    );
}

async fn fifty_simultaneous_submissions_by_one_vendor_store_exactly_one(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let (v, _) = verified_vendor(app, "v@example.cn", "V").await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (api, url, v) = (
            app.api.clone(),
            app.url(&format!("/api/v1/scenarios/{sid}/bids")),
            v.clone(),
        );
        tasks.push(tokio::spawn(async move {
            api.post(url)
                .bearer_auth(v)
                .json(&bid(1000 + i))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(
        app.get("/api/v1/me/bids", Some(&v)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn a_burst_straddling_the_deadline_stores_nothing_dated_after_it(app: &TestApp) {
    let (_, sid) = open_scenario(app).await;
    let mut vendors = Vec::new();
    for i in 0..12 {
        vendors.push(
            verified_vendor(app, &format!("burst{i}@example.cn"), &format!("企业{i}"))
                .await
                .0,
        );
    }
    app.clock
        .advance(Duration::days(30) - Duration::milliseconds(5));
    let deadline = app.parts.services.now() + Duration::milliseconds(5);
    let mut fresh = Vec::new();
    for i in 0..vendors.len() {
        fresh.push(app.token(&format!("burst{i}@example.cn")).await);
    }
    let vendors = fresh;
    let mut tasks = Vec::new();
    for (i, v) in vendors.iter().enumerate() {
        let (api, url, v) = (
            app.api.clone(),
            app.url(&format!("/api/v1/scenarios/{sid}/bids")),
            v.clone(),
        );
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(i as u64 * 3)).await;
            api.post(url)
                .bearer_auth(v)
                .json(&bid(1000))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
        if i == 5 {
            // The deadline passes in the middle of the burst.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            app.clock.advance(Duration::seconds(1));
        }
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let services = app.parts.services.clone();
    let stored = tokio::task::spawn_blocking(move || {
        domain::ports::in_read(services.store_for_tests(), |tx| {
            tx.bids_of_scenario(domain::scenario::ScenarioId(sid))
        })
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(stored.len(), statuses.iter().filter(|s| **s == 201).count());
    assert!(
        stored.iter().all(|b| b.created_at < deadline),
        "no bid is dated at or after the deadline"
    );
    assert!(statuses.contains(&409), "some arrived late");
}

on_both! {
    the_sealing_rule_holds_for_every_viewer_before_and_after_the_deadline => super::the_sealing_rule_holds_for_every_viewer_before_and_after_the_deadline;
    a_bid_one_second_late_is_refused_and_stores_nothing => super::a_bid_one_second_late_is_refused_and_stores_nothing;
    one_active_bid_per_vendor_and_withdrawing_makes_room => super::one_active_bid_per_vendor_and_withdrawing_makes_room;
    a_price_above_the_budget_names_the_budget => super::a_price_above_the_budget_names_the_budget;
    revisions_keep_every_version_and_receipts_reveal_tampering => super::revisions_keep_every_version_and_receipts_reveal_tampering;
    uploads_are_pdfs_of_at_most_10_mb_and_five_per_bid => super::uploads_are_pdfs_of_at_most_10_mb_and_five_per_bid;
    fifty_simultaneous_submissions_by_one_vendor_store_exactly_one => super::fifty_simultaneous_submissions_by_one_vendor_store_exactly_one;
    a_burst_straddling_the_deadline_stores_nothing_dated_after_it => super::a_burst_straddling_the_deadline_stores_nothing_dated_after_it;
}
