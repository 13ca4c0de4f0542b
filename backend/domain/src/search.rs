//! Search: the documents a search engine holds, the questions it answers, and the rules of
//! what may enter it. Engines (the `search` crate) implement [`crate::ports::SearchIndex`];
//! nothing here knows one.
//!
//! What never enters an index: drafts, cancelled scenarios, unverified vendors, and anything
//! sealed — bids and bid counts are not part of any document.

use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{OrgKind, Organization};
use crate::ids::OrganizationId;
use crate::message::Message;
use crate::scenario::{Scenario, ScenarioId, Status};
use crate::sector::Sector;

/// Longest query text searched; longer text is cut (and the answer says so).
pub const MAX_QUERY_CHARS: usize = 200;

/// A document of an index, by kind and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DocRef {
    Scenario(ScenarioId),
    Vendor(OrganizationId),
}

impl DocRef {
    /// The stored kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            DocRef::Scenario(_) => "scenario",
            DocRef::Vendor(_) => "vendor",
        }
    }

    pub fn id(&self) -> i64 {
        match self {
            DocRef::Scenario(s) => s.0,
            DocRef::Vendor(o) => o.0,
        }
    }

    pub fn of(kind: &str, id: i64) -> Option<DocRef> {
        match kind {
            "scenario" => Some(DocRef::Scenario(ScenarioId(id))),
            "vendor" => Some(DocRef::Vendor(OrganizationId(id))),
            _ => None,
        }
    }
}

/// A scenario as the index holds it: public fields only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioDoc {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub tags: Vec<String>,
    pub domain: Sector,
    /// The stored status (`published` turns `evaluating` when the opening job runs).
    pub status: Status,
    pub agency_id: i64,
    pub agency_name: String,
    pub budget_min_fen: i64,
    pub budget_max_fen: i64,
    pub bid_deadline: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
}

impl ScenarioDoc {
    /// Whether a scenario has a document (see [`ScenarioDoc::of`]).
    pub fn searchable(s: &Scenario) -> bool {
        s.published_at.is_some() && !matches!(s.status, Status::Draft | Status::Cancelled)
    }

    /// The document of a scenario, or `None` when it must not be searchable (a draft, a
    /// cancelled scenario).
    pub fn of(s: &Scenario, agency_name: &str) -> Option<ScenarioDoc> {
        if !Self::searchable(s) {
            return None;
        }
        let published_at = s.published_at?;
        Some(ScenarioDoc {
            id: s.id.0,
            title: s.title.clone(),
            summary: s.summary.clone(),
            description: s.description.clone(),
            tags: s.tags.clone(),
            domain: s.domain,
            status: s.status,
            agency_id: s.owner.0,
            agency_name: agency_name.to_string(),
            budget_min_fen: s.budget_min_fen,
            budget_max_fen: s.budget_max_fen,
            bid_deadline: s.bid_deadline,
            published_at,
        })
    }

    /// Whether bids are taken at `now` (open scenarios rank a little higher).
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        self.status == Status::Published && self.bid_deadline > now
    }
}

/// A vendor of the directory as the index holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VendorDoc {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub capabilities: Vec<String>,
    pub opc_member: bool,
    /// The reputation score (mean of the ratings' marks), absent until the first rating.
    pub rating_average: Option<f64>,
    pub rating_count: i64,
}

impl VendorDoc {
    /// The document of an organization, or `None` unless it is a verified vendor.
    pub fn of(o: &Organization, rating_average: Option<f64>, rating_count: i64) -> Option<Self> {
        (o.kind == OrgKind::Vendor && o.verified).then(|| VendorDoc {
            id: o.id.0,
            name: o.name.clone(),
            description: o.description.clone(),
            capabilities: o.capabilities.clone(),
            opc_member: o.opc_member,
            rating_average,
            rating_count,
        })
    }
}

/// One change of an index.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexOp {
    PutScenario(Box<ScenarioDoc>),
    PutVendor(VendorDoc),
    Delete(DocRef),
}

/// How scenario results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioSort {
    /// Best match first (open scenarios a little higher); newest first without text.
    #[default]
    Relevance,
    /// The nearest bid deadline first.
    DeadlineSoonest,
    /// The most recently published first.
    Newest,
    /// The largest budget first.
    BudgetHighest,
}

