//! Changing: planning a change from what is on screen, the confirmation, and
//! what the executor's outcome does to the rows.

use crate::aws::text::sanitize;
use crate::aws::{Association, AssociationState, InstanceProfile};
use crate::core::exec::{Change, ExecError, Outcome};
use crate::core::plan::{self, MutationKind};

use super::super::action::{Effect, Mutation};
use super::super::command::Command;
use super::super::derive::confirm_guard;
use super::super::state::{Confirm, Overlay, RegionData, RoleRows, Skip, State, Tone};
use super::poll::{FAST_POLL, region_data_mut, reload_region};
use super::{info, refuse_read_only};
use crate::core::bulk::Why;

/// Why no change can be planned on this instance now, if so: a change in
/// flight, or an association that is unknown or still loading.
fn blocked(state: &State, region: &str, instance_id: &str) -> Option<String> {
    if state.pending_for(region, instance_id).is_some() {
        return Some(format!(
            "{instance_id}: a change is already in flight; wait for it"
        ));
    }
    state.association_unreadable(region, instance_id)
}

/// The instances a key acts on: the marked ones, else the selected one.
pub(super) fn targets(state: &State) -> Vec<(String, String)> {
    if !state.list.marks.is_empty() {
        // In list order.
        return state
            .inventory
            .rows
            .iter()
            .map(|r| (r.data.instance.region.clone(), r.data.instance.id.clone()))
            .filter(|k| state.list.marks.contains(k))
            .collect();
    }
    state
        .selected_row()
        .map(|r| vec![(r.data.instance.region.clone(), r.data.instance.id.clone())])
        .unwrap_or_default()
}

/// The change that puts `target` (or, `None`, nothing) on one instance, or
/// why there is none: the one planner, behind what only the screen knows (a
/// change in flight, an association unread).
fn plan_one(
    state: &State,
    region: &str,
    instance_id: &str,
    target: Option<&InstanceProfile>,
) -> Result<Change, Why> {
    let row = state
        .row_of(region, instance_id)
        .ok_or_else(|| Why::Said(format!("instance {instance_id} is no longer listed")))?;
    if let Some(why) = blocked(state, region, instance_id) {
        return Err(Why::Said(why));
    }
    plan::change_for(&row.data.instance, row.data.association.as_ref(), target)
        .map_err(Why::Refused)
}

/// Plans `target` (or a detach) on every target instance and asks for
/// confirmation; a single instance that cannot be changed says why at once.
pub(super) fn plan_targets(
    state: &mut State,
    targets: &[(String, String)],
    target: Option<&InstanceProfile>,
    quarantine: bool,
) {
    let mut changes = Vec::new();
    let mut skipped = Vec::new();
    for (region, id) in targets {
        // Each account uses its own profile of the chosen name.
        let account = state
            .row_of(region, id)
            .map(|r| r.data.instance.account.clone())
            .unwrap_or_default();
        let own = match target {
            Some(t) if t.account != account => match state
                .inventory
                .profiles
                .iter()
                .find(|p| p.account == account && p.name == t.name)
            {
                Some(p) => Some(p),
                None => {
                    skipped.push(Skip {
                        account: account.clone(),
                        region: region.clone(),
                        instance_id: id.clone(),
                        from_profile_arn: None,
                        why: Why::NoSuchProfile {
                            account: state.account_label(&account),
                            profile: t.name.clone(),
                        },
                    });
                    continue;
                }
            },
            other => other,
        };
        match plan_one(state, region, id, own) {
            Ok(c) => changes.push(c),
            Err(why) => skipped.push(Skip {
                account: account.clone(),
                region: region.clone(),
                instance_id: id.clone(),
                from_profile_arn: state
                    .row_of(region, id)
                    .and_then(|r| r.data.association.as_ref())
                    .map(|a| a.profile.arn.clone()),
                why,
            }),
        }
    }
    ask(state, changes, skipped, quarantine, None);
}

