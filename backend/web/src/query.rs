//! The query strings of lists, shared by the API and the pages: paging and the scenario filters.

use domain::ids::OrganizationId;
use domain::message::Message;
use domain::scenario::Status;
use domain::sector::Sector;
use domain::services::scenarios::ScenarioQuery;
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

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
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
    let paging = match Paging::parse(q.page, q.per_page) {
        Ok(p) => Some(p),
        Err(Error::Validation(errs)) => {
            for e in errs {
                f.push(&e.field, e.message);
            }
            None
        }
        Err(e) => return Err(e),
    };
    f.finish()?;
    let paging = paging.expect("checked");
    Ok((
        ScenarioQuery {
            status,
            domain,
            agency: q.agency_id.map(OrganizationId),
            offset: paging.offset(),
            limit: paging.per_page,
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
