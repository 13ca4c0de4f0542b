//! How a kept answer travels: its entity tags, gzip decoding and the validators (`ETag`,
//! `If-None-Match`, `Cache-Control`, `Vary`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// The tags of an answer: as it is, and gzip-coded.
pub(super) fn etags_of(body: &[u8]) -> (HeaderValue, HeaderValue) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    let base = format!("{:016x}-{:x}", h.finish(), body.len());
    let tag =
        |s: String| HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    (tag(format!("\"{base}\"")), tag(format!("\"{base}-gz\"")))
}

pub(super) fn gunzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(body.len() * 5);
    flate2::read::GzDecoder::new(body).read_to_end(&mut out)?;
    Ok(out)
}

pub(super) fn fresh_for(req: &HttpRequest, etag: &HeaderValue) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let want = etag.to_str().unwrap_or_default();
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t == want || t.strip_prefix("W/") == Some(want)
            })
        })
}

pub(super) fn validators(resp: &mut HttpResponse, etag: &HeaderValue) {
    let h = resp.headers_mut();
    h.insert(header::ETAG, etag.clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Accept-Language, Cookie"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_pages_round_trip_and_each_coding_has_its_tag() {
        let page = "<p>场景集市</p>".repeat(200);
        let coded = crate::gzip::gzip(page.as_bytes());
        assert!(coded.len() * 5 < page.len());
        assert_eq!(gunzip(&coded).unwrap(), page.as_bytes());
        let (plain, gz) = etags_of(page.as_bytes());
        assert_ne!(plain, gz, "each coding has its own tag");
    }

    #[test]
    fn if_none_match_compares_strong_and_weak_tags() {
        let etag = etags_of(b"body").0;
        let req = actix_web::test::TestRequest::get()
            .insert_header((
                header::IF_NONE_MATCH,
                format!("\"x\", W/{}", etag.to_str().unwrap()),
            ))
            .to_http_request();
        assert!(fresh_for(&req, &etag));
        let other = actix_web::test::TestRequest::get()
            .insert_header((header::IF_NONE_MATCH, "\"x\""))
            .to_http_request();
        assert!(!fresh_for(&other, &etag));
    }
}
