//! `view`: draws the state. Reads it, never changes it. One file per pane.

pub mod confirm;
mod detail;
mod fuzzy_list;
mod help;
mod history;
mod instances;
mod journal;
mod picker;
mod status;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::tui::app::State;
use crate::tui::app::state::Overlay;

pub use crate::tui::app::layout::MIN_SIZE;
use crate::tui::app::layout::{message_lines, problem_lines};

/// The detail pane's width for a terminal width.
fn detail_width(width: u16) -> u16 {
    crate::tui::app::layout::detail_width(width)
}

/// Draws the whole screen.
pub fn view(state: &State, frame: &mut Frame) {
    draw(state, frame);
    if !state.config.color {
        monochrome(frame.buffer_mut());
    }
}

/// True when the environment asks for no colour: `NO_COLOR` set and not
/// empty (no-color.org), or a `dumb` terminal.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || std::env::var("TERM").is_ok_and(|t| t == "dumb")
}

/// NO_COLOR (no-color.org): no colour at all. What colour marked stays
/// readable: a background (the selection, badges) becomes reverse video,
/// and bold, underline, spinners and words are kept.
pub fn monochrome(buffer: &mut ratatui::buffer::Buffer) {
    use ratatui::style::{Color, Modifier};
    for cell in buffer.content.iter_mut() {
        if cell.bg != Color::Reset {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}

fn draw(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = vec![
            Line::from(format!(
                "Terminal too small: {}x{}",
                area.width, area.height
            )),
            Line::from(format!(
                "rolecall needs at least {}x{}: make the window larger, or press q to quit.",
                MIN_SIZE.0, MIN_SIZE.1
            )),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [header, strip, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(problem_lines(state) as u16),
        Constraint::Min(1),
        Constraint::Length(1 + message_lines(state) as u16),
    ])
    .areas(area);
    // A narrow terminal folds the detail pane away (`i` shows it over the list).
    let folded = crate::tui::app::layout::detail_folded(state);
    let [list, detail] = Layout::horizontal([
        Constraint::Min(40),
        Constraint::Length(if folded { 0 } else { detail_width(area.width) }),
    ])
    .areas(body);
    status::header(state, frame, header);
    status::problems(state, frame, strip);
    instances::render(state, frame, list);
    if !folded {
        detail::render(state, frame, detail);
    }
    status::footer(state, frame, footer);
    // Dialogs keep the footer (its keys and message) in sight (the mouse
    // reads the same from `layout::dialog_area`).
    let dialogs = Rect {
        height: area.height.saturating_sub(footer.height),
        ..area
    };
    match &state.overlay {
        Overlay::None => {}
        Overlay::QuitBatch => {
            confirm::render_quit_batch(state, frame, popup(dialogs, confirm::WIDTH, 7))
        }
        Overlay::Detail => {
            let w = detail_width(area.width)
                .max(56)
                .min(area.width.saturating_sub(4));
            let at = popup(body, w, body.height);
            clear(frame, at);
            detail::render(state, frame, at)
        }
        Overlay::Help(scroll) => {
            help::render(frame, popup(dialogs, help::WIDTH, help::HEIGHT), *scroll)
        }
        Overlay::Permissions(pv) => {
            picker::render_permissions(state, pv, frame, wide_popup(dialogs))
        }
        Overlay::Diff(c, scroll) => {
            confirm::render_diff(state, c, *scroll, frame, wide_popup(dialogs))
        }
        Overlay::Profiles(list) => picker::render_profile_view(
            state,
            list,
            frame,
            popup(dialogs, 110, dialogs.height.saturating_sub(4)),
        ),
        Overlay::Contain(d) => confirm::render_contain(state, d, frame, wide_popup(dialogs)),
        Overlay::Cases(v) => journal::render_cases(state, v, frame, wide_popup(dialogs)),
        Overlay::Revoke(r) => confirm::render_revoke(
            state,
            r,
            frame,
            popup(dialogs, confirm::WIDTH, confirm::revoke_height(r)),
        ),
        Overlay::History(v) => history::render(state, v, frame, wide_popup(dialogs)),
        Overlay::Outside(scroll) => {
            journal::render_outside(state, *scroll, frame, wide_popup(dialogs))
        }
        Overlay::Journal(j) => journal::render(state, j, frame, wide_popup(dialogs)),
        Overlay::Picker(p) => picker::render_profiles(
            state,
            p,
            frame,
            crate::tui::app::layout::profile_picker_area(dialogs),
        ),
        Overlay::Regions(r) => picker::render_regions(
            r,
            frame,
            popup(dialogs, 60, dialogs.height.saturating_sub(8)),
        ),
        Overlay::Accounts(a) => picker::render_accounts(
            state,
            a,
            frame,
            popup(dialogs, 70, dialogs.height.saturating_sub(8)),
        ),
        Overlay::Confirm(c) => {
            let width = confirm::WIDTH.min(area.width.saturating_sub(4));
            confirm::render(
                state,
                c,
                frame,
                popup(dialogs, width, confirm::height(state, c, width)),
            )
        }
    }
}

/// Nearly the whole screen, for list overlays (journal, diff, permissions).
fn wide_popup(area: Rect) -> Rect {
    popup(
        area,
        area.width.saturating_sub(6),
        area.height.saturating_sub(4),
    )
}

/// A centred rectangle of at most `w`x`h`, for an overlay.
fn popup(area: Rect, w: u16, h: u16) -> Rect {
    crate::tui::app::layout::popup(area, w, h)
}

/// Clears the area under an overlay.
fn clear(frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
}

/// The spinner frame for a moment: turns while requests are out.
pub fn spinner(now: std::time::Duration) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[(now.as_millis() / 100) as usize % FRAMES.len()]
}
