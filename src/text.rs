//! Untrusted text from the API on its way to a terminal.

/// Removes control characters (including escape sequences' ESC) so API text cannot
/// move the cursor, change colours or break a table row.
pub fn sanitize(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Folds any whitespace run (newlines included) into one space, then sanitizes:
/// an error message must stay on one line.
pub fn one_line(s: &str) -> String {
    let folded: Vec<&str> = s.split_whitespace().collect();
    sanitize(&folded.join(" "))
}

/// Cuts `s` to at most `width` characters, ending in `…` when it was cut.
pub fn truncate(s: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_escape_sequences_controls() {
        assert_eq!(sanitize("web\x1b[31m-1\n\t"), "web[31m-1");
    }

    #[test]
    fn one_line_folds_newlines() {
        assert_eq!(one_line("a\n  b\r\nc"), "a b c");
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate("abc", 0), "");
    }
}
