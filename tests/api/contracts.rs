//! Contracts and delivery through the API, on both databases: the contract notice due in
//! working days across a public holiday (a fixed clock), milestones returned and submitted
//! again, an amendment confirmed by both parties, payments with a reversing entry, the 30
//! calendar days to pay and their reminders, the agency's public record against a calculation
//! made here, delivery and the rating; one acceptance of many at once; an upheld challenge
//! voiding the contract; who sees what.

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, Utc, Weekday};
use serde_json::{Value, json};
use tests::fixtures::{at_once, award, beijing, code, kinds, ready, set_clock};
use tests::{Db, TestApp, on_both, try_spawn_app_with};

/// The notifications of a kind a user has, after the notices waiting were delivered.
async fn heard(app: &TestApp, email: &str, kind: &str) -> Vec<Value> {
    app.drain_jobs().await;
    kinds(app, email, kind).await
}

async fn tok(app: &TestApp, email: &str) -> String {
    app.token(email).await
}

async fn contract(app: &TestApp, sid: i64, who: Option<&str>) -> tests::Answer {
    let t = match who {
        Some(e) => Some(tok(app, e).await),
        None => None,
    };
    app.get(&format!("/api/v1/scenarios/{sid}/contract"), t.as_deref())
        .await
}

async fn post_as(app: &TestApp, email: &str, path: &str, body: Value) -> tests::Answer {
    let t = tok(app, email).await;
    app.post(path, Some(&t), body).await
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    app.query_i64(&format!(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}'"
    ))
}

/// The record as this test computes it from what it did: (contracts, on-time share, median
/// days to pay, overdue now).
fn expected_record(
    accepted: &[(bool, NaiveDate, Option<NaiveDate>)],
    today: NaiveDate,
) -> (Option<f64>, Option<f64>, i64) {
    let on_time = accepted.iter().filter(|a| a.0).count() as f64;
    let pct =
        (!accepted.is_empty()).then(|| (on_time * 1000.0 / accepted.len() as f64).round() / 10.0);
    let mut days: Vec<i64> = accepted
        .iter()
        .filter_map(|(_, on, paid)| paid.map(|p| (p - *on).num_days()))
        .collect();
    days.sort();
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2] as f64),
        n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
    };
    let overdue = accepted
        .iter()
        .filter(|(_, on, paid)| paid.is_none() && today > *on + Duration::days(30))
        .count() as i64;
    (pct, median, overdue)
}

