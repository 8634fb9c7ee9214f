//! The header (who, where, poll status) and the footer (key hints, last message).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::aws::ErrorKind;
use crate::aws::text::{one_line, sanitize, truncate};
use crate::tui::app::State;
use crate::tui::app::layout::{self, Feed, MAX_PROBLEM_LINES};
use crate::tui::app::state::{Focus, Knowledge, Overlay, Tone};

use super::{spinner, theme};

/// The poll status: the failing reads and the next retry, a spinner while
/// busy, or the age of the oldest association data shown.
fn poll_status(state: &State) -> Span<'static> {
    let problems = layout::problems(state);
    if !problems.is_empty() {
        let failing = problems
            .iter()
            .map(|p| p.regions.len().max(1))
            .sum::<usize>();
        let when = if problems.iter().any(|p| p.retrying) {
            format!("{} retrying…", spinner(state.now))
        } else {
            let next = problems.iter().map(|p| p.next_at).min().unwrap_or_default();
            format!("retry in {}s", wait_secs(state, next))
        };
        return Span::styled(
            format!(
                "⚠ {failing} read{} failing — {when}",
                if failing == 1 { "" } else { "s" }
            ),
            theme::error(),
        );
    }
    let oldest = state
        .inventory
        .scopes()
        .iter()
        .map(|s| {
            state
                .inventory
                .region_data
                .get(s)
                .and_then(|d| d.associations_src.last_ok)
        })
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().min());
    let age = match oldest {
        Some(t) => format!("refreshed {}s ago", state.now.saturating_sub(t).as_secs()),
        None => "loading…".to_string(),
    };
    if state.busy() {
        Span::raw(format!("{} {age}", spinner(state.now)))
    } else {
        Span::styled(format!("● {age}"), theme::dim())
    }
}

/// Whole seconds until `at`, at least 1 (a retry is never "in 0s").
fn wait_secs(state: &State, at: std::time::Duration) -> u64 {
    at.saturating_sub(state.now).as_secs().max(1)
}

