//! gzip coding of whole answers, on the worker that made them.
//!
//! actix-web's `Compress` hands every body of a kilobyte or more to the blocking pool (the
//! same few threads that run the database reads) and builds a new compressor for each answer:
//! on a signed-in list a quarter of the time went to that hop, to zeroing the compressor's
//! fresh tables and to the coding itself. Here an answer that is already whole (every API and
//! page answer) is coded at once with one compressor per thread, reset between answers, and
//! sent with its length. Streamed answers (live feeds, downloads) still pass to `Compress`,
//! which sees the `Content-Encoding` set here and leaves a coded answer alone.

use std::cell::RefCell;

use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// Smaller answers are left to `Compress`, which still codes them with a fresh compressor (as
/// before this module); coding them here would save less than a packet each.
const MIN_SIZE: usize = 1024;

/// The gzip member header: deflate, no name or time, unknown system.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

thread_local! {
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
}

/// `body` as one gzip member (RFC 1952), coded at the fast level.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() / 3 + 64);
    out.extend_from_slice(&HEADER);
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        c.reset();
        loop {
            let consumed = c.total_in() as usize;
            if out.capacity() - out.len() < 64 {
                out.reserve(body.len() / 4 + 64);
            }
            match c.compress_vec(&body[consumed..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => break,
                Ok(_) => {}
                // A raw deflate stream with room to write and all its input cannot fail.
                Err(e) => unreachable!("deflate failed: {e}"),
            }
        }
    });
    let mut crc = Crc::new();
    crc.update(body);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE is the length modulo 2^32 (RFC 1952, 2.3.1).
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out
}

/// Whether the client takes a gzip-coded answer (`Accept-Encoding`, a zero weight refuses).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Text worth coding: pages, JSON, scripts, styles, CSV, XML and SVG. Images, archives and
/// PDFs are coded already.
fn is_text(headers: &HeaderMap) -> bool {
    let Some(t) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let t = t.to_ascii_lowercase();
    t.starts_with("text/")
        || ["json", "javascript", "xml", "svg", "csv"]
            .iter()
            .any(|k| t.contains(k))
}

/// Codes whole text answers of [`MIN_SIZE`] or more for clients that take gzip.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, Bytes>>, actix_web::Error> {
    let wanted = accepts_gzip(req.headers());
    let res = next.call(req).await?;
    let codable = matches!(res.response().body().size(), BodySize::Sized(n) if n as usize >= MIN_SIZE)
        && !matches!(
            res.status(),
            StatusCode::NO_CONTENT | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
        )
        && !res.headers().contains_key(header::CONTENT_ENCODING)
        && is_text(res.headers());
    if !codable {
        return Ok(res.map_into_left_body());
    }
    let (req, resp) = res.into_parts();
    let (mut resp, body) = resp.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(b) => b,
        Err(body) => return Ok(ServiceResponse::new(req, resp.set_body(body)).map_into_left_body()),
    };
    let h = resp.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let bytes = if wanted {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        Bytes::from(gzip(&bytes))
    } else {
        bytes
    };
    Ok(ServiceResponse::new(req, resp.set_body(bytes)).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(b)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn coded_answers_round_trip_and_the_compressor_is_reused_cleanly() {
        let page = "<p>场景集市 scenario market</p>".repeat(300);
        let coded = gzip(page.as_bytes());
        assert!(coded.len() * 5 < page.len(), "{}", coded.len());
        assert_eq!(gunzip(&coded), page.as_bytes());
        // The same thread's compressor, reset: nothing of the last answer leaks into the next.
        for body in [&b""[..], b"x", &[7u8; 100_000][..], page.as_bytes()] {
            assert_eq!(gunzip(&gzip(body)), body);
        }
        // Input that does not shrink still fits (the output grows as needed).
        let noise: Vec<u8> = (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(gunzip(&gzip(&noise)), noise);
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0, br")));
        assert!(!accepts_gzip(&h("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn only_text_is_coded() {
        let t = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            is_text(&m)
        };
        for yes in [
            "text/html; charset=utf-8",
            "application/json",
            "application/problem+json",
            "text/css",
            "application/javascript",
            "image/svg+xml",
            "application/atom+xml",
        ] {
            assert!(t(yes), "{yes}");
        }
        for no in [
            "image/png",
            "application/pdf",
            "application/zip",
            "application/octet-stream",
        ] {
            assert!(!t(no), "{no}");
        }
        assert!(!is_text(&HeaderMap::new()));
    }
}
