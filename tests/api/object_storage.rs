//! Attachment files in S3-compatible object storage, against a real S3-protocol server of the
//! story's own (moto's server, the program named by `S3_SERVER_BIN`, which `.ci/run`
//! installs from PyPI); without it the story says so loudly, and `TEST_REQUIRE_S3=1` (as in
//! CI) makes that a failure. The app's client is the real one (object_store over HTTP).
//!
//! An upload lands in the bucket under its content key and nothing stays on the local disk;
//! a refused upload (not a PDF, too large) leaves no object, not even a partial one; the same
//! content twice is one object; the bidder downloads its file through the app (byte for
//! byte), the owner after opening, and nobody before opening, as with files on disk. A
//! backup holds the bucket's files; restored into an empty database and another bucket, every
//! attachment is there with its hash.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tests::fixtures::{bid, open_scenario, pdf, upload, verified_vendor};
use tests::own_pg::free_port;
use tests::{Db, TestApp, try_spawn_app_with};

const BUCKET: &str = "scenario-files";

struct S3Server {
    child: Child,
    port: u16,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn s3_server(story: &str) -> Option<S3Server> {
    let Ok(bin) = std::env::var("S3_SERVER_BIN") else {
        assert!(
            std::env::var("TEST_REQUIRE_S3").map_or(true, |v| v != "1"),
            "TEST_REQUIRE_S3=1 but S3_SERVER_BIN is not set"
        );
        eprintln!("\n!!! NOTICE: S3_SERVER_BIN is not set: {story} did NOT run. !!!\n");
        return None;
    };
    let port = free_port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the S3 server");
    let server = S3Server { child, port };
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if client.get(&base).send().await.is_ok() {
            // The bucket the deployment would have made.
            let made = client
                .put(format!("{base}/{BUCKET}"))
                .send()
                .await
                .expect("create the bucket");
            assert!(made.status().is_success(), "{}", made.status());
            return Some(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the S3 server did not start");
}

/// The bucket's object keys, as the app's own store lists them.
async fn keys(app: &TestApp) -> Vec<String> {
    let mut k = app.files_store().keys().await.expect("list the bucket");
    k.sort();
    k
}

/// Where the story keeps the files: the same contract holds for both.
#[derive(Clone, Copy, PartialEq)]
enum Store {
    Folder,
    Bucket,
}

async fn story(db: Db, store: Store) {
    let story = "the object-storage story";
    let server = match store {
        Store::Bucket => match s3_server(story).await {
            Some(s) => Some(s),
            None => return,
        },
        Store::Folder => None,
    };
    let settings = match &server {
        Some(server) => bucket_settings(server),
        None => vec![],
    };
    let Some(app) = try_spawn_app_with(db, &settings).await else {
        return;
    };
    contract(&app, store).await;
    if let (Some(server), Db::Sqlite) = (&server, db) {
        backup_and_restore(&app, server).await;
    }
}

fn bucket_settings(server: &S3Server) -> Vec<(&'static str, String)> {
    vec![
        ("APP__FILES__S3_BUCKET", BUCKET.to_string()),
        (
            "APP__FILES__S3_ENDPOINT",
            format!("http://127.0.0.1:{}", server.port),
        ),
        ("APP__FILES__S3_REGION", "us-east-1".into()),
        ("APP__FILES__S3_PATH_STYLE", "true".into()),
        ("APP__FILES__S3_ACCESS_KEY_ID", "test-key".into()),
        ("APP__FILES__S3_SECRET_ACCESS_KEY", "test-secret".into()),
    ]
}

/// The files' contract, through the API.
async fn contract(app: &TestApp, store: Store) {
    let (owner, sid) = open_scenario(app).await;
    let (vendor, _) = verified_vendor(app, "v@example.cn", "甲企业").await;
    let b = app
        .post(
            &format!("/api/v1/scenarios/{sid}/bids"),
            Some(&vendor),
            bid(300_000),
        )
        .await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    let id = b.body["bid"]["id"].as_i64().unwrap();

    // Refused uploads leave nothing, not even a part.
    let not_pdf = upload(app, &vendor, id, "a.pdf", b"hello, not a pdf".to_vec()).await;
    assert_eq!(not_pdf.status, 422, "{:?}", not_pdf.body);
    let mut big = pdf("big");
    big.resize(10 * 1024 * 1024 + 1, b'x');
    let too_big = upload(app, &vendor, id, "big.pdf", big).await;
    assert!(matches!(too_big.status, 413 | 422), "{:?}", too_big.body);
    assert_eq!(keys(app).await, Vec::<String>::new());

    // Stored under its content key in the bucket; nothing on the local disk.
    let bytes = pdf("the proposal");
    let up = upload(app, &vendor, id, "方案.pdf", bytes.clone()).await;
    assert_eq!(up.status, 201, "{:?}", up.body);
    let sha = up.body["bid"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(keys(app).await, [format!("{}/{}", &sha[..2], &sha[2..])]);
    if store == Store::Bucket {
        assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    }
    // A larger file goes in several parts and comes back whole.
    let mut large = pdf("large");
    large.resize(7 * 1024 * 1024, b'y');
    let up2 = upload(app, &vendor, id, "附件.pdf", large.clone()).await;
    assert_eq!(up2.status, 201, "{:?}", up2.body);
    assert_eq!(keys(app).await.len(), 2);

    // Downloads go through the app, sealed as before.
    let url = format!("/api/v1/bids/{id}/attachments/{sha}");
    let got = app.download(&url, Some(&vendor)).await;
    assert_eq!(got.0, 200);
    assert_eq!(got.1, bytes, "byte for byte");
    assert_eq!(app.download(&url, Some(&owner)).await.0, 404, "sealed");
    let sha2 = up2.body["bid"]["attachments"][1]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let large_back = app
        .download(
            &format!("/api/v1/bids/{id}/attachments/{sha2}"),
            Some(&vendor),
        )
        .await;
    assert_eq!(large_back.1.len(), large.len());
    assert!(large_back.1 == large, "the large file whole");
    app.clock.advance(chrono::Duration::days(31));
    let owner = app.token("owner@example.cn").await;
    let opened = app.download(&url, Some(&owner)).await;
    assert_eq!((opened.0, opened.1 == bytes), (200, true));
}

/// The backup of an app whose files live in a bucket, restored into a fresh SQLite database
/// and another (empty) bucket of the same server.
async fn backup_and_restore(app: &TestApp, server: &S3Server) {
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("backup.tar.gz");
    let (settings, a) = (app.settings.clone(), archive.clone());
    let made = tokio::task::spawn_blocking(move || scenario_market::backup::backup(&settings, &a))
        .await
        .unwrap()
        .expect("backup");
    assert_eq!(made.files, 2);
    let base = format!("http://127.0.0.1:{}", server.port);
    let other = reqwest::Client::new()
        .put(format!("{base}/restored"))
        .send()
        .await
        .unwrap();
    assert!(other.status().is_success());
    let target = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(target.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let env: Vec<(String, String)> = [
        ("APP__DATA_DIR", target.path().display().to_string()),
        ("APP__DEMO", "false".into()),
        ("APP__JOBS__WORKER", "false".into()),
        ("APP__FILES__S3_BUCKET", "restored".into()),
        ("APP__FILES__S3_ENDPOINT", base),
        ("APP__FILES__S3_REGION", "us-east-1".into()),
        ("APP__FILES__S3_PATH_STYLE", "true".into()),
        ("APP__FILES__S3_ACCESS_KEY_ID", "test-key".into()),
        ("APP__FILES__S3_SECRET_ACCESS_KEY", "test-secret".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let restore_to = scenario_market::config::Settings::from_sources(None, &env).unwrap();
    let r = tokio::task::spawn_blocking(move || {
        scenario_market::backup::restore(&restore_to, &archive)
    })
    .await
    .unwrap()
    .expect("restore");
    assert_eq!((r.files, r.attachments_checked), (2, 2));
    // Nothing of the files went to the local disk of the restored data folder.
    assert!(
        !target
            .path()
            .join("files")
            .join(&app_first_key(app).await[..2])
            .exists()
    );
}

async fn app_first_key(app: &TestApp) -> String {
    keys(app).await.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_attachments_live_in_object_storage() {
    story(Db::Sqlite, Store::Bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_attachments_live_in_object_storage() {
    story(Db::Postgres, Store::Bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_attachments_in_the_files_folder_keep_the_same_contract() {
    story(Db::Sqlite, Store::Folder).await;
}
