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
///
/// This is exactly when the skim matcher accepts a line (it returns a score for
/// every subsequence; see the test below). The instance list keeps its order,
/// so it needs the acceptance, not the score, and this is many times faster
/// over 20,000 rows.
pub fn matches(key: &str, query: &str) -> bool {
    is_subsequence(query, key)
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
        let key = "i-1 web-prod api-server running";
        assert!(matches(key, "wbprd"));
        assert!(matches(key, "running"));
        assert!(!matches(key, "stopped"));
        assert!(!matches(key, "zzz"));
    }

    #[test]
    fn matches_accepts_exactly_what_skim_accepts() {
        let m = matcher();
        let keys = [
            "i-0a1b2c3d4e5f60718 web-prod-us01 web-frontend running",
            "i-00000000000000001 batch-dev-eu02 - stopped",
            "i-0fc59385048baa54e search-prod-eu04 search-node running",
            "i-0ffffffffffffffff - readonly-debug pending",
        ];
        let queries = [
            "w",
            "web",
            "wbprd",
            "prod-us",
            "i-0f",
            "stopped",
            "zz",
            "eu04",
            "dbg",
            "rnn",
            "-",
            "1",
            "bdev",
            "search-prod-eu04",
            "i-00000000000000001",
            "debugx",
            "pending",
            "nning",
        ];
        for k in keys {
            for q in queries {
                assert_eq!(matches(k, q), m.fuzzy_match(k, q).is_some(), "{k:?} {q:?}");
            }
        }
    }

    #[test]
    fn rank_puts_best_first() {
        let lines = vec![
            "w_e_b-scattered".to_string(),
            "batch-worker".to_string(),
            "web".to_string(),
        ];
        // The tight match beats the scattered one; the non-match is out.
        assert_eq!(rank(&lines, "web"), vec![2, 0]);
        assert_eq!(
            rank(&lines, ""),
            vec![0, 1, 2],
            "no query: every line, in order"
        );
        assert_eq!(positions("web-frontend", "wf"), vec![0, 4]);
    }
}
