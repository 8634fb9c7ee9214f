//! The fuzzy-list overlays, each one use of the one fuzzy list: the profile
//! picker, the region and account pickers, the permissions view and the
//! instance profiles view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::aws::text::{sanitize, truncate, wrap};
use crate::tui::app::State;
use crate::tui::app::state::{AccountPicker, Knowledge, Picker, RegionPicker};

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
    let lines = p.lines(&state.inventory.profiles);
    fuzzy_list::render(&p.list, &lines, lines.len(), around, mark, frame, area);
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
pub fn render_accounts(state: &State, a: &AccountPicker, frame: &mut Frame, area: Rect) {
    let lines = crate::tui::app::derive::account_lines(state, &a.keys);
    let around = Surround {
        title: " Accounts (Space toggles, Enter applies) ".into(),
        legend: format!("{} of {} chosen", a.chosen.len(), a.keys.len()),
        notice: vec![],
    };
    let mark = |i: usize| {
        let chosen = a.keys.get(i).is_some_and(|k| a.chosen.contains(k));
        Span::raw(if chosen { "[x] " } else { "[ ] " })
    };
    fuzzy_list::render(&a.list, &lines, lines.len(), around, mark, frame, area);
}

/// The permissions overlay: the role's rows, grouped by policy, risky ones marked.
pub fn render_permissions(
    state: &State,
    pv: &crate::tui::app::state::PermissionsView,
    frame: &mut Frame,
    area: Rect,
) {
    use crate::tui::app::state::RoleRows;
    let key = (pv.account.clone(), pv.role.clone());
    let (lines, notice) = match state.inventory.role_rows.get(&key) {
        Some(RoleRows::Loaded(rows)) => {
            let lines = crate::tui::app::derive::permission_view_lines(state, &key);
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
            " Permissions of role {} (profile {}): its statements, risks marked ",
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

/// `P`: every instance profile with its role, path and users, in aligned
/// columns as the picker's (with several accounts, the account first).
pub fn render_profile_view(
    state: &State,
    list: &crate::tui::app::fuzzy_list::FuzzyList,
    frame: &mut Frame,
    area: Rect,
) {
    // Row for row the same profiles, in the same order, as the lines `update`
    // filters (`profile_view_lines`), so the list's indices hold.
    let lines = aligned(&crate::tui::app::derive::profile_view_cells(state));
    let notice = if state.inventory.profiles_loaded() {
        vec![]
    } else {
        vec![notice(
            "instance profiles not loaded (see the failing reads above)",
            theme::dim(),
        )]
    };
    let legend = if state.several_accounts() {
        "account  name  role  path  instances in the shown regions"
    } else {
        "name  role  path  instances in the shown regions"
    };
    let around = Surround {
        title: " Instance profiles (Enter lists the instances on one) ".into(),
        legend: legend.into(),
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

/// Rows of cells as lines: each cell sanitized, every column but the last
/// padded to its widest cell, two spaces apart.
fn aligned(rows: &[Vec<String>]) -> Vec<String> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| sanitize(c)).collect())
        .collect();
    let mut widths: Vec<usize> = Vec::new();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            let n = c.chars().count();
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(n),
                None => widths.push(n),
            }
        }
    }
    rows.into_iter()
        .map(|r| {
            let last = r.len().saturating_sub(1);
            let mut line = String::new();
            for (i, c) in r.into_iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = widths.get(i).copied().unwrap_or(0);
                let pad = pad.saturating_sub(c.chars().count());
                line.push_str(&c);
                if i < last {
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::aws::{InstanceProfile, Role};
    use crate::tui::app::State;
    use crate::tui::app::fuzzy_list::FuzzyList;

    const ACCOUNT: &str = "210987654321";

    fn profile(name: &str, role: Option<&str>, path: &str) -> InstanceProfile {
        InstanceProfile {
            account: String::new(),
            name: name.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:instance-profile{path}{name}"),
            id: format!("AIPA{}", name.len()),
            path: path.into(),
            roles: role
                .map(|r| Role {
                    name: r.into(),
                    arn: format!("arn:aws:iam::{ACCOUNT}:role/{r}"),
                })
                .into_iter()
                .collect(),
            created: None,
        }
    }

    fn state_with(profiles: Vec<InstanceProfile>) -> State {
        // The test state's one account is ACCOUNT.
        let mut state = crate::tui::app::state::test_state();
        state.inventory.set_profiles(ACCOUNT, profiles);
        state.inventory.account_mut(ACCOUNT).profiles_src.loaded = true;
        state
    }

    /// The screen's lines, as drawn.
    fn draw(state: &State) -> Vec<String> {
        let (w, h) = (110, 12);
        let list = FuzzyList::new(&super::aligned(
            &crate::tui::app::derive::profile_view_cells(state),
        ));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| {
                let area = f.area();
                super::render_profile_view(state, &list, f, area);
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    #[test]
    fn the_profiles_view_aligns_its_columns_as_the_picker_does() {
        let state = state_with(vec![
            profile("a", Some("r1"), "/"),
            profile("a-much-longer-name", Some("role-two"), "/service/"),
            profile("empty", None, "/"),
        ]);
        let screen = draw(&state);
        // The column (in characters) where each row's role, path and count start.
        let at = |row: &str, text: &str| {
            let line = screen
                .iter()
                .find(|l| l.contains(&format!(" {row} ")))
                .unwrap_or_else(|| panic!("no row {row}: {screen:#?}"));
            let byte = line.find(text).unwrap();
            line[..byte].chars().count()
        };
        assert_eq!(
            at("a", "r1"),
            at("a-much-longer-name", "role-two"),
            "{screen:#?}"
        );
        assert_eq!(at("a", "r1"), at("empty", "(no role"), "{screen:#?}");
        assert_eq!(
            at("a", "/ "),
            at("a-much-longer-name", "/service/"),
            "{screen:#?}"
        );
        assert_eq!(at("a", "unused"), at("empty", "unused"), "{screen:#?}");
    }
}
