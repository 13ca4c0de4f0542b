//! Challenges (质疑) to an award: who may file and when (working days, across a holiday, with
//! a fixed clock), who sees an open challenge, the owner's reminders and answer, delivery held
//! while a challenge is open, and an upheld challenge withdrawing the award with every score
//! kept, in the notices, the open data and the audit trail.

use chrono::{Datelike, Duration, FixedOffset, Utc, Weekday};
use serde_json::{Value, json};
use tests::fixtures::{
    at_once, award, beijing, code, contract_signed, kinds, pdf, ready, set_clock, upload_to,
    verified_vendor,
};
use tests::{Db, TestApp, on_both, try_spawn_app_with};

async fn list(app: &TestApp, sid: i64, who: Option<&str>) -> Value {
    let token = match who {
        Some(email) => Some(app.token(email).await),
        None => None,
    };
    let a = app
        .get(
            &format!("/api/v1/scenarios/{sid}/challenges"),
            token.as_deref(),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    a.body
}

async fn file(app: &TestApp, sid: i64, email: &str, reasons: &str) -> tests::Answer {
    let t = app.token(email).await;
    app.post(
        &format!("/api/v1/scenarios/{sid}/challenges"),
        Some(&t),
        json!({"reasons": reasons}),
    )
    .await
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    app.query_i64(&format!(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}'"
    ))
}

