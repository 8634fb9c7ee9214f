//! Keys to commands, per mode. The one place that knows which key does what
//! (the help overlay is generated from [`HELP`]).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::{Overlay, State};

/// What a key asks for, independent of which key it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    Up,
    Down,
    First,
    Last,
    PageUp,
    PageDown,
    FocusNext,
    StartFilter,
    OpenPicker,
    Detach,
    OpenRegions,
    /// a: the account picker.
    OpenAccounts,
    /// c / C / R: copy the instance id / the profile ARN / the role ARN.
    CopyInstanceId,
    CopyProfileArn,
    CopyRoleArn,
    /// s: sort by the next column.
    SortNext,
    /// S: reverse the order.
    SortReverse,
    Refresh,
    /// Space: mark or unmark the selected instance.
    Mark,
    /// A: mark every instance shown, or unmark them all.
    MarkAll,
    /// Q: put the marked (or selected) instances on the quarantine profile.
    Quarantine,
    /// u: undo the latest batch of this account.
    Undo,
    /// J: the journal.
    ShowJournal,
    /// p: the permissions of the selected instance's role.
    Permissions,
    /// e: associations changed outside rolecall.
    ShowOutside,
    /// b: only the instances that run with the selected instance's role.
    BlastRadius,
    /// K: revoke the older sessions of a role.
    Revoke,
    /// P: the instance profiles view.
    ShowProfiles,
    Help,
    /// Esc: close the overlay, or clear the filter.
    Back,
    /// Enter inside an overlay or the filter.
    Accept,
    Toggle,
    Input(char),
    Backspace,
    Yes,
    No,
    Nothing,
}

/// The key table the help overlay shows: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("j / k, ↓ / ↑", "move the selection"),
    ("g / G", "first / last instance"),
    ("PgDn / PgUp", "page down / up"),
    ("Tab / Shift-Tab", "move focus between list and detail"),
    (
        "/",
        "filter instances (id, Name, profile, state); Enter keeps, Esc clears",
    ),
    ("Enter", "open the profile picker for the selected instance"),
    (
        "  in the picker",
        "type to filter; ↑/↓ or Ctrl-n/Ctrl-p move; Enter chooses; Esc closes",
    ),
    ("Space", "mark / unmark the selected instance"),
    (
        "A",
        "mark every instance the filter shows (again: unmark them all)",
    ),
    ("", "with marks, Enter, d and Q act on all marked instances"),
    ("d", "detach the selected (or marked) instances' profile"),
    ("Q", "quarantine: the quarantine_profile of the config file"),
    ("u", "undo: put the latest batch of this account back"),
    (
        "p",
        "the permissions of the selected instance's role (type to filter)",
    ),
    ("e", "associations changed outside rolecall (rows marked !)"),
    (
        "P",
        "instance profiles: role, path, instances; Enter lists its instances",
    ),
    (
        "K",
        "revoke the older sessions of the role (the one just left, else this one)",
    ),
    (
        "b",
        "only the instances running with this role, any profile (Esc: all)",
    ),
    ("J", "the journal of changes (↑/↓ scroll, Esc closes)"),
    (
        "r",
        "region picker: type to filter, Space toggles, Enter applies, Esc cancels",
    ),
    (
        "a",
        "account picker (several accounts): Space toggles, Enter applies, Esc cancels",
    ),
    (
        "s / S",
        "sort by the next column (the header's ▲ shows it) / reverse the order",
    ),
    (
        "c / C / R",
        "copy the instance id / profile ARN / role ARN (OSC 52, works over SSH)",
    ),
    ("Ctrl-r", "refresh everything now"),
    (
        "y / Enter, n / Esc",
        "No unless you say yes (production account: type its name, Enter)",
    ),
    ("?", "this help; Esc closes any overlay"),
    ("q, Ctrl-c", "quit"),
];