impl ScenarioSort {
    pub const ALL: [ScenarioSort; 4] = [
        ScenarioSort::Relevance,
        ScenarioSort::DeadlineSoonest,
        ScenarioSort::Newest,
        ScenarioSort::BudgetHighest,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            ScenarioSort::Relevance => "relevance",
            ScenarioSort::DeadlineSoonest => "deadline",
            ScenarioSort::Newest => "newest",
            ScenarioSort::BudgetHighest => "budget",
        }
    }

    pub fn parse(s: &str) -> Result<ScenarioSort, Message> {
        Self::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .ok_or_else(|| {
                Message::new(
                    "排序方式应为 relevance、deadline、newest 或 budget",
                    "sort is relevance, deadline, newest or budget",
                )
            })
    }
}

/// A search of the scenarios. Filters of one kind match any of their values; filters of
/// different kinds all apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenarioSearch {
    /// The text as cut by [`clean_query`] (may be empty: filters only).
    pub text: String,
    pub domains: Vec<Sector>,
    /// Statuses as readers see them at `now`.
    pub statuses: Vec<Status>,
    /// Every tag must be present.
    pub tags: Vec<String>,
    /// The scenario's budget range must meet `[budget_min_fen, budget_max_fen]`.
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub deadline_after: Option<DateTime<Utc>>,
    pub deadline_before: Option<DateTime<Utc>>,
    pub agency: Option<OrganizationId>,
    pub sort: ScenarioSort,
    pub offset: usize,
    pub limit: usize,
    /// The time of the search (for "open" and the status at reading time).
    pub now: DateTime<Utc>,
}

/// A search of the vendor directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VendorSearch {
    pub text: String,
    /// Every capability must be present.
    pub capabilities: Vec<String>,
    pub opc_member: Option<bool>,
    pub offset: usize,
    pub limit: usize,
}

/// A piece of a field with the matched words marked: `marks` are byte ranges of `text`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub text: String,
    pub marks: Vec<Range<usize>>,
}

/// One scenario found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioHit {
    pub id: ScenarioId,
    pub title: Snippet,
    pub summary: Snippet,
}

/// Counts of the results by a facet's values, largest first (ties by value).
pub type FacetCounts = Vec<(String, u64)>;

/// The facets of a scenario search (over the whole filtered result).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScenarioFacets {
    pub domain: FacetCounts,
    pub status: FacetCounts,
    pub tags: FacetCounts,
}

/// A page of scenarios found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScenarioHits {
    pub hits: Vec<ScenarioHit>,
    pub total: u64,
    pub facets: ScenarioFacets,
}

/// A page of vendors found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VendorHits {
    pub ids: Vec<OrganizationId>,
    pub total: u64,
    pub opc_member: FacetCounts,
}

/// Most groups of the thesaurus, most terms in a group, longest term.
pub const MAX_SYNONYM_GROUPS: usize = 2000;
pub const MAX_GROUP_TERMS: usize = 20;
pub const MAX_TERM_CHARS: usize = 40;

/// The thesaurus a new installation starts with (`data/synonyms.txt`).
pub fn default_synonyms() -> Vec<Vec<String>> {
    synonym_lines(include_str!("../data/synonyms.txt"))
}

