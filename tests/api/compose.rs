//! docker-compose.yml cannot run here, so it is checked against the settings the app knows:
//! every `APP__` variable it sets must be accepted by the real settings loader.

use std::path::Path;

use scenario_market::config::Settings;

#[test]
fn every_app_variable_in_docker_compose_is_a_known_setting() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docker-compose.yml");
    let text = std::fs::read_to_string(&path).expect("docker-compose.yml exists");
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    doc.apply_merge().expect("the merge keys resolve");
    let services = doc["services"].as_mapping().expect("services");
    for name in ["app", "postgres", "meilisearch", "minio", "mailpit"] {
        let s = &doc["services"][name];
        assert!(!s.is_null(), "service {name} is missing");
        assert!(
            !s["healthcheck"].is_null(),
            "service {name} has no healthcheck"
        );
    }
    for app in ["app", "app-1", "app-2", "app-3"] {
        let settings = app_settings(&doc["services"][app]["environment"]);
        assert_eq!(
            settings.environment,
            scenario_market::config::Environment::Production
        );
        if app != "app" {
            // Behind the proxy of the "scale" profile: each its own node id, the proxy's
            // X-Forwarded-For entry trusted exactly once, and what they share shared.
            assert_eq!(settings.node_id.to_string(), &app[4..]);
            assert_eq!(settings.server.trusted_proxies, 1, "{app}");
            assert!(
                settings.search.meilisearch_url.is_some() && settings.files.s3_bucket.is_some()
            );
        }
    }
    let nginx =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx.conf"))
            .expect("deploy/nginx.conf exists");
    for app in ["app-1:8080", "app-2:8080", "app-3:8080"] {
        assert!(nginx.contains(app), "the proxy sends to {app}");
    }
    assert!(nginx.contains("$proxy_add_x_forwarded_for") && !nginx.contains("ip_hash"));
    assert!(services.len() >= 4);
}

#[test]
fn the_production_set_publishes_only_the_apps_port_and_mailpit_is_for_development() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docker-compose.yml");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let services = doc["services"].as_mapping().expect("services");
    for (name, s) in services {
        let name = name.as_str().unwrap();
        let dev_only = s["profiles"]
            .as_sequence()
            .is_some_and(|p| p.iter().any(|x| x.as_str() == Some("dev")));
        let ports = s["ports"].as_sequence().map(Vec::len).unwrap_or(0);
        let scale = s["profiles"]
            .as_sequence()
            .is_some_and(|p| p.iter().any(|x| x.as_str() == Some("scale")));
        if name == "app" || (name == "proxy" && scale) {
            // The single app, or in its place the proxy of the "scale" profile.
            assert_eq!(ports, 1, "{name} publishes its port");
            assert!(!dev_only);
        } else if dev_only {
            for p in s["ports"].as_sequence().into_iter().flatten() {
                assert!(
                    p.as_str().is_some_and(|p| p.starts_with("127.0.0.1:")),
                    "{name} (dev) publishes {p:?} beyond this machine"
                );
            }
        } else {
            assert_eq!(
                ports, 0,
                "{name} is in the production set and publishes a port"
            );
        }
    }
    assert!(
        doc["services"]["mailpit"]["profiles"]
            .as_sequence()
            .is_some_and(|p| p.iter().any(|x| x.as_str() == Some("dev"))),
        "Mailpit (which shows every password-reset link) is in the dev profile"
    );
    assert!(
        doc["services"]["app"]["depends_on"]["mailpit"].is_null(),
        "the production app does not depend on a development service"
    );
}

/// The settings the app loads from a service's `environment` (after `${…}` substitution).
fn app_settings(env: &serde_yaml::Value) -> Settings {
    let pairs: Vec<(String, String)> = match env {
        serde_yaml::Value::Mapping(m) => m
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().to_string(), yaml_scalar(v)))
            .collect(),
        _ => panic!("an app's environment must map variables to values"),
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
    Settings::from_sources(None, &resolved)
        .unwrap_or_else(|e| panic!("docker-compose.yml sets something the app refuses: {e:#}"))
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
        let name = inner.split([':', '-', '?']).next().unwrap_or_default();
        out.push_str(&default.unwrap_or_else(|| match name {
            "SMTP_URL" => "smtp://relay.example:25".to_string(),
            _ => "x".repeat(40),
        }));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}
