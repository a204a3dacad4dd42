//! `netstack serve`: the browsable knowledge base. Thin: routing, templates and HTTP; the
//! content of every page comes from docengine (`render`, `routes`, `browse`, `coverage`).
//!
//! Routes (see also `docengine::routes` for the KB's address space):
//!
//! | path | page |
//! |---|---|
//! | `/` | home: categories, sites, search, recent problems |
//! | `/docs/…/x-pattern/`, `/docs/lan/` | pattern repo pages at their published paths |
//! | `/repo/<path>` | pattern repo files outside the published root |
//! | `/patterns/`, `/patterns/<id>` | every pattern by category; a pattern by id (redirect) |
//! | `/sites/`, `/sites/<site>/` | sites; one site's overview |
//! | `/sites/<site>/<path>` | a site's docs, files and folders |
//! | `/coverage` | patterns × sites |
//! | `/problems` | unresolved references and load problems |
//! | `/lint`, `/lint/rules/<id>` | lint findings with filters; what a rule checks |
//! | `/recommend?site=&pattern=`, `/recommend/finding?fp=` | recommendation previews |
//! | `/search?q=&kind=&site=&category=`, `/api/search?q=` | search page; the hits as JSON (`netstack search --json`) |
//! | `/events` | server-sent events for live reload |
//! | `/healthz` | JSON status |
//! | `/static/…` | embedded CSS/JS |

mod assets;
pub mod build;
mod cache;
mod files;
mod health;
mod live;
mod pages;
mod socket;
mod state;
#[cfg(test)]
mod tests;
mod usage;
mod views;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::routing::get;
use docengine::KnowledgeBase;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// The Content-Security-Policy of every page: only our own scripts, styles and images.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The application: every route with its middleware.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home::home))
        .route("/healthz", get(health::healthz))
        .route("/events", get(live::events))
        .route("/coverage", get(pages::coverage::coverage))
        .route("/problems", get(pages::problems::problems))
        .route("/lint", get(pages::lint::lint_page))
        .route("/lint/rules/{id}", get(pages::lint::lint_rule))
        .route("/search", get(pages::search::page))
        .route("/api/search", get(pages::search::api))
        .route("/recommend", get(pages::recommend::recommend_page))
        .route("/recommend/finding", get(pages::recommend::recommend_finding))
        .route("/sites", get(|| async { axum::response::Redirect::permanent("/sites/") }))
        .route("/sites/", get(pages::sites::sites))
        .route("/patterns", get(|| async { axum::response::Redirect::permanent("/patterns/") }))
        .route("/patterns/", get(pages::docs::patterns))
        .route("/patterns/{id}", get(pages::docs::pattern_by_id))
        .route("/static/{*path}", get(assets::serve))
        .fallback(pages::fallback::fallback)
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    tracing::info_span!("http", method = %req.method(), path = %req.uri())
                })
                .on_request(())
                .on_response(
                    |res: &axum::http::Response<_>, latency: Duration, _span: &tracing::Span| {
                        tracing::info!(
                            status = res.status().as_u16(),
                            ms = format_args!("{:.2}", latency.as_secs_f64() * 1000.0),
                        );
                    },
                )
                .on_failure(()),
        )
}

/// Options of `netstack serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub watch: bool,
    pub open: bool,
    /// The KB folder.
    pub dir: PathBuf,
    /// What one client may cost the server.
    pub limits: ClientLimits,
}

/// The bounds on every client (defaults in `docengine::limits`).
#[derive(Debug, Clone, Copy)]
pub struct ClientLimits {
    /// A request head must arrive within this; also the idle time of a keep-alive connection.
    pub header_read_timeout: Duration,
    /// Answering one request (its response head) may take this long.
    pub request_timeout: Duration,
    /// Connections served at once (further ones wait in the listen backlog).
    pub max_connections: usize,
}

impl Default for ClientLimits {
    fn default() -> Self {
        use docengine::limits::*;
        ClientLimits {
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT_SECS),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Raise the soft open-file limit to the hard one and return how many connections fit
/// below it (keeping `RESERVED_FDS` for files, the index and the watcher).
fn connection_cap(wanted: usize) -> usize {
    let reserve = docengine::limits::RESERVED_FDS;
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                // SAFETY: as above.
                if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                    lim.rlim_cur = lim.rlim_max;
                }
            }
            let fds = usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX);
            let fit = fds.saturating_sub(reserve).max(16);
            if wanted > fit {
                tracing::warn!(
                    "serving at most {fit} connections at once, not {wanted}: the open-file limit is {fds}"
                );
            }
            return wanted.min(fit).max(1);
        }
    }
    wanted.max(1)
}

/// Accept connections until `shutdown` fires: HTTP/1.1 with a header-read timeout (which
/// also closes idle keep-alive connections) and at most `max_connections` at once. Then
/// stop accepting and give open connections a moment to finish.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ClientLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let cap = connection_cap(limits.max_connections);
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(cap));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: wait a
                    // moment rather than spin.
                    tracing::debug!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let conn =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection closed: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// Serve a loaded KB until Ctrl-C or SIGTERM.
pub fn serve(kb: KnowledgeBase, opts: ServeOptions) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(run(kb, opts))
}

async fn run(kb: KnowledgeBase, opts: ServeOptions) -> Result<()> {
    let docs = kb.docs.len();
    let config_file = kb
        .config
        .file
        .clone()
        .unwrap_or_else(|| live::config_file(&opts.dir));
    let state = AppState::new(kb, opts.dir.clone(), opts.watch);
    state.open_search();
    state.prepare();
    let listener = tokio::net::TcpListener::bind(opts.addr)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}: is another server using it? Pick another with --addr",
                opts.addr
            )
        })?;
    let local = listener.local_addr()?;
    let url = format!("http://{local}/");

    let _socket = socket::spawn(state.clone());
    let watcher = if opts.watch {
        Some(live::spawn(state.clone(), config_file)?)
    } else {
        None
    };

    // The URL goes to stdout (scripts and tests read it), the rest is logging.
    println!(
        "netstack serve: {url} ({docs} docs from {})",
        opts.dir.display()
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    tracing::info!(%url, live = opts.watch, "serving");
    if opts.open
        && let Err(e) = opener::open_browser(&url)
    {
        tracing::warn!("could not open a browser: {e}");
    }

    let app = router(state.clone()).layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        opts.limits.request_timeout,
    ));
    let shutdown_state = state.clone();
    accept_loop(listener, app, opts.limits, async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        shutdown_state.begin_shutdown();
    })
    .await;
    if let Some(w) = watcher {
        let _ = tokio::time::timeout(Duration::from_secs(2), w).await;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
