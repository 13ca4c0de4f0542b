//! Scenarios: the parsed fields of a posting, its lifecycle as one pure function, the
//! deadline rule, and the compliance hints of formal procurement.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError, Fields, Result};
use crate::ids::{OrganizationId, UserId};
use crate::sector::Sector;
use crate::text;

crate::ids::id_types!(
    /// A scenario.
    ScenarioId,
    /// A technical criterion of a scenario.
    CriterionId,
    /// A clarification question.
    QuestionId,
    /// An answer to a question.
    AnswerId,
);

pub const MAX_TITLE: usize = 100;
pub const MAX_SUMMARY: usize = 300;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_LEN: usize = 20;
pub const MAX_CRITERIA: usize = 20;
pub const MAX_CRITERION_NAME: usize = 50;
pub const MAX_CRITERION_DESCRIPTION: usize = 500;
/// The largest budget a posting may state: 100 billion yuan in fen.
pub const MAX_BUDGET_FEN: i64 = 10_000_000_000_000;
pub const MAX_QUESTION: usize = 2000;
pub const MAX_ANSWER: usize = 5000;
pub const MAX_CANCEL_REASON: usize = 500;

/// Where a scenario stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Published,
    Evaluating,
    Awarded,
    Delivered,
    Closed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Draft,
        Status::Published,
        Status::Evaluating,
        Status::Awarded,
        Status::Delivered,
        Status::Closed,
        Status::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Evaluating => "evaluating",
            Status::Awarded => "awarded",
            Status::Delivered => "delivered",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|x| x.code() == s.trim())
            .ok_or_else(|| {
                format!(
                    "未知状态 / unknown status '{}'; expected one of: {}",
                    s.trim(),
                    Status::ALL.map(Status::code).join(", ")
                )
            })
    }

    /// The status as everyone should see it at `now`: a published scenario whose deadline has
    /// passed is closed for bidding, whether or not the opening job has run yet.
    pub fn effective(self, deadline: DateTime<Utc>, now: DateTime<Utc>) -> Status {
        if self == Status::Published && deadline_passed(deadline, now) {
            Status::Evaluating
        } else {
            self
        }
    }
}

/// Whether bidding is over: the deadline second itself is already too late.
pub fn deadline_passed(deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= deadline
}

/// Whether the scenario takes bids at `now`.
pub fn open_for_bids(status: Status, deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status.effective(deadline, now) == Status::Published
}

/// A move in the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Change the substantive fields.
    Edit,
    Publish,
    /// Move the deadline to a later time.
    Extend {
        new_deadline: DateTime<Utc>,
    },
    Cancel,
    /// The deadline has passed: open the bids.
    OpenBids,
    Award,
    Deliver,
    Close,
}

impl Action {
    /// The move this action is.
    pub fn kind(&self) -> Move {
        match self {
            Action::Edit => Move::Edit,
            Action::Publish => Move::Publish,
            Action::Extend { .. } => Move::Extend,
            Action::Cancel => Move::Cancel,
            Action::OpenBids => Move::OpenBids,
            Action::Award => Move::Award,
            Action::Deliver => Move::Deliver,
            Action::Close => Move::Close,
        }
    }

    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

/// Every move a refusal can name: the lifecycle's actions and the moves made beside it (on
/// bids, questions, the panel and scores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Move {
    Edit,
    Publish,
    Extend,
    Cancel,
    OpenBids,
    Award,
    Deliver,
    Close,
    Bid,
    Revise,
    Attach,
    Detach,
    Withdraw,
    Ask,
    Answer,
    SetPanel,
    Declare,
    Score,
    Rank,
    Dissent,
}

impl Move {
    /// The name in API answers (`action` of a 409 problem).
    pub fn code(self) -> &'static str {
        match self {
            Move::Edit => "edit",
            Move::Publish => "publish",
            Move::Extend => "extend",
            Move::Cancel => "cancel",
            Move::OpenBids => "open_bids",
            Move::Award => "award",
            Move::Deliver => "deliver",
            Move::Close => "close",
            Move::Bid => "bid",
            Move::Revise => "revise",
            Move::Attach => "attach",
            Move::Detach => "detach",
            Move::Withdraw => "withdraw",
            Move::Ask => "ask",
            Move::Answer => "answer",
            Move::SetPanel => "set_panel",
            Move::Declare => "declare",
            Move::Score => "score",
            Move::Rank => "rank",
            Move::Dissent => "dissent",
        }
    }
}

