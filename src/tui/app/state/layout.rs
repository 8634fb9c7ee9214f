//! Sizes both `update` (paging, scrolling) and the view need: how many lines
//! the failing-reads strip and the footer take, so how many rows the list has.

use std::time::Duration;

use ratatui::layout::Rect;

use crate::aws::ApiError;

use super::{Source, State};

/// The smallest terminal the layout works in.
pub const MIN_SIZE: (u16, u16) = (80, 20);

/// True when the terminal is smaller than [`MIN_SIZE`]: the screen says so
/// and nothing else is drawn.
pub fn too_small(state: &State) -> bool {
    state.size.0 < MIN_SIZE.0 || state.size.1 < MIN_SIZE.1
}

/// The most lines the failing-reads strip takes; more failures are summed up.
pub const MAX_PROBLEM_LINES: usize = 4;

/// The most lines the footer's message wraps to.
pub const MAX_MESSAGE_LINES: usize = 3;

/// Which data a failing read was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feed {
    Identity,
    Profiles,
    Instances,
    Associations,
}

impl Feed {
    pub fn label(self) -> &'static str {
        match self {
            Feed::Identity => "identity",
            Feed::Profiles => "instance profiles",
            Feed::Instances => "instances",
            Feed::Associations => "associations",
        }
    }
}

/// Reads failing the same way, grouped (one line on screen).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem<'a> {
    pub feed: Feed,
    /// Where: (account label when several accounts are shown, region) of
    /// each read affected; the region is empty for an account-wide source.
    pub regions: Vec<(Option<String>, String)>,
    pub error: &'a ApiError,
    /// The soonest retry among them.
    pub next_at: Duration,
    /// True when some of them never loaded: their data is unknown.
    pub unknown: bool,
    /// The oldest successful read among those that have data.
    pub oldest_ok: Option<Duration>,
    /// A retry is under way.
    pub retrying: bool,
}

fn add<'a>(
    out: &mut Vec<Problem<'a>>,
    feed: Feed,
    place: Option<(Option<String>, String)>,
    src: &'a Source,
) {
    let Some(error) = &src.error else { return };
    let same = out.iter().position(|p| {
        p.feed == feed && p.error.short() == error.short() && p.error.action == error.action
    });
    let index = same.unwrap_or_else(|| {
        out.push(Problem {
            feed,
            regions: Vec::new(),
            error,
            next_at: src.next_at,
            unknown: false,
            oldest_ok: None,
            retrying: false,
        });
        out.len() - 1
    });
    let p = &mut out[index];
    p.regions.extend(place);
    p.next_at = p.next_at.min(src.next_at);
    p.unknown |= !src.loaded;
    p.retrying |= src.in_flight;
    if src.loaded {
        p.oldest_ok = match (p.oldest_ok, src.last_ok) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// Every failing read, grouped by what failed and how.
pub fn problems(state: &State) -> Vec<Problem<'_>> {
    let mut out = Vec::new();
    let several = state.several_accounts();
    for key in &state.inventory.shown {
        let a = state.inventory.account(key);
        let place = several.then(|| (Some(state.account_label(key)), String::new()));
        add(&mut out, Feed::Identity, place.clone(), &a.identity_src);
        add(&mut out, Feed::Profiles, place, &a.profiles_src);
    }
    for scope in state.inventory.scopes() {
        if let Some(d) = state.inventory.region_data.get(&scope) {
            let place = (
                several.then(|| state.account_label(&scope.0)),
                scope.1.clone(),
            );
            add(
                &mut out,
                Feed::Instances,
                Some(place.clone()),
                &d.instances_src,
            );
            add(
                &mut out,
                Feed::Associations,
                Some(place),
                &d.associations_src,
            );
        }
    }
    out.sort_by_key(|p| p.feed);
    out
}

/// Lines the failing-reads strip takes.
pub fn problem_lines(state: &State) -> usize {
    problems(state).len().min(MAX_PROBLEM_LINES)
}

/// Lines the footer's message takes when wrapped to the terminal width.
pub fn message_lines(state: &State) -> usize {
    message_text(state).len()
}

/// The footer's message, wrapped to the terminal width (what the view draws).
pub fn message_text(state: &State) -> Vec<String> {
    let text = state
        .message
        .as_ref()
        .map(|m| crate::aws::text::sanitize(&m.text))
        .unwrap_or_default();
    crate::aws::text::wrap(&text, state.size.0 as usize, MAX_MESSAGE_LINES)
}

/// Lines above and below the list's rows: header, strip, footer (hints and
/// message), borders (2), column titles.
pub fn list_chrome(state: &State) -> usize {
    1 + problem_lines(state) + 1 + message_lines(state) + 2 + 1
}

/// How many instance rows fit on screen.
pub fn list_capacity(state: &State) -> usize {
    (state.size.1 as usize).saturating_sub(list_chrome(state))
}

/// How wide the detail pane is at this terminal width.
pub fn detail_width(width: u16) -> u16 {
    (width * 28 / 100).clamp(30, 56)
}

/// A centred rectangle of at most `w`x`h` inside `area`.
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(4));
    let h = h.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The whole screen.
