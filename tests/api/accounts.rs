//! The "Accounts" contract.

use chrono::Duration;
use serde_json::json;
use tests::{PASSWORD, TEST_JWT_SECRET, TestApp, on_both};

async fn registration_creates_an_unverified_organization_and_signs_in(app: &TestApp) {
    let body = app
        .register("Founder@Example.cn", "vendor", "青云智粒科技")
        .await;
    assert_eq!(body["user"]["role"], "vendor");
    assert_eq!(body["organization"]["verified"], false);
    assert_eq!(body["organization"]["kind"], "vendor");
    // E-mail is unique ignoring case, and sign-in ignores case too.
    let t = app.login("founder@example.cn", PASSWORD).await;
    assert_eq!(t.status, 200);
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(t.body["expires_in"], 900);
    let me = app.get("/api/v1/me", t.body["access_token"].as_str()).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["organization"]["name"], "青云智粒科技");
}

async fn a_duplicate_email_is_a_409(app: &TestApp) {
    app.register("dup@example.cn", "agency", "A 局").await;
    let a = app
        .post("/api/v1/auth/register", None, json!({"email": "DUP@example.cn", "password": PASSWORD, "display_name": "x", "role": "vendor", "organization": {"name": "B"}}))
        .await;
    assert_eq!(a.status, 409);
    assert_eq!(a.headers["content-type"], "application/problem+json");
    assert_eq!(a.body["code"], "duplicate_email");
}

async fn every_bad_register_field_is_named_in_one_422(app: &TestApp) {
    let a = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "not-an-email", "password": "short", "display_name": "", "role": "evaluator", "organization": {"name": " ", "credit_code": "91350100M000100Y44"}}),
        )
        .await;
    assert_eq!(a.status, 422);
    assert_eq!(a.headers["content-type"], "application/problem+json");
    let fields: Vec<&str> = a.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "email",
            "password",
            "display_name",
            "role",
            "organization.name",
            "organization.credit_code"
        ]
    );
    // Each field alone is refused on its own.
    for (field, patch) in [
        ("email", json!({"email": "x@"})),
        ("password", json!({"password": "onlyletters"})),
        ("display_name", json!({"display_name": "x".repeat(51)})),
        ("role", json!({"role": "admin"})),
        ("organization.name", json!({"organization": {"name": ""}})),
        (
            "organization.credit_code",
            json!({"organization": {"name": "ok", "credit_code": "123"}}),
        ),
    ] {
        let mut body = json!({"email": "ok@example.cn", "password": PASSWORD, "display_name": "王", "role": "vendor", "organization": {"name": "ok"}});
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let a = app.post("/api/v1/auth/register", None, body).await;
        assert_eq!(a.status, 422, "{field}");
        assert_eq!(a.body["errors"][0]["field"], field);
        assert_eq!(
            a.body["errors"].as_array().unwrap().len(),
            1,
            "{field}: {:?}",
            a.body
        );
    }
    // Malformed JSON is a 422 problem as well, and nothing was stored.
    let bad = app
        .call(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(json!({"email": 5})),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(app.login("ok@example.cn", PASSWORD).await.status, 401);
}

async fn wrong_password_and_unknown_email_answer_alike(app: &TestApp) {
    app.register("known@example.cn", "vendor", "V").await;
    let wrong = app.login("known@example.cn", "wrong-password-1").await;
    let unknown = app.login("nobody@example.cn", "wrong-password-1").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
}

