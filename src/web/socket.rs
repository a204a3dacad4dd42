//! The search socket: `netstack serve` answers `netstack search` on a local socket in the
//! KB's `.netstack/` folder (owner-only), so a search on a KB whose server is running skips
//! the walk of every repo. One JSON line in, one out ([`docengine::index::remote`]); the
//! client falls back to searching by itself whenever the server does not answer at once.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use docengine::index::remote::{self, MAX_REQUEST_BYTES, Request, Response};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::state::AppState;

/// The socket file, removed when the server stops.
pub struct Socket {
    path: PathBuf,
}

impl Drop for Socket {
    fn drop(&mut self) {
        if is_socket(&self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn is_socket(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

/// Listen on the KB's search socket and answer in the background. `None` (with a log line)
/// when the socket cannot be made (read-only KB folder, a path too long for a socket): the
/// CLI then searches by itself, as it does without a server.
pub fn spawn(state: AppState) -> Option<Socket> {
    let config = state.snapshot().kb.config.clone();
    let path = remote::socket_path(&config);
    let dir = path.parent()?;
    if let Err(e) = std::fs::create_dir_all(dir) {
        tracing::info!("no search socket ({}: {e})", dir.display());
        return None;
    }
    // A socket left by a server that died; anything else at that path is not ours to remove.
    if is_socket(&path) {
        let _ = std::fs::remove_file(&path);
    }
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::info!("no search socket ({}: {e})", path.display());
            return None;
        }
    };
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    tracing::debug!(socket = %path.display(), "search socket");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let _ = answer(stream, state).await;
            });
        }
    });
    Some(Socket { path })
}

async fn answer(stream: UnixStream, state: AppState) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_REQUEST_BYTES as u64))
        .read_line(&mut line)
        .await?;
    let response = match serde_json::from_str::<Request>(&line) {
        Err(e) => Response::Declined(format!("not a search request: {e}")),
        Ok(request) => match state.search_index() {
            None => Response::Declined("the index is not open yet".into()),
            Some(index) => {
                let snap = state.snapshot();
                let ours = remote::identity(&snap.kb.config);
                tokio::task::spawn_blocking(move || {
                    request.answer(&ours, |q| index.search(&snap.kb, q))
                })
                .await
                .unwrap_or_else(|e| Response::Declined(e.to_string()))
            }
        },
    };
    let mut out = serde_json::to_vec(&response).unwrap_or_default();
    out.push(b'\n');
    write.write_all(&out).await?;
    write.shutdown().await
}