/// Shows the confirmation for planned changes, or says why there are none.
fn ask(
    state: &mut State,
    changes: Vec<Change>,
    skipped: Vec<Skip>,
    quarantine: bool,
    undo_of: Option<String>,
) {
    if changes.is_empty() {
        let text = match skipped.as_slice() {
            [one] => crate::tui::app::derive::why_text(&one.why),
            _ => format!(
                "nothing to change: all {} instances are skipped ({})",
                skipped.len(),
                skipped
                    .first()
                    .map_or(String::new(), |s| crate::tui::app::derive::why_text(&s.why))
            ),
        };
        let tone = if !skipped.is_empty() && skipped.iter().all(Skip::settled) {
            Tone::Info
        } else {
            Tone::Error
        };
        return info(state, tone, text);
    }
    // Marked rows: how they were chosen (an undo's are the batch's).
    let chosen_by = match (&undo_of, &state.list.marked_with) {
        (None, Some((said, by_hand))) if !state.list.marks.is_empty() => Some(format!(
            "marked with A under {said}{}",
            if *by_hand { ", and by hand" } else { "" }
        )),
        (None, None) if !state.list.marks.is_empty() => Some("marked by hand".to_string()),
        _ => None,
    };
    state.overlay = Overlay::Confirm(Confirm {
        changes,
        skipped,
        typed: String::new(),
        scroll: 0,
        quarantine,
        undo_of,
        chosen_by,
    });
}

/// `u` read the journal: plan putting the latest batch of this account back
/// (neither undone nor itself an undo). Each change is decided from what
/// the instance shows now, its outcome on record or not; an instance changed
/// since is skipped and named.
pub(super) fn plan_undo(
    state: &mut State,
    entries: &[crate::core::journal::Entry],
    named: Option<&str>,
) {
    use crate::core::bulk::{UndoWorld, plan_undo_with};
    let accounts = state.shown_account_ids();
    let batch = match crate::core::bulk::batch_to_undo(entries, named, &accounts) {
        Ok(b) => b,
        Err(e) => return info(state, Tone::Info, e.to_string()),
    };
    let (changes, skipped) = {
        let state: &State = state;
        let row = |e: &crate::core::journal::Entry| {
            state
                .row_of(&e.region, &e.instance_id)
                .map(|r| r.data.clone())
                .ok_or_else(|| Why::Said("not listed (r picks regions)".into()))
        };
        let profile = |_: &crate::core::inventory::InstanceRow, arn: &str| {
            Ok(state.profile_by_arn(arn).cloned())
        };
        let plan = |row: &crate::core::inventory::InstanceRow, target: Option<&InstanceProfile>| {
            plan_one(state, &row.instance.region, &row.instance.id, target)
        };
        plan_undo_with(
            &batch,
            false,
            &UndoWorld {
                row: &row,
                profile: &profile,
                plan: &plan,
                afresh: false,
            },
        )
    };
    let changes: Vec<Change> = changes.into_iter().map(|(c, _)| c).collect();
    // The notes first: a confirmation leaves them in the footer, nothing to
    // change replaces them with why.
    if !batch.notes.is_empty() {
        info(state, Tone::Info, batch.notes.join("; "));
    }
    ask(state, changes, skipped, false, Some(batch.batch.clone()));
}

/// The picker chose `target` for its instances: plan and ask for confirmation.
pub(super) fn choose_profile(
    state: &mut State,
    targets: &[(String, String)],
    target: &InstanceProfile,
) {
    plan_targets(state, targets, Some(target), false);
}

/// `d`: plan detaching the profile of the marked (or selected) instances.
pub(super) fn detach(state: &mut State) -> Vec<Effect> {
    if state.config.read_only {
        refuse_read_only(state);
        return vec![];
    }
    let targets = targets(state);
    if targets.is_empty() {
        info(state, Tone::Info, "no instance selected");
        return vec![];
    }
    plan_targets(state, &targets, None, false);
    vec![]
}

