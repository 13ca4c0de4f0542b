//! Kept answers to anonymous public reads: the scenario list and a scenario (API and pages)
//! and the award notices. A launch day is mostly strangers reading exactly these, and each
//! answer is the same for all of them, so one rendering serves many.
//!
//! Exact, not approximately fresh:
//! - Each kept answer carries the public version it was made at (read before the data, so it
//!   is never newer than what it holds). Every change the public can see moves that version in
//!   its own transaction (`DomainEvent::moves_public_version`); sealed changes — bids, scores,
//!   challenges not yet answered — do not, so when answers are renewed tells nothing about them.
//! - An answer holds at most until the next bid deadline after it was made (the second a
//!   scenario stops taking bids, its status and the lists change) and at most a minute.
//! - A process reads the version again after each write it commits (so a writer sees its own
//!   change at once) and otherwise at most every [`RECHECK`]: a change made by another server
//!   process is seen by everyone within that bound.
//! - Only anonymous requests (no bearer token, no session cookie) are answered from here, and
//!   only answers that carry nothing of the request's own (no CSRF token of the visitor).
//!
//! Every such answer carries an `ETag`; `If-None-Match` with it is answered 304. Shared caches
//! may keep it but must ask again each time (`Cache-Control: public, no-cache`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use crate::AppState;
use crate::gzip::{accepts_gzip, gzip};

mod encoding;

use encoding::{etags_of, fresh_for, gunzip, validators};

/// How long a process trusts the version it last read when it wrote nothing since.
pub const RECHECK: Duration = Duration::from_millis(250);

/// The longest an answer is kept, whatever else holds.
const MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// The largest answer kept.
const MAX_ENTRY: usize = 512 * 1024;

/// Until when the answer being made holds (the earliest of what its handler noted).
#[derive(Debug, Clone, Copy)]
struct HoldsUntil(DateTime<Utc>);

/// Notes that the answer being made holds only until `t` (e.g. a countdown it shows changes
/// then); a kept answer is renewed by then.
pub fn holds_until(req: &HttpRequest, t: Option<DateTime<Utc>>) {
    let Some(t) = t else { return };
    let mut ext = req.extensions_mut();
    let earliest = ext.get::<HoldsUntil>().map_or(t, |h| h.0.min(t));
    ext.insert(HoldsUntil(earliest));
}

/// The route template of an answer given from here (for the metrics, which would otherwise
/// see a request that no route matched).
#[derive(Debug, Clone)]
pub struct CachedRoute(pub String);

/// A kept answer, gzip-compressed (a page is a fifth of its size so): sent as it is to a
/// client that accepts gzip, inflated for one that does not. Each coding has its own tag.
#[derive(Debug)]
struct Entry {
    version: i64,
    expires: DateTime<Utc>,
    /// Whether `body` is gzip-coded.
    gzip: bool,
    body: Bytes,
    /// The handler's headers (content type and the like).
    headers: Box<[(header::HeaderName, HeaderValue)]>,
    etag: HeaderValue,
    etag_gzip: HeaderValue,
    route: Box<str>,
    /// When it was last given (a tick of [`PublicCache::clock`]): the least recently given
    /// go first when the budget is full.
    used: std::sync::atomic::AtomicU64,
}

/// What the allocator holds for a block of `n` bytes: glibc's chunks carry an 8-byte size
/// word, come in 16-byte steps, and are never under 32 bytes.
fn chunk(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        ((n + 8 + 15) & !15).max(32)
    }
}

impl Entry {
    /// What keeping it costs in memory, as the allocator counts it: the entry itself (behind
    /// its `Arc`), its body, key, tags, route and headers, the body's shared handle once it
    /// has been given out, and its slot in the map (which may be half empty after growing).
    fn cost(&self, key: &str) -> usize {
        use std::mem::size_of;
        let value = |v: &HeaderValue| chunk(v.len());
        let slot = 2 * (size_of::<(String, std::sync::Arc<Entry>)>() + 1);
        chunk(size_of::<Entry>() + 16)
            + chunk(self.body.len())
            + chunk(3 * size_of::<usize>())
            + chunk(key.len())
            + value(&self.etag)
            + value(&self.etag_gzip)
            + chunk(self.route.len())
            + chunk(self.headers.len() * size_of::<(header::HeaderName, HeaderValue)>())
            + self
                .headers
                .iter()
                .map(|(n, v)| chunk(n.as_str().len()) + value(v))
                .sum::<usize>()
            + slot
    }
}

#[derive(Debug, Default)]
struct Known {
    version: i64,
    next_deadline: Option<DateTime<Utc>>,
    checked: Option<Instant>,
    writes: u64,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, std::sync::Arc<Entry>>,
    bytes: usize,
}