/// Groups from text, one per line, terms separated by `=` (or by the separators an editor
/// may type: `,` `，` `、` `/`); `#` starts a comment.
pub fn synonym_lines(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .map(|l| {
            l.split(['=', ',', '，', '、', '/'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect()
}

/// The text form of groups, for the editing page.
pub fn synonym_text(groups: &[Vec<String>]) -> String {
    groups
        .iter()
        .map(|g| g.join(" = "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks a thesaurus: each group has at least two different terms (compared folded), each
/// term at most [`MAX_TERM_CHARS`]; every bad group or term is named (`groups[2]`,
/// `groups[2][1]`). Terms are trimmed; a term repeated in a group is kept once.
pub fn check_synonyms(raw: &[Vec<String>]) -> crate::Result<Vec<Vec<String>>> {
    let mut f = crate::error::Fields::new();
    if raw.len() > MAX_SYNONYM_GROUPS {
        f.push(
            "groups",
            Message::new(
                format!("同义词组最多 {MAX_SYNONYM_GROUPS} 组"),
                format!("at most {MAX_SYNONYM_GROUPS} groups"),
            ),
        );
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, group) in raw.iter().enumerate() {
        let mut terms: Vec<String> = vec![];
        for (j, t) in group.iter().enumerate() {
            let t = t.trim();
            if t.chars().count() > MAX_TERM_CHARS {
                f.push(
                    &format!("groups[{i}][{j}]"),
                    Message::new(
                        format!("每个词最多 {MAX_TERM_CHARS} 个字"),
                        format!("a term has at most {MAX_TERM_CHARS} characters"),
                    ),
                );
            } else if !t.is_empty() && !terms.iter().any(|x| fold(x) == fold(t)) {
                terms.push(t.to_string());
            }
        }
        if terms.len() < 2 || group.len() > MAX_GROUP_TERMS {
            f.push(
                &format!("groups[{i}]"),
                Message::new(
                    format!("每组需要 2 到 {MAX_GROUP_TERMS} 个不同的词"),
                    format!("a group needs 2 to {MAX_GROUP_TERMS} different terms"),
                ),
            );
        }
        out.push(terms);
    }
    f.finish()?;
    Ok(out)
}

/// A query text made safe to search: control characters dropped, white space collapsed, cut
/// at [`MAX_QUERY_CHARS`]. The message says what was changed, for the reader.
pub fn clean_query(raw: &str) -> (String, Option<Message>) {
    let collapsed = raw
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let cut = collapsed.chars().count() > MAX_QUERY_CHARS;
    let text: String = collapsed.chars().take(MAX_QUERY_CHARS).collect();
    let searchable = text.chars().any(char::is_alphanumeric);
    let message = if !text.is_empty() && !searchable {
        Some(Message::new(
            "搜索词中没有可检索的文字，已显示全部结果",
            "the query has no searchable words; showing everything",
        ))
    } else if cut {
        Some(Message::new(
            format!("搜索词过长，只按前 {MAX_QUERY_CHARS} 个字检索"),
            format!("the query is long; only its first {MAX_QUERY_CHARS} characters are searched"),
        ))
    } else {
        None
    };
    (if searchable { text } else { String::new() }, message)
}

/// Folds text the way both engines compare it: full-width forms to half-width (ＡＩ → AI,
/// １２３ → 123, the ideographic space to a space), traditional characters of the product's
/// vocabulary to simplified ones, Latin letters to lower case.
pub fn fold(text: &str) -> String {
    text.chars().flat_map(fold_char).collect()
}

/// Where `term` stands in `text` as a term of its own: a Latin term not inside a longer Latin
/// word ("ai" is not in "drain"); Chinese has no spaces, so a Chinese term anywhere.
pub fn find_term(text: &str, term: &str) -> Option<usize> {
    if term.is_empty() {
        return None;
    }
    let latin = |c: char| c.is_ascii_alphanumeric();
    let mut from = 0;
    while let Some(p) = text[from..].find(term) {
        let at = from + p;
        let before = text[..at].chars().next_back();
        let after = text[at + term.len()..].chars().next();
        let edge_ok = |c: Option<char>, inner: Option<char>| match (c, inner) {
            (Some(c), Some(i)) if latin(i) => !latin(c),
            _ => true,
        };
        if edge_ok(before, term.chars().next()) && edge_ok(after, term.chars().next_back()) {
            return Some(at);
        }
        from = at + term.len();
    }
    None
}

/// The folded form of one character (one character or, for a few capitals, more).
pub fn fold_char(c: char) -> std::char::ToLowercase {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c if c.is_ascii() => c,
        _ => to_simplified(c),
    };
    c.to_lowercase()
}

/// Traditional → simplified for the characters this product's texts use (government, city,
/// industry and technology vocabulary). A character without an entry stays.
fn to_simplified(c: char) -> char {
    // Sorted pairs, searched by halving: no hashing per character of every text folded.
    static MAP: std::sync::OnceLock<Vec<(char, char)>> = std::sync::OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m: Vec<(char, char)> = TRADITIONAL.chars().zip(SIMPLIFIED.chars()).collect();
        m.sort_unstable();
        m
    });
    map.binary_search_by_key(&c, |p| p.0)
        .map_or(c, |i| map[i].1)
}

/// Traditional characters and, at the same positions, their simplified forms.
const TRADITIONAL: &str = "並亂們係個備傳價優兩內創劃動務區協單員問圖團圍場執報處變實審對導層嶺廣應開張強當總態戶據換損擇擊數斷時書會條來業極構標機檢歷氣決測滙漢無為煉現環產畫異發監視確礎積穩節範簡納紙級細組結統絡經網線維緊編練縣績織職聯腦與興舊藥號蟲術衛裝製複見規覺計訊記設診評識試話該詳語說調談請論證護讀貨質費資賽車軟載輔輸辦農這連進運過適選遺邊鋼錄鐵長門間閘關闆陣陽隊際險隱雙雜雲電靈響頂項預領頻題類顯風飛養體髮鬥魚鳥麼點齊龍";
const SIMPLIFIED: &str = "并乱们系个备传价优两内创划动务区协单员问图团围场执报处变实审对导层岭广应开张强当总态户据换损择击数断时书会条来业极构标机检历气决测汇汉无为炼现环产画异发监视确础积稳节范简纳纸级细组结统络经网线维紧编练县绩织职联脑与兴旧药号虫术卫装制复见规觉计讯记设诊评识试话该详语说调谈请论证护读货质费资赛车软载辅输办农这连进运过适选遗边钢录铁长门间闸关板阵阳队际险隐双杂云电灵响顶项预领频题类显风飞养体发斗鱼鸟么点齐龙";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traditional_table_pairs_each_character_once() {
        assert_eq!(TRADITIONAL.chars().count(), SIMPLIFIED.chars().count());
        let mut seen = std::collections::HashSet::new();
        for (t, s) in TRADITIONAL.chars().zip(SIMPLIFIED.chars()) {
            assert!(seen.insert(t), "{t} is listed twice");
            assert_ne!(t, s, "{t} maps to itself");
        }
    }

    #[test]
    fn folding_evens_out_width_script_and_case() {
        assert_eq!(fold("ＡＩ　巡檢１２３"), "ai 巡检123");
        assert_eq!(fold("無人機智慧監測"), "无人机智慧监测");
        assert_eq!(fold("YOLO 缺陷检测"), "yolo 缺陷检测");
    }

    #[test]
    fn queries_are_cut_collapsed_and_never_refused() {
        assert_eq!(
            clean_query("  无人机 \t 巡检\n"),
            ("无人机 巡检".into(), None)
        );
        let long = "检".repeat(1000);
        let (t, m) = clean_query(&long);
        assert_eq!(t.chars().count(), MAX_QUERY_CHARS);
        assert!(m.unwrap().contains("200"));
        let (t, m) = clean_query("\"(*)\" :: -- ！？");
        assert_eq!(t, "");
        assert!(m.is_some());
        assert_eq!(clean_query(""), (String::new(), None));
    }

    #[test]
    fn the_shipped_thesaurus_is_valid_and_covers_the_domains() {
        let groups = default_synonyms();
        assert!(groups.len() >= 60, "{} groups", groups.len());
        assert_eq!(check_synonyms(&groups).unwrap(), groups);
        for probe in [
            "监控探头",
            "太阳能发电",
            "llm",
            "高炉",
            "储罐",
            "发酵",
            "一网通办",
            "塔吊",
        ] {
            assert!(groups.iter().flatten().any(|t| t == probe), "{probe}");
        }
    }

    #[test]
    fn a_thesaurus_names_its_bad_groups_and_terms() {
        let raw = vec![
            vec!["摄像头".to_string(), " 监控探头 ".into(), "摄像头".into()],
            vec!["孤词".into()],
            vec!["甲".into(), "乙".repeat(41)],
        ];
        match check_synonyms(&raw) {
            Err(crate::Error::Validation(errs)) => {
                let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["groups[1]", "groups[2][1]", "groups[2]"]);
            }
            other => panic!("{other:?}"),
        }
        let ok = check_synonyms(&raw[..1]).unwrap();
        assert_eq!(
            ok,
            [vec!["摄像头".to_string(), "监控探头".into()]],
            "trimmed, once each"
        );
        assert_eq!(
            synonym_lines("# c\n光伏 = 太阳能发电, solar\n\n大模型、LLM"),
            [vec!["光伏", "太阳能发电", "solar"], vec!["大模型", "LLM"]]
        );
    }

    #[test]
    fn drafts_and_cancelled_scenarios_have_no_document() {
        use crate::scenario::{Origin, ProcurementType};
        let now = Utc::now();
        let mut s = Scenario {
            id: ScenarioId(1),
            owner: OrganizationId(2),
            created_by: crate::ids::UserId(3),
            title: "t".into(),
            summary: "s".into(),
            description: "d".into(),
            domain: Sector::CityGovernance,
            tags: vec![],
            budget_min_fen: 1,
            budget_max_fen: 2,
            bid_deadline: now,
            price_weight: 30,
            procurement_type: ProcurementType::Services,
            criteria: vec![],
            status: Status::Draft,
            origin: Origin::Platform,
            cancel_reason: None,
            published_at: None,
            created_at: now,
            updated_at: now,
            award: None,
        };
        assert_eq!(ScenarioDoc::of(&s, "a"), None, "draft");
        s.status = Status::Published;
        s.published_at = Some(now);
        assert!(ScenarioDoc::of(&s, "a").is_some());
        s.status = Status::Cancelled;
        assert_eq!(ScenarioDoc::of(&s, "a"), None, "cancelled");
        s.status = Status::Awarded;
        assert_eq!(ScenarioDoc::of(&s, "a").unwrap().status, Status::Awarded);
    }
}
