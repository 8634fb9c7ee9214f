//! STS in memory: the caller's identity.

use super::{MemoryAccount, lock};
use crate::aws::faults::Op;
use crate::aws::{ApiError, CallerIdentity, actions};

/// GetCallerIdentity.
pub(super) async fn caller_identity(account: &MemoryAccount) -> Result<CallerIdentity, ApiError> {
    account
        .enter(Op::Identity, actions::GET_CALLER_IDENTITY)
        .await?;
    Ok(lock(&account.world).identity.clone())
}
