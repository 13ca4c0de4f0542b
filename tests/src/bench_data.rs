//! Data the benchmarks write in bulk, beneath the product.

use serde_json::{Value, json};

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `n` verified vendors (ids from 7,000,000) from the judged matching set's profiles, each
/// profile written n/134 times with its own name and a varied description, so that each is
/// analysed on its own: the `INSERT` statements, 500 rows each.
pub fn judged_vendor_inserts(n: usize) -> Vec<String> {
    let judged: Value =
        serde_json::from_str(include_str!("../relevance/matching.json")).expect("the set");
    let base = judged["vendors"].as_array().expect("vendors");
    let now = chrono::Utc::now().naive_utc().format("%Y-%m-%d %H:%M:%S");
    let extra = [
        "服务武汉及周边",
        "团队来自高校",
        "已有多个落地项目",
        "支持私有化部署",
        "提供驻场支持",
    ];
    (0..n)
        .collect::<Vec<_>>()
        .chunks(500)
        .map(|chunk| {
            let rows: Vec<String> = chunk
                .iter()
                .map(|i| {
                    let v = &base[i % base.len()];
                    let description = format!(
                        "{}{}（第{}号）",
                        v["description"].as_str().unwrap(),
                        extra[i % extra.len()],
                        i
                    );
                    let offers = v.get("offers").cloned().unwrap_or(json!([]));
                    format!(
                        "({id}, 'vendor', {name}, TRUE, {opc}, {desc}, {caps}, {offers}, '{now}', '{now}')",
                        id = 7_000_000 + i,
                        name = sql_text(&format!("{}{}", v["name"].as_str().unwrap(), i)),
                        opc = if v["opc"].as_bool().unwrap() { "TRUE" } else { "FALSE" },
                        desc = sql_text(&description),
                        caps = sql_text(&v["capabilities"].to_string()),
                        offers = sql_text(&offers.to_string()),
                    )
                })
                .collect();
            format!(
                "INSERT INTO organizations (id, kind, name, verified, opc_member, description, capabilities, offer_kinds, created_at, updated_at) VALUES {}",
                rows.join(",")
            )
        })
        .collect()
}
