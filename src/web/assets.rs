//! CSS, JS and icons from `static/`, compiled into the binary. Pages link them with a
//! content hash (`/static/app.css?v=…`), so browsers may keep them forever; requests without
//! the current hash revalidate with the ETag.

use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use rust_embed::RustEmbed;

use super::cache::{accepts_gzip, etag_matches};

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

/// An asset with its version (first 16 hex digits of its SHA-256) and a gzip copy.
struct Asset {
    data: bytes::Bytes,
    gzip: Option<bytes::Bytes>,
    version: String,
    etag: HeaderValue,
    etag_gzip: HeaderValue,
    mime: &'static str,
}

fn load(name: &str) -> Option<Asset> {
    let file = Static::get(name)?;
    let version: String = file.metadata.sha256_hash()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let data = bytes::Bytes::from(file.data.into_owned());
    let mime = match name.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let gzip = (mime.starts_with("text/") || mime == "image/svg+xml").then(|| {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&data).expect("in memory");
        bytes::Bytes::from(enc.finish().expect("in memory"))
    });
    Some(Asset {
        etag: HeaderValue::from_str(&format!("\"{version}\"")).expect("hex"),
        etag_gzip: HeaderValue::from_str(&format!("\"{version}-gz\"")).expect("hex"),
        data,
        gzip,
        version,
        mime,
    })
}

static ASSETS: LazyLock<Vec<(String, Asset)>> = LazyLock::new(|| {
    Static::iter()
        .filter_map(|n| load(&n).map(|a| (n.to_string(), a)))
        .collect()
});

fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|(n, _)| n == name).map(|(_, a)| a)
}

/// The name of every asset (`app.css`, `icon.svg`), for `netstack build`.
pub fn names() -> impl Iterator<Item = String> {
    ASSETS.iter().map(|(n, _)| n.clone())
}

/// The bytes of an asset.
pub fn data(name: &str) -> Option<&'static [u8]> {
    asset(name).map(|a| &a.data[..])
}

/// The versioned URL of an asset (`/static/app.css?v=0123…`).
pub fn url(name: &str) -> String {
    match asset(name) {
        Some(a) => format!("/static/{name}?v={}", a.version),
        None => format!("/static/{name}"),
    }
}

/// `GET /static/{*path}`
pub async fn serve(
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response<Body> {
    let Some(a) = asset(&path) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::from("no such asset"))
            .expect("valid response");
    };
    let versioned = query
        .as_deref()
        .and_then(|q| q.strip_prefix("v="))
        .is_some_and(|v| v == a.version);
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let gz = a.gzip.is_some() && accepts_gzip(&headers);
    let etag = if gz { &a.etag_gzip } else { &a.etag };
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, a.mime)
        .header(header::CACHE_CONTROL, cache)
        .header(header::VARY, "accept-encoding")
        .header(header::ETAG, etag.clone());
    if etag_matches(&headers, &a.etag, &a.etag_gzip) {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("valid response");
    }
    let (body, builder) = match (&a.gzip, gz) {
        (Some(g), true) => (g.clone(), builder.header(header::CONTENT_ENCODING, "gzip")),
        _ => (a.data.clone(), builder),
    };
    builder.body(Body::from(body)).expect("valid response")
}
