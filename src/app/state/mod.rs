//! Everything the TUI shows and remembers. `view` only reads it; `update` alone writes it.

//! Its parts: [`Inventory`] (what is known), [`ListView`] (how the list is
//! shown), [`Changes`] (what is changing), [`Source`] (each read's freshness),
//! and the overlays.

use std::sync::Arc;
use std::time::Duration;

mod changes;
mod inventory;
mod overlay;
mod source;

pub use changes::{BatchProgress, Changes, OutsideChange, Pending};
pub use inventory::{Inventory, RegionData, RoleRows, Row, make_row, profile_line};
pub use overlay::{
    Confirm, JournalView, Overlay, PermissionsView, Picker, RegionPicker, RevokeConfirm, Skip,
    permission_lines,
};
pub use source::{Knowledge, MAX_BACKOFF, Source, backoff};

use crate::aws::{Association, Instance, InstanceProfile};
use crate::inventory::InstanceRow;

/// Settings fixed at start.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
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
    pub file: crate::config::Config,
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
    /// `b`: only instances running with this role (its ARN), through any profile.
    pub role_filter: Option<String>,
    /// `P` then Enter: only instances on this profile (its ARN).
    pub profile_filter: Option<String>,
    /// Marked instances (region, id): bulk keys act on them.
    pub marks: std::collections::BTreeSet<(String, String)>,
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
}

