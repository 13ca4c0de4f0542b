//! Which vendors hear of a newly published scenario: their interests (domains, tags, keywords,
//! a least budget) and their saved searches, evaluated against the scenario in one pass over
//! every subscription (never one query per vendor).
//!
//! Text matches the way search does at its core: width, script and case folded; a Chinese
//! term anywhere in the text, a Latin term as a whole word; a term also matches through its
//! thesaurus group.

use chrono::{DateTime, Utc};

use crate::error::{Fields, Result};
use crate::ids::UserId;
use crate::message::Message;
use crate::scenario::Scenario;
use crate::search::fold;
use crate::sector::Sector;

/// How a user wants email of a kind (the in-app notification is always written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailPref {
    #[default]
    Immediate,
    Daily,
    Off,
}

impl EmailPref {
    pub fn code(self) -> &'static str {
        match self {
            EmailPref::Immediate => "immediate",
            EmailPref::Daily => "daily",
            EmailPref::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<EmailPref> {
        [EmailPref::Immediate, EmailPref::Daily, EmailPref::Off]
            .into_iter()
            .find(|p| p.code() == s)
    }
}

/// A vendor user's standing interests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interests {
    pub domains: Vec<Sector>,
    pub tags: Vec<String>,
    pub keywords: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub email: EmailPref,
}

/// A saved search: the search page's query and filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSearch {
    pub id: i64,
    pub user: UserId,
    pub q: String,
    pub domains: Vec<Sector>,
    pub tags: Vec<String>,
    pub budget_min_fen: Option<i64>,
    pub budget_max_fen: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// The most tags or keywords a profile or search holds, and their longest length.
const MAX_TERMS: usize = 20;
const MAX_TERM_CHARS: usize = 30;

/// Trims, drops empties and repeats, and names what is too long or too many.
pub fn clean_terms(f: &mut Fields, field: &str, raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for t in raw.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if t.chars().count() > MAX_TERM_CHARS {
            f.push(
                field,
                Message::new("每项最多 30 字", "each entry has at most 30 characters"),
            );
            return out;
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    if out.len() > MAX_TERMS {
        f.push(field, Message::new("最多 20 项", "at most 20 entries"));
    }
    out
}

/// Checks a budget bound: not negative.
pub fn check_budget(f: &mut Fields, field: &str, v: Option<i64>) -> Option<i64> {
    if v.is_some_and(|v| v < 0) {
        f.push(
            field,
            Message::new("预算不能为负", "a budget is not negative"),
        );
    }
    v
}

/// Whether `term` stands in `text` (both folded): a Latin term as a whole word, a Chinese
/// one anywhere (Chinese has no spaces).
pub fn contains_term(text: &str, term: &str) -> bool {
    crate::search::find_term(text, term).is_some()
}

/// A scenario as matching reads it: its folded text and its fields.
/// Whether `term`, or a term of its thesaurus group, is written in `text` (folded).
pub fn written_in(text: &str, term: &str, synonyms: &[Vec<String>]) -> bool {
    let term = fold(term.trim());
    if contains_term(text, &term) {
        return true;
    }
    synonyms
        .iter()
        .filter(|g| g.iter().any(|m| fold(m) == term))
        .flatten()
        .any(|m| contains_term(text, &fold(m)))
}

pub struct Candidate<'a> {
    pub scenario: &'a Scenario,
    text: String,
    tags: Vec<String>,
}

