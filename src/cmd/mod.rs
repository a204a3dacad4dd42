//! One module per subcommand: argument struct + `run`.

pub mod build;
pub mod check;
pub mod deliver;
pub mod init;
pub mod lint;
pub mod new;
pub mod outbox;
pub mod recommend;
pub mod search;
pub mod serve;
