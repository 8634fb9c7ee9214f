//! `update`: the TUI's behaviour. Pure and synchronous: no I/O, no clock reads,
//! no `.await`; what must happen outside comes back as [`Effect`]s.
//!
//! By concern: [`poll`] (reading, per-source backoff), [`changes`] (planning,
//! confirming, outcomes), [`overlays`] (the pickers); keys and dispatch here.

mod changes;
mod dialogs;
mod history;
mod keys;
mod loaded;
mod mouse;
mod overlays;
mod poll;

use std::time::Duration;

pub use super::state::MAX_BACKOFF;
pub use poll::{FAST_POLL, INSTANCE_REFRESH};

use super::action::{Action, Effect, JournalPurpose};
use super::command::Command;
use super::derive::{permission_view_lines, profile_view_lines};
use super::keymap;
use super::layout;
use super::state::{
    Focus, JournalView, Message, Overlay, PermissionsView, RoleKey, RoleRows, State, Tone,
};
use keys::{on_filter, on_main};
pub use mouse::DOUBLE_CLICK;
use mouse::on_mouse;
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
        Action::Key(key) if layout::too_small(state) => {
            use crossterm::event::{KeyCode, KeyModifiers};
            let quit = key.code == KeyCode::Char('q')
                || (key.code == KeyCode::Char('c')
                    && key.modifiers.contains(KeyModifiers::CONTROL));
            if quit { changes::quit(state) } else { vec![] }
        }
        Action::Mouse(_) if layout::too_small(state) => vec![],
        Action::Key(key) => {
            state.list.cursor_touched = true;
            let cmd = keymap::command(state, key);
            let shown = shown(state);
            let said = state.message.clone();
            let mut effects = on_command(state, cmd);
            derive_access(state);
            // A message describes what was shown: a key that changes the
            // view without saying anything new lets it go.
            if state.message.is_some() && state.message == said && shown != self::shown(state) {
                state.message = None;
                clamp_after_layout_change(state);
            }
            effects.extend(load_permissions_shown(state));
            effects
        }
        Action::Mouse(m) => {
            state.list.cursor_touched = true;
            let mut effects = on_mouse(state, m);
            derive_access(state);
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
            let mut effects = schedule(state);
            effects.extend(load_last_used_shown(state));
            effects.extend(history::on_tick(state));
            // An open journal is read again each poll interval: another
            // responder's batch (a team's journal) appears.
            let interval = state.config.poll_interval;
            if let Overlay::Journal(v) = &mut state.overlay
                && !v.refreshing
                && now.saturating_sub(v.read_at) >= interval
            {
                v.refreshing = true;
                effects.push(Effect::ReadJournal(JournalPurpose::Refresh));
            }
            effects
        }
        Action::IdentityLoaded { account, result } => loaded::identity(state, account, result),
        Action::ProfilesLoaded { account, result } => loaded::profiles(state, account, result),
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
        Action::ContainPlanned { case, result } => loaded::contain_planned(state, &case, result),
        Action::CasesLoaded { result } => {
            if let Overlay::Cases(v) = &mut state.overlay {
                v.data = Some(result);
            }
            vec![]
        }
        Action::CaseReleased { case, result } => loaded::case_released(state, &case, result),
        Action::ContainDone { case, steps } => loaded::contain_done(state, &case, &steps),
        Action::SessionsRevoked { key, role, result } => {
            loaded::sessions_revoked(state, &key, &role, result)
        }
        Action::HistoryProgress {
            account,
            region,
            progress,
        } => {
            history::progress(state, (account, region), progress);
            vec![]
        }
        Action::HistoryLoaded {
            account,
            region,
            result,
            journal_requests,
        } => {
            history::loaded(state, (account, region), result, &journal_requests);
            vec![]
        }
        Action::RoleLastUsedLoaded {
            account,
            role,
            result,
        } => {
            state
                .inventory
                .role_last_used
                .insert((account, role), Some(result));
            vec![]
        }
        Action::RolePoliciesLoaded {
            account,
            role,
            result,
        } => loaded::role_policies(state, (account, role), result),
        Action::JournalRead { purpose, result } => {
            // `u` opens a confirmation: its roles' permissions are read too.
            let mut effects = loaded::journal(state, purpose, result);
            effects.extend(load_permissions_shown(state));
            derive_access(state);
            effects
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

/// What the screen shows, as far as a footer message may describe it: the
/// overlay (its kind) and the filters.
fn shown(
    state: &State,
) -> (
    std::mem::Discriminant<Overlay>,
    (String, Option<String>, Option<String>),
) {
    (std::mem::discriminant(&state.overlay), state.list.filters())
}

/// Computes what the confirmation on screen needs and is not known yet: for
/// each distinct from → to of its changes whose roles are read, the access
/// gained and lost (evaluated once, here, never while drawing).
fn derive_access(state: &mut State) {
    let c = match &state.overlay {
        Overlay::Confirm(c) => c,
        Overlay::Diff(c, _) => c.as_ref(),
        _ => return,
    };
    let mut todo = Vec::new();
    for ch in &c.changes {
        let side = |p: Option<&crate::aws::ProfileSummary>| {
            state.evaluated_role(p.map(|p| p.arn.as_str()))
        };
        if let (Ok(Some(from)), Ok(Some(to))) = (side(ch.from.as_ref()), side(ch.to.as_ref())) {
            let key = (from, to);
            if !state.inventory.access_diffs.contains_key(&key) && !todo.contains(&key) {
                todo.push(key);
            }
        }
    }
    let none = crate::core::eval::RolePolicies::default();
    for key in todo {
        let policies = |k: &Option<RoleKey>| {
            k.as_ref()
                .and_then(|k| state.inventory.role_eval.get(k))
                .unwrap_or(&none)
        };
        let diff = crate::core::effective::diff(policies(&key.0), policies(&key.1));
        state.inventory.access_diffs.insert(key, diff);
    }
}

/// The detail pane's role: when it was last used, read once.
fn load_last_used_shown(state: &mut State) -> Vec<Effect> {
    let key = state.selected_row().and_then(|r| {
        let a = r.data.association.as_ref()?;
        let role = state.role_of(&a.profile.arn)?;
        Some((r.data.instance.account.clone(), role.name.clone()))
    });
    match key {
        Some(key) if !state.inventory.role_last_used.contains_key(&key) => {
            state.inventory.role_last_used.insert(key.clone(), None);
            vec![Effect::LoadRoleLastUsed {
                account: key.0,
                role: key.1,
            }]
        }
        _ => vec![],
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

fn refuse_read_only(state: &mut State) {
    info(
        state,
        Tone::Error,
        "read-only mode: rolecall was started with --read-only, so it changes nothing",
    );
}

/// A command, to whatever has the keys: the overlay on top (taken out of
/// the state, and put back by its handler while it stays open), else the
/// filter being typed, else the list.
fn on_command(state: &mut State, cmd: Command) -> Vec<Effect> {
    if cmd == Command::Quit {
        return changes::quit(state);
    }
    match std::mem::replace(&mut state.overlay, Overlay::None) {
        Overlay::QuitBatch => match cmd {
            Command::WaitAndQuit => changes::stop(state),
            Command::Back => vec![],
            _ => {
                state.overlay = Overlay::QuitBatch;
                vec![]
            }
        },
        Overlay::Confirm(c) => changes::on_confirm(state, cmd, c),
        Overlay::Help(scroll) => dialogs::on_help(state, cmd, scroll),
        Overlay::Detail => {
            if cmd != Command::Back {
                state.overlay = Overlay::Detail;
            }
            vec![]
        }
        Overlay::Permissions(pv) => dialogs::on_permissions(state, cmd, pv),
        Overlay::Profiles(list) => dialogs::on_profiles(state, cmd, list),
        Overlay::Revoke(r) => dialogs::on_revoke(state, cmd, r),
        Overlay::Contain(d) => dialogs::on_contain(state, cmd, d),
        Overlay::Cases(v) => dialogs::on_cases(state, cmd, v),
        Overlay::Diff(c, scroll) => dialogs::on_diff(state, cmd, c, scroll),
        Overlay::Outside(scroll) => dialogs::on_outside(state, cmd, scroll),
        Overlay::History(v) => history::on_history(state, cmd, v),
        Overlay::Journal(j) => dialogs::on_journal(state, cmd, j),
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