/// `Q`: put the marked (or selected) instances on the configured quarantine profile.
pub(super) fn quarantine(state: &mut State) -> Vec<Effect> {
    if state.config.read_only {
        refuse_read_only(state);
        return vec![];
    }
    let Some(name) = state.config.file.quarantine_profile.clone() else {
        let path = state
            .config
            .config_path
            .clone()
            .unwrap_or_else(|| "the config file".into());
        info(
            state,
            Tone::Error,
            format!(
                "no quarantine profile configured: add quarantine_profile = \"NAME\" to {path} (or pass --config PATH)"
            ),
        );
        return vec![];
    };
    let Some(profile) = state
        .inventory
        .profiles
        .iter()
        .find(|p| p.name == name)
        .cloned()
    else {
        let why = if state.inventory.profiles_loaded() {
            format!(
                "the quarantine profile '{}' is not an instance profile in {}",
                sanitize(&name),
                if state.several_accounts() {
                    "any account shown"
                } else {
                    "this account"
                }
            )
        } else {
            "the instance profiles are not loaded yet: wait a moment, then press Q again"
                .to_string()
        };
        info(state, Tone::Error, why);
        return vec![];
    };
    let targets = targets(state);
    if targets.is_empty() {
        info(state, Tone::Info, "no instance selected");
        return vec![];
    }
    plan_targets(state, &targets, Some(&profile), true);
    vec![]
}

/// y sends the changes (each row shows its own at once); n cancels. In a
/// production account the account's name must be typed, then Enter. The
/// arrows scroll a long list.
pub(super) fn on_confirm(state: &mut State, cmd: Command, mut c: Confirm) -> Vec<Effect> {
    if cmd == Command::Permissions {
        // The full permission diff; Esc comes back here.
        state.overlay = Overlay::Diff(Box::new(c), 0);
        return vec![];
    }
    let scroll_by = |c: &mut Confirm, d: isize| {
        let max = (c.changes.len() + c.skipped.len()) as isize;
        c.scroll = (c.scroll as isize + d).clamp(0, max) as usize;
    };
    match cmd {
        Command::Down | Command::Up | Command::PageDown | Command::PageUp => {
            // A page is what the dialog shows (the screen less its frame).
            let page = (state.size.1 as isize - 8).max(1);
            let d = match cmd {
                Command::Down => 1,
                Command::Up => -1,
                Command::PageDown => page,
                _ => -page,
            };
            scroll_by(&mut c, d);
            state.overlay = Overlay::Confirm(c);
            return vec![];
        }
        _ => {}
    }
    let cmd = match (confirm_guard(state, &c), cmd) {
        (None, cmd) => cmd,
        (Some(_), Command::Input(ch)) => {
            c.typed.push(ch);
            state.overlay = Overlay::Confirm(c);
            return vec![];
        }
        (Some(_), Command::Backspace) => {
            c.typed.pop();
            state.overlay = Overlay::Confirm(c);
            return vec![];
        }
        (Some(name), Command::Accept) if c.typed == name => Command::Yes,
        (Some(name), Command::Accept) => {
            info(
                state,
                Tone::Error,
                format!("production account: type {name} exactly, then Enter (Esc cancels)"),
            );
            state.overlay = Overlay::Confirm(c);
            return vec![];
        }
        (Some(_), Command::No | Command::Back) => Command::No,
        (Some(_), _) => {
            state.overlay = Overlay::Confirm(c);
            return vec![];
        }
    };
    match cmd {
        Command::No => {
            state.overlay = Overlay::None;
            let what = match c.changes.as_slice() {
                [one] => one.instance_id.clone(),
                many => format!("{} changes", many.len()),
            };
            info(
                state,
                Tone::Info,
                format!("{what}: cancelled, nothing changed"),
            );
            vec![]
        }
        Command::Yes => {
            state.overlay = Overlay::None;
            send(state, c.changes, c.undo_of)
        }
        _ => {
            state.overlay = Overlay::Confirm(c);
            vec![]
        }
    }
}

/// `q` or Ctrl-c: quits at once when nothing is pending; during a batch it
/// asks (a sent call is never abandoned).
pub(super) fn quit(state: &mut State) -> Vec<Effect> {
    if state.changes.pending.is_empty() {
        return vec![Effect::Quit];
    }
    // Asked already and asked again (a second q or Ctrl-c): stop, the safe
    // way (what is sent finishes; nothing more starts).
    if matches!(state.overlay, Overlay::QuitBatch) {
        return stop(state);
    }
    if state.changes.stopping {
        let (flight, _) = state.changes.in_flight();
        info(
            state,
            Tone::Info,
            format!("stopping: waiting for {flight} change(s) in flight to come back"),
        );
        return vec![];
    }
    state.overlay = Overlay::QuitBatch;
    vec![]
}

