//! `update`: the TUI's behaviour. Pure and synchronous: no I/O, no clock reads,
//! no `.await`; what must happen outside comes back as [`Effect`]s.

use std::time::Duration;

use crate::aws::{ApiError, Association, AssociationState, InstanceProfile};
use crate::exec::ExecError;
use crate::plan::{self, SetPlan};
use crate::text::sanitize;

use super::action::{Action, Effect, Mutation, MutationKind};
use super::keymap::{self, Command};
use super::matching;
use super::state::{
    Confirm, Focus, Message, Overlay, Pending, Picker, RegionPicker, State, Tone, profile_line,
};

/// How often associations are polled while something is changing.
pub const FAST_POLL: Duration = Duration::from_secs(1);
/// How often instances are re-read.
pub const INSTANCE_REFRESH: Duration = Duration::from_secs(60);
pub use super::state::MAX_BACKOFF;

/// The effects that start the TUI: who am I, profiles, instances, associations.
pub fn init(state: &mut State) -> Vec<Effect> {
    state.identity_src.start();
    let mut effects = vec![Effect::LoadIdentity];
    effects.extend(refresh_all(state));
    effects
}

/// Applies one action; returns what the runtime must do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => {
            state.cursor_touched = true;
            let cmd = keymap::command(state, key);
            on_command(state, cmd)
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
        Action::IdentityLoaded(result) => {
            match result {
                Ok(id) => {
                    state.identity = Some(id);
                    // Loaded once; Ctrl-r asks again.
                    state.identity_src.succeed(state.now, Duration::MAX);
                }
                Err(e) => state.identity_src.fail(state.now, e),
            }
            vec![]
        }
        Action::ProfilesLoaded(result) => {
            match result {
                Ok(mut profiles) => {
                    profiles.sort_by(|a, b| a.name.cmp(&b.name));
                    state.profile_lines = profiles.iter().map(profile_line).collect();
                    state.profiles = profiles;
                    state.profiles_src.succeed(state.now, Duration::MAX);
                    if let Overlay::Picker(p) = &mut state.overlay {
                        p.matches = matching::rank(&state.profile_lines, &p.query);
                        p.selected = 0;
                    }
                }
                Err(e) => state.profiles_src.fail(state.now, e),
            }
            clamp_after_layout_change(state);
            vec![]
        }
        Action::RegionsLoaded(result) => {
            if let Overlay::Regions(rp) = &mut state.overlay {
                match result {
                    Ok(all) => {
                        rp.matches = matching::rank(&all, &rp.query);
                        rp.all = Some(all);
                        rp.error = None;
                    }
                    Err(e) => rp.error = Some(e.sentence()),
                }
            }
            vec![]
        }
        Action::InstancesLoaded {
            generation,
            region,
            result,
        } => on_instances(state, generation, region, result),
        Action::AssociationsLoaded {
            generation,
            round,
            region,
            result,
        } => on_associations(state, generation, round, region, result),
        Action::MutationStep { op_id, note } => {
            if state.pending.values().any(|p| p.op_id == op_id) {
                info(state, Tone::Info, note);
            }
            vec![]
        }
        Action::MutationDone { op_id, result } => on_mutation_done(state, op_id, result),
    }
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

/// Asks for a region's associations now (a fresh request number).
fn load_associations(state: &mut State, region: &str) -> Effect {
    state.poll.round += 1;
    state
        .region_data
        .entry(region.to_string())
        .or_default()
        .associations_src
        .start();
    Effect::LoadAssociations {
        generation: state.generation,
        round: state.poll.round,
        region: region.to_string(),
    }
}

/// Asks for a region's instances now.
fn load_instances(state: &mut State, region: &str) -> Effect {
    state
        .region_data
        .entry(region.to_string())
        .or_default()
        .instances_src
        .start();
    Effect::LoadInstances {
        generation: state.generation,
        region: region.to_string(),
    }
}

