//! The confirmation dialog every change goes through: the change stated in
//! full from its facts, every API-derived string sanitised.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::aws::ProfileSummary;
use crate::aws::text::sanitize;
use crate::core::plan::MutationKind;
use crate::tui::app::State;
use crate::tui::app::state::Confirm;

use super::theme;

/// The dialog's width.
pub const WIDTH: u16 = 100;

const CREDENTIALS_NOTE: &str =
    "Credentials already on the instance stay valid until they expire; this is not a revocation.";

/// The one change, when the dialog is about one instance.
fn single(c: &Confirm) -> Option<&crate::core::exec::Change> {
    match (c.changes.as_slice(), c.skipped.is_empty()) {
        ([one], true) => Some(one),
        _ => None,
    }
}

/// The dialog's title.
pub fn title(c: &Confirm) -> String {
    if let Some(one) = single(c) {
        return match one.kind {
            MutationKind::Associate { .. } => "Associate instance profile",
            MutationKind::Replace { .. } => "Replace instance profile",
            MutationKind::DetachThenAssociate { .. } => "Swap instance profile (stopped instance)",
            MutationKind::Disassociate { .. } => "Detach instance profile",
        }
        .to_string();
    }
    let n = c.changes.len();
    let s = if n == 1 { "" } else { "s" };
    if c.undo_of.is_some() {
        format!("Undo: put {n} instance{s} back")
    } else if c.quarantine {
        format!("Quarantine {n} instance{s}")
    } else if c
        .changes
        .iter()
        .all(|ch| matches!(ch.kind, MutationKind::Disassociate { .. }))
    {
        format!("Detach the profile of {n} instance{s}")
    } else {
        format!("Change the profile of {n} instance{s}")
    }
}

/// Tells whether a change is of one kind (a group of the batch dialog).
type IsKind = fn(&MutationKind) -> bool;

/// Many instances: what will happen to each, grouped by what it takes.
fn batch_lines(state: &State, c: &Confirm) -> Vec<String> {
    let name = |region: &str, id: &str| {
        state
            .row_of(region, id)
            .map(|r| r.name.clone())
            .filter(|n| !n.is_empty())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    };
    let profile = |p: Option<&ProfileSummary>| p.map_or("—".to_string(), |p| p.name.clone());
    // With several accounts, each line starts with the instance's account.
    let place = |region: &str, id: &str| match state
        .row_of(region, id)
        .filter(|_| state.several_accounts())
    {
        Some(r) => format!("{} {region}", state.account_label(&r.data.instance.account)),
        None => region.to_string(),
    };
    let groups: [(&str, IsKind); 4] = [
        ("associate", |k| matches!(k, MutationKind::Associate { .. })),
        ("replace", |k| matches!(k, MutationKind::Replace { .. })),
        (
            "detach, then associate (stopped: left without a profile if the second call fails)",
            |k| matches!(k, MutationKind::DetachThenAssociate { .. }),
        ),
        ("detach", |k| matches!(k, MutationKind::Disassociate { .. })),
    ];
    let mut out = Vec::new();
    // Exactly what chose the rows: the filter in force when `A` marked them.
    if let Some(by) = &c.chosen_by {
        out.push(format!("chosen: {by}"));
    }
    for (label, test) in groups {
        let group: Vec<_> = c.changes.iter().filter(|ch| test(&ch.kind)).collect();
        if group.is_empty() {
            continue;
        }
        out.push(format!("{label} ({}):", group.len()));
        for ch in group {
            out.push(format!(
                "  {} {}{}  {} → {}",
                place(&ch.region, &ch.instance_id),
                ch.instance_id,
                name(&ch.region, &ch.instance_id),
                profile(ch.from.as_ref()),
                profile(ch.to.as_ref()),
            ));
        }
    }
    if !c.skipped.is_empty() {
        out.push(format!("skipped ({}):", c.skipped.len()));
        for sk in &c.skipped {
            out.push(format!(
                "  {} {}{}  {}",
                place(&sk.region, &sk.instance_id),
                sk.instance_id,
                name(&sk.region, &sk.instance_id),
                crate::tui::app::derive::why_text(&sk.why)
            ));
        }
    }
    out.push(String::new());
    out.extend(batch_permission_lines(state, c));
    out.push(CREDENTIALS_NOTE.to_string());
    out.into_iter().map(|l| sanitize(&l)).collect()
}

