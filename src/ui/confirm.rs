//! The confirmation dialog every change goes through: the change stated in
//! full from its facts, every API-derived string sanitised.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::State;
use crate::app::state::Confirm;
use crate::aws::ProfileSummary;
use crate::plan::MutationKind;
use crate::text::sanitize;

use super::theme;

/// The dialog's width.
pub const WIDTH: u16 = 100;

const CREDENTIALS_NOTE: &str =
    "Credentials already on the instance stay valid until they expire; this is not a revocation.";

/// The dialog's title.
pub fn title(c: &Confirm) -> &'static str {
    match c.change.kind {
        MutationKind::Associate { .. } => "Associate instance profile",
        MutationKind::Replace { .. } => "Replace instance profile",
        MutationKind::DetachThenAssociate { .. } => "Swap instance profile (stopped instance)",
        MutationKind::Disassociate { .. } => "Detach instance profile",
    }
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

/// The change in full: instance, region, from, to, the API calls.
pub fn lines(state: &State, c: &Confirm) -> Vec<String> {
    let ch = &c.change;
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
        format!("region    {}", ch.region),
        format!("from      {}", describe(state, ch.from.as_ref())),
        format!("to        {}", describe(state, ch.to.as_ref())),
        format!("API call  {}", ch.kind.calls().join(", then ")),
        String::new(),
        CREDENTIALS_NOTE.to_string(),
    ]
    .into_iter()
    .map(|l| sanitize(&l))
    .collect()
}

/// The warning a change needs before the operator says yes.
pub fn warning(c: &Confirm) -> Option<String> {
    match &c.change.kind {
        MutationKind::DetachThenAssociate { association_id, .. } => Some(sanitize(&format!(
            "AWS refuses to replace the profile of a stopped instance: rolecall will detach {association_id} first, then associate {}. If the second call fails, the instance is left without a profile.",
            c.change.to.as_ref().map_or("", |p| p.name.as_str())
        ))),
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
    let guard = usize::from(state.production_guard().is_some());
    (body + warning + guard + 2 + 2) as u16
}

pub fn render(state: &State, c: &Confirm, frame: &mut Frame, area: Rect) {
    super::clear(frame, area);
    let block = Block::bordered()
        .border_style(theme::warning())
        .title(Span::styled(format!(" {}? ", title(c)), theme::title()));
    let mut out: Vec<Line> = lines(state, c).into_iter().map(Line::from).collect();
    if let Some(w) = warning(c) {
        out.push(Line::from(Span::styled(format!("⚠ {w}"), theme::warning())));
    }
    out.push(Line::from(""));
    if let Some(name) = state.production_guard() {
        let name = sanitize(&name);
        out.push(Line::from(Span::styled(
            format!("PRODUCTION account {name}: type its name and press Enter to make the change"),
            theme::error(),
        )));
        out.push(Line::from(vec![
            Span::styled("> ", theme::key()),
            Span::raw(format!("{}▏", sanitize(&c.typed))),
            Span::styled("     Esc: no (the default)", theme::dim()),
        ]));
        frame.render_widget(
            Paragraph::new(out).block(block).wrap(Wrap { trim: false }),
            area,
        );
        return;
    }
    out.push(Line::from(vec![
        Span::styled("y", theme::key()),
        Span::raw(" / "),
        Span::styled("Enter", theme::key()),
        Span::raw(": yes, make the change     "),
        Span::styled("n", theme::key()),
        Span::raw(" / "),
        Span::styled("Esc", theme::key()),
        Span::raw(": no (the default)"),
    ]));
    frame.render_widget(
        Paragraph::new(out).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
