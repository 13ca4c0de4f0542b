//! The evaluation loop through the API on both databases: panel, declarations (one with a
//! conflict), scoring, ranking, award with and without justification, the notice, delivery,
//! rating and reply — and every permission edge refused.

use chrono::Duration;
use serde_json::json;
use tests::{TestApp, on_both};

use tests::fixtures::{contract_signed, evaluator, posting, sheet, vendor, verified_agency};

async fn the_whole_evaluation_loop_runs_and_every_edge_is_refused(app: &TestApp) {
    let admin = app.admin_token().await;
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let (other_agency, _) = verified_agency(app, "other@example.cn", "别的局").await;
    let sid = app
        .post("/api/v1/scenarios", Some(&owner), posting(app, 30))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/scenarios/{sid}/publish"),
        Some(&owner),
        json!({}),
    )
    .await;
    let mut evs = Vec::new();
    for i in 0..5 {
        evs.push(
            evaluator(
                app,
                &admin,
                &format!("ev{i}@example.cn"),
                &format!("专家{i}"),
            )
            .await,
        );
    }
    let mut bids = Vec::new();
    for (i, price) in [300_000i64, 400_000, 250_000].iter().enumerate() {
        let org = vendor(
            app,
            &admin,
            &format!("v{i}@example.cn"),
            &format!("企业{i}"),
        )
        .await;
        let t = app.token(&format!("v{i}@example.cn")).await;
        let b = app.post(&format!("/api/v1/scenarios/{sid}/bids"), Some(&t), json!({"price_fen": price * 100, "delivery_days": 60, "technical_proposal": "方案", "team": "团队"})).await;
        assert_eq!(b.status, 201);
        bids.push((org, b.body["bid"]["id"].as_i64().unwrap()));
    }
    // The panel: too small is refused; a draw is repeatable from its seed; then chosen.
    let panel = format!("/api/v1/scenarios/{sid}/panel");
    let small = app
        .call(
            "PUT",
            &panel,
            Some(&owner),
            Some(json!({"evaluator_ids": [evs[0], evs[1]]})),
        )
        .await;
    assert_eq!(
        (small.status, small.body["errors"][0]["field"].as_str()),
        (422, Some("evaluator_ids"))
    );
    // A draw: the server picks the seed (a seed from the agency is refused) and records it.
    let chosen_seed = app
        .post(
            &format!("{panel}/draw"),
            Some(&owner),
            json!({"n": 3, "seed": 42}),
        )
        .await;
    assert_eq!(
        (
            chosen_seed.status,
            chosen_seed.body["errors"][0]["field"].as_str()
        ),
        (422, Some("seed"))
    );
    let d1 = app
        .post(&format!("{panel}/draw"), Some(&owner), json!({"n": 3}))
        .await;
    assert_eq!(d1.status, 200, "{:?}", d1.body);
    assert_eq!(d1.body["draws"].as_array().unwrap().len(), 1);
    assert!(
        d1.body["draws"][0]["seed"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(
        app.call(
            "PUT",
            &panel,
            Some(&other_agency),
            Some(json!({"evaluator_ids": [evs[0], evs[1], evs[2]]}))
        )
        .await
        .status,
        403
    );
    let set = app
        .call(
            "PUT",
            &panel,
            Some(&owner),
            Some(json!({"evaluator_ids": [evs[0], evs[1], evs[2]]})),
        )
        .await;
    assert_eq!(
        (set.status, set.body["members"].as_array().unwrap().len()),
        (200, 3)
    );
    // Bids are still sealed from the panel before the deadline.
    let e0 = app.token("ev0@example.cn").await;
    assert_eq!(
        app.get(&format!("/api/v1/bids/{}", bids[0].1), Some(&e0))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/bidders"), Some(&e0))
            .await
            .status,
        409
    );
    // The deadline passes.
    app.clock.advance(Duration::days(30));
    let tok = |e: String| async move { app.token(&e).await };
    let (owner, e0, e1, e2, e3) = (
        tok("owner@example.cn".into()).await,
        tok("ev0@example.cn".into()).await,
        tok("ev1@example.cn".into()).await,
        tok("ev2@example.cn".into()).await,
        tok("ev3@example.cn".into()).await,
    );
    let criteria: Vec<i64> = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    // Before declaring: no bid, no scoring (the bid is answered for as if it did not exist).
    assert_eq!(
        app.get(&format!("/api/v1/bids/{}", bids[0].1), Some(&e0))
            .await
            .status,
        404
    );
    assert_eq!(
        app.call(
            "PUT",
            &format!("/api/v1/bids/{}/scores", bids[0].1),
            Some(&e0),
            Some(sheet(&criteria, &[70, 70]))
        )
        .await
        .status,
        404
    );
    let names = app
        .get(&format!("/api/v1/scenarios/{sid}/bidders"), Some(&e0))
        .await
        .body;
    assert_eq!(names["items"], json!(["企业0", "企业1", "企业2"]));
    // One conflict: off the panel; the owner replaces them.
    let c = app
        .post(
            &format!("/api/v1/scenarios/{sid}/conflict-declaration"),
            Some(&e2),
            json!({"has_conflict": true, "note": "曾任企业1顾问"}),
        )
        .await;
    assert_eq!(c.status, 200);
    // The workspace keeps it, under "conflict declared", linking to the public page only.
    let (e2_browser, _) = tests::signed_in(app, "ev2@example.cn").await;
    let page = |show: &'static str| {
        let b = e2_browser.clone();
        async move {
            b.get(app.url(&format!("/evaluate?show={show}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let conflict = page("conflict").await;
    assert!(
        conflict.contains(&format!("/scenarios/{sid}\"")),
        "{conflict}"
    );
    assert!(!conflict.contains(&format!("/evaluate/{sid}\"")));
    assert!(
        !page("pending")
            .await
            .contains(&format!("/scenarios/{sid}\""))
    );
    assert_eq!(
        app.get(&panel, Some(&owner)).await.body["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{sid}/conflict-declaration"),
            Some(&e2),
            json!({"has_conflict": false})
        )
        .await
        .status,
        404
    );
    let re = app
        .call(
            "PUT",
            &panel,
            Some(&owner),
            Some(json!({"evaluator_ids": [evs[0], evs[1], evs[3]]})),
        )
        .await;
    assert_eq!(re.status, 200, "{:?}", re.body);
    for t in [&e0, &e1, &e3] {
        assert_eq!(
            app.post(
                &format!("/api/v1/scenarios/{sid}/conflict-declaration"),
                Some(t),
                json!({"has_conflict": false})
            )
            .await
            .status,
            200
        );
    }
    // Outsiders: a non-panel evaluator, the conflicted one, another agency, a vendor.
    let e4 = app.token("ev4@example.cn").await;
    for t in [&e4, &e2] {
        assert_eq!(
            app.call(
                "PUT",
                &format!("/api/v1/bids/{}/scores", bids[0].1),
                Some(t),
                Some(sheet(&criteria, &[70, 70]))
            )
            .await
            .status,
            404
        );
        assert_eq!(
            app.get(&format!("/api/v1/bids/{}", bids[0].1), Some(t))
                .await
                .status,
            404
        );
    }
    assert_eq!(
        app.get(&format!("/api/v1/bids/{}", bids[0].1), Some(&e0))
            .await
            .status,
        200,
        "a cleared member reads the bids"
    );
    // Scoring, with the comment rule.
    let bad = app
        .call(
            "PUT",
            &format!("/api/v1/bids/{}/scores", bids[0].1),
            Some(&e0),
            Some(json!({"scores": [{"criterion_id": criteria[0], "score": 30}]})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["errors"][0]["field"].as_str()),
        (422, Some("scores[0].comment"))
    );
    let plan: [(&String, [[i64; 2]; 3]); 3] = [
        (&e0, [[80, 70], [90, 90], [60, 60]]),
        (&e1, [[82, 72], [88, 92], [58, 62]]),
        (&e3, [[78, 68], [92, 88], [62, 58]]),
    ];
    for (t, per_bid) in plan {
        for (bi, s) in per_bid.iter().enumerate() {
            let a = app
                .call(
                    "PUT",
                    &format!("/api/v1/bids/{}/scores", bids[bi].1),
                    Some(t),
                    Some(sheet(&criteria, s)),
                )
                .await;
            assert_eq!(a.status, 200, "{:?}", a.body);
        }
    }
    // The panel is fixed once scoring began.
    assert_eq!(
        app.call(
            "PUT",
            &panel,
            Some(&owner),
            Some(json!({"evaluator_ids": [evs[0], evs[1], evs[4]]}))
        )
        .await
        .status,
        409
    );
    // The ranking: for the owner and admins only.
    let r = app
        .get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&owner))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["incomplete_sheets"].as_array().unwrap().is_empty());
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    // Bid 1: price 400,000 → 250/400 × 30 = 18.75; means K1 90, K2 90 → 36 + 27 = 63 → 81.75.
    let first = &items[0];
    assert_eq!(
        (first["bid_id"].as_i64(), first["total"].as_f64()),
        (Some(bids[1].1), Some(81.75))
    );
    let admin = app.admin_token().await;
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&admin))
            .await
            .status,
        200
    );
    // Exports with zh-CN headers.
    let csv = app
        .api
        .get(app.url(&format!("/api/v1/scenarios/{sid}/ranking.csv")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}排名,投标企业,报价（元）"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4);
    assert!(text.contains("81.75"));
    let xlsx = app
        .api
        .get(app.url(&format!("/api/v1/scenarios/{sid}/ranking.xlsx")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(
        xlsx.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK\x03\x04"),
        "a zip container"
    );
    let other = tok("other@example.cn".into()).await;
    assert!(matches!(
        app.get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&other))
            .await
            .status,
        403 | 404
    ));
    let v0 = tok("v0@example.cn".into()).await;
    assert!(matches!(
        app.get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&v0))
            .await
            .status,
        403 | 404
    ));
    // A dissent from a member is kept and shown to the owner.
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{sid}/dissent"),
            Some(&e1),
            json!({"body": "企业2的方案被低估"})
        )
        .await
        .status,
        201
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&owner))
            .await
            .body["dissents"][0]["body"],
        "企业2的方案被低估"
    );
    // Award: not rank 1 needs a justification.
    let second = items[1]["bid_id"].as_i64().unwrap();
    let no = app
        .post(
            &format!("/api/v1/scenarios/{sid}/award"),
            Some(&owner),
            json!({"bid_id": second}),
        )
        .await;
    assert_eq!(
        (no.status, no.body["errors"][0]["field"].as_str()),
        (422, Some("justification"))
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/award-notice"), None)
            .await
            .status,
        404,
        "no notice before the award"
    );
    let yes = app
        .post(
            &format!("/api/v1/scenarios/{sid}/award"),
            Some(&owner),
            json!({"bid_id": second, "justification": "交付周期更符合需求"}),
        )
        .await;
    assert_eq!(yes.status, 200, "{:?}", yes.body);
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}"), None)
            .await
            .body["status"],
        "awarded"
    );
    // The public notice: winner, everyone's total and rank, the panel's names; no proposals.
    let notice = app
        .get(&format!("/api/v1/scenarios/{sid}/award-notice"), None)
        .await
        .body;
    assert_eq!(notice["items"].as_array().unwrap().len(), 3);
    assert_eq!(notice["panel"].as_array().unwrap().len(), 3);
    assert!(!notice.to_string().contains("方案\""), "no proposal text");
    let page = app.get("/api/v1/award-notices", None).await.body;
    assert_eq!(
        (
            page["total"].as_i64(),
            page["items"].as_array().map(Vec::len)
        ),
        (Some(1), Some(1))
    );
    // Losing vendors see their own scores, never another's.
    let winner_org = notice["winner"]["organization_id"].as_i64().unwrap();
    let winner_index = bids.iter().position(|(o, _)| *o == winner_org).unwrap();
    let loser_index = (winner_index + 1) % bids.len();
    let loser = tok(format!("v{loser_index}@example.cn")).await;
    let mine = app
        .get(&format!("/api/v1/scenarios/{sid}/my-result"), Some(&loser))
        .await;
    assert_eq!(
        (mine.status, mine.body["vendor"]["id"].as_i64()),
        (200, Some(bids[loser_index].0))
    );
    assert!(
        mine.body["criteria"][0]["mean"].as_f64().is_some(),
        "per-criterion scores"
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/bids/{}", bids[winner_index].1),
            Some(&loser)
        )
        .await
        .status,
        404
    );
    // Scores no longer change; delivery; rating; one reply.
    assert_eq!(
        app.call(
            "PUT",
            &format!("/api/v1/bids/{}/scores", bids[0].1),
            Some(&e0),
            Some(sheet(&criteria, &[75, 75]))
        )
        .await
        .status,
        409
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{sid}/rating"),
            Some(&owner),
            json!({"quality": 5, "timeliness": 5, "communication": 5, "comment": "好"})
        )
        .await
        .status,
        409,
        "not delivered yet"
    );
    let early = app
        .post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(
        (early.status, early.body["code"].as_str()),
        (409, Some("challenge_period")),
        "delivery waits for the period to challenge the award: {:?}",
        early.body
    );
    app.clock.advance(chrono::Duration::days(25));
    let owner = tok("owner@example.cn".into()).await;
    let loser = tok(format!("v{loser_index}@example.cn")).await;
    contract_signed(app, sid, &owner).await;
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({})
        )
        .await
        .status,
        204
    );
    let bad = app
        .post(
            &format!("/api/v1/scenarios/{sid}/rating"),
            Some(&owner),
            json!({"quality": 6, "timeliness": 0, "communication": 4, "comment": ""}),
        )
        .await;
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["quality", "timeliness", "comment"]);
    let rating = app.post(&format!("/api/v1/scenarios/{sid}/rating"), Some(&owner), json!({"quality": 5, "timeliness": 4, "communication": 5, "comment": "交付及时，质量好"})).await;
    assert_eq!(rating.status, 201);
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}"), None)
            .await
            .body["status"],
        "closed"
    );
    let rid = rating.body["id"].as_i64().unwrap();
    let winner = tok(format!("v{winner_index}@example.cn")).await;
    // Notifications: each bidder hears its own rank and total (no other bidder's name), the
    // winner that it won and of its rating, each panel member of the assignment.
    app.drain_jobs().await;
    let of_kind = |token: String, kind: &'static str| async move {
        app.get(&format!("/api/v1/notifications?kind={kind}"), Some(&token))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    for (i, (org, _)) in bids.iter().enumerate() {
        let t = tok(format!("v{i}@example.cn")).await;
        let results = of_kind(t.clone(), "award_result").await;
        assert_eq!(
            results.len(),
            1,
            "one result for bidder {i}: {:?}",
            app.get("/api/v1/notifications", Some(&t)).await.body
        );
        let body = results[0]["body"].as_str().unwrap();
        let row = notice["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["organization_id"] == *org)
            .unwrap();
        assert!(
            body.contains(&format!("排名第 {}", row["rank"])),
            "{body} vs {row}"
        );
        assert!(
            body.contains(&format!("{:.2}", row["total"].as_f64().unwrap())),
            "{body} vs {row}"
        );
        assert_eq!(body.contains("恭喜"), i == winner_index, "{body}");
        assert!(!body.contains("企业"), "no bidder's name: {body}");
        let ratings = of_kind(t, "rating_received").await;
        assert_eq!(ratings.len(), usize::from(i == winner_index));
    }
    for name in notice["panel"].as_array().unwrap() {
        let i = (0..5).find(|i| name["name"] == format!("专家{i}")).unwrap();
        let assigned = of_kind(tok(format!("ev{i}@example.cn")).await, "panel_assigned").await;
        assert!(!assigned.is_empty(), "panel member {i} was told");
        assert_eq!(assigned[0]["link"], format!("/evaluate/{sid}"));
    }
    assert_eq!(
        app.post(
            &format!("/api/v1/ratings/{rid}/reply"),
            Some(&loser),
            json!({"body": "不是我"})
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/ratings/{rid}/reply"),
            Some(&winner),
            json!({"body": "谢谢"})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/ratings/{rid}/reply"),
            Some(&winner),
            json!({"body": "再谢"})
        )
        .await
        .status,
        409
    );
    let ratings = app
        .get(&format!("/api/v1/organizations/{winner_org}/ratings"), None)
        .await
        .body;
    assert_eq!(ratings["count"], 1);
    assert!(ratings["reputation"].as_f64().unwrap() > 3.5);
    assert_eq!(
        app.get(&format!("/api/v1/organizations/{winner_org}"), None)
            .await
            .body["rating_summary"]["count"],
        1
    );
    // Every step is in the audit trail.
    let services = app.parts.services.clone();
    let actions: Vec<String> = tokio::task::spawn_blocking(move || {
        domain::ports::in_read(services.store_for_tests(), |tx| tx.audit_records(0, 10_000))
            .unwrap()
    })
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.action)
    .collect();
    for a in [
        "panel.set",
        "panel.declare",
        "score.save",
        "panel.dissent",
        "scenario.award",
        "scenario.deliver",
        "rating.create",
        "rating.reply",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}