async fn expired_tampered_and_foreign_tokens_are_refused(app: &TestApp) {
    app.register("t@example.cn", "vendor", "V").await;
    let token = app.token("t@example.cn").await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
    // Tampered: flip a character of the signature.
    let mut bad = token.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(app.get("/api/v1/me", Some(&bad)).await.status, 401);
    // Wrong audience and wrong issuer, signed with the right key.
    let claims = |aud: &str, iss: &str, exp_offset: i64| {
        let now = app.parts.services.now().timestamp();
        let sub = token_claim(&token, "sub");
        json!({"iss": iss, "aud": aud, "sub": sub, "role": "vendor", "sid": 1, "iat": now, "exp": now + exp_offset})
    };
    for c in [
        claims("another-api", "scenario-market", 600),
        claims("scenario-market-api", "someone-else", 600),
        claims("scenario-market-api", "scenario-market", -1),
    ] {
        let forged = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &c,
            &jsonwebtoken::EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
        )
        .unwrap();
        let a = app.get("/api/v1/me", Some(&forged)).await;
        assert_eq!(a.status, 401, "{c}");
    }
    // Expired: the clock passes the 15 minutes.
    app.clock.advance(Duration::minutes(15));
    let a = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.headers["content-type"], "application/problem+json");
    // No token at all.
    assert_eq!(app.get("/api/v1/me", None).await.status, 401);
}

fn token_claim(token: &str, key: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v[key].clone()
}

async fn refresh_rotates_and_reuse_revokes_the_family(app: &TestApp) {
    app.register("r@example.cn", "agency", "A").await;
    let first = app.login("r@example.cn", PASSWORD).await.body;
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let second = app
        .post("/api/v1/auth/refresh", None, json!({"refresh_token": r1}))
        .await;
    assert_eq!(second.status, 200);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    assert_eq!(
        app.get("/api/v1/me", second.body["access_token"].as_str())
            .await
            .status,
        200
    );
    // The rotated token is presented again: refused, and the whole family dies with it.
    assert_eq!(
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": r1}))
            .await
            .status,
        401
    );
    assert_eq!(
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": r2}))
            .await
            .status,
        401
    );
    // Another sign-in is another family, unaffected.
    let other = app.login("r@example.cn", PASSWORD).await.body;
    let a = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": other["refresh_token"]}),
        )
        .await;
    assert_eq!(a.status, 200);
    // Logout ends that session's refresh tokens.
    let access = a.body["access_token"].as_str().unwrap();
    assert_eq!(
        app.post("/api/v1/auth/logout", Some(access), json!({}))
            .await
            .status,
        204
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": a.body["refresh_token"]})
        )
        .await
        .status,
        401
    );
    // Garbage is refused.
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": "nope"})
        )
        .await
        .status,
        401
    );
}

async fn five_failures_throttle_the_account_with_retry_after(app: &TestApp) {
    app.register("victim@example.cn", "vendor", "V").await;
    for _ in 0..5 {
        assert_eq!(
            app.login("victim@example.cn", "wrong-password-1")
                .await
                .status,
            401
        );
    }
    let a = app.login("victim@example.cn", PASSWORD).await;
    assert_eq!(a.status, 429, "even the right password waits");
    let retry: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // After the window the right password works again.
    app.clock.advance(Duration::minutes(15));
    assert_eq!(app.login("victim@example.cn", PASSWORD).await.status, 200);
}

async fn one_accounts_failures_do_not_lock_out_colleagues_behind_the_same_address(app: &TestApp) {
    // Every request of a test comes from 127.0.0.1, like a whole office behind one NAT address.
    app.register("typo@example.cn", "vendor", "V").await;
    let admin = app.admin_token().await;
    assert!(!admin.is_empty());
    for _ in 0..7 {
        app.login("typo@example.cn", "wrong-password-1").await;
    }
    assert_eq!(app.login("typo@example.cn", PASSWORD).await.status, 429);
    assert_eq!(
        app.login("root@test.cn", PASSWORD).await.status,
        200,
        "the administrator at the next desk signs in"
    );
}

async fn an_address_guessing_at_many_accounts_is_throttled_at_its_own_higher_limit(app: &TestApp) {
    app.register("other@example.cn", "vendor", "V").await;
    for i in 0..100 {
        app.login(&format!("guess{}@example.cn", i % 25), "wrong-password-1")
            .await;
    }
    assert_eq!(app.login("other@example.cn", PASSWORD).await.status, 429);
    app.clock.advance(Duration::minutes(15));
    assert_eq!(app.login("other@example.cn", PASSWORD).await.status, 200);
}

