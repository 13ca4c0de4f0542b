//! Server-rendered pages over plain HTTP: CSRF protection, form errors next to fields,
//! the cookie session, and language choice.

use tests::{PASSWORD, TestApp, browser, csrf_of, on_both};

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post_form(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.unwrap()
}

async fn a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(app: &TestApp) {
    let c = browser();
    let (_, html) = page(&c, app, "/register").await;
    let good = csrf_of(&html);
    let fields = [
        ("role", "vendor"),
        ("org_name", "CSRF 企业"),
        ("display_name", "王"),
        ("email", "csrf@example.cn"),
        ("password", PASSWORD),
    ];
    for token in ["", "forged-token"] {
        let mut f = fields.to_vec();
        f.push(("csrf", token));
        let r = post_form(&c, app, "/register", &f).await;
        assert_eq!(r.status(), 403, "token {token:?}");
    }
    assert_eq!(
        app.login("csrf@example.cn", PASSWORD).await.status,
        401,
        "nothing was stored"
    );
    // A fresh browser's cookie with another browser's token is refused too.
    let other = browser();
    page(&other, app, "/register").await;
    let mut f = fields.to_vec();
    f.push(("csrf", &good));
    assert_eq!(post_form(&other, app, "/register", &f).await.status(), 403);
    // With its own token it works and signs the browser in.
    let r = post_form(
        &c,
        app,
        "/register",
        &[fields.as_slice(), &[("csrf", good.as_str())]].concat(),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account?notice=registered");
    let (status, account) = page(&c, app, "/account").await;
    assert_eq!(status, 200);
    assert!(account.contains("CSRF 企业"));
}

async fn form_errors_are_shown_next_to_their_fields_and_input_is_kept(app: &TestApp) {
    let c = browser();
    let (_, html) = page(&c, app, "/register").await;
    let csrf = csrf_of(&html);
    let r = post_form(
        &c,
        app,
        "/register",
        &[
            ("csrf", &csrf),
            ("role", "agency"),
            ("org_name", "青山区某局"),
            ("display_name", ""),
            ("email", "bad"),
            ("password", "x"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for field in ["email", "password", "display_name"] {
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "no error next to {field}"
        );
    }
    assert!(!html.contains("id=\"organization.name-error\""));
    assert!(html.contains("value=\"青山区某局\""), "input is kept");
    assert!(html.contains("value=\"agency\" checked"));
}

async fn the_account_page_needs_a_session_and_sign_out_ends_it(app: &TestApp) {
    app.register("p@example.cn", "agency", "页面机构").await;
    let c = browser();
    let r = c.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Faccount");
    let (_, html) = page(&c, app, "/login?next=/account").await;
    let csrf = csrf_of(&html);
    let r = post_form(
        &c,
        app,
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "p@example.cn"),
            ("password", "wrong-password-9"),
            ("next", "/account"),
        ],
    )
    .await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("class=\"alert\""));
    let r = post_form(
        &c,
        app,
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "p@example.cn"),
            ("password", PASSWORD),
            ("next", "/account"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account");
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("sm_access=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Lax")),
        "{cookies:?}"
    );
    let (status, html) = page(&c, app, "/account").await;
    assert_eq!(status, 200);
    assert!(html.contains("页面机构"));
    // Cookie-authenticated API writes need the CSRF header.
    let me = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let r = c.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = post_form(&c, app, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        c.get(app.url("/account")).send().await.unwrap().status(),
        303
    );
}

async fn an_expired_page_session_is_renewed_from_the_refresh_cookie(app: &TestApp) {
    app.register("long@example.cn", "vendor", "长会话").await;
    let c = browser();
    let (_, html) = page(&c, app, "/login").await;
    let csrf = csrf_of(&html);
    post_form(
        &c,
        app,
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "long@example.cn"),
            ("password", PASSWORD),
        ],
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(20));
    let (status, html) = page(&c, app, "/account").await;
    assert_eq!(status, 200, "renewed silently");
    assert!(html.contains("长会话"));
    assert_eq!(
        page(&c, app, "/account").await.0,
        200,
        "and the renewed cookies work"
    );
}

