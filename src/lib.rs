//! rolecall: see and change the IAM instance profiles of EC2 instances, from a
//! terminal UI or from scripts.
//!
//! Four layers, each a folder; imports only run downwards:
//! - [`tui`] and [`cli`]: the two front ends;
//! - [`core`]: what rolecall knows and does, front-end free (planning, the
//!   executor, the journal, sessions, policies, the config file);
//! - [`aws`]: the cloud seam (one trait, the SDK adapter, the in-memory account).
//!
//! ARCHITECTURE.md at the root says where a new call, key or command goes.

pub mod aws;
pub mod cli;
pub mod core;
pub mod tui;
