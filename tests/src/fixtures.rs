//! The fixtures the stories share: verified organizations, evaluators, a posting, a bid,
//! PDFs and uploads, score sheets. One place, so that a story says what it needs in one line.

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, TimeZone, Utc};
use serde_json::{Value, json};

use crate::{Answer, PASSWORD, TestApp};

/// An administrator sets an organization's verification (asserting it is accepted).
pub async fn verify(app: &TestApp, admin: &str, org: i64, verified: bool) {
    let a = app
        .post(
            &format!("/api/v1/admin/organizations/{org}/verify"),
            Some(admin),
            json!({"verified": verified}),
        )
        .await;
    assert_eq!(a.status, 200, "verify organization {org}: {:?}", a.body);
}

/// A user of a new organization of `kind` (agency | vendor), verified by an administrator:
/// the user's token and the organization's id.
pub async fn verified(app: &TestApp, kind: &str, email: &str, name: &str) -> (String, i64) {
    let admin = app.admin_token().await;
    let org = app.register(email, kind, name).await["organization"]["id"]
        .as_i64()
        .unwrap();
    verify(app, &admin, org, true).await;
    (app.token(email).await, org)
}

/// A verified agency user's token and organization id.
pub async fn verified_agency(app: &TestApp, email: &str, name: &str) -> (String, i64) {
    verified(app, "agency", email, name).await
}

/// A posting whose deadline is `days` from the app's now.
pub fn posting(app: &TestApp, days: i64) -> Value {
    let deadline = (app.parts.services.now() + Duration::days(days))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "title": "无人机智能巡检",
        "summary": "Drone inspection of streets and rivers",
        "description": "利用无人机对街道、河道和工地开展常态化智能巡检，自动识别违建、垃圾堆放等问题并派单。",
        "domain": "city_governance",
        "tags": ["无人机", "巡检"],
        "budget_min_fen": 20_000_000,
        "budget_max_fen": 50_000_000,
        "bid_deadline": deadline,
        "price_weight": 30,
        "criteria": [
            {"name": "技术方案", "weight": 40, "description": "识别准确率与系统架构"},
            {"name": "实施能力", "weight": 30, "description": "团队与案例"}
        ]
    })
}

/// A verified vendor's token and organization id.
pub async fn verified_vendor(app: &TestApp, email: &str, name: &str) -> (String, i64) {
    verified(app, "vendor", email, name).await
}

/// A valid bid body at a price in yuan.
pub fn bid(price_yuan: i64) -> Value {
    json!({"price_fen": price_yuan * 100, "delivery_days": 90, "technical_proposal": "基于多模态大模型的巡检方案，含航线规划与事件派单。", "team": "5 人，含 2 名算法工程师"})
}

/// A published scenario (30 days to the deadline) with its owner's token and id.
pub async fn open_scenario(app: &TestApp) -> (String, i64) {
    let (agency, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let id = app
        .post("/api/v1/scenarios", Some(&agency), posting(app, 30))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            json!({})
        )
        .await
        .status,
        200
    );
    (agency, id)
}

/// A draft of `agency` titled `title`, its deadline `days` away: its id.
pub async fn draft_titled(app: &TestApp, agency: &str, title: &str, days: i64) -> i64 {
    let mut p = posting(app, days);
    p["title"] = json!(title);
    let a = app.post("/api/v1/scenarios", Some(agency), p).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body["id"].as_i64().unwrap()
}

