//! What can happen to the TUI ([`Action`]) and what it asks the runtime to do ([`Effect`]).

use std::time::Duration;

use crossterm::event::KeyEvent;

use crate::aws::{ApiError, Association, CallerIdentity, Instance, InstanceProfile};
use crate::core::exec::{Change, Outcome};

/// Everything `update` reacts to. Results say what they were for (generation,
/// round, operation id), so stale ones can be dropped.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    /// A mouse event (only with `--mouse`).
    Mouse(crossterm::event::MouseEvent),
    Resize(u16, u16),
    /// Time since start; the only way time enters `update`.
    Tick(Duration),
    /// STS GetCallerIdentity answered for an account (by its session key).
    IdentityLoaded {
        account: String,
        result: Result<CallerIdentity, ApiError>,
    },
    /// An account's instance profiles were read.
    ProfilesLoaded {
        account: String,
        result: Result<Vec<InstanceProfile>, ApiError>,
    },
    /// DescribeRegions for the region picker.
    RegionsLoaded(Result<Vec<String>, ApiError>),
    /// DescribeRegions for checking the regions named at start.
    RegionsChecked(Result<Vec<String>, ApiError>),
    InstancesLoaded {
        generation: u64,
        account: String,
        region: String,
        result: Result<Vec<Instance>, ApiError>,
    },
    AssociationsLoaded {
        generation: u64,
        round: u64,
        account: String,
        region: String,
        result: Result<Vec<Association>, ApiError>,
    },
    /// A role's older sessions were revoked (or not: why).
    SessionsRevoked {
        /// The session's key of the role's account.
        key: String,
        role: String,
        result: Result<String, String>,
    },
    /// A containment was planned (or why not).
    ContainPlanned {
        case: String,
        result: Result<Box<crate::core::contain::Plan>, String>,
    },
    /// The cases view's data arrived.
    CasesLoaded {
        result: Result<crate::core::contain::CasesData, String>,
    },
    /// A case was released (each step's outcome), or why not.
    CaseReleased {
        case: String,
        result: Result<Vec<crate::core::contain::StepResult>, String>,
    },
    /// A containment ran: each step's outcome.
    ContainDone {
        case: String,
        steps: Vec<crate::core::contain::StepResult>,
    },
    /// A page of CloudTrail history came in (how far the reading has got).
    HistoryProgress {
        account: String,
        region: String,
        progress: crate::core::history::Progress,
    },
    /// A region's CloudTrail history, and the request ids this machine's
    /// journal holds (rolecall's own changes).
    HistoryLoaded {
        account: String,
        region: String,
        result: Result<crate::core::history::Events, ApiError>,
        journal_requests: crate::core::history::JournalRequests,
    },
    /// When a role was last used, or why that is unknown.
    RoleLastUsedLoaded {
        account: String,
        role: String,
        result: Result<Option<crate::core::access::LastUsed>, ApiError>,
    },
    /// A role's policies were read.
    RolePoliciesLoaded {
        account: String,
        role: String,
        result: Result<Vec<crate::core::policy::Policy>, ApiError>,
    },
    /// The journal was read (for `u` or `J`).
    JournalRead {
        purpose: JournalPurpose,
        result: Result<Vec<crate::core::journal::Entry>, String>,
    },
    /// A confirmed change got its turn: its calls are being sent now.
    MutationStarted {
        op_id: u64,
    },
    /// A signal asks rolecall to end: start nothing more, let the changes
    /// under way finish, then quit.
    Stop,
    /// A mutation's first step of two finished (stopped-instance swap: detached).
    MutationStep {
        op_id: u64,
        note: String,
    },
    MutationDone {
        op_id: u64,
        /// Boxed: actions stay small.
        outcome: Box<Outcome>,
    },
}

pub use crate::core::plan::MutationKind;

/// Why the journal is being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalPurpose {
    /// `u`: undo the latest batch of this account.
    Undo,
    /// `u` on a row of `J`: undo that row's batch.
    UndoBatch(String),
    /// `J`: show it.
    Show,
    /// `J` is open: read it again (another responder may have written).
    Refresh,
}

/// A confirmed change to run, for one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    pub op_id: u64,
    /// The confirmation it belongs to (the journal's batch).
    pub batch: u64,
    pub change: Change,
    /// For the journal: the instance's Name and who is changing it.
    pub instance_name: Option<String>,
    pub account: Option<String>,
    pub caller_arn: Option<String>,
    /// The batch this change undoes, if it is an undo.
    pub undo_of: Option<String>,
}

/// Side effects `update` asks for; the runtime runs them and sends back actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadIdentity {
        account: String,
    },
    LoadProfiles {
        account: String,
    },
    /// DescribeRegions for the region picker.
    LoadRegions,
    /// DescribeRegions to check the regions named at start.
    CheckRegions,
    LoadInstances {
        generation: u64,
        account: String,
        region: String,
    },
    LoadAssociations {
        generation: u64,
        round: u64,
        account: String,
        region: String,
    },
    /// Boxed: effects stay small.
    Mutate(Box<Mutation>),
    /// Revoke a role's older sessions (AWSRevokeOlderSessions), journaled.
    RevokeSessions {
        /// The session's key of the role's account.
        key: String,
        role: String,
        account: Option<String>,
        caller_arn: Option<String>,
    },
    /// Plan containing instances (`X`): reads, then the plan comes back.
    PlanContain {
        ids: Vec<String>,
        case: String,
        /// The quarantine profile (name or ARN).
        to: String,
        regions: Vec<String>,
    },
    /// Carry out a containment plan, journaled step by step.
    RunContain(Box<crate::core::contain::Plan>),
    /// `I`: the journal's cases and what is on the roles now.
    LoadCases {
        regions: Vec<String>,
    },
    /// Release a case (reverse its steps), journaled.
    ReleaseCase {
        case: String,
        regions: Vec<String>,
    },
    /// Read a region's CloudTrail history of profile changes.
    LoadHistory {
        account: String,
        region: String,
        /// The end of the window (the UI's wall clock); now when unknown.
        until: Option<std::time::SystemTime>,
    },
    /// Read when a role was last used (the detail pane).
    LoadRoleLastUsed {
        account: String,
        role: String,
    },
    /// Read a role's policies (for a confirmation's diff, or `p`).
    LoadRolePolicies {
        account: String,
        role: String,
    },
    /// Read the journal (a local file).
    ReadJournal(JournalPurpose),
    /// Put text on the clipboard of the terminal (OSC 52: works over SSH
    /// and, with `set-clipboard on`, inside tmux).
    Copy(String),
    /// Start no further change of a batch (each comes back not started);
    /// those under way finish.
    StopChanges,
    Quit,
}
