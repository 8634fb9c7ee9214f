//! Queries on the state that both `update` and the view read: derived, never
//! stored (so they cannot go stale), and pure.

use super::state::{Confirm, RevokeConfirm, RoleKey, RoleRows, State};

/// What the operator must type to confirm `c`: the names of the production
/// accounts it touches (space-separated), if it touches any.
pub fn confirm_guard(state: &State, c: &Confirm) -> Option<String> {
    let mut guards: Vec<String> = Vec::new();
    for change in &c.changes {
        if let Some(g) = state.production_guard(&change.account)
            && !guards.contains(&g)
        {
            guards.push(g);
        }
    }
    (!guards.is_empty()).then(|| guards.join(" "))
}

/// What the operator types to confirm `X`: the names of the production
/// accounts the containment touches (space-separated), if any.
pub fn contain_guard(state: &State, plan: &crate::core::contain::Plan) -> Option<String> {
    let mut guards: Vec<String> = Vec::new();
    for t in &plan.targets {
        if let Some(g) = state.production_guard(&t.account)
            && !guards.contains(&g)
        {
            guards.push(g);
        }
    }
    (!guards.is_empty()).then(|| guards.join(" "))
}

/// What the operator types to release a case: the names of the production
/// accounts its instances are in (space-separated), if any.
pub fn case_guard(state: &State, record: &crate::core::contain::CaseRecord) -> Option<String> {
    let mut guards: Vec<String> = Vec::new();
    for key in &state.inventory.shown {
        let id = state.account_id(key);
        if record
            .instances
            .iter()
            .any(|i| i.account.as_deref() == id && id.is_some())
            && let Some(g) = state.production_guard(key)
            && !guards.contains(&g)
        {
            guards.push(g);
        }
    }
    (!guards.is_empty()).then(|| guards.join(" "))
}

/// What the operator types to confirm `K`: the role's name, then the name
/// of each production account it reaches (space-separated).
pub fn revoke_guard(state: &State, r: &RevokeConfirm) -> String {
    let mut words = vec![r.role.clone()];
    for t in &r.targets {
        if let Some(g) = state.production_guard(&t.account)
            && !words.contains(&g)
        {
            words.push(g);
        }
    }
    words.join(" ")
}

/// Why an account's reads fail, if they do (the first failing one).
pub fn failing<'a>(state: &'a State, key: &str) -> Option<&'a crate::aws::ApiError> {
    let a = state.inventory.account(key);
    a.identity_src
        .error
        .as_ref()
        .or(a.profiles_src.error.as_ref())
        .or_else(|| {
            state
                .inventory
                .region_data
                .iter()
                .filter(|((k, _), _)| k == key)
                .find_map(|(_, d)| {
                    d.instances_src
                        .error
                        .as_ref()
                        .or(d.associations_src.error.as_ref())
                })
        })
}

/// The profiles view's cells, one row per profile: (the account, with
/// several,) name, role, path, and how many loaded instances use it
/// (profiles without a role, or unused, say so).
pub fn profile_view_cells(state: &State) -> Vec<Vec<String>> {
    state
        .inventory
        .profiles
        .iter()
        .map(|p| {
            let role = p
                .roles
                .first()
                .map_or("(no role: grants nothing)".to_string(), |r| r.name.clone());
            let n = state.instances_using(&p.arn);
            let used = if n == 0 {
                "unused".to_string()
            } else {
                format!("{n} instance{}", if n == 1 { "" } else { "s" })
            };
            let mut cells = Vec::with_capacity(5);
            if state.several_accounts() {
                cells.push(state.account_label(&p.account));
            }
            cells.extend([p.name.clone(), role, p.path.clone(), used]);
            cells
        })
        .collect()
}

/// The profiles view's lines, as its filter matches them: the cells of
/// [`profile_view_cells`], two spaces apart.
pub fn profile_view_lines(state: &State) -> Vec<String> {
    profile_view_cells(state)
        .iter()
        .map(|cells| crate::aws::text::sanitize(&cells.join("  ")))
        .collect()
}

/// The permissions overlay's lines for a role (none while they load).
pub fn permission_view_lines(state: &State, role: &RoleKey) -> Vec<String> {
    match state.inventory.role_rows.get(role) {
        Some(RoleRows::Loaded(rows)) => {
            let mut lines = crate::tui::app::state::permission_lines(rows);
            lines.extend(
                state
                    .inventory
                    .role_unreadable
                    .get(role)
                    .into_iter()
                    .flatten()
                    .map(|l| format!("⚠ {}", crate::aws::text::one_line(l))),
            );
            // The trust policy apart: who may assume the role, not what it may do.
            if let Some(who) = state
                .inventory
                .role_trust
                .get(role)
                .filter(|w| !w.is_empty())
            {
                lines.push(format!(
                    "who can assume this role (trust policy, not a permission): {}",
                    crate::aws::text::one_line(&who.join(", "))
                ));
            }
            lines
        }
        _ => Vec::new(),
    }
}

/// The account picker's lines: label and id, a failing read's few words,
/// PRODUCTION; made when drawn, so they follow the reads.
pub fn account_lines(state: &State, keys: &[String]) -> Vec<String> {
    keys.iter()
        .map(|key| {
            let label = state.account_label(key);
            let id = state.account_id(key).unwrap_or("id unknown");
            let mut line = if label == id {
                label
            } else {
                format!("{label}  {id}")
            };
            if let Some(e) = failing(state, key) {
                line.push_str(&format!("  ⚠ {}", e.short()));
            }
            if state.production_guard(key).is_some() {
                line.push_str("  PRODUCTION");
            }
            crate::aws::text::sanitize(&line)
        })
        .collect()
}

/// Why an instance is skipped, as the TUI says it (no command-line flags;
/// "nothing to do" where the instance is already as wanted).
pub fn why_text(why: &crate::core::bulk::Why) -> String {
    let text = crate::aws::text::sanitize(&why.sentence(false));
    if matches!(why, crate::core::bulk::Why::Refused(_)) && why.settled() {
        format!("{text}; nothing to do")
    } else {
        text
    }
}
