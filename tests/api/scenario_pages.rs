//! Scenario pages over plain HTTP, as a browser without JavaScript uses them.

use tests::{TestApp, browser, on_both, signed_in};

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

fn form<'a>(csrf: &'a str, op: &'a str, rows: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("csrf", csrf),
        ("op", op),
        ("title", "河道漂浮物识别"),
        ("summary", "Floating debris detection on rivers"),
        ("description", "第一段。\n\n第二段。"),
        ("domain", "city_governance"),
        ("procurement_type", "services"),
        ("tags", "河道，视觉"),
        ("budget_min", "200,000"),
        ("budget_max", "500000.50"),
        ("bid_deadline", "2099-12-31T17:00"),
        ("price_weight", "30"),
    ];
    for (name, weight) in rows {
        f.push(("criterion_name", name));
        f.push(("criterion_weight", weight));
        f.push(("criterion_description", ""));
    }
    f
}

async fn an_agency_builds_a_scenario_without_javascript(app: &TestApp) {
    let (_, _) = tests::fixtures::verified_agency(app, "page-agency@example.cn", "河湖长办").await;
    let (c, csrf) = signed_in(app, "page-agency@example.cn").await;
    let (status, html) = get(&c, app, "/scenarios/new").await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("name=\"criterion_name\"").count(),
        2,
        "two rows to start"
    );
    // Add a row by submitting; what was typed is kept.
    let (status, _, html) = post(
        &c,
        app,
        "/scenarios/new",
        &form(&csrf, "add", &[("技术方案", "40"), ("实施能力", "30")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("name=\"criterion_name\"").count(), 3);
    assert!(html.contains("value=\"河道漂浮物识别\"") && html.contains("value=\"实施能力\""));
    // Remove the first row.
    let (_, _, html) = post(
        &c,
        app,
        "/scenarios/new",
        &form(
            &csrf,
            "remove:0",
            &[("技术方案", "40"), ("实施能力", "30"), ("", "")],
        ),
    )
    .await;
    assert_eq!(html.matches("name=\"criterion_name\"").count(), 2);
    assert!(!html.contains("value=\"技术方案\""));
    // Saving with weights off by 40 and a bad amount: errors next to their fields.
    let mut bad = form(&csrf, "save", &[("实施能力", "30"), ("", "")]);
    bad.retain(|(k, _)| *k != "budget_max");
    bad.push(("budget_max", "lots"));
    let (status, _, html) = post(&c, app, "/scenarios/new", &bad).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("id=\"criteria-error\"") && html.contains("60"),
        "the weight total is named"
    );
    assert!(html.contains("id=\"budget_max_fen-error\""));
    // A blank row is ignored; a good save goes to the new scenario.
    let (status, location, _) = post(
        &c,
        app,
        "/scenarios/new",
        &form(
            &csrf,
            "save",
            &[("技术方案", "40"), ("", ""), ("实施能力", "30")],
        ),
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert!(location.ends_with("?notice=scenario_saved"));
    let path = location.split('?').next().unwrap().to_string();
    let (_, html) = get(&c, app, &path).await;
    assert!(
        html.contains("<p>第一段。</p>") && html.contains("<p>第二段。</p>"),
        "paragraphs"
    );
    assert!(html.contains("20万元 – 500,000.50元"), "budget in yuan");
    assert!(
        html.contains("2099-12-31 17:00"),
        "deadline in Beijing time"
    );
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let api = app
        .get(
            &format!("/api/v1/scenarios/{id}"),
            Some(&app.token("page-agency@example.cn").await),
        )
        .await;
    assert_eq!(api.body["budget_max_fen"], 50_000_050);
    assert_eq!(api.body["bid_deadline"], "2099-12-31T09:00:00Z");
    assert_eq!(api.body["criteria"].as_array().unwrap().len(), 2);
    // Edit, publish with confirmation, then extend and see it in the dashboard.
    let (status, _, _) = post(
        &c,
        app,
        &format!("{path}/edit"),
        &form(&csrf, "save", &[("技术方案", "50"), ("实施能力", "20")]),
    )
    .await;
    assert_eq!(status, 303);
    let (status, html) = get(&c, app, &format!("{path}/publish")).await;
    assert_eq!(status, 200);
    assert!(html.contains("action=\"/scenarios/"));
    let (status, location, _) = post(&c, app, &format!("{path}/publish"), &[("csrf", &csrf)]).await;
    assert_eq!(
        (status, location.ends_with("notice=published")),
        (303, true)
    );
    let (status, _, html) = post(
        &c,
        app,
        &format!("{path}/extend"),
        &[("csrf", &csrf), ("bid_deadline", "2099-01-01T10:00")],
    )
    .await;
    assert_eq!(status, 422, "an earlier deadline is refused");
    assert!(html.contains("class=\"alert\""));
    let (status, _, _) = post(
        &c,
        app,
        &format!("{path}/extend"),
        &[("csrf", &csrf), ("bid_deadline", "2100-01-15T17:00")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, mine) = get(&c, app, "/my/scenarios").await;
    assert!(mine.contains("河道漂浮物识别"));
    let (_, html) = get(&c, app, &path).await;
    assert!(html.contains("2100-01-15 17:00"));
    // Cancel needs a reason.
    let (status, _, html) = post(
        &c,
        app,
        &format!("{path}/cancel"),
        &[("csrf", &csrf), ("reason", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"reason-error\""));
}

async fn vendors_ask_and_the_agency_answers_from_the_scenario_page(app: &TestApp) {
    let (agency, _) = tests::fixtures::verified_agency(app, "qa-agency@example.cn", "司法局").await;
    let a = app
        .post(
            "/api/v1/scenarios",
            Some(&agency),
            tests::fixtures::posting(app, 30),
        )
        .await;
    let id = a.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/scenarios/{id}/publish"),
        Some(&agency),
        serde_json::json!({}),
    )
    .await;
    app.register("qa-vendor@example.cn", "vendor", "问答企业")
        .await;
    let path = format!("/scenarios/{id}");
    // Signed out: a prompt to sign in, no form.
    let (_, html) = get(&browser(), app, &path).await;
    assert!(!html.contains("id=\"question\"") && html.contains("/login?next="));
    let (v, vcsrf) = signed_in(app, "qa-vendor@example.cn").await;
    let (status, _, html) = post(
        &v,
        app,
        &format!("{path}/questions"),
        &[("csrf", &vcsrf), ("body", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"body-error\""));
    let (status, location, _) = post(
        &v,
        app,
        &format!("{path}/questions"),
        &[("csrf", &vcsrf), ("body", "需要对接哪些系统？")],
    )
    .await;
    assert_eq!(
        (status, location.contains("notice=question_sent")),
        (303, true)
    );
    let (_, html) = get(&browser(), app, &path).await;
    assert!(
        !html.contains("需要对接哪些系统？"),
        "unanswered questions are not public"
    );
    let (o, ocsrf) = signed_in(app, "qa-agency@example.cn").await;
    let (_, html) = get(&o, app, &path).await;
    let qid = html
        .split("/questions/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let (status, _, _) = post(
        &o,
        app,
        &format!("/questions/{qid}/answer"),
        &[("csrf", &ocsrf), ("body", "对接区城运中心平台。")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = get(&browser(), app, &path).await;
    assert!(html.contains("需要对接哪些系统？") && html.contains("对接区城运中心平台。"));
    assert!(
        !html.contains("问答企业") && !html.contains("qa-vendor@example.cn"),
        "the asker is never shown"
    );
}

async fn the_public_list_filters_and_hides_drafts(app: &TestApp) {
    let (agency, _) =
        tests::fixtures::verified_agency(app, "list-agency@example.cn", "数据局").await;
    let mut body = tests::fixtures::posting(app, 30);
    body["title"] = serde_json::json!("公开的场景");
    let id = app
        .post("/api/v1/scenarios", Some(&agency), body.clone())
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/scenarios/{id}/publish"),
        Some(&agency),
        serde_json::json!({}),
    )
    .await;
    body["title"] = serde_json::json!("草稿中的场景");
    let draft = app
        .post("/api/v1/scenarios", Some(&agency), body)
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let c = browser();
    let (_, html) = get(&c, app, "/scenarios").await;
    assert!(html.contains("公开的场景") && !html.contains("草稿中的场景"));
    let (_, html) = get(&c, app, "/scenarios?domain=ai_industry").await;
    assert!(!html.contains("公开的场景"));
    assert_eq!(get(&c, app, &format!("/scenarios/{draft}")).await.0, 404);
    let (_, html) = get(&c, app, "/scenarios?status=nonsense&domain=mars").await;
    assert!(html.contains("公开的场景"), "bad filters fall back to all");
    // Vendors cannot reach the agency pages.
    app.register("v@example.cn", "vendor", "V").await;
    let (v, _) = signed_in(app, "v@example.cn").await;
    assert_eq!(get(&v, app, "/scenarios/new").await.0, 403);
    assert_eq!(
        get(&v, app, &format!("/scenarios/{id}/publish")).await.0,
        403
    );
    assert_eq!(get(&v, app, "/my/scenarios").await.0, 403);
}

on_both! {
    an_agency_builds_a_scenario_without_javascript => super::an_agency_builds_a_scenario_without_javascript;
    vendors_ask_and_the_agency_answers_from_the_scenario_page => super::vendors_ask_and_the_agency_answers_from_the_scenario_page;
    the_public_list_filters_and_hides_drafts => super::the_public_list_filters_and_hides_drafts;
}