/// The kept answers of one server process.
#[derive(Debug)]
pub struct PublicCache {
    budget: usize,
    clock: std::sync::atomic::AtomicU64,
    entries: Mutex<Entries>,
    known: Mutex<Known>,
}

impl PublicCache {
    /// Keeps at most `budget` bytes of answers; 0 keeps none.
    pub fn new(budget: usize) -> PublicCache {
        PublicCache {
            budget,
            clock: Default::default(),
            entries: Mutex::default(),
            known: Mutex::default(),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The public version and the next bid deadline now (`None` when the database does not
    /// answer), as kept answers are checked against them.
    pub async fn version_now(&self, state: &AppState) -> Option<(i64, Option<DateTime<Utc>>)> {
        self.current(state).await
    }

    /// The version and next deadline now, read again from the database when this process
    /// wrote since, when [`RECHECK`] has passed, or when the deadline it knew has come.
    async fn current(&self, state: &AppState) -> Option<(i64, Option<DateTime<Utc>>)> {
        let writes = state.services.local_writes();
        let now = state.services.now();
        {
            let k = self.known();
            if k.checked.is_some_and(|c| c.elapsed() < RECHECK)
                && k.writes == writes
                && k.next_deadline.is_none_or(|d| now < d)
            {
                return Some((k.version, k.next_deadline));
            }
        }
        let (version, next_deadline) = state
            .call(|services| services.public_version())
            .await
            .ok()?;
        let mut k = self.known();
        *k = Known {
            version,
            next_deadline,
            checked: Some(Instant::now()),
            writes,
        };
        Some((version, next_deadline))
    }

    fn tick(&self) -> u64 {
        self.clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    fn get(&self, key: &str, version: i64, now: DateTime<Utc>) -> Option<std::sync::Arc<Entry>> {
        let e = self.entries().map.get(key).cloned()?;
        let holds = e.version == version && now < e.expires;
        if holds {
            e.used
                .store(self.tick(), std::sync::atomic::Ordering::Relaxed);
        }
        holds.then_some(e)
    }

    fn put(&self, key: String, entry: std::sync::Arc<Entry>, version: i64, now: DateTime<Utc>) {
        let mut all = self.entries();
        let size = entry.cost(&key);
        if size > self.budget {
            return;
        }
        let swept = all.bytes + size > self.budget;
        if swept {
            // Over budget: drop what no longer holds, then the least recently given until a
            // quarter of the budget is free.
            all.map
                .retain(|_, e| e.version == version && now < e.expires);
            all.bytes = all.map.iter().map(|(k, e)| e.cost(k)).sum();
            let target = self.budget - self.budget / 4;
            if all.bytes + size > target {
                let mut by_use: Vec<(u64, String, usize)> = all
                    .map
                    .iter()
                    .map(|(k, e)| {
                        (
                            e.used.load(std::sync::atomic::Ordering::Relaxed),
                            k.clone(),
                            e.cost(k),
                        )
                    })
                    .collect();
                by_use.sort_unstable_by_key(|(used, _, _)| *used);
                let mut bytes = all.bytes;
                for (_, k, cost) in by_use {
                    if bytes + size <= target {
                        break;
                    }
                    bytes -= cost;
                    all.map.remove(&k);
                }
                all.bytes = bytes;
            }
        }
        entry
            .used
            .store(self.tick(), std::sync::atomic::Ordering::Relaxed);
        if let Some(old) = all.map.insert(key.clone(), entry) {
            all.bytes -= old.cost(&key);
        }
        all.bytes += size;
        drop(all);
        if swept {
            // A quarter of the budget was just freed, in small blocks among live ones.
            crate::memory::trim_soon();
        }
    }

    /// How many answers are kept (for tests).
    pub fn len(&self) -> usize {
        self.entries().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether the path is one of the public reads kept here.
fn kept_route(path: &str) -> Option<&'static str> {
    let id = |rest: &str| {
        !rest.is_empty() && rest.len() <= 19 && rest.bytes().all(|b| b.is_ascii_digit())
    };
    match path {
        "/api/v1/scenarios" => Some("/api/v1/scenarios"),
        "/api/v1/award-notices" => Some("/api/v1/award-notices"),
        "/scenarios" => Some("/scenarios"),
        // The OPC community's figures: public, moved only by public changes and deadlines.
        "/opc" => Some("/opc"),
        "/api/v1/opc/summary" => Some("/api/v1/opc/summary"),
        _ => {
            if let Some(rest) = path.strip_prefix("/api/v1/scenarios/") {
                id(rest).then_some("/api/v1/scenarios/{id}")
            } else if let Some(rest) = path.strip_prefix("/scenarios/") {
                id(rest).then_some("/scenarios/{id}")
            } else {
                None
            }
        }
    }
}

/// The key of an anonymous public read (`None`: answered as usual).
fn key_of(req: &HttpRequest) -> Option<String> {
    if req.method() != Method::GET
        || req.headers().contains_key(header::AUTHORIZATION)
        || req.cookie(crate::session::ACCESS_COOKIE).is_some()
        || req.cookie(crate::session::REFRESH_COOKIE).is_some()
    {
        return None;
    }
    kept_route(req.path())?;
    let locale = crate::session::locale_of(req);
    let query = req.query_string();
    (query.len() <= 512).then(|| format!("{}|{}?{query}", locale.code(), req.path()))
}

fn answer(req: &HttpRequest, e: &Entry) -> HttpResponse {
    if !e.gzip {
        // Kept as it is: the compression layer codes it for a client that asks.
        let mut resp = if fresh_for(req, &e.etag) {
            HttpResponse::NotModified().finish()
        } else {
            let mut r = HttpResponse::Ok();
            for h in &e.headers {
                r.insert_header(h.clone());
            }
            r.body(e.body.clone())
        };
        validators(&mut resp, &e.etag);
        return resp;
    }
    let coded = accepts_gzip(req.headers());
    let tag = if coded { &e.etag_gzip } else { &e.etag };
    let mut resp = if fresh_for(req, tag) {
        HttpResponse::NotModified().finish()
    } else if coded {
        let mut r = HttpResponse::Ok();
        r.insert_header((header::CONTENT_ENCODING, "gzip"));
        for h in &e.headers {
            r.insert_header(h.clone());
        }
        r.body(e.body.clone())
    } else {
        match gunzip(&e.body) {
            Ok(plain) => {
                let mut r = HttpResponse::Ok();
                for h in &e.headers {
                    r.insert_header(h.clone());
                }
                r.body(plain)
            }
            Err(err) => {
                tracing::error!(error = %err, "a kept answer does not inflate");
                return HttpResponse::InternalServerError().finish();
            }
        }
    };
    validators(&mut resp, tag);
    resp
}

/// Answers anonymous public reads from the kept answers, and keeps the ones it renders.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<actix_web::web::Data<AppState>>().cloned();
    let (Some(state), Some(key)) = (state, key_of(req.request())) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let cache = &state.public_cache;
    if cache.budget == 0 {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let Some((version, next_deadline)) = cache.current(&state).await else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let now = state.services.now();
    if let Some(e) = cache.get(&key, version, now) {
        req.extensions_mut()
            .insert(CachedRoute(e.route.to_string()));
        let (http, _) = req.into_parts();
        let resp = answer(&http, &e);
        return Ok(ServiceResponse::new(http, resp));
    }
    let res = next.call(req).await?;
    // Pages say `no-store` by default (most are someone's own); these public ones, made for
    // an anonymous reader, are the same for everyone and may be kept.
    let keep = res.status() == StatusCode::OK
        && res
            .headers()
            .get(header::CACHE_CONTROL)
            .is_none_or(|v| v == "no-store")
        && res.headers().contains_key(header::CONTENT_TYPE);
    if !keep {
        return Ok(res.map_into_boxed_body());
    }
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let csrf = crate::session::csrf_token(res.request());
    let noted = res.request().extensions().get::<HoldsUntil>().map(|h| h.0);
    let (http, resp) = res.into_parts();
    let (resp, body) = resp.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    // An answer with something of this visitor's own in it is theirs alone; a very large
    // one is not kept either.
    let personal = body.len() > MAX_ENTRY
        || (!csrf.is_empty() && body.windows(csrf.len()).any(|w| w == csrf.as_bytes()));
    // Pages are kept gzip-coded (a fifth of their size; every browser takes gzip), API
    // answers as they are (many API clients do not, and inflating costs more than it saves).
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let coded = if personal {
        None
    } else if !html {
        Some(None)
    } else {
        Some(Some(gzip(&body)))
    };
    let Some(coded) = coded else {
        let out = resp.set_body(BoxBody::new(body)).map_into_boxed_body();
        return Ok(ServiceResponse::new(http, out));
    };
    let (etag, etag_gzip) = etags_of(&body);
    let expires = [next_deadline, noted]
        .into_iter()
        .flatten()
        .fold(now + MAX_AGE, DateTime::min);
    // What the handler said of its answer goes with it; what is about this one exchange
    // (cookies, length, caching) does not.
    let headers = resp
        .headers()
        .iter()
        .filter(|(name, _)| {
            ![
                header::SET_COOKIE,
                header::CONTENT_LENGTH,
                header::CACHE_CONTROL,
                header::ETAG,
                header::VARY,
                header::CONTENT_ENCODING,
            ]
            .contains(name)
        })
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect::<Box<[_]>>();
    let entry = std::sync::Arc::new(Entry {
        version,
        expires,
        gzip: coded.is_some(),
        // Exactly as large as it is (the rendering's buffer may be twice that), so that the
        // budget counts what is really held.
        body: coded.map_or_else(
            || Bytes::copy_from_slice(&body),
            |mut c| {
                c.shrink_to_fit();
                Bytes::from(c)
            },
        ),
        headers,
        etag,
        etag_gzip,
        route: route.into_boxed_str(),
        used: Default::default(),
    });
    cache.put(key, entry.clone(), version, now);
    let mut out = answer(&http, &entry);
    // The cookies the inner layers set (a new visitor's CSRF cookie) still go out.
    for c in resp.cookies() {
        let _ = out.add_cookie(&c);
    }
    Ok(ServiceResponse::new(http, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_public_reads_are_kept() {
        assert_eq!(kept_route("/api/v1/scenarios"), Some("/api/v1/scenarios"));
        assert_eq!(
            kept_route("/api/v1/scenarios/42"),
            Some("/api/v1/scenarios/{id}")
        );
        assert_eq!(kept_route("/scenarios/42"), Some("/scenarios/{id}"));
        assert_eq!(kept_route("/scenarios/42/edit"), None);
        assert_eq!(kept_route("/scenarios/new"), None);
        assert_eq!(kept_route("/api/v1/scenarios/42/bids"), None);
        assert_eq!(kept_route("/api/v1/scenarios/"), None);
        assert_eq!(kept_route("/admin"), None);
        assert_eq!(kept_route("/opc"), Some("/opc"));
        assert_eq!(
            kept_route("/api/v1/opc/summary"),
            Some("/api/v1/opc/summary")
        );
    }

    fn entry(version: i64, expires: DateTime<Utc>, body: &'static str) -> std::sync::Arc<Entry> {
        let (etag, etag_gzip) = etags_of(body.as_bytes());
        std::sync::Arc::new(Entry {
            version,
            expires,
            gzip: false,
            body: Bytes::from_static(body.as_bytes()),
            headers: Box::new([]),
            etag,
            etag_gzip,
            route: "/x".into(),
            used: Default::default(),
        })
    }

    #[test]
    fn a_kept_answer_holds_for_its_version_and_until_it_expires() {
        let c = PublicCache::new(1024);
        let t = Utc::now();
        c.put("k".into(), entry(3, t + MAX_AGE, "a"), 3, t);
        assert!(c.get("k", 3, t).is_some());
        assert!(c.get("k", 4, t).is_none(), "a moved version");
        assert!(c.get("k", 3, t + MAX_AGE).is_none(), "expired");
        assert!(c.get("other", 3, t).is_none());
    }

    #[test]
    fn the_budget_drops_stale_answers_first_then_the_least_recently_given() {
        let t = Utc::now();
        let unit = entry(1, t, "0123456789").cost("a");
        let c = PublicCache::new(4 * unit);
        c.put("a".into(), entry(1, t + MAX_AGE, "0123456789"), 1, t);
        c.put("b".into(), entry(2, t + MAX_AGE, "0123456789"), 2, t);
        c.put("c".into(), entry(2, t + MAX_AGE, "0123456789"), 2, t);
        c.put("d".into(), entry(2, t + MAX_AGE, "0123456789"), 2, t);
        // b was given since: c is now the least recently given.
        assert!(c.get("b", 2, t).is_some());
        // Adding e goes over: a (version 1) no longer holds and goes first; then c, so that
        // three quarters of the budget are not exceeded.
        c.put("e".into(), entry(2, t + MAX_AGE, "0123456789"), 2, t);
        assert!(c.get("a", 1, t).is_none());
        assert!(c.get("c", 2, t).is_none(), "the least recently given went");
        assert!(c.get("b", 2, t).is_some() && c.get("d", 2, t).is_some());
        assert!(c.get("e", 2, t).is_some(), "the new answer is kept");
        assert_eq!(c.len(), 3);
        assert_eq!(c.entries().bytes, 3 * unit);
        // An answer larger than the whole budget is not kept, and drops nothing.
        let huge: &'static str = "x".repeat(4 * unit).leak();
        c.put("f".into(), entry(2, t + MAX_AGE, huge), 2, t);
        assert!(c.get("f", 2, t).is_none());
        assert_eq!(c.len(), 3);
    }
}
