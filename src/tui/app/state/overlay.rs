//! The overlays over the panes: help, the pickers, the confirmation.

use crate::core::exec::Change;
use crate::tui::app::fuzzy_list::FuzzyList;

/// The profile picker overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    /// The instances it chooses for: the marked ones, or the selected one.
    pub targets: Vec<(String, String)>,
    /// The accounts of the targets: their profiles are offered.
    pub accounts: Vec<String>,
    /// The profiles offered: indices into `Inventory::profiles`, one per
    /// name (several accounts' profiles of one name are one choice).
    pub offered: Vec<usize>,
    /// Over [`Picker::lines`].
    pub list: FuzzyList,
}

impl Picker {
    /// Offers the targets' accounts' profiles from `profiles` (again, after
    /// they changed), one per name; the query is kept.
    pub fn offer(&mut self, profiles: &[crate::aws::InstanceProfile]) {
        let mut seen = std::collections::HashSet::new();
        self.offered = profiles
            .iter()
            .enumerate()
            .filter(|(_, p)| self.accounts.contains(&p.account) && seen.insert(p.name.clone()))
            .map(|(i, _)| i)
            .collect();
        let lines = self.lines(profiles);
        self.list.refilter(&lines);
    }

    /// The offered profiles' lines, as the picker shows and matches them:
    /// made from the profiles when needed, never stored.
    pub fn lines(&self, profiles: &[crate::aws::InstanceProfile]) -> Vec<String> {
        // Aligned columns: name, role, path (a narrow picker cuts the path
        // first, then the role, the name last).
        let role = super::inventory::roles_text;
        // (An index the profiles no longer have is skipped, never a panic.)
        let offered: Vec<&crate::aws::InstanceProfile> = self
            .offered
            .iter()
            .filter_map(|&i| profiles.get(i))
            .collect();
        let width = |f: &dyn Fn(&crate::aws::InstanceProfile) -> String| {
            offered
                .iter()
                .map(|p| crate::aws::text::sanitize(&f(p)).chars().count())
                .max()
                .unwrap_or(0)
        };
        let (name_w, role_w) = (width(&|p| p.name.clone()), width(&role));
        offered
            .iter()
            .map(|p| {
                let pad = |s: String, w: usize| {
                    let s = crate::aws::text::sanitize(&s);
                    let n = s.chars().count();
                    s + &" ".repeat(w.saturating_sub(n))
                };
                format!(
                    "{}  {}  {}",
                    pad(p.name.clone(), name_w),
                    pad(role(p), role_w),
                    crate::aws::text::sanitize(&p.path)
                )
            })
            .collect()
    }
}

/// The account picker overlay (`a`): which accounts are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountPicker {
    /// Every account of the session, by key (their lines are derived, so a
    /// read that fails while the picker is open shows at once).
    pub keys: Vec<String>,
    /// Over the lines of `keys` (`derive::account_lines`).
    pub list: FuzzyList,
    /// Keys of the accounts to show.
    pub chosen: Vec<String>,
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
    /// What will happen, one change per instance.
    pub changes: Vec<Change>,
    /// Instances left alone, and why.
    pub skipped: Vec<Skip>,
    /// First line of a long list shown.
    pub scroll: usize,
    /// Started by `Q`: the title says quarantine.
    pub quarantine: bool,
    /// Started by `u`: the batch it puts back.
    pub undo_of: Option<String>,
    /// How the marked rows were chosen (`A` under a filter), repeated in
    /// the dialog.
    pub chosen_by: Option<String>,
    /// What the operator has typed so far (production accounts ask for the
    /// account's name; `y` alone changes nothing there).
    pub typed: String,
}

/// An instance a batch leaves alone, and why: the core's, as the CLI has it.
pub use crate::core::bulk::Skip;

/// The permissions overlay (`p`): a role's rows, fuzzy-filterable.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionsView {
    /// The session's key of the role's account.
    pub account: String,
    pub role: String,
    pub profile: String,
    /// Over [`permission_lines`] of the role's rows.
    pub list: FuzzyList,
}