/// The whole TUI state, in parts: what is known ([`Inventory`]), how the list
/// is shown ([`ListView`]), what is changing ([`Changes`]), the polling, and
/// the overlay, message, clock and size.
#[derive(Debug, Clone)]
pub struct State {
    pub config: Config,
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
    pub fn new(config: Config, regions: Vec<String>) -> Self {
        Self {
            config,
            inventory: Inventory {
                regions,
                generation: 1,
                ..Inventory::default()
            },
            list: ListView {
                role_filter: None,
                profile_filter: None,
                marks: Default::default(),
                filter: String::new(),
                filter_editing: false,
                visible: Vec::new(),
                selected: 0,
                offset: 0,
                focus: Focus::List,
                cursor_touched: false,
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

    /// A profile's permission rows: `Ok(None)` while loading, an empty list
    /// for no profile or a profile without a role.
    pub fn rows_of_profile(
        &self,
        profile_arn: Option<&str>,
    ) -> Result<Option<Vec<crate::policy::Sourced>>, crate::aws::ApiError> {
        let Some(arn) = profile_arn else {
            return Ok(Some(Vec::new()));
        };
        let Some(profile) = self.profile_by_arn(arn) else {
            return Ok(None);
        };
        let Some(role) = profile.roles.first() else {
            return Ok(Some(Vec::new()));
        };
        match self.inventory.role_rows.get(&role.name) {
            Some(RoleRows::Loaded(rows)) => Ok(Some(rows.clone())),
            Some(RoleRows::Failed(e)) => Err(e.clone()),
            Some(RoleRows::Loading) | None => Ok(None),
        }
    }

    /// In a production account: what the operator must type to confirm a change.
    pub fn production_guard(&self) -> Option<String> {
        let id = self.inventory.identity.as_ref()?;
        self.config.file.production_guard(&id.account)
    }

    /// The row under the cursor.
    pub fn selected_row(&self) -> Option<&Row> {
        self.list
            .visible
            .get(self.list.selected)
            .and_then(|&i| self.inventory.rows.get(i))
    }

    /// The index in `rows` of an instance, if it is loaded.
    fn position_of(&self, region: &str, instance_id: &str) -> Option<usize> {
        self.inventory
            .rows
            .iter()
            .position(|r| r.data.instance.region == region && r.data.instance.id == instance_id)
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
        self.inventory.identity_src.in_flight
            || self.inventory.profiles_src.in_flight
            || !self.changes.pending.is_empty()
            || self
                .inventory
                .region_data
                .values()
                .any(|d| d.instances_src.in_flight || d.associations_src.in_flight)
    }

    /// What is known of the associations (so the profiles) of a region's instances.
    pub fn associations_knowledge(&self, region: &str) -> Knowledge<'_> {
        self.inventory
            .region_data
            .get(region)
            .map_or(Knowledge::Loading, |d| d.associations_src.knowledge())
    }

    /// Why a change to this instance cannot be planned from what is on screen:
    /// its association is unknown or not loaded yet. Unknown is never none.
    pub fn association_unreadable(&self, region: &str, instance_id: &str) -> Option<String> {
        match self.associations_knowledge(region) {
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
    pub fn rebuild_rows(&mut self) {
        let keep = self.followed();
        let mut rows = Vec::new();
        for region in &self.inventory.regions {
            let Some(d) = self.inventory.region_data.get(region) else {
                continue;
            };
            for row in crate::inventory::join(d.instances.clone(), &d.associations) {
                rows.push(make_row(row));
            }
        }
        rows.sort_by(|a, b| {
            (&a.data.instance.region, &a.data.instance.id)
                .cmp(&(&b.data.instance.region, &b.data.instance.id))
        });
        self.inventory.rows = rows;
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

    /// Takes a region's instances; rebuilds rows only when they differ.
    pub fn set_instances(&mut self, region: &str, instances: Vec<Instance>) {
        let d = self
            .inventory
            .region_data
            .entry(region.to_string())
            .or_default();
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
    pub fn set_associations(&mut self, region: &str, associations: Vec<Association>) {
        let d = self
            .inventory
            .region_data
            .entry(region.to_string())
            .or_default();
        if d.associations == associations {
            return;
        }
        d.associations = associations;
        // Only once this region has been read before can a difference be a change.
        let watching = d.associations_src.loaded;
        let keep = self.followed();
        let index = crate::inventory::by_instance(&self.inventory.region_data[region].associations);
        let mut changed = false;
        let now = self.now;
        for row in self.inventory.rows.iter_mut() {
            if row.data.instance.region != region {
                continue;
            }
            let current = crate::inventory::current_in(&index, &row.data.instance.id);
            let profile = |a: Option<&Association>| {
                a.filter(|a| a.state.is_active())
                    .map(|a| a.profile.arn.clone())
            };
            let (before, after) = (profile(row.data.association.as_ref()), profile(current));
            if watching && before != after {
                self.changes
                    .note_outside(now, region, &row.data.instance.id, before, after);
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
            self.restore(keep);
        }
    }

    /// Recomputes `visible`; `narrowing` says the query only grew, so the search
    /// can stay within the current matches.
    pub fn apply_filter(&mut self, narrowing: bool) {
        let within = narrowing.then(|| self.list.visible.clone());
        self.list.visible = filter_rows(&self.inventory.rows, &self.list.filter, within.as_deref());
        if let Some(arn) = &self.list.profile_filter {
            let rows = &self.inventory.rows;
            self.list.visible.retain(|&i| {
                rows[i]
                    .data
                    .association
                    .as_ref()
                    .is_some_and(|a| a.state.is_active() && &a.profile.arn == arn)
            });
        }
        if let Some(role_arn) = &self.list.role_filter {
            // `b`: only instances that run with this role, through any profile.
            let profiles: std::collections::HashSet<&str> = self
                .inventory
                .profiles
                .iter()
                .filter(|p| p.roles.iter().any(|r| &r.arn == role_arn))
                .map(|p| p.arn.as_str())
                .collect();
            let rows = &self.inventory.rows;
            self.list.visible.retain(|&i| {
                rows[i].data.association.as_ref().is_some_and(|a| {
                    a.state.is_active() && profiles.contains(a.profile.arn.as_str())
                })
            });
        }
        self.clamp_selection();
    }

    /// Rows of the list that fit on screen (shared with the view's layout).
    pub fn page_rows(&self) -> usize {
        super::layout::list_capacity(self)
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

fn filter_rows(rows: &[Row], query: &str, within: Option<&[usize]>) -> Vec<usize> {
    let query: String = query
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if query.is_empty() {
        return (0..rows.len()).collect();
    }
    let test = |i: &usize| super::matching::matches(&rows[*i].key, &query);
    match within {
        Some(prev) => prev.iter().copied().filter(test).collect(),
        None => (0..rows.len()).filter(test).collect(),
    }
}
