//! Changing: planning a change from what is on screen, the confirmation, and
//! what the executor's outcome does to the rows.

use crate::aws::{Association, AssociationState, InstanceProfile, ProfileSummary};
use crate::exec::{Change, ExecError, Outcome};
use crate::plan::{self, MutationKind};
use crate::text::sanitize;

use super::super::action::{Effect, Mutation};
use super::super::keymap::Command;
use super::super::state::{Confirm, Overlay, RegionData, State, Tone};
use super::poll::{FAST_POLL, d_of, reload_region};
use super::{info, read_only};

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

/// The picker chose `target` for the instance: plan it and ask for confirmation.
pub(super) fn choose_profile(
    state: &mut State,
    region: &str,
    instance_id: &str,
    target: &InstanceProfile,
) {
    let Some(row) = state.row_of(region, instance_id).cloned() else {
        return info(
            state,
            Tone::Error,
            format!("instance {instance_id} is no longer listed"),
        );
    };
    if let Some(why) = blocked(state, region, instance_id) {
        return info(state, Tone::Error, why);
    }
    let current = row.data.association.as_ref();
    let plan = match plan::plan_set(&row.data.instance, current, target) {
        Ok(plan) => plan,
        Err(refusal) => return info(state, Tone::Error, refusal.0),
    };
    let Some(kind) = MutationKind::for_set(&plan, &target.arn) else {
        return info(
            state,
            Tone::Info,
            format!(
                "{instance_id} already has instance profile {}; nothing to do",
                sanitize(&target.name)
            ),
        );
    };
    state.overlay = Overlay::Confirm(Confirm {
        change: Change {
            region: region.to_string(),
            instance_id: instance_id.to_string(),
            kind,
            from: current.map(|a| a.profile.clone()),
            to: Some(ProfileSummary::new(&target.arn, &target.id)),
        },
        typed: String::new(),
    });
}

/// `d`: plan detaching the selected instance's profile and ask for confirmation.
pub(super) fn detach(state: &mut State) -> Vec<Effect> {
    if state.config.read_only {
        read_only(state);
        return vec![];
    }
    let Some(row) = state.selected_row().cloned() else {
        info(state, Tone::Info, "no instance selected");
        return vec![];
    };
    let inst = &row.data.instance;
    if let Some(why) = blocked(state, &inst.region, &inst.id) {
        info(state, Tone::Error, why);
        return vec![];
    }
    let current = row.data.association.as_ref();
    let association_id = match plan::plan_detach(inst, current) {
        Ok(id) => id,
        Err(refusal) => {
            info(state, Tone::Error, refusal.0);
            return vec![];
        }
    };
    state.overlay = Overlay::Confirm(Confirm {
        change: Change {
            region: inst.region.clone(),
            instance_id: inst.id.clone(),
            kind: MutationKind::Disassociate { association_id },
            from: current.map(|a| a.profile.clone()),
            to: None,
        },
        typed: String::new(),
    });
    vec![]
}

/// y sends the change (the row shows it at once); n cancels. In a
/// production account the account's name must be typed, then Enter.
pub(super) fn on_confirm(state: &mut State, cmd: Command, mut c: Confirm) -> Vec<Effect> {
    let id = c.change.instance_id.clone();
    let cmd = match (state.production_guard(), cmd) {
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
        (Some(_), _) => return vec![],
    };
    match cmd {
        Command::No => {
            state.overlay = Overlay::None;
            info(
                state,
                Tone::Info,
                format!("{id}: cancelled, nothing changed"),
            );
            vec![]
        }
        Command::Yes => {
            state.overlay = Overlay::None;
            let change = c.change;
            let instance_name = state
                .row_of(&change.region, &change.instance_id)
                .and_then(|r| r.data.instance.name.clone());
            let identity = state.inventory.identity.as_ref();
            let (account, caller_arn) = (
                identity.map(|i| i.account.clone()),
                identity.map(|i| i.arn.clone()),
            );
            let op_id = state.changes.begin(change.clone());
            info(
                state,
                Tone::Info,
                format!("{id}: {} sent", change.kind.calls().join(", then ")),
            );
            vec![Effect::Mutate(Box::new(Mutation {
                op_id,
                batch: op_id,
                change,
                instance_name,
                account,
                caller_arn,
            }))]
        }
        _ => vec![],
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
    let (region, instance_id) = (pending.change.region, pending.change.instance_id);
    let round = state.poll.round;
    let d = d_of(state, &region);
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
                ExecError::NotJournaled(_) => {}
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
    info(state, tone, text);
    state.rebuild_rows();
    let effects = if reload {
        reload_region(state, &region)
    } else {
        Vec::new()
    };
    let soon = state.now + FAST_POLL;
    let src = &mut d_of(state, &region).associations_src;
    src.next_at = src.next_at.min(soon);
    effects
}
