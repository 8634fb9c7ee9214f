//! Keys to commands, per mode. The one place that knows which key does what
//! (the help overlay is generated from [`HELP`]).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::command::Command;
use super::state::{Overlay, State};

/// One row of the key table: the keys, what they do in a few words (the
/// help overlay), and in full (the README's Keys table, generated from this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHelp {
    pub keys: &'static str,
    pub short: &'static str,
    /// Empty: the short text says it all.
    pub long: &'static str,
}

const fn k(keys: &'static str, short: &'static str, long: &'static str) -> KeyHelp {
    KeyHelp { keys, short, long }
}

/// The key table: the help overlay shows it, the README's Keys section is
/// generated from it (a test keeps the two the same).
pub const HELP: &[KeyHelp] = &[
    k("j / k, ↓ / ↑", "move the selection", ""),
    k("g / G", "first / last instance", ""),
    k("PgDn / PgUp", "page down / up", ""),
    k(
        "Tab / Shift-Tab",
        "move focus between list and detail",
        "move focus between list and detail (on a narrow terminal, where the detail pane folds away: show it, like `i`)",
    ),
    k(
        "i",
        "the detail pane over the list (a narrow terminal folds it away)",
        "the selected instance's detail over the list (below about 120 columns the detail pane folds away so the list keeps its columns); `i`, `Tab` or `Esc` closes",
    ),
    k(
        "/",
        "filter: words within one field; profile:X role:X state:X exact; ~ fuzzy",
        "filter the instance list as you type: each word must stand whole in one field (id, Name, profile, state, region, account); `profile:NAME` `role:NAME` `account:NAME` `region:NAME` `state:STATE` (exact, `profile:none`), `name:GLOB` `id:GLOB`, `tag:KEY=VALUE`, ANDed; `~letters` asks for fuzzy matching; the title shows the filter as understood; `Enter` keeps the filter, `Esc` clears it",
    ),
    k(
        "Enter",
        "open the profile picker for the selected instance",
        "open the profile picker for the selected (or marked) instances: the instance's own account's profiles, `name  role  path`, the current one marked `●`",
    ),
    k(
        "  in the picker",
        "type to filter; ↑/↓ or Ctrl-n/Ctrl-p move; Enter chooses; Esc closes",
        "type to filter (best match first, matched characters highlighted); `↑`/`↓` or `Ctrl-n`/`Ctrl-p` move; `Enter` chooses; `Esc` closes; `Ctrl-r` reads the profiles again",
    ),
    k(
        "Space",
        "mark / unmark the selected instance",
        "mark / unmark the selected instance (a `●` at the left; the title counts them)",
    ),
    k(
        "A",
        "mark every instance the filter shows (again: unmark them all)",
        "",
    ),
    k(
        "",
        "with marks, Enter, d and Q act on all marked instances",
        "with marks, `Enter`, `d` and `Q` act on every marked instance: one confirmation lists what happens to each, grouped, with the skipped ones and why",
    ),
    k(
        "d",
        "detach the selected (or marked) instances' profile",
        "detach the selected (or every marked) instance's profile (DisassociateIamInstanceProfile)",
    ),
    k(
        "Q",
        "quarantine: the quarantine_profile of the config file",
        "quarantine: put the selected (or marked) instances on the config file's `quarantine_profile`",
    ),
    k(
        "u",
        "undo: put the latest batch of the accounts shown back",
        "undo: put every instance of the latest batch of the accounts shown (neither undone nor itself an undo) back where it was, skipping and naming any changed since; in `J`, the top row's batch",
    ),
    k(
        "p",
        "the permissions of the selected instance's role (type to filter)",
        "the permissions of the selected instance's role: one row per effect × action × resource, grouped by policy, high-risk grants marked `⚠`; type to filter. In a confirmation (also `Tab`): the full permission diff, `Esc` goes back",
    ),
    k(
        "e",
        "associations changed outside rolecall (rows marked !)",
        "associations that changed without rolecall (rows marked `!` for a minute): time seen, instance, from → to",
    ),
    k(
        "h",
        "who changed this instance's profile, from where (CloudTrail)",
        "who changed the selected instance's profile: every associate, replace and disassociate CloudTrail recorded in the last 90 days, newest first: time, from → to, the caller (an assumed role's session and the role), source IP, user agent, and `rolecall` where rolecall made it (its journal's request id, or its user agent); refused calls shown as such; `r` reads again (CloudTrail lags minutes behind), `Esc` closes",
    ),
    k(
        "P",
        "instance profiles; Enter lists its instances, K revokes its role",
        "instance profiles: name, role, path, instances in the shown regions and accounts (no-role and unused ones marked `○`); `Enter` lists the instances on one in every account (`Esc` shows all); `K` revokes the older sessions of its role",
    ),
    k(
        "K",
        "revoke a role's older sessions in all accounts (just left, else this one)",
        "revoke the older sessions of a role (each role the latest batch moved instances off, until revoked; else the selected instance's; any role: `K` on its row in `P`), in every account shown that has it: one dialog lists each account, its profiles and instances; type the role's name (and each production account's), `Enter`; AWSRevokeOlderSessions on the role in each account, journaled",
    ),
    k(
        "X",
        "contain: deny this instance on its role, quarantine, tag, IMDSv2, standby",
        "contain the selected (or marked) instances without taking down their role: a case id (default `IR-` and the UTC time), then every step listed: a Deny keyed on each instance (`ec2:SourceInstanceARN`) on the role it runs with, the swap to `quarantine_profile`, the tag `rolecall:case`, IMDSv2 required, Standby for Auto Scaling members; each journaled; `rolecall release CASE` reverses it",
    ),
    k(
        "I",
        "containment cases; R releases the selected one",
        "containment cases: each case, its instances and steps, age and who opened it; every `rolecall-contain` statement and `AWSRevokeOlderSessions` policy on the roles (a revocation is removable once 12 hours have passed); `R` releases the selected case (`y` confirms)",
    ),
    k(
        "b",
        "only the instances running with this role, any profile (Esc: all)",
        "",
    ),
    k(
        "J",
        "the journal: batch ids; u undoes the top row's batch (↑/↓, Esc closes)",
        "",
    ),
    k(
        "r",
        "region picker: type to filter, Space toggles, Enter applies, Esc cancels",
        "region picker: fuzzy list of regions (DescribeRegions), `Space` toggles, `Enter` applies, `Esc` cancels",
    ),
    k(
        "a",
        "account picker (several accounts): Space toggles, Enter applies, Esc cancels",
        "account picker (several accounts): every account with its id, `⚠` and the error code when its reads fail, `PRODUCTION` where it is; `Space` toggles, `Enter` shows the chosen ones, `Esc` cancels",
    ),
    k(
        "s / S",
        "sort by the next column (the header's ▲ shows it) / reverse the order",
        "sort by the next column: region and instance (account first, with several), name, state, profile, association state, launch time; `S` reverses. The column title shows `▲`/`▼`; the cursor stays on its instance",
    ),
    k(
        "c / C / R",
        "copy the instance id / profile ARN / role ARN (OSC 52, works over SSH)",
        "copy the selected instance's id / instance profile ARN / role ARN to the clipboard (OSC 52: works over SSH; inside tmux needs `set -g set-clipboard on`); the footer says what was copied",
    ),
    k("Ctrl-r", "refresh everything now", ""),
    k(
        "y / Enter, n / Esc",
        "No unless you say yes (production account: type its name, Enter)",
        "answer a confirmation, which is No unless you say yes (in a production account: type its name, then `Enter`); `↑`/`↓` scroll a long one",
    ),
    k("?", "this help; Esc closes any overlay", ""),
    k("q, Ctrl-c", "quit", ""),
];

