//! Everything the TUI shows and remembers. `view` only reads it; `update` alone writes it.

//! Its parts: [`Inventory`] (what is known), [`ListView`] (how the list is
//! shown), [`Changes`] (what is changing), [`Source`] (each read's freshness),
//! and the overlays.

use std::sync::Arc;
use std::time::Duration;

mod changes;
pub mod filter;
mod history;
mod inventory;
pub mod layout;
mod overlay;
pub mod sort;
mod source;

pub use changes::{BatchProgress, Changes, OutsideChange, Pending};
pub use history::{
    ACTOR_GIVE_UP, ACTOR_RECHECK, Actor, HistoryKey, HistoryView, RegionHistory, actor_of,
};
pub use inventory::{AccountData, Inventory, RegionData, RoleKey, RoleRows, Row, Scope, make_row};
pub use overlay::{
    AccountPicker, CasesView, Confirm, ContainDialog, ContainPhase, JournalView, Overlay,
    PermissionsView, Picker, RegionPicker, RevokeConfirm, RevokeTarget, Skip, permission_lines,
};
pub use source::{Knowledge, MAX_BACKOFF, Source, backoff};

use crate::aws::{Association, Instance, InstanceProfile};
use crate::core::inventory::InstanceRow;

/// The TUI's settings fixed at start (the config file itself is
/// `core::config::Config`, kept in `file`).
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    pub read_only: bool,
    pub demo: bool,
    /// The credential profile name shown in the header.
    pub profile_label: String,
    /// The endpoint override, shown in the header when set.
    pub endpoint: Option<String>,
    /// Association poll interval when nothing is changing.
    pub poll_interval: Duration,
    /// The regions were named by the user: check them against DescribeRegions
    /// (in the background; the screen does not wait).
    pub check_regions: bool,
    /// Changes are journaled (false with `--no-journal`: the header says so).
    pub journal: bool,
    /// The config file: account names, production accounts, quarantine.
    pub file: crate::core::config::Config,
    /// Where the config file is (or would be), for messages: `update` reads
    /// no environment, so the runtime passes it in.
    pub config_path: Option<String>,
    /// The session's accounts, in order (at least one).
    pub accounts: Vec<AccountInfo>,
    /// Draw in colour (false with NO_COLOR set: no colour escapes at all).
    pub color: bool,
    /// The wall-clock time the run started (`State::now` counts from it),
    /// for the age of things AWS dates; `update` reads no clock.
    pub started_at: Option<std::time::SystemTime>,
}

/// An account of the session, as known before any call.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountInfo {
    /// The session's key (a profile name, or the account id).
    pub key: String,
    /// The account id, when known without STS (organizations, the demo).
    pub id: Option<String>,
    /// A name it came with (the organization's, the demo's).
    pub name: Option<String>,
    /// The demo marks one account production.
    pub production: bool,
}

impl AccountInfo {
    /// What the TUI needs to know of a session account.
    pub fn of(a: &crate::core::session::Account) -> Self {
        Self {
            key: a.key.clone(),
            id: a.id.clone(),
            name: a.name.clone(),
            production: a.production,
        }
    }
}

/// Which pane has the keyboard (when no overlay is open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

/// What a message in the footer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

/// The footer's last message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub tone: Tone,
    pub text: String,
}

/// The background refresh bookkeeping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Poll {
    /// The last association request number handed out (results carry it, so
    /// answers to requests asked before a change can be dropped).
    pub round: u64,
}