async fn parallel_guesses_cannot_all_pass_the_throttle(app: &TestApp) {
    app.register("target@example.cn", "vendor", "V").await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (client, url) = (app.api.clone(), app.url("/api/v1/auth/login"));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({"email": "target@example.cn", "password": "wrong-password-1"}))
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
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, refused),
        (5, 35),
        "exactly five guesses get a password check: {statuses:?}"
    );
}

async fn a_password_reset_mail_speaks_the_users_language_and_its_link_works_once(app: &TestApp) {
    let a = app
        .post("/api/v1/auth/register", None, json!({"email": "en@example.cn", "password": PASSWORD, "display_name": "Amy", "role": "vendor", "organization": {"name": "V"}, "locale": "en"}))
        .await;
    assert_eq!(a.status, 201);
    app.register("zh@example.cn", "vendor", "W").await;
    let old_session = app.login("en@example.cn", PASSWORD).await.body;
    // Known and unknown e-mails get the same answer.
    let known = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "en@example.cn"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "ghost@example.cn"}),
        )
        .await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(known.status, 202);
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": "zh@example.cn"}),
    )
    .await;
    assert!(app.emails().is_empty(), "mail goes through the job queue");
    assert_eq!(app.drain_jobs().await, 2);
    let mails = app.emails();
    assert_eq!(mails.len(), 2, "no mail for the unknown address");
    let en = mails.iter().find(|m| m.to == "en@example.cn").unwrap();
    let zh = mails.iter().find(|m| m.to == "zh@example.cn").unwrap();
    assert!(en.subject.contains("Reset your password"), "{}", en.subject);
    assert!(en.body.contains("60 minutes"));
    assert!(zh.subject.contains("重置"), "{}", zh.subject);
    assert!(zh.body.contains("60 分钟"));
    let token = en
        .body
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let new_password = "brand-new-pass-7";
    let done = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": new_password}),
        )
        .await;
    assert_eq!(done.status, 204, "{:?}", done.body);
    assert_eq!(app.login("en@example.cn", PASSWORD).await.status, 401);
    assert_eq!(app.login("en@example.cn", new_password).await.status, 200);
    // Every earlier session of the user is revoked.
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": old_session["refresh_token"]})
        )
        .await
        .status,
        401
    );
    // The link works once.
    let again = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "another-pass-8"}),
        )
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(again.body["errors"][0]["field"], "token");
}

async fn a_reset_link_expires_after_an_hour(app: &TestApp) {
    app.register("late@example.cn", "vendor", "V").await;
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": "late@example.cn"}),
    )
    .await;
    app.drain_jobs().await;
    let mail = app.emails().pop().unwrap();
    let token = mail
        .body
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    app.clock.advance(Duration::minutes(61));
    let a = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "brand-new-pass-7"}),
        )
        .await;
    assert_eq!(a.status, 422);
    assert_eq!(app.login("late@example.cn", PASSWORD).await.status, 200);
}

async fn admins_create_evaluators_and_others_may_not(app: &TestApp) {
    let admin = app.admin_token().await;
    let body = json!({"email": "expert@example.cn", "password": PASSWORD, "display_name": "专家", "role": "evaluator", "expertise": ["city_governance", "ai_industry"]});
    let a = app
        .post("/api/v1/admin/users", Some(&admin), body.clone())
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(
        a.body["expertise"],
        json!(["city_governance", "ai_industry"])
    );
    assert_eq!(
        app.post("/api/v1/admin/users", Some(&admin), body.clone())
            .await
            .status,
        409
    );
    let bad = app.post("/api/v1/admin/users", Some(&admin), json!({"email": "e2@example.cn", "password": PASSWORD, "display_name": "x", "role": "evaluator", "expertise": ["mars"]})).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["field"], "expertise[0]");
    app.register("v@example.cn", "vendor", "V").await;
    let vendor = app.token("v@example.cn").await;
    assert_eq!(
        app.post("/api/v1/admin/users", Some(&vendor), body)
            .await
            .status,
        403
    );
    let expert = app.token("expert@example.cn").await;
    let me = app.get("/api/v1/me", Some(&expert)).await;
    assert_eq!(me.body["user"]["role"], "evaluator");
    assert!(me.body["organization"].is_null());
}

