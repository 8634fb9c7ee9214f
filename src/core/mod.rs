//! What rolecall knows and does, front-end free: the one planner and
//! executor, batches and undo, the journal, sessions and inventories, policy
//! reading, the config file, errors and text. Uses [`crate::aws`]; never the
//! front ends.

pub mod access;
pub mod bulk;
pub mod catalogue;
pub mod change;
pub mod config;
pub mod contain;
pub mod effective;
pub mod error;
pub mod eval;
pub mod exec;
pub mod history;
pub mod inventory;
pub mod journal;
pub mod logging;
pub mod names;
pub mod plan;
pub mod policy;
pub mod revoke;
pub mod session;
