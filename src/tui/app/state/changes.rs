//! Changes in flight: one per instance, from confirmation to outcome.

use std::collections::HashMap;

use crate::aws::AssociationState;
use crate::core::exec::Change;
use crate::core::plan::MutationKind;

/// A change sent to AWS whose answer has not come back.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub op_id: u64,
    /// The batch (one confirmation) it belongs to.
    pub batch: u64,
    pub change: Change,
}

/// How far the latest batch has got: the header shows it while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchProgress {
    pub batch: u64,
    /// `swap` or `detach`.
    pub label: &'static str,
    pub total: usize,
    pub finished: usize,
    pub ok: usize,
    /// The first failure, in a few words.
    pub first_error: Option<String>,
    /// An undo: the roles it leaves are the incident's (quarantine), not
    /// roles whose credentials need revoking.
    pub undo: bool,
}

impl BatchProgress {
    pub fn running(&self) -> bool {
        self.finished < self.total
    }
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

/// An association that changed without rolecall changing it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutsideChange {
    /// When the poll showed it (time since start).
    pub seen: std::time::Duration,
    pub region: String,
    pub instance_id: String,
    pub from_profile_arn: Option<String>,
    pub to_profile_arn: Option<String>,
    /// When EC2 says the new association was made (none for a detach).
    pub at: Option<std::time::SystemTime>,
}

/// How long rolecall's own change is its own: polls within this after it do
/// not count as someone else's change.
pub const OWN_CHANGE_GRACE: std::time::Duration = std::time::Duration::from_secs(60);
/// The most outside changes kept (the oldest go first).
pub const MAX_OUTSIDE: usize = 500;

/// Changes sent to AWS whose outcome has not come back, one per instance.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub pending: HashMap<(String, String), Pending>,
    pub next_op: u64,
    pub next_batch: u64,
    /// The latest batch.
    pub progress: Option<BatchProgress>,
    /// When rolecall last finished a change on each instance.
    pub own: HashMap<(String, String), std::time::Duration>,
    /// Associations that changed without rolecall, newest last.
    pub outside: Vec<OutsideChange>,
    /// The roles the latest batch moved instances off, as (account key, role
    /// name), in the order they were left: `K` offers to revoke each, until
    /// revoked or the next batch.
    pub moved_off: Vec<(String, String)>,
    /// A revoke under way (`K`): each account's key, and its answer once
    /// in (the time sessions are cut at, or why not).
    pub revoking: Vec<(String, Option<Result<String, String>>)>,
    /// An undo under way: the roles it puts instances back on, read afresh
    /// so that its summary names any revocation policy still on them.
    pub restore_roles: Vec<(String, String)>,
    /// Pending changes whose calls are being sent (the rest wait their turn).
    pub started: std::collections::HashSet<u64>,
    /// Quitting: no further change starts; rolecall ends when the pending
    /// ones have come back.
    pub stopping: bool,
    /// What this run leaves for the operator to check, by instance id: changes
    /// not started because rolecall was stopping, and changes whose outcome is
    /// unknown or not on record (journal error).
    pub not_started: Vec<String>,
    pub unknown: Vec<String>,
    /// Changes whose outcome could not be journaled: (instance id, why).
    pub unrecorded: Vec<(String, String)>,
}

impl Changes {
    /// A poll showed an instance's profile change: someone else's doing unless
    /// rolecall has a change in flight there or finished one moments ago.
    pub fn note_outside(
        &mut self,
        now: std::time::Duration,
        region: &str,
        instance_id: &str,
        from_profile_arn: Option<String>,
        to_profile_arn: Option<String>,
        at: Option<std::time::SystemTime>,
    ) {
        let key = (region.to_string(), instance_id.to_string());
        if self.pending.contains_key(&key) {
            return;
        }
        if self
            .own
            .get(&key)
            .is_some_and(|t| now.saturating_sub(*t) < OWN_CHANGE_GRACE)
        {
            return;
        }
        if self.outside.len() >= MAX_OUTSIDE {
            self.outside.remove(0);
        }
        self.outside.push(OutsideChange {
            seen: now,
            region: key.0,
            instance_id: key.1,
            from_profile_arn,
            to_profile_arn,
            at,
        });
    }