/// Re-reads one region now (what is already being read is left to arrive).
fn reload_region(state: &mut State, region: &str) -> Vec<Effect> {
    let d = state.region_data.entry(region.to_string()).or_default();
    let (instances_out, associations_out) =
        (d.instances_src.in_flight, d.associations_src.in_flight);
    let mut effects = Vec::new();
    if !instances_out {
        effects.push(load_instances(state, region));
    }
    if !associations_out {
        effects.push(load_associations(state, region));
    } else {
        // The answer under way was asked before now: ask again when it lands.
        d_of(state, region).associations_src.next_at = state.now;
    }
    effects
}

fn d_of<'a>(state: &'a mut State, region: &str) -> &'a mut super::state::RegionData {
    state.region_data.entry(region.to_string()).or_default()
}

/// Everything now: profiles, instances, associations (what is not already out).
fn refresh_all(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if !state.profiles_src.in_flight {
        state.profiles_src.start();
        effects.push(Effect::LoadProfiles);
    }
    for region in state.regions.clone() {
        effects.extend(reload_region(state, &region));
    }
    effects
}

/// Decides, on each tick, which reads are due: each source on its own clock.
fn schedule(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let mut effects = Vec::new();
    if state.identity_src.due(now) && !state.identity_src.loaded {
        state.identity_src.start();
        effects.push(Effect::LoadIdentity);
    }
    if state.profiles_src.due(now) && !state.profiles_src.loaded {
        state.profiles_src.start();
        effects.push(Effect::LoadProfiles);
    }
    for region in state.regions.clone() {
        let d = d_of(state, &region);
        let (instances_due, associations_due) =
            (d.instances_src.due(now), d.associations_src.due(now));
        if instances_due {
            effects.push(load_instances(state, &region));
        }
        if associations_due {
            effects.push(load_associations(state, &region));
        }
    }
    effects
}

fn on_instances(
    state: &mut State,
    generation: u64,
    region: String,
    result: Result<Vec<crate::aws::Instance>, ApiError>,
) -> Vec<Effect> {
    if generation != state.generation {
        return vec![];
    }
    let now = state.now;
    match result {
        Ok(instances) => {
            state.set_instances(&region, instances);
            d_of(state, &region)
                .instances_src
                .succeed(now, INSTANCE_REFRESH);
        }
        Err(e) => d_of(state, &region).instances_src.fail(now, e),
    }
    clamp_after_layout_change(state);
    vec![]
}

fn on_associations(
    state: &mut State,
    generation: u64,
    round: u64,
    region: String,
    result: Result<Vec<Association>, ApiError>,
) -> Vec<Effect> {
    if generation != state.generation {
        return vec![];
    }
    let now = state.now;
    let d = d_of(state, &region);
    // Older than what is shown, or asked before our last change: stale.
    if round < d.applied_round || round < d.min_round {
        d.associations_src.discard(now);
        return vec![];
    }
    match result {
        Ok(list) => {
            d.applied_round = round;
            state.set_associations(&region, list);
            let wait = if state.anything_in_transition() {
                FAST_POLL
            } else {
                state.config.poll_interval
            };
            d_of(state, &region).associations_src.succeed(now, wait);
        }
        Err(e) => d.associations_src.fail(now, e),
    }
    clamp_after_layout_change(state);
    vec![]
}