async fn verification_is_for_admins_and_mails_the_members(app: &TestApp) {
    let admin = app.admin_token().await;
    let reg = app.register("opc@example.cn", "vendor", "一人公司").await;
    let org_id = reg["organization"]["id"].as_i64().unwrap();
    let vendor = app.token("opc@example.cn").await;
    let path = format!("/api/v1/admin/organizations/{org_id}/verify");
    assert_eq!(
        app.post(
            &path,
            Some(&vendor),
            json!({"verified": true, "opc_member": true})
        )
        .await
        .status,
        403
    );
    let listed = app
        .get("/api/v1/admin/organizations?verified=false", Some(&admin))
        .await;
    assert_eq!(listed.status, 200);
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == org_id)
    );
    let a = app
        .post(
            &path,
            Some(&admin),
            json!({"verified": true, "opc_member": true}),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        (a.body["verified"].as_bool(), a.body["opc_member"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(
        app.post(
            "/api/v1/admin/organizations/1/verify",
            Some(&admin),
            json!({"verified": true})
        )
        .await
        .status,
        404
    );
    app.drain_jobs().await;
    let mail = app.emails().pop().expect("a verification mail");
    assert_eq!(mail.to, "opc@example.cn");
    assert!(mail.subject.contains("已通过认证"), "{}", mail.subject);
    // Now public, in the directory, filterable by OPC membership.
    let dir = app.get("/api/v1/vendors?opc_member=true", None).await;
    assert_eq!(dir.body["total"], 1);
    assert_eq!(dir.body["items"][0]["name"], "一人公司");
}

async fn an_unverified_organization_is_hidden_from_the_public(app: &TestApp) {
    let reg = app
        .register("hidden@example.cn", "vendor", "未认证企业")
        .await;
    let id = reg["organization"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/organizations/{id}");
    assert_eq!(app.get(&path, None).await.status, 404);
    app.register("nosy@example.cn", "vendor", "别家").await;
    let nosy = app.token("nosy@example.cn").await;
    assert_eq!(app.get(&path, Some(&nosy)).await.status, 404);
    let own = app.token("hidden@example.cn").await;
    assert_eq!(app.get(&path, Some(&own)).await.status, 200);
    assert_eq!(
        app.get("/api/v1/vendors", None).await.body["total"],
        0,
        "unverified vendors are not listed"
    );
}

async fn members_edit_their_organization_profile_and_others_may_not(app: &TestApp) {
    let reg = app.register("m@example.cn", "vendor", "能力企业").await;
    let id = reg["organization"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/organizations/{id}");
    let me = app.token("m@example.cn").await;
    let a = app.call("PATCH", &path, Some(&me), Some(json!({"description": "做无人机巡检", "capabilities": ["无人机", " 无人机 ", "CV"], "contact": {"phone": "027-1234 5678"}}))).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["capabilities"], json!(["无人机", "cv"]));
    let bad = app
        .call(
            "PATCH",
            &path,
            Some(&me),
            Some(json!({"contact": {"email": "nope", "phone": "call me"}})),
        )
        .await;
    assert_eq!(bad.status, 422);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["contact.phone", "contact.email"]);
    // Nothing half-written: the earlier values remain.
    let now = app.get(&path, Some(&me)).await;
    assert_eq!(now.body["description"], "做无人机巡检");
    app.register("o@example.cn", "vendor", "别家").await;
    let other = app.token("o@example.cn").await;
    assert_eq!(
        app.call(
            "PATCH",
            &path,
            Some(&other),
            Some(json!({"description": "hacked"}))
        )
        .await
        .status,
        403
    );
}

async fn a_vendor_states_what_it_delivers_and_whether_it_teams_up(app: &TestApp) {
    let reg = app.register("offer@example.cn", "vendor", "供给企业").await;
    let id = reg["organization"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/organizations/{id}");
    let me = app.token("offer@example.cn").await;
    let fresh = app.get(&path, Some(&me)).await;
    assert_eq!(fresh.body["offer_kinds"], json!([]), "empty until stated");
    assert_eq!(fresh.body["open_to_teaming"], false);
    let a = app
        .call(
            "PATCH",
            &path,
            Some(&me),
            Some(json!({"offer_kinds": ["hardware", "ai_software", "hardware"], "open_to_teaming": true})),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["offer_kinds"], json!(["ai_software", "hardware"]));
    assert_eq!(a.body["open_to_teaming"], true);
    let bad = app
        .call(
            "PATCH",
            &path,
            Some(&me),
            Some(json!({"offer_kinds": ["consulting", "magic"], "open_to_teaming": false})),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["field"], "offer_kinds[1]");
    // Nothing half-written, and a change that does not name them keeps them.
    app.call(
        "PATCH",
        &path,
        Some(&me),
        Some(json!({"description": "做视觉"})),
    )
    .await;
    let now = app.get(&path, Some(&me)).await;
    assert_eq!(now.body["offer_kinds"], json!(["ai_software", "hardware"]));
    assert_eq!(now.body["open_to_teaming"], true);
    // An agency states no offer, as at registration.
    let ag = app
        .register("offer-agency@example.cn", "agency", "机构")
        .await;
    let ag_path = format!(
        "/api/v1/organizations/{}",
        ag["organization"]["id"].as_i64().unwrap()
    );
    let ag_token = app.token("offer-agency@example.cn").await;
    for body in [
        json!({"offer_kinds": ["consulting"]}),
        json!({"open_to_teaming": true}),
    ] {
        let r = app
            .call("PATCH", &ag_path, Some(&ag_token), Some(body))
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(r.body["errors"][0]["field"], "offer_kinds");
    }
    let r = app
        .call(
            "PATCH",
            &ag_path,
            Some(&ag_token),
            Some(json!({"offer_kinds": [], "open_to_teaming": false, "description": "区数据局"})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn a_vendor_registers_with_what_it_delivers(app: &TestApp) {
    let a = app
        .post("/api/v1/auth/register", None, json!({"email": "kinds@example.cn", "password": PASSWORD, "display_name": "K", "role": "vendor", "organization": {"name": "K", "offer_kinds": ["data_service", "ai_software"]}}))
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert_eq!(
        a.body["organization"]["offer_kinds"],
        json!(["ai_software", "data_service"])
    );
    let agency = app
        .post("/api/v1/auth/register", None, json!({"email": "ag-kinds@example.cn", "password": PASSWORD, "display_name": "A", "role": "agency", "organization": {"name": "A", "offer_kinds": ["hardware"]}}))
        .await;
    assert_eq!(agency.status, 422);
    assert_eq!(
        agency.body["errors"][0]["field"],
        "organization.offer_kinds"
    );
    assert_eq!(
        app.login("ag-kinds@example.cn", PASSWORD).await.status,
        401,
        "nothing was written"
    );
}

async fn a_deactivated_user_is_signed_out_everywhere(app: &TestApp) {
    let admin = app.admin_token().await;
    let reg = app.register("gone@example.cn", "vendor", "V").await;
    let uid = reg["user"]["id"].as_i64().unwrap();
    let session = app.login("gone@example.cn", PASSWORD).await.body;
    let a = app
        .call(
            "PATCH",
            &format!("/api/v1/admin/users/{uid}"),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        app.get("/api/v1/me", session["access_token"].as_str())
            .await
            .status,
        401
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session["refresh_token"]})
        )
        .await
        .status,
        401
    );
    assert_eq!(app.login("gone@example.cn", PASSWORD).await.status, 401);
}

async fn admins_change_staff_roles_and_every_change_is_audited(app: &TestApp) {
    let admin = app.admin_token().await;
    let a = app.post("/api/v1/admin/users", Some(&admin), json!({"email": "ev@example.cn", "password": PASSWORD, "display_name": "专家", "role": "evaluator", "expertise": ["other"]})).await;
    let uid = a.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/users/{uid}");
    let promoted = app
        .call("PATCH", &path, Some(&admin), Some(json!({"role": "admin"})))
        .await;
    assert_eq!(
        (promoted.status, promoted.body["role"].as_str()),
        (200, Some("admin"))
    );
    // A vendor user cannot be made staff, and an empty change names the field.
    let reg = app.register("vv@example.cn", "vendor", "V").await;
    let vid = reg["user"]["id"].as_i64().unwrap();
    let bad = app
        .call(
            "PATCH",
            &format!("/api/v1/admin/users/{vid}"),
            Some(&admin),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["errors"][0]["field"].as_str()),
        (422, Some("role"))
    );
    assert_eq!(
        app.call("PATCH", &path, Some(&admin), Some(json!({})))
            .await
            .status,
        422
    );
    // Administrators cannot lock themselves out.
    let me = app.get("/api/v1/me", Some(&admin)).await.body["user"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.call(
            "PATCH",
            &format!("/api/v1/admin/users/{me}"),
            Some(&admin),
            Some(json!({"active": false}))
        )
        .await
        .status,
        409
    );
    let services = app.parts.services.clone();
    let actions: Vec<String> = tokio::task::spawn_blocking(move || {
        domain::ports::in_read(services.store_for_tests(), |tx| tx.audit_records(0, 100)).unwrap()
    })
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.action)
    .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "user.role_change").count(),
        1,
        "{actions:?}"
    );
}

