//! The fields of a posting as a form or JSON body brings them, parsed into values that are
//! valid by construction, and the patch of an edit.

use crate::message::Message;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::*;
use crate::error::{Error, Fields, Result};
use crate::sector::Sector;
use crate::text;

/// A criterion as a form or JSON body brings it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CriterionInput {
    pub name: String,
    pub weight: i64,
    pub description: String,
}

/// A raw scenario, as a form or JSON body brings it.
#[derive(Debug, Clone, Default)]
pub struct ScenarioInput {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub domain: String,
    pub tags: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    /// RFC 3339.
    pub bid_deadline: String,
    pub price_weight: Option<i64>,
    pub procurement_type: String,
    pub criteria: Vec<CriterionInput>,
}

/// A criterion whose every field is valid (not yet stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionDraft {
    pub name: String,
    pub weight: i32,
    pub description: String,
}

/// The substantive fields of a scenario, every one valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFields {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub domain: Sector,
    pub tags: Vec<String>,
    pub budget_min_fen: i64,
    pub budget_max_fen: i64,
    pub bid_deadline: DateTime<Utc>,
    pub price_weight: i32,
    pub procurement_type: ProcurementType,
    pub criteria: Vec<CriterionDraft>,
}

/// Parses a budget amount in fen.
fn budget(v: Option<i64>) -> Result<i64, Message> {
    match v {
        None => Err(Message::new("请填写预算", "the budget is required")),
        Some(n) if n <= 0 => Err(Message::new(
            "预算必须大于零",
            "the budget must be positive",
        )),
        Some(n) if n > MAX_BUDGET_FEN => Err(Message::new("预算过大", "the budget is too large")),
        Some(n) => Ok(n),
    }
}

/// Parses an RFC 3339 time (with its offset) into UTC.
pub fn parse_time(raw: &str) -> Result<DateTime<Utc>, Message> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Message::new("请填写截止时间", "the deadline is required"));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Message::new(
                "时间格式应为 RFC 3339，例如 2026-12-31T17:00:00+08:00",
                "use RFC 3339, e.g. 2026-12-31T17:00:00+08:00",
            )
        })
}

fn weight(w: i64) -> Result<i32, Message> {
    if (0..=100).contains(&w) {
        Ok(w as i32)
    } else {
        Err(Message::new(
            "权重应为 0 到 100 的整数",
            "a weight is an integer from 0 to 100",
        ))
    }
}

impl TryFrom<ScenarioInput> for ScenarioFields {
    type Error = Error;

