//! `h`: CloudTrail's history of the selected instance's profile; the
//! detail pane's "changed" line and the actors in `e` read the same cache.

use super::*;
use crate::core::history::{Events, Progress};
use crate::tui::app::state::{
    ACTOR_GIVE_UP, ACTOR_RECHECK, Actor, HistoryKey, HistoryView, RegionHistory,
};

/// Starts reading a region's history unless it is being read (`again`: an
/// explicit `r`, which starts a new reading whatever became of the last).
fn load(state: &mut State, key: HistoryKey, again: bool) -> Vec<Effect> {
    if !again && state.inventory.history_reading.contains_key(&key) {
        return vec![];
    }
    state
        .inventory
        .history_reading
        .insert(key.clone(), Progress::default());
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
        // Read moments ago: shown as it is.
        Some(RegionHistory::Read { at, .. }) if state.now.saturating_sub(*at) < ACTOR_RECHECK => {
            vec![]
        }
        // Never read, failed, or a while ago: read (again) now; the last
        // result stays shown meanwhile.
        _ => load(state, key, false),
    }
}

/// The keys of `h`: scroll, `r` reads again, Esc closes.
pub(super) fn on_history(state: &mut State, cmd: Command, mut view: HistoryView) -> Vec<Effect> {
    let key = (view.account.clone(), view.region.clone());
    match cmd {
        Command::Back => vec![],
        Command::Refresh => {
            state.overlay = Overlay::History(view);
            load(state, key, true)
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
    if let Some(reading) = state.inventory.history_reading.get_mut(&key) {
        *reading = p;
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
    state.inventory.history_reading.remove(&key);
    let entry = match result {
        // A good reading is not thrown away for a failed new one.
        Err(e)
            if matches!(
                state.inventory.history.get(&key),
                Some(RegionHistory::Read { .. })
            ) =>
        {
            info(
                state,
                Tone::Error,
                format!(
                    "reading CloudTrail again failed; the last reading stays shown: {}",
                    e.sentence()
                ),
            );
            return;
        }
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

/// On each tick: the detail pane's instance (when the pane shows) gets its
/// region's history once; with `e` open, an outside change whose actor
/// CloudTrail has not yet delivered gets a new look each [`ACTOR_RECHECK`],
/// for [`ACTOR_GIVE_UP`].
pub(super) fn on_tick(state: &mut State) -> Vec<Effect> {
    let mut keys: Vec<HistoryKey> = Vec::new();
    let detail_shown = !layout::detail_folded(state) || matches!(state.overlay, Overlay::Detail);
    if detail_shown && let Some(r) = state.selected_row() {
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
            let waited = state.now.saturating_sub(o.seen);
            let Some(row) = state.row_of(&o.region, &o.instance_id) else {
                continue;
            };
            let key = (row.data.instance.account.clone(), o.region.clone());
            let entry = state.inventory.history.get(&key);
            let stale = match entry {
                Some(RegionHistory::Read { at, .. }) => {
                    state.now.saturating_sub(*at) >= ACTOR_RECHECK
                }
                Some(RegionHistory::Failed(_)) => false,
                None => true,
            };
            if stale
                && waited < ACTOR_GIVE_UP
                && matches!(
                    crate::tui::app::state::actor_of(
                        entry,
                        &o.instance_id,
                        o.from_profile_arn.as_deref(),
                        o.to_profile_arn.as_deref(),
                        o.at.unwrap_or(start + o.seen),
                        waited,
                    ),
                    Actor::Pending
                )
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        }
    }
    keys.into_iter()
        .flat_map(|k| load(state, k, false))
        .collect()
}