pub fn screen(state: &State) -> Rect {
    Rect::new(0, 0, state.size.0, state.size.1)
}

/// Where the profile picker is drawn on a screen of this size.
/// Where dialogs go: the screen above the footer, so that its keys and
/// message stay in sight.
pub fn dialog_area(state: &State) -> Rect {
    let screen = screen(state);
    Rect {
        height: screen
            .height
            .saturating_sub(1 + message_lines(state) as u16),
        ..screen
    }
}

pub fn profile_picker_area(area: Rect) -> Rect {
    popup(area, 96, area.height.saturating_sub(6))
}

/// The least room NAME and PROFILE share before other columns give way.
pub const MIN_FLEXIBLE: u16 = 30;
/// INSTANCE: an instance id (`i-` and 17 hex digits).
pub const ID_W: u16 = 19;
/// The widest ACCOUNT column (labels are cut with `…`), the narrowest, and
/// how narrow it gets before REGION gives way.
pub const ACCOUNT_W: u16 = 16;
pub const ACCOUNT_MIN: u16 = 7;
pub const ACCOUNT_SQUEEZED: u16 = 10;
/// The widest REGION column (`ap-southeast-2`).
pub const REGION_W: u16 = 14;
/// The widest STATE (`shutting-down`, cut) and ASSOC (`disassociating` and a spinner).
pub const STATE_W: u16 = 10;
pub const ASSOC_W: u16 = 16;
/// The narrowest a column gets: its title and the sort arrow.
pub const TITLE_MIN: u16 = 6;

/// The instance table's columns, as wide as they are drawn (0: not shown).
/// The one table both the layout (folding, clicks) and the view use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListColumns {
    pub account: u16,
    pub region: u16,
    /// REGION shows short names (`apse2`) to make room.
    pub short_regions: bool,
    pub name: u16,
    pub state: u16,
    pub profile: u16,
    pub assoc: u16,
}

