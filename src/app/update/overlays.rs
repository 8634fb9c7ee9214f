//! The pickers: the profile picker and the region picker, both on the one
//! generic fuzzy list.

use super::super::action::Effect;
use super::super::fuzzy_list::{FuzzyList, ListEvent};
use super::super::keymap::Command;
use super::super::state::{Overlay, Picker, RegionPicker, State, Tone};
use super::changes::{choose_profile, targets};
use super::poll::apply_regions;
use super::{info, read_only};

/// Enter: the profile picker for the marked instances, or the selected one
/// (unless its profile is unknown).
pub(super) fn open_picker(state: &mut State) {
    if state.config.read_only {
        return read_only(state);
    }
    let targets = targets(state);
    match targets.as_slice() {
        [] => return info(state, Tone::Info, "no instance selected"),
        [(region, id)] => {
            if let Some(why) = state.association_unreadable(region, id) {
                return info(state, Tone::Error, why);
            }
        }
        _ => {}
    }
    state.overlay = Overlay::Picker(Picker {
        targets,
        list: FuzzyList::new(&state.inventory.profile_lines),
    });
}

pub(super) fn on_picker(state: &mut State, cmd: Command, mut p: Picker) -> Vec<Effect> {
    match p.list.handle(&cmd, &state.inventory.profile_lines) {
        ListEvent::Closed => {
            state.overlay = Overlay::None;
            return vec![];
        }
        ListEvent::Chosen(i) => {
            if let Some(profile) = state.inventory.profiles.get(i).cloned() {
                state.overlay = Overlay::None;
                choose_profile(state, &p.targets, &profile);
                return vec![];
            }
        }
        ListEvent::Unhandled if cmd == Command::Refresh => {
            state.overlay = Overlay::Picker(p);
            if state.inventory.profiles_src.in_flight {
                return vec![];
            }
            state.inventory.profiles_src.start();
            return vec![Effect::LoadProfiles];
        }
        _ => {}
    }
    state.overlay = Overlay::Picker(p);
    vec![]
}

/// `r`: the region picker, loading DescribeRegions.
pub(super) fn open_regions(state: &mut State) -> Vec<Effect> {
    state.overlay = Overlay::Regions(RegionPicker {
        all: None,
        error: None,
        list: FuzzyList::default(),
        chosen: state.inventory.regions.clone(),
    });
    vec![Effect::LoadRegions]
}

pub(super) fn on_regions(state: &mut State, cmd: Command, mut rp: RegionPicker) -> Vec<Effect> {
    let all = rp.all.clone().unwrap_or_default();
    match rp.list.handle(&cmd, &all) {
        ListEvent::Closed => {
            state.overlay = Overlay::None;
            return vec![];
        }
        ListEvent::Toggled(i) => {
            if let Some(name) = all.get(i) {
                if let Some(pos) = rp.chosen.iter().position(|r| r == name) {
                    rp.chosen.remove(pos);
                } else {
                    rp.chosen.push(name.clone());
                }
            }
        }
        ListEvent::Chosen(_) | ListEvent::Nothing if cmd == Command::Accept => {
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
        ListEvent::Unhandled if cmd == Command::Refresh => {
            rp.error = None;
            state.overlay = Overlay::Regions(rp);
            return vec![Effect::LoadRegions];
        }
        _ => {}
    }
    state.overlay = Overlay::Regions(rp);
    vec![]
}

/// DescribeRegions answered for the picker.
pub(super) fn on_regions_loaded(
    state: &mut State,
    result: Result<Vec<String>, crate::aws::ApiError>,
) {
    if let Overlay::Regions(rp) = &mut state.overlay {
        match result {
            Ok(all) => {
                rp.list.refilter(&all);
                rp.all = Some(all);
                rp.error = None;
            }
            Err(e) => rp.error = Some(e.sentence()),
        }
    }
}
