//! Untrusted text on its way to a terminal: what the API and the user hand in
//! (names, tags, messages, typed input) made safe to show. The lowest layer
//! owns it because untrusted text enters there; every layer above uses it.

/// True for characters that must never reach a terminal as they are: C0/C1
/// controls (ESC starts escape sequences) and the invisible formatting
/// characters that reorder or hide text (bidirectional overrides and isolates,
/// zero-width spaces and joiners, the byte-order mark).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'                 // soft hyphen
            | '\u{061C}'               // Arabic letter mark
            | '\u{180E}'               // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, joiners, LRM, RLM
            | '\u{2028}'..='\u{202E}' // line/paragraph separators, bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, bidi isolates
            | '\u{FEFF}'               // byte-order mark
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
        )
}

/// Removes control and invisible formatting characters so API text cannot move
/// the cursor, change colours, reorder what is shown or break a table row.
pub fn sanitize(s: &str) -> String {
    s.chars().filter(|&c| !is_unsafe(c)).collect()
}

/// Shows what the user typed, with control and formatting characters made
/// visible (`\n`, `\u{202e}`): an error must not claim `'web\n'` was `'web'`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
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

/// Greedy word wrap to `width` columns (words longer than a line are cut),
/// at most `max_lines` lines; the last one ends in `…` when text was left out.
pub fn wrap(s: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in s.split_whitespace() {
        let mut chars: Vec<char> = word.chars().collect();
        if len > 0 && len + 1 + chars.len() <= width {
            line.push(' ');
            line.extend(&chars);
            len += 1 + chars.len();
            continue;
        }
        if len > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while chars.len() > width {
            lines.push(chars.drain(..width).collect());
        }
        len = chars.len();
        line = chars.into_iter().collect();
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let kept: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{kept}…");
        }
    }
    lines
}

/// A region's short form, as AWS's own tools abbreviate it: `us-east-1` →
/// `use1`, `ap-southeast-2` → `apse2`, `eu-central-1` → `euc1`.
pub fn short_region(region: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    let [area, middle @ .., number] = parts.as_slice() else {
        return region.to_string();
    };
    let mut out = area.to_string();
    for word in middle {
        let short = match *word {
            "north" => "n",
            "south" => "s",
            "east" => "e",
            "west" => "w",
            "central" => "c",
            "northeast" => "ne",
            "northwest" => "nw",
            "southeast" => "se",
            "southwest" => "sw",
            other => &other[..other.len().min(1)],
        };
        out.push_str(short);
    }
    out.push_str(number);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn regions_shorten_as_aws_tools_do() {
        for (long, short) in [
            ("us-east-1", "use1"),
            ("eu-west-1", "euw1"),
            ("ap-southeast-2", "apse2"),
            ("eu-central-1", "euc1"),
            ("us-gov-west-1", "usgw1"),
        ] {
            assert_eq!(super::short_region(long), short, "{long}");
        }
        assert_eq!(super::short_region("odd"), "odd");
    }

    #[test]
    fn wrap_breaks_at_words_and_marks_what_is_left_out() {
        assert_eq!(wrap("aa bb cc", 5, 3), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3, 5), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 10, 2), vec![""]);
        assert_eq!(wrap("aa bb cc dd", 5, 1), vec!["aa b…"]);
    }

    use super::*;

    #[test]
    fn sanitize_strips_escape_sequences_controls() {
        assert_eq!(sanitize("web\x1b[31m-1\n\t"), "web[31m-1");
    }

    #[test]
    fn sanitize_strips_bidi_and_zero_width_characters() {
        assert_eq!(
            sanitize("ab\u{202E}cd\u{202C}e\u{200B}f\u{2066}g\u{FEFF}"),
            "abcdefg"
        );
    }

    #[test]
    fn escape_shows_what_sanitize_would_hide() {
        assert_eq!(escape("web-frontend\n"), "web-frontend\\n");
        assert_eq!(escape("a\u{1b}[31m"), "a\\u{1b}[31m");
        assert_eq!(escape("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(escape("plain-name"), "plain-name");
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
