//! Asking a running `netstack serve` for search results instead of walking the KB: the
//! request and the answer exchanged over the server's local socket (one JSON line each way),
//! and the identity (netstack version, KB folder, config fingerprint) that keeps a client
//! from taking the answer of a server for another KB or version. The binary does the I/O.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{SearchQuery, SearchResults};
use crate::config::Config;

/// The socket's file name in the KB's `.netstack/` folder.
pub const SOCKET_FILE: &str = "search.sock";

/// Longest request line a server reads (a query is at most a few KB).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Where the server of the KB `config` describes listens.
pub fn socket_path(config: &Config) -> PathBuf {
    config.root.join(".netstack").join(SOCKET_FILE)
}

/// Who answers: the same netstack version, KB folder and configuration give the same
/// results; anything else must not answer for this KB.
pub fn identity(config: &Config) -> String {
    let root: &Path = &config.root;
    format!(
        "netstack {} | {} | {}",
        env!("CARGO_PKG_VERSION"),
        root.canonicalize()
            .unwrap_or_else(|_| root.to_path_buf())
            .display(),
        super::fingerprint(config)
    )
}

/// A search asked of a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// [`identity`] of the asker's KB.
    pub identity: String,
    pub query: SearchQuery,
}

/// A server's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// The results, exactly as a local search would give them.
    Results(SearchResults),
    /// The query was refused (a bound, an unknown site): the message a local search gives.
    Refused(String),
    /// The server cannot answer for this KB (another KB or version, index not ready, an
    /// error): search locally.
    Declined(String),
}

impl Request {
    /// The answer of a server whose KB has identity `ours`, searching with `search`.
    pub fn answer(
        &self,
        ours: &str,
        search: impl FnOnce(&SearchQuery) -> crate::Result<SearchResults>,
    ) -> Response {
        if self.identity != ours {
            return Response::Declined("another KB or netstack version".into());
        }
        match search(&self.query) {
            Ok(r) => Response::Results(r),
            Err(crate::Error::Query(e)) => Response::Refused(e.message),
            Err(crate::Error::Invalid(m)) => Response::Refused(m),
            Err(e) => Response::Declined(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_kb_and_version_is_answered_and_errors_keep_their_kind() {
        let q = SearchQuery::new("backup");
        let req = Request {
            identity: "a".into(),
            query: q.clone(),
        };
        let wire = serde_json::to_string(&req).unwrap();
        assert_eq!(serde_json::from_str::<Request>(&wire).unwrap(), req);
        let empty = || SearchResults {
            hits: Vec::new(),
            total: 0,
            corrections: Vec::new(),
            corrected_query: None,
            relaxed: false,
            no_exact_match: None,
        };
        assert!(matches!(
            req.answer("b", |_| Ok(empty())),
            Response::Declined(_)
        ));
        assert_eq!(req.answer("a", |_| Ok(empty())), Response::Results(empty()));
        let too_many = SearchQuery {
            limit: usize::MAX,
            ..q.clone()
        };
        let refused = too_many.check().unwrap_err();
        let r = req.answer("a", |_| Err(crate::Error::Query(refused.clone())));
        assert_eq!(r, Response::Refused(refused.message));
        let r = req.answer("a", |_| Err(crate::Error::Invalid("no site x".into())));
        assert_eq!(r, Response::Refused("no site x".into()));
        let r = req.answer("a", |_| {
            Err(crate::Error::Index {
                path: "i".into(),
                message: "damaged".into(),
            })
        });
        assert!(matches!(r, Response::Declined(_)));
        let wire = serde_json::to_string(&Response::Results(empty())).unwrap();
        assert_eq!(
            serde_json::from_str::<Response>(&wire).unwrap(),
            Response::Results(empty())
        );
    }
}
