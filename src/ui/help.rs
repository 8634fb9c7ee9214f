//! The help overlay, generated from the keymap's table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::app::keymap::HELP;

use super::theme;

/// Wide enough for the longest line of the key table, plus the border.
pub const WIDTH: u16 = 100;
/// Every line of the key table, plus the border.
pub const HEIGHT: u16 = HELP.len() as u16 + 2;

pub fn render(frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(" Keys (Esc closes) ", theme::title()));
    let lines: Vec<Line> = HELP
        .iter()
        .map(|h| {
            Line::from(vec![
                Span::styled(format!(" {:<20}", h.keys), theme::key()),
                Span::raw(h.short),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
