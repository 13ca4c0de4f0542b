//! TLS to PostgreSQL: a server of the story's own takes TCP connections over TLS only, with a
//! certificate that a CA of the story's own signed. The app connects with
//! `sslmode=verify-full&sslrootcert=…`, migrates and serves, every connection of its pool
//! encrypted; a plain connection and one that trusts another CA are refused.

use diesel::sql_types::{BigInt, Bool};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, sql_query};
use tests::fixtures::open_scenario;
use tests::own_pg::{Certificates, OwnPostgres, cannot_run};

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