/// The columns of a list `width` wide, whose rows on screen say at most
/// `widest_state` and `widest_assoc` characters in STATE and ASSOC. NAME and
/// PROFILE (what the tool is for) keep room: ACCOUNT narrows first, then
/// REGION becomes short, then goes (the detail pane has both).
pub fn list_columns(
    state: &State,
    width: u16,
    widest_state: u16,
    widest_assoc: u16,
) -> ListColumns {
    let mut account = if state.several_accounts() {
        state
            .inventory
            .shown
            .iter()
            .map(|k| {
                crate::aws::text::sanitize(&state.account_label(k))
                    .chars()
                    .count() as u16
            })
            .max()
            .unwrap_or(0)
            .clamp(ACCOUNT_MIN, ACCOUNT_W)
    } else {
        0
    };
    let region_names = |short: bool| {
        state
            .inventory
            .regions
            .iter()
            .map(|r| {
                if short {
                    crate::aws::text::short_region(r).chars().count() as u16
                } else {
                    r.chars().count() as u16
                }
            })
            .max()
            .unwrap_or(0)
    };
    let mut region = if state.inventory.regions.len() > 1 {
        region_names(false).clamp(TITLE_MIN, REGION_W)
    } else {
        0
    };
    let state_w = widest_state.clamp(TITLE_MIN, STATE_W);
    let assoc = widest_assoc.clamp(TITLE_MIN, ASSOC_W);
    let flexible = |account: u16, region: u16| {
        let columns = 6 + u16::from(region > 0) + u16::from(account > 0);
        // A one-column mark at the left of every row.
        let fixed = 1 + ID_W + state_w + assoc + region + account;
        width.saturating_sub(fixed + columns - 1)
    };
    if flexible(account, region) < MIN_FLEXIBLE && account > 0 {
        account = account.min(ACCOUNT_SQUEEZED);
    }
    let mut short_regions = false;
    if flexible(account, region) < MIN_FLEXIBLE && region > 0 {
        short_regions = true;
        region = region_names(true).max(TITLE_MIN);
    }
    if flexible(account, region) < MIN_FLEXIBLE && region > 0 {
        region = 0;
    }
    let flexible = flexible(account, region);
    let name = flexible / 2;
    ListColumns {
        account,
        region,
        short_regions,
        name,
        state: state_w,
        profile: flexible - name,
        assoc,
    }
}

/// True when the detail pane folds away (`i` shows it): beside the list it
/// would leave the list too little room for its columns (about 120 columns
/// with several regions; less with one).
pub fn detail_folded(state: &State) -> bool {
    let width = state.size.0;
    // Borders, the mark, INSTANCE, STATE, ASSOC, the gaps, NAME and PROFILE;
    // a whole REGION and a squeezed ACCOUNT, each with its gap.
    let mut needs: u16 = 2 + 1 + ID_W + STATE_W + ASSOC_W + 6 + MIN_FLEXIBLE;
    if state.inventory.regions.len() > 1 {
        needs += REGION_W + 1;
    }
    if state.several_accounts() {
        needs += ACCOUNT_SQUEEZED + 1;
    }
    width.saturating_sub(detail_width(width)) < needs
}

/// How wide the instance list is.
pub fn list_width(state: &State) -> u16 {
    if detail_folded(state) {
        state.size.0
    } else {
        state.size.0.saturating_sub(detail_width(state.size.0))
    }
}

/// The instance under a screen cell of the list: its index in `visible`.
pub fn list_row_at(state: &State, column: u16, row: u16) -> Option<usize> {
    let width = list_width(state);
    // Header, failing reads, the list's top border, its column titles.
    let top = (1 + problem_lines(state) + 2) as u16;
    if column == 0 || column + 1 >= width || row < top {
        return None;
    }
    let n = (row - top) as usize;
    (n < list_capacity(state))
        .then_some(state.list.offset + n)
        .filter(|&i| i < state.list.visible.len())
}

/// The entry of a fuzzy list drawn in `area` under a screen cell: its index
/// in `matches` (the border, then the query line, then the rows).
pub fn fuzzy_row_at(
    area: Rect,
    list: &crate::tui::app::fuzzy_list::FuzzyList,
    column: u16,
    row: u16,
) -> Option<usize> {
    let inner_top = area.y + 1;
    let first = inner_top + 1;
    let height = area.height.saturating_sub(3) as usize;
    if column <= area.x || column + 1 >= area.x + area.width || row < first {
        return None;
    }
    let n = (row - first) as usize;
    let start = crate::tui::app::fuzzy_list::scroll(list.selected, height);
    (n < height)
        .then_some(start + n)
        .filter(|&i| i < list.matches.len())
}
