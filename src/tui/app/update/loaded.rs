//! What comes back from a read: identity, profiles, a role's policies, the
//! journal, a revoke. Each lands in state (and its source's backoff).

use super::*;
use crate::aws::{ApiError, CallerIdentity, InstanceProfile};
use crate::tui::app::state::RoleKey;

/// STS answered (or not) for an account.
pub(super) fn identity(
    state: &mut State,
    account: String,
    result: Result<CallerIdentity, ApiError>,
) -> Vec<Effect> {
    let now = state.now;
    let a = state.inventory.account_mut(&account);
    match result {
        Ok(id) => {
            a.identity = Some(id);
            // Loaded once; Ctrl-r asks again.
            a.identity_src.succeed(now, Duration::MAX);
        }
        Err(e) => a.identity_src.fail(now, e),
    }
    vec![]
}

/// An account's instance profiles arrived (or their read failed).
pub(super) fn profiles(
    state: &mut State,
    account: String,
    result: Result<Vec<InstanceProfile>, ApiError>,
) -> Vec<Effect> {
    let now = state.now;
    match result {
        // An account no longer shown: its profiles are not wanted.
        Ok(_) if !state.inventory.shown.contains(&account) => {}
        Ok(profiles) => {
            state.inventory.set_profiles(&account, profiles);
            state
                .inventory
                .account_mut(&account)
                .profiles_src
                .succeed(now, Duration::MAX);
            if let Overlay::Picker(p) = &mut state.overlay {
                p.offer(&state.inventory.profiles);
            }
        }
        Err(e) => state
            .inventory
            .account_mut(&account)
            .profiles_src
            .fail(now, e),
    }
    clamp_after_layout_change(state);
    vec![]
}

/// A role's older sessions were revoked in one account, or why not: said
/// once every account of the revoke has answered.
pub(super) fn sessions_revoked(
    state: &mut State,
    key: &str,
    role: &str,
    result: Result<String, String>,
) -> Vec<Effect> {
    if result.is_ok() {
        // Revoked: K offers the next role the batch left, if any.
        state
            .changes
            .moved_off
            .retain(|(k, r)| (k.as_str(), r.as_str()) != (key, role));
        // The role's policies changed: read again when next shown.
        state
            .inventory
            .role_rows
            .remove(&(key.to_string(), role.to_string()));
    }
    let mut answers = std::mem::take(&mut state.changes.revoking);
    match answers.iter_mut().find(|(k, r)| k == key && r.is_none()) {
        Some(slot) => slot.1 = Some(result),
        None => answers = vec![(key.to_string(), Some(result))],
    }
    let waiting = answers.iter().filter(|(_, r)| r.is_none()).count();
    if waiting > 0 {
        state.changes.revoking = answers;
        let text = format!(
            "revoking the older sessions of {role}: {} of {} accounts answered",
            answers_in(&state.changes.revoking),
            state.changes.revoking.len()
        );
        info(state, Tone::Info, text);
        return vec![];
    }
    let several = answers.len() > 1 || state.several_accounts();
    let mut done = Vec::new();
    let mut at = None;
    let mut failed = Vec::new();
    for (key, answer) in &answers {
        let place = state.account_label(key);
        match answer {
            Some(Ok(t)) => {
                at.get_or_insert_with(|| t.clone());
                done.push(place);
            }
            Some(Err(why)) => failed.push(if several {
                format!("in {place}: {why}")
            } else {
                why.clone()
            }),
            None => {}
        }
    }
    let in_accounts = if several {
        format!(" in {}", done.join(", "))
    } else {
        String::new()
    };
    let at = at.unwrap_or_default();
    let (tone, text) = match (done.is_empty(), failed.is_empty()) {
        (false, true) => (
            Tone::Success,
            format!(
                "role {role}: every session issued before {at} is denied{in_accounts} (AWSRevokeOlderSessions); holders fetch new credentials"
            ),
        ),
        (true, _) => (
            Tone::Error,
            format!("revoking the sessions of {role}: {}", failed.join("; ")),
        ),
        (false, false) => (
            Tone::Error,
            format!(
                "role {role}: sessions issued before {at} denied{in_accounts}; NOT revoked {}",
                failed.join("; ")
            ),
        ),
    };
    info(state, tone, crate::aws::text::sanitize(&text));
    vec![]
}

