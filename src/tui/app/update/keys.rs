//! The main list's keys (when no overlay is open), the filter being typed,
//! and copying to the clipboard.

use super::*;

pub(super) fn on_main(state: &mut State, cmd: Command) -> Vec<Effect> {
    let page = state.page_rows().max(1) as isize;
    match cmd {
        Command::Down => move_by(state, 1),
        Command::Up => move_by(state, -1),
        Command::First => move_by(state, isize::MIN / 2),
        Command::Last => move_by(state, isize::MAX / 2),
        Command::PageDown => move_by(state, page),
        Command::PageUp => move_by(state, -page),
        Command::ShowDetail => state.overlay = Overlay::Detail,
        Command::FocusNext if layout::detail_folded(state) => {
            state.list.focus = Focus::List;
            state.overlay = Overlay::Detail;
        }
        Command::FocusNext => {
            state.list.focus = match state.list.focus {
                Focus::List => Focus::Detail,
                Focus::Detail => Focus::List,
            }
        }
        Command::StartFilter => state.list.filter_editing = true,
        Command::Back
            if !state.list.filter.is_empty()
                || state.list.role_filter.is_some()
                || state.list.profile_filter.is_some() =>
        {
            state.list.filter.clear();
            state.list.role_filter = None;
            state.list.profile_filter = None;
            state.apply_filter(false);
        }
        Command::ShowProfiles => {
            let lines = profile_view_lines(state);
            state.overlay = Overlay::Profiles(crate::tui::app::fuzzy_list::FuzzyList::new(&lines));
        }
        Command::Contain => dialogs::open_contain(state),
        Command::ShowCases => {
            state.overlay = Overlay::Cases(crate::tui::app::state::CasesView {
                data: None,
                selected: 0,
                releasing: false,
                typed: String::new(),
            });
            return vec![Effect::LoadCases {
                regions: state.inventory.regions.clone(),
            }];
        }
        Command::Revoke => {
            // The roles the latest batch left first (credentials issued under
            // them live on), then the selected instance's.
            let role = state
                .changes
                .moved_off
                .first()
                .map(|(_, role)| role.clone())
                .or_else(|| {
                    let row = state.selected_row()?;
                    let a = row.data.association.as_ref()?;
                    Some(state.role_of(&a.profile.arn)?.name.clone())
                });
            match role {
                Some(role) => dialogs::open_revoke(state, &role),
                None => info(
                    state,
                    Tone::Info,
                    "the selected instance runs with no role: nothing to revoke (P lists every profile; K there revokes its role)",
                ),
            }
        }
        Command::BlastRadius => {
            let role = state
                .selected_row()
                .and_then(|r| r.data.association.as_ref())
                .and_then(|a| state.role_of(&a.profile.arn))
                .map(|r| r.name.clone());
            let chosen = state
                .selected_row()
                .map(|r| (r.data.instance.region.clone(), r.data.instance.id.clone()));
            match role {
                Some(name) => {
                    state.list.role_filter = Some(name.clone());
                    state.list.profile_filter = None;
                    state.apply_filter(false);
                    // The cursor stays on the instance `b` was pressed on.
                    if let Some((region, id)) = &chosen {
                        state.select_instance(region, id);
                    }
                    let n = state.list.visible.len();
                    let text = format!(
                        "{n} instance{} run with role {}{} (Esc shows all)",
                        if n == 1 { "" } else { "s" },
                        crate::aws::text::sanitize(&name),
                        in_accounts(state)
                    );
                    info(state, Tone::Info, text);
                }
                None => info(state, Tone::Info, "the selected instance runs with no role"),
            }
        }
        Command::OpenPicker => overlays::open_picker(state),
        Command::Detach => return changes::detach(state),
        Command::Quarantine => return changes::quarantine(state),
        Command::Undo => {
            if state.config.read_only {
                refuse_read_only(state);
                return vec![];
            }
            return vec![Effect::ReadJournal(JournalPurpose::Undo)];
        }
        Command::ShowJournal => return vec![Effect::ReadJournal(JournalPurpose::Show)],
        Command::ShowOutside => state.overlay = Overlay::Outside(0),
        Command::ShowHistory => return super::history::show(state),
        Command::Permissions => {
            let profile = state.selected_row().and_then(|r| {
                let a = r.data.association.as_ref()?;
                Some((r.data.instance.account.clone(), a.profile.arn.clone()))
            });
            let Some((account, arn)) = profile else {
                info(
                    state,
                    Tone::Info,
                    "the selected instance has no instance profile: no permissions",
                );
                return vec![];
            };
            let Some(role) = state.role_of(&arn).map(|r| r.name.clone()) else {
                let why = if state.inventory.account(&account).profiles_src.loaded {
                    "its instance profile holds no role: the instance has no permissions"
                } else {
                    "the instance profiles are not loaded yet: wait a moment"
                };
                info(state, Tone::Info, why);
                return vec![];
            };
            let lines = permission_view_lines(state, &(account.clone(), role.clone()));
            state.overlay = Overlay::Permissions(PermissionsView {
                account,
                role,
                profile: crate::aws::profile_name_from_arn(&arn).to_string(),
                list: crate::tui::app::fuzzy_list::FuzzyList::new(&lines),
            });
        }
        Command::Mark => {
            if let Some(r) = state.selected_row() {
                let key = (r.data.instance.region.clone(), r.data.instance.id.clone());
                if state.list.marks.is_empty() {
                    // Fresh marks: whatever `A` chose before is done with.
                    state.list.marked_with = None;
                }
                if !state.list.marks.remove(&key) {
                    state.list.marks.insert(key);
                }
                if let Some((_, by_hand)) = &mut state.list.marked_with {
                    *by_hand = true;
                }
                move_by(state, 1);
            }
        }
        Command::MarkAll => {
            let shown: Vec<(String, String)> = state
                .list
                .visible
                .iter()
                .filter_map(|&i| state.inventory.rows.get(i))
                .map(|r| (r.data.instance.region.clone(), r.data.instance.id.clone()))
                .collect();
            if !shown.is_empty() && shown.iter().all(|k| state.list.marks.contains(k)) {
                state.list.marks.clear();
                state.list.marked_with = None;
            } else {
                let said = state
                    .list
                    .filters_said()
                    .unwrap_or_else(|| "no filter (every instance listed)".into());
                // Marks made before: by hand, or by `A` under another filter.
                let before = !state.list.marks.is_empty();
                state.list.marked_with = match state.list.marked_with.take() {
                    Some((prev, by_hand)) if before && prev != said => {
                        Some((format!("{prev}, and under {said}"), by_hand))
                    }
                    Some(same) if before => Some(same),
                    _ => Some((said, before)),
                };
                state.list.marks.extend(shown);
            }
        }
        Command::OpenRegions => return overlays::open_regions(state),
        Command::OpenAccounts => return overlays::open_accounts(state),
        Command::CopyInstanceId | Command::CopyProfileArn | Command::CopyRoleArn => {
            return copy(state, &cmd);
        }
        Command::SortNext | Command::SortReverse => {
            let sort = &mut state.list.sort;
            if cmd == Command::SortNext {
                sort.column = sort.column.next();
                sort.descending = false;
            } else {
                sort.descending = !sort.descending;
            }
            let (column, descending) = (sort.column, sort.descending);
            state.resort();
            info(
                state,
                Tone::Info,
                format!(
                    "sorted by {}{} (s: next column, S: reverse)",
                    column.label(),
                    if descending { ", descending" } else { "" }
                ),
            );
        }
        Command::Refresh => {
            info(
                state,
                Tone::Info,
                "refreshing profiles, instances and associations",
            );
            // Role permissions are read again when next shown.
            state.inventory.role_rows.clear();
            state.inventory.role_eval.clear();
            state.inventory.access_diffs.clear();
            let mut effects = refresh_all(state);
            for account in state.inventory.shown.clone() {
                let src = &state.inventory.account(&account).identity_src;
                if !src.loaded && !src.in_flight {
                    effects.push(poll::load_identity(state, &account));
                }
            }
            return effects;
        }
        Command::Help => state.overlay = Overlay::Help(0),
        _ => {}
    }
    vec![]
}