/// A refused move: the current state and the move, for a 409 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub current: Status,
    pub action: Move,
    pub why: String,
}

impl From<Refused> for Error {
    fn from(r: Refused) -> Error {
        Error::IllegalTransition {
            current: r.current,
            action: r.action,
            detail: r.why,
        }
    }
}

/// The lifecycle: the state after `action` on a scenario in `status` with `deadline`, at `now`.
/// Publishing needs a deadline in the future; extending needs a later one, before the current
/// deadline has passed. Every other pair is refused with the reason.
pub fn transition(
    status: Status,
    deadline: DateTime<Utc>,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Status, Refused> {
    use Status::*;
    let current = status.effective(deadline, now);
    let refuse = |why: &str| Refused {
        current,
        action: action.kind(),
        why: why.to_string(),
    };
    match (current, action) {
        (Draft, Action::Edit) => Ok(Draft),
        (Draft, Action::Publish) => {
            if deadline_passed(deadline, now) {
                Err(refuse(
                    "截止时间必须晚于现在 / the bid deadline must be in the future",
                ))
            } else {
                Ok(Published)
            }
        }
        (Published, Action::Extend { new_deadline }) => {
            if *new_deadline <= deadline {
                Err(refuse(
                    "新的截止时间必须晚于原截止时间 / the new deadline must be later than the current one",
                ))
            } else {
                Ok(Published)
            }
        }
        (Draft | Published, Action::Cancel) => Ok(Cancelled),
        (Evaluating, Action::OpenBids) => Ok(Evaluating),
        (Evaluating, Action::Award) => Ok(Awarded),
        (Awarded, Action::Deliver) => Ok(Delivered),
        (Delivered, Action::Close) => Ok(Closed),
        (Published, Action::OpenBids) => Err(refuse("投标尚未截止 / bidding has not closed yet")),
        (_, Action::Edit) => Err(refuse(
            "只有草稿可以修改实质内容 / only a draft's substance can be edited",
        )),
        (_, Action::Publish) => Err(refuse("只有草稿可以发布 / only a draft can be published")),
        (_, Action::Extend { .. }) => Err(refuse(
            "只有投标中的场景可以延期 / only a scenario open for bids can be extended",
        )),
        (_, Action::Cancel) => Err(refuse(
            "只有草稿或投标中的场景可以取消 / only a draft or a scenario open for bids can be cancelled",
        )),
        (_, Action::OpenBids) => Err(refuse(
            "没有待开标的投标 / there are no bids waiting to be opened",
        )),
        (_, Action::Award) => Err(refuse(
            "只有评审中的场景可以定标 / only a scenario under evaluation can be awarded",
        )),
        (_, Action::Deliver) => Err(refuse(
            "只有已定标的场景可以交付 / only an awarded scenario can be delivered",
        )),
        (_, Action::Close) => Err(refuse(
            "只有已交付的场景可以关闭 / only a delivered scenario can be closed",
        )),
    }
}

/// How the goods or services are procured (the compliance hints differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProcurementType {
    #[default]
    Services,
    Goods,
}

impl ProcurementType {
    pub fn parse(s: &str) -> Result<ProcurementType, String> {
        match s.trim() {
            "" | "services" => Ok(ProcurementType::Services),
            "goods" => Ok(ProcurementType::Goods),
            other => Err(format!(
                "未知采购类型 / unknown procurement type '{other}': services, goods"
            )),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ProcurementType::Services => "services",
            ProcurementType::Goods => "goods",
        }
    }
}

/// Where a catalogue entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Posted on the platform by an agency.
    #[default]
    Platform,
    /// One of the district's published list of 17 scenarios.
    OfficialList,
    /// A sample made for demonstration, not an official posting.
    Sample,
}

impl Origin {
    pub fn code(self) -> &'static str {
        match self {
            Origin::Platform => "platform",
            Origin::OfficialList => "official_list",
            Origin::Sample => "sample",
        }
    }

    pub fn parse(s: &str) -> Result<Origin, String> {
        match s {
            "platform" => Ok(Origin::Platform),
            "official_list" => Ok(Origin::OfficialList),
            "sample" => Ok(Origin::Sample),
            other => Err(format!("unknown origin '{other}'")),
        }
    }
}

