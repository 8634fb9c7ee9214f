//! Changes in flight: one per instance, from confirmation to outcome.

use std::collections::HashMap;

use crate::aws::AssociationState;
use crate::exec::Change;
use crate::plan::MutationKind;

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

/// Changes sent to AWS whose outcome has not come back, one per instance.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub pending: HashMap<(String, String), Pending>,
    pub next_op: u64,
    pub next_batch: u64,
    /// The latest batch.
    pub progress: Option<BatchProgress>,
}

impl Changes {
    /// Starts a batch of `total` changes; returns its number.
    pub fn begin_batch(&mut self, total: usize, label: &'static str) -> u64 {
        self.next_batch += 1;
        self.progress = Some(BatchProgress {
            batch: self.next_batch,
            label,
            total,
            finished: 0,
            ok: 0,
            first_error: None,
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
        let key = self
            .pending
            .iter()
            .find(|(_, p)| p.op_id == op_id)
            .map(|(k, _)| k.clone())?;
        self.pending.remove(&key)
    }
}
