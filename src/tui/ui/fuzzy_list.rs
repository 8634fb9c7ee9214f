//! Draws the generic fuzzy list every picker uses: the query line, then the
//! rows that fit, each with a mark and its matched characters highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::aws::text::{sanitize, truncate};
use crate::tui::app::fuzzy_list::{FuzzyList, scroll};
use crate::tui::app::matching;

use super::theme;

/// A line with the matched characters highlighted.
fn highlighted(text: &str, query: &str, width: usize) -> Vec<Span<'static>> {
    let text = truncate(&sanitize(text), width);
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

/// What a picker puts around its list.
pub struct Surround<'a> {
    pub title: String,
    /// After the match count on the query line (a legend, a count chosen).
    pub legend: String,
    /// Lines shown instead of rows (loading, an error, no match).
    pub notice: Vec<Line<'a>>,
}

/// Draws the list in a bordered popup: `lines` are the items, `mark` gives
/// each item's two-to-four-column prefix.
pub fn render(
    list: &FuzzyList,
    lines: &[String],
    total: usize,
    around: Surround<'_>,
    mark: impl Fn(usize) -> Span<'static>,
    frame: &mut Frame,
    area: Rect,
) {
    super::clear(frame, area);
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(sanitize(&around.title), theme::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut out = vec![Line::from(vec![
        Span::styled("> ", theme::key()),
        Span::raw(format!("{}▏", sanitize(&list.query))),
        Span::styled(
            format!("   {}/{}   {}", list.matches.len(), total, around.legend),
            theme::dim(),
        ),
    ])];
    let height = inner.height.saturating_sub(1) as usize;
    if around.notice.is_empty() {
        let start = scroll(list.selected, height);
        for (n, &i) in list.matches.iter().enumerate().skip(start).take(height) {
            let Some(text) = lines.get(i) else { continue };
            let prefix = mark(i);
            let width = (inner.width as usize).saturating_sub(prefix.content.chars().count());
            let mut spans = vec![prefix];
            spans.extend(highlighted(text, &list.query, width));
            let line = Line::from(spans);
            out.push(if n == list.selected {
                line.style(theme::selected())
            } else {
                line
            });
        }
    } else {
        out.extend(around.notice);
    }
    frame.render_widget(Paragraph::new(out), inner);
}
