//! The profile picker and the region picker overlays.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::app::State;
use crate::app::matching;
use crate::app::state::{Knowledge, Picker, RegionPicker};
use crate::text::{sanitize, truncate};

use super::theme;

/// A line with the matched characters highlighted.
fn highlighted(text: &str, query: &str, width: usize) -> Vec<Span<'static>> {
    let text = truncate(text, width);
    let hits = matching::positions(&text, query);
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if hits.contains(&i) {
                Span::styled(c.to_string(), theme::matched())
            } else {
                Span::raw(c.to_string())
            }
        })
        .collect()
}

/// The first row to draw so that `selected` is visible.
fn scroll(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected.saturating_sub(height - 1)
    }
}

pub fn render_profiles(state: &State, p: &Picker, frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let row = state.row_of(&p.region, &p.instance_id);
    let current = row
        .and_then(|r| r.data.association.as_ref())
        .map(|a| a.profile.arn.clone());
    let name = row
        .map(|r| r.name.as_str())
        .filter(|n| !n.is_empty())
        .map(|n| format!("{n}, "))
        .unwrap_or_default();
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(
            format!(
                " Instance profile for {} ({name}{}) ",
                p.instance_id, p.region
            ),
            theme::title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", theme::key()),
        Span::raw(format!("{}▏", p.query)),
        Span::styled(
            format!(
                "   {}/{}   name  role  path   ● current",
                p.matches.len(),
                state.profiles.len()
            ),
            theme::dim(),
        ),
    ])];
    if !state.profiles_src.loaded {
        // The picker says why it is empty.
        match state.profiles_src.knowledge() {
            Knowledge::Unknown(e) => {
                let when = if state.profiles_src.in_flight {
                    "retrying now".to_string()
                } else {
                    format!(
                        "retrying in {}s (Ctrl-r retries now)",
                        state
                            .profiles_src
                            .next_at
                            .saturating_sub(state.now)
                            .as_secs()
                            .max(1)
                    )
                };
                let text = format!("cannot list instance profiles: {}; {when}", e.sentence());
                for l in crate::text::wrap(&sanitize(&text), inner.width as usize, 4) {
                    lines.push(Line::from(Span::styled(l, theme::error())));
                }
            }
            _ => lines.push(Line::from(Span::styled(
                "loading instance profiles…",
                theme::dim(),
            ))),
        }
    } else if p.matches.is_empty() {
        lines.push(Line::from(Span::styled("no profile matches", theme::dim())));
    }
    let height = inner.height.saturating_sub(1) as usize;
    let start = scroll(p.selected, height);
    for (n, &i) in p.matches.iter().enumerate().skip(start).take(height) {
        let profile = &state.profiles[i];
        let mark = if current.as_deref() == Some(profile.arn.as_str()) {
            "● "
        } else {
            "  "
        };
        let mut spans = vec![Span::styled(mark, theme::success())];
        spans.extend(highlighted(
            &state.profile_lines[i],
            &p.query,
            inner.width.saturating_sub(2) as usize,
        ));
        let line = Line::from(spans);
        lines.push(if n == p.selected {
            line.style(theme::selected())
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn render_regions(r: &RegionPicker, frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(
            " Regions (Space toggles, Enter applies) ",
            theme::title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let total = r.all.as_ref().map_or(0, Vec::len);
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", theme::key()),
        Span::raw(format!("{}▏", r.query)),
        Span::styled(
            format!(
                "   {}/{}   {} chosen",
                r.matches.len(),
                total,
                r.chosen.len()
            ),
            theme::dim(),
        ),
    ])];
    match (&r.all, &r.error) {
        (_, Some(e)) => lines.push(Line::from(Span::styled(
            truncate(e, inner.width as usize),
            theme::error(),
        ))),
        (None, None) => lines.push(Line::from(Span::styled(
            "loading regions (DescribeRegions)…",
            theme::dim(),
        ))),
        (Some(all), None) => {
            let height = inner.height.saturating_sub(1) as usize;
            let start = scroll(r.selected, height);
            for (n, &i) in r.matches.iter().enumerate().skip(start).take(height) {
                let name = &all[i];
                let mark = if r.chosen.contains(name) {
                    "[x] "
                } else {
                    "[ ] "
                };
                let mut spans = vec![Span::raw(mark)];
                spans.extend(highlighted(name, &r.query, 40));
                let line = Line::from(spans);
                lines.push(if n == r.selected {
                    line.style(theme::selected())
                } else {
                    line
                });
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
