//! `update`: the TUI's behaviour. Pure and synchronous: no I/O, no clock reads,
//! no `.await`; what must happen outside comes back as [`Effect`]s.
//!
//! By concern: [`poll`] (reading, per-source backoff), [`changes`] (planning,
//! confirming, outcomes), [`overlays`] (the pickers); keys and dispatch here.

mod changes;
mod overlays;
mod poll;

use std::time::Duration;

pub use super::state::MAX_BACKOFF;
pub use poll::{FAST_POLL, INSTANCE_REFRESH};

use super::action::{Action, Effect, JournalPurpose};
use super::command::Command;
use super::derive::{permission_view_lines, profile_view_lines};
use super::keymap;
use super::state::{
    Focus, JournalView, Message, Overlay, PermissionsView, RevokeConfirm, RoleRows, State, Tone,
};
use poll::{on_associations, on_instances, refresh_all, schedule};

/// The effects that start the TUI: who am I, profiles, instances,
/// associations, and (in the background) whether the named regions exist.
pub fn init(state: &mut State) -> Vec<Effect> {
    let mut effects: Vec<Effect> = state
        .inventory
        .shown
        .clone()
        .iter()
        .map(|account| poll::load_identity(state, account))
        .collect();
    effects.extend(refresh_all(state));
    if state.config.check_regions {
        effects.push(Effect::CheckRegions);
    }
    effects
}