impl<'a> Candidate<'a> {
    pub fn of(scenario: &'a Scenario) -> Candidate<'a> {
        let text = fold(&format!(
            "{}\n{}\n{}\n{}",
            scenario.title,
            scenario.summary,
            scenario.description,
            scenario.tags.join("\n")
        ));
        Candidate {
            scenario,
            text,
            tags: scenario.tags.iter().map(|t| fold(t)).collect(),
        }
    }

    /// Whether the text holds `term` or one of its equivalents in `synonyms` (folded groups).
    fn mentions(&self, term: &str, synonyms: &[Vec<String>]) -> bool {
        written_in(&self.text, term, synonyms)
    }

    /// Whether any of the interests' words is written in the scenario.
    pub fn mentions_any(&self, i: &Interests, synonyms: &[Vec<String>]) -> bool {
        i.tags
            .iter()
            .any(|t| self.has_tag(t) || self.mentions(t, synonyms))
            || i.keywords.iter().any(|k| self.mentions(k, synonyms))
    }

    fn has_tag(&self, tag: &str) -> bool {
        self.tags.contains(&fold(tag.trim()))
    }

    fn in_domains(&self, domains: &[Sector]) -> bool {
        domains.is_empty() || domains.contains(&self.scenario.domain)
    }

    /// Whether the scenario's budget range meets `[min, max]`.
    fn in_budget(&self, min: Option<i64>, max: Option<i64>) -> bool {
        min.is_none_or(|m| self.scenario.budget_max_fen >= m)
            && max.is_none_or(|m| self.scenario.budget_min_fen <= m)
    }

    /// Interests match when the domain and budget fit and a tag or keyword is found; a profile
    /// with domains only matches on the domain; an empty profile matches nothing.
    /// What an interest says of the scenario (see [`Fit`]).
    pub fn interest_fit(&self, i: &Interests, synonyms: &[Vec<String>]) -> Fit {
        if i.domains.is_empty() && i.tags.is_empty() && i.keywords.is_empty() {
            return Fit::Out;
        }
        if !self.in_domains(&i.domains) || !self.in_budget(i.budget_min_fen, None) {
            return Fit::Out;
        }
        if i.tags.is_empty() && i.keywords.is_empty() {
            return Fit::Filters;
        }
        Fit::Words {
            written: self.mentions_any(i, synonyms),
        }
    }

    /// What a saved search says of the scenario: its filters (domains, budget, every tag) must
    /// hold; its words are written when every one is found (or an equivalent).
    pub fn search_fit(&self, s: &SavedSearch, synonyms: &[Vec<String>]) -> Fit {
        if (s.q.trim().is_empty() && s.domains.is_empty() && s.tags.is_empty())
            || !self.in_domains(&s.domains)
            || !self.in_budget(s.budget_min_fen, s.budget_max_fen)
            || !s.tags.iter().all(|t| self.has_tag(t))
        {
            return Fit::Out;
        }
        if s.q.trim().is_empty() {
            return Fit::Filters;
        }
        Fit::Words {
            written: s.q.split_whitespace().all(|w| self.mentions(w, synonyms)),
        }
    }

    /// An interest that fits by its filters or by words written in the scenario.
    pub fn fits_interests(&self, i: &Interests, synonyms: &[Vec<String>]) -> bool {
        self.interest_fit(i, synonyms).by_its_words()
    }

    /// A saved search whose filters hold and whose every word is found.
    pub fn fits_search(&self, s: &SavedSearch, synonyms: &[Vec<String>]) -> bool {
        self.search_fit(s, synonyms).by_its_words()
    }
}

/// What a subscription says of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Its filters (domains, budget, tags) do not hold.
    Out,
    /// Its filters hold and it has no words: it fits.
    Filters,
    /// Its filters hold; its words fit if written in the scenario, or if the recommendation's
    /// judgement finds them worth it (see [`crate::recommend::Judge`]).
    Words { written: bool },
}

impl Fit {
    /// Whether it fits without judging its words' meaning.
    pub fn by_its_words(self) -> bool {
        matches!(self, Fit::Filters | Fit::Words { written: true })
    }
}