/// One line per group of failing reads: what is unknown or old, when the next
/// try is, and the call and code that failed. Shown until that read succeeds.
pub fn problems(state: &State, frame: &mut Frame, area: Rect) {
    let all = layout::problems(state);
    let width = area.width as usize;
    let mut lines = Vec::new();
    for (n, p) in all.iter().enumerate() {
        if n + 1 == MAX_PROBLEM_LINES && all.len() > MAX_PROBLEM_LINES {
            let rest: Vec<&str> = all[n..].iter().map(|p| p.feed.label()).collect();
            lines.push(Line::from(Span::styled(
                truncate(&format!("⚠ also failing: {}", rest.join(", ")), width),
                theme::error(),
            )));
            break;
        }
        lines.push(Line::from(Span::styled(
            truncate(&sanitize(&problem_text(state, p, width)), width),
            theme::error(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Where reads fail, shortest first: ` (3 regions)`, ` (eu-west-1)`, and with
/// several accounts ` (staging: every region; prod us-east-1)`.
fn places(state: &State, places: &[(Option<String>, String)]) -> String {
    if places.is_empty() {
        return String::new();
    }
    let regions = state.inventory.regions.len();
    if !state.several_accounts() {
        return if places.len() == regions && regions > 1 {
            format!(" ({regions} regions)")
        } else {
            let names: Vec<&str> = places.iter().map(|(_, r)| r.as_str()).collect();
            format!(" ({})", names.join(", "))
        };
    }
    if places.len() == state.inventory.scopes().len() && places.len() > 1 {
        return " (every account and region)".into();
    }
    // Per account, in order: every region, or the ones named.
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (label, region) in places {
        let label = label.as_deref().unwrap_or("");
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, rs)) => rs.push(region),
            None => groups.push((label, vec![region])),
        }
    }
    let parts: Vec<String> = groups
        .into_iter()
        .map(|(label, rs)| {
            let rs: Vec<&str> = rs.into_iter().filter(|r| !r.is_empty()).collect();
            if rs.is_empty() {
                label.to_string()
            } else if rs.len() == regions && regions > 1 {
                format!("{label}: every region")
            } else {
                format!("{label} {}", rs.join(", "))
            }
        })
        .collect();
    format!(" ({})", parts.join("; "))
}

/// `⚠ associations (eu-west-1): profiles unknown, retry in 8s · ec2:…: AccessDenied`:
/// what is unknown or old and when the next try is come first, so a narrow
/// terminal cuts the least useful part.
fn problem_text(state: &State, p: &layout::Problem, width: usize) -> String {
    let which = format!("{}{}", p.feed.label(), places(state, &p.regions));
    let consequence = match (p.feed, p.unknown) {
        (Feed::Identity, _) => "account unknown".to_string(),
        (Feed::Profiles, true) => "picker empty, roles unknown".to_string(),
        (Feed::Instances, true) => "instances unknown".to_string(),
        (Feed::Associations, true) => "profiles unknown".to_string(),
        (_, false) => {
            let age = p
                .oldest_ok
                .map(|t| state.now.saturating_sub(t).as_secs())
                .unwrap_or_default();
            format!("data {age}s old")
        }
    };
    let when = if p.retrying {
        "retrying".to_string()
    } else {
        format!("retry in {}s", wait_secs(state, p.next_at))
    };
    let e = p.error;
    let cause = match (e.kind, e.code()) {
        (ErrorKind::Service, Some(code)) => code.to_string(),
        (ErrorKind::Other, _) => one_line(&e.message),
        (ErrorKind::Unreachable, _) if e.timed_out() => "timed out".to_string(),
        (ErrorKind::Unreachable, _) => "unreachable".to_string(),
        _ => e.short(),
    };
    let full = format!("⚠ {which}: {consequence}, {when} · {}: {cause}", e.action);
    if full.chars().count() <= width {
        return full;
    }
    // Narrow: the error code stays, the action (the detail pane has it) goes.
    format!("⚠ {which}: {consequence}, {when} · {cause}")
}

/// The one-line header.
pub fn header(state: &State, frame: &mut Frame, area: Rect) {
    let sep = || Span::styled(" │ ", theme::dim());
    let mut spans = vec![Span::styled("rolecall", theme::title())];
    // Where the caller ARN is, when shown (it can shorten to the account).
    let mut caller = None;
    if state.config.demo {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" DEMO ", theme::badge()));
    }
    if state.config.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", theme::badge()));
    } else if !state.config.journal {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" NO JOURNAL ", theme::badge()));
    }
    // One account: its production badge. Several: how many of them are.
    let production: Vec<String> = state
        .inventory
        .shown
        .iter()
        .filter_map(|k| state.production_guard(k))
        .collect();
    match (state.several_accounts(), production.as_slice()) {
        (_, []) => {}
        (false, [name, ..]) => {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                format!(" PRODUCTION {} ", sanitize(name)),
                theme::production(),
            ));
        }
        (true, names) => {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                format!(
                    " PRODUCTION {}/{} ",
                    names.len(),
                    state.inventory.shown.len()
                ),
                theme::production(),
            ));
        }
    }
    if let Some(p) = state
        .changes
        .progress
        .as_ref()
        .filter(|p| p.running() && p.total > 1)
    {
        let failed = p.finished - p.ok;
        let mut text = format!(" {} {}/{}", p.label, p.finished, p.total);
        if failed > 0 {
            text.push_str(&format!(" · {failed} failed"));
        }
        spans.push(Span::styled(
            format!("{text} {}", spinner(state.now)),
            theme::key(),
        ));
    }
    spans.push(sep());
    if state.several_accounts() {
        // Several accounts: how many, and how many fail.
        let shown = &state.inventory.shown;
        let failing = shown
            .iter()
            .filter(|k| crate::tui::app::derive::failing(state, k).is_some())
            .count();
        spans.push(Span::raw(format!(
            "{} accounts of {}",
            shown.len(),
            state.config.accounts.len()
        )));
        if failing > 0 {
            spans.push(Span::styled(
                format!(" ({failing} failing)"),
                theme::error(),
            ));
        }
    } else {
        let key = state.inventory.shown.first().map_or("", String::as_str);
        let a = state.inventory.account(key);
        match (&a.identity, a.identity_src.knowledge()) {
            (Some(id), _) => {
                caller = Some(spans.len());
                spans.push(Span::raw(sanitize(&format!("{} {}", id.account, id.arn))));
            }
            (None, Knowledge::Unknown(_)) => {
                spans.push(Span::styled("identity unknown", theme::error()))
            }
            (None, _) => spans.push(Span::styled("identity…", theme::dim())),
        }
    }
    // The poll status is what changes: it keeps its place at the right edge.
    let status = poll_status(state);
    let width = (status.content.chars().count() as u16 + 3).min(area.width / 2);
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(area);
    // What is left gives way in order: the region names become a count, the
    // caller ARN its account, then the profile and the endpoint go.
    let regions = &state.inventory.regions;
    let mut tail = vec![
        format!("profile {}", sanitize(&state.config.profile_label)),
        regions.join(","),
    ];
    if let Some(e) = &state.config.endpoint {
        tail.push(format!("endpoint {}", sanitize(e)));
    }
    let fits = |spans: &[Span], tail: &[String]| {
        let used: usize = spans
            .iter()
            .map(|s| s.content.chars().count())
            .sum::<usize>()
            + tail.iter().map(|t| t.chars().count() + 3).sum::<usize>();
        used <= left.width as usize
    };
    if !fits(&spans, &tail) && regions.len() > 1 {
        tail[1] = format!("{} regions", regions.len());
    }
    if !fits(&spans, &tail)
        && let Some(i) = caller
        && let Some(id) = state
            .inventory
            .shown
            .first()
            .and_then(|k| state.inventory.account(k).identity.as_ref())
    {
        spans[i] = Span::raw(sanitize(&id.account));
    }
    // Then the endpoint, the profile, and last the region count: never a
    // word cut in half.
    while !fits(&spans, &tail) && !tail.is_empty() {
        let drop = match tail.len() {
            3 => 2,
            2 => 0,
            _ => 0,
        };
        tail.remove(drop);
    }
    for t in tail {
        spans.push(sep());
        spans.push(Span::raw(t));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(Paragraph::new(Line::from(status)).right_aligned(), right);
}

