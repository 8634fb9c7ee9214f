//! Reading: which source is due, what its answer changes, and the backoff
//! each source keeps on its own.

use std::time::Duration;

use crate::aws::{ApiError, Association, Instance};

use super::super::action::Effect;
use super::super::state::{RegionData, Scope, State, Tone};
use super::{clamp_after_layout_change, info};

/// How often associations are polled while something is changing.
pub const FAST_POLL: Duration = Duration::from_secs(1);
/// How often instances are re-read.
pub const INSTANCE_REFRESH: Duration = Duration::from_secs(60);

/// The checks of the regions named at start: an unknown one is said (the
/// reads of it fail on their own and show as failing reads).
pub(super) fn on_regions_checked(state: &mut State, result: Result<Vec<String>, ApiError>) {
    match result {
        Ok(known) => {
            if let Some(why) =
                crate::core::session::unknown_region(&state.inventory.regions, &known)
            {
                info(state, Tone::Error, why);
            }
        }
        // Without ec2:DescribeRegions (or with the endpoint down) the names
        // cannot be checked; the regional reads say what fails.
        Err(e) => tracing::info!(error = %e, "region names not checked"),
    }
}

/// Asks for an account and region's associations now (a fresh request number).
pub(super) fn load_associations(state: &mut State, scope: &Scope) -> Effect {
    state.poll.round += 1;
    region_data_mut(state, scope).associations_src.start();
    Effect::LoadAssociations {
        generation: state.inventory.generation,
        round: state.poll.round,
        account: scope.0.clone(),
        region: scope.1.clone(),
    }
}

/// Asks for an account and region's instances now.
pub(super) fn load_instances(state: &mut State, scope: &Scope) -> Effect {
    region_data_mut(state, scope).instances_src.start();
    Effect::LoadInstances {
        generation: state.inventory.generation,
        account: scope.0.clone(),
        region: scope.1.clone(),
    }
}

/// Re-reads one account and region now (what is already being read is left to arrive).
pub(super) fn reload_region(state: &mut State, scope: &Scope) -> Vec<Effect> {
    let d = region_data_mut(state, scope);
    let (instances_out, associations_out) =
        (d.instances_src.in_flight, d.associations_src.in_flight);
    let mut effects = Vec::new();
    if !instances_out {
        effects.push(load_instances(state, scope));
    }
    if !associations_out {
        effects.push(load_associations(state, scope));
    } else {
        // The answer under way was asked before now: ask again when it lands.
        region_data_mut(state, scope).associations_src.next_at = state.now;
    }
    effects
}

pub(super) fn region_data_mut<'a>(state: &'a mut State, scope: &Scope) -> &'a mut RegionData {
    state
        .inventory
        .region_data
        .entry(scope.clone())
        .or_default()
}

/// Asks for an account's instance profiles now.
pub(super) fn load_profiles(state: &mut State, account: &str) -> Effect {
    state.inventory.account_mut(account).profiles_src.start();
    Effect::LoadProfiles {
        account: account.to_string(),
    }
}

/// Asks who the caller is in an account now.
pub(super) fn load_identity(state: &mut State, account: &str) -> Effect {
    state.inventory.account_mut(account).identity_src.start();
    Effect::LoadIdentity {
        account: account.to_string(),
    }
}

/// Everything now: profiles, instances, associations (what is not already out).
pub(super) fn refresh_all(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    for account in state.inventory.shown.clone() {
        if !state.inventory.account(&account).profiles_src.in_flight {
            effects.push(load_profiles(state, &account));
        }
    }
    for scope in state.inventory.scopes() {
        effects.extend(reload_region(state, &scope));
    }
    effects
}

/// Decides, on each tick, which reads are due: each source on its own clock.
pub(super) fn schedule(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let mut effects = Vec::new();
    for account in state.inventory.shown.clone() {
        let a = state.inventory.account(&account);
        let (identity_due, profiles_due) = (
            a.identity_src.due(now) && !a.identity_src.loaded,
            a.profiles_src.due(now) && !a.profiles_src.loaded,
        );
        if identity_due {
            effects.push(load_identity(state, &account));
        }
        if profiles_due {
            effects.push(load_profiles(state, &account));
        }
    }
    for scope in state.inventory.scopes() {
        let d = region_data_mut(state, &scope);
        let (instances_due, associations_due) =
            (d.instances_src.due(now), d.associations_src.due(now));
        if instances_due {
            effects.push(load_instances(state, &scope));
        }
        if associations_due {
            effects.push(load_associations(state, &scope));
        }
    }
    effects
}

