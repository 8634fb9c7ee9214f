//! What is known of the account: regions, instances, associations, rows, profiles.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::aws::text::sanitize;
use crate::aws::{Association, CallerIdentity, Instance, InstanceProfile};
use crate::core::inventory::InstanceRow;

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

/// What is known of one account as a whole: who the caller is there, and
/// how its identity and instance profiles were read.
#[derive(Debug, Clone, Default)]
pub struct AccountData {
    pub identity: Option<CallerIdentity>,
    pub identity_src: Source,
    pub profiles_src: Source,
}

/// Where instances live: an account (its session key) and a region.
pub type Scope = (String, String);

/// A role: its account's session key and its name (a role name is unique
/// only within an account).
pub type RoleKey = (String, String);

/// What rolecall knows of the accounts: who, which regions, each account
/// and region's instances and associations, the joined rows, the instance
/// profiles. The rows are always the join of `region_data`.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The accounts shown (the `a` picker chooses), by session key, in the
    /// session's order.
    pub shown: Vec<String>,
    /// Per account key.
    pub accounts: BTreeMap<String, AccountData>,
    pub regions: Vec<String>,
    /// Bumped whenever the account or region set changes; older results are dropped.
    pub generation: u64,
    pub region_data: BTreeMap<Scope, RegionData>,
    pub rows: Vec<Row>,
    /// A hash of (region, instance id) → index in `rows`, kept with the
    /// rows' order (a hash, not the strings: 20,000 rows would double them).
    pub row_index: HashMap<u64, usize>,
    /// Profile ARN → how many rows have it (active), recomputed when rows change.
    pub profile_usage: HashMap<String, usize>,
    /// Every shown account's instance profiles (each knows its account),
    /// sorted by name.
    pub profiles: Vec<InstanceProfile>,
    /// Each role's permission rows, by (account key, role name), read on
    /// demand and kept for the session (Ctrl-r reads them again).
    pub role_rows: HashMap<RoleKey, RoleRows>,
    /// Per role, its policies rolecall could not read: `name: why: raw text`.
    pub role_unreadable: HashMap<RoleKey, Vec<String>>,
    /// Per role, when it was last used (`None` while it is read).
    pub role_last_used: HashMap<
        RoleKey,
        Option<Result<Option<crate::core::access::LastUsed>, crate::aws::ApiError>>,
    >,
    /// CloudTrail's history of profile changes, per account and region,
    /// read on demand and kept for the session (`r` in `h` reads it again).
    pub history: HashMap<super::HistoryKey, super::RegionHistory>,
    /// Regions whose history is being read (again), and how far it got;
    /// the last result stays shown meanwhile.
    pub history_reading: HashMap<super::HistoryKey, crate::core::history::Progress>,
    /// Per role, who its trust policy lets assume it (not a permission).
    pub role_trust: HashMap<RoleKey, Vec<String>>,
    /// Per role, its statements as IAM evaluates them (with `role_rows`).
    pub role_eval: HashMap<RoleKey, crate::core::eval::RolePolicies>,
    /// What moving from one role (or none) to another gains and loses,
    /// computed once both are read (in `update`, not while drawing).
    pub access_diffs:
        HashMap<(Option<RoleKey>, Option<RoleKey>), crate::core::effective::AccessDiff>,
}

/// What is known of a role's permissions.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleRows {
    Loading,
    Loaded(Vec<crate::core::policy::Sourced>),
    Failed(crate::aws::ApiError),
}

impl Inventory {
    /// Takes an account's fresh profile list (it replaces that account's):
    /// sorted by name, then account, with the picker's lines.
    pub fn set_profiles(&mut self, account: &str, fresh: Vec<InstanceProfile>) {
        let mut profiles: Vec<InstanceProfile> = std::mem::take(&mut self.profiles)
            .into_iter()
            .filter(|p| p.account != account && self.shown.contains(&p.account))
            .collect();
        profiles.extend(fresh.into_iter().map(|mut p| {
            account.clone_into(&mut p.account);
            p
        }));
        profiles.sort_by(|a, b| (&a.name, &a.account).cmp(&(&b.name, &b.account)));
        self.profiles = profiles;
    }

    /// What is known of an account (a default while nothing is).
    pub fn account(&self, key: &str) -> &AccountData {
        static NOTHING: std::sync::OnceLock<AccountData> = std::sync::OnceLock::new();
        self.accounts
            .get(key)
            .unwrap_or_else(|| NOTHING.get_or_init(AccountData::default))
    }

    /// An account's data, to write.
    pub fn account_mut(&mut self, key: &str) -> &mut AccountData {
        self.accounts.entry(key.to_string()).or_default()
    }

    /// True once every shown account's instance profiles have been read.
    pub fn profiles_loaded(&self) -> bool {
        self.shown
            .iter()
            .all(|a| self.account(a).profiles_src.loaded)
    }

    /// Every shown account and region.
    pub fn scopes(&self) -> Vec<Scope> {
        self.shown
            .iter()
            .flat_map(|a| self.regions.iter().map(move |r| (a.clone(), r.clone())))
            .collect()
    }
}

/// The key of an instance in [`Inventory::row_index`].
pub fn row_key(region: &str, instance_id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (region, instance_id).hash(&mut h);
    h.finish()
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

/// A profile's roles as the picker shows them: `a,b`, or `(no role)`.
pub fn roles_text(p: &InstanceProfile) -> String {
    if p.roles.is_empty() {
        return "(no role)".to_string();
    }
    let roles: Vec<&str> = p.roles.iter().map(|r| r.name.as_str()).collect();
    roles.join(",")
}
