//! `netstack serve`: browse the KB over HTTP with live reload (see `crate::web`).

use std::net::SocketAddr;

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
        },
    )?;
    Ok(exit::OK)
}
