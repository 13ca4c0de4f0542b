//! The audit trail: account actions are recorded, the chain verifies, and tampering is named.

use serde_json::json;
use tests::{TestApp, on_both};

async fn account_actions_are_audited_and_the_chain_verifies(app: &TestApp) {
    let admin = app.admin_token().await;
    let reg = app.register("a@example.cn", "vendor", "V").await;
    let org = reg["organization"]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/admin/organizations/{org}/verify"),
        Some(&admin),
        json!({"verified": true, "opc_member": false}),
    )
    .await;
    let services = app.parts.services.clone();
    let (check, records) = tokio::task::spawn_blocking(move || {
        let check = services.verify_audit_chain().unwrap();
        let records =
            domain::ports::in_read(services.store_for_tests(), |tx| tx.audit_records(0, 100))
                .unwrap();
        (check, records)
    })
    .await
    .unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "organization.register",
            "user.register",
            "organization.verify"
        ]
    );
    assert_eq!(check, domain::audit::ChainCheck::Intact { records: 4 });
    let verify = &records[3];
    assert!(
        verify
            .before
            .as_deref()
            .unwrap()
            .contains("\"verified\":false")
    );
    assert!(
        verify
            .after
            .as_deref()
            .unwrap()
            .contains("\"verified\":true")
    );
}

async fn a_record_edited_in_the_database_is_reported(app: &TestApp) {
    app.breaks_audit_chain
        .store(true, std::sync::atomic::Ordering::Relaxed);
    app.register("a@example.cn", "vendor", "V").await;
    app.register("b@example.cn", "agency", "A").await;
    // Someone with database access rewrites history.
    let n = app.execute_sql(
        "UPDATE audit_log SET after_json = '{\"email\":\"evil@example.cn\"}' WHERE seq = 2",
    );
    assert_eq!(n, 1);
    let services = app.parts.services.clone();
    let check = tokio::task::spawn_blocking(move || services.verify_audit_chain().unwrap())
        .await
        .unwrap();
    match check {
        domain::audit::ChainCheck::Broken { seq, reason } => {
            assert_eq!(seq, 2);
            assert!(reason.contains("edited"), "{reason}");
        }
        other => panic!("tampering went unnoticed: {other:?}"),
    }
}

async fn a_deleted_record_is_reported(app: &TestApp) {
    app.breaks_audit_chain
        .store(true, std::sync::atomic::Ordering::Relaxed);
    app.register("a@example.cn", "vendor", "V").await;
    app.register("b@example.cn", "agency", "A").await;
    app.execute_sql("DELETE FROM audit_log WHERE seq = 3");
    let services = app.parts.services.clone();
    let check = tokio::task::spawn_blocking(move || services.verify_audit_chain().unwrap())
        .await
        .unwrap();
    assert!(
        matches!(check, domain::audit::ChainCheck::Broken { seq: 4, .. }),
        "{check:?}"
    );
}

/// Registers `n` vendors at once, the i-th through `apps[i % apps.len()]`; each answers 201.
async fn register_at_once(apps: &[&TestApp], n: usize, prefix: &str) {
    let mut tasks = vec![];
    for i in 0..n {
        let app = apps[i % apps.len()];
        let (api, url) = (app.api.clone(), app.url("/api/v1/auth/register"));
        let body = json!({"email": format!("{prefix}{i}@example.cn"), "password": tests::PASSWORD, "display_name": "x", "role": "vendor", "organization": {"name": format!("{prefix}{i}")}});
        tasks.push(tokio::spawn(async move {
            api.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
}

async fn concurrent_writers_keep_one_unbroken_chain(app: &TestApp) {
    register_at_once(&[app], 12, "c").await;
    let services = app.parts.services.clone();
    let check = tokio::task::spawn_blocking(move || services.verify_audit_chain().unwrap())
        .await
        .unwrap();
    assert_eq!(check, domain::audit::ChainCheck::Intact { records: 24 });
}

/// PostgreSQL, two server processes on one database: 48 registrations at once, half through
/// each, each appending its two records without a chain lock. Every record takes one place in
/// one unbroken chain, none twice, and nothing is left waiting. A record a crashed process
/// committed but never chained is chained by the other process before its chain is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_writing_at_once_on_postgres_keep_one_unbroken_chain() {
    let Some(pg) = tests::EmptyPostgres::create() else {
        return;
    };
    let one = tests::spawn_app_on_postgres(&pg.url, &[]).await;
    let two = tests::spawn_app_on_postgres(&pg.url, &[]).await;
    register_at_once(&[&one, &two], 48, "p").await;
    // A process that committed a record and died before chaining it.
    one.execute_sql(
        "INSERT INTO audit_pending (actor_id, action, subject_type, subject_id, at) VALUES (NULL, 'test.left', 'test', 'crashed', '2026-12-03 10:00:00')",
    );
    let services = two.parts.services.clone();
    let check = tokio::task::spawn_blocking(move || services.verify_audit_chain().unwrap())
        .await
        .unwrap();
    assert_eq!(check, domain::audit::ChainCheck::Intact { records: 97 });
    assert_eq!(
        two.query_i64("SELECT COUNT(*) AS n FROM (SELECT DISTINCT seq FROM audit_log) d"),
        97
    );
    assert_eq!(
        two.query_i64("SELECT MIN(seq) * 1000 + MAX(seq) AS n FROM audit_log"),
        1097,
        "places 1 to 97"
    );
    assert_eq!(
        two.query_i64(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.register' OR action = 'organization.register'"
        ),
        96,
        "each registration's two records, once each"
    );
    assert_eq!(
        two.query_i64("SELECT COUNT(*) AS n FROM audit_pending"),
        0,
        "nothing waits"
    );
}

on_both! {
    account_actions_are_audited_and_the_chain_verifies => super::account_actions_are_audited_and_the_chain_verifies;
    a_record_edited_in_the_database_is_reported => super::a_record_edited_in_the_database_is_reported;
    a_deleted_record_is_reported => super::a_deleted_record_is_reported;
    concurrent_writers_keep_one_unbroken_chain => super::concurrent_writers_keep_one_unbroken_chain;
}