fn answers_in(answers: &[(String, Option<Result<String, String>>)]) -> usize {
    answers.iter().filter(|(_, r)| r.is_some()).count()
}

/// A role's policies arrived: parsed into rows (unreadable ones kept, with why).
pub(super) fn role_policies(
    state: &mut State,
    key: RoleKey,
    result: Result<Vec<crate::core::policy::Policy>, ApiError>,
) -> Vec<Effect> {
    let rows = match result {
        Ok(policies) => {
            let parsed: Vec<_> = policies.iter().map(crate::core::policy::parse).collect();
            // Shown raw, with why, never dropped silently.
            let unreadable = parsed
                .iter()
                .filter_map(|p| {
                    p.unreadable.as_ref().map(|why| {
                        format!("{}: cannot read it ({why}); raw: {}", p.policy.name, p.text)
                    })
                })
                .collect();
            state
                .inventory
                .role_unreadable
                .insert(key.clone(), unreadable);
            state
                .inventory
                .role_eval
                .insert(key.clone(), crate::core::eval::role_policies(&parsed));
            let trust = parsed
                .iter()
                .filter(|p| p.policy.kind == crate::aws::PolicyKind::Trust)
                .flat_map(crate::core::policy::trust_principals)
                .collect();
            state.inventory.role_trust.insert(key.clone(), trust);
            RoleRows::Loaded(crate::core::policy::rows_of(&parsed))
        }
        Err(e) => RoleRows::Failed(e),
    };
    state.inventory.role_rows.insert(key.clone(), rows);
    // Diffs with this role are computed again from what was just read.
    state.inventory.access_diffs.clear();
    super::derive_access(state);
    // The permissions overlay filters what has just arrived.
    let lines = permission_view_lines(state, &key);
    if let Overlay::Permissions(pv) = &mut state.overlay
        && (&pv.account, &pv.role) == (&key.0, &key.1)
    {
        pv.list.refilter(&lines);
    }
    // An undo waiting for the roles it put back.
    super::changes::report_restore(state);
    vec![]
}

/// The journal was read, for `u` or `J`.
pub(super) fn journal(
    state: &mut State,
    purpose: JournalPurpose,
    result: Result<Vec<crate::core::journal::Entry>, String>,
) -> Vec<Effect> {
    match (purpose, result) {
        (JournalPurpose::Refresh, Err(_)) => {
            // Said once, when it was opened; the view stays as last read.
            if let Overlay::Journal(v) = &mut state.overlay {
                v.refreshing = false;
                v.read_at = state.now;
            }
        }
        (_, Err(why)) => info(state, Tone::Error, why),
        (JournalPurpose::Undo, Ok(entries)) => changes::plan_undo(state, &entries, None),
        (JournalPurpose::UndoBatch(batch), Ok(entries)) => {
            changes::plan_undo(state, &entries, Some(&batch))
        }
        (purpose @ (JournalPurpose::Show | JournalPurpose::Refresh), Ok(entries)) => {
            // The changes of the accounts shown (all, while none is known),
            // each with what is known of it: no outcome on record is unknown.
            let ids = state.shown_account_ids();
            let entries: Vec<crate::core::journal::Entry> = crate::core::journal::records(&entries)
                .into_iter()
                .filter(|r| {
                    ids.is_empty() || r.entry.account.as_ref().is_some_and(|a| ids.contains(a))
                })
                .map(|r| {
                    let mut e = r.entry.clone();
                    if crate::core::journal::is_instance_change(&e) {
                        e.outcome = Some(r.known.word().into());
                    }
                    e
                })
                .collect();
            let unrecorded = state
                .changes
                .unrecorded
                .iter()
                .map(|(id, _)| id.clone())
                .collect();
            let scroll = match (&state.overlay, purpose) {
                (Overlay::Journal(v), JournalPurpose::Refresh) => {
                    v.scroll.min(entries.len().saturating_sub(1))
                }
                // Closed meanwhile: a late reading opens nothing.
                (_, JournalPurpose::Refresh) => return vec![],
                _ => 0,
            };
            state.overlay = Overlay::Journal(JournalView {
                entries,
                scroll,
                unrecorded,
                read_at: state.now,
                refreshing: false,
            });
        }
    }
    vec![]
}

