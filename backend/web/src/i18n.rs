//! Interface text from the locale files (`frontend/locales/*.toml`, compiled in). Keys are the
//! dotted paths of the TOML tables: `[nav] sign_in = "…"` is `nav.sign_in`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use domain::account::Locale;

const ZH: &str = include_str!("../../../frontend/locales/zh-CN.toml");
const EN: &str = include_str!("../../../frontend/locales/en.toml");

type Table = HashMap<String, String>;

fn flatten(prefix: &str, v: &toml::Value, out: &mut Table) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => panic!("locale key {prefix} must be text, found {other:?}"),
    }
}

fn parse(src: &str) -> Table {
    let v: toml::Value =
        toml::from_str(src).expect("locale files are valid TOML (checked by tests)");
    let mut out = Table::new();
    flatten("", &v, &mut out);
    out
}

fn tables() -> &'static (Arc<Table>, Arc<Table>) {
    static T: OnceLock<(Arc<Table>, Arc<Table>)> = OnceLock::new();
    T.get_or_init(|| (Arc::new(parse(ZH)), Arc::new(parse(EN))))
}

/// The text of one language, for templates.
#[derive(Debug, Clone)]
pub struct Tr {
    pub locale: Locale,
    table: Arc<Table>,
}

impl Tr {
    pub fn new(locale: Locale) -> Tr {
        let (zh, en) = tables();
        let table = match locale {
            Locale::ZhCn => zh.clone(),
            Locale::En => en.clone(),
        };
        Tr { locale, table }
    }

    /// The text of `key`; a missing key shows as itself (and fails the locale tests).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.table.get(key).map(String::as_str).unwrap_or(key)
    }

    /// `lang` attribute value.
    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }

    pub fn is_zh(&self) -> bool {
        self.locale == Locale::ZhCn
    }

    /// A domain message in this language.
    pub fn msg(&self, m: &domain::message::Message) -> String {
        m.get(self.locale).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_locales_have_the_same_keys_and_no_empty_text() {
        let zh = parse(ZH);
        let en = parse(EN);
        let zk: BTreeSet<_> = zh.keys().collect();
        let ek: BTreeSet<_> = en.keys().collect();
        assert_eq!(
            zk.difference(&ek).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "keys only in zh-CN"
        );
        assert_eq!(
            ek.difference(&zk).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "keys only in en"
        );
        assert!(zh.values().chain(en.values()).all(|v| !v.trim().is_empty()));
    }

    #[test]
    fn every_key_a_template_uses_exists() {
        let zh = parse(ZH);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/templates");
        let mut missing = vec![];
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                for part in text.split("t.t(\"").skip(1) {
                    let key = part.split('"').next().unwrap();
                    if !zh.contains_key(key) {
                        missing.push(format!("{}: {key}", p.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing locale keys: {missing:#?}");
    }
}
