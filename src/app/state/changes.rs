//! Changes in flight: one per instance, from confirmation to outcome.

use std::collections::HashMap;

use crate::aws::AssociationState;
use crate::exec::Change;
use crate::plan::MutationKind;

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