fn on_mutation_done(
    state: &mut State,
    op_id: u64,
    result: Result<Association, ExecError>,
) -> Vec<Effect> {
    let Some(key) = state
        .pending
        .iter()
        .find(|(_, p)| p.op_id == op_id)
        .map(|(k, _)| k.clone())
    else {
        return vec![];
    };
    let Some(pending) = state.pending.remove(&key) else {
        return vec![];
    };
    let (region, instance_id) = key;
    let round = state.poll.round;
    let d = d_of(state, &region);
    // Results of requests already under way were asked before this change.
    d.min_round = round + 1;
    let mut effects = Vec::new();
    let mut reload = false;
    match result {
        Ok(assoc) => {
            settle_locally(d, &pending.kind, assoc.clone());
            let text = match &pending.kind {
                MutationKind::Disassociate { .. } => format!(
                    "{instance_id}: DisassociateIamInstanceProfile accepted, {} is {}",
                    assoc.id, assoc.state
                ),
                _ => format!(
                    "{instance_id}: {} is now {} ({})",
                    pending
                        .target_name
                        .as_deref()
                        .unwrap_or(&assoc.profile.name),
                    assoc.state,
                    assoc.id
                ),
            };
            info(state, Tone::Success, text);
        }
        Err(e) => {
            let mut text = format!("{instance_id}: {}", e.sentence(&instance_id));
            match &e {
                ExecError::Unknown { reread, .. } => {
                    // Show what the re-read found, not what we hoped for.
                    if let Ok(current) = reread.as_ref() {
                        d.associations.retain(|a| a.instance_id != instance_id);
                        d.associations.extend(current.iter().cloned());
                    }
                    reload = true;
                }
                ExecError::Internal(_) => reload = true,
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
            let tone = if e.reread_shows_done(&pending.kind) {
                Tone::Success
            } else {
                Tone::Error
            };
            info(state, tone, text);
        }
    }
    state.rebuild_rows();
    if reload {
        effects.extend(reload_region(state, &region));
    }
    let soon = state.now + FAST_POLL;
    let src = &mut d_of(state, &region).associations_src;
    src.next_at = src.next_at.min(soon);
    effects
}

/// What the answer to a change says, applied before the next poll confirms it.
fn settle_locally(d: &mut super::state::RegionData, kind: &MutationKind, assoc: Association) {
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

fn read_only(state: &mut State) {
    info(
        state,
        Tone::Error,
        "read-only mode: rolecall was started with --read-only, so it changes nothing",
    );
}

fn on_command(state: &mut State, cmd: Command) -> Vec<Effect> {
    if cmd == Command::Quit {
        return vec![Effect::Quit];
    }
    match state.overlay.clone() {
        Overlay::Confirm(c) => on_confirm(state, cmd, c),
        Overlay::Help => {
            if cmd == Command::Back {
                state.overlay = Overlay::None;
            }
            vec![]
        }
        Overlay::Picker(p) => on_picker(state, cmd, p),
        Overlay::Regions(rp) => on_regions(state, cmd, rp),
        Overlay::None if state.filter_editing => on_filter(state, cmd),
        Overlay::None => on_main(state, cmd),
    }
}

fn move_by(state: &mut State, delta: isize) {
    if state.visible.is_empty() {
        return;
    }
    let last = state.visible.len() as isize - 1;
    state.selected = (state.selected as isize + delta).clamp(0, last) as usize;
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
        Command::FocusNext => {
            state.focus = match state.focus {
                Focus::List => Focus::Detail,
                Focus::Detail => Focus::List,
            }
        }
        Command::StartFilter => state.filter_editing = true,
        Command::Back if !state.filter.is_empty() => {
            state.filter.clear();
            state.apply_filter(false);
        }
        Command::OpenPicker => open_picker(state),
        Command::Detach => return detach(state),
        Command::OpenRegions => {
            let chosen = state.regions.clone();
            state.overlay = Overlay::Regions(RegionPicker {
                all: None,
                error: None,
                query: String::new(),
                matches: vec![],
                selected: 0,
                chosen,
            });
            return vec![Effect::LoadRegions];
        }
        Command::Refresh => {
            info(
                state,
                Tone::Info,
                "refreshing profiles, instances and associations",
            );
            let mut effects = refresh_all(state);
            if !state.identity_src.loaded && !state.identity_src.in_flight {
                state.identity_src.start();
                effects.push(Effect::LoadIdentity);
            }
            return effects;
        }
        Command::Help => state.overlay = Overlay::Help,
        _ => {}
    }
    vec![]
}

fn on_filter(state: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Input(c) => {
            state.filter.push(c);
            state.selected = 0;
            state.apply_filter(true);
        }
        Command::Backspace => {
            state.filter.pop();
            state.apply_filter(false);
        }
        Command::Accept => state.filter_editing = false,
        Command::Back => {
            state.filter_editing = false;
            state.filter.clear();
            state.apply_filter(false);
        }
        Command::Down => move_by(state, 1),
        Command::Up => move_by(state, -1),
        _ => {}
    }
    vec![]
}