/// The lines the permissions overlay shows and filters, grouped by policy.
pub fn permission_lines(rows: &[crate::core::policy::Sourced]) -> Vec<String> {
    let mut sorted: Vec<&crate::core::policy::Sourced> = rows.iter().collect();
    sorted.sort_by(|a, b| (&a.policy, &a.row).cmp(&(&b.policy, &b.row)));
    sorted
        .iter()
        .map(|s| {
            format!(
                "{}  {} {}  on {}{}{}",
                s.policy,
                s.row.effect,
                s.row.action,
                s.row.resource,
                if s.row.condition.is_some() {
                    "  (condition)"
                } else {
                    ""
                },
                crate::core::effective::row_risk(&s.row)
                    .map(|r| format!("  ⚠ {}", r.as_str()))
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// The confirmation of `K`: who revoking the role's sessions reaches, in
/// every account shown where a profile holds a role of that name.
#[derive(Debug, Clone, PartialEq)]
pub struct RevokeConfirm {
    pub role: String,
    /// One per account, in the order the accounts are shown.
    pub targets: Vec<RevokeTarget>,
    pub typed: String,
}

/// The role in one account: its holders there.
#[derive(Debug, Clone, PartialEq)]
pub struct RevokeTarget {
    /// The session's key of the account.
    pub account: String,
    /// The instance profiles holding the role.
    pub profiles: Vec<String>,
    /// Loaded instances running with it.
    pub instances: usize,
    /// Those instances, `id (Name)`.
    pub instance_names: Vec<String>,
}

/// `X`: containing instances: the case id asked (a default offered), then
/// the plan read, then the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainDialog {
    pub ids: Vec<String>,
    pub case: String,
    pub phase: ContainPhase,
    /// A production account's name, as typed.
    pub typed: String,
    pub scroll: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ContainPhase {
    /// The case id being typed.
    Case,
    /// Reading what the containment needs.
    Planning,
    /// Every step listed, waiting for yes.
    Confirm(Box<crate::core::contain::Plan>),
}

/// `I`: the containment cases of the journal, newest first, and what is on
/// the roles now; `R` releases the selected case (typed `y` to confirm).
#[derive(Debug, Clone, PartialEq)]
pub struct CasesView {
    /// `None` while reading.
    pub data: Option<Result<crate::core::contain::CasesData, String>>,
    pub selected: usize,
    /// Asking to release the selected case.
    pub releasing: bool,
    /// A production account's name, as typed to release.
    pub typed: String,
}

/// The journal overlay (`J`): the latest changes of this account, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalView {
    /// Each change's latest line, its outcome word set to what is known.
    pub entries: Vec<crate::core::journal::Entry>,
    pub scroll: usize,
    /// Changes of this run whose outcome could not be journaled (instance ids).
    pub unrecorded: Vec<String>,
    /// When it was read (time since start): it is read again each poll
    /// interval while open, so another responder's changes appear.
    pub read_at: std::time::Duration,
    /// A new reading is under way.
    pub refreshing: bool,
}

/// The overlay on top of the panes, if any.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    /// `?`: the key table, scrolled this many lines (a short terminal).
    Help(usize),
    Journal(JournalView),
    Permissions(PermissionsView),
    /// `p` in a confirmation: its full permission diff (the scroll); Esc goes
    /// back to the confirmation.
    Diff(Box<Confirm>, usize),
    /// `P`: the instance profiles, as a fuzzy list.
    Profiles(FuzzyList),
    /// `K`: revoking a role's older sessions, waiting for its name typed.
    Revoke(RevokeConfirm),
    /// `X`: containing instances.
    Contain(ContainDialog),
    /// `I`: the containment cases.
    Cases(CasesView),
    /// `h`: who changed the selected instance's profile (CloudTrail).
    History(super::HistoryView),
    /// `e`: associations changed outside rolecall, newest first (the scroll).
    Outside(usize),
    Picker(Picker),
    Regions(RegionPicker),
    Accounts(AccountPicker),
    /// `i` (or Tab) on a narrow terminal: the detail pane over the list.
    Detail,
    Confirm(Confirm),
    /// `q` while changes are pending: wait for those in flight and stop
    /// (`w`), or keep going (Esc).
    QuitBatch,
}