/// The instance list as the operator sees it: the filter, the rows it lets
/// through, the cursor and the scroll.
#[derive(Debug, Clone)]
pub struct ListView {
    /// `b`: only instances running with a role of this name, through any
    /// profile, in every account shown.
    pub role_filter: Option<String>,
    /// `P` then Enter: only instances on a profile of this name, in every
    /// account shown.
    pub profile_filter: Option<String>,
    /// Marked instances (region, id): bulk keys act on them.
    pub marks: std::collections::BTreeSet<(String, String)>,
    /// What `A` marked under (the filters as said), and whether marks were
    /// changed by hand since: the batch confirmation repeats it.
    pub marked_with: Option<(String, bool)>,
    pub filter: String,
    pub filter_editing: bool,
    /// Indices into `Inventory::rows` that pass the filter.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    /// First `visible` index drawn.
    pub offset: usize,
    pub focus: Focus,
    /// Set by the first key: from then on the cursor follows its instance.
    pub cursor_touched: bool,
    /// `s` / `S`: the column and direction of the order.
    pub sort: sort::Sort,
    /// The last left click on a row (its `visible` index, when): a second
    /// one soon after on the same row is a double click.
    pub last_click: Option<(usize, Duration)>,
    /// Instances a batch changed under the filters in force then (the filter
    /// text, profile and role filters): kept listed, though they may no
    /// longer match, until the filters change.
    pub pinned: std::collections::BTreeSet<(String, String)>,
    pub pinned_under: Option<(String, Option<String>, Option<String>)>,
}

impl ListView {
    /// The filters in force, to tell when they change.
    pub fn filters(&self) -> (String, Option<String>, Option<String>) {
        (
            self.filter.clone(),
            self.profile_filter.clone(),
            self.role_filter.clone(),
        )
    }