/// Applies one action; returns what the runtime must do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        // A terminal too small to draw on shows only how to fix it: no key
        // may act on what cannot be seen (a hidden confirmation least of
        // all), except quitting.
        Action::Key(key) if super::layout::too_small(state) => {
            use crossterm::event::{KeyCode, KeyModifiers};
            let quit = key.code == KeyCode::Char('q')
                || (key.code == KeyCode::Char('c')
                    && key.modifiers.contains(KeyModifiers::CONTROL));
            if quit { changes::quit(state) } else { vec![] }
        }
        Action::Mouse(_) if super::layout::too_small(state) => vec![],
        Action::Key(key) => {
            state.list.cursor_touched = true;
            let cmd = keymap::command(state, key);
            if cmd != Command::Revoke {
                // The offer stands for the next key only.
                state.changes.offer_revoke = None;
            }
            let mut effects = on_command(state, cmd);
            effects.extend(load_permissions_shown(state));
            effects
        }
        Action::Mouse(m) => {
            state.list.cursor_touched = true;
            let mut effects = on_mouse(state, m);
            effects.extend(load_permissions_shown(state));
            effects
        }
        Action::Resize(w, h) => {
            state.size = (w, h);
            state.clamp_selection();
            vec![]
        }
        Action::Tick(now) => {
            state.now = now;
            schedule(state)
        }
        Action::IdentityLoaded { account, result } => {
            let now = state.now;
            let a = state.inventory.account_mut(&account);
            match result {
                Ok(id) => {
                    a.identity = Some(id);
                    // Loaded once; Ctrl-r asks again.
                    a.identity_src.succeed(now, Duration::MAX);
                }
                Err(e) => a.identity_src.fail(now, e),
            }
            vec![]
        }
        Action::ProfilesLoaded { account, result } => {
            let now = state.now;
            match result {
                // An account no longer shown: its profiles are not wanted.
                Ok(_) if !state.inventory.shown.contains(&account) => {}
                Ok(profiles) => {
                    state.inventory.set_profiles(&account, profiles);
                    state
                        .inventory
                        .account_mut(&account)
                        .profiles_src
                        .succeed(now, Duration::MAX);
                    if let Overlay::Picker(p) = &mut state.overlay {
                        p.offer(&state.inventory.profiles);
                    }
                }
                Err(e) => state
                    .inventory
                    .account_mut(&account)
                    .profiles_src
                    .fail(now, e),
            }
            clamp_after_layout_change(state);
            vec![]
        }
        Action::RegionsLoaded(result) => {
            overlays::on_regions_loaded(state, result);
            vec![]
        }
        Action::RegionsChecked(result) => {
            poll::on_regions_checked(state, result);
            vec![]
        }
        Action::InstancesLoaded {
            generation,
            account,
            region,
            result,
        } => on_instances(state, generation, (account, region), result),
        Action::AssociationsLoaded {
            generation,
            round,
            account,
            region,
            result,
        } => on_associations(state, generation, round, (account, region), result),
        Action::SessionsRevoked { role, result } => {
            match result {
                Ok(at) => info(
                    state,
                    Tone::Success,
                    format!(
                        "role {role}: every session issued before {at} is denied (AWSRevokeOlderSessions); holders fetch new credentials"
                    ),
                ),
                Err(why) => info(
                    state,
                    Tone::Error,
                    format!("revoking the sessions of {role}: {why}"),
                ),
            }
            vec![]
        }
        Action::RolePoliciesLoaded {
            account,
            role,
            result,
        } => {
            let key = (account, role);
            let rows = match result {
                Ok(policies) => {
                    let parsed: Vec<_> = policies.iter().map(crate::core::policy::parse).collect();
                    // Shown raw, with why, never dropped silently.
                    let unreadable = parsed
                        .iter()
                        .filter_map(|p| {
                            p.unreadable.as_ref().map(|why| {
                                format!(
                                    "{}: cannot read it ({why}); raw: {}",
                                    p.policy.name, p.text
                                )
                            })
                        })
                        .collect();
                    state
                        .inventory
                        .role_unreadable
                        .insert(key.clone(), unreadable);
                    RoleRows::Loaded(crate::core::policy::rows_of(&parsed))
                }
                Err(e) => RoleRows::Failed(e),
            };
            state.inventory.role_rows.insert(key.clone(), rows);
            // The permissions overlay filters what has just arrived.
            let lines = permission_view_lines(state, &key);
            if let Overlay::Permissions(pv) = &mut state.overlay
                && (&pv.account, &pv.role) == (&key.0, &key.1)
            {
                pv.list.refilter(&lines);
            }
            vec![]
        }
        Action::JournalRead { purpose, result } => {
            match (purpose, result) {
                (_, Err(why)) => info(state, Tone::Error, why),
                (JournalPurpose::Undo, Ok(entries)) => changes::plan_undo(state, &entries),
                (JournalPurpose::Show, Ok(entries)) => {
                    // The changes of the accounts shown (all, while none is known),
                    // each with what is known of it: no outcome on record is unknown.
                    let ids = state.shown_account_ids();
                    let entries = crate::core::journal::records(&entries)
                        .into_iter()
                        .filter(|r| {
                            ids.is_empty()
                                || r.entry.account.as_ref().is_some_and(|a| ids.contains(a))
                        })
                        .map(|r| {
                            let mut e = r.entry.clone();
                            if crate::core::journal::is_instance_change(&e) {
                                e.outcome = Some(r.known.word().into());
                            }
                            e
                        })
                        .collect();
                    let unrecorded = state
                        .changes
                        .unrecorded
                        .iter()
                        .map(|(id, _)| id.clone())
                        .collect();
                    state.overlay = Overlay::Journal(JournalView {
                        entries,
                        scroll: 0,
                        unrecorded,
                    });
                }
            }
            vec![]
        }
        Action::MutationStarted { op_id } => {
            if state.changes.pending.values().any(|p| p.op_id == op_id) {
                state.changes.started.insert(op_id);
            }
            vec![]
        }
        Action::Stop => changes::stop(state),
        Action::MutationStep { op_id, note } => {
            if state.changes.pending.values().any(|p| p.op_id == op_id) {
                info(state, Tone::Info, note);
            }
            vec![]
        }
        Action::MutationDone { op_id, outcome } => changes::on_mutation_done(state, op_id, outcome),
    }
}

