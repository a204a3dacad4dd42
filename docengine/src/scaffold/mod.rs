//! The skeletons the workflow asks for, each as text and the path it belongs at (the binary
//! writes them): `netstack init`'s commented `netstack.toml` (`init`) and `netstack new
//! contract`'s `.wip-contract.md` (`contract`) and `netstack new pattern`'s pattern doc with
//! the closest existing patterns (`pattern`). Refusals (an existing file, an unknown site,
//! an address that is none) are decided here, so every interface refuses alike.

mod contract;
mod init;
mod pattern;

pub use contract::{ContractOptions, new_contract};
pub use init::{InitOptions, InitOutput, init, rel_path};
pub use pattern::{
    NewPattern, PatternOptions, SIMILAR, new_pattern, new_pattern_command,
    new_pattern_command_for_path, similar_patterns,
};

use std::path::PathBuf;

/// A file to write: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skeleton {
    pub path: PathBuf,
    pub text: String,
}
