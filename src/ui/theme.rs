//! Colours and styles, in one place.

use ratatui::style::{Color, Modifier, Style};

use crate::aws::{AssociationState, InstanceState};

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

pub fn selected() -> Style {
    Style::new()
        .bg(Color::Blue)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD)
}

pub fn focused_border() -> Style {
    Style::new().fg(Color::Cyan)
}

pub fn success() -> Style {
    Style::new().fg(Color::Green)
}

pub fn error() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn warning() -> Style {
    Style::new().fg(Color::Yellow)
}

/// The PRODUCTION badge: white on red.
pub fn production() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(Color::Red)
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
        AssociationState::Associating | AssociationState::Disassociating => {
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
        }
        AssociationState::Disassociated => dim(),
    }
}
