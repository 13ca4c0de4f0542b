//! Transparency and operations: the OPC community's figures against an independent count of
//! the demo data, the dashboard, the audit browser's sealing, and the parked-job retry.

use chrono::{Datelike, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use tests::fixtures::{bid, draft_titled, open_scenario, publish, verified_vendor};
use tests::{TestApp, on_both};

async fn demo_token(app: &TestApp, email: &str) -> String {
    let a = app.login(email, scenario_market::demo::DEMO_PASSWORD).await;
    assert_eq!(a.status, 200, "{email}: {:?}", a.body);
    a.body["access_token"].as_str().unwrap().to_string()
}

/// The figures counted straight from the tables, with nothing of the services.
struct Counted {
    members: i64,
    opc_bids: i64,
    all_opened_bids: i64,
    awards: i64,
    awards_this_year: i64,
    fen_this_year: i64,
}

fn count(app: &TestApp) -> Counted {
    let now = app.parts.services.now();
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let year = now.with_timezone(&beijing).year();
    let year_start = beijing
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let next_year = beijing
        .with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let now_sql = TestApp::sql_time(now);
    let member = "o.kind = 'vendor' AND o.verified = TRUE AND o.opc_member = TRUE";
    let opened = format!(
        "b.status <> 'withdrawn' AND s.published_at IS NOT NULL AND s.status <> 'cancelled' \
         AND s.bid_deadline <= {now_sql}"
    );
    let bids_of = |extra: &str| {
        app.query_i64(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM bids b JOIN scenarios s ON s.id = b.scenario_id \
             JOIN organizations o ON o.id = b.vendor_org_id WHERE {opened}{extra}"
        ))
    };
    let awards = |extra: &str, what: &str| {
        app.query_i64(&format!(
            "SELECT CAST(COALESCE({what}, 0) AS BIGINT) AS n FROM scenarios s \
             JOIN bids b ON b.id = s.awarded_bid_id JOIN organizations o ON o.id = b.vendor_org_id \
             WHERE {member}{extra}"
        ))
    };
    let this_year = format!(
        " AND s.awarded_at >= {} AND s.awarded_at < {}",
        TestApp::sql_time(year_start),
        TestApp::sql_time(next_year)
    );
    Counted {
        members: app.query_i64(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM organizations o WHERE {member}"
        )),
        opc_bids: bids_of(&format!(" AND {member}")),
        all_opened_bids: bids_of(""),
        awards: awards("", "COUNT(*)"),
        awards_this_year: awards(&this_year, "COUNT(*)"),
        fen_this_year: awards(&this_year, "SUM(b.price_fen)"),
    }
}

