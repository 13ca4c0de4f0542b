//! A consortium (联合体) bids as one: its lead submits one sealed bid that every member reads;
//! nobody else learns of it before the deadline; the evaluation, the award, the notice, the
//! open data, the ratings and the OPC figures treat it as one bidder naming every member.

use serde_json::{Value, json};
use tests::fixtures::{award, code, scored, verified_vendor, verify, with_panel};
use tests::{TestApp, on_both};

/// The team: the lead (50 %), 翼飞无人机 (30 %) and 江城集成 (20 %), agreed; 婉拒科技 was
/// invited and declined.
struct Team {
    sid: i64,
    kid: i64,
    lead: String,
    lead_org: i64,
    members: Vec<(String, i64)>,
    declined: String,
}

async fn agreed_team(app: &TestApp) -> Team {
    let sid = with_panel(app).await;
    let (lead, lead_org) = verified_vendor(app, "lead@example.cn", "青灵视觉").await;
    let mut members = vec![];
    for (e, n) in [
        ("hw@example.cn", "翼飞无人机"),
        ("si@example.cn", "江城集成"),
    ] {
        members.push(verified_vendor(app, e, n).await);
    }
    let (declined, declined_org) = verified_vendor(app, "no@example.cn", "婉拒科技").await;
    let kid = tests::fixtures::agreed_consortium(
        app,
        sid,
        (&lead, lead_org),
        &members,
        Some((&declined, declined_org)),
        &[50, 30, 20],
    )
    .await;
    Team {
        sid,
        kid,
        lead,
        lead_org,
        members,
        declined,
    }
}

fn consortium_bid(kid: i64) -> Value {
    json!({"price_fen": 30_000_000, "delivery_days": 60, "technical_proposal": "联合方案",
        "team": "三家分工", "consortium_id": kid})
}

