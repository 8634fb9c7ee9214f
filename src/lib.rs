//! rolecall: see and change the IAM instance profiles of EC2 instances, from a
//! terminal UI or from scripts.

pub mod app;
pub mod aws;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod error;
pub mod exec;
pub mod insight;
pub mod inventory;
pub mod journal;
pub mod logging;
pub mod plan;
pub mod policy;
pub mod poller;
pub mod session;
pub mod text;
pub mod tui;
pub mod ui;
