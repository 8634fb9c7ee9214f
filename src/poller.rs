//! The background poller: a task owned by the runtime that runs read requests
//! (identity, profiles, regions, instances, associations) concurrently and sends
//! each result back as an [`Action`]. When to poll is decided by `update`; the
//! poller only fetches. Aborting its handle cancels every request under way.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::{JoinHandle, JoinSet};

use crate::app::{Action, Effect};
use crate::aws::{ApiError, Cloud, ErrorKind, actions};

/// A handle to the poller task.
pub struct Poller {
    requests: UnboundedSender<Effect>,
    task: JoinHandle<()>,
}

impl Poller {
    /// Starts the task; results go to `actions`.
    pub fn spawn(cloud: Arc<dyn Cloud>, actions: UnboundedSender<Action>) -> Self {
        let (requests, rx) = unbounded_channel();
        let task = tokio::spawn(run(cloud, rx, actions));
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
    cloud: Arc<dyn Cloud>,
    mut rx: UnboundedReceiver<Effect>,
    actions: UnboundedSender<Action>,
) {
    // Dropping the set (when this task is aborted) aborts every request in it.
    let mut running = JoinSet::new();
    loop {
        tokio::select! {
            Some(effect) = rx.recv() => {
                let cloud = cloud.clone();
                let actions = actions.clone();
                running.spawn(async move {
                    if let Some(action) = fetch_guarded(cloud.as_ref(), effect).await {
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
        Action::IdentityLoaded(Err(e))
        | Action::ProfilesLoaded(Err(e))
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
pub async fn fetch_guarded(cloud: &dyn Cloud, effect: Effect) -> Option<Action> {
    let what = effect.clone();
    match AssertUnwindSafe(fetch(cloud, effect)).catch_unwind().await {
        Ok(action) => action,
        Err(panic) => {
            let why = crate::tui::panic_message(panic.as_ref());
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
    };
    Some(match effect.clone() {
        Effect::LoadIdentity => Action::IdentityLoaded(Err(error(actions::GET_CALLER_IDENTITY))),
        Effect::LoadProfiles => Action::ProfilesLoaded(Err(error(actions::LIST_INSTANCE_PROFILES))),
        Effect::LoadRegions => Action::RegionsLoaded(Err(error(actions::DESCRIBE_REGIONS))),
        Effect::CheckRegions => Action::RegionsChecked(Err(error(actions::DESCRIBE_REGIONS))),
        Effect::LoadRolePolicies(role) => Action::RolePoliciesLoaded {
            role,
            result: Err(error(actions::GET_ROLE)),
        },
        Effect::LoadInstances { generation, region } => Action::InstancesLoaded {
            generation,
            region,
            result: Err(error(actions::DESCRIBE_INSTANCES)),
        },
        Effect::LoadAssociations {
            generation,
            round,
            region,
        } => Action::AssociationsLoaded {
            generation,
            round,
            region,
            result: Err(error(actions::DESCRIBE_ASSOCIATIONS)),
        },
        Effect::Mutate(_)
        | Effect::ReadJournal(_)
        | Effect::RevokeSessions { .. }
        | Effect::Quit => return None,
    })
}

/// Runs one read effect; `None` for effects that are not reads.
pub async fn fetch(cloud: &dyn Cloud, effect: Effect) -> Option<Action> {
    Some(match effect {
        Effect::LoadIdentity => Action::IdentityLoaded(cloud.caller_identity().await),
        Effect::LoadProfiles => Action::ProfilesLoaded(cloud.instance_profiles().await),
        Effect::LoadRegions => Action::RegionsLoaded(cloud.regions().await),
        Effect::CheckRegions => Action::RegionsChecked(cloud.regions().await),
        Effect::LoadRolePolicies(role) => {
            let result = cloud.role_policies(&role).await;
            Action::RolePoliciesLoaded { role, result }
        }
        Effect::LoadInstances { generation, region } => {
            let result = cloud.instances(&region).await;
            Action::InstancesLoaded {
                generation,
                region,
                result,
            }
        }
        Effect::LoadAssociations {
            generation,
            round,
            region,
        } => {
            let result = cloud.associations(&region).await;
            Action::AssociationsLoaded {
                generation,
                round,
                region,
                result,
            }
        }
        Effect::Mutate(_)
        | Effect::ReadJournal(_)
        | Effect::RevokeSessions { .. }
        | Effect::Quit => return None,
    })
}