/// `name (role r)`, with what state knows of the profile's roles.
fn describe(state: &State, profile: Option<&ProfileSummary>) -> String {
    let Some(p) = profile else {
        return "— (no profile)".to_string();
    };
    let roles = match state.profile_by_arn(&p.arn) {
        Some(full) if full.roles.is_empty() => " (no role)".to_string(),
        Some(full) => {
            let names: Vec<&str> = full.roles.iter().map(|r| r.name.as_str()).collect();
            format!(" (role {})", names.join(", "))
        }
        None => String::new(),
    };
    format!("{}{roles}", p.name)
}

/// The change in full: instance, region, from, to, the API calls (or, for
/// many instances, what happens to each).
pub fn lines(state: &State, c: &Confirm) -> Vec<String> {
    let Some(ch) = single(c) else {
        return batch_lines(state, c);
    };
    let row = state.row_of(&ch.region, &ch.instance_id);
    let name = row
        .map(|r| r.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "no Name".to_string());
    let instance_state = row
        .map(|r| r.data.instance.state.to_string())
        .unwrap_or_else(|| "not listed".to_string());
    vec![
        format!("instance  {} ({name}), {instance_state}", ch.instance_id),
        match row.filter(|_| state.several_accounts()) {
            Some(r) => format!(
                "region    {} (account {})",
                ch.region,
                state.account_label(&r.data.instance.account)
            ),
            None => format!("region    {}", ch.region),
        },
        format!("from      {}", describe(state, ch.from.as_ref())),
        format!("to        {}", describe(state, ch.to.as_ref())),
        format!("API call  {}", ch.kind.calls().join(", then ")),
    ]
    .into_iter()
    .chain(c.chosen_by.as_ref().map(|by| format!("chosen    {by}")))
    .chain(permission_lines(state, ch))
    .chain([String::new(), CREDENTIALS_NOTE.to_string()])
    .map(|l| sanitize(&l))
    .collect()
}

/// What the change does to the instance's effective access: `+N gained,
/// −M lost`, the most serious risks gained first (evaluated as IAM does).
fn permission_lines(state: &State, ch: &crate::core::exec::Change) -> Vec<String> {
    let arn = profile_arn;
    match state.access_diff(arn(ch.from.as_ref()), arn(ch.to.as_ref())) {
        Err(e) => vec![format!("perms     unknown: {}", e.failed_short())],
        Ok(None) => vec!["perms     reading the roles' policies…".to_string()],
        Ok(Some(d)) => {
            let mut out = vec![format!("perms     {}", access_summary(d))];
            for a in d.gained.iter().filter(|a| !a.risks.is_empty()).take(3) {
                out.push(format!(
                    "          + {} on {}{}  ⚠ {}",
                    a.action,
                    a.resource,
                    if a.conditional { " (conditional)" } else { "" },
                    a.risks[0].as_str()
                ));
            }
            out.push(format!("          {}", crate::core::eval::NOT_EVALUATED));
            out
        }
    }
}

