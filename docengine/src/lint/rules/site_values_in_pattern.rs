//! `site-values-in-pattern`: a pattern doc holding one site's concrete values (private IPs,
//! internal host names) instead of declaring them in `values:`.

use super::prelude::*;

/// What `site-values-in-pattern` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INFO: RuleInfo = RuleInfo {
    rule: Rule::SiteValuesInPattern,
    id: "site-values-in-pattern",
    name: "SiteValuesInPattern",
    default_severity: Severity::Info,
    scope: Scope::Patterns,
    summary: "A pattern doc contains concrete private IPs or internal host names.",
    description: "Patterns are reusable: a concrete private address (`10.20.0.53`, \
`192.168.1.10`) or an internal host name (`ns1.cf.lan`, `nas01.internal`) is usually one site's \
value that leaked into the pattern. Network addresses (`10.0.0.0/8`), documentation ranges \
(`192.0.2.0/24`), placeholders (`10.0.0.x`, `<ip>`) and `example.org` names are not reported.",
    example: "```markdown\nPoint the internal view at 10.20.0.53 (ns1.cf.lan).\n```",
    fix: "Replace the value with a placeholder or a documentation address (`192.0.2.10`, \
`ns1.example.org`), declare it in the pattern's front matter `values:`, and move the concrete \
value to the site's doc.",
};

static IPV4: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w.])((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}))(/\d{1,2})?(?:[^\w.]|\.(?:\s|$)|$)").unwrap()
});
static INTERNAL_HOST: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:lan|local|internal|intranet|corp|localdomain|home\.arpa|int|priv|private))\b")
        .unwrap()
});
static HOSTNAME: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.){2,}[a-z]{2,})\b").unwrap()
});

/// A concrete private IPv4 host address (not a network, broadcast or placeholder).
fn private_host_ip(o: [u32; 4], prefix: Option<u32>) -> bool {
    if o.iter().any(|&x| x > 255) {
        return false;
    }
    let private = o[0] == 10
        || (o[0] == 172 && (16..=31).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || (o[0] == 100 && (64..=127).contains(&o[1]));
    if !private || o[3] == 255 {
        return false;
    }
    let ip = (o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3];
    match prefix {
        // A network (`10.20.0.0/16`) is a design choice, not a host.
        Some(p) if p <= 32 => {
            let host_bits = if p == 0 {
                u32::MAX
            } else {
                (!0u32).checked_shr(p).unwrap_or(0)
            };
            ip & host_bits != 0
        }
        _ => o[3] != 0,
    }
}

pub(crate) fn site_values_in_pattern(kb: &KnowledgeBase, id: DocId) -> Vec<Finding> {
    let doc = kb.doc(id);
    if doc.kind != DocKind::Pattern {
        return Vec::new();
    }
    let sites: BTreeSet<String> = kb.sites().map(|s| s.to_ascii_lowercase()).collect();
    let mut out = Vec::new();
    for b in &doc.blocks {
        let text = doc.block_text(b);
        let mut found: BTreeSet<String> = BTreeSet::new();
        let mut first_line: Option<u32> = None;
        let mut note = |value: &str, offset: usize, found: &mut BTreeSet<String>| {
            if found.insert(value.to_string()) {
                let line = doc.line_map.line_at(b.text.start + offset);
                first_line = Some(first_line.map_or(line, |l: u32| l.min(line)));
            }
        };
        for cap in IPV4.captures_iter(text) {
            let o = [2, 3, 4, 5].map(|i| cap[i].parse::<u32>().unwrap_or(999));
            let prefix = cap.get(6).and_then(|m| m.as_str()[1..].parse::<u32>().ok());
            if private_host_ip(o, prefix) {
                let m = cap.get(1).unwrap();
                note(m.as_str(), m.start(), &mut found);
            }
        }
        for cap in INTERNAL_HOST.captures_iter(text) {
            let m = cap.get(1).unwrap();
            let h = m.as_str().to_ascii_lowercase();
            if h.split('.').any(|l| l == "example") {
                continue;
            }
            note(m.as_str(), m.start(), &mut found);
        }
        for cap in HOSTNAME.captures_iter(text) {
            let m = cap.get(1).unwrap();
            let h = m.as_str().to_ascii_lowercase();
            let labels: Vec<&str> = h.split('.').collect();
            if labels.contains(&"example") || labels.len() < 3 {
                continue;
            }
            // `nas01.wf.example-fed.org`: a label naming one of the sites.
            if labels[..labels.len() - 1]
                .iter()
                .skip(1)
                .any(|l| sites.contains(*l))
            {
                note(m.as_str(), m.start(), &mut found);
            }
        }
        if found.is_empty() {
            continue;
        }
        let line = first_line.unwrap_or(b.start_line);
        let values: Vec<String> = found.iter().map(|v| format!("`{v}`")).collect();
        out.push(new(
            Rule::SiteValuesInPattern,
            doc,
            line.max(b.start_line),
            b.end_line,
            format!(
                "pattern contains concrete site values ({}): patterns should stay reusable",
                values.join(", ")
            ),
            "Replace them with placeholders or documentation values (`192.0.2.10`, \
             `ns1.example.org`), declare them in front matter `values:`, and move the concrete \
             values to the site's doc."
                .into(),
            found.into_iter().collect::<Vec<_>>().join(","),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_hosts_not_networks() {
        assert!(private_host_ip([10, 20, 0, 53], None));
        assert!(private_host_ip([192, 168, 1, 10], None));
        assert!(!private_host_ip([10, 0, 0, 0], Some(8)));
        assert!(!private_host_ip([192, 168, 10, 0], Some(24)));
        assert!(private_host_ip([10, 99, 0, 1], Some(24)));
        assert!(!private_host_ip([192, 0, 2, 10], None));
        assert!(!private_host_ip([8, 8, 8, 8], None));
        assert!(!private_host_ip([172, 32, 0, 1], None));
    }
}
