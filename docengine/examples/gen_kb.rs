//! Deterministic generator of a realistic benchmark knowledge base: a pattern repo of N
//! patterns spread over the real categories, S site repos of D docs each, contracts in both
//! forms, references in every form, planted (edited) duplicates and broken references.
//!
//! ```sh
//! cargo run --release -p docengine --example gen_kb -- --patterns 10000 --sites 100 --docs-per-site 100 /tmp/kb20k
//! ```
//!
//! Writes `OUT/netstack.toml`, `OUT/netstack/…`, `OUT/site-NNN/…` and `OUT/planted.json`
//! (which site docs carry planted copies of which pattern, and which references are broken).
//! The same arguments always produce byte-identical output (`--seed` changes it).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const CATEGORIES: &[&str] = &[
    "ops/tools",
    "ops/backup",
    "ops/users",
    "ops/deployments",
    "ops/monitor",
    "ops/security",
    "ops/storage-index",
    "wan",
    "lan/compute",
    "lan/network",
    "lan/storage",
    "portals",
];

const TOPIC: &[&str] = &[
    "backup",
    "restore",
    "snapshot",
    "replication",
    "rotation",
    "retention",
    "cron",
    "timer",
    "vpn",
    "tunnel",
    "wireguard",
    "firewall",
    "nftables",
    "vlan",
    "dhcp",
    "dns",
    "resolver",
    "certificate",
    "acme",
    "tls",
    "proxy",
    "gateway",
    "sso",
    "ldap",
    "keycloak",
    "onboarding",
    "offboarding",
    "ssh",
    "keys",
    "vault",
    "secrets",
    "patching",
    "updates",
    "kernel",
    "monitoring",
    "alerting",
    "metrics",
    "logs",
    "shipping",
    "dashboard",
    "uptime",
    "status",
    "inventory",
    "dataset",
    "naming",
    "nas",
    "share",
    "samba",
    "nfs",
    "zfs",
    "pool",
    "scrub",
    "hypervisor",
    "proxmox",
    "container",
    "gpu",
    "deploy",
    "rollout",
    "ansible",
    "drift",
    "blue-green",
    "failover",
    "dual-wan",
    "ddns",
    "portal",
    "printer",
    "ups",
    "power",
    "switch",
    "access-point",
    "wifi",
    "radius",
    "ntp",
    "time",
    "syslog",
    "audit",
    "incident",
    "runbook",
    "helper",
    "script",
    "library",
    "disk",
    "inode",
    "quota",
    "raid",
    "smart",
    "firmware",
    "bios",
    "ipmi",
    "console",
];

const WORDS: &[&str] = &[
    "the",
    "a",
    "each",
    "every",
    "site",
    "host",
    "service",
    "job",
    "run",
    "check",
    "keeps",
    "writes",
    "reads",
    "sends",
    "stores",
    "rotates",
    "verifies",
    "schedules",
    "alerts",
    "fails",
    "recovers",
    "logs",
    "reports",
    "limits",
    "allows",
    "blocks",
    "names",
    "tags",
    "pins",
    "exports",
    "mounts",
    "encrypts",
    "signs",
    "renews",
    "expires",
    "restarts",
    "nightly",
    "weekly",
    "daily",
    "hourly",
    "offsite",
    "local",
    "remote",
    "primary",
    "secondary",
    "standby",
    "shared",
    "private",
    "public",
    "internal",
    "external",
    "stale",
    "fresh",
    "broken",
    "healthy",
    "degraded",
    "full",
    "empty",
    "target",
    "source",
    "window",
    "budget",
    "threshold",
    "interval",
    "owner",
    "operator",
    "admin",
    "contact",
    "ticket",
    "volume",
    "dataset",
    "bucket",
    "repository",
    "archive",
    "manifest",
    "checksum",
    "key",
    "token",
    "policy",
    "rule",
    "zone",
    "subnet",
    "route",
    "peer",
    "endpoint",
    "port",
    "address",
    "lease",
    "reservation",
    "record",
    "cache",
    "queue",
    "worker",
    "node",
    "cluster",
    "replica",
    "mirror",
    "tier",
    "pool",
    "device",
    "sensor",
    "probe",
    "agent",
    "because",
    "so",
    "when",
    "before",
    "after",
    "unless",
    "while",
    "and",
    "or",
    "with",
    "without",
    "into",
    "from",
    "to",
    "on",
    "off",
    "per",
    "across",
    "between",
    "within",
    "never",
    "always",
    "only",
    "first",
    "last",
    "then",
];