/// `c`, `C`, `R`: the selected instance's id, profile ARN or role ARN to the
/// clipboard; the footer says what was copied (or why nothing was).
fn copy(state: &mut State, cmd: &Command) -> Vec<Effect> {
    let Some(row) = state.selected_row() else {
        info(state, Tone::Info, "no instance selected: nothing to copy");
        return vec![];
    };
    let id = row.data.instance.id.clone();
    let profile = row
        .data
        .association
        .as_ref()
        .filter(|a| a.state.is_active())
        .map(|a| a.profile.arn.clone());
    let (what, text) = match cmd {
        Command::CopyInstanceId => ("instance id", Some(id.clone())),
        Command::CopyProfileArn => ("instance profile ARN", profile),
        _ => (
            "role ARN",
            profile
                .as_deref()
                .and_then(|arn| state.role_of(arn))
                .map(|r| r.arn.clone()),
        ),
    };
    match text {
        Some(text) => {
            info(
                state,
                Tone::Success,
                format!(
                    "copied the {what} {} (OSC 52; in tmux: set -g set-clipboard on)",
                    crate::aws::text::sanitize(&text)
                ),
            );
            vec![Effect::Copy(text)]
        }
        None => {
            info(state, Tone::Info, format!("{id} has no {what} to copy"));
            vec![]
        }
    }
}

pub(super) fn on_filter(state: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Input(c) => {
            state.list.filter.push(c);
            state.list.selected = 0;
            state.apply_filter(true);
        }
        Command::Backspace => {
            state.list.filter.pop();
            state.apply_filter(false);
        }
        Command::Accept => state.list.filter_editing = false,
        Command::Back => {
            state.list.filter_editing = false;
            state.list.filter.clear();
            state.apply_filter(false);
        }
        Command::Down => move_by(state, 1),
        Command::Up => move_by(state, -1),
        _ => {}
    }
    vec![]
}

/// `in 2 accounts` when the rows shown come from several accounts: `b` and
/// the profiles view span every account shown, and say so.
pub(super) fn in_accounts(state: &State) -> String {
    match state.accounts_shown_in_list() {
        0 | 1 if !state.several_accounts() => String::new(),
        n => format!(" in {n} account{}", if n == 1 { "" } else { "s" }),
    }
}
