//! Fuzzy matching for the instance filter and the pickers (fuzzy-matcher's skim
//! algorithm, case-insensitive).

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// A case-insensitive skim matcher.
pub fn matcher() -> SkimMatcherV2 {
    SkimMatcherV2::default().ignore_case()
}

/// Cheap test that every character of `query` appears in `haystack` in order;
/// both lowercase. Rejects most rows before the scoring matcher runs.
fn is_subsequence(query: &str, haystack: &str) -> bool {
    let mut hay = haystack.chars();
    query.chars().all(|q| hay.any(|h| h == q))
}

/// True when the lowercase `query` fuzzily matches the lowercase `key`.
pub fn matches(m: &SkimMatcherV2, key: &str, query: &str) -> bool {
    is_subsequence(query, key) && m.fuzzy_match(key, query).is_some()
}

/// Indices of matching `lines`, best score first (ties keep line order).
pub fn rank(lines: &[String], query: &str) -> Vec<usize> {
    let query = query.trim();
    if query.is_empty() {
        return (0..lines.len()).collect();
    }
    let m = matcher();
    let mut scored: Vec<(i64, usize)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| m.fuzzy_match(l, query).map(|s| (s, i)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

/// Character positions of `line` that `query` matched, for highlighting.
pub fn positions(line: &str, query: &str) -> Vec<usize> {
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    matcher()
        .fuzzy_indices(line, query)
        .map(|(_, idx)| idx)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_is_fuzzy() {
        let m = matcher();
        let key = "i-1 web-prod api-server running";
        assert!(matches(&m, key, "wbprd"));
        assert!(matches(&m, key, "running"));
        assert!(!matches(&m, key, "stopped"));
        assert!(!matches(&m, key, "zzz"));
    }

    #[test]
    fn rank_puts_best_first() {
        let lines = vec![
            "batch-worker".to_string(),
            "web".to_string(),
            "web-frontend".to_string(),
        ];
        let r = rank(&lines, "web");
        assert_eq!(r.len(), 2);
        assert!(r.contains(&1) && r.contains(&2) && !r.contains(&0));
        assert_eq!(positions("web-frontend", "wf"), vec![0, 4]);
    }
}
