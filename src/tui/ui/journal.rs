//! The journal overlay (`J`): this account's latest changes, newest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Row, Table};

use crate::aws::text::sanitize;
use crate::tui::app::state::{Actor, JournalView, actor_of};

use super::theme;

/// What FROM → TO needs whole (two profile names of common length).
const FROM_TO: u16 = 34;

fn name(arn: &Option<String>) -> String {
    arn.as_deref()
        .map(|a| sanitize(crate::aws::profile_name_from_arn(a)))
        .unwrap_or_else(|| "—".into())
}

pub fn render(state: &crate::tui::app::State, j: &JournalView, frame: &mut Frame, area: Rect) {
    // An ACCOUNT column once the entries shown touch several accounts.
    let accounts: std::collections::BTreeSet<Option<&str>> =
        j.entries.iter().map(|e| e.account.as_deref()).collect();
    let several = accounts.len() > 1;
    // A WHO column once several responders' changes to one account are
    // shown (a team's journal; each account has its own caller anyway):
    // each caller's role and session, where FROM → TO keeps its room.
    let responders = crate::core::journal::several_callers(&j.entries);
    super::clear(frame, area);
    // Every column where there is room for FROM → TO whole; else without
    // NAME; else (narrow) without BATCH, the time of day only.
    let all = 2 + 19 + 27 + 19 + 14 + 16 + FROM_TO + 8 + 4 + 7 + if several { 15 } else { 0 };
    let wide = area.width >= all - 15;
    let names = area.width >= all;
    let who = responders && wide;
    let title = match (wide, j.entries.get(j.scroll)) {
        // Narrow: no BATCH column, so the title names the one `u` takes.
        (false, Some(e)) => format!(
            " Journal: {}, newest first · u undoes {} ",
            j.entries.len(),
            sanitize(&e.batch)
        ),
        _ => format!(
            " Journal: {} changes, newest first (u undoes the batch of the top row) ",
            j.entries.len()
        ),
    };
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(title, theme::title()));
    // Outcomes this run could not write are said where the record is read.
    let block = if j.unrecorded.is_empty() {
        block
    } else {
        block.title_bottom(Span::styled(
            format!(
                " {} outcome{} of this run not journaled (journal error): {} ",
                j.unrecorded.len(),
                if j.unrecorded.len() == 1 { "" } else { "s" },
                sanitize(
                    &j.unrecorded
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            ),
            theme::error(),
        ))
    };
    let rows: Vec<Row> = j
        .entries
        .iter()
        .skip(j.scroll)
        .enumerate()
        .map(|(n, e)| {
            let outcome = e.outcome.clone().unwrap_or_else(|| e.phase.clone());
            let style = match outcome.as_str() {
                "ok" => theme::success(),
                "sent" => theme::dim(),
                _ => theme::error(),
            };
            // Narrow: the time of day, no batch or Name, FROM → TO whole.
            let time = if wide {
                e.time.get(..19)
            } else {
                e.time.get(11..19)
            };
            let mut cells = vec![
                Cell::from(sanitize(time.unwrap_or(&e.time))),
                Cell::from(sanitize(&e.batch)),
                Cell::from(sanitize(&e.subject())),
                Cell::from(sanitize(e.instance_name.as_deref().unwrap_or(""))),
                Cell::from(match e.action.as_str() {
                    // The one action name longer than the column.
                    "detach_then_associate" => "detach+associate".to_string(),
                    other => sanitize(other),
                }),
                Cell::from(match crate::core::revoke::policy_put_by(e) {
                    // A revoke: the policy it put on the role.
                    Some(policy) => format!("{} + {policy}", e.role_name().unwrap_or_default()),
                    None => format!(
                        "{} → {}",
                        name(&e.from_profile_arn),
                        name(&e.to_profile_arn)
                    ),
                }),
                Cell::from(Span::styled(outcome, style)),
                Cell::from(if e.undo_of.is_some() { "undo" } else { "" }),
            ];
            if several {
                let account = e
                    .account
                    .as_deref()
                    .map_or_else(|| "?".to_string(), |id| state.label_for_id(id));
                cells.insert(2, Cell::from(sanitize(&account)));
            }
            if !names {
                cells.remove(if several { 4 } else { 3 });
            }
            if !wide {
                // BATCH too (the top row's is in the title).
                cells.remove(1);
            }
            if who {
                cells.push(Cell::from(sanitize(&caller_short(e.caller_arn.as_deref()))));
            }
            let row = Row::new(cells);
            // The top row is the one `u` acts on.
            if n == 0 {
                row.style(theme::selected())
            } else {
                row
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(if wide { 19 } else { 8 }),
        Constraint::Length(27),
        Constraint::Length(19),
        Constraint::Length(14),
        Constraint::Length(if wide { 16 } else { 12 }),
        Constraint::Min(20),
        Constraint::Length(8),
        Constraint::Length(4),
    ];
    let mut header = vec![
        if wide { "TIME (UTC)" } else { "UTC" },
        "BATCH",
        "INSTANCE",
        "NAME",
        "ACTION",
        "FROM → TO",
        "OUTCOME",
        "",
    ];
    if several {
        widths.insert(2, Constraint::Length(14));
        header.insert(2, "ACCOUNT");
    }
    if !names {
        let name = if several { 4 } else { 3 };
        widths.remove(name);
        header.remove(name);
    }
    if !wide {
        widths.remove(1);
        header.remove(1);
    }
    if who {
        let widest = j
            .entries
            .iter()
            .map(|e| caller_short(e.caller_arn.as_deref()).chars().count())
            .max()
            .unwrap_or(3);
        widths.push(Constraint::Length(widest.clamp(3, 40) as u16));
        header.push("WHO");
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::title()))
        .column_spacing(1)
        .block(block);
    frame.render_widget(table, area);
}

/// A change's caller in few words (`?` when not on record).
fn caller_short(arn: Option<&str>) -> String {
    arn.map_or_else(|| "?".into(), crate::core::history::caller_short)
}

/// `e`: associations that changed without rolecall, newest first.
pub fn render_outside(
    state: &crate::tui::app::State,
    scroll: usize,
    frame: &mut Frame,
    area: Rect,
) {
    super::clear(frame, area);
    let events = &state.changes.outside;
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(
            format!(
                " Changed outside rolecall: {} since start (a burst means automation at work) ",
                events.len()
            ),
            theme::title(),
        ));
    let rows: Vec<Row> = events
        .iter()
        .rev()
        .skip(scroll)
        .map(|o| {
            let name = state
                .row_of(&o.region, &o.instance_id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            // Who did it, once CloudTrail has it (it lags minutes behind).
            let history = state.row_of(&o.region, &o.instance_id).and_then(|r| {
                state
                    .inventory
                    .history
                    .get(&(r.data.instance.account.clone(), o.region.clone()))
            });
            let actor = match state.config.started_at {
                None => "actor pending".to_string(),
                Some(start) => match actor_of(
                    history,
                    &o.instance_id,
                    o.from_profile_arn.as_deref(),
                    o.to_profile_arn.as_deref(),
                    o.at.unwrap_or(start + o.seen),
                    state.now.saturating_sub(o.seen),
                ) {
                    Actor::Known(c) => super::history::by_line(c),
                    Actor::Pending => "actor pending (CloudTrail lags)".to_string(),
                    Actor::NotFound => "not found in CloudTrail (20 min on)".to_string(),
                    Actor::Unknown(e) => format!("actor unknown: {} failed", e.action),
                },
            };
            Row::new(vec![
                Cell::from(format!(
                    "{}s ago",
                    state.now.saturating_sub(o.seen).as_secs()
                )),
                Cell::from(sanitize(&o.region)),
                Cell::from(sanitize(&o.instance_id)),
                Cell::from(name),
                Cell::from(format!(
                    "{} → {}",
                    name_of(&o.from_profile_arn),
                    name_of(&o.to_profile_arn)
                )),
                Cell::from(actor),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Length(15),
            Constraint::Length(20),
            Constraint::Length(24),
            Constraint::Length(FROM_TO),
            Constraint::Min(20),
        ],
    )
    .header(
        Row::new(["SEEN", "REGION", "INSTANCE", "NAME", "FROM → TO", "WHO"]).style(theme::title()),
    )
    .column_spacing(1)
    .block(block);
    frame.render_widget(table, area);
}

fn name_of(arn: &Option<String>) -> String {
    name(arn)
}

/// `I`: the containment cases, newest first, the selected one highlighted;
/// below, what rolecall put on the roles and is still there.
pub fn render_cases(
    state: &crate::tui::app::State,
    v: &crate::tui::app::state::CasesView,
    frame: &mut Frame,
    area: Rect,
) {
    use ratatui::text::Line;
    use ratatui::widgets::{Paragraph, Wrap};
    super::clear(frame, area);
    let now = state
        .config
        .started_at
        .map(|t| t + state.now)
        .unwrap_or_else(std::time::SystemTime::now);
    let guard = match (&v.data, v.releasing) {
        (Some(Ok((records, _))), true) => records
            .get(v.selected)
            .and_then(|c| crate::tui::app::derive::case_guard(state, c)),
        _ => None,
    };
    let title = if let Some(g) = &guard {
        format!(
            " Release the selected case in PRODUCTION {}? type its name, Enter: {}▏ ",
            sanitize(g),
            sanitize(&v.typed)
        )
    } else if v.releasing {
        " Release the selected case? y/Enter releases; n keeps it ".to_string()
    } else {
        " Containment cases (R releases the selected one) ".to_string()
    };
    let block = Block::bordered()
        .border_style(if v.releasing {
            theme::error()
        } else {
            theme::focused_border()
        })
        .title(Span::styled(title, theme::title()));
    let mut lines: Vec<Line> = Vec::new();
    match &v.data {
        None => lines.push(Line::from(Span::styled(
            "reading the journal and the roles' policies…",
            theme::dim(),
        ))),
        Some(Err(why)) => lines.push(Line::from(Span::styled(
            sanitize(&format!("cannot read the cases: {why}")),
            theme::error(),
        ))),
        Some(Ok((records, found))) => {
            if records.is_empty() {
                lines.push(Line::from(
                    "no cases in the journal (X contains an instance)",
                ));
            }
            for (n, c) in records.iter().enumerate() {
                let head = sanitize(&format!(
                    "{} {}  {}  opened {} ago by {}",
                    if n == v.selected { "▶" } else { " " },
                    c.case,
                    if c.released { "released" } else { "OPEN" },
                    crate::core::revoke::age(&c.opened, now).unwrap_or_else(|| "?".into()),
                    c.caller_arn.as_deref().unwrap_or("?")
                ));
                lines.push(Line::from(Span::styled(
                    head,
                    if n == v.selected {
                        theme::selected()
                    } else {
                        theme::title()
                    },
                )));
                for i in &c.instances {
                    lines.push(Line::from(sanitize(&format!(
                        "    {} {}  {}",
                        i.region,
                        i.instance_id,
                        i.steps
                            .iter()
                            .map(|(s, k)| format!("{}:{k}", s.trim_start_matches("contain_")))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ))));
                }
            }
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "On the roles now:",
                theme::title(),
            )));
            if found.is_empty() {
                lines.push(Line::from(
                    "  no rolecall-contain statement or AWSRevokeOlderSessions policy",
                ));
            }
            for f in found {
                let keep = match (f.policy.as_str(), f.removable) {
                    (crate::core::contain::POLICY, _) => "stays until its case is released",
                    (_, Some(true)) => "removable: 12 hours have passed",
                    (_, Some(false)) => "keep: under 12 hours old",
                    _ => "?",
                };
                lines.push(Line::from(sanitize(&format!(
                    "  {} {}  {}  {}{}  ({keep})",
                    state.account_label(&f.account),
                    f.role,
                    f.policy,
                    f.detail,
                    f.age
                        .as_deref()
                        .map(|a| format!(", {a} old"))
                        .unwrap_or_default()
                ))));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::tui::app::state::JournalView;

    #[test]
    fn a_narrow_journal_keeps_the_time_of_day_and_the_target_profile() {
        let state = crate::tui::app::state::test_state();
        let entry: crate::core::journal::Entry = serde_json::from_value(serde_json::json!({
            "id": "c-1", "batch": "b-18ed92a0bed0d0b6-7377-0-1",
            "time": "2026-12-02T23:10:49.123456Z", "phase": "done", "outcome": "ok",
            "account": null, "caller_arn": null, "region": "us-east-1",
            "instance_id": "i-00b9d08ce1d5dad84", "instance_name": "legacy-crm-prod-ap05",
            "action": "detach_then_associate",
            "from_profile_arn": "arn:aws:iam::1:instance-profile/web-frontend",
            "to_profile_arn": "arn:aws:iam::1:instance-profile/incident-quarantine",
            "association_id_before": null, "association_id_after": null,
            "request_ids": [], "error": null, "undo_of": null, "aws_cli": [],
            "tool": "rolecall test"
        }))
        .unwrap();
        let view = JournalView {
            entries: vec![entry],
            scroll: 0,
            unrecorded: Vec::new(),
            ..Default::default()
        };
        let mut terminal = Terminal::new(TestBackend::new(96, 6)).unwrap();
        terminal
            .draw(|f| {
                let area = f.area();
                super::render(&state, &view, f, area);
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        let text: String = (0..6)
            .map(|y| (0..96).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
            .collect();
        assert!(text.contains("23:10:49"), "{text}");
        assert!(
            text.contains("web-frontend → incident-quarantine"),
            "{text}"
        );
        assert!(
            text.contains("b-18ed92a0bed0d0b6-7377-0-1"),
            "the top row's batch: {text}"
        );
    }

    #[test]
    fn outcomes_this_run_could_not_journal_are_said_under_the_journal() {
        let state = crate::tui::app::state::test_state();
        let view = JournalView {
            entries: Vec::new(),
            scroll: 0,
            unrecorded: vec!["i-0abc".into()],
            ..Default::default()
        };
        let mut terminal = Terminal::new(TestBackend::new(120, 8)).unwrap();
        terminal
            .draw(|f| {
                let area = f.area();
                super::render(&state, &view, f, area);
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        let bottom: String = (0..120).map(|x| buf[(x, 7)].symbol()).collect();
        assert!(
            bottom.contains("1 outcome of this run not journaled") && bottom.contains("i-0abc"),
            "{bottom}"
        );
    }
}
