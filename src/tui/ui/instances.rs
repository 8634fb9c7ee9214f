//! The instance list: only the rows on screen are built each frame.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use crate::aws::text::truncate;
use crate::tui::app::State;
use crate::tui::app::state::{Focus, Knowledge};

use super::{spinner, theme};

use crate::tui::app::layout::{ID_W, ListColumns, list_columns};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let focused = state.list.focus == Focus::List && !state.list.filter_editing;
    let unknown_regions = unknown_regions(state);
    let title = title(state, unknown_regions);
    let block = Block::bordered().title(Line::from(title)).border_style(
        if focused || state.list.filter_editing {
            theme::focused_border()
        } else {
            Style::new()
        },
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let labels: std::collections::HashMap<&str, String> = state
        .inventory
        .shown
        .iter()
        .map(|k| {
            (
                k.as_str(),
                crate::aws::text::sanitize(&state.account_label(k)),
            )
        })
        .collect();
    // STATE and ASSOC are as wide as what the rows on screen say (an ASSOC
    // of `—` and `associated` needs 10, a spinning `disassociating` 16).
    let capacity = inner.height.saturating_sub(1) as usize;
    let end = (state.list.offset + capacity).min(state.list.visible.len());
    let drawn = &state.list.visible[state.list.offset.min(end)..end];
    let widest = |f: &dyn Fn(&crate::tui::app::state::Row) -> usize| {
        drawn
            .iter()
            .map(|&i| f(&state.inventory.rows[i]))
            .max()
            .unwrap_or(0) as u16
    };
    let cols = list_columns(
        state,
        inner.width,
        widest(&|r| r.data.instance.state.as_str().chars().count()),
        widest(&|r| profile_and_assoc(state, r).1.content.chars().count()),
    );
    let ListColumns {
        account: account_w,
        region: region_w,
        name: name_w,
        state: state_w,
        profile: profile_w,
        assoc: assoc_w,
        ..
    } = cols;
    let multi = region_w > 0;

    let mut widths = vec![Constraint::Length(1)];
    let mut header = vec![" "];
    if account_w > 0 {
        widths.push(Constraint::Length(account_w));
        header.push("ACCOUNT");
    }
    if multi {
        widths.push(Constraint::Length(region_w));
        header.push("REGION");
    }
    widths.extend([
        Constraint::Length(ID_W),
        Constraint::Length(name_w),
        Constraint::Length(state_w),
        Constraint::Length(profile_w),
        Constraint::Length(assoc_w),
    ]);
    header.extend(["INSTANCE", "NAME", "STATE", "PROFILE", "ASSOC"]);
    // The sorted column carries the arrow.
    let sort = state.list.sort;
    let arrow = if sort.descending { "▼" } else { "▲" };
    let header: Vec<String> = header
        .into_iter()
        .map(|h| {
            if h == sort.column.header() {
                format!("{h}{arrow}")
            } else {
                h.to_string()
            }
        })
        .collect();

    let rows: Vec<Row> = drawn
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let row = Row::new(row_cells(state, &state.inventory.rows[i], &cols, &labels));
            if state.list.offset + n == state.list.selected {
                row.style(theme::selected())
            } else {
                row
            }
        })
        .collect();

    let empty = rows.is_empty();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::title()))
        .column_spacing(1);
    frame.render_widget(table, inner);
    if empty && inner.height > 2 {
        let msg = empty_message(state, unknown_regions);
        let at = Rect {
            y: inner.y + 2,
            height: 1,
            ..inner
        };
        frame.render_widget(
            ratatui::widgets::Paragraph::new(Span::styled(msg, theme::dim())).centered(),
            at,
        );
    }
}

/// The list's title: counts, the filters in force, marks, unknown regions.
fn title(state: &State, unknown_regions: usize) -> Vec<Span<'static>> {
    let mut title = vec![Span::styled(
        format!(
            " Instances {}/{} ",
            state.list.visible.len(),
            state.inventory.rows.len()
        ),
        theme::title(),
    )];
    if let Some(p) = &state.list.profile_filter {
        title.push(Span::styled(
            format!("profile {} ", crate::aws::text::sanitize(p)),
            theme::key(),
        ));
    }
    if let Some(role) = &state.list.role_filter {
        title.push(Span::styled(
            format!("role {} ", crate::aws::text::sanitize(role)),
            theme::key(),
        ));
    }
    if !state.list.marks.is_empty() {
        title.push(Span::styled(
            format!("· {} marked ", state.list.marks.len()),
            theme::key(),
        ));
    }
    if unknown_regions > 0 {
        let what = if state.several_accounts() {
            "account region"
        } else {
            "region"
        };
        title.push(Span::styled(
            format!(
                "· {unknown_regions} {what}{} unknown ",
                if unknown_regions == 1 { "" } else { "s" }
            ),
            theme::error(),
        ));
    }
    // Escaped, not stripped: a pasted control or bidi character cannot
    // reach the terminal, and a filter that matches nothing because of one
    // shows why (`web\u{202e}`, not a bare `web`).
    if state.list.filter_editing {
        // As typed, while it is typed.
        title.push(Span::styled(
            format!("/{}▏ ", crate::aws::text::escape(&state.list.filter)),
            theme::key(),
        ));
    } else if !state.list.filter.is_empty() {
        // As understood, once applied: exactly what chose the rows.
        let query = crate::tui::app::filter::parse(&state.list.filter);
        let style = if query.error.is_some() {
            theme::error()
        } else {
            theme::key()
        };
        title.push(Span::styled(
            format!("/{} ", crate::aws::text::escape(&query.understood())),
            style,
        ));
    }
    title
}

