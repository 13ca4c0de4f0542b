//! The job queue, on both databases: scheduling, retries with backoff, leases that outlive a
//! crashed worker, and claims that never hand one job to two workers.

use std::collections::HashSet;

use chrono::Duration;
use domain::account::Locale;
use domain::email::{EmailMessage, OutgoingEmail};
use domain::job::{Job, NewJob};
use tests::{TestApp, on_both};

fn mail_to(to: &str) -> Job {
    Job::SendEmail(OutgoingEmail::new(
        to,
        Locale::En,
        EmailMessage::PasswordReset {
            display_name: "T".into(),
            link: "http://x/reset-password?token=t".into(),
            valid_minutes: 60,
        },
    ))
}

/// Writes a job the way a service does, in a transaction.
async fn enqueue(app: &TestApp, job: Job, delay: Duration, max_attempts: i32) -> i64 {
    let services = app.parts.services.clone();
    tokio::task::spawn_blocking(move || {
        let now = services.now();
        let id = services.next_id();
        domain::ports::in_tx(services.store_for_tests(), |tx| {
            tx.enqueue(
                id,
                &NewJob {
                    job,
                    run_at: now + delay,
                    max_attempts,
                    dedup_key: None,
                },
                now,
            )
        })
        .unwrap();
        id
    })
    .await
    .unwrap()
}

async fn job(app: &TestApp, id: i64) -> db::queue::JobRow {
    let db = app.parts.db.clone();
    tokio::task::spawn_blocking(move || {
        db.jobs(1000)
            .unwrap()
            .into_iter()
            .find(|j| j.id == id)
            .unwrap()
    })
    .await
    .unwrap()
}

async fn a_job_scheduled_for_later_runs_only_when_due(app: &TestApp) {
    let id = enqueue(app, mail_to("later@example.cn"), Duration::hours(1), 5).await;
    assert_eq!(app.drain_jobs().await, 0);
    app.clock.advance(Duration::minutes(59));
    assert_eq!(app.drain_jobs().await, 0);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.drain_jobs().await, 1);
    assert_eq!(job(app, id).await.status, "done");
    assert_eq!(app.emails().len(), 1);
}

async fn a_failing_job_is_retried_with_growing_backoff_then_parked(app: &TestApp) {
    app.fails_jobs
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let id = enqueue(app, mail_to("not an address"), Duration::zero(), 3).await;
    let start = app.parts.services.now();
    assert_eq!(app.drain_jobs().await, 1);
    let j = job(app, id).await;
    assert_eq!((j.status.as_str(), j.attempts), ("queued", 1));
    assert!(
        j.last_error.as_deref().unwrap().contains("recipient"),
        "{:?}",
        j.last_error
    );
    assert_eq!(j.run_at, start + Duration::seconds(2));
    assert_eq!(app.drain_jobs().await, 0, "not due again yet");
    app.clock.advance(Duration::seconds(2));
    assert_eq!(app.drain_jobs().await, 1);
    let j = job(app, id).await;
    assert_eq!(j.attempts, 2);
    assert_eq!(j.run_at, start + Duration::seconds(2 + 4));
    app.clock.advance(Duration::seconds(4));
    assert_eq!(app.drain_jobs().await, 1);
    let j = job(app, id).await;
    assert_eq!(
        (j.status.as_str(), j.attempts),
        ("failed", 3),
        "parked after its last attempt"
    );
    app.clock.advance(Duration::hours(2));
    assert_eq!(app.drain_jobs().await, 0);
}

async fn a_job_whose_worker_died_becomes_due_when_its_lease_expires(app: &TestApp) {
    let id = enqueue(app, mail_to("lease@example.cn"), Duration::zero(), 5).await;
    let db = app.parts.db.clone();
    let now = app.parts.services.now();
    let claimed = tokio::task::spawn_blocking(move || {
        db.claim_jobs("crashed-worker", now, Duration::minutes(5), 10)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(claimed.len(), 1);
    // The worker that claimed it never finishes. Nobody else gets it during the lease.
    assert_eq!(app.drain_jobs().await, 0);
    app.clock
        .advance(Duration::minutes(5) + Duration::seconds(1));
    assert_eq!(app.drain_jobs().await, 1);
    let j = job(app, id).await;
    assert_eq!((j.status.as_str(), j.attempts), ("done", 2));
    // The dead worker's late completion changes nothing.
    let db = app.parts.db.clone();
    tokio::task::spawn_blocking(move || {
        db.fail_job(id, "crashed-worker", "late", None, now)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(job(app, id).await.status, "done");
}

async fn concurrent_claims_never_share_a_job(app: &TestApp) {
    // The claims are never completed: the jobs stay running on purpose.
    app.fails_jobs
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let mut ids = HashSet::new();
    for i in 0..20 {
        ids.insert(
            enqueue(
                app,
                mail_to(&format!("c{i}@example.cn")),
                Duration::zero(),
                5,
            )
            .await,
        );
    }
    let now = app.parts.services.now();
    let mut handles = vec![];
    for w in 0..4 {
        let db = app.parts.db.clone();
        handles.push(tokio::task::spawn_blocking(move || {
            let mut mine = vec![];
            loop {
                let batch = db
                    .claim_jobs(&format!("w{w}"), now, Duration::minutes(5), 3)
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    for h in handles {
        for id in h.await.unwrap() {
            assert!(seen.insert(id), "job {id} was claimed twice");
        }
    }
    assert_eq!(seen, ids);
}

on_both! {
    a_job_scheduled_for_later_runs_only_when_due => super::a_job_scheduled_for_later_runs_only_when_due;
    a_failing_job_is_retried_with_growing_backoff_then_parked => super::a_failing_job_is_retried_with_growing_backoff_then_parked;
    a_job_whose_worker_died_becomes_due_when_its_lease_expires => super::a_job_whose_worker_died_becomes_due_when_its_lease_expires;
    concurrent_claims_never_share_a_job => super::concurrent_claims_never_share_a_job;
}