fn open_picker(state: &mut State) {
    if state.config.read_only {
        return read_only(state);
    }
    let Some(row) = state.selected_row() else {
        return info(state, Tone::Info, "no instance selected");
    };
    let inst = &row.data.instance;
    if let Some(why) = state.association_unreadable(&inst.region, &inst.id) {
        return info(state, Tone::Error, why);
    }
    let picker = Picker {
        region: inst.region.clone(),
        instance_id: inst.id.clone(),
        query: String::new(),
        matches: (0..state.profiles.len()).collect(),
        selected: 0,
    };
    state.overlay = Overlay::Picker(picker);
}

fn on_picker(state: &mut State, cmd: Command, mut p: Picker) -> Vec<Effect> {
    let page = 10isize;
    let step = |p: &mut Picker, d: isize| {
        if !p.matches.is_empty() {
            p.selected = (p.selected as isize + d).clamp(0, p.matches.len() as isize - 1) as usize;
        }
    };
    match cmd {
        Command::Back => {
            state.overlay = Overlay::None;
            return vec![];
        }
        Command::Input(c) => {
            p.query.push(c);
            p.matches = matching::rank(&state.profile_lines, &p.query);
            p.selected = 0;
        }
        Command::Backspace => {
            p.query.pop();
            p.matches = matching::rank(&state.profile_lines, &p.query);
            p.selected = 0;
        }
        Command::Down => step(&mut p, 1),
        Command::Up => step(&mut p, -1),
        Command::PageDown => step(&mut p, page),
        Command::PageUp => step(&mut p, -page),
        Command::Refresh => {
            state.overlay = Overlay::Picker(p);
            if state.profiles_src.in_flight {
                return vec![];
            }
            state.profiles_src.start();
            return vec![Effect::LoadProfiles];
        }
        Command::Accept => {
            let Some(profile) = p
                .matches
                .get(p.selected)
                .and_then(|&i| state.profiles.get(i))
                .cloned()
            else {
                return vec![];
            };
            state.overlay = Overlay::None;
            choose_profile(state, &p.region, &p.instance_id, &profile);
            return vec![];
        }
        _ => {}
    }
    state.overlay = Overlay::Picker(p);
    vec![]
}

fn describe_profile(state: &State, arn: Option<&str>) -> String {
    let Some(arn) = arn else {
        return "— (no profile)".to_string();
    };
    let name = crate::aws::profile_name_from_arn(arn);
    match state.profile_by_arn(arn) {
        Some(p) if !p.roles.is_empty() => {
            let roles: Vec<&str> = p.roles.iter().map(|r| r.name.as_str()).collect();
            sanitize(&format!("{name} (role {})", roles.join(", ")))
        }
        Some(_) => sanitize(&format!("{name} (no role)")),
        None => sanitize(name),
    }
}

const CREDENTIALS_NOTE: &str =
    "Credentials already on the instance stay valid until they expire; this is not a revocation.";

