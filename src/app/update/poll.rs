//! Reading: which source is due, what its answer changes, and the backoff
//! each source keeps on its own.

use std::time::Duration;

use crate::aws::{ApiError, Association, Instance};

use super::super::action::Effect;
use super::super::state::{RegionData, State, Tone};
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
            if let Some(why) = crate::session::unknown_region(&state.inventory.regions, &known) {
                info(state, Tone::Error, why);
            }
        }
        // Without ec2:DescribeRegions (or with the endpoint down) the names
        // cannot be checked; the regional reads say what fails.
        Err(e) => tracing::info!(error = %e, "region names not checked"),
    }
}

/// Asks for a region's associations now (a fresh request number).
pub(super) fn load_associations(state: &mut State, region: &str) -> Effect {
    state.poll.round += 1;
    state
        .inventory
        .region_data
        .entry(region.to_string())
        .or_default()
        .associations_src
        .start();
    Effect::LoadAssociations {
        generation: state.inventory.generation,
        round: state.poll.round,
        region: region.to_string(),
    }
}

/// Asks for a region's instances now.
pub(super) fn load_instances(state: &mut State, region: &str) -> Effect {
    state
        .inventory
        .region_data
        .entry(region.to_string())
        .or_default()
        .instances_src
        .start();
    Effect::LoadInstances {
        generation: state.inventory.generation,
        region: region.to_string(),
    }
}

/// Re-reads one region now (what is already being read is left to arrive).
pub(super) fn reload_region(state: &mut State, region: &str) -> Vec<Effect> {
    let d = state
        .inventory
        .region_data
        .entry(region.to_string())
        .or_default();
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

pub(super) fn d_of<'a>(state: &'a mut State, region: &str) -> &'a mut RegionData {
    state
        .inventory
        .region_data
        .entry(region.to_string())
        .or_default()
}

/// Everything now: profiles, instances, associations (what is not already out).
pub(super) fn refresh_all(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if !state.inventory.profiles_src.in_flight {
        state.inventory.profiles_src.start();
        effects.push(Effect::LoadProfiles);
    }
    for region in state.inventory.regions.clone() {
        effects.extend(reload_region(state, &region));
    }
    effects
}

/// Decides, on each tick, which reads are due: each source on its own clock.
pub(super) fn schedule(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let mut effects = Vec::new();
    if state.inventory.identity_src.due(now) && !state.inventory.identity_src.loaded {
        state.inventory.identity_src.start();
        effects.push(Effect::LoadIdentity);
    }
    if state.inventory.profiles_src.due(now) && !state.inventory.profiles_src.loaded {
        state.inventory.profiles_src.start();
        effects.push(Effect::LoadProfiles);
    }
    for region in state.inventory.regions.clone() {
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

pub(super) fn on_instances(
    state: &mut State,
    generation: u64,
    region: String,
    result: Result<Vec<Instance>, ApiError>,
) -> Vec<Effect> {
    if generation != state.inventory.generation {
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

pub(super) fn on_associations(
    state: &mut State,
    generation: u64,
    round: u64,
    region: String,
    result: Result<Vec<Association>, ApiError>,
) -> Vec<Effect> {
    if generation != state.inventory.generation {
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
        .retain(|r, _| chosen.contains(r));
    state.changes.pending.retain(|(r, _), _| chosen.contains(r));
    state.inventory.regions = chosen;
    state.rebuild_rows();
    info(
        state,
        Tone::Info,
        format!("showing {}", state.inventory.regions.join(", ")),
    );
    // Answers to the old generation's requests will be dropped: ask again for
    // every region, whatever was under way.
    let mut effects = Vec::new();
    for region in state.inventory.regions.clone() {
        effects.push(load_instances(state, &region));
        effects.push(load_associations(state, &region));
    }
    effects
}
