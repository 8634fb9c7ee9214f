//! The header (who, where, poll status) and the footer (key hints, last message).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;
use crate::app::state::{Focus, Overlay, Tone};
use crate::text::{sanitize, truncate};

use super::{spinner, theme};

/// The poll status: spinner while busy, refresh age, or the error and retry.
fn poll_status(state: &State) -> Span<'static> {
    let p = &state.poll;
    if let Some(e) = &p.error {
        let short = e.short();
        if p.associations_in_flight > 0 {
            return Span::styled(
                format!(
                    "⚠ {} — {} retrying…",
                    truncate(&short, 40),
                    spinner(state.now)
                ),
                theme::error(),
            );
        }
        let wait = p.next_poll_at.saturating_sub(state.now).as_secs().max(1);
        return Span::styled(
            format!("⚠ {} — retry in {wait}s", truncate(&short, 40)),
            theme::error(),
        );
    }
    let age = match p.last_ok {
        Some(t) => format!("refreshed {}s ago", state.now.saturating_sub(t).as_secs()),
        None => "loading…".to_string(),
    };
    if state.busy() {
        Span::raw(format!("{} {age}", spinner(state.now)))
    } else {
        Span::styled(format!("● {age}"), theme::dim())
    }
}

/// The one-line header.
pub fn header(state: &State, frame: &mut Frame, area: Rect) {
    let sep = || Span::styled(" │ ", theme::dim());
    let mut spans = vec![Span::styled("rolecall", theme::title())];
    if state.config.demo {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" DEMO ", theme::badge()));
    }
    if state.config.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", theme::badge()));
    }
    spans.push(sep());
    match (&state.identity, &state.identity_error) {
        (Some(id), _) => spans.push(Span::raw(sanitize(&format!("{} {}", id.account, id.arn)))),
        (None, Some(_)) => spans.push(Span::styled("identity unknown", theme::error())),
        (None, None) => spans.push(Span::styled("identity…", theme::dim())),
    }
    spans.push(sep());
    spans.push(Span::raw(format!(
        "profile {}",
        sanitize(&state.config.profile_label)
    )));
    spans.push(sep());
    spans.push(Span::raw(state.regions.join(",")));
    if let Some(e) = &state.config.endpoint {
        spans.push(sep());
        spans.push(Span::raw(format!("endpoint {}", sanitize(e))));
    }
    // The poll status is what changes: it keeps its place at the right edge,
    // and the rest is clipped before it is.
    let status = poll_status(state);
    let width = (status.content.chars().count() as u16 + 3).min(area.width / 2);
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(Paragraph::new(Line::from(status)).right_aligned(), right);
}

fn hints(state: &State) -> Vec<(&'static str, &'static str)> {
    match &state.overlay {
        Overlay::Help => vec![("Esc", "close help")],
        Overlay::Confirm(_) => vec![("y/Enter", "yes"), ("n/Esc", "no")],
        Overlay::Picker(_) => vec![
            ("type", "filter"),
            ("↑↓", "move"),
            ("Enter", "choose"),
            ("Esc", "close"),
        ],
        Overlay::Regions(_) => vec![
            ("type", "filter"),
            ("↑↓", "move"),
            ("Space", "toggle"),
            ("Enter", "apply"),
            ("Esc", "cancel"),
        ],
        Overlay::None if state.filter_editing => vec![
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
            ];
            if state.config.read_only {
                h.retain(|(k, _)| !matches!(*k, "Enter" | "d"));
            }
            if state.focus == Focus::Detail {
                h.insert(0, ("Tab", "back to list"));
            } else {
                h.push(("Tab", "detail"));
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
    let mut spans = Vec::new();
    for (k, what) in hints(state) {
        spans.push(Span::styled(k, theme::key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    let message = match &state.message {
        Some(m) => {
            let style = match m.tone {
                Tone::Success => theme::success(),
                Tone::Error => theme::error(),
                Tone::Info => ratatui::style::Style::new(),
            };
            Line::from(Span::styled(
                truncate(&sanitize(&m.text), area.width as usize),
                style,
            ))
        }
        None => Line::from(""),
    };
    frame.render_widget(Paragraph::new(vec![Line::from(spans), message]), area);
}
