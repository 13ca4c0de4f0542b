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
