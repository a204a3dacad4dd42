//! Rendered pages, kept per KB snapshot: each page is rendered once, compressed once (gzip)
//! and answered from memory with an ETag until the next reload drops the whole cache with
//! its snapshot. Bounded by total bytes, so a huge KB cannot eat the machine.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use bytes::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Pages smaller than this are not worth compressing.
const COMPRESS_MIN: usize = 1024;
/// Total bytes of cached pages per snapshot.
const CACHE_BYTES: u64 = 192 * 1024 * 1024;

/// A finished response body with its validators.
#[derive(Debug)]
pub struct CachedPage {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
    pub gzip: Option<Bytes>,
    /// Quoted strong ETag of the identity body; the gzip body's tag adds `-gz`.
    pub etag: HeaderValue,
    pub etag_gzip: HeaderValue,
}

impl CachedPage {
    /// Build (and compress) a page.
    pub fn new(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        let body: Bytes = body.into();
        let hash = xxhash_rust::xxh3::xxh3_64(&body);
        let gzip = (body.len() >= COMPRESS_MIN).then(|| gzip(&body)).flatten();
        CachedPage {
            status,
            content_type,
            body,
            gzip,
            etag: HeaderValue::from_str(&format!("\"{hash:016x}\"")).expect("ascii"),
            etag_gzip: HeaderValue::from_str(&format!("\"{hash:016x}-gz\"")).expect("ascii"),
        }
    }

    fn weight(&self) -> u64 {
        (self.body.len() + self.gzip.as_ref().map_or(0, Bytes::len) + 256) as u64
    }

    /// The response for a request with these headers: the gzip body when the client takes
    /// it, `304 Not Modified` when its cached copy is current.
    pub fn respond(&self, req: &HeaderMap) -> Response<Body> {
        let use_gzip = self.gzip.is_some() && accepts_gzip(req);
        let etag = if use_gzip {
            &self.etag_gzip
        } else {
            &self.etag
        };
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, self.content_type)
            .header(header::CACHE_CONTROL, "no-cache")
            .header(header::VARY, "accept-encoding")
            .header(header::ETAG, etag.clone());
        if self.status.is_success() && etag_matches(req, &self.etag, &self.etag_gzip) {
            return builder
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .expect("valid response");
        }
        builder = builder.status(self.status);
        let body = if use_gzip {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
            self.gzip.clone().expect("checked")
        } else {
            self.body.clone()
        };
        builder.body(Body::from(body)).expect("valid response")
    }
}

fn gzip(data: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(6),
    );
    enc.write_all(data).ok()?;
    enc.finish().ok().map(Bytes::from)
}

/// Does the client accept gzip (and not refuse it with `q=0`)?
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// Does `If-None-Match` name one of our tags?
pub fn etag_matches(headers: &HeaderMap, a: &HeaderValue, b: &HeaderValue) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t.as_bytes() == a.as_bytes() || t.as_bytes() == b.as_bytes())
}

/// Weighs cached pages by their bytes.
#[derive(Clone)]
pub struct ByBytes;

impl Weighter<String, Arc<CachedPage>> for ByBytes {
    fn weight(&self, _key: &String, page: &Arc<CachedPage>) -> u64 {
        page.weight()
    }
}

/// The rendered pages of one snapshot, by request path and query.
pub struct PageCache(Cache<String, Arc<CachedPage>, ByBytes>);

impl PageCache {
    pub fn new() -> Self {
        PageCache(Cache::with_weighter(4096, CACHE_BYTES, ByBytes))
    }

    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        self.0.get(key)
    }

    /// The cached page, or a guard that makes this caller the only one rendering it: other
    /// requests for the same page wait for [`PageGuard::insert`] instead of rendering it too
    /// (after a reload, 64 connections asking for one page render it once). Dropping the
    /// guard without inserting lets the next waiter render.
    pub async fn get_or_guard(&self, key: &str) -> Result<Arc<CachedPage>, PageGuard<'_>> {
        self.0.get_value_or_guard_async(key).await
    }
}

/// The right to render one page into the cache (see [`PageCache::get_or_guard`]).
pub type PageGuard<'a> = quick_cache::sync::PlaceholderGuard<
    'a,
    String,
    Arc<CachedPage>,
    ByBytes,
    quick_cache::DefaultHashBuilder,
    quick_cache::sync::DefaultLifecycle<String, Arc<CachedPage>>,
>;

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn gzip_is_negotiated() {
        assert!(accepts_gzip(&headers(&[(
            "accept-encoding",
            "gzip, deflate, br"
        )])));
        assert!(accepts_gzip(&headers(&[(
            "accept-encoding",
            "br;q=1, GZIP;q=0.5"
        )])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "gzip;q=0")])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "br")])));
        assert!(!accepts_gzip(&headers(&[])));
    }

    #[test]
    fn etags_validate_both_encodings() {
        let page = CachedPage::new(StatusCode::OK, "text/html", "x".repeat(5000));
        let tag = page.etag.to_str().unwrap().to_string();
        assert!(page.gzip.as_ref().unwrap().len() < 200);
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&tag).unwrap());
        assert_eq!(page.respond(&h).status(), StatusCode::NOT_MODIFIED);
        let gz = format!("W/{}", page.etag_gzip.to_str().unwrap());
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&gz).unwrap());
        assert_eq!(page.respond(&h).status(), StatusCode::NOT_MODIFIED);
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert_eq!(page.respond(&h).status(), StatusCode::OK);
    }
}