/// Starts no further change; quits once those in flight have come back.
pub(super) fn stop(state: &mut State) -> Vec<Effect> {
    state.changes.stopping = true;
    if matches!(state.overlay, Overlay::QuitBatch) {
        state.overlay = Overlay::None;
    }
    let (flight, waiting) = state.changes.in_flight();
    info(
        state,
        Tone::Info,
        format!("stopping: waiting for {flight} change(s) in flight; {waiting} will not start"),
    );
    let mut effects = vec![Effect::StopChanges];
    if state.changes.pending.is_empty() {
        effects.push(Effect::Quit);
    }
    effects
}

/// Sends confirmed changes as one batch: each row shows its change at once;
/// the header counts them as they finish.
fn send(state: &mut State, changes: Vec<Change>, undo_of: Option<String>) -> Vec<Effect> {
    let batch = state.changes.begin_batch(changes.len(), label(&changes));
    if let Some(p) = &mut state.changes.progress {
        p.undo = undo_of.is_some();
    }
    // The changed rows stay listed under the filter until it changes.
    state.list.pin(
        changes
            .iter()
            .map(|c| (c.region.clone(), c.instance_id.clone())),
    );
    let mut effects = Vec::new();
    if undo_of.is_some() {
        // The roles put back are read afresh: a revocation made during the
        // incident outlives the restore, and the summary says so.
        let mut roles: Vec<(String, String)> = changes
            .iter()
            .filter_map(|c| {
                let profile = state.profile_by_arn(&c.to.as_ref()?.arn)?;
                Some((c.account.clone(), profile.roles.first()?.name.clone()))
            })
            .collect();
        roles.sort();
        roles.dedup();
        for key in &roles {
            state
                .inventory
                .role_rows
                .insert(key.clone(), RoleRows::Loading);
            effects.push(Effect::LoadRolePolicies {
                account: key.0.clone(),
                role: key.1.clone(),
            });
        }
        state.changes.restore_roles = roles;
    }
    let text = match changes.as_slice() {
        [one] => format!(
            "{}: {} sent",
            one.instance_id,
            one.kind.calls().join(", then ")
        ),
        many => format!("{} changes sent", many.len()),
    };
    for change in changes {
        let instance_name = state
            .row_of(&change.region, &change.instance_id)
            .and_then(|r| r.data.instance.name.clone());
        // The journal names the account changed and who changed it there.
        let account = state.account_id(&change.account).map(str::to_string);
        let caller_arn = state
            .inventory
            .account(&change.account)
            .identity
            .as_ref()
            .map(|i| i.arn.clone());
        let op_id = state.changes.begin(change.clone());
        effects.push(Effect::Mutate(Box::new(Mutation {
            op_id,
            batch,
            change,
            instance_name,
            account,
            caller_arn,
            undo_of: undo_of.clone(),
        })));
    }
    info(state, Tone::Info, text);
    effects
}

/// A word for a batch in the header: `swap`, `detach`.
fn label(changes: &[Change]) -> &'static str {
    if changes
        .iter()
        .all(|c| matches!(c.kind, MutationKind::Disassociate { .. }))
    {
        "detach"
    } else {
        "swap"
    }
}

/// What the answer to a change says, applied before the next poll confirms it.
fn settle_locally(d: &mut RegionData, kind: &MutationKind, assoc: Association) {
    match kind {
        MutationKind::Replace { association_id, .. }
        | MutationKind::DetachThenAssociate { association_id, .. } => {
            for a in d
                .associations
                .iter_mut()
                .filter(|a| &a.id == association_id)
            {
                a.state = AssociationState::Disassociating;
            }
        }
        MutationKind::Associate { .. } | MutationKind::Disassociate { .. } => {}
    }
    d.associations.retain(|a| a.id != assoc.id);
    d.associations.push(assoc);
}