pub(super) fn on_instances(
    state: &mut State,
    generation: u64,
    scope: Scope,
    result: Result<Vec<Instance>, ApiError>,
) -> Vec<Effect> {
    if generation != state.inventory.generation {
        return vec![];
    }
    let now = state.now;
    match result {
        Ok(instances) => {
            state.set_instances(&scope, instances);
            region_data_mut(state, &scope)
                .instances_src
                .succeed(now, INSTANCE_REFRESH);
        }
        Err(e) => region_data_mut(state, &scope).instances_src.fail(now, e),
    }
    clamp_after_layout_change(state);
    vec![]
}

pub(super) fn on_associations(
    state: &mut State,
    generation: u64,
    round: u64,
    scope: Scope,
    result: Result<Vec<Association>, ApiError>,
) -> Vec<Effect> {
    if generation != state.inventory.generation {
        return vec![];
    }
    let now = state.now;
    let d = region_data_mut(state, &scope);
    // Older than what is shown, or asked before our last change: stale.
    if round < d.applied_round || round < d.min_round {
        d.associations_src.discard(now);
        return vec![];
    }
    match result {
        Ok(list) => {
            d.applied_round = round;
            state.set_associations(&scope, list);
            let wait = if state.anything_in_transition() {
                FAST_POLL
            } else {
                state.config.poll_interval
            };
            region_data_mut(state, &scope)
                .associations_src
                .succeed(now, wait);
        }
        Err(e) => d.associations_src.fail(now, e),
    }
    clamp_after_layout_change(state);
    vec![]
}

pub(super) fn apply_regions(state: &mut State, mut chosen: Vec<String>) -> Vec<Effect> {
    chosen.sort();
    chosen.dedup();
    let mut current = state.inventory.regions.clone();
    current.sort();
    if chosen == current {
        return vec![];
    }
    state.inventory.generation += 1;
    state
        .inventory
        .region_data
        .retain(|(_, r), _| chosen.contains(r));
    state.changes.pending.retain(|(r, _), _| chosen.contains(r));
    state.inventory.regions = chosen;
    state.rebuild_rows();
    info(
        state,
        Tone::Info,
        format!("showing {}", state.inventory.regions.join(", ")),
    );
    reread_everything(state)
}

/// Answers to the old generation's requests will be dropped: ask again for
/// every account and region, whatever was under way.
fn reread_everything(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    for scope in state.inventory.scopes() {
        effects.push(load_instances(state, &scope));
        effects.push(load_associations(state, &scope));
    }
    effects
}

/// The `a` picker applied: show these accounts (by key, kept in the session's order).
pub(super) fn apply_accounts(state: &mut State, chosen: Vec<String>) -> Vec<Effect> {
    let chosen: Vec<String> = state
        .config
        .accounts
        .iter()
        .map(|a| a.key.clone())
        .filter(|k| chosen.contains(k))
        .collect();
    if chosen == state.inventory.shown {
        return vec![];
    }
    state.inventory.generation += 1;
    state
        .inventory
        .region_data
        .retain(|(a, _), _| chosen.contains(a));
    let keep: std::collections::HashSet<(String, String)> = state
        .inventory
        .rows
        .iter()
        .filter(|r| chosen.contains(&r.data.instance.account))
        .map(|r| (r.data.instance.region.clone(), r.data.instance.id.clone()))
        .collect();
    state.changes.pending.retain(|k, _| keep.contains(k));
    let added: Vec<String> = chosen
        .iter()
        .filter(|k| !state.inventory.shown.contains(k))
        .cloned()
        .collect();
    state.inventory.shown = chosen;
    let shown = state.inventory.shown.clone();
    state
        .inventory
        .profiles
        .retain(|p| shown.contains(&p.account));
    let profiles = std::mem::take(&mut state.inventory.profiles);
    for key in &shown {
        let own: Vec<_> = profiles
            .iter()
            .filter(|p| &p.account == key)
            .cloned()
            .collect();
        state.inventory.set_profiles(key, own);
    }
    state.rebuild_rows();
    let names: Vec<String> = shown.iter().map(|k| state.account_label(k)).collect();
    info(state, Tone::Info, format!("showing {}", names.join(", ")));
    let mut effects = Vec::new();
    for key in added {
        if !state.inventory.account(&key).identity_src.loaded {
            effects.push(load_identity(state, &key));
        }
        effects.push(load_profiles(state, &key));
    }
    effects.extend(reread_everything(state));
    effects
}