const COMMANDS: &[&str] = &[
    "systemctl list-timers --all",
    "restic -r sftp:backup@<backup_target>:/srv/restic snapshots",
    "zfs list -t snapshot -o name,creation",
    "wg show all latest-handshakes",
    "nft list ruleset",
    "journalctl -u backup.service --since yesterday",
    "df -hT && df -i",
    "certbot certificates",
    "ansible-playbook -i inventory site.yml --check --diff",
    "ip -br addr",
    "dig +short @<resolver> example.internal",
    "smartctl -a /dev/sda",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // SplitMix64
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Zipf-ish pick: low indexes are much more frequent.
    fn zipf<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let i = ((items.len() as f64).powf(u) - 1.0) as usize;
        &items[i.min(items.len() - 1)]
    }
}

struct Args {
    patterns: usize,
    sites: usize,
    docs_per_site: usize,
    seed: u64,
    out: PathBuf,
}

fn parse_args() -> Args {
    let mut a = Args {
        patterns: 1000,
        sites: 10,
        docs_per_site: 100,
        seed: 42,
        out: PathBuf::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = |name: &str| -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| die(&format!("{name} needs a number")))
        };
        match arg.as_str() {
            "--patterns" => a.patterns = num("--patterns"),
            "--sites" => a.sites = num("--sites"),
            "--docs-per-site" => a.docs_per_site = num("--docs-per-site"),
            "--seed" => a.seed = num("--seed") as u64,
            "-h" | "--help" => {
                println!(
                    "usage: gen_kb [--patterns N] [--sites S] [--docs-per-site D] [--seed X] OUT"
                );
                std::process::exit(0);
            }
            other if other.starts_with('-') => die(&format!("unknown option {other}")),
            other => a.out = PathBuf::from(other),
        }
    }
    if a.out.as_os_str().is_empty() {
        die("give the output folder: gen_kb [options] OUT");
    }
    a
}

fn die(msg: &str) -> ! {
    eprintln!("gen_kb: {msg}");
    std::process::exit(2)
}

fn write(path: &Path, text: &str) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap_or_else(|e| die(&format!("{}: {e}", p.display())));
    }
    std::fs::write(path, text).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
}

struct Pattern {
    id: String,
    category: &'static str,
    title: String,
    values: Vec<String>,
    /// The "How it works" section body (copied into planted duplicates).
    how: String,
}

