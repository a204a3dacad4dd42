//! "Did you mean": pattern ids closest to a wanted id, from a trigram index over the ids.

use std::collections::HashMap;
use std::collections::HashSet;

use super::model::{KnowledgeBase, SuggestIndex};

impl SuggestIndex {
    fn new<'a>(ids: impl Iterator<Item = &'a String>) -> Self {
        let mut idx = SuggestIndex::default();
        for (i, id) in ids.enumerate() {
            for g in trigrams(id.trim_end_matches("-pattern")) {
                let list = idx.grams.entry(g).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
            idx.ids.push(id.clone());
        }
        idx
    }

    /// Ids sharing the most trigrams with `core`, best first.
    fn candidates(&self, core: &str, max: usize) -> Vec<usize> {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for g in trigrams(core) {
            if let Some(list) = self.grams.get(&g) {
                for &i in list {
                    *counts.entry(i).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(u32, u32)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(max).map(|(i, _)| i as usize).collect()
    }
}

fn trigrams(s: &str) -> Vec<[u8; 3]> {
    let padded: Vec<u8> = std::iter::once(b' ')
        .chain(s.bytes())
        .chain(std::iter::once(b' '))
        .collect();
    let mut out: Vec<[u8; 3]> = padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl KnowledgeBase {
    /// Pattern ids closest to a wanted id (for "did you mean"): close spellings, or ids that
    /// share a significant word. A trigram index keeps this fast on large KBs.
    pub fn suggest_patterns(&self, wanted: &str, limit: usize) -> Vec<&str> {
        let wanted = wanted.to_ascii_lowercase();
        let core = wanted.trim_end_matches("-pattern");
        let words: HashSet<&str> = core.split('-').filter(|w| w.len() > 3).collect();
        let index = self
            .suggest_index
            .get_or_init(|| SuggestIndex::new(self.patterns.keys()));
        let mut scored: Vec<(f64, &str)> = index
            .candidates(core, 200)
            .into_iter()
            .filter_map(|i| {
                let id = index.ids[i].as_str();
                let id_core = id.trim_end_matches("-pattern");
                let close = strsim::normalized_damerau_levenshtein(core, id_core);
                let shared = id_core.split('-').filter(|w| words.contains(w)).count();
                (close >= 0.6 || shared > 0).then_some((close + 0.2 * shared as f64, id))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.into_iter().take(limit).map(|(_, id)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn suggestions_are_close_or_share_a_word() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for p in [
            "docs/ops/monitor/uptime-monitor-pattern.md",
            "docs/ops/backup/backup-cron-pattern.md",
            "docs/ops/security/secrets-vault-pattern.md",
        ] {
            std::fs::create_dir_all(r.join("netstack").join(p).parent().unwrap()).unwrap();
            std::fs::write(r.join("netstack").join(p), "# x\n").unwrap();
        }
        std::fs::write(r.join("netstack.toml"), "[patterns]\npath = \"netstack\"\n").unwrap();
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        assert_eq!(
            kb.suggest_patterns("backup-corn-pattern", 3),
            vec!["backup-cron-pattern"]
        );
        assert_eq!(
            kb.suggest_patterns("uptime-probe-pattern", 3),
            vec!["uptime-monitor-pattern"]
        );
        assert!(kb.suggest_patterns("service-portal-pattern", 3).is_empty());
    }
}
