//! Backups: `backup` while the server runs and writes, `restore` into an empty data folder,
//! then the audit chain and every attachment verified; a damaged archive or a folder that is
//! not empty is refused with nothing changed. On SQLite, and on PostgreSQL through pg_dump and
//! pg_restore (required with TEST_REQUIRE_POSTGRES=1, which `.ci/run` sets).

use scenario_market::config::Settings;
use serde_json::json;
use tests::fixtures::{bid, open_scenario, pdf, upload, verified_vendor};
use tests::{Db, EmptyPostgres, TestApp, try_spawn_app};

/// The permission bits of a file or folder.
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn set_mode(p: &std::path::Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// Settings for a fresh data folder (and database URL, when given).
fn fresh_settings(dir: &std::path::Path, url: Option<&str>) -> Settings {
    let mut env = vec![
        ("APP__DATA_DIR".to_string(), dir.display().to_string()),
        ("APP__DEMO".into(), "false".into()),
        ("APP__LOG__LEVEL".into(), "error".into()),
        ("APP__JOBS__WORKER".into(), "false".into()),
    ];
    if let Some(u) = url {
        env.push(("APP__DATABASE__URL".into(), u.to_string()));
    }
    Settings::from_sources(None, &env).unwrap()
}

/// Demo data, two bids with attachments (one file shared by both), and its figures.
async fn fill(app: &TestApp) -> (i64, i64) {
    let services = app.parts.services.clone();
    tokio::task::spawn_blocking(move || scenario_market::seed::load_demo(&services).unwrap())
        .await
        .unwrap();
    let (_, scenario) = open_scenario(app).await;
    for (i, email) in ["a@example.cn", "b@example.cn"].iter().enumerate() {
        let (token, _) = verified_vendor(app, email, &format!("公司{i}")).await;
        let b = app
            .post(
                &format!("/api/v1/scenarios/{scenario}/bids"),
                Some(&token),
                bid(300_000 + i as i64),
            )
            .await;
        assert_eq!(b.status, 201);
        let id = b.body["bid"]["id"].as_i64().unwrap();
        assert_eq!(
            upload(app, &token, id, "方案.pdf", pdf("shared"))
                .await
                .status,
            201
        );
        assert_eq!(
            upload(app, &token, id, "报价.pdf", pdf(email)).await.status,
            201
        );
    }
    app.drain_jobs().await;
    let records = app.query_i64("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM audit_log");
    let attachments =
        app.query_i64("SELECT CAST(COUNT(DISTINCT sha256) AS BIGINT) AS n FROM bid_attachments");
    assert_eq!(attachments, 3);
    (records, attachments)
}

async fn round_trip(app: &TestApp, target_url: Option<String>) {
    let (records, attachments) = fill(app).await;
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("market-backup.tar.gz");
    // Writes go on while the backup runs: it is a consistent copy of one instant.
    let writer = {
        let api = app.api.clone();
        let url = app.url("/api/v1/auth/register");
        tokio::spawn(async move {
            for i in 0..15 {
                let _ = api
                    .post(&url)
                    .json(&json!({"email": format!("w{i}@example.cn"), "password": tests::PASSWORD, "display_name": "写入者", "role": "vendor", "organization": {"name": format!("写入公司{i}")}}))
                    .send()
                    .await;
            }
        })
    };
    // A site whose signing key was generated into its data folder takes it along.
    let mut settings = app.settings.clone();
    settings.auth.jwt_secret = None;
    let source_key = "ab".repeat(40);
    std::fs::write(settings.data_dir.join("jwt-secret"), &source_key).unwrap();
    let path = archive.clone();
    let report =
        tokio::task::spawn_blocking(move || scenario_market::backup::backup(&settings, &path))
            .await
            .unwrap()
            .expect("backup");
    writer.await.unwrap();
    assert_eq!(report.files, 3);
    assert!(archive.exists() && report.bytes > 0);
    // It holds the database and the signing key: its owner's alone, whatever the umask.
    assert_eq!(mode(&archive), 0o600, "the archive's mode");

    // A data folder others may read is refused, saying so, and nothing is put in it.
    let shared = tempfile::tempdir().unwrap();
    set_mode(shared.path(), 0o755);
    let s = fresh_settings(shared.path(), target_url.as_deref());
    let a = archive.clone();
    let refused = tokio::task::spawn_blocking(move || scenario_market::backup::restore(&s, &a))
        .await
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("may be read by other users") && refused.contains("chmod 700"),
        "{refused}"
    );
    assert_eq!(std::fs::read_dir(shared.path()).unwrap().count(), 0);

    // Restore into an empty folder of its own (and database).
    let target = tempfile::tempdir().unwrap();
    set_mode(target.path(), 0o700);
    let restored_settings = fresh_settings(target.path(), target_url.as_deref());
    let s = restored_settings.clone();
    let a = archive.clone();
    let restored = tokio::task::spawn_blocking(move || scenario_market::backup::restore(&s, &a))
        .await
        .unwrap()
        .expect("restore");
    assert_eq!(restored.files, 3);
    assert_eq!(restored.attachments_checked as i64, attachments);
    assert!(
        restored.audit_records >= records,
        "every record of the moment of the backup: {} < {records}",
        restored.audit_records
    );
    // The restored site signs the same tokens (the key came along) and holds the data.
    let key = std::fs::read_to_string(target.path().join("jwt-secret")).unwrap();
    assert_eq!(key, source_key);
    assert_eq!(
        mode(&target.path().join("jwt-secret")),
        0o600,
        "the key's mode"
    );
    if target_url.is_none() {
        assert_eq!(
            mode(&target.path().join("market.db")),
            0o600,
            "the database's mode"
        );
    }

    // A second restore into the now filled folder is refused, and changes nothing.
    let s = restored_settings.clone();
    let a = archive.clone();
    let again = tokio::task::spawn_blocking(move || scenario_market::backup::restore(&s, &a))
        .await
        .unwrap();
    assert!(again.unwrap_err().to_string().contains("empty"));
    let s = restored_settings.clone();
    let verified = tokio::task::spawn_blocking(move || scenario_market::backup::verify(&s))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.1 as i64, attachments);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_taken_while_the_server_writes_restores_and_verifies() {
    let app = try_spawn_app(Db::Sqlite).await.unwrap();
    round_trip(&app, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backup_restores_into_an_empty_database_and_verifies() {
    let Some(app) = try_spawn_app(Db::Postgres).await else {
        return;
    };
    let has_tools = std::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_tools {
        assert!(
            std::env::var("TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "TEST_REQUIRE_POSTGRES=1 but pg_dump is not installed"
        );
        eprintln!(
            "\n!!! NOTICE: pg_dump not installed: the PostgreSQL backup test did NOT run. !!!\n"
        );
        return;
    }
    let empty = EmptyPostgres::create().unwrap();
    round_trip(&app, Some(empty.url.clone())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_archive_is_refused_and_the_folder_stays_empty() {
    let app = try_spawn_app(Db::Sqlite).await.unwrap();
    let (_, scenario) = open_scenario(&app).await;
    let (token, _) = verified_vendor(&app, "a@example.cn", "甲公司").await;
    let b = app
        .post(
            &format!("/api/v1/scenarios/{scenario}/bids"),
            Some(&token),
            bid(300_000),
        )
        .await;
    let id = b.body["bid"]["id"].as_i64().unwrap();
    assert_eq!(
        upload(&app, &token, id, "方案.pdf", pdf("x")).await.status,
        201
    );
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("b.tar.gz");
    let settings = app.settings.clone();
    let a = archive.clone();
    tokio::task::spawn_blocking(move || scenario_market::backup::backup(&settings, &a))
        .await
        .unwrap()
        .unwrap();
    // Refused: a second backup onto the same file.
    let settings = app.settings.clone();
    let a = archive.clone();
    assert!(
        tokio::task::spawn_blocking(move || scenario_market::backup::backup(&settings, &a))
            .await
            .unwrap()
            .is_err()
    );
    // One attachment's bytes changed inside the archive: the restore stops before writing.
    let raw = {
        use std::io::Read;
        let mut s = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&archive).unwrap())
            .read_to_end(&mut s)
            .unwrap();
        s
    };
    let needle = b"% test x";
    let at = raw.windows(needle.len()).position(|w| w == needle).unwrap();
    let mut bad = raw.clone();
    bad[at + 7] = b'y';
    let damaged = work.path().join("damaged.tar.gz");
    {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&damaged).unwrap(),
            flate2::Compression::fast(),
        );
        gz.write_all(&bad).unwrap();
        gz.finish().unwrap();
    }
    let target = tempfile::tempdir().unwrap();
    set_mode(target.path(), 0o700);
    let s = fresh_settings(target.path(), None);
    let err = tokio::task::spawn_blocking(move || scenario_market::backup::restore(&s, &damaged))
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("damaged"), "{err:#}");
    let left: Vec<_> = std::fs::read_dir(target.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert!(
        !target.path().join("market.db").exists() && !target.path().join("files").exists(),
        "nothing put in place: {left:?}"
    );
    // The undamaged archive restores there afterwards.
    let s = fresh_settings(target.path(), None);
    let r = tokio::task::spawn_blocking(move || scenario_market::backup::restore(&s, &archive))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.attachments_checked, 1);
}
