//! `h`: CloudTrail's history of the selected instance's profile; the
//! detail pane's "changed" line and the actors in `e` read the same cache.

use super::*;
use crate::core::history::{Events, Progress};
use crate::tui::app::state::{ACTOR_RECHECK, Actor, HistoryKey, HistoryView, RegionHistory};

/// Starts reading a region's history unless it is being read.
fn load(state: &mut State, key: HistoryKey) -> Vec<Effect> {
    if matches!(
        state.inventory.history.get(&key),
        Some(RegionHistory::Reading(_))
    ) {
        return vec![];
    }
    state
        .inventory
        .history
        .insert(key.clone(), RegionHistory::Reading(Progress::default()));
    vec![Effect::LoadHistory {
        account: key.0,
        region: key.1,
        until: state.config.started_at.map(|t| t + state.now),
    }]
}

/// `h` on the list: the selected instance's history, read unless it is.
pub(super) fn show(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.selected_row() else {
        info(
            state,
            Tone::Info,
            "no instance selected: h shows who changed an instance's profile",
        );
        return vec![];
    };
    let inst = &row.data.instance;
    let view = HistoryView {
        account: inst.account.clone(),
        region: inst.region.clone(),
        instance_id: inst.id.clone(),
        scroll: 0,
    };
    let key = (view.account.clone(), view.region.clone());
    state.overlay = Overlay::History(view);
    match state.inventory.history.get(&key) {
        Some(RegionHistory::Read { .. } | RegionHistory::Reading(_)) => vec![],
        // Never read, or failed: (again) now.
        _ => load(state, key),
    }
}

/// The keys of `h`: scroll, `r` reads again, Esc closes.
pub(super) fn on_history(state: &mut State, cmd: Command, mut view: HistoryView) -> Vec<Effect> {
    let key = (view.account.clone(), view.region.clone());
    match cmd {
        Command::Back => vec![],
        Command::Refresh => {
            state.overlay = Overlay::History(view);
            load(state, key)
        }
        _ => {
            let changes = match state.inventory.history.get(&key) {
                Some(RegionHistory::Read { tied, .. }) => tied.of(&view.instance_id).len(),
                _ => 0,
            };
            view.scroll = scrolled(&cmd, view.scroll, changes.saturating_sub(1));
            state.overlay = Overlay::History(view);
            vec![]
        }
    }
}

pub(super) fn progress(state: &mut State, key: HistoryKey, p: Progress) {
    if let Some(h @ RegionHistory::Reading(_)) = state.inventory.history.get_mut(&key) {
        *h = RegionHistory::Reading(p);
    }
}

/// A region's events came in: tie them to its instances through the
/// associations shown now.
pub(super) fn loaded(
    state: &mut State,
    key: HistoryKey,
    result: Result<Events, crate::aws::ApiError>,
    journal_requests: &crate::core::history::JournalRequests,
) {
    let entry = match result {
        Err(e) => RegionHistory::Failed(e),
        Ok(events) => {
            let current: Vec<crate::aws::Association> = state
                .inventory
                .rows
                .iter()
                .filter(|r| r.data.instance.account == key.0 && r.data.instance.region == key.1)
                .filter_map(|r| r.data.association.clone())
                .collect();
            RegionHistory::Read {
                tied: crate::core::history::tie(&events.events, &current, journal_requests),
                at: state.now,
                truncated: events.truncated,
            }
        }
    };
    state.inventory.history.insert(key, entry);
}

/// On each tick: the detail pane's instance gets its region's history once;
/// with `e` open, an outside change whose actor CloudTrail has not yet
/// delivered gets a new look each [`ACTOR_RECHECK`].
pub(super) fn on_tick(state: &mut State) -> Vec<Effect> {
    let mut keys: Vec<HistoryKey> = Vec::new();
    if let Some(r) = state.selected_row() {
        let key = (
            r.data.instance.account.clone(),
            r.data.instance.region.clone(),
        );
        if !state.inventory.history.contains_key(&key) {
            keys.push(key);
        }
    }
    if matches!(state.overlay, Overlay::Outside(_))
        && let Some(start) = state.config.started_at
    {
        for o in &state.changes.outside {
            let Some(row) = state.row_of(&o.region, &o.instance_id) else {
                continue;
            };
            let key = (row.data.instance.account.clone(), o.region.clone());
            let entry = state.inventory.history.get(&key);
            let stale = match entry {
                Some(RegionHistory::Read { at, .. }) => {
                    state.now.saturating_sub(*at) >= ACTOR_RECHECK
                }
                Some(_) => false,
                None => true,
            };
            if stale
                && matches!(
                    crate::tui::app::state::actor_of(
                        entry,
                        &o.instance_id,
                        o.to_profile_arn.as_deref(),
                        start + o.seen,
                    ),
                    Actor::Pending
                )
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        }
    }
    keys.into_iter().flat_map(|k| load(state, k)).collect()
}
