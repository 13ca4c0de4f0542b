//! Settings: the layers, the checks and the generated signing key.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_workdays_file_replaces_the_calendar_and_a_bad_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "2026-12-07 off 示例\n").unwrap();
    let path = good.display().to_string();
    let s = Settings::from_sources(None, &env(&[("APP__MARKET__WORKDAYS_FILE", &path)])).unwrap();
    let cal = s.workdays().unwrap();
    let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    assert!(!cal.is_workday(d), "a Monday made a holiday by the file");
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "2026-12-07 maybe\n").unwrap();
    let path = bad.display().to_string();
    let s = Settings::from_sources(None, &env(&[("APP__MARKET__WORKDAYS_FILE", &path)])).unwrap();
    let e = s.workdays().unwrap_err().to_string();
    assert!(
        e.contains("APP__MARKET__WORKDAYS_FILE") && e.contains("line 1"),
        "{e}"
    );
    assert!(
        Settings::from_sources(None, &[])
            .unwrap()
            .workdays()
            .unwrap()
            .is_workday(d)
    );
}

#[test]
fn defaults_are_the_embedded_set() {
    let s = Settings::from_sources(None, &[]).unwrap();
    assert_eq!(s.environment, Environment::Development);
    assert_eq!(s.server.address, "127.0.0.1:8080");
    assert_eq!(s.database_url(), "sqlite://./data/market.db");
    assert_eq!(s.outbox_dir(), PathBuf::from("./data/outbox"));
    assert_eq!(s.search_index_dir(), PathBuf::from("./data/search"));
    assert!(s.demo());
    assert_eq!(s.auth.access_token_minutes, 15);
}

#[test]
fn environment_variables_override_and_nest() {
    let s = Settings::from_sources(
        None,
        &env(&[
            ("APP__SERVER__ADDRESS", "0.0.0.0:9000"),
            ("APP__DATABASE__MAX_CONNECTIONS", "3"),
            ("APP__DEMO", "false"),
        ]),
    )
    .unwrap();
    assert_eq!(s.server.address, "0.0.0.0:9000");
    assert_eq!(s.database.max_connections, 3);
    assert!(!s.demo());
}

#[test]
fn a_bad_value_or_unknown_key_names_the_key() {
    let e = Settings::from_sources(None, &env(&[("APP__DATABASE__MAX_CONNECTIONS", "many")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("max_connections"), "{e}");
    let e = Settings::from_sources(None, &env(&[("APP__DATABASE__URLL", "x")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("urll"), "{e}");
    let e = Settings::from_sources(None, &env(&[("APP__AUTH__JWT_SECRET", "short")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("APP__AUTH__JWT_SECRET"), "{e}");
}

#[test]
fn production_needs_explicit_key_smtp_and_postgres() {
    let base = [("APP__ENVIRONMENT", "production")];
    let e = Settings::from_sources(None, &env(&base))
        .unwrap_err()
        .to_string();
    assert!(e.contains("APP__AUTH__JWT_SECRET"), "{e}");
    let with_key = [
        ("APP__ENVIRONMENT", "production"),
        ("APP__AUTH__JWT_SECRET", "k".repeat(40).leak()),
    ];
    let e = Settings::from_sources(None, &env(&with_key))
        .unwrap_err()
        .to_string();
    assert!(e.contains("APP__MAIL__SMTP_URL"), "{e}");
    let mut all = with_key.to_vec();
    all.push(("APP__MAIL__SMTP_URL", "smtp://mailpit:1025"));
    let e = Settings::from_sources(None, &env(&all))
        .unwrap_err()
        .to_string();
    assert!(e.contains("APP__DATABASE__URL"), "{e}");
    all.push(("APP__DATABASE__URL", "postgres://u:p@db/market"));
    let s = Settings::from_sources(None, &env(&all)).unwrap();
    assert!(!s.demo());
    assert!(!format!("{s:?}").contains("u:p@db"), "secrets never print");
    all.push(("APP__DEMO", "true"));
    let e = Settings::from_sources(None, &env(&all))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("APP__DEMO"),
        "production refuses the demo data: {e}"
    );
}

#[test]
fn the_old_forwarded_for_switch_is_explained_and_the_proxy_count_is_read() {
    let e = Settings::from_sources(None, &env(&[("APP__SERVER__TRUST_FORWARDED_FOR", "true")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("APP__SERVER__TRUSTED_PROXIES"), "{e}");
    let s = Settings::from_sources(None, &env(&[("APP__SERVER__TRUSTED_PROXIES", "2")])).unwrap();
    assert_eq!(s.server.trusted_proxies, 2);
    assert_eq!(s.auth.address_max_failures, 100);
    assert_eq!(s.auth.account_max_failures, 5);
}

#[test]
fn a_config_file_sits_between_defaults_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("app.toml");
    std::fs::write(&f, "[server]\naddress = \"127.0.0.1:7000\"\nworkers = 4\n").unwrap();
    let s = Settings::from_sources(Some(&f), &env(&[("APP__SERVER__WORKERS", "3")])).unwrap();
    assert_eq!(s.server.address, "127.0.0.1:7000");
    assert_eq!(s.server.workers, 3);
}

#[test]
fn the_signing_key_is_made_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let s = Settings::from_sources(
        None,
        &env(&[("APP__DATA_DIR", dir.path().to_str().unwrap())]),
    )
    .unwrap();
    let a = s.jwt_secret().unwrap();
    let b = s.jwt_secret().unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 64);
}

#[test]
fn several_processes_need_a_search_engine_and_files_they_share() {
    let refused = Settings::from_sources(None, &env(&[("APP__NODE_ID", "2")])).unwrap_err();
    let text = format!("{refused:#}");
    assert!(
        text.contains("APP__SEARCH__MEILISEARCH_URL") && text.contains("Meilisearch"),
        "{text}"
    );
    let meili = ("APP__SEARCH__MEILISEARCH_URL", "http://search:7700");
    let no_files = Settings::from_sources(None, &env(&[("APP__NODE_ID", "2"), meili])).unwrap_err();
    assert!(format!("{no_files:#}").contains("APP__FILES__S3_BUCKET"));
    let ok = Settings::from_sources(
        None,
        &env(&[
            ("APP__NODE_ID", "2"),
            meili,
            ("APP__FILES__S3_BUCKET", "files"),
        ]),
    );
    assert!(ok.is_ok(), "{ok:?}");
    assert!(Settings::from_sources(None, &env(&[("APP__NODE_ID", "0")])).is_ok());
}
