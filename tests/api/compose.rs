//! docker-compose.yml cannot run here, so it is checked against the settings the app knows:
//! every `APP__` variable it sets must be accepted by the real settings loader.

use std::path::Path;

use scenario_market::config::Settings;

#[test]
fn every_app_variable_in_docker_compose_is_a_known_setting() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docker-compose.yml");
    let text = std::fs::read_to_string(&path).expect("docker-compose.yml exists");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    let services = doc["services"].as_mapping().expect("services");
    for name in ["app", "postgres", "meilisearch", "mailpit"] {
        let s = &doc["services"][name];
        assert!(!s.is_null(), "service {name} is missing");
        assert!(
            !s["healthcheck"].is_null(),
            "service {name} has no healthcheck"
        );
    }
    let env = &doc["services"]["app"]["environment"];
    let pairs: Vec<(String, String)> = match env {
        serde_yaml::Value::Mapping(m) => m
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().to_string(), yaml_scalar(v)))
            .collect(),
        serde_yaml::Value::Sequence(s) => s
            .iter()
            .map(|e| {
                let (k, v) = e.as_str().unwrap().split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect(),
        _ => panic!("services.app.environment must list variables"),
    };
    assert!(
        pairs.iter().all(|(k, _)| k.starts_with("APP__")),
        "the app is wired only through APP__ variables"
    );
    for key in [
        "APP__ENVIRONMENT",
        "APP__DATABASE__URL",
        "APP__MAIL__SMTP_URL",
        "APP__AUTH__JWT_SECRET",
        "APP__SEARCH__MEILISEARCH_URL",
        "APP__SEARCH__MEILISEARCH_KEY",
    ] {
        assert!(
            pairs.iter().any(|(k, _)| k == key),
            "{key} is not set for the app"
        );
    }
    // Substitute ${VAR:-default} / ${VAR:?msg} with a value long enough for every rule.
    let resolved: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| (k, substitute(&v)))
        .collect();
    let settings = Settings::from_sources(None, &resolved)
        .unwrap_or_else(|e| panic!("docker-compose.yml sets something the app refuses: {e:#}"));
    assert_eq!(
        settings.environment,
        scenario_market::config::Environment::Production
    );
    assert!(services.len() >= 4);
}

fn yaml_scalar(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        other => panic!("unexpected value {other:?}"),
    }
}

fn substitute(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closed ${") + start;
        let inner = &rest[start + 2..end];
        let default = inner.split_once(":-").map(|(_, d)| d.to_string());
        out.push_str(&default.unwrap_or_else(|| "x".repeat(40)));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}