/// One technical criterion, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criterion {
    pub id: CriterionId,
    pub name: String,
    pub weight: i32,
    pub description: String,
}

/// A scenario as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub id: ScenarioId,
    pub owner: OrganizationId,
    pub created_by: UserId,
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
    pub criteria: Vec<Criterion>,
    /// The stored status; see [`Scenario::status_at`] for what everyone sees.
    pub status: Status,
    pub origin: Origin,
    pub cancel_reason: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The winning bid, once awarded.
    pub award: Option<Award>,
}

/// The award of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    pub bid: crate::bid::BidId,
    pub at: DateTime<Utc>,
    /// Required when the awarded bid is not ranked first.
    pub justification: Option<String>,
}

impl Scenario {
    /// The status at `now`, with a passed deadline treated as closed for bidding.
    pub fn status_at(&self, now: DateTime<Utc>) -> Status {
        self.status.effective(self.bid_deadline, now)
    }

    /// Whether the public may see it: once published, always.
    pub fn is_public(&self) -> bool {
        self.published_at.is_some()
    }

    /// Whether the bids are opened at `now`: the deadline of a published scenario has passed.
    /// A draft has no bids, and a cancelled scenario's bids are void and never opened.
    pub fn bids_opened(&self, now: DateTime<Utc>) -> bool {
        matches!(
            self.status_at(now),
            Status::Evaluating | Status::Awarded | Status::Delivered | Status::Closed
        )
    }
}

/// A criterion as a form or JSON body brings it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CriterionInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub description: String,
}

/// A raw scenario, as a form or JSON body brings it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ScenarioInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    /// RFC 3339.
    #[serde(default)]
    pub bid_deadline: String,
    pub price_weight: Option<i64>,
    #[serde(default)]
    pub procurement_type: String,
    #[serde(default)]
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
fn budget(v: Option<i64>) -> Result<i64, String> {
    match v {
        None => Err("请填写预算 / the budget is required".into()),
        Some(n) if n <= 0 => Err("预算必须大于零 / the budget must be positive".into()),
        Some(n) if n > MAX_BUDGET_FEN => Err("预算过大 / the budget is too large".into()),
        Some(n) => Ok(n),
    }
}

/// Parses an RFC 3339 time (with its offset) into UTC.
pub fn parse_time(raw: &str) -> Result<DateTime<Utc>, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("请填写截止时间 / the deadline is required".into());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| "时间格式应为 RFC 3339，例如 2026-12-31T17:00:00+08:00 / use RFC 3339, e.g. 2026-12-31T17:00:00+08:00".into())
}

fn weight(w: i64) -> Result<i32, String> {
    if (0..=100).contains(&w) {
        Ok(w as i32)
    } else {
        Err("权重应为 0 到 100 的整数 / a weight is an integer from 0 to 100".into())
    }
}

impl TryFrom<ScenarioInput> for ScenarioFields {
    type Error = Error;

