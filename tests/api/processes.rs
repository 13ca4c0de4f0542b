//! Several app processes on one PostgreSQL: what one writes reaches the live streams another
//! holds at once, through PostgreSQL's LISTEN/NOTIFY rather than the streams' own polling
//! (set to 60 s here, so that only the signal can be in time). Two app servers of their own,
//! in this test process, share nothing but the database.

use std::time::{Duration, Instant};

use tests::fixtures::verify;
use tests::{Db, signed_in, spawn_app_on_postgres, try_spawn_app_with};

/// The next chunk of an event stream, within `secs` seconds (`None`: it ended).
async fn next_chunk(r: &mut reqwest::Response, secs: u64) -> Option<String> {
    tokio::time::timeout(Duration::from_secs(secs), r.chunk())
        .await
        .expect("the stream said nothing in time")
        .unwrap()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_notification_or_a_sign_out_in_one_process_reaches_a_stream_held_by_another() {
    let slow = [("APP__SERVER__LIVE_POLL_SECONDS", "60".to_string())];
    let Some(one) = try_spawn_app_with(Db::Postgres, &slow).await else {
        return;
    };
    let two = spawn_app_on_postgres(&one.settings.database_url(), &slow).await;
    let admin = one.admin_token().await;
    let org = one.register("live@example.cn", "vendor", "实时公司").await["organization"]["id"]
        .as_i64()
        .unwrap();
    let (browser, csrf) = signed_in(&two, "live@example.cn").await;
    let mut stream = browser
        .get(two.url("/notifications/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(
        next_chunk(&mut stream, 10).await.as_deref(),
        Some("event: unread\ndata: 0\n\n")
    );
    // Process one delivers a notification; the stream on process two tells it within 1 s of
    // the delivery's start.
    verify(&one, &admin, org, true).await;
    let written = Instant::now();
    one.drain_jobs().await;
    assert_eq!(
        next_chunk(&mut stream, 5).await.as_deref(),
        Some("event: unread\ndata: 1\n\n")
    );
    let delay = written.elapsed();
    println!("a notification crossed processes in {delay:?}");
    assert!(delay < Duration::from_secs(1), "{delay:?}");
    // Signing out through process one ends the stream on process two within 1 s.
    let out = browser
        .post(one.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let signed_out = Instant::now();
    assert_eq!(next_chunk(&mut stream, 5).await, None, "the stream ends");
    let delay = signed_out.elapsed();
    println!("a sign-out crossed processes in {delay:?}");
    assert!(delay < Duration::from_secs(1), "{delay:?}");
}

/// Each process keeps the session checks of its requests. Ending a session, or deactivating
/// the user, through another process ends what this one kept: within 1 s there, and at once
/// in the process that made the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_ended_or_a_user_deactivated_in_one_process_is_not_kept_by_another() {
    let Some(one) = try_spawn_app_with(Db::Postgres, &[]).await else {
        return;
    };
    let two = spawn_app_on_postgres(&one.settings.database_url(), &[]).await;
    let admin = one.admin_token().await;
    one.register("kept@example.cn", "vendor", "缓存公司").await;
    let first = one.token("kept@example.cn").await;
    let second = one.token("kept@example.cn").await;
    // A route that asks nothing of the database about the user beyond the session check.
    let me = |app: &tests::TestApp, token: &str| {
        let (url, token) = (app.url("/api/v1/notifications"), token.to_string());
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, body)
        }
    };
    // Both processes check both sessions, again and again (and keep the checks).
    for _ in 0..3 {
        for t in [&first, &second] {
            assert_eq!(me(&one, t).await.0, 200);
            assert_eq!(me(&two, t).await.0, 200);
        }
    }
    // Signing out of the first session through process two: at once there, within 1 s on
    // process one; the second session goes on.
    let out = reqwest::Client::new()
        .post(two.url("/api/v1/auth/logout"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success(), "{}", out.status());
    assert_eq!(
        me(&two, &first).await.0,
        401,
        "the process that signed out keeps nothing"
    );
    let ended = Instant::now();
    while me(&one, &first).await.0 != 401 {
        assert!(ended.elapsed() < Duration::from_secs(1), "still answered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!("a sign-out crossed processes in {:?}", ended.elapsed());
    assert_eq!(me(&one, &second).await.0, 200);
    assert_eq!(me(&two, &second).await.0, 200);
    // The administrator deactivates the user through process one.
    let id = two.get("/api/v1/me", Some(&second)).await.body["user"]["id"]
        .as_i64()
        .expect("the user's id");
    let off = reqwest::Client::new()
        .patch(one.url(&format!("/api/v1/admin/users/{id}")))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 200);
    assert_eq!(me(&one, &second).await.0, 401);
    let deactivated = Instant::now();
    while me(&two, &second).await.0 != 401 {
        assert!(
            deactivated.elapsed() < Duration::from_secs(1),
            "still answered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "a deactivation crossed processes in {:?}",
        deactivated.elapsed()
    );
}
