//! The terminal UI: the runtime (terminal, the one `select!` loop, the effect
//! runner), the background poller, the pure app (state, actions, update) and
//! the view (ui/, which only draws). Uses [`crate::core`] and [`crate::aws`].

pub mod app;
pub mod poller;
pub mod runtime;
pub mod ui;

pub use runtime::{
    Exit, Journaling, Settings, mutate, osc52, perform, perform_contain, restore_terminal, run,
    run_mutation,
};