fn choose_profile(state: &mut State, region: &str, instance_id: &str, target: &InstanceProfile) {
    let Some(row) = state.row_of(region, instance_id).cloned() else {
        return info(
            state,
            Tone::Error,
            format!("instance {instance_id} is no longer listed"),
        );
    };
    if state.pending_for(region, instance_id).is_some() {
        return info(
            state,
            Tone::Error,
            format!("{instance_id}: a change is already in flight; wait for it"),
        );
    }
    if let Some(why) = state.association_unreadable(region, instance_id) {
        return info(state, Tone::Error, why);
    }
    let inst = &row.data.instance;
    let plan = match plan::plan_set(inst, row.data.association.as_ref(), target) {
        Ok(plan) => plan,
        Err(refusal) => return info(state, Tone::Error, refusal.0),
    };
    let from_arn = row
        .data
        .association
        .as_ref()
        .map(|a| a.profile.arn.as_str());
    let (title, kind, call, warning) = match plan {
        SetPlan::AlreadyCurrent => {
            return info(
                state,
                Tone::Info,
                format!(
                    "{instance_id} already has instance profile {}; nothing to do",
                    sanitize(&target.name)
                ),
            );
        }
        SetPlan::Associate => (
            "Associate instance profile",
            MutationKind::Associate {
                profile_arn: target.arn.clone(),
            },
            "AssociateIamInstanceProfile".to_string(),
            None,
        ),
        SetPlan::Replace { association_id } => (
            "Replace instance profile",
            MutationKind::Replace {
                association_id: association_id.clone(),
                profile_arn: target.arn.clone(),
            },
            format!("ReplaceIamInstanceProfileAssociation {association_id}"),
            None,
        ),
        SetPlan::DetachThenAssociate { association_id } => (
            "Swap instance profile (stopped instance)",
            MutationKind::DetachThenAssociate {
                association_id: association_id.clone(),
                profile_arn: target.arn.clone(),
            },
            format!(
                "DisassociateIamInstanceProfile {association_id}, then AssociateIamInstanceProfile"
            ),
            Some(format!(
                "AWS refuses to replace the profile of a stopped instance: rolecall will detach {association_id} first, then associate {}. If the second call fails, the instance is left without a profile.",
                sanitize(&target.name)
            )),
        ),
    };
    let lines = confirm_lines(state, &row, from_arn, Some(&target.arn), &call);
    state.overlay = Overlay::Confirm(Confirm {
        title: title.to_string(),
        lines,
        warning,
        region: region.to_string(),
        instance_id: instance_id.to_string(),
        kind,
        shows: AssociationState::Associating,
        profile_name: Some(target.name.clone()),
        target_name: Some(target.name.clone()),
    });
}

fn confirm_lines(
    state: &State,
    row: &super::state::Row,
    from: Option<&str>,
    to: Option<&str>,
    call: &str,
) -> Vec<String> {
    let inst = &row.data.instance;
    let name = if row.name.is_empty() {
        "no Name".to_string()
    } else {
        row.name.clone()
    };
    vec![
        format!("instance  {} ({name}), {}", inst.id, inst.state),
        format!("region    {}", inst.region),
        format!("from      {}", describe_profile(state, from)),
        format!("to        {}", describe_profile(state, to)),
        format!("API call  {call}"),
        String::new(),
        CREDENTIALS_NOTE.to_string(),
    ]
}

fn detach(state: &mut State) -> Vec<Effect> {
    if state.config.read_only {
        read_only(state);
        return vec![];
    }
    let Some(row) = state.selected_row().cloned() else {
        info(state, Tone::Info, "no instance selected");
        return vec![];
    };
    let inst = &row.data.instance;
    if state.pending_for(&inst.region, &inst.id).is_some() {
        info(
            state,
            Tone::Error,
            format!("{}: a change is already in flight; wait for it", inst.id),
        );
        return vec![];
    }
    if let Some(why) = state.association_unreadable(&inst.region, &inst.id) {
        info(state, Tone::Error, why);
        return vec![];
    }
    let association_id = match plan::plan_detach(inst, row.data.association.as_ref()) {
        Ok(id) => id,
        Err(refusal) => {
            info(state, Tone::Error, refusal.0);
            return vec![];
        }
    };
    let from = row.data.association.as_ref().map(|a| a.profile.arn.clone());
    let lines = confirm_lines(
        state,
        &row,
        from.as_deref(),
        None,
        &format!("DisassociateIamInstanceProfile {association_id}"),
    );
    state.overlay = Overlay::Confirm(Confirm {
        title: "Detach instance profile".to_string(),
        lines,
        warning: None,
        region: inst.region.clone(),
        instance_id: inst.id.clone(),
        kind: MutationKind::Disassociate { association_id },
        shows: AssociationState::Disassociating,
        profile_name: row
            .data
            .association
            .as_ref()
            .map(|a| a.profile.name.clone()),
        target_name: None,
    });
    vec![]
}

