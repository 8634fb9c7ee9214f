//! Everything the TUI shows and remembers. `view` only reads it; `update` alone writes it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use crate::aws::{
    ApiError, Association, AssociationState, CallerIdentity, Instance, InstanceProfile,
};
use crate::inventory::InstanceRow;
use crate::text::sanitize;

use super::action::MutationKind;
use super::fuzzy_list::FuzzyList;
use crate::exec::Change;

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

/// How fresh one data source is (identity, profiles, and per region the
/// instances and the associations): each has its own request, failure and
/// backoff, so one failing read never hides or clears another's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    /// A request is out.
    pub in_flight: bool,
    /// Data from a successful read is present (it may be old: see `error`).
    pub loaded: bool,
    /// When the last successful read arrived.
    pub last_ok: Option<Duration>,
    /// Why the last attempt failed; cleared only when this source succeeds.
    pub error: Option<ApiError>,
    /// Consecutive failures (drives the backoff).
    pub failures: u32,
    /// When the next attempt is due.
    pub next_at: Duration,
}

/// The longest wait between retries after errors.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

impl Source {
    /// Marks a request as sent.
    pub fn start(&mut self) {
        self.in_flight = true;
    }

    /// True when no request is out and the next one is due.
    pub fn due(&self, now: Duration) -> bool {
        !self.in_flight && now >= self.next_at
    }

    /// A read arrived; the next one is due after `next_in`.
    pub fn succeed(&mut self, now: Duration, next_in: Duration) {
        self.in_flight = false;
        self.loaded = true;
        self.last_ok = Some(now);
        self.error = None;
        self.failures = 0;
        self.next_at = now.saturating_add(next_in);
    }

    /// A read failed: keep what was loaded, remember why, back off.
    pub fn fail(&mut self, now: Duration, error: ApiError) {
        self.in_flight = false;
        self.failures += 1;
        self.error = Some(error);
        self.next_at = now + backoff(self.failures);
    }

    /// A request's answer was dropped as stale: ask again now.
    pub fn discard(&mut self, now: Duration) {
        self.in_flight = false;
        self.next_at = now;
    }

    /// What the screen may claim about this source's data.
    pub fn knowledge(&self) -> Knowledge<'_> {
        match (self.loaded, &self.error) {
            (true, _) => Knowledge::Known,
            (false, Some(e)) => Knowledge::Unknown(e),
            (false, None) => Knowledge::Loading,
        }
    }
}

/// 2 s, 4 s, … up to [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    let secs = 1u64 << failures.clamp(1, 6);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

/// What is known about a source's data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Knowledge<'a> {
    Known,
    /// Not loaded yet; a request is out or about to be.
    Loading,
    /// Never loaded: the read failed with this.
    Unknown(&'a ApiError),
}

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

/// A change sent to AWS whose answer has not come back.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub op_id: u64,
    pub change: Change,
}

impl Pending {
    /// The state the row shows meanwhile.
    pub fn shows(&self) -> AssociationState {
        match self.change.kind {
            MutationKind::Disassociate { .. } => AssociationState::Disassociating,
            _ => AssociationState::Associating,
        }
    }

    /// The profile the row shows meanwhile: the target, or the old one when detaching.
    pub fn profile_name(&self) -> Option<&str> {
        self.change
            .to
            .as_ref()
            .or(self.change.from.as_ref())
            .map(|p| p.name.as_str())
    }
}

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

/// The background refresh bookkeeping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Poll {
    /// The last association request number handed out (results carry it, so
    /// answers to requests asked before a change can be dropped).
    pub round: u64,
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
}

impl Inventory {
    /// Takes a fresh profile list: sorted by name, with the picker's lines.
    pub fn set_profiles(&mut self, mut profiles: Vec<InstanceProfile>) {
        profiles.sort_by(|a, b| a.name.cmp(&b.name));
        self.profile_lines = profiles.iter().map(profile_line).collect();
        self.profiles = profiles;
    }
}

/// The instance list as the operator sees it: the filter, the rows it lets
/// through, the cursor and the scroll.
#[derive(Debug, Clone)]
pub struct ListView {
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

/// Changes sent to AWS whose outcome has not come back, one per instance.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub pending: HashMap<(String, String), Pending>,
    pub next_op: u64,
}

impl Changes {
    /// Records a change as sent; returns its operation id.
    pub fn begin(&mut self, change: Change) -> u64 {
        self.next_op += 1;
        let op_id = self.next_op;
        self.pending.insert(
            (change.region.clone(), change.instance_id.clone()),
            Pending { op_id, change },
        );
        op_id
    }

    /// The change an outcome is for, no longer pending; `None` if it was
    /// dropped meanwhile (its region was closed).
    pub fn finish(&mut self, op_id: u64) -> Option<Pending> {
        let key = self
            .pending
            .iter()
            .find(|(_, p)| p.op_id == op_id)
            .map(|(k, _)| k.clone())?;
        self.pending.remove(&key)
    }
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
        let keep = self.followed();
        let index = crate::inventory::by_instance(&self.inventory.region_data[region].associations);
        let mut changed = false;
        for row in self.inventory.rows.iter_mut() {
            if row.data.instance.region != region {
                continue;
            }
            let current = crate::inventory::current_in(&index, &row.data.instance.id);
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
