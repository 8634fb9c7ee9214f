//! The pickers: the profile picker and the region picker, both on the one
//! generic fuzzy list.

use super::super::action::Effect;
use super::super::command::Command;
use super::super::fuzzy_list::{FuzzyList, ListEvent};
use super::super::state::{AccountPicker, Overlay, Picker, RegionPicker, State, Tone};
use super::changes::{choose_profile, targets};
use super::poll::{apply_accounts, apply_regions};
use super::{info, refuse_read_only};

/// Enter: the profile picker for the marked instances, or the selected one
/// (unless its profile is unknown).
pub(super) fn open_picker(state: &mut State) {
    if state.config.read_only {
        return refuse_read_only(state);
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
    // The targets' accounts' profiles (several accounts: one choice per name).
    let mut accounts: Vec<String> = Vec::new();
    for (region, id) in &targets {
        if let Some(r) = state.row_of(region, id)
            && !accounts.contains(&r.data.instance.account)
        {
            accounts.push(r.data.instance.account.clone());
        }
    }
    let mut picker = Picker {
        targets,
        accounts,
        offered: Vec::new(),
        list: FuzzyList::default(),
    };
    picker.offer(&state.inventory.profiles);
    state.overlay = Overlay::Picker(picker);
}

pub(super) fn on_picker(state: &mut State, cmd: Command, mut p: Picker) -> Vec<Effect> {
    let lines = p.lines(&state.inventory.profiles);
    match p.list.handle(&cmd, &lines) {
        ListEvent::Closed => {
            state.overlay = Overlay::None;
            return vec![];
        }
        ListEvent::Chosen(i) => {
            let chosen = p
                .offered
                .get(i)
                .and_then(|&i| state.inventory.profiles.get(i));
            if let Some(profile) = chosen.cloned() {
                state.overlay = Overlay::None;
                choose_profile(state, &p.targets, &profile);
                return vec![];
            }
        }
        ListEvent::Unhandled if cmd == Command::Refresh => {
            let mut effects = Vec::new();
            for account in &p.accounts {
                if !state.inventory.account(account).profiles_src.in_flight {
                    effects.push(super::poll::load_profiles(state, account));
                }
            }
            state.overlay = Overlay::Picker(p);
            return effects;
        }
        _ => {}
    }
    state.overlay = Overlay::Picker(p);
    vec![]
}

/// Space in a picker that chooses several: in if out, out if in.
fn toggle(chosen: &mut Vec<String>, item: &str) {
    match chosen.iter().position(|c| c == item) {
        Some(pos) => {
            chosen.remove(pos);
        }
        None => chosen.push(item.to_string()),
    }
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

/// What a key did in a picker that chooses several (Space toggles, Enter
/// applies, Esc closes).
enum Several {
    Closed,
    /// Enter with at least one chosen.
    Apply,
    /// Enter with none chosen.
    NoneChosen,
    /// Anything else the list said (moved, or a key it does not handle).
    Other(ListEvent),
}

/// The keys of a picker that chooses several: `keys[i]` is what line `i` chooses.
fn choose_several(
    cmd: &Command,
    list: &mut FuzzyList,
    lines: &[String],
    keys: &[String],
    chosen: &mut Vec<String>,
) -> Several {
    match list.handle(cmd, lines) {
        ListEvent::Closed => Several::Closed,
        ListEvent::Toggled(i) => {
            if let Some(key) = keys.get(i) {
                toggle(chosen, key);
            }
            Several::Other(ListEvent::Toggled(i))
        }
        ListEvent::Chosen(_) | ListEvent::Nothing if *cmd == Command::Accept => {
            if chosen.is_empty() {
                Several::NoneChosen
            } else {
                Several::Apply
            }
        }
        other => Several::Other(other),
    }
}

pub(super) fn on_regions(state: &mut State, cmd: Command, mut rp: RegionPicker) -> Vec<Effect> {
    let all = rp.all.clone().unwrap_or_default();
    match choose_several(&cmd, &mut rp.list, &all, &all, &mut rp.chosen) {
        Several::Closed => {
            state.overlay = Overlay::None;
            return vec![];
        }
        Several::Apply => {
            state.overlay = Overlay::None;
            return apply_regions(state, rp.chosen);
        }
        Several::NoneChosen => info(
            state,
            Tone::Error,
            "choose at least one region (Space toggles)",
        ),
        Several::Other(ListEvent::Unhandled) if cmd == Command::Refresh => {
            rp.error = None;
            state.overlay = Overlay::Regions(rp);
            return vec![Effect::LoadRegions];
        }
        Several::Other(_) => {}
    }
    state.overlay = Overlay::Regions(rp);
    vec![]
}

/// `a`: the account picker (every account of the session; Space toggles,
/// Enter shows the chosen ones).
pub(super) fn open_accounts(state: &mut State) -> Vec<Effect> {
    let keys: Vec<String> = state
        .config
        .accounts
        .iter()
        .map(|a| a.key.clone())
        .collect();
    let lines = crate::tui::app::derive::account_lines(state, &keys);
    state.overlay = Overlay::Accounts(AccountPicker {
        list: FuzzyList::new(&lines),
        keys,
        chosen: state.inventory.shown.clone(),
    });
    vec![]
}

pub(super) fn on_accounts(state: &mut State, cmd: Command, mut ap: AccountPicker) -> Vec<Effect> {
    let lines = crate::tui::app::derive::account_lines(state, &ap.keys);
    match choose_several(&cmd, &mut ap.list, &lines, &ap.keys, &mut ap.chosen) {
        Several::Closed => {
            state.overlay = Overlay::None;
            return vec![];
        }
        Several::Apply => {
            state.overlay = Overlay::None;
            return apply_accounts(state, ap.chosen);
        }
        Several::NoneChosen => info(
            state,
            Tone::Error,
            "choose at least one account (Space toggles)",
        ),
        Several::Other(_) => {}
    }
    state.overlay = Overlay::Accounts(ap);
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
