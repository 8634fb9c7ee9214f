//! The one integration-test crate (one link step): moto-backed contract tests,
//! the CLI binary, the in-memory account, SDK mocks, and the TUI.

// Tests state what they expect; a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod architecture;
mod backends;
mod cli_bin;
mod contract;
mod e2e;
mod harness;
mod history;
mod hostile;
mod journal_bin;
mod memory;
mod mocks;
mod moto;
mod netfault;
mod oracle;
mod roles_bin;
mod snapshots;
mod team_journal;
mod tui_accounts;
mod tui_update;