async fn an_upheld_challenge_withdraws_the_award_and_keeps_every_score(app: &TestApp) {
    let r = ready(app, 3).await;
    let sid = r.sid;
    assert_eq!(
        code(&file(app, sid, "v1@example.cn", "评分有误").await),
        (409, Some("not_awarded"))
    );
    let a = award(app, sid, r.bids[0], None).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let scores = app.query_i64("SELECT COUNT(*) AS n FROM scores");
    assert_eq!(scores, 3 * 3 * 2);

    // Who may file: a losing bidder only, with reasons.
    let board = list(app, sid, None).await;
    assert_eq!(board["filing"]["open"], true);
    assert_eq!(board["may_file"], false, "the public cannot file");
    assert_eq!(
        list(app, sid, Some("v1@example.cn")).await["may_file"],
        true
    );
    assert_eq!(
        list(app, sid, Some("v0@example.cn")).await["may_file"],
        false
    );
    assert_eq!(
        file(app, sid, "v0@example.cn", "我方不服").await.status,
        403,
        "the winner"
    );
    let (_, _) = verified_vendor(app, "outsider@example.cn", "旁观者").await;
    assert_eq!(
        file(app, sid, "outsider@example.cn", "不服").await.status,
        403
    );
    assert_eq!(file(app, sid, "owner@example.cn", "不服").await.status, 403);
    let empty = file(app, sid, "v1@example.cn", "   ").await;
    assert_eq!(
        (empty.status, empty.body["errors"][0]["field"].as_str()),
        (422, Some("reasons"))
    );
    let long = file(app, sid, "v1@example.cn", &"字".repeat(5001)).await;
    assert_eq!(long.status, 422);
    assert_eq!(
        app.query_i64("SELECT COUNT(*) AS n FROM challenges"),
        0,
        "nothing stored"
    );

    // One challenge per bidder and award, even when sent six times at once.
    let v1 = app.token("v1@example.cn").await;
    let filed = at_once(
        app,
        6,
        "POST",
        &format!("/api/v1/scenarios/{sid}/challenges"),
        &v1,
        json!({"reasons": "中标方技术评分依据不足，请复核。"}),
    )
    .await;
    assert_eq!(filed.iter().filter(|s| **s == 201).count(), 1, "{filed:?}");
    assert_eq!(filed.iter().filter(|s| **s == 409).count(), 5, "{filed:?}");
    let mine = list(app, sid, Some("v1@example.cn")).await;
    let c = mine["items"][0].clone();
    let cid = c["id"].as_i64().unwrap();
    assert_eq!(c["status"], "open");
    assert_eq!(c["vendor_id"], r.orgs[1]);
    assert_eq!(c["award_bid_id"], r.bids[0]);
    assert!(c["answer_due"].as_str().unwrap() > c["filed_at"].as_str().unwrap());
    assert_eq!(
        code(&file(app, sid, "v1@example.cn", "再补充一条").await),
        (409, Some("already_challenged"))
    );

    // An open challenge is the owner's and the challenger's only.
    assert_eq!(
        list(app, sid, None).await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        list(app, sid, Some("v2@example.cn")).await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        list(app, sid, Some("owner@example.cn")).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let page = app
        .api
        .get(app.url(&format!("/scenarios/{sid}/challenges")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        !page
            .text()
            .await
            .unwrap()
            .contains("中标方技术评分依据不足")
    );

    // PDFs: the challenger's, checked, readable as the challenge is.
    let attachments = format!("/api/v1/scenarios/{sid}/challenges/{cid}/attachments");
    let up = upload_to(app, &v1, &attachments, "复核申请.pdf", pdf("challenge")).await;
    assert_eq!(up.status, 201, "{:?}", up.body);
    let sha = up.body["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let v2 = app.token("v2@example.cn").await;
    assert_eq!(
        upload_to(app, &v2, &attachments, "x.pdf", pdf("x"))
            .await
            .status,
        404
    );
    let not_pdf = upload_to(app, &v1, &attachments, "x.pdf", b"hello".to_vec()).await;
    assert_eq!(
        (not_pdf.status, not_pdf.body["errors"][0]["field"].as_str()),
        (422, Some("file"))
    );
    let download = format!("{attachments}/{sha}");
    assert_eq!(
        app.get(&download, None).await.status,
        404,
        "sealed from the public while open"
    );
    let owner = app.token("owner@example.cn").await;
    let got = app
        .api
        .get(app.url(&download))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), pdf("challenge"));

    // The owner hears of it; nobody else does.
    app.drain_jobs().await;
    let heard = kinds(app, "owner@example.cn", "challenge_filed").await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0]["link"], format!("/scenarios/{sid}/challenges"));
    assert!(heard[0]["body"].as_str().unwrap().contains("企业1"));
    for v in ["v0@example.cn", "v2@example.cn"] {
        assert!(kinds(app, v, "challenge_filed").await.is_empty(), "{v}");
    }
    let admin = app.admin_token().await;
    let audit = app
        .get("/api/v1/admin/audit?action=challenge.", Some(&admin))
        .await;
    assert_eq!(
        (audit.status, audit.body["total"].as_i64()),
        (200, Some(0)),
        "an open challenge is not the administrators' either: {:?}",
        audit.body
    );
    assert_eq!(audit.body["chain"]["ok"], true);
    let open_data = app
        .get("/api/v1/ocds/releases?per_page=100", None)
        .await
        .body
        .to_string();
    assert!(
        !open_data.contains("中标方技术评分依据不足"),
        "no open challenge in the open data"
    );

    // Delivery waits, past the period too, while the challenge is open.
    app.clock.advance(Duration::days(25));
    let owner = app.token("owner@example.cn").await;
    let held = app
        .post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(code(&held), (409, Some("challenge_open")));
    let late = file(app, sid, "v2@example.cn", "迟到的质疑").await;
    assert_eq!(code(&late), (409, Some("challenge_period_over")));
    assert_eq!(
        list(app, sid, Some("v1@example.cn")).await["items"][0]["overdue"],
        true
    );

    // The answer: checked, the owner's, once (six at once).
    let v1 = app.token("v1@example.cn").await;
    let answer = format!("/api/v1/challenges/{cid}/answer");
    let theirs = app
        .post(
            &answer,
            Some(&v1),
            json!({"decision": "upheld", "body": "我同意"}),
        )
        .await;
    assert_eq!(theirs.status, 403);
    let v2 = app.token("v2@example.cn").await;
    assert_eq!(
        app.post(
            &answer,
            Some(&v2),
            json!({"decision": "upheld", "body": "x"})
        )
        .await
        .status,
        404,
        "another bidder does not learn of it"
    );
    let bad = app
        .post(
            &answer,
            Some(&owner),
            json!({"decision": "maybe", "body": ""}),
        )
        .await;
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!((bad.status, fields), (422, vec!["decision", "body"]));
    let answers = at_once(
        app,
        6,
        "POST",
        &answer,
        &owner,
        json!({"decision": "upheld", "body": "经复核，中标方技术评分依据不足，质疑成立。"}),
    )
    .await;
    assert_eq!(
        answers.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    assert_eq!(
        answers.iter().filter(|s| **s == 409).count(),
        5,
        "{answers:?}"
    );

    // Withdrawn: back to evaluation, no notice, every score kept; public now.
    let s = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body;
    assert_eq!(s["status"], "evaluating");
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/award-notice"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("/api/v1/award-notices", None).await.body["total"],
        0
    );
    assert_eq!(app.query_i64("SELECT COUNT(*) AS n FROM scores"), scores);
    let ranking = app
        .get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&owner))
        .await;
    assert_eq!(ranking.status, 200, "{:?}", ranking.body);
    assert_eq!(ranking.body["items"].as_array().unwrap().len(), 3);
    let public = list(app, sid, None).await;
    assert_eq!(public["items"][0]["status"], "upheld");
    assert_eq!(public["items"][0]["answer"]["decision"], "upheld");
    assert!(public["filing"].is_null(), "no award stands");
    assert_eq!(
        app.get(&download, None).await.status,
        200,
        "public once answered"
    );
    let admin = app.admin_token().await;
    let audit = app
        .get("/api/v1/admin/audit?action=challenge.", Some(&admin))
        .await;
    assert_eq!(
        audit.body["total"], 3,
        "public once answered: {:?}",
        audit.body
    );
    for (action, n) in [
        ("challenge.file", 1),
        ("challenge.attach", 1),
        ("challenge.answer", 1),
        ("scenario.award_withdraw", 1),
        ("scenario.award", 1),
    ] {
        assert_eq!(audit_count(app, action), n, "{action}");
    }
    app.drain_jobs().await;
    for v in ["v0@example.cn", "v1@example.cn", "v2@example.cn"] {
        let told = kinds(app, v, "challenge_answered").await;
        assert_eq!(told.len(), 1, "{v}: {told:?}");
        assert!(
            told[0]["body"].as_str().unwrap().contains("撤销"),
            "{told:?}"
        );
    }
    assert!(
        kinds(app, "outsider@example.cn", "challenge_answered")
            .await
            .is_empty()
    );
    assert_eq!(app.get("/api/v1/opc/summary", None).await.body["awards"], 0);

    // A new award (not ranked first: justified) opens a new period; the first winner may
    // challenge it.
    let again = award(app, sid, r.bids[1], Some("原第一名质疑成立后依次递补")).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(list(app, sid, None).await["filing"]["open"], true);
    let back = file(app, sid, "v0@example.cn", "递补决定有误").await;
    assert_eq!(back.status, 201, "{:?}", back.body);
    assert_eq!(
        code(&file(app, sid, "v1@example.cn", "自己中标").await).0,
        403,
        "now the winner"
    );

    // The open data tell the whole story and still validate.
    let ocid = format!("ocds-qsai01-{sid}");
    let record = app.get(&format!("/api/v1/ocds/records/{ocid}"), None).await;
    assert_eq!(record.status, 200, "{:?}", record.body);
    super::ocds::assert_valid(
        &super::ocds::validator("record-package-schema.json"),
        &record.body,
    );
    let rec = &record.body["records"][0];
    let tags: Vec<&str> = rec["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        ["tender", "tenderUpdate", "award", "awardUpdate", "award"]
    );
    let awards = rec["compiledRelease"]["awards"].as_array().unwrap();
    assert_eq!(awards.len(), 2, "{awards:?}");
    assert_eq!(awards[0]["status"], "cancelled");
    assert_eq!(
        awards[0]["suppliers"][0]["id"],
        format!("org-{}", r.orgs[0])
    );
    assert_eq!(awards[0]["documents"][0]["documentType"], "complaints");
    assert_eq!(awards[1]["status"], "active");
    assert_eq!(
        awards[1]["suppliers"][0]["id"],
        format!("org-{}", r.orgs[1])
    );
    let suppliers: Vec<&Value> = rec["compiledRelease"]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["roles"].to_string().contains("supplier"))
        .collect();
    assert_eq!(
        suppliers.len(),
        1,
        "only the standing winner supplies: {suppliers:?}"
    );
    let withdrawal = &rec["releases"][3];
    assert_eq!(withdrawal["awards"][0]["status"], "cancelled");
    assert_eq!(withdrawal["tender"]["status"], "active");
}

