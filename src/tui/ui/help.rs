//! The help overlay, generated from the keymap's table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::tui::app::keymap::HELP;

use super::theme;

/// Wide enough for the longest line of the key table, plus the border.
pub const WIDTH: u16 = 100;
/// Every line of the key table, plus the border.
pub const HEIGHT: u16 = HELP.len() as u16 + 2;

/// Draws the key table from line `scroll` (a short terminal scrolls it;
/// the title says when lines are above or below).
pub fn render(frame: &mut Frame, area: Rect, scroll: usize) {
    super::clear(frame, area);
    let rows = area.height.saturating_sub(2) as usize;
    // Never scrolled past the point where the last line is at the bottom.
    let scroll = scroll.min(HELP.len().saturating_sub(rows));
    let more = match (scroll > 0, scroll + rows < HELP.len()) {
        (false, false) => "",
        (true, false) => " ↑ more",
        (false, true) => " ↓ more",
        (true, true) => " ↑↓ more",
    };
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(
            format!(" Keys (Esc closes){more} "),
            theme::title(),
        ));
    let lines: Vec<Line> = HELP
        .iter()
        .skip(scroll)
        .map(|h| {
            Line::from(vec![
                Span::styled(format!(" {:<20}", h.keys), theme::key()),
                Span::raw(h.short),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