/// Checks the parts of a saved search; `Ok` with the cleaned search.
pub fn check_saved_search(
    q: &str,
    domains: &[String],
    tags: &[String],
    budget_min_fen: Option<i64>,
    budget_max_fen: Option<i64>,
) -> Result<(String, Vec<Sector>, Vec<String>)> {
    let mut f = Fields::default();
    let q = crate::search::clean_query(q).0;
    let domains = parse_domains(&mut f, domains);
    let tags = clean_terms(&mut f, "tags", tags);
    check_budget(&mut f, "budget_min_fen", budget_min_fen);
    check_budget(&mut f, "budget_max_fen", budget_max_fen);
    if q.is_empty() && domains.is_empty() && tags.is_empty() {
        f.push(
            "q",
            Message::new(
                "请至少填写关键词、领域或标签之一",
                "give words, a domain or a tag",
            ),
        );
    }
    f.finish()?;
    Ok((q, domains, tags))
}

/// Parses domain codes, naming a bad one.
pub fn parse_domains(f: &mut Fields, raw: &[String]) -> Vec<Sector> {
    let mut out = vec![];
    for code in raw {
        match Sector::parse(code) {
            Ok(s) if !out.contains(&s) => out.push(s),
            Ok(_) => {}
            Err(m) => f.push("domains", m),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        use crate::ids::OrganizationId;
        use crate::scenario::*;
        Scenario {
            id: ScenarioId(1),
            owner: OrganizationId(1),
            created_by: UserId(1),
            title: "无人机智能巡检".into(),
            summary: "Drone inspection of rivers".into(),
            description: "对河道开展常态化巡检".into(),
            domain: Sector::CityGovernance,
            tags: vec!["无人机".into()],
            budget_min_fen: 20_000_000,
            budget_max_fen: 50_000_000,
            bid_deadline: Utc::now(),
            price_weight: 30,
            procurement_type: ProcurementType::Services,
            criteria: vec![],
            status: Status::Published,
            origin: Origin::Platform,
            cancel_reason: None,
            published_at: Some(Utc::now()),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            award: None,
        }
    }

    #[test]
    fn latin_terms_match_whole_words_and_chinese_anywhere() {
        assert!(contains_term("drone inspection", "drone"));
        assert!(!contains_term("drones", "drone"));
        assert!(!contains_term("drain", "ai"));
        assert!(contains_term("河道巡检", "巡检"));
    }

    #[test]
    fn interests_need_the_domain_the_budget_and_a_term() {
        let s = scenario();
        let c = Candidate::of(&s);
        let synonyms = vec![vec!["巡检".to_string(), "巡查".to_string()]];
        let mut i = Interests {
            domains: vec![Sector::CityGovernance],
            keywords: vec!["巡查".into()],
            ..Default::default()
        };
        assert!(c.fits_interests(&i, &synonyms), "through the thesaurus");
        assert!(!c.fits_interests(&i, &[]), "not without it");
        i.budget_min_fen = Some(60_000_000);
        assert!(!c.fits_interests(&i, &synonyms), "the budget is too small");
        let domain_only = Interests {
            domains: vec![Sector::CityGovernance],
            ..Default::default()
        };
        assert!(c.fits_interests(&domain_only, &[]));
        assert!(
            !c.fits_interests(&Interests::default(), &[]),
            "an empty profile"
        );
        let elsewhere = Interests {
            domains: vec![Sector::AiIndustry],
            tags: vec!["无人机".into()],
            ..Default::default()
        };
        assert!(!c.fits_interests(&elsewhere, &[]));
    }

    #[test]
    fn a_saved_search_needs_every_word_and_filter() {
        let s = scenario();
        let c = Candidate::of(&s);
        let search = |q: &str, tags: Vec<String>| SavedSearch {
            id: 1,
            user: UserId(1),
            q: q.into(),
            domains: vec![],
            tags,
            budget_min_fen: None,
            budget_max_fen: None,
            created_at: Utc::now(),
        };
        assert!(c.fits_search(&search("巡检 drone", vec![]), &[]));
        assert!(
            !c.fits_search(&search("巡检 钢铁", vec![]), &[]),
            "every word"
        );
        assert!(c.fits_search(&search("", vec!["无人机".into()]), &[]));
        assert!(!c.fits_search(&search("巡检", vec!["钢铁".into()]), &[]));
    }
}
