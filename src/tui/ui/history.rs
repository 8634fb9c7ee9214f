//! `h`: who changed the selected instance's profile, from CloudTrail.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::aws::text::{sanitize, wrap};
use crate::core::history::{Change, DEFAULT_DAYS, caller_short, when};
use crate::tui::app::State;
use crate::tui::app::state::{HistoryView, RegionHistory};

use super::theme;

/// Who made a change, for tight places: `by ROLE/SESSION (from IP)`, and
/// `· rolecall` when rolecall made it.
pub fn by_line(c: &Change) -> String {
    format!("by {}", caller_line(c))
}

/// [`by_line`] without its `by`.
pub fn caller_line(c: &Change) -> String {
    format!(
        "{}{}{}",
        sanitize(&caller_short(&c.actor)),
        c.source_ip
            .as_deref()
            .map(|ip| format!(" (from {})", sanitize(ip)))
            .unwrap_or_default(),
        match c.made_by_rolecall {
            Some(crate::core::history::Made::Journal) => " · rolecall",
            // Anyone can claim a user agent.
            Some(crate::core::history::Made::UserAgent) => " · rolecall? (user agent)",
            None => "",
        }
    )
}

fn change_lines(c: &Change, width: usize) -> Vec<Line<'static>> {
    let refused = c.error.is_some();
    let head = format!(
        "{}  {:<12}  {} → {}",
        when(c.time),
        c.event,
        sanitize(&c.from.label()),
        sanitize(&c.to.label())
    );
    let mut first = vec![Span::styled(
        head,
        if refused {
            theme::warning()
        } else {
            theme::title()
        },
    )];
    if let Some(e) = &c.error {
        first.push(Span::styled(
            format!(
                "  refused ({})",
                sanitize(e.split(": ").next().unwrap_or(e))
            ),
            theme::error(),
        ));
    }
    match c.made_by_rolecall {
        Some(crate::core::history::Made::Journal) => {
            first.push(Span::styled("  rolecall (journal)", theme::dim()))
        }
        Some(crate::core::history::Made::UserAgent) => first.push(Span::styled(
            "  rolecall? (its user agent says so)",
            theme::dim(),
        )),
        None => {}
    }
    let mut lines = vec![Line::from(first)];
    let mut who = format!("by {}", sanitize(&c.actor));
    if let Some(role) = &c.via_role {
        who.push_str(&format!(" (role {})", sanitize(role)));
    }
    if let Some(ip) = &c.source_ip {
        who.push_str(&format!(" from {}", sanitize(ip)));
    }
    for l in wrap(&who, width.saturating_sub(4), 3) {
        lines.push(Line::from(Span::raw(format!("    {l}"))));
    }
    if let Some(agent) = &c.user_agent {
        for l in wrap(&sanitize(agent), width.saturating_sub(4), 2) {
            lines.push(Line::from(Span::styled(format!("    {l}"), theme::dim())));
        }
    }
    lines
}

pub fn render(state: &State, v: &HistoryView, frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let key = (v.account.clone(), v.region.clone());
    let name = state
        .row_of(&v.region, &v.instance_id)
        .and_then(|r| r.data.instance.name.clone())
        .map(|n| format!(" ({})", sanitize(&n)))
        .unwrap_or_default();
    let width = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let mut bottom = String::from(" r reads again · Esc closes ");
    if let Some(p) = state.inventory.history_reading.get(&key) {
        lines.push(Line::from(Span::styled(
            format!(
                "{} reading CloudTrail (LookupEvents, two calls a second): {} calls, {} events of {} so far",
                super::spinner(state.now),
                p.calls,
                p.events,
                sanitize(&v.region)
            ),
            theme::dim(),
        )));
    }
    match state.inventory.history.get(&key) {
        None => {}
        Some(RegionHistory::Failed(e)) => {
            lines.push(Line::from(Span::styled(
                "unknown: the history could not be read",
                theme::error(),
            )));
            for l in wrap(&e.sentence(), width, 6) {
                lines.push(Line::from(Span::styled(l, theme::error())));
            }
        }
        Some(RegionHistory::Read {
            tied,
            at,
            truncated,
        }) => {
            let changes = tied.of(&v.instance_id);
            bottom = format!(
                " read {}s ago · r reads again (CloudTrail lags minutes behind) · Esc closes ",
                state.now.saturating_sub(*at).as_secs()
            );
            // What the reading leaves out comes first, not after the rows.
            for note in crate::core::history::caveats(*truncated, tied.untied + tied.unreadable) {
                lines.push(Line::from(Span::styled(note, theme::warning())));
            }
            if changes.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!(
                        "no profile changes found in the last {DEFAULT_DAYS} days (a profile given at launch comes with RunInstances, which is not searched)"
                    ),
                    theme::dim(),
                )));
            }
            for c in changes.iter().skip(v.scroll) {
                lines.extend(change_lines(c, width));
                lines.push(Line::from(""));
            }
        }
    }
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(
            format!(
                " Who changed {}{name} · {} · CloudTrail, last {DEFAULT_DAYS} days, newest first ",
                sanitize(&v.instance_id),
                sanitize(&v.region)
            ),
            theme::title(),
        ))
        .title_bottom(Span::styled(bottom, theme::dim()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