/// Abnormally low prices: a bid more than 20 % below the mean of the others is flagged on the
/// ranking, and awarding it needs the vendor's explanation recorded first, by the owner only,
/// once, while the bids are evaluated (before opening the bid does not exist for the owner).
async fn an_abnormally_low_bid_is_flagged_and_awarded_only_once_explained(app: &TestApp) {
    let admin = app.admin_token().await;
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let (other_agency, _) = verified_agency(app, "other@example.cn", "别的局").await;
    let sid = app
        .post("/api/v1/scenarios", Some(&owner), posting(app, 30))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/scenarios/{sid}/publish"),
        Some(&owner),
        json!({}),
    )
    .await;
    let mut evs = vec![];
    for i in 0..3 {
        evs.push(
            evaluator(
                app,
                &admin,
                &format!("ev{i}@example.cn"),
                &format!("专家{i}"),
            )
            .await,
        );
    }
    // 200,000 against the others' mean of 310,000 is 35 % below; 300,000 against 260,000 and
    // 320,000 against 250,000 are not low.
    let mut bids = vec![];
    for (i, price) in [300_000i64, 320_000, 200_000].iter().enumerate() {
        vendor(
            app,
            &admin,
            &format!("v{i}@example.cn"),
            &format!("企业{i}"),
        )
        .await;
        let t = app.token(&format!("v{i}@example.cn")).await;
        let b = app.post(&format!("/api/v1/scenarios/{sid}/bids"), Some(&t), json!({"price_fen": price * 100, "delivery_days": 60, "technical_proposal": "方案", "team": "团队"})).await;
        assert_eq!(b.status, 201, "{:?}", b.body);
        bids.push(b.body["bid"]["id"].as_i64().unwrap());
    }
    let low = bids[2];
    let explain = |token: String, bid: i64, note: &'static str| async move {
        app.post(
            &format!("/api/v1/bids/{bid}/low-price-explanation"),
            Some(&token),
            json!({"note": note}),
        )
        .await
    };
    // Sealed: before the deadline the bid does not exist for the owner.
    assert_eq!(explain(owner.clone(), low, "说明").await.status, 404);
    let set = app
        .call(
            "PUT",
            &format!("/api/v1/scenarios/{sid}/panel"),
            Some(&owner),
            Some(json!({"evaluator_ids": evs})),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    app.clock.advance(Duration::days(30));
    app.drain_jobs().await;
    let owner = app.token("owner@example.cn").await;
    let other_agency = {
        let _ = other_agency;
        app.token("other@example.cn").await
    };
    let criteria: Vec<i64> = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    for i in 0..3 {
        let e = app.token(&format!("ev{i}@example.cn")).await;
        let d = app
            .post(
                &format!("/api/v1/scenarios/{sid}/conflict-declaration"),
                Some(&e),
                json!({"has_conflict": false}),
            )
            .await;
        assert_eq!(d.status, 200, "{:?}", d.body);
        for b in &bids {
            let s = app
                .call(
                    "PUT",
                    &format!("/api/v1/bids/{b}/scores"),
                    Some(&e),
                    Some(sheet(&criteria, &[80, 80])),
                )
                .await;
            assert_eq!(s.status, 200, "{:?}", s.body);
        }
    }
    // The evaluator's workspace files the panel under "evaluated" now.
    let (ev_browser, _) = tests::signed_in(app, "ev0@example.cn").await;
    let shown = |show: &'static str| {
        let b = ev_browser.clone();
        async move {
            b.get(app.url(&format!("/evaluate?show={show}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(
        shown("evaluated")
            .await
            .contains(&format!("/evaluate/{sid}"))
    );
    assert!(!shown("pending").await.contains(&format!("/evaluate/{sid}")));
    assert!(
        !shown("conflict")
            .await
            .contains(&format!("/evaluate/{sid}"))
    );
    let ranking = app
        .get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&owner))
        .await;
    assert_eq!(ranking.status, 200, "{:?}", ranking.body);
    let flagged: Vec<i64> = ranking.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["abnormally_low"] == true)
        .map(|r| r["bid_id"].as_i64().unwrap())
        .collect();
    assert_eq!(flagged, [low]);
    assert_eq!(
        ranking.body["items"][0]["bid_id"], low,
        "the cheapest ranks first"
    );
    // The export flags it too.
    let csv = app
        .api
        .get(app.url(&format!("/api/v1/scenarios/{sid}/ranking.csv")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines().next().unwrap().ends_with(",异常低价,低价说明"),
        "{csv}"
    );
    assert_eq!(
        csv.lines().filter(|l| l.contains(",是,")).count(),
        1,
        "only the low bid: {csv}"
    );
    // Not without the explanation.
    let award = |token: String| async move {
        app.post(
            &format!("/api/v1/scenarios/{sid}/award"),
            Some(&token),
            json!({"bid_id": low}),
        )
        .await
    };
    let refused = award(owner.clone()).await;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (409, Some("low_price_unexplained")),
        "{:?}",
        refused.body
    );
    // The ranking page flags it and offers the form; an empty note is named beside it.
    let (browser, csrf) = tests::signed_in(app, "owner@example.cn").await;
    let page = browser
        .get(app.url(&format!("/scenarios/{sid}/ranking")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("badge-low") && page.contains(&format!("/bids/{low}/low-price")),
        "{page}"
    );
    assert!(!page.contains(&format!("/bids/{}/low-price", bids[0])));
    let blank = browser
        .post(app.url(&format!("/bids/{low}/low-price")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("scenario", &sid.to_string()),
            ("note", " "),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(blank.status(), 422);
    assert!(
        blank
            .text()
            .await
            .unwrap()
            .contains(&format!("note-{low}-error"))
    );
    // The edges: a bid that is not low, an empty note, another agency.
    let not_low = explain(owner.clone(), bids[0], "说明").await;
    assert_eq!(
        (not_low.status, not_low.body["code"].as_str()),
        (409, Some("not_abnormally_low"))
    );
    let empty = explain(owner.clone(), low, "  ").await;
    assert_eq!(
        (empty.status, empty.body["errors"][0]["field"].as_str()),
        (422, Some("note"))
    );
    assert_eq!(explain(other_agency.clone(), low, "说明").await.status, 403);
    // Six owners' clicks at once: one is recorded, every other is the same conflict.
    let answers = futures_util::future::join_all((0..6).map(|_| {
        explain(
            owner.clone(),
            low,
            "投标人称采用自有算法平台，已提供成本测算表。",
        )
    }))
    .await;
    let ok: Vec<_> = answers.iter().filter(|a| a.status == 201).collect();
    assert_eq!(ok.len(), 1, "{answers:?}");
    for a in answers.iter().filter(|a| a.status != 201) {
        assert_eq!(
            (a.status, a.body["code"].as_str()),
            (409, Some("already_explained")),
            "{:?}",
            a.body
        );
    }
    let again = explain(owner.clone(), low, "再说明").await;
    assert_eq!(
        (again.status, again.body["code"].as_str()),
        (409, Some("already_explained"))
    );
    let ranking = app
        .get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&owner))
        .await;
    assert_eq!(
        ranking.body["items"][0]["low_price_explanation"]["note"],
        "投标人称采用自有算法平台，已提供成本测算表。"
    );
    let awarded = award(owner.clone()).await;
    assert_eq!(awarded.status, 200, "{:?}", awarded.body);
    // Awarded: the window has closed.
    assert_eq!(
        explain(owner.clone(), bids[1], "说明").await.body["code"],
        "not_evaluating"
    );
}

on_both! {
    the_whole_evaluation_loop_runs_and_every_edge_is_refused => super::the_whole_evaluation_loop_runs_and_every_edge_is_refused;
    an_abnormally_low_bid_is_flagged_and_awarded_only_once_explained => super::an_abnormally_low_bid_is_flagged_and_awarded_only_once_explained;
}
