//! The one integration-test binary: end-to-end tests of the real `netstack` binary, one
//! module per area (ripgrep's and mdBook's layout), so the program is linked once.

mod build_cli;
mod check_cli;
mod deliver_cli;
mod deliver_smtp;
mod lint_cli;
mod lint_quality;
mod new_cli;
mod output;
mod recommend_cli;
mod search_cli;
mod search_quality;
mod util;
mod web_browser;
mod web_server;