fn hints(state: &State) -> Vec<(&'static str, &'static str)> {
    match &state.overlay {
        Overlay::Help(_) => vec![("↑↓", "scroll"), ("Esc", "close help")],
        Overlay::Detail => vec![("i/Esc", "close the detail")],
        Overlay::QuitBatch => vec![("w", "wait and quit"), ("Esc", "keep going")],
        Overlay::Journal(_) | Overlay::Outside(_) => vec![("↑↓", "scroll"), ("Esc", "close")],
        Overlay::History(_) => vec![("↑↓", "scroll"), ("r", "read again"), ("Esc", "close")],
        Overlay::Diff(..) => vec![("↑↓", "scroll"), ("Esc", "back to the confirmation")],
        Overlay::Profiles(_) => vec![
            ("type", "filter"),
            ("↑↓", "move"),
            ("Enter", "its instances"),
            ("Esc", "close"),
        ],
        Overlay::Cases(v) if v.releasing => vec![("y/Enter", "release"), ("n", "no")],
        Overlay::Cases(_) => vec![("↑↓", "move"), ("R", "release the case"), ("Esc", "close")],
        Overlay::Contain(d) => match &d.phase {
            crate::tui::app::state::ContainPhase::Case => {
                vec![
                    ("type", "the case id"),
                    ("Enter", "read the plan"),
                    ("Esc", "cancel"),
                ]
            }
            crate::tui::app::state::ContainPhase::Planning => vec![("Esc", "cancel")],
            crate::tui::app::state::ContainPhase::Confirm(plan)
                if crate::tui::app::derive::contain_guard(state, plan).is_some() =>
            {
                vec![
                    ("type", "the account's name"),
                    ("Enter", "contain"),
                    ("Esc", "no"),
                ]
            }
            crate::tui::app::state::ContainPhase::Confirm(_) => {
                vec![("y/Enter", "contain"), ("↑↓", "scroll"), ("n/Esc", "no")]
            }
        },
        Overlay::Revoke(_) => vec![
            ("type", "the role's name"),
            ("Enter", "revoke"),
            ("Esc", "no"),
        ],
        Overlay::Permissions(_) => vec![("type", "filter"), ("↑↓", "move"), ("Esc", "close")],
        // A production account: letters type its name.
        Overlay::Confirm(c) if crate::tui::app::derive::confirm_guard(state, c).is_some() => vec![
            ("type", "the account's name"),
            ("Enter", "yes"),
            ("Esc", "no"),
            ("Tab", "permission diff"),
        ],
        Overlay::Confirm(_) => vec![
            ("y/Enter", "yes"),
            ("n/Esc", "no"),
            ("p", "permission diff"),
        ],
        Overlay::Picker(_) => vec![
            ("type", "filter"),
            ("↑↓", "move"),
            ("Enter", "choose"),
            ("Esc", "close"),
        ],
        Overlay::Regions(_) | Overlay::Accounts(_) => vec![
            ("type", "filter"),
            ("↑↓", "move"),
            ("Space", "toggle"),
            ("Enter", "apply"),
            ("Esc", "cancel"),
        ],
        Overlay::None if state.list.filter_editing => vec![
            ("type", "filter"),
            ("Enter", "keep filter"),
            ("Esc", "clear"),
        ],
        Overlay::None => {
            let mut h = vec![
                ("j/k", "move"),
                ("/", "filter"),
                ("Enter", "set profile"),
                ("d", "detach"),
                ("Space", "mark"),
            ];
            if state.config.read_only {
                h.retain(|(k, _)| !matches!(*k, "Enter" | "d"));
            }
            if crate::tui::app::layout::detail_folded(state) {
                // The detail pane is folded away: say how to see it, early.
                h.insert(1, ("i", "detail"));
            } else if state.list.focus == Focus::Detail {
                h.insert(0, ("Tab", "back to list"));
            } else {
                h.push(("Tab", "detail"));
            }
            if state.config.accounts.len() > 1 {
                h.push(("a", "accounts"));
            }
            h.extend([
                ("r", "regions"),
                ("^r", "refresh"),
                ("?", "help"),
                ("q", "quit"),
            ]);
            h
        }
    }
}

