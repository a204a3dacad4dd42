//! Search quality on the bundled sample KB: the checked-in query set
//! (`tests/search-queries.toml`, phrased the way admins ask) must find the expected doc in
//! the top 3 for at least 90% of the queries.

#[path = "../quality/mod.rs"]
mod quality;

use docengine::SearchIndex;

#[test]
fn success_at_3_is_at_least_0_9() {
    let set = quality::load_set();
    assert!(
        set.query.len() >= 30,
        "the query set needs at least 30 queries"
    );
    for style in ["symptom", "synonym", "typo", "phrase"] {
        assert!(
            set.query.iter().any(|c| c.style == style),
            "the query set needs a {style} query"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let kb = quality::bundled_kb(&dir.path().join("index"));
    // Every expected doc exists: a renamed doc must not silently lower the score.
    for c in &set.query {
        let (repo, path) = c.expect.split_once('/').unwrap();
        assert!(
            kb.find(repo, path).is_some(),
            "expected doc {} of {:?} is not in the bundled KB",
            c.expect,
            c.q
        );
    }
    let (index, _) = SearchIndex::open(&kb, &|_, _| {}).unwrap();
    let outcomes = quality::evaluate(&index, &kb, &set);
    let s3 = quality::success_at(&outcomes, 3);
    println!("{}", quality::report(&outcomes));
    println!(
        "success@1 {:.3}  success@3 {:.3}  MRR@10 {:.3}",
        quality::success_at(&outcomes, 1),
        s3,
        quality::mrr_at_10(&outcomes)
    );
    assert!(
        s3 >= 0.9,
        "success@3 is {s3:.3}, below 0.9:\n{}",
        quality::report(&outcomes)
    );
    // The typo queries found their doc through a correction.
    for o in outcomes.iter().filter(|o| o.case.style == "typo") {
        assert!(
            !o.corrections.is_empty(),
            "no correction for {:?}",
            o.case.q
        );
    }
}
