//! The instance list: only the rows on screen are built each frame.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use crate::app::State;
use crate::app::state::{Focus, Knowledge};
use crate::text::truncate;

use super::{spinner, theme};

const ID_W: u16 = 19;
const REGION_W: u16 = 14;
const STATE_W: u16 = 10;
const ASSOC_W: u16 = 16;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let focused = state.list.focus == Focus::List && !state.list.filter_editing;
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
            format!(
                "profile {} ",
                crate::text::sanitize(crate::aws::profile_name_from_arn(p))
            ),
            theme::key(),
        ));
    }
    if let Some(role) = &state.list.role_filter {
        title.push(Span::styled(
            format!(
                "role {} ",
                crate::text::sanitize(crate::aws::profile_name_from_arn(role))
            ),
            theme::key(),
        ));
    }
    if !state.list.marks.is_empty() {
        title.push(Span::styled(
            format!("· {} marked ", state.list.marks.len()),
            theme::key(),
        ));
    }
    let unknown_regions = state
        .inventory
        .regions
        .iter()
        .filter(|r| {
            state
                .inventory
                .region_data
                .get(*r)
                .is_some_and(|d| matches!(d.instances_src.knowledge(), Knowledge::Unknown(_)))
        })
        .count();
    if unknown_regions > 0 {
        title.push(Span::styled(
            format!(
                "· {unknown_regions} region{} unknown ",
                if unknown_regions == 1 { "" } else { "s" }
            ),
            theme::error(),
        ));
    }
    if state.list.filter_editing || !state.list.filter.is_empty() {
        let cursor = if state.list.filter_editing { "▏" } else { "" };
        title.push(Span::styled(
            format!("/{}{cursor} ", state.list.filter),
            theme::key(),
        ));
    }
    let block = Block::bordered().title(Line::from(title)).border_style(
        if focused || state.list.filter_editing {
            theme::focused_border()
        } else {
            Style::new()
        },
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let multi = state.inventory.regions.len() > 1;
    // A one-column mark at the left of every row.
    let fixed = 1 + ID_W + STATE_W + ASSOC_W + if multi { REGION_W } else { 0 };
    let columns = if multi { 7 } else { 6 };
    let flexible = inner.width.saturating_sub(fixed + columns - 1);
    let name_w = flexible / 2;
    let profile_w = flexible - name_w;

    let mut widths = vec![Constraint::Length(1)];
    let mut header = vec![" "];
    if multi {
        widths.push(Constraint::Length(REGION_W));
        header.push("REGION");
    }
    widths.extend([
        Constraint::Length(ID_W),
        Constraint::Length(name_w),
        Constraint::Length(STATE_W),
        Constraint::Length(profile_w),
        Constraint::Length(ASSOC_W),
    ]);
    header.extend(["INSTANCE", "NAME", "STATE", "PROFILE", "ASSOC"]);

    let capacity = inner.height.saturating_sub(1) as usize;
    let end = (state.list.offset + capacity).min(state.list.visible.len());
    let rows: Vec<Row> = state.list.visible[state.list.offset.min(end)..end]
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let r = &state.inventory.rows[i];
            let inst = &r.data.instance;
            let pending = state.pending_for(&inst.region, &inst.id);
            let knowledge = state.associations_knowledge(&inst.region);
            let (profile, assoc) = match (pending, &r.data.association) {
                // Unknown is never drawn as "no profile".
                (None, _) if matches!(knowledge, Knowledge::Unknown(_)) => {
                    ("?".to_string(), Span::styled("unknown", theme::error()))
                }
                (None, _) if knowledge == Knowledge::Loading => {
                    ("…".to_string(), Span::styled("loading…", theme::dim()))
                }
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
            };
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
            if multi {
                cells.push(Cell::from(inst.region.clone()));
            }
            cells.push(Cell::from(inst.id.clone()));
            cells.push(Cell::from(truncate(&r.name, name_w as usize)));
            cells.push(Cell::from(Span::styled(
                truncate(inst.state.as_str(), STATE_W as usize),
                theme::instance_state(&inst.state),
            )));
            cells.push(Cell::from(truncate(
                &crate::text::sanitize(&profile),
                profile_w as usize,
            )));
            cells.push(Cell::from(assoc));
            let row = Row::new(cells);
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
        let msg = if state.inventory.rows.is_empty() {
            if unknown_regions > 0 {
                "instances unknown: DescribeInstances failed (see above)"
            } else if state.inventory.regions.iter().all(|r| {
                state
                    .inventory
                    .region_data
                    .get(r)
                    .is_some_and(|d| d.instances_src.loaded)
            }) {
                "no instances in these regions (r picks regions)"
            } else {
                "loading instances…"
            }
        } else {
            "no instance matches the filter (Esc clears it)"
        };
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
