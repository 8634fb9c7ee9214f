//! The overlays over the panes: help, the pickers, the confirmation.

use crate::app::fuzzy_list::FuzzyList;
use crate::exec::Change;

/// The profile picker overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub region: String,
    pub instance_id: String,
    /// Over `State::profile_lines`.
    pub list: FuzzyList,
}

/// The region picker overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionPicker {
    /// Every region, once DescribeRegions answered.
    pub all: Option<Vec<String>>,
    pub error: Option<String>,
    /// Over `all`.
    pub list: FuzzyList,
    pub chosen: Vec<String>,
}

/// The confirmation dialog: the change in full (the view states it from these
/// facts and what state knows of the instance and profiles), waiting for y/n.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub change: Change,
    /// What the operator has typed so far (production accounts ask for the
    /// account's name; `y` alone changes nothing there).
    pub typed: String,
}

/// The overlay on top of the panes, if any.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help,
    Picker(Picker),
    Regions(RegionPicker),
    Confirm(Confirm),
}