fn check_summary(s: &Value, c: &Counted) {
    assert_eq!(s["members"], c.members, "{s}");
    assert_eq!(s["bids"], c.opc_bids, "{s}");
    assert_eq!(s["awards"], c.awards, "{s}");
    assert_eq!(s["awards_this_year"], c.awards_this_year, "{s}");
    assert_eq!(s["awarded_fen_this_year"], c.fen_this_year, "{s}");
    let months = s["by_month"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(
        months
            .iter()
            .map(|m| m["awarded_fen"].as_i64().unwrap())
            .sum::<i64>(),
        c.fen_this_year
    );
    assert_eq!(
        months
            .iter()
            .map(|m| m["awards"].as_i64().unwrap())
            .sum::<i64>(),
        c.awards_this_year
    );
    assert_eq!(s["pledge_fen"], 10_000_000_000i64, "100 million yuan");
    let share = s["pledge_share"].as_f64().unwrap();
    assert!((share - c.fen_this_year as f64 / 1e10).abs() < 1e-12);
}

async fn the_opc_figures_match_an_independent_count_and_never_count_a_sealed_bid(app: &TestApp) {
    tests::fixtures::demo(app).await;
    let counted = count(app);
    assert!(
        counted.members >= 2 && counted.awards >= 1 && counted.opc_bids >= 1,
        "the demo has members with bids and an award"
    );
    let s = app.get("/api/v1/opc/summary", None).await;
    assert_eq!(s.status, 200);
    check_summary(&s.body, &counted);
    // The award is in the month of its Beijing date.
    let notice = &app.get("/api/v1/award-notices", None).await.body["items"][0];
    let at = chrono::DateTime::parse_from_rfc3339(notice["awarded_at"].as_str().unwrap()).unwrap();
    let month = at
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m")
        .to_string();
    if at.year() == s.body["year"].as_i64().unwrap() as i32 {
        let m = s.body["by_month"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["month"] == month.as_str())
            .unwrap();
        assert_eq!(m["awarded_fen"], notice["price_fen"]);
    }

    // An OPC member bids on an open scenario: nothing public moves until the deadline.
    let vendor = demo_token(app, "founder@qingling-vision.demo").await;
    let open = app
        .get("/api/v1/scenarios?status=published&per_page=100", None)
        .await
        .body;
    let target = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .min_by_key(|s| s["bid_deadline"].as_str().unwrap().to_string())
        .unwrap()
        .clone();
    let id = target["id"].as_i64().unwrap();
    let placed = app
        .post(
            &format!("/api/v1/scenarios/{id}/bids"),
            Some(&vendor),
            bid(900_000),
        )
        .await;
    assert_eq!(placed.status, 201, "{:?}", placed.body);
    app.drain_jobs().await;
    let sealed = app.get("/api/v1/opc/summary", None).await.body;
    assert_eq!(
        sealed["bids"], s.body["bids"],
        "a sealed bid is not counted"
    );
    let page = app.get("/opc", None).await;
    assert_eq!(page.status, 200);
    let admin = app.admin_token().await;
    let dash = app.get("/api/v1/admin/dashboard", Some(&admin)).await.body;
    assert_eq!(dash["all_bids"], counted.all_opened_bids, "{dash}");
    assert_eq!(dash["opc_bids"], counted.opc_bids);

    // The deadline passes: the bid is opened, and counted everywhere at once.
    let deadline =
        chrono::DateTime::parse_from_rfc3339(target["bid_deadline"].as_str().unwrap()).unwrap();
    let wait = deadline.with_timezone(&Utc) - app.parts.services.now();
    app.clock.advance(wait + Duration::seconds(1));
    let after = count(app);
    assert_eq!(after.opc_bids, counted.opc_bids + 1);
    let s2 = app.get("/api/v1/opc/summary", None).await.body;
    check_summary(&s2, &after);
    let admin = app.admin_token().await;
    let dash = app.get("/api/v1/admin/dashboard", Some(&admin)).await.body;
    assert_eq!(dash["all_bids"], after.all_opened_bids);
    let hist: i64 = dash["bids_per_scenario"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(hist, dash["opened_scenarios"].as_i64().unwrap());
    let states: i64 = dash["by_state"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(
        states,
        app.query_i64("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM scenarios")
    );
    app.drain_jobs().await;
}

async fn the_dashboard_and_its_pages_are_for_administrators_only(app: &TestApp) {
    let (vendor, _) = verified_vendor(app, "v@example.cn", "甲公司").await;
    for path in [
        "/api/v1/admin/dashboard",
        "/api/v1/admin/audit",
        "/api/v1/admin/jobs/failed",
    ] {
        assert_eq!(app.get(path, None).await.status, 401, "{path}");
        assert_eq!(app.get(path, Some(&vendor)).await.status, 403, "{path}");
    }
    assert_eq!(
        app.post("/api/v1/admin/jobs/1/retry", Some(&vendor), json!({}))
            .await
            .status,
        403
    );
    // A vendor's bad filter is still a 403: who may ask comes first.
    assert_eq!(
        app.get("/api/v1/admin/audit?since=nonsense", Some(&vendor))
            .await
            .status,
        403
    );
    let (client, _) = tests::signed_in(app, "v@example.cn").await;
    for path in ["/admin", "/admin/jobs", "/admin/audit"] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    // Anyone may see the community page and its figures.
    assert_eq!(app.get("/opc", None).await.status, 200);
    assert_eq!(app.get("/api/v1/opc/summary", None).await.status, 200);
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect()
}

async fn the_audit_browser_hides_bid_records_until_the_deadline(app: &TestApp) {
    let (agency, scenario) = open_scenario(app).await;
    let (vendor, _) = verified_vendor(app, "v@example.cn", "甲公司").await;
    let admin = app.admin_token().await;
    let before = app
        .get("/api/v1/admin/audit?per_page=100", Some(&admin))
        .await;
    assert_eq!(before.status, 200, "{:?}", before.body);
    let placed = app
        .post(
            &format!("/api/v1/scenarios/{scenario}/bids"),
            Some(&vendor),
            bid(300_000),
        )
        .await;
    assert_eq!(placed.status, 201);
    let bid_id = placed.body["bid"]["id"].as_i64().unwrap();
    let mut body = bid(290_000);
    body["price_fen"] = json!(29_000_000);
    let revised = app
        .call(
            "PUT",
            &format!("/api/v1/bids/{bid_id}"),
            Some(&vendor),
            Some(body),
        )
        .await;
    assert_eq!(revised.status, 200, "{:?}", revised.body);
    // The records exist (the chain has them) …
    let stored = app.query_i64(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM audit_log WHERE subject_type = 'bid'",
    );
    assert_eq!(stored, 2);
    // … but no filter, count or chain figure shows them to an administrator.
    let now = app
        .get("/api/v1/admin/audit?per_page=100", Some(&admin))
        .await
        .body;
    assert_eq!(now["total"], before.body["total"], "{now}");
    assert_eq!(now["chain"]["ok"], true);
    assert_eq!(
        now["chain"]["checked"], now["total"],
        "sealed records are not counted"
    );
    assert!(!actions(&now).iter().any(|a| a.starts_with("bid.")));
    for q in [
        "action=bid.",
        "action=bid.submit",
        &format!("subject=bid:{bid_id}"),
        "subject=bid",
    ] {
        let page = app
            .get(&format!("/api/v1/admin/audit?{q}"), Some(&admin))
            .await
            .body;
        assert_eq!(page["total"], 0, "{q}: {page}");
    }
    let (client, _) = signed_in_admin(app).await;
    let html = tests::page_text(&client, app.url("/admin/audit?action=bid.")).await;
    assert!(!html.contains("bid.submit") && !html.contains(&bid_id.to_string()));
    // Other filters work: an exact action and an action's start, an actor, a time.
    let published = app
        .get("/api/v1/admin/audit?action=scenario.publish", Some(&admin))
        .await
        .body;
    assert_eq!(published["total"], 1);
    assert_eq!(published["items"][0]["subject_id"], scenario.to_string());
    let owner_id = app.get("/api/v1/me", Some(&agency)).await.body["user"]["id"]
        .as_i64()
        .unwrap();
    let by_owner = app
        .get(
            &format!("/api/v1/admin/audit?actor={owner_id}&action=scenario."),
            Some(&admin),
        )
        .await
        .body;
    assert_eq!(
        actions(&by_owner),
        vec!["scenario.publish", "scenario.create"]
    );
    let later = (app.parts.services.now() + Duration::minutes(1)).to_rfc3339();
    let none = app
        .get(
            &format!("/api/v1/admin/audit?since={}", urlencode(&later)),
            Some(&admin),
        )
        .await
        .body;
    assert_eq!(none["total"], 0);
    // Bad filters are named, all at once.
    let bad = app
        .get(
            "/api/v1/admin/audit?since=yesterday&subject=a:b:c&actor=me&page=0",
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, 422);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["since", "subject", "actor", "page"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }

    // The deadline passes: the bid's records show, newest first.
    app.clock.advance(Duration::days(31));
    let admin = app.admin_token().await;
    let opened = app
        .get("/api/v1/admin/audit?action=bid.", Some(&admin))
        .await
        .body;
    assert_eq!(actions(&opened), vec!["bid.revise", "bid.submit"]);
    assert_eq!(opened["items"][0]["subject_id"], bid_id.to_string());
    let all = app
        .get("/api/v1/admin/audit?per_page=1", Some(&admin))
        .await
        .body;
    assert_eq!(all["chain"]["checked"], all["total"]);
    app.drain_jobs().await;
}

/// Every record of the audit browser carries these fields and no other: no place in the chain
/// and no hash, from which the number of hidden records could be worked out.
fn assert_no_chain_fields(page: &Value) {
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    for item in page["items"].as_array().unwrap() {
        assert_eq!(
            keys(item),
            [
                "action",
                "actor_id",
                "after",
                "at",
                "before",
                "redacted",
                "subject_id",
                "subject_type"
            ],
            "{item}"
        );
    }
    assert_eq!(keys(&page["chain"]), ["checked", "first_broken", "ok"]);
    let text = page.to_string();
    let hex64 = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|w| w.len() == 64);
    assert!(!hex64, "a hash in the audit page: {text}");
}

/// The records of one subject in the audit browser.
async fn audit_of(app: &TestApp, admin: &str, subject: &str) -> Value {
    let page = app
        .get(
            &format!("/api/v1/admin/audit?subject={subject}&per_page=100"),
            Some(admin),
        )
        .await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    page.body
}

async fn sealed_withdrawn_and_cancelled_bids_leave_no_trace_and_drafts_and_invitations_no_content(
    app: &TestApp,
) {
    let (agency, open) = open_scenario(app).await;
    // A second scenario, to be cancelled with a bid on it.
    let doomed = draft_titled(app, &agency, "将被取消的场景", 30).await;
    publish(app, &agency, doomed).await;
    let (v1, _) = verified_vendor(app, "v1@example.cn", "甲公司").await;
    let (v2, v2_org) = verified_vendor(app, "v2@example.cn", "乙公司").await;
    let (v3, _) = verified_vendor(app, "v3@example.cn", "丙公司").await;
    let admin = app.admin_token().await;
    let page = || async {
        app.get("/api/v1/admin/audit?per_page=100", Some(&admin))
            .await
            .body
    };
    let before = page().await;
    assert_no_chain_fields(&before);

    // Bids, a withdrawal and a cancellation with a bid on it.
    let place = |token: String, scenario: i64| async move {
        let r = app
            .post(
                &format!("/api/v1/scenarios/{scenario}/bids"),
                Some(&token),
                bid(300_000),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["bid"]["id"].as_i64().unwrap()
    };
    let withdrawn = place(v1.clone(), open).await;
    let w = app
        .post(
            &format!("/api/v1/bids/{withdrawn}/withdraw"),
            Some(&v1),
            json!({}),
        )
        .await;
    assert!(w.status == 200 || w.status == 204, "{:?}", w.body);
    let kept = place(v2.clone(), open).await;
    let void = place(v3.clone(), doomed).await;
    // Nothing shows of them: the same page, to the byte.
    assert_eq!(page().await, before, "a sealed bid left a trace");
    let c = app
        .post(
            &format!("/api/v1/scenarios/{doomed}/cancel"),
            Some(&agency),
            json!({"reason": "预算调整，项目取消"}),
        )
        .await;
    assert_eq!(c.status, 200, "{:?}", c.body);

    // An invitation, and a draft edited but not yet published, and one cancelled unpublished.
    let inv = app
        .post(
            &format!("/api/v1/scenarios/{open}/invitations"),
            Some(&agency),
            json!({"vendor_id": v2_org, "message": "内部邀请暗号七七"}),
        )
        .await;
    assert_eq!(inv.status, 201, "{:?}", inv.body);
    let draft = draft_titled(app, &agency, "尚未发布的秘密草稿", 40).await;
    let e = app
        .call(
            "PATCH",
            &format!("/api/v1/scenarios/{draft}"),
            Some(&agency),
            Some(json!({"summary": "草稿摘要修改"})),
        )
        .await;
    assert_eq!(e.status, 200, "{:?}", e.body);
    let abandoned = draft_titled(app, &agency, "永不发布的草稿", 40).await;
    let c = app
        .post(
            &format!("/api/v1/scenarios/{abandoned}/cancel"),
            Some(&agency),
            json!({"reason": "草稿内部原因"}),
        )
        .await;
    assert_eq!(c.status, 200, "{:?}", c.body);

    let now = page().await;
    assert_no_chain_fields(&now);
    let text = now.to_string();
    for secret in [
        "内部邀请暗号七七",
        "尚未发布的秘密草稿",
        "草稿摘要修改",
        "永不发布的草稿",
        "草稿内部原因",
    ] {
        assert!(!text.contains(secret), "{secret} in the audit page");
    }
    assert!(
        !now["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["subject_type"] == "bid")
    );
    assert_eq!(now["chain"]["ok"], true);
    assert_eq!(now["chain"]["checked"], now["total"]);
    // The withheld records are listed, without their content.
    for (subject, expected) in [
        (
            format!("scenario:{draft}"),
            vec!["scenario.edit", "scenario.create"],
        ),
        (
            format!("scenario:{abandoned}"),
            vec!["scenario.cancel", "scenario.create"],
        ),
    ] {
        let p = audit_of(app, &admin, &subject).await;
        assert_eq!(actions(&p), expected, "{subject}");
        for item in p["items"].as_array().unwrap() {
            assert_eq!(item["redacted"], true, "{item}");
            assert!(
                item["before"].is_null() && item["after"].is_null(),
                "{item}"
            );
        }
    }
    let invites = app
        .get("/api/v1/admin/audit?action=scenario.invite", Some(&admin))
        .await
        .body;
    assert_eq!(invites["total"], 1);
    assert_eq!(invites["items"][0]["redacted"], true);
    assert!(invites["items"][0]["after"].is_null());
    // The page says so, and shows none of it either.
    let (client, _) = signed_in_admin(app).await;
    let html = tests::page_text(&client, app.url("/admin/audit?per_page=100")).await;
    assert!(html.contains("内容不公开"));
    for secret in [
        "内部邀请暗号七七",
        "尚未发布的秘密草稿",
        "草稿内部原因",
        "bid.submit",
        "bid.withdraw",
    ] {
        assert!(!html.contains(secret), "{secret} in the audit page");
    }

    // Published: the draft's records show their content.
    publish(app, &agency, draft).await;
    let p = audit_of(app, &admin, &format!("scenario:{draft}")).await;
    let created = p["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(created["action"], "scenario.create");
    assert_eq!(created["redacted"], false);
    assert_eq!(created["after"]["title"], "尚未发布的秘密草稿");

    // The bids are opened: the bid in the running shows; the withdrawn one and the cancelled
    // scenario's never do.
    app.clock.advance(Duration::days(31));
    let admin = app.admin_token().await;
    assert_eq!(
        actions(&audit_of(app, &admin, &format!("bid:{kept}")).await),
        vec!["bid.submit"]
    );
    for hidden in [withdrawn, void] {
        let p = audit_of(app, &admin, &format!("bid:{hidden}")).await;
        assert_eq!(p["total"], 0, "bid {hidden}: {p}");
    }
    let bids = app
        .get("/api/v1/admin/audit?action=bid.&per_page=100", Some(&admin))
        .await
        .body;
    assert_eq!(bids["total"], 1, "{bids}");
    let all = app
        .get("/api/v1/admin/audit?per_page=1", Some(&admin))
        .await
        .body;
    assert_eq!(all["chain"]["ok"], true);
    assert_eq!(all["chain"]["checked"], all["total"]);
    // The chain itself still holds every record: `audit verify` checks them all.
    let stored = app.query_i64(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM audit_log WHERE subject_type = 'bid'",
    );
    assert_eq!(stored, 4, "submit, withdraw, submit, submit");
    app.drain_jobs().await;
}

async fn the_opc_figures_are_kept_per_public_change_and_follow_each_at_once(app: &TestApp) {
    let (_, scenario) = open_scenario(app).await;
    let admin = app.admin_token().await;
    let summary = |who: Option<String>| async move {
        let a = app.get("/api/v1/opc/summary", who.as_deref()).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body
    };
    let first = summary(None).await;
    assert_eq!(first["members"], 0);
    // A vendor becomes an OPC member: every reader sees it at once, signed in or not.
    let (vendor, org) = verified_vendor(app, "opc@example.cn", "一人公司").await;
    let v = app
        .post(
            &format!("/api/v1/admin/organizations/{org}/verify"),
            Some(&admin),
            json!({"verified": true, "opc_member": true}),
        )
        .await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    assert_eq!(summary(None).await["members"], 1);
    assert_eq!(summary(Some(vendor.clone())).await["members"], 1);
    // Its sealed bid counts nowhere until the deadline, and then without any write.
    let b = app
        .post(
            &format!("/api/v1/scenarios/{scenario}/bids"),
            Some(&vendor),
            bid(300_000),
        )
        .await;
    assert_eq!(b.status, 201);
    assert_eq!(summary(None).await["bids"], first["bids"]);
    app.clock.advance(Duration::days(31));
    let after = summary(Some(app.admin_token().await)).await;
    assert_eq!(
        after["bids"],
        first["bids"].as_i64().unwrap() + 1,
        "{after}"
    );
    let (client, _) = signed_in_admin(app).await;
    let html = tests::page_text(&client, app.url("/opc")).await;
    assert!(html.contains("一人公司"));
}

async fn a_broken_sealed_record_is_reported_without_revealing_it(app: &TestApp) {
    let (_, scenario) = open_scenario(app).await;
    let (vendor, _) = verified_vendor(app, "v@example.cn", "甲公司").await;
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{scenario}/bids"),
            Some(&vendor),
            bid(300_000)
        )
        .await
        .status,
        201
    );
    app.breaks_audit_chain
        .store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        app.execute_sql(
            "UPDATE audit_log SET after_json = '{\"version\":9}' WHERE subject_type = 'bid'"
        ),
        1
    );
    let admin = app.admin_token().await;
    let page = app.get("/api/v1/admin/audit", Some(&admin)).await.body;
    assert_eq!(page["chain"]["ok"], false, "{page}");
    let broken = &page["chain"]["first_broken"];
    assert!(
        broken["reason"].as_str().unwrap().contains("hash"),
        "{broken}"
    );
    assert!(
        broken["at"].is_null() && broken["action"].is_null(),
        "sealed: {broken}"
    );
    // After the deadline the broken record is named.
    app.clock.advance(Duration::days(31));
    let admin = app.admin_token().await;
    let page = app.get("/api/v1/admin/audit", Some(&admin)).await.body;
    assert!(page["chain"]["first_broken"]["at"].is_string(), "{page}");
    app.drain_jobs().await;
}

async fn a_parked_job_is_listed_without_its_payload_and_retried_once(app: &TestApp) {
    app.fails_jobs
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let services = app.parts.services.clone();
    let id = tokio::task::spawn_blocking(move || {
        let now = services.now();
        let id = services.next_id();
        let mail = domain::job::Job::SendEmail(domain::email::OutgoingEmail::new(
            "not an address",
            domain::account::Locale::ZhCn,
            domain::email::EmailMessage::PasswordReset {
                display_name: "T".into(),
                link: "http://x/reset-password?token=secret-token-123".into(),
                valid_minutes: 60,
            },
        ));
        domain::ports::in_tx(services.store_for_tests(), |tx| {
            tx.enqueue(
                id,
                &domain::job::NewJob {
                    job: mail,
                    run_at: now,
                    max_attempts: 1,
                    dedup_key: None,
                },
                now,
            )
        })
        .unwrap();
        id
    })
    .await
    .unwrap();
    app.drain_jobs().await;
    let admin = app.admin_token().await;
    let list = app.get("/api/v1/admin/jobs/failed", Some(&admin)).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["total"], 1);
    let job = &list.body["items"][0];
    assert_eq!(
        (job["id"].as_i64(), job["kind"].as_str()),
        (Some(id), Some("send_email"))
    );
    assert!(
        job["last_error"].as_str().unwrap().contains("recipient"),
        "{job}"
    );
    assert!(
        !list.body.to_string().contains("secret-token-123"),
        "no payload"
    );
    let dash = app.get("/api/v1/admin/dashboard", Some(&admin)).await.body;
    assert_eq!(dash["failed_jobs"], 1);
    // The page shows it with a retry button; eight operators press it at once.
    let (client, csrf) = signed_in_admin(app).await;
    let html = tests::page_text(&client, app.url("/admin/jobs")).await;
    assert!(
        html.contains(&format!("/admin/jobs/{id}/retry")) && !html.contains("secret-token-123")
    );
    let presses = (0..8).map(|_| {
        let app_url = app.url(&format!("/api/v1/admin/jobs/{id}/retry"));
        let token = admin.clone();
        let api = app.api.clone();
        async move {
            api.post(app_url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let mut codes = futures_util::future::join_all(presses).await;
    codes.sort_unstable();
    assert_eq!(
        codes,
        vec![204, 409, 409, 409, 409, 409, 409, 409],
        "re-queued once"
    );
    let retried = app
        .get("/api/v1/admin/audit?action=job.retry", Some(&admin))
        .await
        .body;
    assert_eq!(retried["total"], 1);
    assert_eq!(retried["items"][0]["subject_id"], id.to_string());
    assert_eq!(
        app.get("/api/v1/admin/jobs/failed", Some(&admin))
            .await
            .body["total"],
        0
    );
    // It runs again (and fails again, the address being bad): back on the list, retryable.
    assert_eq!(app.drain_jobs().await, 1);
    assert_eq!(
        app.get("/api/v1/admin/jobs/failed", Some(&admin))
            .await
            .body["total"],
        1
    );
    let r = client
        .post(app.url(&format!("/admin/jobs/{id}/retry")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("job_retried")
    );
    let again = client
        .post(app.url(&format!("/admin/jobs/{id}/retry")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        again.headers()["location"]
            .to_str()
            .unwrap()
            .contains("job_not_failed")
    );
}

async fn signed_in_admin(app: &TestApp) -> (reqwest::Client, String) {
    app.admin_token().await;
    tests::signed_in(app, "root@test.cn").await
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

on_both! {
    the_opc_figures_match_an_independent_count_and_never_count_a_sealed_bid => super::the_opc_figures_match_an_independent_count_and_never_count_a_sealed_bid;
    the_dashboard_and_its_pages_are_for_administrators_only => super::the_dashboard_and_its_pages_are_for_administrators_only;
    the_audit_browser_hides_bid_records_until_the_deadline => super::the_audit_browser_hides_bid_records_until_the_deadline;
    a_broken_sealed_record_is_reported_without_revealing_it => super::a_broken_sealed_record_is_reported_without_revealing_it;
    the_opc_figures_are_kept_per_public_change_and_follow_each_at_once => super::the_opc_figures_are_kept_per_public_change_and_follow_each_at_once;
    sealed_withdrawn_and_cancelled_bids_leave_no_trace_and_drafts_and_invitations_no_content => super::sealed_withdrawn_and_cancelled_bids_leave_no_trace_and_drafts_and_invitations_no_content;
    a_parked_job_is_listed_without_its_payload_and_retried_once => super::a_parked_job_is_listed_without_its_payload_and_retried_once;
}