/// Maps a key to a command in the state's current mode.
pub fn command(state: &State, key: KeyEvent) -> Command {
    if key.kind == KeyEventKind::Release {
        return Command::Nothing;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Command::Quit;
    }
    match &state.overlay {
        // K: the role's name is typed, Enter confirms.
        Overlay::Revoke(_) => match key.code {
            KeyCode::Esc => Command::No,
            KeyCode::Enter => Command::Accept,
            KeyCode::Backspace => Command::Backspace,
            KeyCode::Char(c) if !ctrl => Command::Input(c),
            _ => Command::Nothing,
        },
        // A production account: the name is typed, Enter confirms.
        Overlay::Confirm(c) if crate::app::update::confirm_guard(state, c).is_some() => {
            match key.code {
                // `p` types; Tab opens the permission diff here.
                KeyCode::Tab => Command::Permissions,
                KeyCode::Down => Command::Down,
                KeyCode::Up => Command::Up,
                KeyCode::PageDown => Command::PageDown,
                KeyCode::PageUp => Command::PageUp,
                KeyCode::Esc => Command::No,
                KeyCode::Enter => Command::Accept,
                KeyCode::Backspace => Command::Backspace,
                KeyCode::Char(c) if !ctrl => Command::Input(c),
                _ => Command::Nothing,
            }
        }
        Overlay::Confirm(_) => match key.code {
            KeyCode::Char('p') | KeyCode::Tab => Command::Permissions,
            KeyCode::Down | KeyCode::Char('j') => Command::Down,
            KeyCode::Up | KeyCode::Char('k') => Command::Up,
            KeyCode::PageDown => Command::PageDown,
            KeyCode::PageUp => Command::PageUp,
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => Command::Yes,
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Command::No,
            _ => Command::Nothing,
        },
        Overlay::Journal(_) | Overlay::Outside(_) | Overlay::Diff(..) => match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('J') | KeyCode::Char('e') => {
                Command::Back
            }
            KeyCode::Down | KeyCode::Char('j') => Command::Down,
            KeyCode::Up | KeyCode::Char('k') => Command::Up,
            KeyCode::PageDown => Command::PageDown,
            KeyCode::PageUp => Command::PageUp,
            _ => Command::Nothing,
        },
        Overlay::Help => match key.code {
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') => Command::Back,
            _ => Command::Nothing,
        },
        Overlay::Picker(_)
        | Overlay::Regions(_)
        | Overlay::Accounts(_)
        | Overlay::Permissions(_)
        | Overlay::Profiles(_) => overlay_list(
            key,
            ctrl,
            matches!(state.overlay, Overlay::Regions(_) | Overlay::Accounts(_)),
        ),
        Overlay::None if state.list.filter_editing => match key.code {
            KeyCode::Esc => Command::Back,
            KeyCode::Enter => Command::Accept,
            KeyCode::Backspace => Command::Backspace,
            KeyCode::Down => Command::Down,
            KeyCode::Up => Command::Up,
            KeyCode::Char('n') if ctrl => Command::Down,
            KeyCode::Char('p') if ctrl => Command::Up,
            KeyCode::Char(c) if !ctrl => Command::Input(c),
            _ => Command::Nothing,
        },
        Overlay::None => match key.code {
            KeyCode::Char('q') => Command::Quit,
            KeyCode::Char('r') if ctrl => Command::Refresh,
            KeyCode::Char('n') if ctrl => Command::Down,
            KeyCode::Char('p') if ctrl => Command::Up,
            KeyCode::Char('j') | KeyCode::Down => Command::Down,
            KeyCode::Char('k') | KeyCode::Up => Command::Up,
            KeyCode::Char('g') | KeyCode::Home => Command::First,
            KeyCode::Char('G') | KeyCode::End => Command::Last,
            KeyCode::PageDown => Command::PageDown,
            KeyCode::PageUp => Command::PageUp,
            KeyCode::Tab | KeyCode::BackTab => Command::FocusNext,
            KeyCode::Char('/') => Command::StartFilter,
            KeyCode::Enter => Command::OpenPicker,
            KeyCode::Char('d') => Command::Detach,
            KeyCode::Char(' ') => Command::Mark,
            KeyCode::Char('A') => Command::MarkAll,
            KeyCode::Char('Q') => Command::Quarantine,
            KeyCode::Char('u') => Command::Undo,
            KeyCode::Char('J') => Command::ShowJournal,
            KeyCode::Char('p') => Command::Permissions,
            KeyCode::Char('e') => Command::ShowOutside,
            KeyCode::Char('b') => Command::BlastRadius,
            KeyCode::Char('K') => Command::Revoke,
            KeyCode::Char('P') => Command::ShowProfiles,
            KeyCode::Char('r') => Command::OpenRegions,
            KeyCode::Char('a') => Command::OpenAccounts,
            KeyCode::Char('s') => Command::SortNext,
            KeyCode::Char('c') => Command::CopyInstanceId,
            KeyCode::Char('C') => Command::CopyProfileArn,
            KeyCode::Char('R') => Command::CopyRoleArn,
            KeyCode::Char('S') => Command::SortReverse,
            KeyCode::Char('?') => Command::Help,
            KeyCode::Esc => Command::Back,
            _ => Command::Nothing,
        },
    }
}

fn overlay_list(key: KeyEvent, ctrl: bool, regions: bool) -> Command {
    match key.code {
        KeyCode::Esc => Command::Back,
        KeyCode::Enter => Command::Accept,
        KeyCode::Backspace => Command::Backspace,
        KeyCode::Down => Command::Down,
        KeyCode::Up => Command::Up,
        KeyCode::PageDown => Command::PageDown,
        KeyCode::PageUp => Command::PageUp,
        KeyCode::Char('n') if ctrl => Command::Down,
        KeyCode::Char('p') if ctrl => Command::Up,
        KeyCode::Char('r') if ctrl => Command::Refresh,
        KeyCode::Char(' ') if regions => Command::Toggle,
        KeyCode::Char(c) if !ctrl => Command::Input(c),
        _ => Command::Nothing,
    }
}
