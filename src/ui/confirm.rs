//! The confirmation dialog every change goes through.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::state::Confirm;

use super::theme;

/// The dialog's width.
pub const WIDTH: u16 = 100;

/// Rows the dialog needs at `width`: its lines wrapped, the warning, the answer line.
pub fn height(c: &Confirm, width: u16) -> u16 {
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows = |text: &str| text.chars().count().div_ceil(inner).max(1);
    let body: usize = c.lines.iter().map(|l| rows(l)).sum();
    // One spare row: word wrapping can take a row more than the character count says.
    let warning = c.warning.as_ref().map_or(0, |w| rows(w) + 1);
    (body + warning + 2 + 2) as u16
}

pub fn render(c: &Confirm, frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let block = Block::bordered()
        .border_style(theme::warning())
        .title(Span::styled(format!(" {}? ", c.title), theme::title()));
    let mut lines: Vec<Line> = c.lines.iter().map(|l| Line::from(l.clone())).collect();
    if let Some(w) = &c.warning {
        lines.push(Line::from(Span::styled(format!("⚠ {w}"), theme::warning())));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("y", theme::key()),
        Span::raw(" / "),
        Span::styled("Enter", theme::key()),
        Span::raw(": yes, make the change     "),
        Span::styled("n", theme::key()),
        Span::raw(" / "),
        Span::styled("Esc", theme::key()),
        Span::raw(": no (the default)"),
    ]));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
