//! Compliance hints: the rules of formal procurement that the posting form warns about (not
//! forbids, since many scenarios follow lighter procedures).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{ProcurementType, ScenarioFields};

/// A compliance hint: formal procurement would not allow this, but lighter procedures may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

fn warning(code: &'static str, zh: String, en: String) -> Warning {
    Warning { code, zh, en }
}

/// Minimum price weights of formal procurement, in percent.
pub const MIN_PRICE_WEIGHT_SERVICES: i32 = 10;
pub const MIN_PRICE_WEIGHT_GOODS: i32 = 30;
/// The shortest bid window of formal procurement.
pub fn formal_bid_window() -> Duration {
    Duration::days(20)
}
/// Clarifications later than this before the deadline need the deadline moved.
pub fn clarification_margin() -> Duration {
    Duration::days(15)
}
/// Fewer valid bids than this at opening fall short of formal procurement.
pub const MIN_VALID_BIDS: i64 = 3;

/// The hints for a posting, if it were published at `publish_at`.
pub fn posting_warnings(f: &ScenarioFields, publish_at: DateTime<Utc>) -> Vec<Warning> {
    let mut out = Vec::new();
    let min = match f.procurement_type {
        ProcurementType::Services => MIN_PRICE_WEIGHT_SERVICES,
        ProcurementType::Goods => MIN_PRICE_WEIGHT_GOODS,
    };
    if f.price_weight < min {
        let (kind_zh, kind_en) = match f.procurement_type {
            ProcurementType::Services => ("服务类", "services"),
            ProcurementType::Goods => ("货物类", "goods"),
        };
        out.push(warning(
            "price_weight_low",
            format!("{kind_zh}采购的价格权重一般不低于 {min}%，当前为 {}%。", f.price_weight),
            format!("Formal procurement of {kind_en} weighs price at {min}% or more; this posting uses {}%.", f.price_weight),
        ));
    }
    if f.bid_deadline - publish_at < formal_bid_window() {
        out.push(warning(
            "short_bid_window",
            "从发布到投标截止不足 20 天，正式采购一般要求至少 20 天。".into(),
            "Less than 20 days between publication and the deadline; formal procurement allows at least 20.".into(),
        ));
    }
    out
}

/// The hint for an answer published at `now` to a scenario with `deadline`.
pub fn clarification_warnings(deadline: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Warning> {
    if deadline - now < clarification_margin() {
        vec![warning(
            "late_clarification",
            "澄清在截止前不足 15 天发布，正式采购应相应顺延投标截止时间。".into(),
            "This clarification comes less than 15 days before the deadline; formal procurement would extend the deadline.".into(),
        )]
    } else {
        vec![]
    }
}

/// The hint when bids are opened.
pub fn opening_warnings(valid_bids: i64) -> Vec<Warning> {
    if valid_bids < MIN_VALID_BIDS {
        vec![warning(
            "few_bids",
            format!("开标时有效投标不足 3 家（{valid_bids} 家）。"),
            format!("Fewer than 3 valid bids at opening ({valid_bids})."),
        )]
    } else {
        vec![]
    }
}
