//! The TUI's brain, in the Elm style: [`State`], the [`Action`]s that change it,
//! the pure [`update`](update::update) that returns [`Effect`]s for the runtime to run.

pub mod action;
pub mod command;
pub mod derive;
pub mod fuzzy_list;
pub mod keymap;
pub mod matching;
pub mod state;
pub mod update;

pub use action::{Action, Effect, JournalPurpose, Mutation, MutationKind};
pub use state::State;
pub use update::update;

pub use state::{filter, layout, sort};