/// Two lines: key hints, then the last message.
pub fn footer(state: &State, frame: &mut Frame, area: Rect) {
    // As many whole hints as fit, in order of importance; `? help` and
    // `q quit` always, last, so the rest is one key away.
    let all = hints(state);
    let width = area.width as usize;
    let len = |(k, what): &(&str, &str)| k.chars().count() + 1 + what.chars().count() + 2;
    let pinned = |k: &str| matches!(k, "?" | "q");
    let kept: Vec<(&str, &str)> = all.iter().filter(|(k, _)| pinned(k)).copied().collect();
    let reserved: usize = kept.iter().map(len).sum();
    let mut used = 0;
    let mut shown: Vec<(&str, &str)> = Vec::new();
    for h in all.iter().filter(|(k, _)| !pinned(k)) {
        if used + len(h) + reserved > width {
            break;
        }
        used += len(h);
        shown.push(*h);
    }
    shown.extend(kept);
    let mut spans = Vec::new();
    for (k, what) in shown {
        spans.push(Span::styled(k, theme::key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    let style = match state.message.as_ref().map(|m| m.tone) {
        Some(Tone::Success) => theme::success(),
        Some(Tone::Error) => theme::error(),
        Some(Tone::Info) | None => ratatui::style::Style::new(),
    };
    // The whole message, wrapped: an error keeps its "what to do".
    let mut lines = vec![Line::from(spans)];
    lines.extend(
        layout::message_text(state)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, style))),
    );
    frame.render_widget(Paragraph::new(lines), area);
}