/// A containment's plan arrived: the dialog lists every step (or says why
/// there is none).
pub(super) fn contain_planned(
    state: &mut State,
    case: &str,
    result: Result<Box<crate::core::contain::Plan>, String>,
) -> Vec<Effect> {
    use crate::tui::app::state::{ContainDialog, ContainPhase};
    let waiting = matches!(&state.overlay, Overlay::Contain(ContainDialog { case: c, phase: ContainPhase::Planning, .. }) if c == case);
    if !waiting {
        return vec![];
    }
    match result {
        Ok(plan) => {
            if let Overlay::Contain(d) = &mut state.overlay {
                d.phase = ContainPhase::Confirm(plan);
            }
            state.message = None;
        }
        Err(why) => {
            state.overlay = Overlay::None;
            info(state, Tone::Error, format!("cannot contain: {why}"));
        }
    }
    vec![]
}

/// A containment ran: what worked, what did not, and how to take it back.
pub(super) fn contain_done(
    state: &mut State,
    case: &str,
    steps: &[crate::core::contain::StepResult],
) -> Vec<Effect> {
    // Its swaps were rolecall's own (a poll may see them any moment now).
    let now = state.now;
    for s in steps.iter().filter(|s| s.step == "swap") {
        if let Some(region) = state
            .inventory
            .rows
            .iter()
            .find(|r| r.data.instance.id == s.instance_id)
            .map(|r| r.data.instance.region.clone())
        {
            state
                .changes
                .own
                .insert((region, s.instance_id.clone()), now);
        }
    }
    let failed: Vec<&crate::core::contain::StepResult> = steps.iter().filter(|s| !s.ok).collect();
    let text = match failed.first() {
        None => format!(
            "case {case}: {} steps done ({} instance(s) contained); rolecall release {case} reverses it",
            steps.len(),
            steps
                .iter()
                .map(|s| s.instance_id.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        ),
        Some(first) => format!(
            "case {case}: {} of {} steps failed (first: {} of {}: {}); rolecall release {case} takes back what was done",
            failed.len(),
            steps.len(),
            first.step,
            first.instance_id,
            first.error.clone().unwrap_or_default()
        ),
    };
    let tone = if failed.is_empty() {
        Tone::Success
    } else {
        Tone::Error
    };
    info(state, tone, crate::aws::text::sanitize(&text));
    super::poll::refresh_all(state)
}

/// A case was released: what worked; the cases view reads again.
pub(super) fn case_released(
    state: &mut State,
    case: &str,
    result: Result<Vec<crate::core::contain::StepResult>, String>,
) -> Vec<Effect> {
    let (tone, text) = match result {
        Err(why) => (Tone::Error, format!("cannot release case {case}: {why}")),
        Ok(steps) => match steps.iter().find(|s| !s.ok) {
            None => (
                Tone::Success,
                format!("case {case} released: {} steps undone", steps.len()),
            ),
            Some(bad) => (
                Tone::Error,
                format!(
                    "case {case}: {} of {} steps did not complete (first: {} of {}: {}); R again once fixed",
                    steps.iter().filter(|s| !s.ok).count(),
                    steps.len(),
                    bad.step,
                    bad.instance_id,
                    bad.error.clone().unwrap_or_default()
                ),
            ),
        },
    };
    info(state, tone, crate::aws::text::sanitize(&text));
    let now = state.now;
    let ids: Vec<(String, String)> = state
        .inventory
        .rows
        .iter()
        .filter(|r| {
            r.data
                .instance
                .tags
                .iter()
                .any(|(k, v)| k == crate::core::contain::CASE_TAG && v == case)
        })
        .map(|r| (r.data.instance.region.clone(), r.data.instance.id.clone()))
        .collect();
    for key in ids {
        state.changes.own.insert(key, now);
    }
    let mut effects = super::poll::refresh_all(state);
    if let Overlay::Cases(v) = &mut state.overlay {
        v.data = None;
        effects.push(Effect::LoadCases {
            regions: state.inventory.regions.clone(),
        });
    }
    effects
}