/// Publishes a draft of `agency`.
pub async fn publish(app: &TestApp, agency: &str, id: i64) {
    let a = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(agency),
            json!({}),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

/// A PDF that passes the content check; `extra` makes its hash differ.
pub fn pdf(extra: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% test {extra}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n").into_bytes()
}

/// Uploads one PDF to a bid through the API.
pub async fn upload(app: &TestApp, token: &str, bid_id: i64, name: &str, bytes: Vec<u8>) -> Answer {
    upload_to(
        app,
        token,
        &format!("/api/v1/bids/{bid_id}/attachments"),
        name,
        bytes,
    )
    .await
}

/// Uploads one PDF (multipart part `file`) to `path` through the API.
pub async fn upload_to(
    app: &TestApp,
    token: &str,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Answer {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let resp = app
        .api
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

/// An evaluator with expertise in city governance, created by `admin`; their id.
pub async fn evaluator(app: &TestApp, admin: &str, email: &str, name: &str) -> i64 {
    let a = app.post("/api/v1/admin/users", Some(admin), json!({"email": email, "password": PASSWORD, "display_name": name, "role": "evaluator", "expertise": ["city_governance"]})).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body["id"].as_i64().unwrap()
}

/// A vendor organization verified by `admin`; its id (its user signs in separately).
pub async fn vendor(app: &TestApp, admin: &str, email: &str, name: &str) -> i64 {
    let org = app.register(email, "vendor", name).await["organization"]["id"]
        .as_i64()
        .unwrap();
    verify(app, admin, org, true).await;
    org
}

/// A score sheet: one line per criterion, with a comment where the score needs one.
pub fn sheet(criteria: &[i64], scores: &[i64]) -> Value {
    json!({"scores": criteria.iter().zip(scores).map(|(c, s)| json!({"criterion_id": c, "score": s, "comment": if *s < 40 || *s > 95 { "理由充分" } else { "" }})).collect::<Vec<_>>()})
}

/// Loads the demo catalogue (accounts, 18 scenarios, the finished sample) and runs the jobs
/// it makes due.
pub async fn demo(app: &TestApp) {
    let services = app.parts.services.clone();
    tokio::task::spawn_blocking(move || scenario_market::seed::load_demo(&services).unwrap())
        .await
        .unwrap();
    app.drain_jobs().await;
}

/// The owner records a contract without a schedule for the award of `sid`, signed today
/// (Beijing), and the awarded vendor confirms it: the contract, as the owner reads it.
pub async fn contract_signed(app: &TestApp, sid: i64, owner: &str) -> Value {
    let today = domain::beijing::date(app.parts.services.now()).to_string();
    let c = app
        .post(
            &format!("/api/v1/scenarios/{sid}/contract"),
            Some(owner),
            json!({"value_fen": 50_000_000, "signed_on": today, "term_days": 120}),
        )
        .await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let vendor = c.body["vendor_id"].as_i64().unwrap();
    let email = app.query_text(&format!(
        "SELECT email AS t FROM users WHERE organization_id = {vendor} ORDER BY id LIMIT 1"
    ));
    let token = app.token(&email).await;
    let id = c.body["id"].as_i64().unwrap();
    let ok = app
        .post(
            &format!("/api/v1/contracts/{id}/confirm"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    ok.body
}

/// Runs `n` copies of a request at once; returns their statuses.
pub async fn at_once(
    app: &TestApp,
    n: usize,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> Vec<u16> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let rb = app
            .api
            .request(m, app.url(path))
            .bearer_auth(token)
            .json(&body);
        tasks.push(tokio::spawn(async move {
            rb.send().await.unwrap().status().as_u16()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A scenario past its deadline with `n` bids (vendor `v0` cheapest and best), a panel of
/// three who scored every bid: ready for the award.
pub struct Ready {
    pub sid: i64,
    pub bids: Vec<i64>,
    pub orgs: Vec<i64>,
}

pub async fn ready(app: &TestApp, n: usize) -> Ready {
    let sid = with_panel(app).await;
    let (mut bids, mut orgs) = (vec![], vec![]);
    for i in 0..n {
        let (t, org) = verified_vendor(app, &format!("v{i}@example.cn"), &format!("企业{i}")).await;
        let price = 300_000 + 10_000 * i as i64;
        let b = app
            .post(
                &format!("/api/v1/scenarios/{sid}/bids"),
                Some(&t),
                json!({"price_fen": price * 100, "delivery_days": 60, "technical_proposal": "方案", "team": "团队"}),
            )
            .await;
        assert_eq!(b.status, 201, "{:?}", b.body);
        bids.push(b.body["bid"]["id"].as_i64().unwrap());
        orgs.push(org);
    }
    scored(app, sid, &bids).await;
    Ready { sid, bids, orgs }
}

/// A scenario of owner@example.cn (城管局), published for 30 days, with a panel of three
/// evaluators (ev0–ev2@example.cn): its id.
pub async fn with_panel(app: &TestApp) -> i64 {
    let (owner, _) = verified_agency(app, "owner@example.cn", "城管局").await;
    let sid = app
        .post("/api/v1/scenarios", Some(&owner), posting(app, 30))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let p = app
        .post(
            &format!("/api/v1/scenarios/{sid}/publish"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    let admin = app.admin_token().await;
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
    let panel = app
        .call(
            "PUT",
            &format!("/api/v1/scenarios/{sid}/panel"),
            Some(&owner),
            Some(json!({"evaluator_ids": evs})),
        )
        .await;
    assert_eq!(panel.status, 200, "{:?}", panel.body);
    sid
}

/// Past the deadline of a scenario made by [`with_panel`], every evaluator declares no
/// conflict and scores every bid, the first best.
pub async fn scored(app: &TestApp, sid: i64, bids: &[i64]) {
    app.clock.advance(Duration::days(31));
    app.drain_jobs().await;
    let criteria: Vec<i64> = app
        .get(&format!("/api/v1/scenarios/{sid}"), None)
        .await
        .body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    for e in 0..3 {
        let t = app.token(&format!("ev{e}@example.cn")).await;
        let d = app
            .post(
                &format!("/api/v1/scenarios/{sid}/conflict-declaration"),
                Some(&t),
                json!({"has_conflict": false, "note": ""}),
            )
            .await;
        assert_eq!(d.status, 200, "{:?}", d.body);
        for (i, b) in bids.iter().enumerate() {
            let marks = [90 - 5 * i as i64, 85 - 5 * i as i64];
            let s = app
                .call(
                    "PUT",
                    &format!("/api/v1/bids/{b}/scores"),
                    Some(&t),
                    Some(sheet(&criteria, &marks)),
                )
                .await;
            assert_eq!(s.status, 200, "{:?}", s.body);
        }
    }
}

pub async fn award(app: &TestApp, sid: i64, bid: i64, justification: Option<&str>) -> Answer {
    let owner = app.token("owner@example.cn").await;
    app.post(
        &format!("/api/v1/scenarios/{sid}/award"),
        Some(&owner),
        json!({"bid_id": bid, "justification": justification}),
    )
    .await
}

pub fn code(a: &Answer) -> (u16, Option<&str>) {
    (a.status, a.body["code"].as_str())
}

pub async fn kinds(app: &TestApp, email: &str, kind: &str) -> Vec<Value> {
    let t = app.token(email).await;
    app.get(&format!("/api/v1/notifications?kind={kind}"), Some(&t))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

pub fn beijing(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, s)
        .unwrap()
        .with_timezone(&Utc)
}

/// Moves the test clock to exactly `t`.
pub fn set_clock(app: &TestApp, t: DateTime<Utc>) {
    use domain::ports::Clock;
    let now = app.clock.now();
    assert!(t >= now, "the clock only moves forward");
    app.clock.advance(t - now);
}

/// The vendor of `email` says what it offers and whether it is open to teaming: its
/// organization's id.
pub async fn offers(app: &TestApp, email: &str, kinds: &[&str], open: bool) -> i64 {
    let t = app.token(email).await;
    let me = app.get("/api/v1/me", Some(&t)).await.body;
    let org = me["organization"]["id"].as_i64().unwrap();
    let a = app
        .call(
            "PATCH",
            &format!("/api/v1/organizations/{org}"),
            Some(&t),
            Some(json!({"offer_kinds": kinds, "open_to_teaming": open})),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    org
}

/// An agreed consortium on `sid`: `lead` forms it, invites `members` and `declined`; the
/// members accept, `declined` declines; the lead writes the agreement with `shares` (the
/// lead's first, then each member's, in order) and every member confirms it. Its id.
pub async fn agreed_consortium(
    app: &TestApp,
    sid: i64,
    lead: (&str, i64),
    members: &[(String, i64)],
    declined: Option<(&str, i64)>,
    shares: &[i64],
) -> i64 {
    let c = app
        .post(
            &format!("/api/v1/scenarios/{sid}/consortia"),
            Some(lead.0),
            json!({"name": "巡检联合体"}),
        )
        .await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    let kid = c.body["id"].as_i64().unwrap();
    let invitees: Vec<i64> = members
        .iter()
        .map(|(_, o)| *o)
        .chain(declined.map(|(_, o)| o))
        .collect();
    for v in invitees {
        let i = app
            .post(
                &format!("/api/v1/consortia/{kid}/invitations"),
                Some(lead.0),
                json!({"vendor_id": v, "message": "一起投标"}),
            )
            .await;
        assert_eq!(i.status, 201, "{:?}", i.body);
    }
    let answers = members
        .iter()
        .map(|(t, _)| (t.as_str(), "accept"))
        .chain(declined.map(|(t, _)| (t, "decline")));
    for (t, verb) in answers {
        let a = app
            .post(
                &format!("/api/v1/consortia/{kid}/{verb}"),
                Some(t),
                json!({}),
            )
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
    }
    let orgs = std::iter::once(lead.1).chain(members.iter().map(|(_, o)| *o));
    let shares: Vec<Value> = orgs
        .zip(shares)
        .map(|(o, p)| json!({"vendor_id": o, "share_pct": p}))
        .collect();
    let path = format!("/api/v1/consortia/{kid}/agreement");
    let w = app
        .call("PUT", &path, Some(lead.0), Some(json!({"shares": shares})))
        .await;
    assert_eq!(w.status, 200, "{:?}", w.body);
    let mut last = Value::Null;
    let confirmers = std::iter::once(lead.0).chain(members.iter().map(|(t, _)| t.as_str()));
    for t in confirmers {
        let ok = app
            .post(&format!("{path}/confirm"), Some(t), json!({}))
            .await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
        last = ok.body;
    }
    assert_eq!(last["status"], "agreed", "{last}");
    kid
}
