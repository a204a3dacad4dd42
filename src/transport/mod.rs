//! The transports `netstack deliver` sends through, built from `[deliver]` of netstack.toml:
//! each speaks one protocol and implements `docengine::recommend::Transport`, so what to
//! send and when stays in the engine. Secrets are read here, from the environment variables
//! the config names, and never leave the transport that holds them.

pub mod smtp;

use anyhow::Result;
use docengine::Config;
use docengine::contract::Method;
use docengine::recommend::Transports;

/// The transports the config sets up (a method without a section has none). Reads secrets:
/// a variable the config names but the environment lacks is an error naming the variable.
pub fn build(config: &Config) -> Result<Transports> {
    let mut t = Transports::new();
    if let Some(smtp) = &config.deliver.smtp {
        t.insert(
            Method::Email,
            Box::new(smtp::Smtp::from_config(config, &config.deliver, smtp)?),
        );
    }
    Ok(t)
}

/// Which methods the config sets up, without reading any secret (`deliver --dry-run`).
pub fn configured(config: &Config, method: Method) -> bool {
    match method {
        Method::Email => smtp::configured(&config.deliver),
        _ => false,
    }
}
