//! The detail pane: everything about the selected instance and its profile.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::aws::text::sanitize;
use crate::tui::app::State;
use crate::tui::app::state::{Focus, Knowledge};

use super::theme;

/// A labelled value: beside its label when it fits the pane, else below it, cut
/// into indented pieces of the pane's width (ARNs, association ids).
fn field(label: &str, value: &str, width: u16) -> Vec<Line<'static>> {
    let value = sanitize(value);
    let beside = (width as usize).saturating_sub(2 + 9);
    if value.chars().count() <= beside {
        return vec![Line::from(vec![
            Span::styled(format!("  {label:<9}"), theme::dim()),
            Span::raw(value),
        ])];
    }
    let piece = (width as usize).saturating_sub(4).max(8);
    let chars: Vec<char> = value.chars().collect();
    let mut lines = vec![Line::from(Span::styled(format!("  {label}"), theme::dim()))];
    for chunk in chars.chunks(piece) {
        lines.push(Line::from(format!(
            "    {}",
            chunk.iter().collect::<String>()
        )));
    }
    lines
}

fn section(title: &str) -> Line<'static> {
    Line::from(Span::styled(title.to_string(), theme::title()))
}

fn when(t: Option<std::time::SystemTime>) -> String {
    t.map(|t| humantime::format_rfc3339_seconds(t).to_string())
        .unwrap_or_else(|| "—".into())
}

