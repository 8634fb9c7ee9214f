//! The background poller: a task owned by the runtime that runs read requests
//! (identity, profiles, regions, instances, associations) concurrently and sends
//! each result back as an [`Action`]. When to poll is decided by `update`; the
//! poller only fetches. Aborting its handle cancels every request under way.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::{JoinHandle, JoinSet};

use crate::aws::{ApiError, ErrorKind, actions};
use crate::core::session::Account;
use crate::tui::app::{Action, Effect};

/// A handle to the poller task.
pub struct Poller {
    requests: UnboundedSender<Effect>,
    task: JoinHandle<()>,
}

impl Poller {
    /// Starts the task; results go to `actions`. At most `concurrency`
    /// account and region pairs are read at once (each is two calls:
    /// instances and associations); the rest wait their turn. Reads of a
    /// whole account (identity, profiles, a role) are not held back: they are
    /// one call per account, and the first of them fetches its credentials.
    pub fn spawn(
        accounts: Arc<Vec<Account>>,
        concurrency: usize,
        actions: UnboundedSender<Action>,
    ) -> Self {
        let (requests, rx) = unbounded_channel();
        let permits = Arc::new(tokio::sync::Semaphore::new(2 * concurrency.max(1)));
        let task = tokio::spawn(run(accounts, permits, rx, actions));
        Self { requests, task }
    }

    /// Queues a read effect. Returns false when the poller has stopped.
    pub fn request(&self, effect: Effect) -> bool {
        self.requests.send(effect).is_ok()
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(
    accounts: Arc<Vec<Account>>,
    permits: Arc<tokio::sync::Semaphore>,
    mut rx: UnboundedReceiver<Effect>,
    actions: UnboundedSender<Action>,
) {
    // Dropping the set (when this task is aborted) aborts every request in it.
    let mut running = JoinSet::new();
    loop {
        tokio::select! {
            Some(effect) = rx.recv() => {
                let (accounts, permits) = (accounts.clone(), permits.clone());
                let actions = actions.clone();
                let paired = matches!(
                    effect,
                    Effect::LoadInstances { .. } | Effect::LoadAssociations { .. }
                );
                running.spawn(async move {
                    // Closed only when the poller stops: nothing left to read for.
                    let _permit = if paired {
                        match permits.acquire_owned().await {
                            Ok(p) => Some(p),
                            Err(_) => return,
                        }
                    } else {
                        None
                    };
                    if let Some(action) = fetch_guarded(&accounts, effect).await {
                        log_failure(&action);
                        // The UI may have quit: nobody to tell.
                        let _ = actions.send(action);
                    }
                });
            }
            Some(_) = running.join_next(), if !running.is_empty() => {}
            else => break,
        }
    }
}

fn log_failure(action: &Action) {
    let error = match action {
        Action::IdentityLoaded { result: Err(e), .. }
        | Action::ProfilesLoaded { result: Err(e), .. }
        | Action::RegionsLoaded(Err(e))
        | Action::RegionsChecked(Err(e))
        | Action::RolePoliciesLoaded { result: Err(e), .. }
        | Action::InstancesLoaded { result: Err(e), .. }
        | Action::AssociationsLoaded { result: Err(e), .. } => e,
        _ => return,
    };
    tracing::warn!(error = %error, "read failed");
}

/// Runs one read effect and always answers for it: a read that panics comes
/// back as that read's failure, so nothing waits for it forever.
pub async fn fetch_guarded(accounts: &[Account], effect: Effect) -> Option<Action> {
    let what = effect.clone();
    match AssertUnwindSafe(fetch(accounts, effect))
        .catch_unwind()
        .await
    {
        Ok(action) => action,
        Err(panic) => {
            let why = crate::core::error::panic_message(panic.as_ref());
            failure(&what, &format!("internal error: {why}"))
        }
    }
}

/// The action that reports `effect` as failed for `why` (not a call AWS refused:
/// something in rolecall went wrong); `None` for effects that are not reads.
pub fn failure(effect: &Effect, why: &str) -> Option<Action> {
    let error = |action: &'static str| ApiError {
        kind: ErrorKind::Other,
        action,
        code: None,
        message: why.to_string(),
        request_id: None,
        profile: None,
    };
    Some(match effect.clone() {
        Effect::LoadIdentity { account } => Action::IdentityLoaded {
            account,
            result: Err(error(actions::GET_CALLER_IDENTITY)),
        },
        Effect::LoadProfiles { account } => Action::ProfilesLoaded {
            account,
            result: Err(error(actions::LIST_INSTANCE_PROFILES)),
        },
        Effect::LoadRegions => Action::RegionsLoaded(Err(error(actions::DESCRIBE_REGIONS))),
        Effect::CheckRegions => Action::RegionsChecked(Err(error(actions::DESCRIBE_REGIONS))),
        Effect::LoadRolePolicies { account, role } => Action::RolePoliciesLoaded {
            account,
            role,
            result: Err(error(actions::GET_ROLE)),
        },
        Effect::LoadRoleLastUsed { account, role } => Action::RoleLastUsedLoaded {
            account,
            role,
            result: Err(error(actions::GET_ROLE)),
        },
        Effect::LoadInstances {
            generation,
            account,
            region,
        } => Action::InstancesLoaded {
            generation,
            account,
            region,
            result: Err(error(actions::DESCRIBE_INSTANCES)),
        },
        Effect::LoadAssociations {
            generation,
            round,
            account,
            region,
        } => Action::AssociationsLoaded {
            generation,
            round,
            account,
            region,
            result: Err(error(actions::DESCRIBE_ASSOCIATIONS)),
        },
        Effect::Mutate(_)
        | Effect::ReadJournal(_)
        | Effect::LoadHistory { .. }
        | Effect::RevokeSessions { .. }
        | Effect::PlanContain { .. }
        | Effect::RunContain(_)
        | Effect::LoadCases { .. }
        | Effect::ReleaseCase { .. }
        | Effect::Copy(_)
        | Effect::StopChanges
        | Effect::Quit => return None,
    })
}

/// The account a read is for, or the error that says it is not in the session.
fn find<'a>(accounts: &'a [Account], key: &str) -> Result<&'a Account, String> {
    accounts
        .iter()
        .find(|a| a.key == key)
        .ok_or_else(|| format!("account {key} is not in this session"))
}