/// The roles whose permissions what is on screen needs (a confirmation's
/// from and to): read the ones not read yet, once.
fn load_permissions_shown(state: &mut State) -> Vec<Effect> {
    let roles: Vec<(String, String)> = match &state.overlay {
        Overlay::Confirm(c) => c
            .changes
            .iter()
            .flat_map(|ch| [ch.from.as_ref(), ch.to.as_ref()])
            .flatten()
            .filter_map(|p| {
                let profile = state.profile_by_arn(&p.arn)?;
                let role = profile.roles.first()?;
                Some((profile.account.clone(), role.name.clone()))
            })
            .collect(),
        Overlay::Permissions(pv) => vec![(pv.account.clone(), pv.role.clone())],
        _ => return vec![],
    };
    let mut effects = Vec::new();
    for key in roles {
        if !state.inventory.role_rows.contains_key(&key) {
            state
                .inventory
                .role_rows
                .insert(key.clone(), RoleRows::Loading);
            effects.push(Effect::LoadRolePolicies {
                account: key.0,
                role: key.1,
            });
        }
    }
    effects
}

fn info(state: &mut State, tone: Tone, text: impl Into<String>) {
    state.message = Some(Message {
        tone,
        text: text.into(),
    });
    clamp_after_layout_change(state);
}

/// The strip of failing reads and the footer's message change the list's
/// height: keep the selection on screen.
fn clamp_after_layout_change(state: &mut State) {
    state.clamp_selection();
}

fn read_only(state: &mut State) {
    info(
        state,
        Tone::Error,
        "read-only mode: rolecall was started with --read-only, so it changes nothing",
    );
}