    /// True when an instance's profile changed outside rolecall in the last minute.
    pub fn changed_outside_lately(
        &self,
        now: std::time::Duration,
        region: &str,
        instance_id: &str,
    ) -> bool {
        !self.outside.is_empty()
            && self.outside.iter().rev().any(|o| {
                o.region == region
                    && o.instance_id == instance_id
                    && now.saturating_sub(o.seen) < OWN_CHANGE_GRACE
            })
    }

    /// Starts a batch of `total` changes; returns its number.
    pub fn begin_batch(&mut self, total: usize, label: &'static str) -> u64 {
        self.next_batch += 1;
        self.moved_off.clear();
        self.progress = Some(BatchProgress {
            batch: self.next_batch,
            label,
            total,
            finished: 0,
            ok: 0,
            first_error: None,
            undo: false,
        });
        self.next_batch
    }

    /// Records a change of the current batch as sent; returns its operation id.
    pub fn begin(&mut self, change: Change) -> u64 {
        self.next_op += 1;
        let op_id = self.next_op;
        let batch = self.next_batch;
        self.pending.insert(
            (change.region.clone(), change.instance_id.clone()),
            Pending {
                op_id,
                batch,
                change,
            },
        );
        op_id
    }

    /// Counts a finished change of `batch`; the progress once the batch is
    /// complete (`None` while it runs, or for an older batch).
    pub fn finish_in_batch(
        &mut self,
        batch: u64,
        ok: bool,
        error: Option<String>,
    ) -> Option<BatchProgress> {
        let p = self.progress.as_mut().filter(|p| p.batch == batch)?;
        p.finished += 1;
        if ok {
            p.ok += 1;
        } else if p.first_error.is_none() {
            p.first_error = error;
        }
        (!p.running()).then(|| p.clone())
    }

    /// The change an outcome is for, no longer pending; `None` if it was
    /// dropped meanwhile (its region was closed).
    pub fn finish(&mut self, op_id: u64) -> Option<Pending> {
        self.started.remove(&op_id);
        let key = self
            .pending
            .iter()
            .find(|(_, p)| p.op_id == op_id)
            .map(|(k, _)| k.clone())?;
        self.pending.remove(&key)
    }

    /// Changes being sent now, and changes waiting their turn.
    pub fn in_flight(&self) -> (usize, usize) {
        let started = self
            .pending
            .values()
            .filter(|p| self.started.contains(&p.op_id))
            .count();
        (started, self.pending.len() - started)
    }

    /// What a run that stopped during a batch leaves undone, in one line for
    /// the terminal after rolecall ends (`None` when nothing is).
    pub fn left_undone(&self) -> Option<String> {
        // Still pending at the end: sent, and its answer never came back.
        let cut: Vec<String> = self
            .pending
            .values()
            .filter(|p| self.started.contains(&p.op_id))
            .map(|p| p.change.instance_id.clone())
            .collect();
        let waiting = self.pending.len() - cut.len();
        let list = |ids: &[String]| {
            let mut shown: Vec<String> = ids.iter().take(10).cloned().collect();
            if ids.len() > 10 {
                shown.push(format!("and {} more", ids.len() - 10));
            }
            shown.join(", ")
        };
        let unknown: Vec<String> = self.unknown.iter().chain(&cut).cloned().collect();
        let mut parts = Vec::new();
        if !self.not_started.is_empty() || waiting > 0 {
            parts.push(format!(
                "{} not started{}",
                self.not_started.len() + waiting,
                if self.not_started.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", list(&self.not_started))
                }
            ));
        }
        if !unknown.is_empty() {
            parts.push(format!(
                "{} of unknown outcome ({})",
                unknown.len(),
                list(&unknown)
            ));
        }
        if !self.unrecorded.is_empty() {
            let ids: Vec<String> = self.unrecorded.iter().map(|(i, _)| i.clone()).collect();
            parts.push(format!(
                "{} outcome{} not journaled ({}: {})",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
                list(&ids),
                crate::aws::text::one_line(&self.unrecorded[0].1)
            ));
        }
        (!parts.is_empty()).then(|| {
            format!(
                "stopped during a batch: {}; `rolecall journal` shows each change, `rolecall undo` re-reads what is unknown",
                parts.join("; ")
            )
        })
    }
}
