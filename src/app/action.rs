//! What can happen to the TUI ([`Action`]) and what it asks the runtime to do ([`Effect`]).

use std::time::Duration;

use crossterm::event::KeyEvent;

use crate::aws::{ApiError, Association, CallerIdentity, Instance, InstanceProfile};
use crate::exec::ExecError;

/// Everything `update` reacts to. Results say what they were for (generation,
/// round, operation id), so stale ones can be dropped.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Time since start; the only way time enters `update`.
    Tick(Duration),
    IdentityLoaded(Result<CallerIdentity, ApiError>),
    ProfilesLoaded(Result<Vec<InstanceProfile>, ApiError>),
    RegionsLoaded(Result<Vec<String>, ApiError>),
    InstancesLoaded {
        generation: u64,
        region: String,
        result: Result<Vec<Instance>, ApiError>,
    },
    AssociationsLoaded {
        generation: u64,
        round: u64,
        region: String,
        result: Result<Vec<Association>, ApiError>,
    },
    /// A mutation's first step of two finished (stopped-instance swap: detached).
    MutationStep {
        op_id: u64,
        note: String,
    },
    MutationDone {
        op_id: u64,
        result: Result<Association, ExecError>,
    },
}

pub use crate::plan::MutationKind;

/// A change to run, for one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    pub op_id: u64,
    pub region: String,
    pub instance_id: String,
    pub kind: MutationKind,
}

/// Side effects `update` asks for; the runtime runs them and sends back actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadIdentity,
    LoadProfiles,
    LoadRegions,
    LoadInstances {
        generation: u64,
        region: String,
    },
    LoadAssociations {
        generation: u64,
        round: u64,
        region: String,
    },
    Mutate(Mutation),
    Quit,
}