/// The executor's outcome: the row shows what AWS said (or what a re-read
/// found), the footer says it, and the region is polled soon.
pub(super) fn on_mutation_done(
    state: &mut State,
    op_id: u64,
    outcome: Box<Outcome>,
) -> Vec<Effect> {
    let Some(pending) = state.changes.finish(op_id) else {
        return vec![];
    };
    let (account, region, instance_id) = (
        pending.change.account,
        pending.change.region,
        pending.change.instance_id,
    );
    let scope = (account, region.clone());
    state
        .changes
        .own
        .insert((region.clone(), instance_id.clone()), state.now);
    let round = state.poll.round;
    let d = region_data_mut(state, &scope);
    // Results of requests already under way were asked before this change.
    d.min_round = round + 1;
    let change = &outcome.change;
    let mut reload = false;
    let (tone, text) = match &outcome.result {
        Ok(assoc) => {
            settle_locally(d, &change.kind, assoc.clone());
            let text = match &change.kind {
                MutationKind::Disassociate { .. } => format!(
                    "{instance_id}: DisassociateIamInstanceProfile accepted, {} is {}",
                    assoc.id, assoc.state
                ),
                _ => format!(
                    "{instance_id}: {} is now {} ({})",
                    change
                        .to
                        .as_ref()
                        .map_or(assoc.profile.name.as_str(), |p| p.name.as_str()),
                    assoc.state,
                    assoc.id
                ),
            };
            (Tone::Success, text)
        }
        Err(e) => {
            let mut text = format!("{instance_id}: {}", e.sentence(&instance_id));
            match e {
                ExecError::Unknown { reread, .. } => {
                    // Show what the re-read found, not what we hoped for.
                    if let Ok(current) = reread.as_ref() {
                        d.associations.retain(|a| a.instance_id != instance_id);
                        d.associations.extend(current.iter().cloned());
                    }
                    reload = true;
                }
                ExecError::Internal(_) => reload = true,
                ExecError::NotJournaled(_) | ExecError::NotStarted => {}
                ExecError::Refused { error, detached } => {
                    if let Some(id) = detached {
                        // The detach went through: the old association is going.
                        for a in d.associations.iter_mut().filter(|a| &a.id == id) {
                            a.state = AssociationState::Disassociating;
                        }
                    }
                    if error.means_stale_view() {
                        text.push_str(" — the view was out of date; refreshing");
                        reload = true;
                    }
                }
            }
            let tone = if outcome.done() {
                Tone::Success
            } else {
                Tone::Error
            };
            (tone, text)
        }
    };
    let done = outcome.done();
    match &outcome.result {
        Err(ExecError::NotStarted) => state.changes.not_started.push(instance_id.clone()),
        Err(ExecError::Unknown { .. } | ExecError::Internal(_)) if !done => {
            state.changes.unknown.push(instance_id.clone());
        }
        _ => {}
    }
    let text = match &outcome.journal_error {
        Some(why) => {
            state
                .changes
                .unrecorded
                .push((instance_id.clone(), why.clone()));
            format!(
                "{text} — its outcome could not be journaled ({}): the journal shows it as unknown",
                crate::aws::text::one_line(why)
            )
        }
        None => text,
    };
    let tone = if outcome.journal_error.is_some() {
        Tone::Error
    } else {
        tone
    };
    if done {
        // Done: no longer marked. A failed one stays marked, so the same keys retry it.
        state
            .list
            .marks
            .remove(&(region.clone(), instance_id.clone()));
    }
    let short = outcome.result.as_ref().err().map(|e| match e.error() {
        Some(api) => format!("{} {}", api.short(), api.action),
        None => e.to_string(),
    });
    // A role the instance no longer runs with: its credentials live on.
    let left_role = change
        .from
        .as_ref()
        .and_then(|p| state.role_of(&p.arn))
        .map(|r| r.name.clone())
        .filter(|old| {
            change
                .to
                .as_ref()
                .and_then(|p| state.role_of(&p.arn))
                .map(|r| &r.name)
                != Some(old)
        });
    // Credentials issued under a role the instance left live on: K offers it.
    let undoing = state.changes.progress.as_ref().is_some_and(|p| p.undo);
    if let Some(old) = left_role.clone().filter(|_| done && !undoing) {
        let key = (change.account.clone(), old);
        if pending.batch == state.changes.next_batch && !state.changes.moved_off.contains(&key) {
            state.changes.moved_off.push(key);
        }
    }
    let unrecorded_note = outcome.journal_error.is_some();
    match state
        .changes
        .finish_in_batch(pending.batch, done && !unrecorded_note, short)
    {
        // One change: its own sentence.
        Some(progress) if progress.total == 1 => {
            let mut text = text;
            if let Some(old) = left_role.filter(|_| done && !undoing) {
                text.push_str(&format!(
                    " — credentials issued under {old} stay valid until they expire: K revokes them"
                ));
            }
            info(state, tone, text);
            report_restore(state);
        }
        Some(progress) => {
            let failed = progress.total - progress.ok;
            let mut summary = format!("{} changed", progress.ok);
            if failed > 0 {
                summary.push_str(&format!(
                    ", {failed} failed: {} (still marked: the same keys retry them)",
                    progress.first_error.as_deref().unwrap_or("")
                ));
            }
            if let Some((_, role)) = state.changes.moved_off.first() {
                // A role of one name in several accounts is one role to K.
                let mut names: Vec<&str> = state
                    .changes
                    .moved_off
                    .iter()
                    .map(|(_, r)| r.as_str())
                    .collect();
                names.sort();
                names.dedup();
                let accounts = state
                    .changes
                    .moved_off
                    .iter()
                    .filter(|(_, r)| r == role)
                    .count();
                summary.push_str(&format!(
                    " — credentials issued under {role}{}{} stay valid until they expire: K revokes them",
                    if accounts > 1 {
                        format!(" (in {accounts} accounts)")
                    } else {
                        String::new()
                    },
                    match names.len() {
                        1 => String::new(),
                        n => format!(" and {} more role{}", n - 1, if n == 2 { "" } else { "s" }),
                    }
                ));
            }
            let tone = if failed > 0 {
                Tone::Error
            } else {
                Tone::Success
            };
            info(state, tone, summary);
            report_restore(state);
        }
        // A batch under way: the header counts; the footer waits for the end.
        None => {}
    }
    state.rebuild_rows();
    let effects = if reload {
        reload_region(state, &scope)
    } else {
        Vec::new()
    };
    let soon = state.now + FAST_POLL;
    let src = &mut region_data_mut(state, &scope).associations_src;
    src.next_at = src.next_at.min(soon);
    let mut effects = effects;
    if state.changes.stopping && state.changes.pending.is_empty() {
        effects.push(Effect::Quit);
    }
    effects
}