/// Runs one read effect; `None` for effects that are not reads. Regions are
/// the first account's (every account has the same).
pub async fn fetch(accounts: &[Account], effect: Effect) -> Option<Action> {
    let key = match &effect {
        Effect::LoadIdentity { account }
        | Effect::LoadProfiles { account }
        | Effect::LoadRolePolicies { account, .. }
        | Effect::LoadRoleLastUsed { account, .. }
        | Effect::LoadInstances { account, .. }
        | Effect::LoadAssociations { account, .. } => account.clone(),
        _ => accounts.first().map(|a| a.key.clone()).unwrap_or_default(),
    };
    let account = match find(accounts, &key) {
        Ok(a) => a,
        Err(why) => return failure(&effect, &why),
    };
    let cloud = account.cloud.as_ref();
    Some(match effect {
        Effect::LoadIdentity { account: key } => Action::IdentityLoaded {
            account: key,
            result: cloud.caller_identity().await,
        },
        Effect::LoadProfiles { account: key } => Action::ProfilesLoaded {
            account: key,
            result: account.instance_profiles().await,
        },
        Effect::LoadRegions => Action::RegionsLoaded(cloud.regions().await),
        Effect::CheckRegions => Action::RegionsChecked(cloud.regions().await),
        Effect::LoadRoleLastUsed { account: key, role } => {
            let result = crate::aws::retry_read(|| cloud.role_last_used(&role)).await;
            Action::RoleLastUsedLoaded {
                account: key,
                role,
                result,
            }
        }
        Effect::LoadRolePolicies { account: key, role } => {
            let result = cloud.role_policies(&role).await;
            Action::RolePoliciesLoaded {
                account: key,
                role,
                result,
            }
        }
        Effect::LoadInstances {
            generation,
            account: key,
            region,
        } => {
            let result = account.instances(&region).await;
            Action::InstancesLoaded {
                generation,
                account: key,
                region,
                result,
            }
        }
        Effect::LoadAssociations {
            generation,
            round,
            account: key,
            region,
        } => {
            let result = cloud.associations(&region).await;
            Action::AssociationsLoaded {
                generation,
                round,
                account: key,
                region,
                result,
            }
        }
        Effect::Mutate(_)
        | Effect::ReadJournal(_)
        | Effect::LoadHistory { .. }
        | Effect::RevokeSessions { .. }
        | Effect::PlanContain { .. }
        | Effect::RunContain(_)
        | Effect::LoadCases { .. }
        | Effect::ReleaseCase { .. }
        | Effect::Copy(_)
        | Effect::StopChanges
        | Effect::Quit => return None,
    })
}