async fn a_rejected_challenge_is_public_and_delivery_follows(app: &TestApp) {
    let r = ready(app, 2).await;
    let sid = r.sid;
    assert_eq!(award(app, sid, r.bids[0], None).await.status, 200);
    let owner = app.token("owner@example.cn").await;
    let early = app
        .post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(code(&early), (409, Some("challenge_period")));
    let c = file(app, sid, "v1@example.cn", "价格分计算有误").await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let cid = c.body["id"].as_i64().unwrap();
    let a = app
        .post(
            &format!("/api/v1/challenges/{cid}/answer"),
            Some(&owner),
            json!({"decision": "rejected", "body": "价格分按招标文件公式计算，无误。"}),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["status"], "rejected");
    let again = app
        .post(
            &format!("/api/v1/challenges/{cid}/answer"),
            Some(&owner),
            json!({"decision": "upheld", "body": "改主意"}),
        )
        .await;
    assert_eq!(code(&again), (409, Some("already_answered")));
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}"), None)
            .await
            .body["status"],
        "awarded"
    );
    assert_eq!(
        app.get(&format!("/api/v1/scenarios/{sid}/award-notice"), None)
            .await
            .status,
        200
    );
    let public = list(app, sid, None).await;
    assert_eq!(
        public["items"][0]["answer"]["body"],
        "价格分按招标文件公式计算，无误。"
    );
    assert_eq!(public["total"], 1);
    // The page shows it to everyone, with the answer.
    let html = app
        .api
        .get(app.url(&format!("/scenarios/{sid}/challenges")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("价格分计算有误") && html.contains("质疑驳回"),
        "{html}"
    );
    // Still the period: delivery waits for it, then goes.
    let held = app
        .post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(code(&held), (409, Some("challenge_period")));
    app.clock.advance(Duration::days(25));
    let owner = app.token("owner@example.cn").await;
    contract_signed(app, sid, &owner).await;
    let done = app
        .post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(done.status, 204, "{:?}", done.body);
    assert_eq!(
        code(&file(app, sid, "v1@example.cn", "交付后").await),
        (409, Some("challenge_period_over"))
    );
}

