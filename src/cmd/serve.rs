//! `netstack serve`: browse the KB over HTTP with live reload (see `crate::web`).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;

use crate::{Cli, exit, kb_select, web};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port; the URL is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: SocketAddr,

    /// Do not watch files: serve the KB as loaded at start.
    #[arg(long)]
    pub no_watch: bool,

    /// Open the home page in a browser once the server listens.
    #[arg(long)]
    pub open: bool,

    /// Seconds a client has to send a request's head; also how long an idle keep-alive
    /// connection stays open.
    #[arg(long, value_name = "SECS", env = "NETSTACK_HEADER_TIMEOUT",
          default_value_t = docengine::limits::DEFAULT_HEADER_READ_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,

    /// Seconds the server may take to answer one request (then 408).
    #[arg(long, value_name = "SECS", env = "NETSTACK_REQUEST_TIMEOUT",
          default_value_t = docengine::limits::DEFAULT_REQUEST_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,

    /// Connections served at once (kept below the open-file limit).
    #[arg(long, value_name = "N", env = "NETSTACK_MAX_CONNECTIONS",
          default_value_t = docengine::limits::DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let kb = kb_select::load(cli.kb.as_deref())?;
    let dir_of_kb = kb.config.root.clone();
    web::serve(
        kb,
        web::ServeOptions {
            addr: args.addr,
            watch: !args.no_watch,
            open: args.open,
            dir: dir_of_kb,
            limits: web::ClientLimits {
                header_read_timeout: Duration::from_secs(args.header_timeout),
                request_timeout: Duration::from_secs(args.request_timeout),
                max_connections: args.max_connections,
            },
        },
    )?;
    Ok(exit::OK)
}
