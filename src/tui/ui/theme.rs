//! Colours and styles, in one place. Five named slots can be recoloured by
//! the config file's `[colors]` table ([`set_palette`], once at start).

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

/// The colours of the named slots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub header: Color,
    pub selection: Color,
    pub transitional: Color,
    pub error: Color,
    pub production: Color,
}

impl Default for Palette {
    fn default() -> Self {
        Self {
            header: Color::Cyan,
            selection: Color::Blue,
            transitional: Color::Magenta,
            error: Color::Red,
            production: Color::Red,
        }
    }
}

impl Palette {
    /// The defaults with the config file's slots over them (values were
    /// checked when the file was read; one that does not parse keeps its default).
    pub fn from_config(colors: &crate::core::config::Colors) -> Self {
        let mut p = Self::default();
        let pick = |v: &Option<String>, default: Color| {
            v.as_deref().and_then(|v| v.parse().ok()).unwrap_or(default)
        };
        p.header = pick(&colors.header, p.header);
        p.selection = pick(&colors.selection, p.selection);
        p.transitional = pick(&colors.transitional, p.transitional);
        p.error = pick(&colors.error, p.error);
        p.production = pick(&colors.production, p.production);
        p
    }
}

static PALETTE: OnceLock<Palette> = OnceLock::new();

/// Sets the slots' colours from the config file; only the first call counts.
pub fn set_palette(colors: &crate::core::config::Colors) {
    let _ = PALETTE.set(Palette::from_config(colors));
}

fn palette() -> Palette {
    PALETTE.get().copied().unwrap_or_default()
}

use crate::aws::{AssociationState, InstanceState};

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn key() -> Style {
    Style::new()
        .fg(palette().header)
        .add_modifier(Modifier::BOLD)
}

pub fn selected() -> Style {
    Style::new()
        .bg(palette().selection)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD)
}

pub fn focused_border() -> Style {
    Style::new().fg(palette().header)
}

pub fn success() -> Style {
    Style::new().fg(Color::Green)
}

pub fn error() -> Style {
    Style::new()
        .fg(palette().error)
        .add_modifier(Modifier::BOLD)
}

pub fn warning() -> Style {
    Style::new().fg(Color::Yellow)
}

/// The PRODUCTION badge: white on red.
pub fn production() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(palette().production)
        .add_modifier(Modifier::BOLD)
}

pub fn badge() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD)
}

pub fn matched() -> Style {
    Style::new()
        .fg(Color::Yellow)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

pub fn instance_state(s: &InstanceState) -> Style {
    match s {
        InstanceState::Running => Style::new().fg(Color::Green),
        InstanceState::Stopped => Style::new().fg(Color::Yellow),
        InstanceState::Terminated | InstanceState::ShuttingDown => dim(),
        _ => Style::new().fg(Color::Cyan),
    }
}

pub fn association_state(s: AssociationState) -> Style {
    match s {
        AssociationState::Associated => Style::new().fg(Color::Green),
        AssociationState::Associating | AssociationState::Disassociating => Style::new()
            .fg(palette().transitional)
            .add_modifier(Modifier::BOLD),
        AssociationState::Disassociated => dim(),
    }
}
