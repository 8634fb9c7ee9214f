//! Clicks and the wheel (with `--mouse`).

use super::*;

/// Two clicks on the same row within this long are a double click.
pub const DOUBLE_CLICK: Duration = Duration::from_millis(500);

/// `--mouse`: the wheel scrolls the list or a picker; a click selects a row
/// or a picker entry; a double click opens the picker on an instance, or
/// chooses the entry.
pub(super) fn on_mouse(state: &mut State, m: crossterm::event::MouseEvent) -> Vec<Effect> {
    use crossterm::event::{MouseButton, MouseEventKind};
    match m.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let cmd = if m.kind == MouseEventKind::ScrollDown {
                Command::Down
            } else {
                Command::Up
            };
            let mut effects = Vec::new();
            for _ in 0..3 {
                effects.extend(on_command(state, cmd.clone()));
            }
            effects
        }
        MouseEventKind::Down(MouseButton::Left) => {
            let (now, last) = (state.now, state.list.last_click);
            let double = |i: usize| {
                last.is_some_and(|(at, when)| at == i && now.saturating_sub(when) <= DOUBLE_CLICK)
            };
            let picker_area = layout::profile_picker_area(layout::dialog_area(state));
            if matches!(state.overlay, Overlay::None) {
                let Some(i) = layout::list_row_at(state, m.column, m.row) else {
                    return vec![];
                };
                state.list.selected = i;
                state.clamp_selection();
                if double(i) {
                    state.list.last_click = None;
                    return on_command(state, Command::OpenPicker);
                }
                state.list.last_click = Some((i, now));
            } else if let Overlay::Picker(p) = &mut state.overlay {
                let Some(i) = layout::fuzzy_row_at(picker_area, &p.list, m.column, m.row) else {
                    return vec![];
                };
                p.list.selected = i;
                if double(i) {
                    state.list.last_click = None;
                    return on_command(state, Command::Accept);
                }
                state.list.last_click = Some((i, now));
            }
            vec![]
        }
        _ => vec![],
    }
}
