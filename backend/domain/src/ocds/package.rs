//! What a release is published in: the publisher, the markers a stored release carries in
//! its place, the release package (parsed, or written around stored texts without parsing
//! them) and the record package.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Process, at, compiled, ocid};

/// The extensions the releases use (declared in every package).
pub const EXTENSIONS: [&str; 2] = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/extension.json",
];

/// Where the releases point and what they are called.
#[derive(Debug, Clone)]
pub struct Publisher {
    /// The OCID prefix (registered with the Open Contracting Partnership).
    pub prefix: String,
    /// The site's public address, no trailing slash.
    pub base_url: String,
}

/// The markers a stored release carries where the publisher's prefix and address go (a
/// control character no stored text can hold), so that the settings of the day of reading
/// apply.
const PREFIX_MARK: &str = "\u{1}prefix\u{1}";
const BASE_URL_MARK: &str = "\u{1}base\u{1}";

impl Publisher {
    /// The publisher releases are stored with: markers that [`fill_publisher`] replaces.
    pub fn stored() -> Publisher {
        Publisher {
            prefix: PREFIX_MARK.into(),
            base_url: BASE_URL_MARK.into(),
        }
    }
}

/// A stored release with the publisher's prefix and address in place of the markers.
pub fn fill_publisher(body: &str, publisher: &Publisher) -> serde_json::Result<Value> {
    fn walk(v: &mut Value, p: &Publisher) {
        match v {
            Value::String(s) if s.contains('\u{1}') => {
                *s = s
                    .replace(PREFIX_MARK, &p.prefix)
                    .replace(BASE_URL_MARK, &p.base_url);
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, p)),
            Value::Object(map) => map.values_mut().for_each(|i| walk(i, p)),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(body)?;
    walk(&mut v, publisher);
    Ok(v)
}

/// A stored release as JSON text with the publisher's prefix and address in place of the
/// markers, without parsing it: a marker is the JSON escape of a control character, which no
/// stored text holds (a typed backslash is stored doubled), and the strings that carry a
/// marker carry no stored text.
pub fn fill_publisher_text(body: &str, publisher: &Publisher) -> String {
    let escaped = |mark: &str| serde_json::to_string(mark).unwrap_or_default();
    let inner = |s: String| s[1..s.len() - 1].to_string();
    body.replace(
        &inner(escaped(PREFIX_MARK)),
        &inner(escaped(&publisher.prefix)),
    )
    .replace(
        &inner(escaped(BASE_URL_MARK)),
        &inner(escaped(&publisher.base_url)),
    )
}

/// A release package around releases given as JSON text (dated `dates`), written without
/// parsing them.
pub fn package_text(
    releases: &[String],
    newest: Option<DateTime<Utc>>,
    uri: &str,
    publisher: &Publisher,
    now: DateTime<Utc>,
) -> String {
    let mut head = package(vec![], uri, publisher, now);
    head["publishedDate"] = json!(at(newest.unwrap_or(now)));
    let text = head.to_string();
    // The one unescaped `"releases":[]` of the compact text is the key's (a quote inside a
    // string is escaped).
    match text.find("\"releases\":[]") {
        Some(i) => {
            let cut = i + "\"releases\":[".len();
            let mut out = String::with_capacity(
                text.len() + releases.iter().map(String::len).sum::<usize>() + releases.len(),
            );
            out.push_str(&text[..cut]);
            out.push_str(&releases.join(","));
            out.push_str(&text[cut..]);
            out
        }
        None => text,
    }
}

/// A release package around `releases`.
pub fn package(
    releases: Vec<Value>,
    uri: &str,
    publisher: &Publisher,
    now: DateTime<Utc>,
) -> Value {
    let published = releases
        .iter()
        .filter_map(|r| r["date"].as_str().map(str::to_string))
        .max()
        .unwrap_or_else(|| at(now));
    json!({
        "uri": uri,
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": published,
        "publisher": publisher_json(publisher),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": format!("{}/opc", publisher.base_url),
        "releases": releases,
    })
}

fn publisher_json(p: &Publisher) -> Value {
    json!({"name": "青山区人工智能机会场景集市 / Qingshan AI scenario market", "uri": p.base_url})
}

/// A record package: the process's releases (as stored) and its compiled release.
pub fn record_package(
    p: &Process,
    releases: Vec<Value>,
    uri: &str,
    publisher: &Publisher,
    now: DateTime<Utc>,
) -> Value {
    let ocid = ocid(&publisher.prefix, &p.scenario);
    let compiled = compiled(p, publisher, now).unwrap_or(Value::Null);
    let published = releases
        .last()
        .and_then(|r| r["date"].as_str().map(str::to_string))
        .unwrap_or_else(|| at(now));
    json!({
        "uri": uri,
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": published,
        "publisher": publisher_json(publisher),
        "records": [{"ocid": ocid, "releases": releases, "compiledRelease": compiled}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_path_fills_and_packs_exactly_as_the_parsed_one() {
        let stored = Publisher::stored();
        let bodies: Vec<String> = [3, 7]
            .iter()
            .map(|n| {
                json!({
                    "id": format!("{}-{n}-tender", stored.prefix),
                    "date": format!("2026-12-0{n}T00:00:00Z"),
                    "url": format!("{}/scenarios/{n}", stored.base_url),
                    "title": "含 \\u0001prefix\\u0001 与 \"releases\":[] 的标题",
                })
                .to_string()
            })
            .collect();
        let real = Publisher {
            prefix: "ocds-abc123".into(),
            base_url: "https://x.example.gov.cn/a\"b".into(),
        };
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let parsed: Vec<Value> = bodies
            .iter()
            .map(|b| fill_publisher(b, &real).unwrap())
            .collect();
        let want = package(parsed, "https://x/api?q=\"releases\":[]", &real, now);
        let texts: Vec<String> = bodies
            .iter()
            .map(|b| fill_publisher_text(b, &real))
            .collect();
        let newest = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
            .unwrap()
            .to_utc();
        let got: Value = serde_json::from_str(&package_text(
            &texts,
            Some(newest),
            "https://x/api?q=\"releases\":[]",
            &real,
            now,
        ))
        .unwrap();
        assert_eq!(got, want);
    }

    #[test]
    fn a_stored_release_takes_the_publisher_of_the_day_it_is_read() {
        let stored = Publisher::stored();
        let body = json!({
            "ocid": format!("{}-7", stored.prefix),
            "tender": {"documents": [{"url": format!("{}/scenarios/7", stored.base_url)}]},
            "title": "含 \\u0001prefix\\u0001 字样的标题",
            "n": 3,
        })
        .to_string();
        let real = Publisher {
            prefix: "ocds-abc123".into(),
            base_url: "https://scenarios.example.gov.cn".into(),
        };
        let filled = fill_publisher(&body, &real).unwrap();
        assert_eq!(filled["ocid"], "ocds-abc123-7");
        assert_eq!(
            filled["tender"]["documents"][0]["url"],
            "https://scenarios.example.gov.cn/scenarios/7"
        );
        assert_eq!(filled["title"], "含 \\u0001prefix\\u0001 字样的标题");
        assert_eq!(filled["n"], 3);
    }
}