/// Once an undo has finished and the roles it put back are read: names
/// each revocation policy still on them, with its age, after the summary.
pub(super) fn report_restore(state: &mut State) {
    let roles = &state.changes.restore_roles;
    let running = state.changes.progress.as_ref().is_some_and(|p| p.running());
    if roles.is_empty()
        || running
        || roles
            .iter()
            .any(|k| matches!(state.inventory.role_rows.get(k), Some(RoleRows::Loading)))
    {
        return;
    }
    let now = state
        .config
        .started_at
        .map(|t| t + state.now)
        .unwrap_or_else(std::time::SystemTime::now);
    let several = state.several_accounts();
    // Each role once, with the accounts where it still has the policy.
    let mut found: Vec<(String, Vec<String>, String)> = Vec::new();
    for (account, role) in std::mem::take(&mut state.changes.restore_roles) {
        let Some(RoleRows::Loaded(rows)) = state
            .inventory
            .role_rows
            .get(&(account.clone(), role.clone()))
        else {
            continue;
        };
        let Some(before) = crate::core::revoke::revoked_before(rows) else {
            continue;
        };
        let place = state.account_label(&account);
        match found.iter_mut().find(|(r, _, _)| *r == role) {
            Some((_, places, _)) => places.push(place),
            None => found.push((role, vec![place], before)),
        }
    }
    let notes: Vec<String> = found
        .into_iter()
        .map(|(role, places, before)| {
            let place = if several {
                format!(" in {}", places.join(", "))
            } else {
                String::new()
            };
            let age = crate::core::revoke::age(&before, now);
            crate::core::revoke::still_revoked_note(&role, &place, &before, age.as_deref())
        })
        .collect();
    if notes.is_empty() {
        return;
    }
    let (tone, text) = match &state.message {
        Some(m) => (m.tone, format!("{} — {}", m.text, notes.join("; "))),
        None => (Tone::Info, notes.join("; ")),
    };
    info(state, tone, text);
}