fn on_command(state: &mut State, cmd: Command) -> Vec<Effect> {
    if cmd == Command::Quit {
        return changes::quit(state);
    }
    match state.overlay.clone() {
        Overlay::QuitBatch => match cmd {
            Command::WaitAndQuit => changes::stop(state),
            Command::Back => {
                state.overlay = Overlay::None;
                vec![]
            }
            _ => vec![],
        },
        Overlay::Confirm(c) => changes::on_confirm(state, cmd, c),
        Overlay::Help(scroll) => {
            // As far as the last line at the bottom of the popup (the
            // screen less a line above and below, less the border).
            let lines = crate::tui::app::keymap::HELP.len();
            let rows = (state.size.1 as usize).saturating_sub(4).min(lines);
            let max = lines.saturating_sub(rows);
            state.overlay = match cmd {
                Command::Back => Overlay::None,
                _ => Overlay::Help(scrolled(&cmd, scroll, max)),
            };
            vec![]
        }
        Overlay::Detail => {
            if cmd == Command::Back {
                state.overlay = Overlay::None;
            }
            vec![]
        }
        Overlay::Permissions(mut pv) => {
            let lines = permission_view_lines(state, &(pv.account.clone(), pv.role.clone()));
            if pv.list.handle(&cmd, &lines) == crate::tui::app::fuzzy_list::ListEvent::Closed {
                state.overlay = Overlay::None;
            } else {
                state.overlay = Overlay::Permissions(pv);
            }
            vec![]
        }
        Overlay::Profiles(mut list) => {
            let lines = profile_view_lines(state);
            match list.handle(&cmd, &lines) {
                crate::tui::app::fuzzy_list::ListEvent::Closed => state.overlay = Overlay::None,
                crate::tui::app::fuzzy_list::ListEvent::Chosen(i) => {
                    state.overlay = Overlay::None;
                    if let Some(p) = state.inventory.profiles.get(i) {
                        let name = p.name.clone();
                        state.list.profile_filter = Some(p.arn.clone());
                        state.list.role_filter = None;
                        state.apply_filter(false);
                        let n = state.list.visible.len();
                        info(
                            state,
                            Tone::Info,
                            format!(
                                "{n} instance{} on profile {name} (Esc shows all)",
                                if n == 1 { "" } else { "s" }
                            ),
                        );
                    }
                }
                _ => state.overlay = Overlay::Profiles(list),
            }
            vec![]
        }
        Overlay::Revoke(mut r) => match cmd {
            Command::Input(c) => {
                r.typed.push(c);
                state.overlay = Overlay::Revoke(r);
                vec![]
            }
            Command::Backspace => {
                r.typed.pop();
                state.overlay = Overlay::Revoke(r);
                vec![]
            }
            Command::Accept if r.typed == r.role => {
                state.overlay = Overlay::None;
                info(
                    state,
                    Tone::Info,
                    format!("revoking the older sessions of {}", r.role),
                );
                let identity = state.inventory.account(&r.account).identity.as_ref();
                vec![Effect::RevokeSessions {
                    role: r.role,
                    account: state.account_id(&r.account).map(str::to_string),
                    caller_arn: identity.map(|i| i.arn.clone()),
                    key: r.account,
                }]
            }
            Command::Accept => {
                info(
                    state,
                    Tone::Error,
                    format!("type {} exactly, then Enter (Esc cancels)", r.role),
                );
                state.overlay = Overlay::Revoke(r);
                vec![]
            }
            Command::No | Command::Back => {
                state.overlay = Overlay::None;
                info(state, Tone::Info, "revoke cancelled, nothing changed");
                vec![]
            }
            _ => {
                state.overlay = Overlay::Revoke(r);
                vec![]
            }
        },
        Overlay::Diff(c, scroll) => {
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
        Overlay::Outside(scroll) => {
            let max = state.changes.outside.len().saturating_sub(1);
            state.overlay = match cmd {
                Command::Back => Overlay::None,
                _ => Overlay::Outside(scrolled(&cmd, scroll, max)),
            };
            vec![]
        }
        Overlay::Journal(mut j) => {
            if cmd == Command::Back {
                state.overlay = Overlay::None;
                return vec![];
            }
            j.scroll = scrolled(&cmd, j.scroll, j.entries.len().saturating_sub(1));
            state.overlay = Overlay::Journal(j);
            vec![]
        }
        Overlay::Picker(p) => overlays::on_picker(state, cmd, p),
        Overlay::Regions(rp) => overlays::on_regions(state, cmd, rp),
        Overlay::Accounts(ap) => overlays::on_accounts(state, cmd, ap),
        Overlay::None if state.list.filter_editing => on_filter(state, cmd),
        Overlay::None => on_main(state, cmd),
    }
}

/// A scrolling overlay's first line after `cmd`: a line or a page (10) at a
/// time, never past `max`.
fn scrolled(cmd: &Command, scroll: usize, max: usize) -> usize {
    match cmd {
        Command::Down => (scroll + 1).min(max),
        Command::Up => scroll.saturating_sub(1),
        Command::PageDown => (scroll + 10).min(max),
        Command::PageUp => scroll.saturating_sub(10),
        _ => scroll,
    }
}

fn move_by(state: &mut State, delta: isize) {
    if state.list.visible.is_empty() {
        return;
    }
    let last = state.list.visible.len() as isize - 1;
    state.list.selected = (state.list.selected as isize + delta).clamp(0, last) as usize;
    state.clamp_selection();
}

fn on_main(state: &mut State, cmd: Command) -> Vec<Effect> {
    let page = state.page_rows().max(1) as isize;
    match cmd {
        Command::Down => move_by(state, 1),
        Command::Up => move_by(state, -1),
        Command::First => move_by(state, isize::MIN / 2),
        Command::Last => move_by(state, isize::MAX / 2),
        Command::PageDown => move_by(state, page),
        Command::PageUp => move_by(state, -page),
        Command::ShowDetail => state.overlay = Overlay::Detail,
        Command::FocusNext if super::layout::detail_folded(state) => {
            state.list.focus = Focus::List;
            state.overlay = Overlay::Detail;
        }
        Command::FocusNext => {
            state.list.focus = match state.list.focus {
                Focus::List => Focus::Detail,
                Focus::Detail => Focus::List,
            }
        }
        Command::StartFilter => state.list.filter_editing = true,
        Command::Back
            if !state.list.filter.is_empty()
                || state.list.role_filter.is_some()
                || state.list.profile_filter.is_some() =>
        {
            state.list.filter.clear();
            state.list.role_filter = None;
            state.list.profile_filter = None;
            state.apply_filter(false);
        }
        Command::ShowProfiles => {
            let lines = profile_view_lines(state);
            state.overlay = Overlay::Profiles(crate::tui::app::fuzzy_list::FuzzyList::new(&lines));
        }
        Command::Revoke => {
            if state.config.read_only {
                read_only(state);
                return vec![];
            }
            let role = state.changes.offer_revoke.clone().or_else(|| {
                let row = state.selected_row()?;
                let a = row.data.association.as_ref()?;
                let role = state.role_of(&a.profile.arn)?;
                Some((row.data.instance.account.clone(), role.name.clone()))
            });
            let Some((account, role)) = role else {
                info(
                    state,
                    Tone::Info,
                    "the selected instance runs with no role: nothing to revoke",
                );
                return vec![];
            };
            let holders: Vec<&crate::aws::InstanceProfile> = state
                .inventory
                .profiles
                .iter()
                .filter(|p| p.account == account && p.roles.iter().any(|r| r.name == role))
                .collect();
            let instances = holders.iter().map(|p| state.instances_using(&p.arn)).sum();
            let holder_arns: Vec<&str> = holders.iter().map(|p| p.arn.as_str()).collect();
            let instance_names = state
                .inventory
                .rows
                .iter()
                .filter(|r| {
                    r.data.association.as_ref().is_some_and(|a| {
                        a.state.is_active() && holder_arns.contains(&a.profile.arn.as_str())
                    })
                })
                .map(|r| format!("{} ({})", r.data.instance.id, r.name))
                .collect();
            let profiles = holders.iter().map(|p| p.name.clone()).collect();
            state.overlay = Overlay::Revoke(RevokeConfirm {
                account,
                role,
                profiles,
                instances,
                instance_names,
                typed: String::new(),
            });
        }
        Command::BlastRadius => {
            let role = state
                .selected_row()
                .and_then(|r| r.data.association.as_ref())
                .and_then(|a| state.role_of(&a.profile.arn))
                .map(|r| (r.arn.clone(), r.name.clone()));
            match role {
                Some((arn, name)) => {
                    state.list.role_filter = Some(arn);
                    state.apply_filter(false);
                    let n = state.list.visible.len();
                    info(
                        state,
                        Tone::Info,
                        format!(
                            "{n} instance{} run with role {name} (Esc shows all)",
                            if n == 1 { "" } else { "s" }
                        ),
                    );
                }
                None => info(state, Tone::Info, "the selected instance runs with no role"),
            }
        }
        Command::OpenPicker => overlays::open_picker(state),
        Command::Detach => return changes::detach(state),
        Command::Quarantine => return changes::quarantine(state),
        Command::Undo => {
            if state.config.read_only {
                read_only(state);
                return vec![];
            }
            return vec![Effect::ReadJournal(JournalPurpose::Undo)];
        }
        Command::ShowJournal => return vec![Effect::ReadJournal(JournalPurpose::Show)],
        Command::ShowOutside => state.overlay = Overlay::Outside(0),
        Command::Permissions => {
            let profile = state.selected_row().and_then(|r| {
                let a = r.data.association.as_ref()?;
                Some((r.data.instance.account.clone(), a.profile.arn.clone()))
            });
            let Some((account, arn)) = profile else {
                info(
                    state,
                    Tone::Info,
                    "the selected instance has no instance profile: no permissions",
                );
                return vec![];
            };
            let Some(role) = state.role_of(&arn).map(|r| r.name.clone()) else {
                let why = if state.inventory.account(&account).profiles_src.loaded {
                    "its instance profile holds no role: the instance has no permissions"
                } else {
                    "the instance profiles are not loaded yet: wait a moment"
                };
                info(state, Tone::Info, why);
                return vec![];
            };
            let lines = permission_view_lines(state, &(account.clone(), role.clone()));
            state.overlay = Overlay::Permissions(PermissionsView {
                account,
                role,
                profile: crate::aws::profile_name_from_arn(&arn).to_string(),
                list: crate::tui::app::fuzzy_list::FuzzyList::new(&lines),
            });
        }
        Command::Mark => {
            if let Some(r) = state.selected_row() {
                let key = (r.data.instance.region.clone(), r.data.instance.id.clone());
                if !state.list.marks.remove(&key) {
                    state.list.marks.insert(key);
                }
                move_by(state, 1);
            }
        }
        Command::MarkAll => {
            let shown: Vec<(String, String)> = state
                .list
                .visible
                .iter()
                .filter_map(|&i| state.inventory.rows.get(i))
                .map(|r| (r.data.instance.region.clone(), r.data.instance.id.clone()))
                .collect();
            if !shown.is_empty() && shown.iter().all(|k| state.list.marks.contains(k)) {
                state.list.marks.clear();
            } else {
                state.list.marks.extend(shown);
            }
        }
        Command::OpenRegions => return overlays::open_regions(state),
        Command::OpenAccounts => return overlays::open_accounts(state),
        Command::CopyInstanceId | Command::CopyProfileArn | Command::CopyRoleArn => {
            return copy(state, &cmd);
        }
        Command::SortNext | Command::SortReverse => {
            let sort = &mut state.list.sort;
            if cmd == Command::SortNext {
                sort.column = sort.column.next();
                sort.descending = false;
            } else {
                sort.descending = !sort.descending;
            }
            let (column, descending) = (sort.column, sort.descending);
            state.resort();
            info(
                state,
                Tone::Info,
                format!(
                    "sorted by {}{} (s: next column, S: reverse)",
                    column.label(),
                    if descending { ", descending" } else { "" }
                ),
            );
        }
        Command::Refresh => {
            info(
                state,
                Tone::Info,
                "refreshing profiles, instances and associations",
            );
            // Role permissions are read again when next shown.
            state.inventory.role_rows.clear();
            let mut effects = refresh_all(state);
            for account in state.inventory.shown.clone() {
                let src = &state.inventory.account(&account).identity_src;
                if !src.loaded && !src.in_flight {
                    effects.push(poll::load_identity(state, &account));
                }
            }
            return effects;
        }
        Command::Help => state.overlay = Overlay::Help(0),
        _ => {}
    }
    vec![]
}

/// `c`, `C`, `R`: the selected instance's id, profile ARN or role ARN to the
/// clipboard; the footer says what was copied (or why nothing was).
fn copy(state: &mut State, cmd: &Command) -> Vec<Effect> {
    let Some(row) = state.selected_row() else {
        info(state, Tone::Info, "no instance selected: nothing to copy");
        return vec![];
    };
    let id = row.data.instance.id.clone();
    let profile = row
        .data
        .association
        .as_ref()
        .filter(|a| a.state.is_active())
        .map(|a| a.profile.arn.clone());
    let (what, text) = match cmd {
        Command::CopyInstanceId => ("instance id", Some(id.clone())),
        Command::CopyProfileArn => ("instance profile ARN", profile),
        _ => (
            "role ARN",
            profile
                .as_deref()
                .and_then(|arn| state.role_of(arn))
                .map(|r| r.arn.clone()),
        ),
    };
    match text {
        Some(text) => {
            info(
                state,
                Tone::Success,
                format!(
                    "copied the {what} {} (OSC 52; in tmux: set -g set-clipboard on)",
                    crate::aws::text::sanitize(&text)
                ),
            );
            vec![Effect::Copy(text)]
        }
        None => {
            info(state, Tone::Info, format!("{id} has no {what} to copy"));
            vec![]
        }
    }
}

/// Two clicks on the same row within this long are a double click.
pub const DOUBLE_CLICK: Duration = Duration::from_millis(500);

/// `--mouse`: the wheel scrolls the list or a picker; a click selects a row
/// or a picker entry; a double click opens the picker on an instance, or
/// chooses the entry.
fn on_mouse(state: &mut State, m: crossterm::event::MouseEvent) -> Vec<Effect> {
    use super::layout;
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
            let picker_area = layout::profile_picker_area(layout::screen(state));
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

fn on_filter(state: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Input(c) => {
            state.list.filter.push(c);
            state.list.selected = 0;
            state.apply_filter(true);
        }
        Command::Backspace => {
            state.list.filter.pop();
            state.apply_filter(false);
        }
        Command::Accept => state.list.filter_editing = false,
        Command::Back => {
            state.list.filter_editing = false;
            state.list.filter.clear();
            state.apply_filter(false);
        }
        Command::Down => move_by(state, 1),
        Command::Up => move_by(state, -1),
        _ => {}
    }
    vec![]
}