/// The award is made on a Wednesday; the calendar makes Thursday and Friday public holidays
/// and Saturday a make-up workday. The contract signed that Wednesday must be published by
/// the end of Monday (its 2nd working day: Saturday, Monday).
async fn the_whole_path_across_a_holiday(db: Db) {
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
    let app = &app;
    let at = |n: i64, h: u32| {
        let d = day(n);
        beijing(d.year(), d.month(), d.day(), h, 0, 0)
    };
    let r = ready(app, 3).await;
    let sid = r.sid;
    set_clock(app, at(0, 15));
    assert_eq!(award(app, sid, r.bids[0], None).await.status, 200);
    let owner = "owner@example.cn";
    let vendor = "v0@example.cn";
    let url = format!("/api/v1/scenarios/{sid}/contract");

    // Bad terms: every wrong field named, nothing stored.
    let bad = post_as(
        app,
        owner,
        &url,
        json!({"value_fen": 0, "signed_on": "2020-13-01", "term_days": 90,
               "milestones": [{"title": "", "due_on": day(10).to_string(), "share_pct": 40},
                              {"title": "上线", "due_on": "soon", "share_pct": 50}]}),
    )
    .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["signed_on", "milestones[1].due_on"],
        "dates first: {:?}",
        bad.body
    );
    let bad = post_as(
        app,
        owner,
        &url,
        json!({"value_fen": 0, "signed_on": day(0).to_string(), "term_days": 90,
               "milestones": [{"title": "", "due_on": day(10).to_string(), "share_pct": 40},
                              {"title": "上线", "due_on": day(200).to_string(), "share_pct": 50}]}),
    )
    .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "value_fen",
            "milestones[0].title",
            "milestones[1].due_on",
            "milestones"
        ]
    );
    assert_eq!(app.query_i64("SELECT COUNT(*) AS n FROM contracts"), 0);
    // Only the owner records it.
    let v = post_as(
        app,
        vendor,
        &url,
        json!({"value_fen": 1, "signed_on": day(0).to_string(), "term_days": 9}),
    )
    .await;
    assert_eq!(v.status, 403, "{:?}", v.body);

    set_clock(app, at(0, 16));
    let terms = json!({"value_fen": 50_000_000, "signed_on": day(0).to_string(), "term_days": 90,
        "milestones": [{"title": "数据接入与标注", "due_on": day(20).to_string(), "share_pct": 40},
                       {"title": "模型上线", "due_on": day(60).to_string(), "share_pct": 60}]});
    let c = post_as(app, owner, &url, terms.clone()).await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    assert_eq!(c.body["status"], "awaiting_confirmation");
    assert_eq!(
        c.body["notice_due"],
        json!(at(6, 0)),
        "Saturday and Monday count"
    );
    assert_eq!(c.body["milestones"][0]["amount_fen"], 20_000_000);
    assert_eq!(c.body["milestones"][1]["amount_fen"], 30_000_000);
    let cid = c.body["id"].as_i64().unwrap();
    let m1 = c.body["milestones"][0]["id"].as_i64().unwrap();
    let m2 = c.body["milestones"][1]["id"].as_i64().unwrap();
    let again = post_as(app, owner, &url, terms).await;
    assert_eq!(code(&again), (409, Some("contract_exists")));
    // Before the confirmation only the parties read it.
    assert_eq!(contract(app, sid, None).await.status, 404);
    assert_eq!(contract(app, sid, Some("v1@example.cn")).await.status, 404);
    assert_eq!(contract(app, sid, Some(vendor)).await.status, 200);
    let foreign = post_as(
        app,
        "v1@example.cn",
        &format!("/api/v1/contracts/{cid}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(
        foreign.status, 404,
        "a stranger learns nothing: {:?}",
        foreign.body
    );
    assert_eq!(heard(app, vendor, "contract_to_confirm").await.len(), 1);
    // Nothing is submitted before the vendor confirms.
    let early = post_as(
        app,
        vendor,
        &format!("/api/v1/milestones/{m1}/submission"),
        json!({"note": "x"}),
    )
    .await;
    assert_eq!(code(&early), (409, Some("contract_unconfirmed")));

    // The reminder comes at the start of the notice's last working day (Monday), not before.
    set_clock(app, at(5, 0) - Duration::seconds(1));
    app.drain_jobs().await;
    assert!(heard(app, owner, "contract_notice_due").await.is_empty());
    set_clock(app, at(5, 0));
    app.drain_jobs().await;
    assert_eq!(heard(app, owner, "contract_notice_due").await.len(), 1);
    assert_eq!(heard(app, vendor, "contract_notice_due").await.len(), 1);

    // Confirmed on Monday evening: published on time.
    set_clock(app, at(5, 20));
    let ok = post_as(
        app,
        vendor,
        &format!("/api/v1/contracts/{cid}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["status"], "published");
    assert_eq!(ok.body["late_notice"], false);
    let twice = post_as(
        app,
        vendor,
        &format!("/api/v1/contracts/{cid}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(code(&twice), (409, Some("contract_confirmed")));
    assert_eq!(
        contract(app, sid, None).await.status,
        200,
        "the contract notice is public"
    );

    // Milestone 1: submitted, returned with reasons, submitted again, accepted.
    set_clock(app, at(10, 10));
    let sub = format!("/api/v1/milestones/{m1}/submission");
    let empty = post_as(app, vendor, &sub, json!({"note": " "})).await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.body["errors"][0]["field"], "note");
    let s1 = post_as(
        app,
        vendor,
        &sub,
        json!({"note": "已接入 12 路视频，标注 3 万张。"}),
    )
    .await;
    assert_eq!(s1.status, 201, "{:?}", s1.body);
    assert_eq!(s1.body["milestones"][0]["status"], "submitted");
    assert_eq!(heard(app, owner, "milestone_submitted").await.len(), 1);
    let dup = post_as(app, vendor, &sub, json!({"note": "再交一次"})).await;
    assert_eq!(code(&dup), (409, Some("milestone_under_review")));
    let by_vendor = post_as(
        app,
        vendor,
        &format!("/api/v1/milestones/{m1}/accept"),
        json!({"remarks": ""}),
    )
    .await;
    assert_eq!(by_vendor.status, 403);
    let no_reason = post_as(
        app,
        owner,
        &format!("/api/v1/milestones/{m1}/return"),
        json!({"reasons": ""}),
    )
    .await;
    assert_eq!(
        no_reason.body["errors"][0]["field"], "reasons",
        "{:?}",
        no_reason.body
    );
    set_clock(app, at(11, 10));
    let back = post_as(
        app,
        owner,
        &format!("/api/v1/milestones/{m1}/return"),
        json!({"reasons": "标注抽检合格率不足 95%。"}),
    )
    .await;
    assert_eq!(back.status, 200, "{:?}", back.body);
    assert_eq!(back.body["milestones"][0]["status"], "returned");
    assert_eq!(heard(app, vendor, "milestone_returned").await.len(), 1);
    // The public reads the status, never the notes or reasons.
    let public = contract(app, sid, None).await.body;
    assert_eq!(public["milestones"][0]["status"], "returned");
    assert!(!public.to_string().contains("合格率"), "{public}");
    set_clock(app, at(12, 10));
    let s2 = post_as(
        app,
        vendor,
        &sub,
        json!({"note": "补充标注，抽检合格率 97%。"}),
    )
    .await;
    assert_eq!(s2.status, 201, "{:?}", s2.body);
    let review_due = s2.body["milestones"][0]["submissions"][1]["review_due"].clone();
    set_clock(app, at(13, 10));
    let acc = post_as(
        app,
        owner,
        &format!("/api/v1/milestones/{m1}/accept"),
        json!({"remarks": "合格。"}),
    )
    .await;
    assert_eq!(acc.status, 200, "{:?}", acc.body);
    let m = &acc.body["milestones"][0];
    assert_eq!(m["status"], "accepted");
    assert_eq!(m["accepted_on"], json!(day(13)));
    assert_eq!(
        m["pay_by"],
        json!(day(43)),
        "30 calendar days, holidays or not"
    );
    assert!(json!(at(13, 10)).as_str().unwrap() < review_due.as_str().unwrap());
    assert_eq!(heard(app, vendor, "milestone_accepted").await.len(), 1);
    // The vendor hears of it by e-mail too, in its language, with the day to be paid by.
    let mail: Vec<_> = app
        .emails()
        .into_iter()
        .filter(|m| m.to == vendor && m.subject.contains("通过验收"))
        .collect();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(
        mail[0].body.contains(&day(43).to_string()),
        "{}",
        mail[0].body
    );
    let twice = post_as(
        app,
        owner,
        &format!("/api/v1/milestones/{m1}/accept"),
        json!({"remarks": ""}),
    )
    .await;
    assert_eq!(code(&twice), (409, Some("milestone_accepted")));

    // Payments: bounded by what is owed, never in the future, corrected by reversing.
    set_clock(app, at(20, 10));
    let pay = format!("/api/v1/contracts/{cid}/payments");
    let over = post_as(
        app,
        owner,
        &pay,
        json!({"milestone_id": m1, "amount_fen": 20_000_001, "paid_on": day(20).to_string()}),
    )
    .await;
    assert_eq!(
        over.body["errors"][0]["field"], "amount_fen",
        "{:?}",
        over.body
    );
    let future = post_as(
        app,
        owner,
        &pay,
        json!({"milestone_id": m1, "amount_fen": 100, "paid_on": day(21).to_string()}),
    )
    .await;
    assert_eq!(
        future.body["errors"][0]["field"], "paid_on",
        "{:?}",
        future.body
    );
    let unaccepted = post_as(
        app,
        owner,
        &pay,
        json!({"milestone_id": m2, "amount_fen": 100, "paid_on": day(20).to_string()}),
    )
    .await;
    assert_eq!(unaccepted.body["errors"][0]["field"], "milestone_id");
    let by_vendor = post_as(
        app,
        vendor,
        &pay,
        json!({"milestone_id": m1, "amount_fen": 100, "paid_on": day(20).to_string()}),
    )
    .await;
    assert_eq!(by_vendor.status, 403);
    let p1 = post_as(
        app,
        owner,
        &pay,
        json!({"milestone_id": m1, "amount_fen": 12_000_000, "paid_on": day(20).to_string()}),
    )
    .await;
    assert_eq!(p1.status, 201, "{:?}", p1.body);
    let p1 = p1.body["id"].as_i64().unwrap();
    assert_eq!(heard(app, vendor, "payment_recorded").await.len(), 1);
    let wrong = post_as(app, owner, &pay, json!({"milestone_id": m1, "amount_fen": -100, "paid_on": day(20).to_string(), "corrects": p1})).await;
    assert_eq!(wrong.body["errors"][0]["field"], "amount_fen");
    let rev = post_as(app, owner, &pay, json!({"milestone_id": m1, "amount_fen": -12_000_000, "paid_on": day(20).to_string(), "corrects": p1})).await;
    assert_eq!(rev.status, 201, "{:?}", rev.body);
    let rev2 = post_as(app, owner, &pay, json!({"milestone_id": m1, "amount_fen": -12_000_000, "paid_on": day(20).to_string(), "corrects": p1})).await;
    assert_eq!(rev2.body["errors"][0]["field"], "corrects");
    set_clock(app, at(25, 10));
    let full = post_as(
        app,
        owner,
        &pay,
        json!({"milestone_id": m1, "amount_fen": 20_000_000, "paid_on": day(25).to_string()}),
    )
    .await;
    assert_eq!(full.status, 201, "{:?}", full.body);
    assert_eq!(
        (
            audit_count(app, "payment.record"),
            audit_count(app, "payment.reverse")
        ),
        (2, 1)
    );

    // An amendment: proposed by the owner, confirmed by the vendor (not by its proposer).
    let amend = post_as(
        app,
        owner,
        &format!("/api/v1/contracts/{cid}/amendments"),
        json!({"milestones": [{"id": m1, "due_on": day(30).to_string()}], "reason": "x"}),
    )
    .await;
    assert_eq!(
        amend.body["errors"][0]["field"], "milestones[0].id",
        "an accepted milestone stays: {:?}",
        amend.body
    );
    let amend = post_as(app, owner, &format!("/api/v1/contracts/{cid}/amendments"), json!({"milestones": [{"id": m2, "due_on": day(70).to_string()}], "reason": "现场施工推迟两周。"})).await;
    assert_eq!(amend.status, 201, "{:?}", amend.body);
    let aid = amend.body["amendments"][0]["id"].as_i64().unwrap();
    assert_eq!(
        amend.body["milestones"][1]["due_on"],
        json!(day(60)),
        "not before both agree"
    );
    assert_eq!(heard(app, vendor, "amendment_proposed").await.len(), 1);
    let own = post_as(
        app,
        owner,
        &format!("/api/v1/amendments/{aid}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(own.status, 403);
    let yes = post_as(
        app,
        vendor,
        &format!("/api/v1/amendments/{aid}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(yes.status, 200, "{:?}", yes.body);
    assert_eq!(yes.body["milestones"][1]["due_on"], json!(day(70)));
    assert_eq!(yes.body["amendments"][0]["status"], "confirmed");
    assert_eq!(
        (
            audit_count(app, "amendment.propose"),
            audit_count(app, "amendment.confirm")
        ),
        (1, 1)
    );

    // Milestone 2 accepted after the period to challenge: the scenario is delivered.
    set_clock(app, at(40, 10));
    assert_eq!(
        post_as(
            app,
            vendor,
            &format!("/api/v1/milestones/{m2}/submission"),
            json!({"note": "系统已上线。"})
        )
        .await
        .status,
        201
    );
    set_clock(app, at(41, 10));
    assert_eq!(
        post_as(
            app,
            owner,
            &format!("/api/v1/milestones/{m2}/accept"),
            json!({"remarks": ""})
        )
        .await
        .status,
        200
    );
    let s = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body;
    assert_eq!(s["status"], "delivered", "{s}");

    // The payment clock: a reminder 5 days before the 30th day, overdue the day after it.
    set_clock(app, at(66, 9));
    app.drain_jobs().await;
    assert_eq!(heard(app, owner, "payment_due").await.len(), 1);
    assert!(heard(app, vendor, "payment_overdue").await.is_empty());
    set_clock(app, at(72, 0) - Duration::seconds(1));
    app.drain_jobs().await;
    assert!(
        heard(app, vendor, "payment_overdue").await.is_empty(),
        "day 30 is still in time"
    );
    set_clock(app, at(72, 0));
    app.drain_jobs().await;
    assert_eq!(heard(app, vendor, "payment_overdue").await.len(), 1);
    assert_eq!(heard(app, owner, "payment_overdue").await.len(), 1);

    // The agency's record against this test's own count.
    let agency = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body["agency"]["id"]
        .as_i64()
        .unwrap();
    let rec = app
        .get(
            &format!("/api/v1/organizations/{agency}/payment-record"),
            None,
        )
        .await;
    assert_eq!(rec.status, 200, "{:?}", rec.body);
    let accepted = [(true, day(13), Some(day(25))), (true, day(41), None)];
    let (pct, median, overdue) = expected_record(&accepted, day(72));
    assert_eq!(rec.body["contracts"], 1);
    assert_eq!(rec.body["milestones_accepted_on_time_pct"], json!(pct));
    assert_eq!(rec.body["median_days_to_pay"], json!(median));
    assert_eq!(rec.body["overdue_now"], overdue);
    assert_eq!(overdue, 1);
    set_clock(app, at(73, 10));
    assert_eq!(
        post_as(
            app,
            owner,
            &pay,
            json!({"milestone_id": m2, "amount_fen": 30_000_000, "paid_on": day(73).to_string()})
        )
        .await
        .status,
        201
    );
    let rec = app
        .get(
            &format!("/api/v1/organizations/{agency}/payment-record"),
            None,
        )
        .await
        .body;
    let accepted = [
        (true, day(13), Some(day(25))),
        (true, day(41), Some(day(73))),
    ];
    let (pct, median, overdue) = expected_record(&accepted, day(73));
    assert_eq!(
        (
            rec["milestones_accepted_on_time_pct"].clone(),
            rec["median_days_to_pay"].clone(),
            rec["overdue_now"].as_i64().unwrap()
        ),
        (json!(pct), json!(median), overdue)
    );
    assert_eq!(median, Some(22.0));
    // The agency's page shows the same figures.
    let html = tests::page_text(
        &tests::browser(),
        app.url(&format!("/organizations/{agency}")),
    )
    .await;
    for (id, want) in [
        ("record-contracts", "1".to_string()),
        ("record-on-time", format!("{:.1}%", pct.unwrap())),
        ("record-median", "22 天".to_string()),
        ("record-overdue", "0".to_string()),
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\">{want}<")),
            "{id} {want}: {html}"
        );
    }
    // A vendor has no payment record.
    assert_eq!(
        app.get(
            &format!("/api/v1/organizations/{}/payment-record", r.orgs[0]),
            None
        )
        .await
        .status,
        404
    );

    // The rating closes it.
    let rate = post_as(
        app,
        owner,
        &format!("/api/v1/scenarios/{sid}/rating"),
        json!({"quality": 5, "timeliness": 4, "communication": 5, "comment": "按期交付。"}),
    )
    .await;
    assert_eq!(rate.status, 201, "{:?}", rate.body);
    // The open data: the contract with its implementation validates.
    let ocid = format!("ocds-qsai01-{sid}");
    let record = app
        .get(&format!("/api/v1/ocds/records/{ocid}"), None)
        .await
        .body;
    let compiled = &record["records"][0]["compiledRelease"]["contracts"][0];
    assert_eq!(compiled["status"], "terminated");
    assert_eq!(
        compiled["implementation"]["transactions"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(compiled["amendments"].as_array().unwrap().len(), 1);
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_the_whole_path_across_a_holiday() {
    the_whole_path_across_a_holiday(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_whole_path_across_a_holiday() {
    the_whole_path_across_a_holiday(Db::Postgres).await;
}

/// An awarded scenario with a confirmed two-milestone contract: (sid, contract, milestones).
async fn signed(app: &TestApp) -> (i64, i64, Vec<i64>) {
    let r = ready(app, 2).await;
    assert_eq!(award(app, r.sid, r.bids[0], None).await.status, 200);
    let today = domain::beijing::date(app.parts.services.now());
    let c = post_as(
        app,
        "owner@example.cn",
        &format!("/api/v1/scenarios/{}/contract", r.sid),
        json!({"value_fen": 10_000_000, "signed_on": today.to_string(), "term_days": 60,
               "milestones": [{"title": "一期", "due_on": (today + Duration::days(20)).to_string(), "share_pct": 50},
                              {"title": "二期", "due_on": (today + Duration::days(50)).to_string(), "share_pct": 50}]}),
    )
    .await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let cid = c.body["id"].as_i64().unwrap();
    let ok = post_as(
        app,
        "v0@example.cn",
        &format!("/api/v1/contracts/{cid}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let ms = c.body["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    (r.sid, cid, ms)
}

/// Many acceptances of one milestone at once: one succeeds, the rest are refused, one audit
/// record and one notification.
async fn one_acceptance_of_many_at_once(app: &TestApp) {
    let (_, _, ms) = signed(app).await;
    assert_eq!(
        post_as(
            app,
            "v0@example.cn",
            &format!("/api/v1/milestones/{}/submission", ms[0]),
            json!({"note": "交付"})
        )
        .await
        .status,
        201
    );
    let owner = tok(app, "owner@example.cn").await;
    let all = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/milestones/{}/accept", ms[0]),
        &owner,
        json!({"remarks": "同意"}),
    )
    .await;
    assert_eq!(all.iter().filter(|s| **s == 200).count(), 1, "{all:?}");
    assert_eq!(all.iter().filter(|s| **s == 409).count(), 7, "{all:?}");
    assert_eq!(audit_count(app, "milestone.accept"), 1);
    app.drain_jobs().await;
    assert_eq!(
        heard(app, "v0@example.cn", "milestone_accepted")
            .await
            .len(),
        1
    );
}

/// Many payments of the whole amount at once: one is recorded, the rest are refused by name
/// (the scenario's row orders them; the second sees the first).
async fn payments_at_once_never_pay_beyond_the_amount(app: &TestApp) {
    let (_, cid, ms) = signed(app).await;
    let sub = post_as(
        app,
        "v0@example.cn",
        &format!("/api/v1/milestones/{}/submission", ms[0]),
        json!({"note": "交付"}),
    )
    .await;
    assert_eq!(sub.status, 201);
    let acc = post_as(
        app,
        "owner@example.cn",
        &format!("/api/v1/milestones/{}/accept", ms[0]),
        json!({"remarks": ""}),
    )
    .await;
    assert_eq!(acc.status, 200);
    let today = domain::beijing::date(app.parts.services.now()).to_string();
    let owner = tok(app, "owner@example.cn").await;
    let all = at_once(
        app,
        8,
        "POST",
        &format!("/api/v1/contracts/{cid}/payments"),
        &owner,
        json!({"milestone_id": ms[0], "amount_fen": 5_000_000, "paid_on": today}),
    )
    .await;
    assert_eq!(all.iter().filter(|s| **s == 201).count(), 1, "{all:?}");
    assert_eq!(all.iter().filter(|s| **s == 422).count(), 7, "{all:?}");
    assert_eq!(
        app.query_i64("SELECT CAST(SUM(amount_fen) AS BIGINT) AS n FROM contract_payments"),
        5_000_000
    );
}

/// While a challenge is open no contract is recorded; a challenge upheld after the contract
/// was recorded voids it and its unpaid milestones; the notice says so, and nothing more is
/// recorded against it.
async fn an_upheld_challenge_voids_the_contract(app: &TestApp) {
    let r = ready(app, 3).await;
    let sid = r.sid;
    assert_eq!(award(app, sid, r.bids[0], None).await.status, 200);
    let file = |email: &'static str| async move {
        let f = post_as(
            app,
            email,
            &format!("/api/v1/scenarios/{sid}/challenges"),
            json!({"reasons": "评分有误。"}),
        )
        .await;
        assert_eq!(f.status, 201, "{:?}", f.body);
        f.body["id"].as_i64().unwrap()
    };
    let first = file("v1@example.cn").await;
    let today = domain::beijing::date(app.parts.services.now());
    let terms = json!({"value_fen": 10_000_000, "signed_on": today.to_string(), "term_days": 60,
        "milestones": [{"title": "一期", "due_on": (today + Duration::days(20)).to_string(), "share_pct": 50},
                       {"title": "二期", "due_on": (today + Duration::days(50)).to_string(), "share_pct": 50}]});
    let url = format!("/api/v1/scenarios/{sid}/contract");
    let held = post_as(app, "owner@example.cn", &url, terms.clone()).await;
    assert_eq!(code(&held), (409, Some("challenge_open")));
    let no = post_as(
        app,
        "owner@example.cn",
        &format!("/api/v1/challenges/{first}/answer"),
        json!({"decision": "rejected", "body": "不成立。"}),
    )
    .await;
    assert_eq!(no.status, 200, "{:?}", no.body);
    let c = post_as(app, "owner@example.cn", &url, terms).await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let cid = c.body["id"].as_i64().unwrap();
    let m1 = c.body["milestones"][0]["id"].as_i64().unwrap();
    assert_eq!(
        post_as(
            app,
            "v0@example.cn",
            &format!("/api/v1/contracts/{cid}/confirm"),
            json!({})
        )
        .await
        .status,
        200
    );
    let second = file("v2@example.cn").await;
    let up = post_as(
        app,
        "owner@example.cn",
        &format!("/api/v1/challenges/{second}/answer"),
        json!({"decision": "upheld", "body": "质疑成立。"}),
    )
    .await;
    assert_eq!(up.status, 200, "{:?}", up.body);
    let c = contract(app, sid, None).await;
    assert_eq!(c.status, 200, "a voided contract stays on its notice");
    assert_eq!(c.body["id"], cid);
    assert_eq!(c.body["status"], "voided");
    assert_eq!(c.body["void_challenge_id"], second);
    assert!(
        c.body["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["voided"] == true)
    );
    let late = post_as(
        app,
        "v0@example.cn",
        &format!("/api/v1/milestones/{m1}/submission"),
        json!({"note": "交付"}),
    )
    .await;
    assert_eq!(code(&late), (409, Some("contract_voided")));
    assert_eq!(audit_count(app, "contract.void"), 1);
    app.drain_jobs().await;
    assert_eq!(
        heard(app, "v0@example.cn", "contract_voided").await.len(),
        1
    );
    let s = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body;
    assert_eq!(s["status"], "evaluating", "{s}");
}

/// Deliver without a contract is refused by name; through the implicit milestone it goes.
async fn delivery_needs_a_contract(app: &TestApp) {
    let r = ready(app, 2).await;
    assert_eq!(award(app, r.sid, r.bids[0], None).await.status, 200);
    app.clock.advance(Duration::days(20));
    let deliver = format!("/api/v1/scenarios/{}/deliver", r.sid);
    let none = post_as(app, "owner@example.cn", &deliver, json!({})).await;
    assert_eq!(code(&none), (409, Some("contract_required")));
    let owner = tok(app, "owner@example.cn").await;
    tests::fixtures::contract_signed(app, r.sid, &owner).await;
    let ok = post_as(app, "owner@example.cn", &deliver, json!({})).await;
    assert_eq!(ok.status, 204, "{:?}", ok.body);
    let c = contract(app, r.sid, None).await.body;
    assert_eq!(c["milestones"][0]["status"], "accepted");
    assert_eq!(c["milestones"][0]["share_pct"], 100);
}

on_both! {
    one_acceptance_of_many_at_once => super::one_acceptance_of_many_at_once;
    payments_at_once_never_pay_beyond_the_amount => super::payments_at_once_never_pay_beyond_the_amount;
    an_upheld_challenge_voids_the_contract => super::an_upheld_challenge_voids_the_contract;
    delivery_needs_a_contract => super::delivery_needs_a_contract;
}
