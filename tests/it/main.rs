//! The one integration-test crate (one link step): moto-backed contract tests,
//! the CLI binary, the in-memory account, SDK mocks, and the TUI.

mod backends;
mod cli_bin;
mod contract;
mod harness;
mod memory;
mod mocks;
mod moto;
mod tui_update;