fn sentence(r: &mut Rng, topic: &[&str]) -> String {
    let n = 9 + r.below(12);
    let mut s = String::new();
    for i in 0..n {
        let w: &&str = if r.chance(22) {
            r.pick(topic)
        } else {
            r.zipf(WORDS)
        };
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn paragraph(r: &mut Rng, topic: &[&str], sentences: usize) -> String {
    (0..sentences)
        .map(|_| sentence(r, topic))
        .collect::<Vec<_>>()
        .join(" ")
}

fn make_pattern(r: &mut Rng, i: usize) -> Pattern {
    let category = CATEGORIES[i % CATEGORIES.len()];
    let a = *r.pick(TOPIC);
    let b = *r.pick(TOPIC);
    let id = format!("{a}-{b}-{i:05}-pattern");
    let title = format!("{} {} pattern {i}", capitalize(a), b.replace('-', " "));
    let topic = [a, b, *r.pick(TOPIC)];
    let values = if r.chance(30) {
        (0..2 + r.below(3))
            .map(|k| format!("{}_{}", r.pick(TOPIC).replace('-', "_"), k))
            .collect()
    } else {
        Vec::new()
    };
    let mut how = String::new();
    for _ in 0..3 {
        let n = 3 + r.below(3);
        how.push_str(&paragraph(r, &topic, n));
        how.push_str("\n\n");
    }
    for step in 1..=6 + r.below(4) {
        let _ = writeln!(how, "{step}. {}", sentence(r, &topic));
        if r.chance(30) {
            let _ = writeln!(how, "\n   ```sh\n   {}\n   ```\n", r.pick(COMMANDS));
        }
    }
    Pattern {
        id,
        category,
        title,
        values,
        how,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn pattern_path(p: &Pattern) -> String {
    format!("docs/{}/{}.md", p.category, p.id)
}

fn render_pattern(r: &mut Rng, p: &Pattern, all: &[Pattern]) -> String {
    let mut t = String::new();
    let fm = r.below(10);
    if fm < 3 {
        let (t1, t2) = (*r.pick(TOPIC), *r.pick(TOPIC));
        let _ = writeln!(t, "---\ntitle: {}\ntags: [{t1}, {t2}]", p.title);
        if !p.values.is_empty() {
            let _ = writeln!(t, "values: [{}]", p.values.join(", "));
        }
        t.push_str("---\n");
    } else if fm == 3 {
        let _ = writeln!(
            t,
            "+++\ntitle = \"{}\"\ntags = [\"{}\"]",
            p.title,
            r.pick(TOPIC)
        );
        if !p.values.is_empty() {
            let quoted: Vec<String> = p.values.iter().map(|v| format!("\"{v}\"")).collect();
            let _ = writeln!(t, "values = [{}]", quoted.join(", "));
        }
        t.push_str("+++\n");
    } else if !p.values.is_empty() {
        let _ = writeln!(t, "---\nvalues: [{}]\n---", p.values.join(", "));
    }
    if r.chance(30) {
        let _ = writeln!(
            t,
            "[edit](https://github.com/bench-fed/netstack/edit/master/{})\n",
            pattern_path(p)
        );
    }
    let _ = writeln!(t, "# {}\n", p.title);
    let topic = [p.id.split('-').next().unwrap_or("ops"), "site", "pattern"];
    let _ = writeln!(t, "## When to use\n\n{}\n", paragraph(r, &topic, 3));
    let _ = writeln!(t, "## How it works\n\n{}", p.how);
    if r.chance(25) {
        t.push_str("## Reference table\n\n| Item | Default | Notes |\n|---|---|---|\n");
        for k in 0..5 + r.below(20) {
            let (item, default) = (*r.pick(TOPIC), r.below(1000));
            let _ = writeln!(t, "| {item}-{k} | {default} | {} |", sentence(r, &topic));
        }
        t.push('\n');
    }
    if !p.values.is_empty() {
        t.push_str("## Values a site must supply\n\n");
        for v in &p.values {
            let _ = writeln!(t, "- `{v}`: {}", sentence(r, &topic));
        }
        t.push('\n');
    }
    let cmd = *r.pick(COMMANDS);
    let _ = writeln!(
        t,
        "## Verification\n\n```sh\n{cmd}\n```\n\n{}\n",
        paragraph(r, &topic, 2)
    );
    t.push_str("## Related\n\n");
    for _ in 0..1 + r.below(3) {
        let o = &all[r.below(all.len())];
        let from_depth = p.category.split('/').count();
        let up = "../".repeat(from_depth);
        let _ = writeln!(t, "- [{}]({up}{}/{}.md)", o.title, o.category, o.id);
    }
    t
}

fn ip(r: &mut Rng, site: usize) -> String {
    format!("10.{}.{}.{}", site % 250, r.below(16), 2 + r.below(250))
}

#[derive(Default)]
struct Planted {
    duplicates: Vec<(String, String, String)>,
    broken: Vec<(String, String, String)>,
}

fn render_site_doc(
    r: &mut Rng,
    site: usize,
    d: usize,
    patterns: &[Pattern],
    planted: &mut Planted,
) -> (String, String) {
    let sname = format!("site-{site:03}");
    let topic_word = *r.pick(TOPIC);
    let path = format!("docs/{topic_word}-{d:03}.md");
    let p = &patterns[r.below(patterns.len())];
    let mut t = String::new();
    let form = r.below(6);
    let supply = !p.values.is_empty() && r.chance(85);
    if form == 0 || (supply && r.chance(40)) {
        t.push_str("---\n");
        if form == 0 {
            let _ = writeln!(t, "follows: [{}]", p.id);
        }
        if supply {
            t.push_str("values:\n");
            for v in &p.values {
                let _ = writeln!(t, "  {v}: \"{}\"", ip(r, site));
            }
        }
        t.push_str("---\n");
    }
    if r.chance(25) {
        let _ = writeln!(
            t,
            "[edit](https://github.com/bench-fed/{sname}/edit/main/{path})\n"
        );
    }
    let _ = writeln!(t, "# {} at {sname} ({d})\n", capitalize(topic_word));
    let url_path = format!("docs/{}/{}", p.category, p.id);
    let reference = match form {
        0 => format!(
            "This site follows the pattern named in the front matter ({}).",
            p.title
        ),
        1 => format!("Follows [{}](https://netstack.org/{url_path}/).", p.title),
        2 => format!("Follows [{}](https://netstack.org/{url_path}).", p.title),
        3 => format!(
            "See [{}](https://github.com/bench-fed/netstack/blob/{}/{}.md).",
            p.title,
            if r.chance(50) { "master" } else { "main" },
            url_path
        ),
        4 => format!("Pattern: [{}](../../netstack/{url_path}.md)", p.title),
        _ => format!("Runs per netstack {}.", p.id),
    };
    let _ = writeln!(t, "{reference}\n");
    if r.chance(2) {
        let (m1, m2) = (*r.pick(TOPIC), *r.pick(TOPIC));
        let missing = format!("{m1}-{m2}-missing-pattern");
        let _ = writeln!(
            t,
            "Also see [old doc](https://netstack.org/docs/ops/{missing}/).\n"
        );
        planted.broken.push((sname.clone(), path.clone(), missing));
    }
    let topic = [topic_word, "site", &sname];
    let _ = writeln!(t, "{}\n", paragraph(r, &topic, 2));
    if supply {
        t.push_str("## Values\n\n| Key | Value |\n|---|---|\n");
        for v in &p.values {
            let _ = writeln!(t, "| {v} | {} |", ip(r, site));
        }
        t.push('\n');
    }
    t.push_str("## Devices\n\n| Host | Address | Role |\n|---|---|---|\n");
    for k in 0..3 + r.below(8) {
        let (name, addr, role) = (*r.pick(TOPIC), ip(r, site), *r.pick(WORDS));
        let _ = writeln!(t, "| {name}{k:02}.{sname}.lan | {addr} | {role} |");
    }
    t.push('\n');
    if r.chance(3) {
        // A planted, lightly edited copy of the pattern's "How it works" section.
        t.push_str("## How we run it\n\n");
        for (n, line) in p.how.lines().enumerate() {
            if n % 7 == 3 {
                continue;
            }
            let edited = line
                .replace("<backup_target>", &ip(r, site))
                .replace(" the ", " our ");
            t.push_str(&edited);
            t.push('\n');
        }
        t.push('\n');
        planted
            .duplicates
            .push((sname.clone(), path.clone(), p.id.clone()));
    }
    if r.chance(30) {
        let _ = writeln!(t, "## Notes\n\n{}\n", paragraph(r, &topic, 3));
    }
    (path, t)
}

fn contract(r: &mut Rng, site: usize) -> Option<String> {
    let sname = format!("site-{site:03}");
    match r.below(20) {
        0 => None,
        k if k % 2 == 0 => Some(format!(
            "# Contract for {sname}\n\nThe federation supports this site during business hours.\n\n## Contact Method\n\n\
             - **Action recommendations:** Email to admin@{sname}.example.org with netstack pattern link\n\
             - **Admin actions:** Email to ops@{sname}.example.org cc: owner@{sname}.example.org\n\
             - **Issues:** Tracked on [bench-fed/{sname}](https://github.com/bench-fed/{sname})\n"
        )),
        _ => Some(format!(
            "---\nsite: {sname}\ncontacts:\n  - name: ops\n    method: email\n    address: ops@{sname}.example.org\n    cc: [lead@{sname}.example.org]\n\
             \x20 - name: tracker\n    method: issue\n    address: https://github.com/bench-fed/{sname}\nroutes:\n  - category: ops/security\n    to: [ops]\n\
             \x20 - severity: [info]\n    to: tracker\ndefault: ops\n---\n# Contract for {sname}\n\nStructured contract.\n"
        )),
    }
}

fn main() {
    let a = parse_args();
    let mut r = Rng(a.seed);
    let started = std::time::Instant::now();
    let patterns: Vec<Pattern> = (0..a.patterns.max(1))
        .map(|i| make_pattern(&mut r, i))
        .collect();
    let root = &a.out;
    let repo = root.join("netstack");
    write(&repo.join("CNAME"), "netstack.org\n");
    write(
        &repo.join("README.md"),
        "# netstack (benchmark)\n\nGenerated pattern repo. Start at [docs](docs/README.md).\n",
    );
    let mut index = String::from("# Patterns\n\n");
    for c in CATEGORIES {
        let _ = writeln!(index, "- [{c}]({c}/)");
    }
    write(&repo.join("docs/README.md"), &index);
    for c in CATEGORIES {
        write(
            &repo.join(format!("docs/{c}/README.md")),
            &format!("# {c}\n\nPatterns of the {c} category.\n"),
        );
    }
    for p in &patterns {
        let text = render_pattern(&mut r, p, &patterns);
        write(&repo.join(pattern_path(p)), &text);
    }
    let mut planted = Planted::default();
    let mut toml = String::from(
        "[patterns]\npath = \"netstack\"\ndocs_dir = \"docs\"\nbase_urls = [\"https://netstack.org/\"]\nforge_urls = [\"https://github.com/bench-fed/netstack\"]\n\n",
    );
    for s in 0..a.sites {
        let sname = format!("site-{s:03}");
        let _ = writeln!(toml, "[[sites]]\nname = \"{sname}\"\npath = \"{sname}\"\n");
        let sroot = root.join(&sname);
        write(
            &sroot.join("README.md"),
            &format!(
                "# Site {sname}\n\nValues of site {sname}. Patterns live at https://netstack.org/docs/.\n"
            ),
        );
        if let Some(c) = contract(&mut r, s) {
            write(&sroot.join(".wip-contract.md"), &c);
        }
        for d in 0..a.docs_per_site {
            let (path, text) = render_site_doc(&mut r, s, d, &patterns, &mut planted);
            write(&sroot.join(path), &text);
        }
    }
    write(&root.join("netstack.toml"), &toml);
    let mut json = String::from("{\n  \"duplicates\": [\n");
    let rows: Vec<String> = planted
        .duplicates
        .iter()
        .map(|(s, p, id)| {
            format!("    {{\"site\": \"{s}\", \"path\": \"{p}\", \"pattern\": \"{id}\"}}")
        })
        .collect();
    json.push_str(&rows.join(",\n"));
    json.push_str("\n  ],\n  \"broken\": [\n");
    let rows: Vec<String> = planted
        .broken
        .iter()
        .map(|(s, p, id)| {
            format!("    {{\"site\": \"{s}\", \"path\": \"{p}\", \"pattern\": \"{id}\"}}")
        })
        .collect();
    json.push_str(&rows.join(",\n"));
    json.push_str("\n  ]\n}\n");
    write(&root.join("planted.json"), &json);
    eprintln!(
        "gen_kb: wrote {} patterns, {} sites x {} docs to {} in {:.1}s ({} planted duplicates, {} broken references)",
        patterns.len(),
        a.sites,
        a.docs_per_site,
        root.display(),
        started.elapsed().as_secs_f64(),
        planted.duplicates.len(),
        planted.broken.len()
    );
}
