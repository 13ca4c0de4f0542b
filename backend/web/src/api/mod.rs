//! The JSON API (v1), its shapes and the paging convention.

pub mod accounts;
pub mod bids;
pub mod evaluation;
pub mod openapi;
pub mod ops;
pub mod scenarios;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use domain::{Error, FieldError};
use serde::Serialize;

use crate::error::problem_response;

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
            errors.push(FieldError::new("page", "页码从 1 开始 / page starts at 1"));
        }
        if !(1..=100).contains(&per_page) {
            errors.push(FieldError::new(
                "per_page",
                "每页 1 到 100 条 / per_page must be 1 to 100",
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

/// Unknown API paths answer 404 as problems too.
pub async fn not_found() -> HttpResponse {
    problem_response(
        StatusCode::NOT_FOUND,
        "not-found",
        "未找到 / Not found",
        "没有这个接口 / no such endpoint".into(),
        None,
        vec![],
    )
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