fn on_confirm(state: &mut State, cmd: Command, c: Confirm) -> Vec<Effect> {
    match cmd {
        Command::No => {
            state.overlay = Overlay::None;
            info(
                state,
                Tone::Info,
                format!("{}: cancelled, nothing changed", c.instance_id),
            );
            vec![]
        }
        Command::Yes => {
            state.overlay = Overlay::None;
            let op_id = state.next_op;
            state.next_op += 1;
            state.pending.insert(
                (c.region.clone(), c.instance_id.clone()),
                Pending {
                    op_id,
                    shows: c.shows,
                    profile_name: c.profile_name.clone(),
                    kind: c.kind.clone(),
                    target_name: c.target_name.clone(),
                },
            );
            info(
                state,
                Tone::Info,
                format!("{}: {} sent", c.instance_id, c.title.to_lowercase()),
            );
            vec![Effect::Mutate(Mutation {
                op_id,
                region: c.region,
                instance_id: c.instance_id,
                kind: c.kind,
            })]
        }
        _ => vec![],
    }
}

fn on_regions(state: &mut State, cmd: Command, mut rp: RegionPicker) -> Vec<Effect> {
    let all = rp.all.clone().unwrap_or_default();
    match cmd {
        Command::Back => {
            state.overlay = Overlay::None;
            return vec![];
        }
        Command::Input(c) => {
            rp.query.push(c);
            rp.matches = matching::rank(&all, &rp.query);
            rp.selected = 0;
        }
        Command::Backspace => {
            rp.query.pop();
            rp.matches = matching::rank(&all, &rp.query);
            rp.selected = 0;
        }
        Command::Down | Command::PageDown => {
            rp.selected = (rp.selected + 1).min(rp.matches.len().saturating_sub(1))
        }
        Command::Up | Command::PageUp => rp.selected = rp.selected.saturating_sub(1),
        Command::Refresh => {
            rp.error = None;
            state.overlay = Overlay::Regions(rp);
            return vec![Effect::LoadRegions];
        }
        Command::Toggle => {
            if let Some(name) = rp.matches.get(rp.selected).and_then(|&i| all.get(i)) {
                if let Some(pos) = rp.chosen.iter().position(|r| r == name) {
                    rp.chosen.remove(pos);
                } else {
                    rp.chosen.push(name.clone());
                }
            }
        }
        Command::Accept => {
            if rp.chosen.is_empty() {
                info(
                    state,
                    Tone::Error,
                    "choose at least one region (Space toggles)",
                );
            } else {
                state.overlay = Overlay::None;
                return apply_regions(state, rp.chosen);
            }
        }
        _ => {}
    }
    state.overlay = Overlay::Regions(rp);
    vec![]
}

fn apply_regions(state: &mut State, mut chosen: Vec<String>) -> Vec<Effect> {
    chosen.sort();
    chosen.dedup();
    let mut current = state.regions.clone();
    current.sort();
    if chosen == current {
        return vec![];
    }
    state.generation += 1;
    state.region_data.retain(|r, _| chosen.contains(r));
    state.pending.retain(|(r, _), _| chosen.contains(r));
    state.regions = chosen;
    state.rebuild_rows();
    info(
        state,
        Tone::Info,
        format!("showing {}", state.regions.join(", ")),
    );
    // Answers to the old generation's requests will be dropped: ask again for
    // every region, whatever was under way.
    let mut effects = Vec::new();
    for region in state.regions.clone() {
        effects.push(load_instances(state, &region));
        effects.push(load_associations(state, &region));
    }
    effects
}