on_both! {
    admins_change_staff_roles_and_every_change_is_audited => super::admins_change_staff_roles_and_every_change_is_audited;
    registration_creates_an_unverified_organization_and_signs_in => super::registration_creates_an_unverified_organization_and_signs_in;
    a_duplicate_email_is_a_409 => super::a_duplicate_email_is_a_409;
    every_bad_register_field_is_named_in_one_422 => super::every_bad_register_field_is_named_in_one_422;
    wrong_password_and_unknown_email_answer_alike => super::wrong_password_and_unknown_email_answer_alike;
    expired_tampered_and_foreign_tokens_are_refused => super::expired_tampered_and_foreign_tokens_are_refused;
    refresh_rotates_and_reuse_revokes_the_family => super::refresh_rotates_and_reuse_revokes_the_family;
    five_failures_throttle_the_account_with_retry_after => super::five_failures_throttle_the_account_with_retry_after;
    one_accounts_failures_do_not_lock_out_colleagues_behind_the_same_address => super::one_accounts_failures_do_not_lock_out_colleagues_behind_the_same_address;
    an_address_guessing_at_many_accounts_is_throttled_at_its_own_higher_limit => super::an_address_guessing_at_many_accounts_is_throttled_at_its_own_higher_limit;
    parallel_guesses_cannot_all_pass_the_throttle => super::parallel_guesses_cannot_all_pass_the_throttle;
    a_password_reset_mail_speaks_the_users_language_and_its_link_works_once => super::a_password_reset_mail_speaks_the_users_language_and_its_link_works_once;
    a_reset_link_expires_after_an_hour => super::a_reset_link_expires_after_an_hour;
    admins_create_evaluators_and_others_may_not => super::admins_create_evaluators_and_others_may_not;
    verification_is_for_admins_and_mails_the_members => super::verification_is_for_admins_and_mails_the_members;
    an_unverified_organization_is_hidden_from_the_public => super::an_unverified_organization_is_hidden_from_the_public;
    members_edit_their_organization_profile_and_others_may_not => super::members_edit_their_organization_profile_and_others_may_not;
    a_vendor_states_what_it_delivers_and_whether_it_teams_up => super::a_vendor_states_what_it_delivers_and_whether_it_teams_up;
    a_vendor_registers_with_what_it_delivers => super::a_vendor_registers_with_what_it_delivers;
    a_deactivated_user_is_signed_out_everywhere => super::a_deactivated_user_is_signed_out_everywhere;
}
