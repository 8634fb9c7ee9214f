//! The keys of the reading overlays and the revoke dialog: help, permissions,
//! the profiles view, a confirmation's diff, outside changes, the journal,
//! and typing a role's name to revoke its sessions. Each gets its overlay by
//! value and puts it back while it stays open.

use super::*;
use crate::tui::app::fuzzy_list::{FuzzyList, ListEvent};
use crate::tui::app::state::{Confirm, RevokeConfirm};

/// `?`: scrolls as far as the last line at the bottom of the popup (the
/// screen less a line above and below, less the border).
pub(super) fn on_help(state: &mut State, cmd: Command, scroll: usize) -> Vec<Effect> {
    let lines = crate::tui::app::keymap::HELP.len();
    let rows = (state.size.1 as usize).saturating_sub(4).min(lines);
    let max = lines.saturating_sub(rows);
    if cmd != Command::Back {
        state.overlay = Overlay::Help(scrolled(&cmd, scroll, max));
    }
    vec![]
}

/// `p`: a role's permission rows, fuzzy-filtered.
pub(super) fn on_permissions(
    state: &mut State,
    cmd: Command,
    mut pv: PermissionsView,
) -> Vec<Effect> {
    let lines = permission_view_lines(state, &(pv.account.clone(), pv.role.clone()));
    if pv.list.handle(&cmd, &lines) != ListEvent::Closed {
        state.overlay = Overlay::Permissions(pv);
    }
    vec![]
}

/// `P`: the instance profiles; Enter lists the instances on the one chosen.
pub(super) fn on_profiles(state: &mut State, cmd: Command, mut list: FuzzyList) -> Vec<Effect> {
    let lines = profile_view_lines(state);
    match list.handle(&cmd, &lines) {
        ListEvent::Closed => {}
        ListEvent::Chosen(i) => {
            if let Some(p) = state.inventory.profiles.get(i) {
                let name = p.name.clone();
                state.list.profile_filter = Some(name.clone());
                state.list.role_filter = None;
                state.apply_filter(false);
                let n = state.list.visible.len();
                let text = format!(
                    "{n} instance{} on profile {}{} (Esc shows all)",
                    if n == 1 { "" } else { "s" },
                    crate::aws::text::sanitize(&name),
                    super::keys::in_accounts(state)
                );
                info(state, Tone::Info, text);
            }
        }
        _ => state.overlay = Overlay::Profiles(list),
    }
    vec![]
}

/// `K`: the role's name typed, Enter revokes; anything else keeps asking.
pub(super) fn on_revoke(state: &mut State, cmd: Command, mut r: RevokeConfirm) -> Vec<Effect> {
    match cmd {
        Command::Input(c) => r.typed.push(c),
        Command::Backspace => {
            r.typed.pop();
        }
        Command::Accept if r.typed == r.role => {
            info(
                state,
                Tone::Info,
                format!("revoking the older sessions of {}", r.role),
            );
            let identity = state.inventory.account(&r.account).identity.as_ref();
            return vec![Effect::RevokeSessions {
                role: r.role,
                account: state.account_id(&r.account).map(str::to_string),
                caller_arn: identity.map(|i| i.arn.clone()),
                key: r.account,
            }];
        }
        Command::Accept => info(
            state,
            Tone::Error,
            format!("type {} exactly, then Enter (Esc cancels)", r.role),
        ),
        Command::No | Command::Back => {
            info(state, Tone::Info, "revoke cancelled, nothing changed");
            return vec![];
        }
        _ => {}
    }
    state.overlay = Overlay::Revoke(r);
    vec![]
}

/// `p` in a confirmation: its full permission diff; Esc goes back to it.
pub(super) fn on_diff(
    state: &mut State,
    cmd: Command,
    c: Box<Confirm>,
    scroll: usize,
) -> Vec<Effect> {
    state.overlay = match cmd {
        Command::Back => Overlay::Confirm(*c),
        Command::Down => Overlay::Diff(c, scroll + 1),
        Command::Up => Overlay::Diff(c, scroll.saturating_sub(1)),
        Command::PageDown => Overlay::Diff(c, scroll + 10),
        Command::PageUp => Overlay::Diff(c, scroll.saturating_sub(10)),
        _ => Overlay::Diff(c, scroll),
    };
    vec![]
}

/// `e`: associations changed outside rolecall.
pub(super) fn on_outside(state: &mut State, cmd: Command, scroll: usize) -> Vec<Effect> {
    let max = state.changes.outside.len().saturating_sub(1);
    if cmd != Command::Back {
        state.overlay = Overlay::Outside(scrolled(&cmd, scroll, max));
    }
    vec![]
}

/// `J`: the journal; the top row is the one `u` acts on (its batch is undone).
pub(super) fn on_journal(state: &mut State, cmd: Command, mut j: JournalView) -> Vec<Effect> {
    if cmd == Command::Undo {
        let Some(entry) = j.entries.get(j.scroll) else {
            state.overlay = Overlay::Journal(j);
            return vec![];
        };
        if !crate::core::journal::is_instance_change(entry) {
            info(
                state,
                Tone::Info,
                format!(
                    "{}: a change to a role, not to instances: u undoes batches of profile changes",
                    entry.action
                ),
            );
            state.overlay = Overlay::Journal(j);
            return vec![];
        }
        if state.config.read_only {
            refuse_read_only(state);
            state.overlay = Overlay::Journal(j);
            return vec![];
        }
        let batch = entry.batch.clone();
        return vec![Effect::ReadJournal(JournalPurpose::UndoBatch(batch))];
    }
    if cmd != Command::Back {
        j.scroll = scrolled(&cmd, j.scroll, j.entries.len().saturating_sub(1));
        state.overlay = Overlay::Journal(j);
    }
    vec![]
}