    /// The filters in force as understood (`profile=web-app · role=R`), or
    /// `None` when every instance is listed.
    pub fn filters_said(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.filter.is_empty() {
            parts.push(crate::tui::app::filter::parse(&self.filter).understood());
        }
        if let Some(r) = &self.role_filter {
            parts.push(format!("role={r} (b)"));
        }
        if let Some(p) = &self.profile_filter {
            parts.push(format!("profile={p} (P)"));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// Keeps these instances listed until the filters change.
    pub fn pin(&mut self, instances: impl IntoIterator<Item = (String, String)>) {
        let now = self.filters();
        if self.pinned_under.as_ref() != Some(&now) {
            self.pinned.clear();
            self.pinned_under = Some(now);
        }
        self.pinned.extend(instances);
    }
}

/// The whole TUI state, in parts: what is known ([`Inventory`]), how the list
/// is shown ([`ListView`]), what is changing ([`Changes`]), the polling, and
/// the overlay, message, clock and size.
#[derive(Debug, Clone)]
pub struct State {
    pub config: AppConfig,
    pub inventory: Inventory,
    pub list: ListView,
    pub changes: Changes,
    pub overlay: Overlay,
    pub poll: Poll,
    pub message: Option<Message>,
    pub now: Duration,
    pub size: (u16, u16),
}

impl State {
    pub fn new(config: AppConfig, regions: Vec<String>) -> Self {
        let shown = config.accounts.iter().map(|a| a.key.clone()).collect();
        Self {
            config,
            inventory: Inventory {
                shown,
                regions,
                generation: 1,
                ..Inventory::default()
            },
            list: ListView {
                role_filter: None,
                profile_filter: None,
                marks: Default::default(),
                marked_with: None,
                filter: String::new(),
                filter_editing: false,
                visible: Vec::new(),
                selected: 0,
                offset: 0,
                focus: Focus::List,
                cursor_touched: false,
                sort: Default::default(),
                last_click: None,
                pinned: Default::default(),
                pinned_under: None,
            },
            changes: Changes::default(),
            overlay: Overlay::None,
            poll: Poll::default(),
            message: None,
            now: Duration::ZERO,
            size: (120, 32),
        }
    }

    /// The role a profile holds, if the profile is known and holds one.
    pub fn role_of(&self, profile_arn: &str) -> Option<&crate::aws::Role> {
        self.profile_by_arn(profile_arn)?.roles.first()
    }

    /// The account id of a session account: known up front, or from STS.
    pub fn account_id(&self, key: &str) -> Option<&str> {
        self.account_info(key)
            .and_then(|a| a.id.as_deref())
            .or_else(|| {
                self.inventory
                    .account(key)
                    .identity
                    .as_ref()
                    .map(|i| i.account.as_str())
            })
    }

    /// What an account is called on screen: the config file's name for its
    /// id, else the name it came with, else its id, else its key.
    pub fn account_label(&self, key: &str) -> String {
        let given = self.account_info(key).and_then(|a| a.name.as_deref());
        self.config.file.label(self.account_id(key), given, key)
    }

    /// The session's account with this key.
    fn account_info(&self, key: &str) -> Option<&AccountInfo> {
        self.config.accounts.iter().find(|a| a.key == key)
    }

    /// The ids of the accounts shown, where known.
    pub fn shown_account_ids(&self) -> Vec<String> {
        self.inventory
            .shown
            .iter()
            .filter_map(|k| self.account_id(k).map(str::to_string))
            .collect()
    }

    /// What an account is called, by its id (the journal knows ids): the
    /// label of the session's account with that id, else the config file's
    /// name, else the id.
    pub fn label_for_id(&self, id: &str) -> String {
        let key = self
            .config
            .accounts
            .iter()
            .map(|a| a.key.as_str())
            .find(|k| self.account_id(k) == Some(id));
        match key {
            Some(k) => self.account_label(k),
            None => self
                .config
                .file
                .account(id)
                .and_then(|a| a.name.clone())
                .unwrap_or_else(|| id.to_string()),
        }
    }

    /// True when more than one account is shown (the list gains ACCOUNT).
    pub fn several_accounts(&self) -> bool {
        self.inventory.shown.len() > 1
    }

    /// A profile's permission rows: `Ok(None)` while loading, an empty list
    /// for no profile or a profile without a role.
    pub fn rows_of_profile(
        &self,
        profile_arn: Option<&str>,
    ) -> Result<Option<Vec<crate::core::policy::Sourced>>, crate::aws::ApiError> {
        let Some(arn) = profile_arn else {
            return Ok(Some(Vec::new()));
        };
        let Some(profile) = self.profile_by_arn(arn) else {
            return Ok(None);
        };
        let Some(role) = profile.roles.first() else {
            return Ok(Some(Vec::new()));
        };
        match self
            .inventory
            .role_rows
            .get(&(profile.account.clone(), role.name.clone()))
        {
            Some(RoleRows::Loaded(rows)) => Ok(Some(rows.clone())),
            Some(RoleRows::Failed(e)) => Err(e.clone()),
            Some(RoleRows::Loading) | None => Ok(None),
        }
    }

    /// The role a profile runs with, once its policies are read: `Ok(None)`
    /// while they load; `Ok(Some(None))` for no profile or a profile with no
    /// role (it grants nothing).
    #[allow(clippy::type_complexity)]
    pub fn evaluated_role(
        &self,
        profile_arn: Option<&str>,
    ) -> Result<Option<Option<RoleKey>>, crate::aws::ApiError> {
        let Some(arn) = profile_arn else {
            return Ok(Some(None));
        };
        let Some(profile) = self.profile_by_arn(arn) else {
            return Ok(None);
        };
        let Some(role) = profile.roles.first() else {
            return Ok(Some(None));
        };
        let key = (profile.account.clone(), role.name.clone());
        match self.inventory.role_rows.get(&key) {
            Some(RoleRows::Loaded(_)) if self.inventory.role_eval.contains_key(&key) => {
                Ok(Some(Some(key)))
            }
            Some(RoleRows::Failed(e)) => Err(e.clone()),
            _ => Ok(None),
        }
    }

    /// What a change of profile gains and loses, once computed.
    pub fn access_diff(
        &self,
        from_arn: Option<&str>,
        to_arn: Option<&str>,
    ) -> Result<Option<&crate::core::effective::AccessDiff>, crate::aws::ApiError> {
        let (Some(from), Some(to)) = (self.evaluated_role(from_arn)?, self.evaluated_role(to_arn)?)
        else {
            return Ok(None);
        };
        Ok(self.inventory.access_diffs.get(&(from, to)))
    }

    /// In a production account (the config file says so, or the demo's):
    /// what the operator must type to confirm a change there.
    pub fn production_guard(&self, key: &str) -> Option<String> {
        let marked = self.account_info(key).is_some_and(|a| a.production);
        self.config
            .file
            .guard(self.account_id(key), marked, || self.account_label(key))
    }

    /// The row under the cursor.
    pub fn selected_row(&self) -> Option<&Row> {
        self.list
            .visible
            .get(self.list.selected)
            .and_then(|&i| self.inventory.rows.get(i))
    }

    /// The index in `rows` of an instance, if it is loaded.
    /// Puts the cursor on an instance if it is listed (after a filter that
    /// keeps it, the operator stays where they were).
    pub fn select_instance(&mut self, region: &str, instance_id: &str) {
        if let Some(i) = self.position_of(region, instance_id)
            && let Ok(pos) = self.list.visible.binary_search(&i)
        {
            self.list.selected = pos;
            self.clamp_selection();
        }
    }

    fn position_of(&self, region: &str, instance_id: &str) -> Option<usize> {
        // A lookup, not a scan: batches ask once per instance. Two
        // instances whose keys collide fall back to the scan.
        let is = |i: &usize| {
            self.inventory.rows.get(*i).is_some_and(|r| {
                r.data.instance.region == region && r.data.instance.id == instance_id
            })
        };
        match self
            .inventory
            .row_index
            .get(&inventory::row_key(region, instance_id))
        {
            Some(i) if is(i) => Some(*i),
            None => None,
            Some(_) => self.inventory.rows.iter().position(|r| {
                r.data.instance.region == region && r.data.instance.id == instance_id
            }),
        }
    }

    /// The row of an instance, if it is loaded.
    pub fn row_of(&self, region: &str, instance_id: &str) -> Option<&Row> {
        self.position_of(region, instance_id)
            .map(|i| &self.inventory.rows[i])
    }

    /// The pending change on an instance, if any.
    pub fn pending_for(&self, region: &str, instance_id: &str) -> Option<&Pending> {
        // Asked for every drawn row; almost always nothing is pending.
        if self.changes.pending.is_empty() {
            return None;
        }
        self.changes
            .pending
            .get(&(region.to_string(), instance_id.to_string()))
    }

    /// The profile with this ARN, if loaded.
    pub fn profile_by_arn(&self, arn: &str) -> Option<&InstanceProfile> {
        self.inventory.profiles.iter().find(|p| p.arn == arn)
    }

    /// How many loaded instances use the profile with this ARN.
    pub fn instances_using(&self, arn: &str) -> usize {
        self.inventory.profile_usage.get(arn).copied().unwrap_or(0)
    }

    fn count_profile_usage(&mut self) {
        self.inventory.profile_usage.clear();
        for r in &self.inventory.rows {
            if let Some(a) = r.data.association.as_ref().filter(|a| a.state.is_active()) {
                *self
                    .inventory
                    .profile_usage
                    .entry(a.profile.arn.clone())
                    .or_default() += 1;
            }
        }
    }

    /// True while anything is changing: the poller speeds up, spinners turn.
    pub fn anything_in_transition(&self) -> bool {
        !self.changes.pending.is_empty()
            || self
                .inventory
                .region_data
                .values()
                .any(|d| d.associations.iter().any(|a| a.state.is_transitional()))
    }

    /// True while a request is out (header spinner).
    pub fn busy(&self) -> bool {
        self.inventory
            .accounts
            .values()
            .any(|a| a.identity_src.in_flight || a.profiles_src.in_flight)
            || !self.changes.pending.is_empty()
            || self
                .inventory
                .region_data
                .values()
                .any(|d| d.instances_src.in_flight || d.associations_src.in_flight)
    }

    /// What is known of the associations (so the profiles) of an account
    /// and region's instances.
    pub fn associations_knowledge(&self, account: &str, region: &str) -> Knowledge<'_> {
        self.inventory
            .region_data
            .get(&(account.to_string(), region.to_string()))
            .map_or(Knowledge::Loading, |d| d.associations_src.knowledge())
    }

    /// Why a change to this instance cannot be planned from what is on screen:
    /// its association is unknown or not loaded yet. Unknown is never none.
    pub fn association_unreadable(&self, region: &str, instance_id: &str) -> Option<String> {
        let account = self
            .row_of(region, instance_id)
            .map(|r| r.data.instance.account.clone())
            .unwrap_or_default();
        match self.associations_knowledge(&account, region) {
            Knowledge::Known => None,
            Knowledge::Loading => Some(format!(
                "the profile of {instance_id} is still loading: wait a moment, then try again"
            )),
            Knowledge::Unknown(e) => Some(format!(
                "the profile of {instance_id} is unknown because {} failed in {region} ({}): rolecall changes nothing it cannot read",
                e.action,
                e.short()
            )),
        }
    }

    /// The instance under the cursor, once the operator has moved it: it is
    /// followed when rows change, and kept listed even if a change (a new profile)
    /// means it no longer matches the filter, so the operator never loses the
    /// instance they just acted on. Until the first key the top stays the top
    /// (regions answer in any order).
    fn followed(&self) -> Option<(String, String)> {
        self.selected_row()
            .filter(|_| self.list.cursor_touched)
            .map(|r| (r.data.instance.region.clone(), r.data.instance.id.clone()))
    }

    /// Re-filters after rows changed and puts the cursor back on `keep`.
    fn restore(&mut self, keep: Option<(String, String)>) {
        self.count_profile_usage();
        self.apply_filter(false);
        if let Some((region, id)) = keep
            && let Some(row_index) = self.position_of(&region, &id)
        {
            let pos = match self.list.visible.binary_search(&row_index) {
                Ok(pos) => pos,
                Err(pos) => {
                    self.list.visible.insert(pos, row_index);
                    pos
                }
            };
            self.list.selected = pos;
        }
        self.clamp_selection();
    }

    /// Rebuilds every row from region data (the instances changed).
    /// Sorted by account (in the session's order), region, instance id.
    pub fn rebuild_rows(&mut self) {
        let keep = self.followed();
        let mut rows = Vec::new();
        for scope in self.inventory.scopes() {
            let Some(d) = self.inventory.region_data.get(&scope) else {
                continue;
            };
            for row in crate::core::inventory::join(d.instances.clone(), &d.associations) {
                rows.push(make_row(row));
            }
        }
        self.inventory.rows = rows;
        self.order_rows();
        // An instance that disappears loses its mark.
        if !self.list.marks.is_empty() {
            let listed: std::collections::HashSet<(&str, &str)> = self
                .inventory
                .rows
                .iter()
                .map(|r| (r.data.instance.region.as_str(), r.data.instance.id.as_str()))
                .collect();
            self.list
                .marks
                .retain(|(r, i)| listed.contains(&(r.as_str(), i.as_str())));
        }
        self.restore(keep);
    }

    /// Puts the rows in the list's order (`s`/`S`).
    fn order_rows(&mut self) {
        let shown = &self.inventory.shown;
        let order = |key: &str| shown.iter().position(|k| k == key).unwrap_or(usize::MAX);
        let sort = self.list.sort;
        self.inventory
            .rows
            .sort_by(|a, b| sort.compare(a, b, &order));
        self.inventory.row_index = self
            .inventory
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    inventory::row_key(&r.data.instance.region, &r.data.instance.id),
                    i,
                )
            })
            .collect();
    }

    /// Sorts the list again (the order changed), the cursor on the same instance.
    pub fn resort(&mut self) {
        let keep = self
            .selected_row()
            .map(|r| (r.data.instance.region.clone(), r.data.instance.id.clone()));
        self.order_rows();
        self.restore(keep);
    }

    /// Takes an account and region's instances; rebuilds rows only when they differ.
    pub fn set_instances(&mut self, scope: &Scope, mut instances: Vec<Instance>) {
        for i in &mut instances {
            i.account.clone_from(&scope.0);
        }
        let d = self.inventory.region_data.entry(scope.clone()).or_default();
        let same = d.instances_src.loaded
            && d.instances.len() == instances.len()
            && d.instances.iter().zip(&instances).all(|(a, b)| **a == *b);
        if !same {
            d.instances = instances.into_iter().map(Arc::new).collect();
            self.rebuild_rows();
        }
    }

    /// Takes a region's associations; updates only the rows whose association
    /// changed (most polls change nothing at all).
    pub fn set_associations(&mut self, scope: &Scope, associations: Vec<Association>) {
        let d = self.inventory.region_data.entry(scope.clone()).or_default();
        if d.associations == associations {
            return;
        }
        d.associations = associations;
        // Only once this region has been read before can a difference be a change.
        let watching = d.associations_src.loaded;
        let keep = self.followed();
        let index =
            crate::core::inventory::by_instance(&self.inventory.region_data[scope].associations);
        let (account, region) = (scope.0.as_str(), scope.1.as_str());
        let mut changed = false;
        let now = self.now;
        for row in self.inventory.rows.iter_mut() {
            if row.data.instance.region != region || row.data.instance.account != account {
                continue;
            }
            let current = crate::core::inventory::current_in(&index, &row.data.instance.id);
            let profile = |a: Option<&Association>| {
                a.filter(|a| a.state.is_active())
                    .map(|a| a.profile.arn.clone())
            };
            let (before, after) = (profile(row.data.association.as_ref()), profile(current));
            if watching && before != after {
                let at = current
                    .filter(|a| a.state.is_active())
                    .and_then(|a| a.timestamp);
                self.changes
                    .note_outside(now, region, &row.data.instance.id, before, after, at);
            }
            if row.data.association.as_ref() != current {
                let data = InstanceRow {
                    instance: row.data.instance.clone(),
                    association: current.cloned(),
                };
                *row = make_row(data);
                changed = true;
            }
        }
        if changed {
            if self.list.sort.depends_on_associations() {
                self.order_rows();
            }
            self.restore(keep);
        }
    }

    /// Recomputes `visible`; `narrowing` says the query only grew, so the search
    /// can stay within the current matches.
    pub fn apply_filter(&mut self, narrowing: bool) {
        let query = filter::parse(&self.list.filter);
        let within = (narrowing && query.narrows_as_typed()).then(|| self.list.visible.clone());
        self.list.visible = self.filter_rows(&query, within.as_deref());
        if let Some(name) = &self.list.profile_filter {
            let rows = &self.inventory.rows;
            self.list.visible.retain(|&i| {
                rows[i]
                    .data
                    .association
                    .as_ref()
                    .is_some_and(|a| a.state.is_active() && &a.profile.name == name)
            });
        }
        if let Some(role) = &self.list.role_filter {
            // `b`: only instances that run with a role of this name, through
            // any profile, in any account shown.
            let profiles: std::collections::HashSet<&str> = self
                .inventory
                .profiles
                .iter()
                .filter(|p| p.roles.iter().any(|r| &r.name == role))
                .map(|p| p.arn.as_str())
                .collect();
            let rows = &self.inventory.rows;
            self.list.visible.retain(|&i| {
                rows[i].data.association.as_ref().is_some_and(|a| {
                    a.state.is_active() && profiles.contains(a.profile.arn.as_str())
                })
            });
        }
        // A batch's instances stay listed while the filters they were changed
        // under hold (their new profile may no longer match).
        if !self.list.pinned.is_empty() {
            if self.list.pinned_under.as_ref() == Some(&self.list.filters()) {
                let pinned: Vec<usize> = self
                    .list
                    .pinned
                    .iter()
                    .filter_map(|(region, id)| self.position_of(region, id))
                    .collect();
                for i in pinned {
                    if let Err(pos) = self.list.visible.binary_search(&i) {
                        self.list.visible.insert(pos, i);
                    }
                }
            } else {
                self.list.pinned.clear();
                self.list.pinned_under = None;
            }
        }
        self.clamp_selection();
    }

    /// The rows (indices, in order) the filter lets through, among `within`
    /// when given.
    fn filter_rows(&self, query: &filter::Query, within: Option<&[usize]>) -> Vec<usize> {
        let rows = &self.inventory.rows;
        if query.is_empty() {
            return (0..rows.len()).collect();
        }
        // Lowercase once, not per row.
        let role_names: std::collections::HashMap<&str, Vec<String>> = self
            .inventory
            .profiles
            .iter()
            .map(|p| {
                let names = p.roles.iter().map(|r| r.name.to_lowercase()).collect();
                (p.arn.as_str(), names)
            })
            .collect();
        let names: std::collections::HashMap<&str, Vec<String>> = self
            .config
            .accounts
            .iter()
            .map(|a| {
                let mut names = vec![
                    a.key.to_lowercase(),
                    self.account_label(&a.key).to_lowercase(),
                ];
                names.extend(self.account_id(&a.key).map(str::to_lowercase));
                (a.key.as_str(), names)
            })
            .collect();
        let none: &[String] = &[];
        let roles = |arn: &str| role_names.get(arn).map_or(none, Vec::as_slice);
        let account = |key: &str| names.get(key).map_or(none, Vec::as_slice);
        let test = |i: &usize| query.matches(&rows[*i], &roles, &account);
        match within {
            Some(prev) => prev.iter().copied().filter(test).collect(),
            None => (0..rows.len()).filter(test).collect(),
        }
    }

    /// How many accounts the rows shown come from.
    pub fn accounts_shown_in_list(&self) -> usize {
        self.list
            .visible
            .iter()
            .map(|&i| self.inventory.rows[i].data.instance.account.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len()
    }

    /// Rows of the list that fit on screen (shared with the view's layout).
    pub fn page_rows(&self) -> usize {
        layout::list_capacity(self)
    }

    /// Keeps the selection inside the list and on screen.
    pub fn clamp_selection(&mut self) {
        if self.list.visible.is_empty() {
            self.list.selected = 0;
            self.list.offset = 0;
            return;
        }
        self.list.selected = self.list.selected.min(self.list.visible.len() - 1);
        let page = self.page_rows().max(1);
        if self.list.selected < self.list.offset {
            self.list.offset = self.list.selected;
        } else if self.list.selected >= self.list.offset + page {
            self.list.offset = self.list.selected + 1 - page;
        }
        self.list.offset = self
            .list
            .offset
            .min(self.list.visible.len().saturating_sub(page));
    }
}

/// A state on one demo account, for unit tests of what reads it.
#[cfg(test)]
pub(crate) fn test_state() -> State {
    let config = AppConfig {
        read_only: false,
        demo: true,
        profile_label: "demo".into(),
        endpoint: None,
        poll_interval: std::time::Duration::from_secs(10),
        check_regions: false,
        journal: true,
        file: crate::core::config::Config::default(),
        config_path: None,
        accounts: vec![AccountInfo {
            key: "210987654321".into(),
            id: Some("210987654321".into()),
            name: None,
            production: false,
        }],
        color: true,
        started_at: None,
    };
    State::new(config, vec!["us-east-1".into()])
}