    fn try_from(r: ScenarioInput) -> Result<Self> {
        let mut f = Fields::new();
        let title = f.take("title", text::line(&r.title, 1, MAX_TITLE));
        let summary = f.take("summary", text::line(&r.summary, 1, MAX_SUMMARY));
        let description = f.take(
            "description",
            text::bounded(&r.description, 1, MAX_DESCRIPTION),
        );
        let domain = f.take("domain", Sector::parse(&r.domain));
        let tags = f.take("tags", text::tags(&r.tags, MAX_TAGS, MAX_TAG_LEN));
        let min = f.take("budget_min_fen", budget(r.budget_min_fen));
        let max = f.take("budget_max_fen", budget(r.budget_max_fen));
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            f.push(
                "budget_max_fen",
                Message::new(
                    "最高预算不能低于最低预算",
                    "the maximum budget must not be below the minimum",
                ),
            );
        }
        let bid_deadline = f.take("bid_deadline", parse_time(&r.bid_deadline));
        let price_weight = match r.price_weight {
            Some(w) => f.take("price_weight", weight(w)),
            None => f.take(
                "price_weight",
                Err(Message::new(
                    "请填写价格权重",
                    "the price weight is required",
                )),
            ),
        };
        let procurement_type = f.take(
            "procurement_type",
            ProcurementType::parse(&r.procurement_type),
        );
        let mut criteria = Vec::new();
        let mut criteria_ok = true;
        if r.criteria.len() > MAX_CRITERIA {
            f.push(
                "criteria",
                Message::new(
                    format!("最多 {MAX_CRITERIA} 项评分标准"),
                    format!("at most {MAX_CRITERIA} criteria"),
                ),
            );
            criteria_ok = false;
        }
        let mut seen: Vec<String> = Vec::new();
        for (i, c) in r.criteria.iter().enumerate() {
            let name = f.take(
                &format!("criteria[{i}].name"),
                text::line(&c.name, 1, MAX_CRITERION_NAME),
            );
            let w = f.take(&format!("criteria[{i}].weight"), weight(c.weight));
            let d = f.take(
                &format!("criteria[{i}].description"),
                text::bounded(&c.description, 0, MAX_CRITERION_DESCRIPTION),
            );
            if let Some(n) = &name {
                let key = n.to_lowercase();
                if seen.contains(&key) {
                    f.push(
                        &format!("criteria[{i}].name"),
                        Message::new("评分标准名称重复", "criterion names must be unique"),
                    );
                    criteria_ok = false;
                }
                seen.push(key);
            }
            match (name, w, d) {
                (Some(name), Some(weight), Some(description)) => criteria.push(CriterionDraft {
                    name,
                    weight,
                    description,
                }),
                _ => criteria_ok = false,
            }
        }
        if let Some(pw) = price_weight
            && criteria_ok
        {
            let total: i32 = pw + criteria.iter().map(|c| c.weight).sum::<i32>();
            if criteria.is_empty() && pw != 100 {
                f.push(
                    "criteria",
                    Message::new(
                        "价格权重不是 100 时至少需要一项技术评分标准",
                        "at least one technical criterion is needed unless the price weight is 100",
                    ),
                );
            } else if total != 100 {
                f.push("criteria", Message::new(format!("价格权重与各项权重之和应为 100，现为 {total}"), format!("the price weight and the criterion weights must add up to 100 (now {total})")));
            }
        }
        f.finish()?;
        Ok(ScenarioFields {
            title: title.expect("checked"),
            summary: summary.expect("checked"),
            description: description.expect("checked"),
            domain: domain.expect("checked"),
            tags: tags.expect("checked"),
            budget_min_fen: min.expect("checked"),
            budget_max_fen: max.expect("checked"),
            bid_deadline: bid_deadline.expect("checked"),
            price_weight: price_weight.expect("checked"),
            procurement_type: procurement_type.expect("checked"),
            criteria,
        })
    }
}

/// A change to a scenario: absent fields stay. Substantive fields change only in draft;
/// tags may change while published too.
#[derive(Debug, Clone, Default)]
pub struct ScenarioPatch {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub domain: Option<String>,
    pub tags: Option<Vec<String>>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub bid_deadline: Option<String>,
    pub price_weight: Option<i64>,
    pub procurement_type: Option<String>,
    pub criteria: Option<Vec<CriterionInput>>,
}

impl ScenarioPatch {
    /// Whether the patch touches anything but the tags.
    pub fn is_substantive(&self) -> bool {
        self.title.is_some()
            || self.summary.is_some()
            || self.description.is_some()
            || self.domain.is_some()
            || self.budget_min_fen.is_some()
            || self.budget_max_fen.is_some()
            || self.bid_deadline.is_some()
            || self.price_weight.is_some()
            || self.procurement_type.is_some()
            || self.criteria.is_some()
    }

    /// The scenario's input with this patch laid over it.
    pub fn over(self, s: &Scenario) -> ScenarioInput {
        ScenarioInput {
            title: self.title.unwrap_or_else(|| s.title.clone()),
            summary: self.summary.unwrap_or_else(|| s.summary.clone()),
            description: self.description.unwrap_or_else(|| s.description.clone()),
            domain: self.domain.unwrap_or_else(|| s.domain.code().into()),
            tags: self.tags.unwrap_or_else(|| s.tags.clone()),
            budget_min_fen: Some(self.budget_min_fen.unwrap_or(s.budget_min_fen)),
            budget_max_fen: Some(self.budget_max_fen.unwrap_or(s.budget_max_fen)),
            bid_deadline: self
                .bid_deadline
                .unwrap_or_else(|| s.bid_deadline.to_rfc3339()),
            price_weight: Some(self.price_weight.unwrap_or(i64::from(s.price_weight))),
            procurement_type: self
                .procurement_type
                .unwrap_or_else(|| s.procurement_type.code().into()),
            criteria: self.criteria.unwrap_or_else(|| {
                s.criteria
                    .iter()
                    .map(|c| CriterionInput {
                        name: c.name.clone(),
                        weight: i64::from(c.weight),
                        description: c.description.clone(),
                    })
                    .collect()
            }),
        }
    }
}
