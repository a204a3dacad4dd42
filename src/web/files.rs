//! Raw files of the repos (images, scripts) that docs link to. Only files the KB walked are
//! served (the route lookup guarantees that), and they are opened the way every repo file is
//! (`source::open_in_repo`: regular files only, confined to the repo root on the opened file),
//! so a file swapped for a symlink or a FIFO after loading cannot lead out or block.
//! Content types are chosen so nothing from a repo can run in the browser: markup and
//! scripts are served as plain text, SVG and PDF under a sandboxing CSP.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// The CSP of raw files: nothing runs, nothing loads.
const RAW_CSP: &str =
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/// How a file is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub mime: &'static str,
    /// Offered as a download instead of shown.
    pub attachment: bool,
}

/// Pick a safe content type from the name (and, for unknown names, the first bytes).
pub fn kind(path: &Path, head: &[u8]) -> Kind {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let shown = |mime| Kind {
        mime,
        attachment: false,
    };
    match ext.as_str() {
        "png" => shown("image/png"),
        "jpg" | "jpeg" => shown("image/jpeg"),
        "gif" => shown("image/gif"),
        "webp" => shown("image/webp"),
        "avif" => shown("image/avif"),
        "ico" => shown("image/x-icon"),
        "bmp" => shown("image/bmp"),
        "svg" => shown("image/svg+xml"),
        "pdf" => shown("application/pdf"),
        _ if !head.contains(&0) && std::str::from_utf8(trim_partial(head)).is_ok() => {
            shown("text/plain; charset=utf-8")
        }
        _ => Kind {
            mime: "application/octet-stream",
            attachment: true,
        },
    }
}

/// Drop a UTF-8 sequence cut off at the end of a sniffed prefix.
fn trim_partial(head: &[u8]) -> &[u8] {
    match std::str::from_utf8(head) {
        Ok(_) => head,
        Err(e) if e.error_len().is_none() => &head[..e.valid_up_to()],
        Err(_) => head,
    }
}

/// Open a walked file under the walk's rules (regular files only, confined to the repo on the
/// opened file, see [`docengine::source::open_in_repo`]) and sniff its first bytes.
async fn open(root: &Path, rel: &str) -> Option<(docengine::source::Opened, Vec<u8>)> {
    let (root, rel) = (root.to_path_buf(), rel.to_string());
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let canonical = docengine::source::canonical_root(&root)?;
        let mut opened = docengine::source::open_in_repo(&root.join(&rel), &canonical).ok()?;
        let mut head = Vec::with_capacity(8192);
        (&mut opened.file).take(8192).read_to_end(&mut head).ok()?;
        Some((opened, head))
    })
    .await
    .ok()?
}

/// A path that opens exactly the file already opened: the descriptor's own entry under
/// `/proc/self/fd` where there is one, so nothing swapped in since can be served.
fn reopenable(opened: &docengine::source::Opened) -> PathBuf {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let fd = PathBuf::from(format!("/proc/self/fd/{}", opened.file.as_raw_fd()));
        if fd.exists() {
            return fd;
        }
    }
    opened.real.clone()
}

/// Serve one repo file (supports HEAD, ranges and conditional requests).
pub async fn serve(root: &Path, rel: &str, req: Request<Body>) -> Option<Response<Body>> {
    let (opened, head) = open(root, rel).await?;
    let abs = opened.real.clone();
    let k = kind(&abs, &head);
    let mime: mime_guess::mime::Mime = k.mime.parse().expect("valid mime");
    // ServeFile opens its path before answering; `opened` stays open until then.
    let resp = ServeFile::new_with_mime(reopenable(&opened), &mime)
        .oneshot(req)
        .await
        .ok()?;
    drop(opened);
    let (mut parts, body) = resp.into_parts();
    if parts.status == StatusCode::NOT_FOUND {
        return None;
    }
    let h = &mut parts.headers;
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(RAW_CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if k.attachment {
        let name = abs
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
            .replace(
                |c: char| !c.is_ascii_alphanumeric() && !".-_".contains(c),
                "_",
            );
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Some(Response::from_parts(parts, Body::new(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_executable_is_served_as_such() {
        let k = |name: &str, head: &[u8]| kind(Path::new(name), head).mime;
        assert_eq!(
            k("x.html", b"<script>alert(1)</script>"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(k("x.js", b"alert(1)"), "text/plain; charset=utf-8");
        assert_eq!(k("run.sh", b"#!/bin/sh\n"), "text/plain; charset=utf-8");
        assert_eq!(k("rack.svg", b"<svg/>"), "image/svg+xml");
        assert_eq!(k("a.PNG", b"\x89PNG"), "image/png");
        let bin = kind(Path::new("disk.img"), b"\x00\x01\x02");
        assert_eq!(bin.mime, "application/octet-stream");
        assert!(bin.attachment);
        // A multi-byte character cut by the sniffing window is still text.
        assert_eq!(
            k("notes", "añb".as_bytes().split_at(2).0),
            "text/plain; charset=utf-8"
        );
    }
}