/// The remind_challenge rows of the dashboard's queue table, the parked list and the metrics.
async fn reminder_traces(app: &TestApp) -> Vec<String> {
    let admin = app.admin_token().await;
    let dash = app.get("/api/v1/admin/dashboard", Some(&admin)).await;
    assert_eq!(dash.status, 200, "{:?}", dash.body);
    let mut out: Vec<String> = dash.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["kind"] == "remind_challenge")
        .map(|j| format!("dashboard {j}"))
        .collect();
    let parked = app.get("/api/v1/admin/jobs/failed", Some(&admin)).await;
    assert_eq!(parked.status, 200);
    out.extend(
        parked.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|j| j["kind"] == "remind_challenge")
            .map(|j| format!("parked {j}")),
    );
    let metrics = tests::page_text(&app.api, app.url("/metrics")).await;
    out.extend(
        metrics
            .lines()
            .filter(|l| l.contains("remind_challenge"))
            .map(|l| format!("metrics {l}")),
    );
    out
}

async fn an_open_challenge_shows_in_no_count_of_the_queue(app: &TestApp) {
    let r = ready(app, 2).await;
    assert_eq!(award(app, r.sid, r.bids[0], None).await.status, 200);
    app.drain_jobs().await;
    assert_eq!(reminder_traces(app).await, Vec::<String>::new());
    let c = file(app, r.sid, "v1@example.cn", "技术评分不公").await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let cid = c.body["id"].as_i64().unwrap();
    // Its two reminders wait in the queue, and nothing an administrator reads counts them.
    assert_eq!(
        app.query_i64("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'remind_challenge'"),
        2
    );
    app.drain_jobs().await;
    assert_eq!(reminder_traces(app).await, Vec::<String>::new());
    // The first reminder runs (the 5th working day): still nothing.
    app.clock.advance(Duration::days(8));
    app.drain_jobs().await;
    assert_eq!(reminder_traces(app).await, Vec::<String>::new());
    // Answered, the challenge is public, and so are its jobs.
    let owner = app.token("owner@example.cn").await;
    let a = app
        .post(
            &format!("/api/v1/challenges/{cid}/answer"),
            Some(&owner),
            json!({"decision": "rejected", "body": "评分符合评审办法。"}),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let shown = reminder_traces(app).await;
    assert!(
        shown.iter().any(|l| l.starts_with("dashboard")),
        "{shown:?}"
    );
}

on_both! {
    an_open_challenge_shows_in_no_count_of_the_queue => super::an_open_challenge_shows_in_no_count_of_the_queue;
    an_upheld_challenge_withdraws_the_award_and_keeps_every_score => super::an_upheld_challenge_withdraws_the_award_and_keeps_every_score;
    a_rejected_challenge_is_public_and_delivery_follows => super::a_rejected_challenge_is_public_and_delivery_follows;
    the_pages_file_and_answer_a_challenge => super::the_pages_file_and_answer_a_challenge;
}

// ------------------------------------------------- the timeline with a fixed clock

/// The award is made on a Wednesday at 15:00 (Beijing); the calendar file makes the Thursday
/// and Friday public holidays and the Saturday a make-up workday. So the period runs over
/// Saturday, Monday–Friday and the next Monday: it ends at the Tuesday's midnight.
async fn the_timeline_follows_the_calendar_across_a_holiday(db: Db) {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    let mut w = (Utc::now() + Duration::days(40))
        .with_timezone(&tz)
        .date_naive();
    while w.weekday() != Weekday::Wed {
        w = w.succ_opt().unwrap();
    }
    let day = |n: i64| w + Duration::days(n);
    let dir = tempfile::tempdir().unwrap();
    let calendar = dir.path().join("workdays.txt");
    std::fs::write(
        &calendar,
        format!(
            "# test holiday\n{} off 测试假日\n{} off 测试假日\n{} work 测试调休\n",
            day(1),
            day(2),
            day(3)
        ),
    )
    .unwrap();
    let Some(app) = try_spawn_app_with(
        db,
        &[("APP__MARKET__WORKDAYS_FILE", calendar.display().to_string())],
    )
    .await
    else {
        return;
    };
    let at = |n: i64, h: u32, m: u32, s: u32| {
        let d = day(n);
        beijing(d.year(), d.month(), d.day(), h, m, s)
    };
    let r = ready(&app, 4).await;
    let sid = r.sid;
    set_clock(&app, at(0, 15, 0, 0));
    assert_eq!(award(&app, sid, r.bids[0], None).await.status, 200);
    let board = list(&app, sid, None).await;
    let closes = at(13, 0, 0, 0);
    assert_eq!(board["filing"]["closes_at"], json!(closes), "{board}");

    // Filed on the holiday: the answer period counts Saturday, Monday–Friday and Monday.
    set_clock(&app, at(1, 12, 0, 0));
    let c = file(&app, sid, "v1@example.cn", "质疑一").await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    assert_eq!(c.body["answer_due"], json!(at(13, 0, 0, 0)));

    // Reminders at the start of the 5th (Thursday) and the 7th working day (Monday).
    set_clock(&app, at(8, 0, 0, 0) - Duration::seconds(1));
    app.drain_jobs().await;
    assert!(
        kinds(&app, "owner@example.cn", "challenge_reminder")
            .await
            .is_empty(),
        "not before the 5th working day"
    );
    set_clock(&app, at(8, 0, 0, 0));
    app.drain_jobs().await;
    let first = kinds(&app, "owner@example.cn", "challenge_reminder").await;
    assert_eq!(first.len(), 1, "{first:?}");
    set_clock(&app, at(12, 0, 0, 0));
    app.drain_jobs().await;
    let both = kinds(&app, "owner@example.cn", "challenge_reminder").await;
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(
        both[0]["title"]
            .as_str()
            .unwrap()
            .contains("最后一个工作日"),
        "{both:?}"
    );
    app.drain_jobs().await;
    assert_eq!(
        kinds(&app, "owner@example.cn", "challenge_reminder")
            .await
            .len(),
        2,
        "each reminder once"
    );

    // The last second of the period still takes a challenge; the next does not.
    set_clock(&app, closes - Duration::seconds(1));
    assert_eq!(file(&app, sid, "v2@example.cn", "质疑二").await.status, 201);
    set_clock(&app, closes);
    assert_eq!(
        code(&file(&app, sid, "v3@example.cn", "质疑三").await),
        (409, Some("challenge_period_over"))
    );
    let owner = app.token("owner@example.cn").await;
    let held = app
        .post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(code(&held), (409, Some("challenge_open")));
    let mine = list(&app, sid, Some("owner@example.cn")).await;
    assert_eq!(mine["items"][0]["overdue"], true);
    assert_eq!(mine["items"][1]["overdue"], false);
    for c in mine["items"].as_array().unwrap() {
        let a = app
            .post(
                &format!("/api/v1/challenges/{}/answer", c["id"]),
                Some(&owner),
                json!({"decision": "rejected", "body": "不成立"}),
            )
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
    }
    // A reminder due after the answer says nothing.
    set_clock(&app, at(30, 0, 0, 0));
    app.drain_jobs().await;
    assert_eq!(
        kinds(&app, "owner@example.cn", "challenge_reminder")
            .await
            .len(),
        2
    );
    let owner = app.token("owner@example.cn").await;
    contract_signed(&app, sid, &owner).await;
    let done = app
        .post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(done.status, 204, "{:?}", done.body);
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_follows_the_calendar_across_a_holiday_on_sqlite() {
    the_timeline_follows_the_calendar_across_a_holiday(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_follows_the_calendar_across_a_holiday_on_postgres() {
    the_timeline_follows_the_calendar_across_a_holiday(Db::Postgres).await;
}

// ------------------------------------------------------------------------- the pages

fn challenge_form(csrf: &str, reasons: &str, file: Option<Vec<u8>>) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("reasons", reasons.to_string());
    if let Some(bytes) = file {
        f = f.part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("证明材料.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    }
    f
}

async fn the_pages_file_and_answer_a_challenge(app: &TestApp) {
    let r = ready(app, 2).await;
    let sid = r.sid;
    assert_eq!(award(app, sid, r.bids[0], None).await.status, 200);
    let (v, csrf) = tests::signed_in(app, "v1@example.cn").await;
    let get = |c: &reqwest::Client, path: String| {
        let rb = c.get(app.url(&path));
        async move {
            let r = rb.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (_, scenario) = get(&v, format!("/scenarios/{sid}")).await;
    assert!(
        scenario.contains(&format!("/scenarios/{sid}/challenges")),
        "linked"
    );
    let (status, page) = get(&v, format!("/scenarios/{sid}/challenges")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"challenge-form\""),
        "a losing bidder gets the form"
    );
    let files_before = app.stored_files().len();
    let post = |form: reqwest::multipart::Form, token: &str| {
        v.post(app.url(&format!("/scenarios/{sid}/challenges?csrf={token}")))
            .multipart(form)
            .send()
    };
    let forged = post(challenge_form("forged", "理由", None), "forged")
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // No reasons: shown beside the field, the PDF not kept.
    let empty = post(challenge_form(&csrf, "  ", Some(pdf("page"))), &csrf)
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    let html = empty.text().await.unwrap();
    assert!(html.contains("id=\"reasons-error\""), "{html}");
    assert_eq!(app.stored_files().len(), files_before, "nothing stored");
    let ok = post(
        challenge_form(&csrf, "价格分计算有误，请复核。", Some(pdf("page"))),
        &csrf,
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 303);
    let to = ok.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with(&format!(
            "/scenarios/{sid}/challenges?notice=challenge_filed"
        )),
        "{to}"
    );
    let (_, mine) = get(&v, to).await;
    assert!(
        mine.contains("价格分计算有误") && mine.contains("证明材料.pdf"),
        "{mine}"
    );
    assert!(mine.contains("质疑已提交"), "the notice shows");
    assert!(!mine.contains("id=\"challenge-form\""), "filed once");
    let (_, public) = get(&tests::browser(), format!("/scenarios/{sid}/challenges")).await;
    assert!(
        !public.contains("价格分计算有误"),
        "not the public's while open"
    );

    // The owner: delivery held on the scenario page; the answer form checks its fields.
    let (o, ocsrf) = tests::signed_in(app, "owner@example.cn").await;
    let (_, scenario) = get(&o, format!("/scenarios/{sid}")).await;
    assert!(scenario.contains("暂不能确认交付"), "the hold is explained");
    assert!(
        !scenario.contains(&format!("action=\"/scenarios/{sid}/deliver\"")),
        "no button"
    );
    let owner = app.token("owner@example.cn").await;
    let cid = app
        .get(&format!("/api/v1/scenarios/{sid}/challenges"), Some(&owner))
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let answer = |fields: Vec<(&'static str, String)>| {
        o.post(app.url(&format!("/challenges/{cid}/answer")))
            .form(&fields)
            .send()
    };
    let sid_s = sid.to_string();
    let bad = answer(vec![
        ("csrf", ocsrf.clone()),
        ("scenario", sid_s.clone()),
        ("body", "已复核".into()),
    ])
    .await
    .unwrap();
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("field-error") && html.contains("已复核"),
        "the text is kept: {html}"
    );
    let done = answer(vec![
        ("csrf", ocsrf.clone()),
        ("scenario", sid_s),
        ("decision", "rejected".into()),
        ("body", "价格分按公式计算，无误。".into()),
    ])
    .await
    .unwrap();
    assert_eq!(done.status(), 303);
    let (_, public) = get(&tests::browser(), format!("/scenarios/{sid}/challenges")).await;
    assert!(
        public.contains("价格分计算有误")
            && public.contains("价格分按公式计算")
            && public.contains("质疑驳回"),
        "{public}"
    );
}