    fn try_from(r: ScenarioInput) -> Result<Self> {
        let mut f = Fields::new();
        let title = f.take("title", text::bounded(&r.title, 1, MAX_TITLE));
        let summary = f.take("summary", text::bounded(&r.summary, 1, MAX_SUMMARY));
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
                "最高预算不能低于最低预算 / the maximum budget must not be below the minimum",
            );
        }
        let bid_deadline = f.take("bid_deadline", parse_time(&r.bid_deadline));
        let price_weight = match r.price_weight {
            Some(w) => f.take("price_weight", weight(w)),
            None => f.take(
                "price_weight",
                Err("请填写价格权重 / the price weight is required".into()),
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
                format!("最多 {MAX_CRITERIA} 项评分标准 / at most {MAX_CRITERIA} criteria"),
            );
            criteria_ok = false;
        }
        let mut seen: Vec<String> = Vec::new();
        for (i, c) in r.criteria.iter().enumerate() {
            let name = f.take(
                &format!("criteria[{i}].name"),
                text::bounded(&c.name, 1, MAX_CRITERION_NAME),
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
                        "评分标准名称重复 / criterion names must be unique",
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
                f.push("criteria", "价格权重不是 100 时至少需要一项技术评分标准 / at least one technical criterion is needed unless the price weight is 100");
            } else if total != 100 {
                f.push("criteria", format!("价格权重与各项权重之和应为 100，现为 {total} / the price weight and the criterion weights must add up to 100 (now {total})"));
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

/// A compliance hint: formal procurement would not allow this, but lighter procedures may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

/// A change to a scenario: absent fields stay. Substantive fields change only in draft;
/// tags may change while published too.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
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

/// Parses a question or answer body.
pub fn parse_body(raw: &str, max: usize) -> Result<String> {
    text::bounded(raw, 1, max).map_err(|m| Error::Validation(vec![FieldError::new("body", m)]))
}

/// Parses a cancellation reason.
pub fn parse_reason(raw: &str) -> Result<String> {
    text::bounded(raw, 1, MAX_CANCEL_REASON)
        .map_err(|m| Error::Validation(vec![FieldError::new("reason", m)]))
}

/// A question with its answers, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub id: QuestionId,
    pub scenario: ScenarioId,
    pub asked_by: UserId,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Oldest first; a later answer corrects an earlier one.
    pub answers: Vec<Answer>,
}

/// An answer, never changed once given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub id: AnswerId,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn input() -> ScenarioInput {
        ScenarioInput {
            title: "无人机智能巡检".into(),
            summary: "Drone inspection".into(),
            description: "用无人机巡检城市。".into(),
            domain: "city_governance".into(),
            tags: vec!["无人机".into()],
            budget_min_fen: Some(10_000_000),
            budget_max_fen: Some(30_000_000),
            bid_deadline: "2026-12-31T17:00:00+08:00".into(),
            price_weight: Some(30),
            procurement_type: String::new(),
            criteria: vec![
                CriterionInput {
                    name: "技术方案".into(),
                    weight: 50,
                    description: "".into(),
                },
                CriterionInput {
                    name: "团队".into(),
                    weight: 20,
                    description: "".into(),
                },
            ],
        }
    }

    fn fields_of(r: Result<ScenarioFields>) -> Vec<String> {
        match r {
            Err(Error::Validation(v)) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("expected validation, got {other:?}"),
        }
    }

    #[test]
    fn a_good_posting_parses_with_its_deadline_in_utc() {
        let f = ScenarioFields::try_from(input()).unwrap();
        assert_eq!(f.bid_deadline, t("2026-12-31T09:00:00Z"));
        assert_eq!(f.criteria.len(), 2);
        assert_eq!(f.procurement_type, ProcurementType::Services);
    }

    #[test]
    fn every_field_rule_names_its_field() {
        type Change = Box<dyn Fn(&mut ScenarioInput)>;
        let cases: Vec<(&str, Change)> = vec![
            ("title", Box::new(|i| i.title = " ".into())),
            ("title", Box::new(|i| i.title = "题".repeat(MAX_TITLE + 1))),
            ("summary", Box::new(|i| i.summary = "".into())),
            ("description", Box::new(|i| i.description = "".into())),
            ("domain", Box::new(|i| i.domain = "space".into())),
            (
                "tags",
                Box::new(|i| i.tags = (0..11).map(|n| n.to_string()).collect()),
            ),
            ("tags", Box::new(|i| i.tags = vec!["x".repeat(21)])),
            ("budget_min_fen", Box::new(|i| i.budget_min_fen = Some(0))),
            ("budget_min_fen", Box::new(|i| i.budget_min_fen = None)),
            ("budget_max_fen", Box::new(|i| i.budget_max_fen = Some(-5))),
            (
                "budget_max_fen",
                Box::new(|i| i.budget_max_fen = Some(MAX_BUDGET_FEN + 1)),
            ),
            (
                "budget_max_fen",
                Box::new(|i| i.budget_max_fen = Some(5_000_000)),
            ),
            (
                "bid_deadline",
                Box::new(|i| i.bid_deadline = "next friday".into()),
            ),
            ("bid_deadline", Box::new(|i| i.bid_deadline = "".into())),
            ("price_weight", Box::new(|i| i.price_weight = Some(101))),
            ("price_weight", Box::new(|i| i.price_weight = None)),
            (
                "procurement_type",
                Box::new(|i| i.procurement_type = "rental".into()),
            ),
            (
                "criteria[0].name",
                Box::new(|i| i.criteria[0].name = "".into()),
            ),
            (
                "criteria[1].name",
                Box::new(|i| i.criteria[1].name = " 技术方案 ".into()),
            ),
            (
                "criteria[1].weight",
                Box::new(|i| i.criteria[1].weight = -1),
            ),
            (
                "criteria[0].description",
                Box::new(|i| i.criteria[0].description = "x".repeat(501)),
            ),
            ("criteria", Box::new(|i| i.criteria[1].weight = 25)),
            ("criteria", Box::new(|i| i.criteria.clear())),
            (
                "criteria",
                Box::new(|i| {
                    i.criteria = (0..21)
                        .map(|n| CriterionInput {
                            name: n.to_string(),
                            weight: 0,
                            description: "".into(),
                        })
                        .collect()
                }),
            ),
        ];
        for (field, change) in cases {
            let mut i = input();
            change(&mut i);
            assert_eq!(
                fields_of(ScenarioFields::try_from(i)),
                vec![field.to_string()],
                "{field}"
            );
        }
    }

    #[test]
    fn price_only_postings_need_no_criteria_and_tags_are_normalised() {
        let mut i = input();
        i.price_weight = Some(100);
        i.criteria.clear();
        i.tags = vec![" AI ".into(), "ai".into(), "".into()];
        let f = ScenarioFields::try_from(i).unwrap();
        assert!(f.criteria.is_empty());
        assert_eq!(f.tags, vec!["ai"]);
    }

    #[test]
    fn a_weight_total_error_says_the_total() {
        let mut i = input();
        i.criteria[0].weight = 60;
        match ScenarioFields::try_from(i) {
            Err(Error::Validation(v)) => assert!(v[0].message.contains("110"), "{}", v[0].message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_deadline_second_itself_is_too_late() {
        let d = t("2026-12-31T09:00:00Z");
        assert!(open_for_bids(
            Status::Published,
            d,
            d - Duration::seconds(1)
        ));
        assert!(!open_for_bids(Status::Published, d, d));
        assert!(!open_for_bids(
            Status::Published,
            d,
            d + Duration::seconds(1)
        ));
        assert_eq!(Status::Published.effective(d, d), Status::Evaluating);
        assert_eq!(
            Status::Draft.effective(d, d + Duration::days(1)),
            Status::Draft
        );
        assert_eq!(
            Status::Cancelled.effective(d, d + Duration::days(1)),
            Status::Cancelled
        );
    }

    /// Every (state, action) pair, before the deadline unless the state says otherwise.
    #[test]
    fn every_lifecycle_pair_is_decided() {
        use Status::*;
        let deadline = t("2026-12-31T09:00:00Z");
        let before = deadline - Duration::days(1);
        let later = Action::Extend {
            new_deadline: deadline + Duration::days(7),
        };
        let actions = [
            Action::Edit,
            Action::Publish,
            later.clone(),
            Action::Cancel,
            Action::OpenBids,
            Action::Award,
            Action::Deliver,
            Action::Close,
        ];
        // (state, expected result for each action in order; None = refused)
        let table: [(Status, [Option<Status>; 8]); 7] = [
            (
                Draft,
                [
                    Some(Draft),
                    Some(Published),
                    None,
                    Some(Cancelled),
                    None,
                    None,
                    None,
                    None,
                ],
            ),
            (
                Published,
                [
                    None,
                    None,
                    Some(Published),
                    Some(Cancelled),
                    None,
                    None,
                    None,
                    None,
                ],
            ),
            (
                Evaluating,
                [
                    None,
                    None,
                    None,
                    None,
                    Some(Evaluating),
                    Some(Awarded),
                    None,
                    None,
                ],
            ),
            (
                Awarded,
                [None, None, None, None, None, None, Some(Delivered), None],
            ),
            (
                Delivered,
                [None, None, None, None, None, None, None, Some(Closed)],
            ),
            (Closed, [None; 8]),
            (Cancelled, [None; 8]),
        ];
        for (state, expected) in table {
            for (action, want) in actions.iter().zip(expected) {
                let got = transition(state, deadline, action, before);
                match (want, &got) {
                    (Some(w), Ok(g)) => assert_eq!(*g, w, "{state:?} {action:?}"),
                    (None, Err(r)) => {
                        assert_eq!(r.current, state);
                        assert_eq!(r.action, action.kind());
                        assert!(r.why.contains(" / "), "bilingual reason");
                    }
                    _ => panic!("{state:?} {action:?}: expected {want:?}, got {got:?}"),
                }
            }
        }
    }

    #[test]
    fn a_published_scenario_past_its_deadline_behaves_as_evaluating() {
        let deadline = t("2026-12-31T09:00:00Z");
        let at = deadline;
        assert_eq!(
            transition(Status::Published, deadline, &Action::OpenBids, at),
            Ok(Status::Evaluating)
        );
        assert_eq!(
            transition(
                Status::Published,
                deadline,
                &Action::OpenBids,
                at - Duration::seconds(1)
            )
            .unwrap_err()
            .current,
            Status::Published
        );
        let ext = Action::Extend {
            new_deadline: deadline + Duration::days(1),
        };
        assert_eq!(
            transition(Status::Published, deadline, &ext, at)
                .unwrap_err()
                .current,
            Status::Evaluating
        );
        assert!(transition(Status::Published, deadline, &Action::Cancel, at).is_err());
    }

    #[test]
    fn publishing_needs_a_future_deadline_and_extending_a_later_one() {
        let deadline = t("2026-12-31T09:00:00Z");
        assert!(transition(Status::Draft, deadline, &Action::Publish, deadline).is_err());
        assert!(
            transition(
                Status::Draft,
                deadline,
                &Action::Publish,
                deadline - Duration::seconds(1)
            )
            .is_ok()
        );
        let same = Action::Extend {
            new_deadline: deadline,
        };
        assert!(
            transition(
                Status::Published,
                deadline,
                &same,
                deadline - Duration::days(1)
            )
            .is_err()
        );
    }

    #[test]
    fn compliance_hints_follow_the_formal_rules() {
        let mut f = ScenarioFields::try_from(input()).unwrap();
        let publish = f.bid_deadline - Duration::days(30);
        assert!(posting_warnings(&f, publish).is_empty());
        assert_eq!(
            posting_warnings(&f, f.bid_deadline - Duration::days(19))
                .iter()
                .map(|w| w.code)
                .collect::<Vec<_>>(),
            ["short_bid_window"]
        );
        f.price_weight = 5;
        assert_eq!(posting_warnings(&f, publish)[0].code, "price_weight_low");
        f.price_weight = 20;
        assert!(posting_warnings(&f, publish).is_empty());
        f.procurement_type = ProcurementType::Goods;
        assert_eq!(posting_warnings(&f, publish)[0].code, "price_weight_low");
        let d = f.bid_deadline;
        assert!(clarification_warnings(d, d - Duration::days(15)).is_empty());
        assert_eq!(
            clarification_warnings(d, d - Duration::days(14))[0].code,
            "late_clarification"
        );
        assert_eq!(opening_warnings(2)[0].code, "few_bids");
        assert!(opening_warnings(3).is_empty());
    }

    #[test]
    fn a_patch_over_a_scenario_keeps_what_it_does_not_name() {
        let f = ScenarioFields::try_from(input()).unwrap();
        let s = Scenario {
            id: ScenarioId(1),
            owner: OrganizationId(2),
            created_by: UserId(3),
            title: f.title.clone(),
            summary: f.summary.clone(),
            description: f.description.clone(),
            domain: f.domain,
            tags: f.tags.clone(),
            budget_min_fen: f.budget_min_fen,
            budget_max_fen: f.budget_max_fen,
            bid_deadline: f.bid_deadline,
            price_weight: f.price_weight,
            procurement_type: f.procurement_type,
            criteria: f
                .criteria
                .iter()
                .enumerate()
                .map(|(i, c)| Criterion {
                    id: CriterionId(i as i64),
                    name: c.name.clone(),
                    weight: c.weight,
                    description: c.description.clone(),
                })
                .collect(),
            status: Status::Draft,
            origin: Origin::Platform,
            cancel_reason: None,
            published_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            award: None,
        };
        let patch = ScenarioPatch {
            title: Some("新标题".into()),
            ..Default::default()
        };
        assert!(patch.is_substantive());
        let again = ScenarioFields::try_from(patch.over(&s)).unwrap();
        assert_eq!(again.title, "新标题");
        assert_eq!(again.criteria, f.criteria);
        assert_eq!(again.bid_deadline, f.bid_deadline);
        assert!(
            !ScenarioPatch {
                tags: Some(vec![]),
                ..Default::default()
            }
            .is_substantive()
        );
    }
}