/// The README's Keys table, made from [`HELP`].
pub fn markdown_table() -> String {
    let mut out = String::from("| key | action |\n|---|---|\n");
    for h in HELP {
        let keys = if h.keys.trim().is_empty() {
            String::new()
        } else {
            format!("`{}`", h.keys.trim())
        };
        let what = if h.long.is_empty() { h.short } else { h.long };
        out.push_str(&format!("| {keys} | {what} |\n"));
    }
    out
}

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
        Overlay::QuitBatch => match key.code {
            KeyCode::Char('w') | KeyCode::Char('W') => Command::WaitAndQuit,
            KeyCode::Esc => Command::Back,
            _ => Command::Nothing,
        },
        // Releasing: y, or the production accounts' names typed, Enter.
        Overlay::Cases(v) if v.releasing => match key.code {
            KeyCode::Esc => Command::No,
            KeyCode::Enter => Command::Accept,
            KeyCode::Backspace => Command::Backspace,
            KeyCode::Char(c) if !ctrl => Command::Input(c),
            _ => Command::Nothing,
        },
        Overlay::Cases(_) => match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('I') => Command::Back,
            KeyCode::Down | KeyCode::Char('j') => Command::Down,
            KeyCode::Up | KeyCode::Char('k') => Command::Up,
            KeyCode::Char('R') => Command::Undo,
            KeyCode::Char('y') | KeyCode::Enter => Command::Yes,
            KeyCode::Char('n') => Command::No,
            _ => Command::Nothing,
        },
        // X: the case id, then the answer, typed.
        Overlay::Contain(_) => match key.code {
            KeyCode::Esc => Command::No,
            KeyCode::Enter => Command::Accept,
            KeyCode::Backspace => Command::Backspace,
            KeyCode::Down => Command::Down,
            KeyCode::Up => Command::Up,
            KeyCode::PageDown => Command::PageDown,
            KeyCode::PageUp => Command::PageUp,
            KeyCode::Char(c) if !ctrl => Command::Input(c),
            _ => Command::Nothing,
        },
        // K: the role's name is typed, Enter confirms.
        Overlay::Revoke(_) => match key.code {
            KeyCode::Esc => Command::No,
            KeyCode::Enter => Command::Accept,
            KeyCode::Backspace => Command::Backspace,
            KeyCode::Char(c) if !ctrl => Command::Input(c),
            _ => Command::Nothing,
        },
        // A production account: the name is typed, Enter confirms.
        Overlay::Confirm(c) if super::derive::confirm_guard(state, c).is_some() => {
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
        // `u` on a row of the journal undoes that row's batch.
        Overlay::Journal(_) if key.code == KeyCode::Char('u') => Command::Undo,
        Overlay::History(_) => match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('h') => Command::Back,
            KeyCode::Char('r') => Command::Refresh,
            KeyCode::Down | KeyCode::Char('j') => Command::Down,
            KeyCode::Up | KeyCode::Char('k') => Command::Up,
            KeyCode::PageDown => Command::PageDown,
            KeyCode::PageUp => Command::PageUp,
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
        Overlay::Detail => match key.code {
            KeyCode::Esc
            | KeyCode::Char('i')
            | KeyCode::Char('q')
            | KeyCode::Tab
            | KeyCode::BackTab => Command::Back,
            _ => Command::Nothing,
        },
        Overlay::Help(_) => match key.code {
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') => Command::Back,
            KeyCode::Down | KeyCode::Char('j') => Command::Down,
            KeyCode::Up | KeyCode::Char('k') => Command::Up,
            KeyCode::PageDown => Command::PageDown,
            KeyCode::PageUp => Command::PageUp,
            _ => Command::Nothing,
        },
        // `K` on a profile: revoke its role's older sessions (letters
        // filter in lower case, as the match ignores case).
        Overlay::Profiles(_) if key.code == KeyCode::Char('K') => Command::Revoke,
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
            KeyCode::Char('h') => Command::ShowHistory,
            KeyCode::Char('b') => Command::BlastRadius,
            KeyCode::Char('K') => Command::Revoke,
            KeyCode::Char('X') => Command::Contain,
            KeyCode::Char('I') => Command::ShowCases,
            KeyCode::Char('P') => Command::ShowProfiles,
            KeyCode::Char('r') => Command::OpenRegions,
            KeyCode::Char('a') => Command::OpenAccounts,
            KeyCode::Char('s') => Command::SortNext,
            KeyCode::Char('i') => Command::ShowDetail,
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

#[cfg(test)]
mod table {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::{Command, command};
    use crate::tui::app::state::{Overlay, State};

    /// Where the keys go: the list, the filter being typed, or an overlay.
    #[derive(Debug, Clone, Copy)]
    enum Mode {
        List,
        Filter,
        Help,
        QuitBatch,
        Journal,
    }

    fn state_in(mode: Mode) -> State {
        let mut state = crate::tui::app::state::test_state();
        match mode {
            Mode::List => {}
            Mode::Filter => state.list.filter_editing = true,
            Mode::Help => state.overlay = Overlay::Help(0),
            Mode::QuitBatch => state.overlay = Overlay::QuitBatch,
            Mode::Journal => {
                state.overlay = Overlay::Journal(crate::tui::app::state::JournalView {
                    entries: Vec::new(),
                    scroll: 0,
                    unrecorded: Vec::new(),
                    ..Default::default()
                })
            }
        }
        state
    }

    #[rstest::rstest]
    #[case::q_quits_the_list(Mode::List, KeyCode::Char('q'), KeyModifiers::NONE, Command::Quit)]
    #[case::ctrl_c_quits_anywhere(
        Mode::Filter,
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
        Command::Quit
    )]
    #[case::ctrl_c_in_an_overlay(
        Mode::Help,
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
        Command::Quit
    )]
    #[case::q_is_text_in_the_filter(
        Mode::Filter,
        KeyCode::Char('q'),
        KeyModifiers::NONE,
        Command::Input('q')
    )]
    #[case::q_closes_help(Mode::Help, KeyCode::Char('q'), KeyModifiers::NONE, Command::Back)]
    #[case::q_closes_the_journal(
        Mode::Journal,
        KeyCode::Char('q'),
        KeyModifiers::NONE,
        Command::Back
    )]
    #[case::enter_opens_the_picker(
        Mode::List,
        KeyCode::Enter,
        KeyModifiers::NONE,
        Command::OpenPicker
    )]
    #[case::enter_keeps_the_filter(
        Mode::Filter,
        KeyCode::Enter,
        KeyModifiers::NONE,
        Command::Accept
    )]
    #[case::d_detaches(Mode::List, KeyCode::Char('d'), KeyModifiers::NONE, Command::Detach)]
    #[case::space_marks(Mode::List, KeyCode::Char(' '), KeyModifiers::NONE, Command::Mark)]
    #[case::big_a_marks_all(Mode::List, KeyCode::Char('A'), KeyModifiers::NONE, Command::MarkAll)]
    #[case::big_q_quarantines(
        Mode::List,
        KeyCode::Char('Q'),
        KeyModifiers::NONE,
        Command::Quarantine
    )]
    #[case::u_undoes(Mode::List, KeyCode::Char('u'), KeyModifiers::NONE, Command::Undo)]
    #[case::ctrl_r_refreshes(
        Mode::List,
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
        Command::Refresh
    )]
    #[case::r_picks_regions(
        Mode::List,
        KeyCode::Char('r'),
        KeyModifiers::NONE,
        Command::OpenRegions
    )]
    #[case::j_moves_down(Mode::List, KeyCode::Char('j'), KeyModifiers::NONE, Command::Down)]
    #[case::j_scrolls_the_journal(
        Mode::Journal,
        KeyCode::Char('j'),
        KeyModifiers::NONE,
        Command::Down
    )]
    #[case::w_waits_when_asked(
        Mode::QuitBatch,
        KeyCode::Char('w'),
        KeyModifiers::NONE,
        Command::WaitAndQuit
    )]
    #[case::esc_keeps_going(Mode::QuitBatch, KeyCode::Esc, KeyModifiers::NONE, Command::Back)]
    #[case::q_does_not_answer_the_quit_question(
        Mode::QuitBatch,
        KeyCode::Char('q'),
        KeyModifiers::NONE,
        Command::Nothing
    )]
    #[case::y_does_nothing_on_the_list(
        Mode::List,
        KeyCode::Char('y'),
        KeyModifiers::NONE,
        Command::Nothing
    )]
    fn keys_as_a_table(
        #[case] mode: Mode,
        #[case] code: KeyCode,
        #[case] modifiers: KeyModifiers,
        #[case] want: Command,
    ) {
        let state = state_in(mode);
        assert_eq!(command(&state, KeyEvent::new(code, modifiers)), want);
    }
}