/// The lead bids for the agreed consortium; its members read the bid and its receipts, and
/// nobody else can tell that it exists until the deadline. Opened, it is evaluated as one
/// bidder; a member's revoked verification blocks the award with its name; the award notice,
/// the ranking and the open data name every member with its share; the result, the rating and
/// the OPC figures reach each member.
async fn a_consortium_bids_as_one_and_wins_as_one(app: &TestApp) {
    let t = agreed_team(app).await;
    let (sid, kid) = (t.sid, t.kid);
    let bids = format!("/api/v1/scenarios/{sid}/bids");
    // Only the lead bids for it.
    let by_member = app
        .post(&bids, Some(&t.members[0].0), consortium_bid(kid))
        .await;
    assert_eq!(by_member.status, 403, "{:?}", by_member.body);
    let (other, other_org) = verified_vendor(app, "other@example.cn", "别家").await;
    let not_theirs = app.post(&bids, Some(&other), consortium_bid(kid)).await;
    assert_eq!(not_theirs.status, 422, "{:?}", not_theirs.body);
    assert_eq!(not_theirs.body["errors"][0]["field"], "consortium_id");
    let b = app.post(&bids, Some(&t.lead), consortium_bid(kid)).await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    let bid = b.body["bid"]["id"].as_i64().unwrap();
    let team = &b.body["bid"]["consortium"];
    assert_eq!(team["id"], kid);
    assert_eq!(team["members"].as_array().unwrap().len(), 3, "{team}");
    assert_eq!(team["members"][0]["lead"], true);
    assert_eq!(team["members"][2]["share_pct"], 20);
    // Bid: the consortium stays as it is, and a member does not bid alone beside it.
    let k = format!("/api/v1/consortia/{kid}");
    assert_eq!(app.get(&k, Some(&t.lead)).await.body["status"], "bid");
    let change = app
        .call(
            "PUT",
            &format!("{k}/agreement"),
            Some(&t.lead),
            Some(json!({"shares": []})),
        )
        .await;
    assert_eq!(code(&change), (409, Some("consortium_bid")));
    let alone = app
        .post(&bids, Some(&t.members[1].0), tests::fixtures::bid(290_000))
        .await;
    assert_eq!(code(&alone), (409, Some("consortium_conflict")));
    let rival = app
        .post(&bids, Some(&other), tests::fixtures::bid(320_000))
        .await;
    assert_eq!(rival.status, 201, "{:?}", rival.body);
    let rival_bid = rival.body["bid"]["id"].as_i64().unwrap();

    // Sealed: every member reads the bid and its receipts; nobody else, as for a missing id.
    let url = format!("/api/v1/bids/{bid}");
    for m in std::iter::once(&t.lead).chain(t.members.iter().map(|(m, _)| m)) {
        let r = app.get(&url, Some(m)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["receipts"].as_array().unwrap().len(), 1);
        assert!(r.body["versions"].is_array(), "members see every version");
        let mine = app.get("/api/v1/me/bids", Some(m)).await;
        assert!(
            mine.body.to_string().contains("联合方案"),
            "{:?}",
            mine.body
        );
        let listed = app.get(&bids, Some(m)).await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    }
    let owner = app.token("owner@example.cn").await;
    let admin = app.admin_token().await;
    let ev = app.token("ev0@example.cn").await;
    let missing = app.get("/api/v1/bids/1", Some(&other)).await;
    for who in [&t.declined, &other, &owner, &admin, &ev] {
        let r = app.get(&url, Some(who)).await;
        assert_eq!((r.status, &r.body), (404, &missing.body));
        let k = app.get(&k, Some(who)).await;
        if who != &t.declined {
            assert_eq!(k.status, 404, "{:?}", k.body);
        }
    }
    let listed = app.get(&bids, Some(&t.declined)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 0);
    let audit = app
        .get("/api/v1/admin/audit?per_page=100", Some(&admin))
        .await;
    assert!(
        !audit.body.to_string().contains("联合方案")
            && !audit.body.to_string().contains("巡检联合体"),
        "the audit browser keeps the consortium and its bid back"
    );
    app.drain_jobs().await;
    for who in [&t.declined, &other, &owner] {
        let heard = app.get("/api/v1/notifications", Some(who)).await;
        let text = heard.body.to_string();
        assert!(!text.contains("巡检联合体") || who == &t.declined, "{text}");
        assert!(!text.contains("联合方案"), "{text}");
    }

    // Opened: evaluated as one bidder, named with every member.
    scored(app, sid, &[bid, rival_bid]).await;
    // A month on, everyone signs in again.
    let owner = app.token("owner@example.cn").await;
    let admin = app.admin_token().await;
    let members: Vec<String> = {
        let mut v = vec![];
        for e in ["hw@example.cn", "si@example.cn"] {
            v.push(app.token(e).await);
        }
        v
    };
    let opened = app.get(&url, Some(&owner)).await;
    assert_eq!(opened.status, 200);
    assert_eq!(
        opened.body["consortium"]["members"][1]["name"],
        "翼飞无人机"
    );
    let ranking = app
        .get(&format!("/api/v1/scenarios/{sid}/ranking"), Some(&owner))
        .await;
    assert_eq!(ranking.status, 200, "{:?}", ranking.body);
    let first = &ranking.body["items"][0];
    assert_eq!(first["bid_id"], bid, "{:?}", ranking.body);
    assert!(
        first["vendor"]["name"]
            .as_str()
            .unwrap()
            .contains("江城集成 20%"),
        "{first}"
    );

    // A member's revoked verification blocks the award, naming it.
    let si_org = t.members[1].1;
    verify(app, &admin, si_org, false).await;
    let blocked = award(app, sid, bid, None).await;
    assert_eq!(code(&blocked), (409, Some("vendor_not_verified")));
    assert!(
        blocked.body.to_string().contains("江城集成"),
        "{:?}",
        blocked.body
    );
    let a = app
        .post(
            &format!("/api/v1/admin/organizations/{si_org}/verify"),
            Some(&admin),
            json!({"verified": true, "opc_member": true}),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let won = award(app, sid, bid, None).await;
    assert_eq!(won.status, 200, "{:?}", won.body);

    // The notice and the open data name every member, the lead marked.
    let notice = app
        .get(&format!("/api/v1/scenarios/{sid}/award-notice"), None)
        .await
        .body;
    let named: Vec<(i64, i64, bool)> = notice["winner"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["organization_id"].as_i64().unwrap(),
                m["share_pct"].as_i64().unwrap(),
                m["lead"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            (t.lead_org, 50, true),
            (t.members[0].1, 30, false),
            (si_org, 20, false)
        ]
    );
    assert_eq!(notice["winner"]["organization_id"], t.lead_org);
    let record = app
        .get(&format!("/api/v1/ocds/records/ocds-qsai01-{sid}"), None)
        .await
        .body;
    let compiled = &record["records"][0]["compiledRelease"];
    let suppliers = compiled["awards"][0]["suppliers"].as_array().unwrap();
    assert_eq!(suppliers.len(), 3, "{compiled}");
    let lead_party = compiled["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == suppliers[0]["id"])
        .unwrap();
    assert_eq!(
        lead_party["details"]["consortiumLead"], true,
        "{lead_party}"
    );
    assert!(
        !compiled["parties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["roles"].to_string().contains("supplier")
                && p["id"].to_string().contains(&other_org.to_string())),
        "the rival supplies nothing"
    );
    // Each member hears its result.
    app.drain_jobs().await;
    for m in &members {
        let r = app
            .get("/api/v1/notifications?kind=award_result", Some(m))
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);
    }

    // Delivered and rated: the rating reaches each member; the OPC figures count the
    // award once and its value by the OPC member's share.
    app.clock.advance(chrono::Duration::days(20));
    let owner = app.token("owner@example.cn").await;
    tests::fixtures::contract_signed(app, sid, &owner).await;
    let d = app
        .post(
            &format!("/api/v1/scenarios/{sid}/deliver"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(d.status, 204, "{:?}", d.body);
    let rate = app
        .post(
            &format!("/api/v1/scenarios/{sid}/rating"),
            Some(&owner),
            json!({"quality": 5, "timeliness": 4, "communication": 5, "comment": "联合体按期交付。"}),
        )
        .await;
    assert_eq!(rate.status, 201, "{:?}", rate.body);
    for org in [t.lead_org, t.members[0].1, si_org] {
        let r = app
            .get(&format!("/api/v1/organizations/{org}/ratings"), None)
            .await
            .body;
        assert_eq!(r["count"], 1, "{org}: {r}");
    }
    let rival_r = app
        .get(&format!("/api/v1/organizations/{other_org}/ratings"), None)
        .await
        .body;
    assert_eq!(rival_r["count"], 0);
    let opc = app.get("/api/v1/opc/summary", None).await.body;
    assert_eq!(opc["awards"], 1, "{opc}");
    assert_eq!(
        opc["awarded_fen_this_year"].as_i64(),
        Some(6_000_000),
        "江城集成's 20 % of 300,000 yuan: {opc}"
    );
}

/// A member's bid alone and the lead's bid for the consortium, at once: one of them is taken,
/// the other refused by name.
async fn a_member_alone_and_its_consortium_bid_at_once(app: &TestApp) {
    let t = agreed_team(app).await;
    let bids = format!("/api/v1/scenarios/{}/bids", t.sid);
    let (a, b) = tokio::join!(
        app.post(&bids, Some(&t.lead), consortium_bid(t.kid)),
        app.post(&bids, Some(&t.members[0].0), tests::fixtures::bid(290_000)),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{:?} / {:?}", a.body, b.body);
    let refused = if a.status == 409 { &a } else { &b };
    assert_eq!(refused.body["code"], "consortium_conflict");
    let active = app.query_i64(&format!(
        "SELECT COUNT(*) AS n FROM bids WHERE scenario_id = {} AND status = 'submitted'",
        t.sid
    ));
    assert_eq!(active, 1);
}

on_both! {
    a_consortium_bids_as_one_and_wins_as_one => super::a_consortium_bids_as_one_and_wins_as_one;
    a_member_alone_and_its_consortium_bid_at_once => super::a_member_alone_and_its_consortium_bid_at_once;
}
