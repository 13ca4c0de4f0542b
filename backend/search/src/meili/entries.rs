//! The documents as Meilisearch holds them, and its answers read back: highlighted values as
//! snippets with byte ranges, facet distributions as counts, offsets as pages.

use std::collections::HashMap;

use domain::search::{FacetCounts, Snippet};
use serde::{Deserialize, Serialize};

/// Marks of highlighted words (private-use characters, never in documents).
pub(super) const PRE: char = '\u{E000}';
pub(super) const POST: char = '\u{E001}';
pub(super) const PRE_TAG: &str = "\u{E000}";
pub(super) const POST_TAG: &str = "\u{E001}";

/// A scenario as Meilisearch holds it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ScenarioEntry {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) summary: String,
    pub(super) description: String,
    pub(super) tags: Vec<String>,
    pub(super) agency_name: String,
    pub(super) domain: String,
    pub(super) status: String,
    pub(super) agency_id: i64,
    pub(super) budget_min_fen: i64,
    pub(super) budget_max_fen: i64,
    /// Microseconds since the epoch (exact in a double).
    pub(super) deadline: i64,
    pub(super) published: i64,
    /// Whether bids were taken when indexed (the opening job indexes the scenario again).
    pub(super) open: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct VendorEntry {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) capabilities: Vec<String>,
    pub(super) opc_member: bool,
    pub(super) reputation: f64,
}

#[derive(Debug, Deserialize)]
pub(super) struct IdOnly {
    pub(super) id: i64,
}

/// A highlighted value of `_formatted` as a snippet (marks as byte ranges), cut at `max_chars`.
pub(super) fn snippet(formatted: Option<&serde_json::Value>, max_chars: usize) -> Snippet {
    let raw = formatted.and_then(|v| v.as_str()).unwrap_or_default();
    let (mut text, mut marks, mut open, mut chars) = (String::new(), vec![], None, 0);
    for c in raw.chars() {
        match c {
            PRE => open = Some(text.len()),
            POST => {
                if let Some(start) = open.take() {
                    marks.push(start..text.len());
                }
            }
            c if chars < max_chars => {
                text.push(c);
                chars += 1;
            }
            _ => {}
        }
    }
    let marks = marks.into_iter().filter(|m| m.start < m.end).collect();
    Snippet { text, marks }
}

pub(super) fn counts(distribution: Option<&HashMap<String, usize>>) -> FacetCounts {
    let mut out: FacetCounts = distribution
        .map(|d| d.iter().map(|(k, n)| (k.clone(), *n as u64)).collect())
        .unwrap_or_default();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Page-based paging: our offsets are whole pages.
pub(super) fn page_of(offset: usize, limit: usize) -> (usize, usize) {
    let limit = limit.max(1);
    (offset / limit + 1, limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meili::quoted;

    #[test]
    fn formatted_values_become_snippets_with_byte_ranges() {
        let v = serde_json::json!(format!("无人机智能{PRE}巡检{POST}"));
        let s = snippet(Some(&v), 200);
        assert_eq!(s.text, "无人机智能巡检");
        assert_eq!(s.marks, vec![15..21]);
        assert_eq!(&s.text[s.marks[0].clone()], "巡检");
        let none = snippet(None, 10);
        assert!(none.text.is_empty() && none.marks.is_empty());
    }

    #[test]
    fn filters_quote_text_and_follow_the_clock() {
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert_eq!(page_of(40, 20), (3, 20));
    }
}
