//! The profile picker and the region picker: two uses of the one fuzzy list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::State;
use crate::app::state::{AccountPicker, Knowledge, Picker, RegionPicker};
use crate::text::{sanitize, truncate, wrap};

use super::fuzzy_list::{self, Surround};
use super::theme;

fn notice(text: &str, style: ratatui::style::Style) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), style))
}

pub fn render_profiles(state: &State, p: &Picker, frame: &mut Frame, area: Rect) {
    let (title, current) = match p.targets.as_slice() {
        [(region, id)] => {
            let row = state.row_of(region, id);
            let name = row
                .map(|r| r.name.as_str())
                .filter(|n| !n.is_empty())
                .map(|n| format!("{n}, "))
                .unwrap_or_default();
            let place = match row.filter(|_| state.several_accounts()) {
                Some(r) => format!("{} {region}", state.account_label(&r.data.instance.account)),
                None => region.clone(),
            };
            (
                format!(" Instance profile for {id} ({name}{place}) "),
                row.and_then(|r| r.data.association.as_ref())
                    .map(|a| a.profile.arn.clone()),
            )
        }
        many => (
            format!(" Instance profile for {} marked instances ", many.len()),
            None,
        ),
    };
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    // The targets' accounts whose profiles are not loaded: the picker says why.
    let unloaded = p
        .accounts
        .iter()
        .map(|a| (a, &state.inventory.account(a).profiles_src))
        .find(|(_, src)| !src.loaded);
    if let Some((account, src)) = unloaded {
        let whose = if state.several_accounts() {
            format!(" of {}", state.account_label(account))
        } else {
            String::new()
        };
        match src.knowledge() {
            Knowledge::Unknown(e) => {
                let when = if src.in_flight {
                    "retrying now".to_string()
                } else {
                    format!(
                        "retrying in {}s (Ctrl-r retries now)",
                        src.next_at.saturating_sub(state.now).as_secs().max(1)
                    )
                };
                let text = format!(
                    "cannot list the instance profiles{whose}: {}; {when}",
                    e.sentence()
                );
                for l in wrap(&sanitize(&text), width, 4) {
                    lines.push(notice(&l, theme::error()));
                }
            }
            _ => lines.push(notice(
                &format!("loading the instance profiles{whose}…"),
                theme::dim(),
            )),
        }
    } else if p.list.matches.is_empty() {
        lines.push(notice("no profile matches", theme::dim()));
    }
    let around = Surround {
        title,
        legend: "name  role  path   ● current".into(),
        notice: lines,
    };
    let mark = |i: usize| {
        let is_current = p
            .offered
            .get(i)
            .and_then(|&i| state.inventory.profiles.get(i))
            .is_some_and(|pr| current.as_deref() == Some(pr.arn.as_str()));
        Span::styled(if is_current { "● " } else { "  " }, theme::success())
    };
    fuzzy_list::render(&p.list, &p.lines, p.lines.len(), around, mark, frame, area);
}

pub fn render_regions(r: &RegionPicker, frame: &mut Frame, area: Rect) {
    let all = r.all.as_deref().unwrap_or(&[]);
    let width = area.width.saturating_sub(2) as usize;
    let lines = match (&r.all, &r.error) {
        (_, Some(e)) => vec![notice(&truncate(&sanitize(e), width), theme::error())],
        (None, None) => vec![notice("loading regions (DescribeRegions)…", theme::dim())],
        (Some(_), None) => vec![],
    };
    let around = Surround {
        title: " Regions (Space toggles, Enter applies) ".into(),
        legend: format!("{} chosen", r.chosen.len()),
        notice: lines,
    };
    let mark = |i: usize| {
        let chosen = all.get(i).is_some_and(|name| r.chosen.contains(name));
        Span::raw(if chosen { "[x] " } else { "[ ] " })
    };
    fuzzy_list::render(&r.list, all, all.len(), around, mark, frame, area);
}

/// `a`: every account of the session; the chosen ones are shown.
pub fn render_accounts(a: &AccountPicker, frame: &mut Frame, area: Rect) {
    let lines: Vec<String> = a.all.iter().map(|(_, l)| l.clone()).collect();
    let around = Surround {
        title: " Accounts (Space toggles, Enter applies) ".into(),
        legend: format!("{} of {} chosen", a.chosen.len(), a.all.len()),
        notice: vec![],
    };
    let mark = |i: usize| {
        let chosen = a.all.get(i).is_some_and(|(k, _)| a.chosen.contains(k));
        Span::raw(if chosen { "[x] " } else { "[ ] " })
    };
    fuzzy_list::render(&a.list, &lines, lines.len(), around, mark, frame, area);
}

/// The permissions overlay: the role's rows, grouped by policy, risky ones marked.
pub fn render_permissions(
    state: &State,
    pv: &crate::app::state::PermissionsView,
    frame: &mut Frame,
    area: Rect,
) {
    use crate::app::state::RoleRows;
    let key = (pv.account.clone(), pv.role.clone());
    let (lines, notice) = match state.inventory.role_rows.get(&key) {
        Some(RoleRows::Loaded(rows)) => {
            let lines = crate::app::update::permission_view_lines(state, &key);
            let notice = if rows.is_empty() {
                vec![notice("the role's policies grant nothing", theme::dim())]
            } else {
                vec![]
            };
            (lines, notice)
        }
        Some(RoleRows::Failed(e)) => (
            vec![],
            vec![notice(
                &sanitize(&format!(
                    "cannot read the role's policies: {}",
                    e.sentence()
                )),
                theme::error(),
            )],
        ),
        _ => (
            vec![],
            vec![notice("reading the role's policies…", theme::dim())],
        ),
    };
    let around = Surround {
        title: format!(
            " Permissions of role {} (profile {}): policy text, not an evaluation ",
            pv.role, pv.profile
        ),
        legend: "policy  effect action  resource   ⚠ high risk".into(),
        notice,
    };
    let total = lines.len();
    let mark = |i: usize| {
        let risky = lines.get(i).is_some_and(|l| l.contains('⚠'));
        Span::styled(if risky { "⚠ " } else { "  " }, theme::warning())
    };
    fuzzy_list::render(&pv.list, &lines, total, around, mark, frame, area);
}

/// `P`: every instance profile with its role, path and users.
pub fn render_profile_view(
    state: &State,
    list: &crate::app::fuzzy_list::FuzzyList,
    frame: &mut Frame,
    area: Rect,
) {
    let lines = crate::app::update::profile_view_lines(state);
    let notice = if state.inventory.profiles_loaded() {
        vec![]
    } else {
        vec![notice(
            "instance profiles not loaded (see the failing reads above)",
            theme::dim(),
        )]
    };
    let around = Surround {
        title: " Instance profiles (Enter lists the instances on one) ".into(),
        legend: "name  role  path  instances in the shown regions".into(),
        notice,
    };
    let total = lines.len();
    let mark = |i: usize| {
        let odd = lines
            .get(i)
            .is_some_and(|l| l.ends_with("unused") || l.contains("(no role"));
        Span::styled(if odd { "○ " } else { "  " }, theme::dim())
    };
    fuzzy_list::render(list, &lines, total, around, mark, frame, area);
}