/// The full view: the summary, by service, then each action (risky first).
fn access_lines(d: &crate::core::effective::AccessDiff) -> Vec<Line<'static>> {
    use crate::core::effective::AccessDiff;
    let mut lines = vec![
        Line::from(access_summary(d)),
        Line::from(Span::styled(crate::core::eval::NOT_EVALUATED, theme::dim())),
    ];
    let counts = |list: &[crate::core::effective::Access], word: &str| {
        AccessDiff::by_service(list)
            .iter()
            .take(12)
            .map(|(s, n)| format!("{s}: {n} {word}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !d.gained.is_empty() {
        lines.push(Line::from(sanitize(&format!(
            "by service: {}",
            counts(&d.gained, "gained")
        ))));
    }
    if !d.lost.is_empty() {
        lines.push(Line::from(sanitize(&format!(
            "by service: {}",
            counts(&d.lost, "lost")
        ))));
    }
    if !d.whole_services.is_empty() {
        lines.push(Line::from(Span::styled(
            sanitize(&format!("⚠ whole service: {}", d.whole_services.join(", "))),
            theme::error(),
        )));
    }
    let row = |sign: &str, a: &crate::core::effective::Access| {
        sanitize(&format!(
            "{sign} {} on {}{}{}",
            a.action,
            a.resource,
            if a.conditional { " (conditional)" } else { "" },
            a.risks
                .first()
                .map(|r| format!("  ⚠ {}", r.as_str()))
                .unwrap_or_default()
        ))
    };
    for a in &d.gained {
        lines.push(Line::from(Span::styled(row("+", a), theme::success())));
    }
    for a in &d.lost {
        lines.push(Line::from(Span::styled(row("−", a), theme::error())));
    }
    lines
}

fn profile_arn(p: Option<&ProfileSummary>) -> Option<&str> {
    p.map(|p| p.arn.as_str())
}

/// `+N gained (R risky), −M lost`, the worst risk, the whole services.
fn access_summary(d: &crate::core::effective::AccessDiff) -> String {
    let mut s = format!(
        "+{} gained ({} risky), −{} lost",
        d.gained.len(),
        d.risky(),
        d.lost.len()
    );
    if let Some(r) = d.top_risk() {
        s.push_str(&format!(" · ⚠ {}", r.as_str()));
    }
    if !d.whole_services.is_empty() {
        s.push_str(&format!(
            " · every action of {} service{}",
            d.whole_services.len(),
            if d.whole_services.len() == 1 { "" } else { "s" }
        ));
    }
    s
}

/// A batch: one line per distinct from → to, worst first.
fn batch_permission_lines(state: &State, c: &Confirm) -> Vec<String> {
    let mut pairs: Vec<(Option<&ProfileSummary>, Option<&ProfileSummary>)> = Vec::new();
    for ch in &c.changes {
        let pair = (ch.from.as_ref(), ch.to.as_ref());
        let key = |p: (Option<&ProfileSummary>, Option<&ProfileSummary>)| {
            (p.0.map(|x| x.arn.clone()), p.1.map(|x| x.arn.clone()))
        };
        if !pairs.iter().any(|p| key(*p) == key(pair)) {
            pairs.push(pair);
        }
    }
    let name = |p: Option<&ProfileSummary>| p.map_or("—".to_string(), |p| p.name.clone());
    let arn = profile_arn;
    let mut out: Vec<String> = pairs
        .iter()
        .map(|(from, to)| {
            let said = match state.access_diff(arn(*from), arn(*to)) {
                Err(e) => format!("unknown: {}", e.failed_short()),
                Ok(None) => "reading the roles' policies…".to_string(),
                Ok(Some(d)) => access_summary(d),
            };
            format!("perms  {} → {}: {said}", name(*from), name(*to))
        })
        .collect();
    out.sort_by_key(|l| !l.contains('⚠'));
    out.truncate(6);
    if !out.is_empty() {
        out.push(format!("       {}", crate::core::eval::NOT_EVALUATED));
    }
    out
}

/// The warning a change needs before the operator says yes.
pub fn warning(c: &Confirm) -> Option<String> {
    match single(c).map(|ch| (&ch.kind, ch)) {
        Some((MutationKind::DetachThenAssociate { association_id, .. }, ch)) => {
            Some(sanitize(&format!(
                "AWS refuses to replace the profile of a stopped instance: rolecall will detach {association_id} first, then associate {}. If the second call fails, the instance is left without a profile.",
                ch.to.as_ref().map_or("", |p| p.name.as_str())
            )))
        }
        _ => None,
    }
}

/// Rows the dialog needs at `width`: its lines wrapped, the warning, the answer line.
pub fn height(state: &State, c: &Confirm, width: u16) -> u16 {
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows = |text: &str| text.chars().count().div_ceil(inner).max(1);
    let body: usize = lines(state, c).iter().map(|l| rows(l)).sum();
    // One spare row: word wrapping can take a row more than the character count says.
    let warning = warning(c).map_or(0, |w| rows(&w) + 1);
    let guard = usize::from(crate::tui::app::derive::confirm_guard(state, c).is_some());
    (body + warning + guard + 2 + 2) as u16
}

pub fn render(state: &State, c: &Confirm, frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let block = Block::bordered()
        .border_style(theme::warning())
        .title(Span::styled(format!(" {}? ", title(c)), theme::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The answer lines stay at the bottom; a long list scrolls above them.
    let mut answer: Vec<Line> = vec![Line::from("")];
    if let Some(name) = crate::tui::app::derive::confirm_guard(state, c) {
        let name = sanitize(&name);
        let what = if name.contains(' ') {
            format!(
                "PRODUCTION accounts {name}: type their names, space-separated, and press Enter"
            )
        } else {
            format!("PRODUCTION account {name}: type its name and press Enter to make the change")
        };
        answer.push(Line::from(Span::styled(what, theme::error())));
        answer.push(Line::from(vec![
            Span::styled("> ", theme::key()),
            Span::raw(format!("{}▏", sanitize(&c.typed))),
            Span::styled("     Esc: no (the default)", theme::dim()),
        ]));
    } else {
        answer.push(Line::from(vec![
            Span::styled("y", theme::key()),
            Span::raw(" / "),
            Span::styled("Enter", theme::key()),
            Span::raw(": yes, make the change     "),
            Span::styled("n", theme::key()),
            Span::raw(" / "),
            Span::styled("Esc", theme::key()),
            Span::raw(": no (the default)"),
        ]));
    }
    let all = lines(state, c);
    let scrollable = all.len() > inner.height.saturating_sub(answer.len() as u16) as usize;
    if scrollable {
        answer[0] = Line::from(Span::styled(
            format!(
                "lines {}-{} of {} (↑/↓, PgUp/PgDn scroll)",
                c.scroll + 1,
                (c.scroll + inner.height as usize).min(all.len()),
                all.len()
            ),
            theme::dim(),
        ));
    }
    let [body, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(answer.len() as u16)])
            .areas(inner);
    let mut out: Vec<Line> = all.into_iter().skip(c.scroll).map(Line::from).collect();
    if let Some(w) = warning(c) {
        out.push(Line::from(Span::styled(format!("⚠ {w}"), theme::warning())));
    }
    frame.render_widget(Paragraph::new(out).wrap(Wrap { trim: false }), body);
    frame.render_widget(Paragraph::new(answer), bottom);
}

/// Rows the revoke dialog needs: a line per account and a few more.
pub fn revoke_height(r: &crate::tui::app::state::RevokeConfirm) -> u16 {
    (9 + 2 * r.targets.len()) as u16
}

/// `K`: revoking a role's older sessions reaches every holder of the role,
/// in each account listed.
pub fn render_revoke(
    state: &State,
    r: &crate::tui::app::state::RevokeConfirm,
    frame: &mut Frame,
    area: Rect,
) {
    super::clear(frame, area);
    let role = sanitize(&r.role);
    // Several accounts: the same role name may be in each; say which.
    let whose = match r.targets.as_slice() {
        [one] if state.several_accounts() => {
            format!(
                " in account {}",
                sanitize(&state.account_label(&one.account))
            )
        }
        [_] => String::new(),
        many => format!(" in {} accounts", many.len()),
    };
    let block = Block::bordered()
        .border_style(theme::error())
        .title(Span::styled(
            format!(" Revoke the older sessions of role {role}{whose}? "),
            theme::title(),
        ));
    let mut lines = vec![Line::from(format!(
        "Adds the inline policy AWSRevokeOlderSessions to {role}: every session issued before now is denied; holders fetch new credentials."
    ))];
    for t in &r.targets {
        let production = state.production_guard(&t.account).is_some();
        let mut head = vec![Span::styled(
            sanitize(&state.account_label(&t.account)),
            theme::title(),
        )];
        if production {
            head.push(Span::raw(" "));
            head.push(Span::styled(" PRODUCTION ", theme::production()));
        }
        head.push(Span::raw(sanitize(&format!(
            ": profiles {} · {} instance{}",
            t.profiles.join(", "),
            t.instances,
            if t.instances == 1 { "" } else { "s" }
        ))));
        lines.push(Line::from(head));
        if t.instance_names.is_empty() {
            lines.push(Line::from(
                "  no instance runs with it now; credentials issued before live on until revoked",
            ));
            continue;
        }
        lines.push(Line::from(sanitize(&format!(
            "  {}{}",
            t.instance_names
                .iter()
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if t.instance_names.len() > 4 {
                format!(", and {} more", t.instance_names.len() - 4)
            } else {
                String::new()
            }
        ))));
    }
    lines.push(Line::from(
        "Needs iam:PutRolePolicy on the role in each account; not possible on service-linked roles.",
    ));
    lines.push(Line::from(""));
    let expected = sanitize(&crate::tui::app::derive::revoke_guard(state, r));
    let ask = if expected.contains(' ') {
        format!(
            "Type {expected} (the role, then each production account's name) and press Enter to revoke; Esc: no (the default)"
        )
    } else {
        format!("Type the role's name ({role}) and press Enter to revoke; Esc: no (the default)")
    };
    lines.push(Line::from(Span::styled(ask, theme::error())));
    lines.push(Line::from(vec![
        Span::styled("> ", theme::key()),
        Span::raw(format!("{}▏", sanitize(&r.typed))),
    ]));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// `q` during a batch: how many changes are in flight and waiting, and the
/// two ways out (a sent call is never abandoned).
pub fn render_quit_batch(state: &State, frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let (flight, waiting) = state.changes.in_flight();
    let block = Block::bordered()
        .border_style(theme::error())
        .title(Span::styled(" Quit during a batch? ", theme::title()));
    let lines = vec![
        Line::from(format!(
            "{flight} change{} in flight, {waiting} not started.",
            if flight == 1 { "" } else { "s" }
        )),
        Line::from(
            "w: wait for the ones in flight, start no more, then quit (what was left undone is printed)",
        ),
        Line::from("Esc: keep going"),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// `p` in a confirmation: every row the change grants (+) and removes (−).
pub fn render_diff(state: &State, c: &Confirm, scroll: usize, frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let block = Block::bordered()
        .border_style(theme::focused_border())
        .title(Span::styled(
            " Effective access: gained and lost, evaluated as IAM does (identity policies, boundary) ",
            theme::title(),
        ));
    let mut lines: Vec<Line> = Vec::new();
    // Each distinct from → to of the changes, in order.
    let mut seen: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    for ch in &c.changes {
        let pair = (profile_arn(ch.from.as_ref()), profile_arn(ch.to.as_ref()));
        if seen.contains(&pair) {
            continue;
        }
        seen.push(pair);
        if c.changes.len() > 1 {
            let name = |p: Option<&ProfileSummary>| p.map_or("—".to_string(), |p| p.name.clone());
            lines.push(Line::from(Span::styled(
                sanitize(&format!(
                    "{} → {}",
                    name(ch.from.as_ref()),
                    name(ch.to.as_ref())
                )),
                theme::title(),
            )));
        }
        match state.access_diff(pair.0, pair.1) {
            Err(e) => lines.push(Line::from(Span::styled(
                sanitize(&format!(
                    "cannot read the roles' policies: {}",
                    e.sentence()
                )),
                theme::error(),
            ))),
            Ok(None) => lines.push(Line::from(Span::styled(
                "reading the roles' policies…",
                theme::dim(),
            ))),
            Ok(Some(d)) => lines.extend(access_lines(d)),
        }
    }
    let lines: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `X`: the case id asked, then every step of the containment listed.
pub fn render_contain(
    state: &State,
    d: &crate::tui::app::state::ContainDialog,
    frame: &mut Frame,
    area: Rect,
) {
    use crate::tui::app::state::ContainPhase;
    super::clear(frame, area);
    let block = Block::bordered()
        .border_style(theme::error())
        .title(Span::styled(
            format!(
                " Contain {} instance{} (case {})? ",
                d.ids.len(),
                if d.ids.len() == 1 { "" } else { "s" },
                sanitize(&d.case)
            ),
            theme::title(),
        ));
    let mut lines: Vec<Line> = Vec::new();
    match &d.phase {
        ContainPhase::Case => {
            lines.push(Line::from(
                "A Deny keyed on each instance (ec2:SourceInstanceARN) on the role it runs with: its credentials, stolen copies too, stop working; other instances on the role keep theirs.",
            ));
            lines.push(Line::from(
                "Then the swap to the quarantine profile, the tag rolecall:case, IMDSv2 required, Standby for Auto Scaling members. Each step is journaled; rolecall release CASE reverses them.",
            ));
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                Span::styled("case id: ", theme::key()),
                Span::raw(format!("{}▏", sanitize(&d.case))),
            ]));
            lines.push(Line::from(Span::styled(
                "Enter reads the plan (nothing is changed yet); Esc cancels",
                theme::dim(),
            )));
        }
        ContainPhase::Planning => lines.push(Line::from(Span::styled(
            "reading the roles, profiles, groups and metadata options…",
            theme::dim(),
        ))),
        ContainPhase::Confirm(plan) => {
            let label = |key: &str| state.account_label(key);
            for l in crate::core::contain::describe(plan, &label)
                .into_iter()
                .skip(d.scroll)
            {
                lines.push(Line::from(sanitize(&l)));
            }
            lines.push(Line::from(""));
            let guard = crate::tui::app::derive::contain_guard(state, plan);
            lines.push(Line::from(Span::styled(
                match &guard {
                    Some(g) => format!(
                        "PRODUCTION account {}: type its name and press Enter to contain; Esc: no (the default)",
                        sanitize(g)
                    ),
                    None => "y / Enter: contain     n / Esc: no (the default)".to_string(),
                },
                theme::error(),
            )));
            if guard.is_some() {
                lines.push(Line::from(vec![
                    Span::styled("> ", theme::key()),
                    Span::raw(format!("{}▏", sanitize(&d.typed))),
                ]));
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
