//! The keys of the reading overlays and the revoke dialog: help, permissions,
//! the profiles view, a confirmation's diff, outside changes, the journal,
//! and typing a role's name to revoke its sessions. Each gets its overlay by
//! value and puts it back while it stays open.

use super::*;
use crate::tui::app::fuzzy_list::{FuzzyList, ListEvent};
use crate::tui::app::state::{Confirm, ContainDialog, ContainPhase, RevokeConfirm, RevokeTarget};

/// `?`: scrolls as far as the last line at the bottom of the popup (the
/// dialog area less a line above and below, less the border).
pub(super) fn on_help(state: &mut State, cmd: Command, scroll: usize) -> Vec<Effect> {
    let lines = crate::tui::app::keymap::HELP.len();
    let rows = (layout::dialog_area(state).height as usize)
        .saturating_sub(4)
        .min(lines);
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
    if cmd == Command::Revoke {
        // `K` on a row: its role, in every account shown.
        let picked = list
            .current()
            .and_then(|i| state.inventory.profiles.get(i))
            .map(|p| (p.name.clone(), p.roles.first().map(|r| r.name.clone())));
        match picked {
            Some((_, Some(role))) => open_revoke(state, &role),
            Some((profile, None)) => {
                state.overlay = Overlay::Profiles(list);
                info(
                    state,
                    Tone::Info,
                    format!(
                        "profile {} holds no role: nothing to revoke",
                        crate::aws::text::sanitize(&profile)
                    ),
                );
            }
            None => state.overlay = Overlay::Profiles(list),
        }
        return vec![];
    }
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

/// `K` (on the list, or on a row of `P`): the dialog revoking the older
/// sessions of every role of this name, in each account shown that has one.
pub(super) fn open_revoke(state: &mut State, role: &str) {
    if state.config.read_only {
        return refuse_read_only(state);
    }
    let targets: Vec<RevokeTarget> = state
        .inventory
        .shown
        .iter()
        .filter_map(|account| {
            let holders: Vec<&crate::aws::InstanceProfile> = state
                .inventory
                .profiles
                .iter()
                .filter(|p| &p.account == account && p.roles.iter().any(|r| r.name == role))
                .collect();
            if holders.is_empty() {
                return None;
            }
            let arns: Vec<&str> = holders.iter().map(|p| p.arn.as_str()).collect();
            let instance_names: Vec<String> = state
                .inventory
                .rows
                .iter()
                .filter(|r| {
                    r.data.association.as_ref().is_some_and(|a| {
                        a.state.is_active() && arns.contains(&a.profile.arn.as_str())
                    })
                })
                .map(|r| format!("{} ({})", r.data.instance.id, r.name))
                .collect();
            Some(RevokeTarget {
                account: account.clone(),
                profiles: holders.iter().map(|p| p.name.clone()).collect(),
                instances: arns.iter().map(|arn| state.instances_using(arn)).sum(),
                instance_names,
            })
        })
        .collect();
    if targets.is_empty() {
        return info(
            state,
            Tone::Error,
            format!(
                "no instance profile of the accounts shown holds role {}: nothing to revoke",
                crate::aws::text::sanitize(role)
            ),
        );
    }
    state.overlay = Overlay::Revoke(RevokeConfirm {
        role: role.to_string(),
        targets,
        typed: String::new(),
    });
}

/// `K`: the role's name typed (and each production account's), Enter
/// revokes in every account listed; anything else keeps asking.
pub(super) fn on_revoke(state: &mut State, cmd: Command, mut r: RevokeConfirm) -> Vec<Effect> {
    let expected = crate::tui::app::derive::revoke_guard(state, &r);
    match cmd {
        Command::Input(c) => r.typed.push(c),
        Command::Backspace => {
            r.typed.pop();
        }
        Command::Accept if r.typed.split_whitespace().eq(expected.split_whitespace()) => {
            let accounts = r.targets.len();
            info(
                state,
                Tone::Info,
                format!(
                    "revoking the older sessions of {} in {accounts} account{}",
                    r.role,
                    if accounts == 1 { "" } else { "s" }
                ),
            );
            state.changes.revoking = r
                .targets
                .iter()
                .map(|t| (t.account.clone(), None))
                .collect();
            return r
                .targets
                .into_iter()
                .map(|t| {
                    let identity = state.inventory.account(&t.account).identity.as_ref();
                    Effect::RevokeSessions {
                        role: r.role.clone(),
                        account: state.account_id(&t.account).map(str::to_string),
                        caller_arn: identity.map(|i| i.arn.clone()),
                        key: t.account,
                    }
                })
                .collect();
        }
        Command::Accept => info(
            state,
            Tone::Error,
            format!("type {expected} exactly, then Enter (Esc cancels)"),
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

/// `X`: asks for the case id (a default offered) of containing the selected
/// (or marked) instances.
pub(super) fn open_contain(state: &mut State) {
    if state.config.read_only {
        return refuse_read_only(state);
    }
    if state.config.file.quarantine_profile.is_none() {
        return info(
            state,
            Tone::Error,
            "no quarantine profile: set quarantine_profile in the config file (rolecall config path)",
        );
    }
    let ids: Vec<String> = super::changes::targets(state)
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    if ids.is_empty() {
        return info(state, Tone::Info, "no instance selected");
    }
    let now = state
        .config
        .started_at
        .map(|t| t + state.now)
        .unwrap_or(std::time::UNIX_EPOCH + state.now);
    state.overlay = Overlay::Contain(ContainDialog {
        ids,
        case: crate::core::contain::default_case(now),
        phase: ContainPhase::Case,
        typed: String::new(),
        scroll: 0,
    });
}

/// `X`'s dialog: the case id typed, Enter plans; then y (or each
/// production account's name, Enter) runs it; Esc cancels.
pub(super) fn on_contain(state: &mut State, cmd: Command, mut d: ContainDialog) -> Vec<Effect> {
    if matches!(cmd, Command::No | Command::Back) {
        info(state, Tone::Info, "containment cancelled, nothing changed");
        return vec![];
    }
    match (&d.phase, cmd) {
        (ContainPhase::Case, Command::Input(c)) => d.case.push(c),
        (ContainPhase::Case, Command::Backspace) => {
            d.case.pop();
        }
        (ContainPhase::Case, Command::Accept) => {
            if let Err(e) = crate::core::contain::check_case(&d.case) {
                info(state, Tone::Error, e.to_string());
            } else {
                d.phase = ContainPhase::Planning;
                let effect = Effect::PlanContain {
                    ids: d.ids.clone(),
                    case: d.case.clone(),
                    to: state
                        .config
                        .file
                        .quarantine_profile
                        .clone()
                        .unwrap_or_default(),
                    regions: state.inventory.regions.clone(),
                };
                info(
                    state,
                    Tone::Info,
                    format!("reading what containing {} instance(s) takes…", d.ids.len()),
                );
                state.overlay = Overlay::Contain(d);
                return vec![effect];
            }
        }
        (ContainPhase::Confirm(_), Command::Down) => d.scroll += 1,
        (ContainPhase::Confirm(_), Command::Up) => d.scroll = d.scroll.saturating_sub(1),
        (ContainPhase::Confirm(_), Command::PageDown) => d.scroll += 10,
        (ContainPhase::Confirm(_), Command::PageUp) => d.scroll = d.scroll.saturating_sub(10),
        (ContainPhase::Confirm(plan), cmd) => {
            let guard = crate::tui::app::derive::contain_guard(state, plan);
            let yes = match typed_answer(state, guard.as_deref(), &mut d.typed, &cmd) {
                Answer::Yes => true,
                Answer::No => {
                    info(state, Tone::Info, "containment cancelled, nothing changed");
                    return vec![];
                }
                Answer::Waiting => false,
            };
            if yes {
                // rolecall's own swaps: the polls must not call them outside changes.
                let now = state.now;
                for t in &plan.targets {
                    state
                        .changes
                        .own
                        .insert((t.region.clone(), t.instance_id.clone()), now);
                }
                let n = plan.targets.len();
                info(
                    state,
                    Tone::Info,
                    format!("containing {n} instance(s), case {}…", d.case),
                );
                return vec![Effect::RunContain(plan.clone())];
            }
        }
        _ => {}
    }
    state.overlay = Overlay::Contain(d);
    vec![]
}

/// `I`: moves through the cases; `R` asks to release the selected one, `y`
/// releases it (read-only refuses).
pub(super) fn on_cases(
    state: &mut State,
    cmd: Command,
    mut v: crate::tui::app::state::CasesView,
) -> Vec<Effect> {
    let n = match &v.data {
        Some(Ok((records, _))) => records.len(),
        _ => 0,
    };
    match cmd {
        Command::Back => return vec![],
        Command::Down => v.selected = (v.selected + 1).min(n.saturating_sub(1)),
        Command::Up => v.selected = v.selected.saturating_sub(1),
        Command::Undo if n > 0 => {
            if state.config.read_only {
                refuse_read_only(state);
            } else {
                v.releasing = true;
            }
        }
        Command::No => {
            v.releasing = false;
            v.typed.clear();
        }
        cmd @ (Command::Input(_) | Command::Accept | Command::Backspace) if v.releasing => {
            let Some(Ok((records, _))) = &v.data else {
                state.overlay = Overlay::Cases(v);
                return vec![];
            };
            let Some(c) = records.get(v.selected).cloned() else {
                state.overlay = Overlay::Cases(v);
                return vec![];
            };
            let guard = crate::tui::app::derive::case_guard(state, &c);
            let go = match typed_answer(state, guard.as_deref(), &mut v.typed, &cmd) {
                Answer::Yes => true,
                Answer::No => {
                    v.releasing = false;
                    false
                }
                Answer::Waiting => false,
            };
            if go {
                v.releasing = false;
                v.typed.clear();
                let case = c.case.clone();
                // The release's swaps are rolecall's own.
                let now = state.now;
                for i in &c.instances {
                    state
                        .changes
                        .own
                        .insert((i.region.clone(), i.instance_id.clone()), now);
                }
                info(state, Tone::Info, format!("releasing case {case}…"));
                state.overlay = Overlay::Cases(v);
                return vec![Effect::ReleaseCase {
                    case,
                    regions: state.inventory.regions.clone(),
                }];
            }
        }
        _ => {}
    }
    state.overlay = Overlay::Cases(v);
    vec![]
}

/// An answer to a dialog that is No unless said: `y` or Enter, or, where a
/// production account is touched, its name typed and Enter.
enum Answer {
    Yes,
    No,
    Waiting,
}

/// Reads one key of such an answer (`guard`: the production names to type).
fn typed_answer(
    state: &mut State,
    guard: Option<&str>,
    typed: &mut String,
    cmd: &Command,
) -> Answer {
    match (guard, cmd) {
        (None, Command::Input('y') | Command::Accept) => Answer::Yes,
        (None, Command::Input('n')) => Answer::No,
        (Some(_), Command::Input(c)) => {
            typed.push(*c);
            Answer::Waiting
        }
        (Some(_), Command::Backspace) => {
            typed.pop();
            Answer::Waiting
        }
        (Some(g), Command::Accept) if typed.split_whitespace().eq(g.split_whitespace()) => {
            Answer::Yes
        }
        (Some(g), Command::Accept) => {
            info(
                state,
                Tone::Error,
                format!("production account: type {g} exactly, then Enter (Esc cancels)"),
            );
            Answer::Waiting
        }
        _ => Answer::Waiting,
    }
}
