//! TLS to the services, each a server of the story's own with a certificate that a CA made in
//! the story signed:
//! - PostgreSQL takes TCP connections over TLS only. The app connects with
//!   `sslmode=verify-full&sslrootcert=…`, migrates and serves, every connection of its pool
//!   encrypted. `require` and `verify-ca` connect encrypted too; `disable` is refused by the
//!   server, and `verify-ca` or `verify-full` trusting another CA refuse the server.
//! - Meilisearch serves https only (`--ssl-cert-path`). The app, given the CA file, indexes and
//!   finds through it; without the CA the engine's certificate is not trusted.

use diesel::sql_types::{BigInt, Bool};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, sql_query};
use serde_json::json;
use tests::fixtures::{open_scenario, posting, verified_agency};
use tests::own_meili::OwnMeili;
use tests::own_pg::{Certificates, OwnPostgres, cannot_run};
use tests::{Db, try_spawn_app_with};

#[derive(QueryableByName)]
struct Encrypted {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_reaches_postgresql_over_verified_tls_and_nothing_else_connects() {
    let story = "the PostgreSQL TLS story";
    let dir = tempfile::tempdir().unwrap();
    let certs = match Certificates::make(dir.path()) {
        Ok(c) => c,
        Err(why) => return cannot_run(story, &why),
    };
    let pg = match OwnPostgres::create_tls(&certs) {
        Ok(pg) => pg,
        Err(why) => return cannot_run(story, &why),
    };
    let with = |mode: &str, ca: &std::path::Path| {
        format!("{}?sslmode={mode}&sslrootcert={}", pg.url(), ca.display())
    };

    // Refused: a plain connection, and a server certificate no trusted CA signed.
    let plain = PgConnection::establish(&format!("{}?sslmode=disable", pg.url()));
    let why = plain
        .err()
        .expect("a plain connection is refused")
        .to_string();
    assert!(why.contains("no encryption"), "{why}");
    let wrong = PgConnection::establish(&with("verify-full", &certs.other_ca));
    let why = wrong.err().expect("another CA is not trusted").to_string();
    assert!(why.contains("certificate verify failed"), "{why}");

    // `require` (without a CA file) encrypts without checking; `verify-ca` checks the CA but
    // not the name.
    let require = format!("{}?sslmode=require", pg.url());
    for (mode, url) in [
        ("require", require),
        ("verify-ca", with("verify-ca", &certs.ca)),
    ] {
        let mut c = PgConnection::establish(&url).unwrap_or_else(|e| panic!("sslmode={mode}: {e}"));
        let me: Encrypted = sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .get_result(&mut c)
            .unwrap();
        assert!(me.ssl, "sslmode={mode} is encrypted");
    }
    let wrong_ca = PgConnection::establish(&with("verify-ca", &certs.other_ca));
    assert!(
        wrong_ca.is_err(),
        "verify-ca refuses another CA's certificate"
    );

    // Verified: the CA that signed it, the name it was made for.
    let url = with("verify-full", &certs.ca);
    let mut c = PgConnection::establish(&url).unwrap_or_else(|e| panic!("verify-full: {e}"));
    let me: Encrypted = sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result(&mut c)
        .unwrap();
    assert!(me.ssl);

    // The app on it: migrates, serves reads and writes, and every connection is encrypted.
    let app = tests::spawn_app_on_postgres(&url, &[]).await;
    let (_, sid) = open_scenario(&app).await;
    let read = app.get(&format!("/api/v1/scenarios/{sid}"), None).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(app.get("/readyz", None).await.status, 200);
    let count = |sql: &str, c: &mut PgConnection| -> i64 {
        sql_query(sql).get_result::<Count>(c).unwrap().n
    };
    let tcp = "FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
               WHERE a.client_addr IS NOT NULL AND a.pid <> pg_backend_pid()";
    let encrypted = count(&format!("SELECT COUNT(*) AS n {tcp} AND s.ssl"), &mut c);
    let plain = count(&format!("SELECT COUNT(*) AS n {tcp} AND NOT s.ssl"), &mut c);
    assert!(encrypted >= 1, "the app's connections: {encrypted}");
    assert_eq!(plain, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_searches_through_meilisearch_over_https_with_a_private_ca() {
    let story = "the Meilisearch TLS story";
    let dir = tempfile::tempdir().unwrap();
    let certs = match Certificates::make(dir.path()) {
        Ok(c) => c,
        Err(why) => return cannot_run(story, &why),
    };
    let tls = Some((certs.server_cert.clone(), certs.server_key.clone()));
    let Some(meili) = OwnMeili::create(story, tls) else {
        return;
    };
    assert!(meili.url().starts_with("https://"));
    // Without the CA the engine's certificate is not trusted: nothing is answered.
    let untrusted = search::MeiliIndex::connect(&meili.url(), Some(&meili.key), "untrusted_")
        .expect("a client");
    assert!(
        domain::ports::SearchIndex::health(&untrusted).is_err(),
        "a certificate of a private CA is refused without that CA"
    );
    let settings = [
        ("APP__SEARCH__MEILISEARCH_URL", meili.url()),
        ("APP__SEARCH__MEILISEARCH_KEY", meili.key.clone()),
        (
            "APP__SEARCH__MEILISEARCH_CA_FILE",
            certs.ca.display().to_string(),
        ),
    ];
    let Some(app) = try_spawn_app_with(Db::Sqlite, &settings).await else {
        return;
    };
    let (agency, _) = verified_agency(&app, "tls@example.cn", "青山区城管局").await;
    let mut p = posting(&app, 30);
    p["title"] = json!("河道漂浮物智能识别");
    let id = app.post("/api/v1/scenarios", Some(&agency), p).await.body["id"]
        .as_i64()
        .unwrap();
    let published = app
        .post(
            &format!("/api/v1/scenarios/{id}/publish"),
            Some(&agency),
            json!({}),
        )
        .await;
    assert_eq!(published.status, 200, "{:?}", published.body);
    app.drain_jobs().await;
    let mut hits = vec![];
    for _ in 0..50 {
        let a = app.get("/api/v1/search/scenarios?q=漂浮物", None).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        hits = a.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        if !hits.is_empty() {
            break;
        }
        app.drain_jobs().await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(hits, [id], "found through https");
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, 200, "{:?}", ready.body);
}
