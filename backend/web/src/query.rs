//! The query strings of lists, shared by the API and the pages: paging and the scenario filters.

use app::scenarios::ScenarioQuery;
use domain::ids::OrganizationId;
use domain::message::Message;
use domain::scenario::Status;
use domain::search::{ScenarioSearch, ScenarioSort, clean_query};
use domain::sector::Sector;
use domain::{Error, FieldError};
use serde::{Deserialize, Serialize};

/// A checked page request: `?page=1&per_page=20`, at most 100 a page.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    pub fn parse(page: Option<i64>, per_page: Option<i64>) -> Result<Paging, Error> {
        let mut errors = vec![];
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(20);
        if page < 1 {
            errors.push(FieldError::new(
                "page",
                Message::new("页码从 1 开始", "page starts at 1"),
            ));
        }
        if !(1..=100).contains(&per_page) {
            errors.push(FieldError::new(
                "per_page",
                Message::new("每页 1 到 100 条", "per_page must be 1 to 100"),
            ));
        }
        if errors.is_empty() {
            Ok(Paging { page, per_page })
        } else {
            Err(Error::Validation(errors))
        }
    }

    /// The page request, or its errors added to `f` (for parsers that name every bad field).
    pub fn collect(
        f: &mut domain::error::Fields,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Option<Paging> {
        match Paging::parse(page, per_page) {
            Ok(p) => Some(p),
            Err(Error::Validation(errs)) => {
                for e in errs {
                    f.push(&e.field, e.message);
                }
                None
            }
            Err(_) => None,
        }
    }

    /// How many items come before the page (saturating: a page far past the end is empty, not
    /// an overflow).
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// `?page=&per_page=` alone, for lists without other filters.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// From 1.
    pub page: Option<i64>,
    /// 1 to 100 (20 when absent).
    pub per_page: Option<i64>,
}

impl PageQuery {
    pub fn paging(&self) -> Result<Paging, Error> {
        Paging::parse(self.page, self.per_page)
    }
}

impl Paging {
    /// The answer for this page of a list of `total` items.
    pub fn page_of<T>(&self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
        }
    }

    /// This page of a list held in memory (for short lists such as a scenario's questions).
    pub fn slice<T>(&self, all: Vec<T>) -> Page<T> {
        let total = all.len() as i64;
        let items = all
            .into_iter()
            .skip(self.offset() as usize)
            .take(self.per_page as usize)
            .collect();
        self.page_of(items, total)
    }
}

/// A page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Filters of the scenario list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ScenarioListQuery {
    /// draft, published, evaluating, awarded, delivered, closed, cancelled.
    pub status: Option<String>,
    /// A domain code.
    pub domain: Option<String>,
    pub agency_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Parses the list filters; every bad one is named.
pub fn list_query(q: &ScenarioListQuery) -> Result<(ScenarioQuery, Paging), Error> {
    let mut f = domain::error::Fields::new();
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => f.take("status", Status::parse(s)),
        None => None,
    };
    let domain = match q.domain.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => f.take("domain", Sector::parse(d)),
        None => None,
    };
    let paging = Paging::collect(&mut f, q.page, q.per_page);
    f.finish()?;
    let paging = paging.expect("checked");
    Ok((
        ScenarioQuery {
            status,
            domain,
            agency: q.agency_id.map(OrganizationId),
            offset: paging.offset(),
            limit: paging.per_page,
            without_criteria: false,
        },
        paging,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_and_bounds() {
        let p = Paging::parse(None, None).unwrap();
        assert_eq!((p.page, p.per_page, p.offset()), (1, 20, 0));
        assert_eq!(Paging::parse(Some(3), Some(100)).unwrap().offset(), 200);
        match Paging::parse(Some(0), Some(101)) {
            Err(Error::Validation(v)) => assert_eq!(v.len(), 2),
            other => panic!("{other:?}"),
        }
    }
}

/// The parameters of a scenario search, as the API and the search page take them: repeated
/// keys and comma-separated values both give several values (`domain=a&domain=b`,
/// `tags=无人机,巡检`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScenarioSearchQuery {
    /// Words in Chinese or English (at most 200 characters are searched).
    pub q: Option<String>,
    /// Domain codes; any of them.
    pub domain: Option<String>,
    /// Statuses as readers see them now; any of them.
    pub status: Option<String>,
    /// Tags; every one.
    pub tags: Option<String>,
    /// The scenario's budget range must reach at least this (fen).
    pub budget_min_fen: Option<i64>,
    /// The scenario's budget range must start at most at this (fen).
    pub budget_max_fen: Option<i64>,
    /// RFC 3339: deadlines from this time.
    pub deadline_after: Option<String>,
    /// RFC 3339: deadlines until this time.
    pub deadline_before: Option<String>,
    pub agency_id: Option<i64>,
    /// relevance (default), deadline, newest, budget.
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The pairs of a query string (repeated keys kept).
pub fn pairs(query_string: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query_string).unwrap_or_default()
}

/// Every value of `key`, split at commas, trimmed, empty ones dropped.
pub fn values<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split([',', '，']))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// The query text: every `q`, joined.
pub fn query_text(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(k, _)| k == "q")
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn one<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    values(pairs, key).into_iter().next()
}

/// Parses a scenario search; every bad parameter is named. The message says how the query
/// text was cut, if it was.
pub fn scenario_search(
    pairs: &[(String, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(ScenarioSearch, Paging, Option<Message>), Error> {
    let mut f = domain::error::Fields::new();
    let (text, message) = clean_query(&query_text(pairs));
    let domains = values(pairs, "domain")
        .into_iter()
        .filter_map(|d| f.take("domain", Sector::parse(d)))
        .collect();
    let statuses = values(pairs, "status")
        .into_iter()
        .filter_map(|s| f.take("status", Status::parse(s)))
        .collect();
    let tags = values(pairs, "tags")
        .into_iter()
        .map(str::to_string)
        .collect();
    let int = |f: &mut domain::error::Fields, key: &str| {
        one(pairs, key).and_then(|v| {
            f.take(
                key,
                v.parse::<i64>()
                    .map_err(|_| Message::new("应为整数", "a whole number is expected")),
            )
        })
    };
    let budget_min_fen = int(&mut f, "budget_min_fen");
    let budget_max_fen = int(&mut f, "budget_max_fen");
    let agency = int(&mut f, "agency_id").map(OrganizationId);
    let time = |f: &mut domain::error::Fields, key: &str| {
        one(pairs, key).and_then(|v| f.take(key, domain::scenario::parse_time(v)))
    };
    let deadline_after = time(&mut f, "deadline_after");
    let deadline_before = time(&mut f, "deadline_before");
    let sort = match one(pairs, "sort") {
        Some(s) => f.take("sort", ScenarioSort::parse(s)).unwrap_or_default(),
        None => ScenarioSort::default(),
    };
    let page = int(&mut f, "page");
    let per_page = int(&mut f, "per_page");
    let paging = Paging::collect(&mut f, page, per_page);
    f.finish()?;
    let paging = paging.expect("checked");
    Ok((
        ScenarioSearch {
            text,
            domains,
            statuses,
            tags,
            budget_min_fen,
            budget_max_fen,
            deadline_after,
            deadline_before,
            agency,
            sort,
            offset: paging.offset() as usize,
            limit: paging.per_page as usize,
            now,
        },
        paging,
        message,
    ))
}