async fn pages_speak_chinese_by_default_and_english_on_request(app: &TestApp) {
    let c = browser();
    let (_, zh) = page(&c, app, "/login").await;
    assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains("登录"));
    let en = c
        .get(app.url("/login"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Sign in"));
    let r = c.get(app.url("/lang/en?next=/login")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    let (_, after) = page(&c, app, "/login").await;
    assert!(
        after.contains("<html lang=\"en\">"),
        "the cookie wins over Accept-Language"
    );
    let r = c
        .get(app.url("/lang/zh-CN?next=https://evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/", "only local redirects");
    let (status, _) = page(&c, app, "/no-such-page").await;
    assert_eq!(status, 404);
}

async fn admins_verify_organizations_and_create_evaluators_from_their_pages(app: &TestApp) {
    app.admin_token().await;
    let reg = app
        .register("wait@example.cn", "vendor", "待认证企业")
        .await;
    let org = reg["organization"]["id"].as_i64().unwrap();
    let c = browser();
    let (_, html) = page(&c, app, "/login").await;
    let csrf = csrf_of(&html);
    post_form(
        &c,
        app,
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "root@test.cn"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let (status, list) = page(&c, app, "/admin/organizations").await;
    assert_eq!(status, 200);
    assert!(list.contains("待认证企业"));
    let r = post_form(
        &c,
        app,
        &format!("/admin/organizations/{org}/verify"),
        &[
            ("csrf", &csrf),
            ("verified", "true"),
            ("opc_member", "true"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("notice=verified"),
        "{:?}",
        r.headers()["location"]
    );
    assert_eq!(
        app.get(&format!("/api/v1/organizations/{org}"), None)
            .await
            .body["opc_member"],
        true
    );
    let r = post_form(
        &c,
        app,
        "/admin/evaluators",
        &[
            ("csrf", &csrf),
            ("display_name", "新专家"),
            ("email", "new.expert@example.cn"),
            ("password", PASSWORD),
            ("expertise", "city_governance"),
            ("expertise", "new_materials"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&c, app, "/admin/evaluators").await;
    assert!(html.contains("新专家"));
    // A vendor may not open the admin pages.
    let v = browser();
    let (_, html) = page(&v, app, "/login").await;
    let csrf = csrf_of(&html);
    post_form(
        &v,
        app,
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "wait@example.cn"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(page(&v, app, "/admin/organizations").await.0, 403);
}

async fn a_signed_in_person_changes_their_password_from_the_account_page(app: &TestApp) {
    app.register("pw@example.cn", "vendor", "改密企业").await;
    let other_device = app.login("pw@example.cn", PASSWORD).await.body;
    let c = browser();
    let (_, html) = page(&c, app, "/login").await;
    let csrf = csrf_of(&html);
    post_form(
        &c,
        app,
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "pw@example.cn"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let wrong = post_form(
        &c,
        app,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", "not-my-password-1"),
            ("new_password", "fresh-password-22"),
            ("new_password_confirm", "fresh-password-22"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("id=\"current_password-error\"")
    );
    let mismatch = post_form(
        &c,
        app,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", PASSWORD),
            ("new_password", "fresh-password-22"),
            ("new_password_confirm", "fresh-password-23"),
        ],
    )
    .await;
    assert_eq!(mismatch.status(), 422);
    let ok = post_form(
        &c,
        app,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", PASSWORD),
            ("new_password", "fresh-password-22"),
            ("new_password_confirm", "fresh-password-22"),
        ],
    )
    .await;
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/account?notice=password_changed");
    assert_eq!(
        page(&c, app, "/account").await.0,
        200,
        "this browser stays signed in"
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            None,
            serde_json::json!({"refresh_token": other_device["refresh_token"]})
        )
        .await
        .status,
        401,
        "other sessions end"
    );
    assert_eq!(
        app.login("pw@example.cn", "fresh-password-22").await.status,
        200
    );
}

async fn a_vendor_ticks_what_it_delivers_on_the_account_page(app: &TestApp) {
    let reg = app.register("ticks@example.cn", "vendor", "勾选企业").await;
    let id = reg["organization"]["id"].as_i64().unwrap();
    let (c, csrf) = tests::signed_in(app, "ticks@example.cn").await;
    let (status, html) = page(&c, app, "/account").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"offer_kinds\" value=\"ai_software\""));
    assert!(html.contains("供给类型") && html.contains("愿意组成联合体投标"));
    let r = post_form(
        &c,
        app,
        "/account/organization",
        &[
            ("csrf", csrf.as_str()),
            ("description", "视觉识别"),
            ("capabilities", "计算机视觉"),
            ("offer_kinds", "ai_software"),
            ("offer_kinds", "integration"),
            ("open_to_teaming", "true"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let me = app.token("ticks@example.cn").await;
    let org = app
        .get(&format!("/api/v1/organizations/{id}"), Some(&me))
        .await;
    assert_eq!(
        org.body["offer_kinds"],
        serde_json::json!(["ai_software", "integration"])
    );
    assert_eq!(org.body["open_to_teaming"], true);
    let (_, html) = page(&c, app, "/account").await;
    assert!(html.contains("value=\"ai_software\" checked"));
    assert!(
        html.contains("value=\"hardware\">"),
        "an unticked box stays unticked"
    );
    let (_, html) = page(&c, app, &format!("/organizations/{id}")).await;
    assert!(
        html.contains("AI 软件与模型、系统集成"),
        "the profile says what it delivers"
    );
    // A forged code is refused beside the group, and nothing is changed.
    let r = post_form(
        &c,
        app,
        "/account/organization",
        &[
            ("csrf", csrf.as_str()),
            ("description", "别的"),
            ("offer_kinds", "magic"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("未知的供给类型"));
    let org = app
        .get(&format!("/api/v1/organizations/{id}"), Some(&me))
        .await;
    assert_eq!(org.body["description"], "视觉识别");
}

async fn the_register_form_takes_what_a_vendor_delivers(app: &TestApp) {
    let c = browser();
    let (_, html) = page(&c, app, "/register").await;
    assert!(html.contains("供给类型（企业填写）"));
    let csrf = csrf_of(&html);
    let base = [
        ("csrf", csrf.as_str()),
        ("org_name", "注册勾选"),
        ("display_name", "王"),
        ("password", PASSWORD),
        ("offer_kinds", "hardware"),
    ];
    // An agency that ticks a kind is told beside the group, with its boxes kept.
    let agency = [
        base.as_slice(),
        &[("role", "agency"), ("email", "reg-agency@example.cn")],
    ]
    .concat();
    let r = post_form(&c, app, "/register", &agency).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("只有企业填写供给类型"));
    assert!(html.contains("value=\"hardware\" checked"));
    let vendor = [
        base.as_slice(),
        &[("role", "vendor"), ("email", "reg-vendor@example.cn")],
    ]
    .concat();
    let r = post_form(&c, app, "/register", &vendor).await;
    assert_eq!(r.status(), 303);
    let me = app.token("reg-vendor@example.cn").await;
    let mine = app.get("/api/v1/me", Some(&me)).await;
    assert_eq!(
        mine.body["organization"]["offer_kinds"],
        serde_json::json!(["hardware"])
    );
}

on_both! {
    the_register_form_takes_what_a_vendor_delivers => super::the_register_form_takes_what_a_vendor_delivers;
    a_vendor_ticks_what_it_delivers_on_the_account_page => super::a_vendor_ticks_what_it_delivers_on_the_account_page;
    a_signed_in_person_changes_their_password_from_the_account_page => super::a_signed_in_person_changes_their_password_from_the_account_page;
    a_form_post_without_the_csrf_token_is_refused_and_changes_nothing => super::a_form_post_without_the_csrf_token_is_refused_and_changes_nothing;
    form_errors_are_shown_next_to_their_fields_and_input_is_kept => super::form_errors_are_shown_next_to_their_fields_and_input_is_kept;
    the_account_page_needs_a_session_and_sign_out_ends_it => super::the_account_page_needs_a_session_and_sign_out_ends_it;
    an_expired_page_session_is_renewed_from_the_refresh_cookie => super::an_expired_page_session_is_renewed_from_the_refresh_cookie;
    pages_speak_chinese_by_default_and_english_on_request => super::pages_speak_chinese_by_default_and_english_on_request;
    admins_verify_organizations_and_create_evaluators_from_their_pages => super::admins_verify_organizations_and_create_evaluators_from_their_pages;
}