/// How many account-regions' instances are unknown (their read failed).
fn unknown_regions(state: &State) -> usize {
    let scopes = state.inventory.scopes();
    scopes
        .iter()
        .filter(|s| {
            state
                .inventory
                .region_data
                .get(*s)
                .is_some_and(|d| matches!(d.instances_src.knowledge(), Knowledge::Unknown(_)))
        })
        .count()
}

/// One row's cells, in the columns' order.
fn row_cells(
    state: &State,
    r: &crate::tui::app::state::Row,
    cols: &ListColumns,
    labels: &std::collections::HashMap<&str, String>,
) -> Vec<Cell<'static>> {
    let inst = &r.data.instance;
    let (profile, assoc) = profile_and_assoc(state, r);
    let mut cells = Vec::with_capacity(7);
    let marked = !state.list.marks.is_empty()
        && state
            .list
            .marks
            .contains(&(inst.region.clone(), inst.id.clone()));
    cells.push(if marked {
        Cell::from(Span::styled("●", theme::key()))
    } else if state
        .changes
        .changed_outside_lately(state.now, &inst.region, &inst.id)
    {
        // Changed by someone else in the last minute (e lists them).
        Cell::from(Span::styled("!", theme::warning()))
    } else {
        Cell::from(" ")
    });
    if cols.account > 0 {
        let label = labels.get(inst.account.as_str()).map_or("", String::as_str);
        cells.push(Cell::from(truncate(label, cols.account as usize)));
    }
    if cols.region > 0 {
        cells.push(Cell::from(if cols.short_regions {
            crate::aws::text::short_region(&inst.region)
        } else {
            inst.region.clone()
        }));
    }
    cells.push(Cell::from(inst.id.clone()));
    cells.push(Cell::from(truncate(&r.name, cols.name as usize)));
    cells.push(Cell::from(Span::styled(
        truncate(inst.state.as_str(), cols.state as usize),
        theme::instance_state(&inst.state),
    )));
    cells.push(Cell::from(truncate(
        &crate::aws::text::sanitize(&profile),
        cols.profile as usize,
    )));
    cells.push(Cell::from(assoc));
    cells
}

/// Why the list is empty: unknown, loading, nothing there, or the filter.
fn empty_message(state: &State, unknown_regions: usize) -> &'static str {
    if state.inventory.rows.is_empty() {
        if unknown_regions > 0 {
            "instances unknown: DescribeInstances failed (see above)"
        } else if state.inventory.scopes().iter().all(|s| {
            state
                .inventory
                .region_data
                .get(s)
                .is_some_and(|d| d.instances_src.loaded)
        }) {
            "no instances in these regions (r picks regions)"
        } else {
            "loading instances…"
        }
    } else {
        "no instance matches the filter (Esc clears it)"
    }
}

/// What the PROFILE and ASSOC cells of a row say: unknown is never drawn as
/// "no profile", a change in flight shows what it is becoming.
fn profile_and_assoc(state: &State, r: &crate::tui::app::state::Row) -> (String, Span<'static>) {
    let inst = &r.data.instance;
    let pending = state.pending_for(&inst.region, &inst.id);
    let knowledge = state.associations_knowledge(&inst.account, &inst.region);
    match (pending, &r.data.association) {
        // Unknown is never drawn as "no profile".
        (None, _) if matches!(knowledge, Knowledge::Unknown(_)) => {
            ("?".to_string(), Span::styled("unknown", theme::error()))
        }
        (None, _) if knowledge == Knowledge::Loading => {
            ("…".to_string(), Span::styled("loading…", theme::dim()))
        }
        // Waiting its turn (a batch's bounded concurrency): nothing sent yet,
        // so the row keeps what it has and says so.
        (Some(p), current) if !state.changes.started.contains(&p.op_id) => (
            current
                .as_ref()
                .map_or("—".to_string(), |a| a.profile.name.clone()),
            Span::styled("queued", theme::dim()),
        ),
        (Some(p), _) => (
            p.profile_name().unwrap_or("—").to_string(),
            Span::styled(
                format!("{} {}", spinner(state.now), p.shows()),
                theme::association_state(p.shows()),
            ),
        ),
        (None, Some(a)) => {
            let label = if a.state.is_transitional() {
                format!("{} {}", spinner(state.now), a.state)
            } else {
                a.state.to_string()
            };
            (
                a.profile.name.clone(),
                Span::styled(label, theme::association_state(a.state)),
            )
        }
        (None, None) => ("—".to_string(), Span::styled("—", theme::dim())),
    }
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::tui::app::State;

    pub(crate) fn state() -> State {
        crate::tui::app::state::test_state()
    }

    /// The list's top border, where its title is.
    fn title_line(state: &State) -> String {
        let mut terminal = Terminal::new(TestBackend::new(100, 6)).unwrap();
        terminal
            .draw(|f| {
                let area = f.area();
                super::render(state, f, area);
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        (0..100).map(|x| buf[(x, 0)].symbol()).collect()
    }

    #[test]
    fn a_pasted_control_or_bidi_character_in_the_filter_is_shown_escaped() {
        let mut state = state();
        state.list.filter = "web\u{202e}\u{1b}[2J".into();
        let title = title_line(&state);
        assert!(!title.chars().any(crate::aws::text::is_unsafe), "{title:?}");
        assert!(title.contains("/\"web\\u{202e}\\u{1b}[2J\" "), "{title}");
        state.list.filter_editing = true;
        assert!(title_line(&state).contains("/web\\u{202e}\\u{1b}[2J▏ "));
    }
}
