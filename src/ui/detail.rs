//! The detail pane: everything about the selected instance and its profile.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::State;
use crate::app::state::Focus;
use crate::text::sanitize;

use super::theme;

fn field(label: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {label:<9}"), theme::dim()),
        Span::raw(sanitize(&value.into())),
    ])
}

fn section(title: &str) -> Line<'static> {
    Line::from(Span::styled(title.to_string(), theme::title()))
}

fn when(t: Option<std::time::SystemTime>) -> String {
    t.map(|t| humantime::format_rfc3339_seconds(t).to_string())
        .unwrap_or_else(|| "—".into())
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .title(Span::styled(" Detail ", theme::title()))
        .border_style(if state.focus == Focus::Detail {
            theme::focused_border()
        } else {
            Style::new()
        });
    let Some(row) = state.selected_row() else {
        frame.render_widget(
            Paragraph::new(Span::styled("no instance selected", theme::dim())).block(block),
            area,
        );
        return;
    };
    let inst = &row.data.instance;
    let mut lines = vec![
        section("Instance"),
        field("id", inst.id.clone()),
        field("Name", inst.name.clone().unwrap_or_else(|| "—".into())),
        Line::from(vec![
            Span::styled(format!("  {:<9}", "state"), theme::dim()),
            Span::styled(inst.state.to_string(), theme::instance_state(&inst.state)),
        ]),
        field("type", inst.instance_type.clone()),
        field("region", inst.region.clone()),
        field("launched", when(inst.launch_time)),
        Line::from(""),
        section("Association"),
    ];
    if let Some(p) = state.pending_for(&inst.region, &inst.id) {
        lines.push(Line::from(Span::styled(
            format!(
                "  {} {} (request in flight)",
                super::spinner(state.now),
                p.shows
            ),
            theme::association_state(p.shows),
        )));
    }
    match &row.data.association {
        None => lines.push(Line::from(Span::styled(
            "  no instance profile",
            theme::dim(),
        ))),
        Some(a) => {
            lines.push(field("id", a.id.clone()));
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<9}", "state"), theme::dim()),
                Span::styled(a.state.to_string(), theme::association_state(a.state)),
            ]));
            lines.push(field("since", when(a.timestamp)));
            lines.push(Line::from(""));
            lines.push(section("Profile"));
            lines.push(field("name", a.profile.name.clone()));
            lines.push(field("ARN", a.profile.arn.clone()));
            lines.push(field("id", a.profile.id.clone()));
            match state.profile_by_arn(&a.profile.arn) {
                Some(p) => {
                    lines.push(field("path", p.path.clone()));
                    lines.push(Line::from(""));
                    lines.push(section(if p.roles.len() == 1 { "Role" } else { "Roles" }));
                    if p.roles.is_empty() {
                        lines.push(Line::from(Span::styled(
                            "  no role in this profile",
                            theme::warning(),
                        )));
                    }
                    for r in &p.roles {
                        lines.push(field("name", r.name.clone()));
                        lines.push(field("ARN", r.arn.clone()));
                    }
                }
                None if state.profiles_loaded => lines.push(Line::from(Span::styled(
                    "  profile not in ListInstanceProfiles (deleted?)",
                    theme::warning(),
                ))),
                None => lines.push(Line::from(Span::styled(
                    "  loading profiles…",
                    theme::dim(),
                ))),
            }
            let others = state.instances_using(&a.profile.arn).saturating_sub(1);
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!(
                    "{others} other loaded instance{} use this profile",
                    if others == 1 { "" } else { "s" }
                ),
                theme::dim(),
            )));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
