//! What is known of the account: regions, instances, associations, rows, profiles.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::aws::{Association, CallerIdentity, Instance, InstanceProfile};
use crate::inventory::InstanceRow;
use crate::text::sanitize;

use super::source::Source;

/// One region's data, as last loaded.
#[derive(Debug, Clone, Default)]
pub struct RegionData {
    pub instances: Vec<Arc<Instance>>,
    pub associations: Vec<Association>,
    pub instances_src: Source,
    pub associations_src: Source,
    /// The round of the association result now shown.
    pub applied_round: u64,
    /// Results of rounds before this were asked before a change we made: drop them.
    pub min_round: u64,
}

/// A row of the instance list: the joined data plus what the filter matches on.
#[derive(Debug, Clone)]
pub struct Row {
    pub data: InstanceRow,
    /// Lowercase `id name profile state`, for the filter.
    pub key: String,
    /// Name with control characters removed, ready to draw.
    pub name: String,
}

/// What rolecall knows of the account: who, which regions, each region's
/// instances and associations, the joined rows, the instance profiles. The
/// rows are always the join of `region_data`; `profile_lines` always matches
/// `profiles` one to one ([`Inventory::set_profiles`] keeps it so).
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub identity: Option<CallerIdentity>,
    pub identity_src: Source,
    pub regions: Vec<String>,
    /// Bumped whenever the region set changes; older results are dropped.
    pub generation: u64,
    pub region_data: BTreeMap<String, RegionData>,
    pub rows: Vec<Row>,
    /// Profile ARN → how many rows have it (active), recomputed when rows change.
    pub profile_usage: HashMap<String, usize>,
    pub profiles: Vec<InstanceProfile>,
    /// `name  roles  path` per profile: what the picker shows and matches.
    pub profile_lines: Vec<String>,
    pub profiles_src: Source,
    /// Each role's permission rows, read on demand and kept for the session
    /// (Ctrl-r reads them again).
    pub role_rows: HashMap<String, RoleRows>,
    /// Per role, its policies rolecall could not read: `name: why: raw text`.
    pub role_unreadable: HashMap<String, Vec<String>>,
}

/// What is known of a role's permissions.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleRows {
    Loading,
    Loaded(Vec<crate::policy::Sourced>),
    Failed(crate::aws::ApiError),
}

impl Inventory {
    /// Takes a fresh profile list: sorted by name, with the picker's lines.
    pub fn set_profiles(&mut self, mut profiles: Vec<InstanceProfile>) {
        profiles.sort_by(|a, b| a.name.cmp(&b.name));
        self.profile_lines = profiles.iter().map(profile_line).collect();
        self.profiles = profiles;
    }
}

/// Builds a list row: the filter key and the sanitized name.
pub fn make_row(data: InstanceRow) -> Row {
    let inst = &data.instance;
    let profile = data
        .association
        .as_ref()
        .map(|a| a.profile.name.as_str())
        .unwrap_or("-");
    let name = sanitize(inst.name.as_deref().unwrap_or(""));
    let key = format!("{} {} {} {}", inst.id, name, profile, inst.state).to_lowercase();
    Row { data, key, name }
}

/// The line the picker shows and matches for a profile: `name  roles  path`.
pub fn profile_line(p: &InstanceProfile) -> String {
    let roles: Vec<&str> = p.roles.iter().map(|r| r.name.as_str()).collect();
    let roles = if roles.is_empty() {
        "(no role)".to_string()
    } else {
        roles.join(",")
    };
    sanitize(&format!("{}  {}  {}", p.name, roles, p.path))
}