/// Who last changed the instance's profile, from CloudTrail (`h` has it
/// all): its caller and source IP (and when, if not at `since`), reading,
/// none in 90 days, or why unknown.
fn changed(
    state: &State,
    inst: &crate::aws::Instance,
    since: Option<std::time::SystemTime>,
    w: u16,
) -> Vec<Line<'static>> {
    use crate::tui::app::state::RegionHistory;
    let key = (inst.account.clone(), inst.region.clone());
    let text = match state.inventory.history.get(&key) {
        Some(RegionHistory::Read {
            tied, truncated, ..
        }) => {
            let latest = tied.latest(&inst.id);
            // The association is newer than CloudTrail's latest word on it,
            // or, with no word at all, made moments ago: not delivered yet.
            let lagging = since.is_some_and(|s| match latest {
                Some(c) => s > c.time + std::time::Duration::from_secs(60),
                None => state.config.started_at.is_some_and(|start| {
                    (start + state.now)
                        .duration_since(s)
                        .is_ok_and(|d| d.as_secs() < 20 * 60)
                }),
            });
            match latest {
                _ if lagging => {
                    "not yet in CloudTrail (it lags minutes behind; r in h reads again)".to_string()
                }
                Some(c) => {
                    let by = super::history::caller_line(c);
                    if since.is_none() {
                        format!("{by}, {} {}", c.event, crate::core::history::when(c.time))
                    } else {
                        format!("{by} ({})", c.event)
                    }
                }
                None => format!(
                    "none found in CloudTrail's last {} days{}",
                    crate::core::history::DEFAULT_DAYS,
                    if tied.untied + tied.unreadable > 0 || *truncated {
                        " (some events could not be read or tied)"
                    } else if since.is_some() {
                        " (launched with it?)"
                    } else {
                        ""
                    }
                ),
            }
        }
        Some(RegionHistory::Failed(e)) => format!("unknown: {}", e.failed_short()),
        _ => "reading CloudTrail…".into(),
    };
    field("by", &text, w)
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .title(Span::styled(" Detail ", theme::title()))
        .border_style(if state.list.focus == Focus::Detail {
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
    let w = area.width.saturating_sub(2);
    let mut lines = vec![section("Instance")];
    lines.extend(field("id", &inst.id, w));
    lines.extend(field("Name", inst.name.as_deref().unwrap_or("—"), w));
    lines.push(Line::from(vec![
        Span::styled(format!("  {:<9}", "state"), theme::dim()),
        Span::styled(inst.state.to_string(), theme::instance_state(&inst.state)),
    ]));
    lines.extend(field("type", &inst.instance_type, w));
    if state.several_accounts() {
        let label = state.account_label(&inst.account);
        let account = match state.account_id(&inst.account) {
            Some(id) if id != label => format!("{label} ({id})"),
            _ => label,
        };
        lines.extend(field("account", &account, w));
    }
    lines.extend(field("region", &inst.region, w));
    lines.extend(field("launched", &when(inst.launch_time), w));
    lines.push(Line::from(""));
    lines.push(section("Association"));
    if let Some(p) = state.pending_for(&inst.region, &inst.id) {
        lines.push(Line::from(Span::styled(
            format!(
                "  {} {} (request in flight)",
                super::spinner(state.now),
                p.shows()
            ),
            theme::association_state(p.shows()),
        )));
    }
    let knowledge = state.associations_knowledge(&inst.account, &inst.region);
    match &row.data.association {
        // Unknown is never drawn as "no profile".
        _ if matches!(knowledge, Knowledge::Unknown(_)) => {
            if let Knowledge::Unknown(e) = knowledge {
                lines.extend(field("state", "unknown", w));
                for l in crate::aws::text::wrap(
                    &format!("  {}", e.sentence()),
                    w.saturating_sub(2) as usize,
                    6,
                ) {
                    lines.push(Line::from(Span::styled(l, theme::error())));
                }
            }
        }
        _ if knowledge == Knowledge::Loading => {
            lines.push(Line::from(Span::styled("  loading…", theme::dim())))
        }
        None => {
            lines.push(Line::from(Span::styled(
                "  no instance profile",
                theme::dim(),
            )));
            lines.extend(changed(state, inst, None, w));
        }
        Some(a) => {
            lines.extend(field("id", &a.id, w));
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<9}", "state"), theme::dim()),
                Span::styled(a.state.to_string(), theme::association_state(a.state)),
            ]));
            lines.extend(field("since", &when(a.timestamp), w));
            lines.extend(changed(state, inst, a.timestamp, w));
            lines.push(Line::from(""));
            lines.push(section("Profile"));
            lines.extend(field("name", &a.profile.name, w));
            lines.extend(field("ARN", &a.profile.arn, w));
            lines.extend(field("id", &a.profile.id, w));
            match state.profile_by_arn(&a.profile.arn) {
                Some(p) => {
                    lines.extend(field("path", &p.path, w));
                    lines.push(Line::from(""));
                    lines.push(section(if p.roles.len() == 1 { "Role" } else { "Roles" }));
                    if p.roles.is_empty() {
                        lines.push(Line::from(Span::styled(
                            "  no role in this profile",
                            theme::warning(),
                        )));
                    }
                    for r in &p.roles {
                        lines.extend(field("name", &r.name, w));
                        lines.extend(field("ARN", &r.arn, w));
                        // GetRole's RoleLastUsed; unknown is said, never shown as never.
                        let key = (row.data.instance.account.clone(), r.name.clone());
                        let used = match state.inventory.role_last_used.get(&key) {
                            Some(Some(Ok(Some((date, region))))) => format!(
                                "{date}{}",
                                region
                                    .as_deref()
                                    .map(|x| format!(" in {x}"))
                                    .unwrap_or_default()
                            ),
                            Some(Some(Ok(None))) => "never (within IAM's tracking period)".into(),
                            Some(Some(Err(e))) => {
                                format!("unknown: {}", e.failed_short())
                            }
                            _ => "reading…".into(),
                        };
                        lines.extend(field("last use", &used, w));
                        // Blast radius: the same role through other profiles.
                        let others: Vec<&crate::aws::InstanceProfile> = state
                            .inventory
                            .profiles
                            .iter()
                            .filter(|o| o.arn != p.arn && o.roles.iter().any(|x| x.arn == r.arn))
                            .collect();
                        if !others.is_empty() {
                            let users: usize =
                                others.iter().map(|o| state.instances_using(&o.arn)).sum();
                            lines.push(Line::from(Span::styled(
                                format!(
                                    "  also in {} other profile{} ({users} loaded instance{})",
                                    others.len(),
                                    if others.len() == 1 { "" } else { "s" },
                                    if users == 1 { "" } else { "s" }
                                ),
                                theme::warning(),
                            )));
                        }
                    }
                }
                None => match state
                    .inventory
                    .account(&inst.account)
                    .profiles_src
                    .knowledge()
                {
                    Knowledge::Known => lines.push(Line::from(Span::styled(
                        "  profile not in ListInstanceProfiles (deleted?)",
                        theme::warning(),
                    ))),
                    Knowledge::Unknown(e) => lines.push(Line::from(Span::styled(
                        format!("  role unknown: {}", e.failed_short()),
                        theme::error(),
                    ))),
                    Knowledge::Loading => lines.push(Line::from(Span::styled(
                        "  loading profiles…",
                        theme::dim(),
                    ))),
                },
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
