//! The one change executor, shared by the CLI and the TUI: runs a planned
//! change's API calls, waits out what AWS did not execute (throttling), and
//! never re-sends a call whose answer was lost: it re-reads the instance and
//! reports what the re-read shows.

use std::time::Duration;

use crate::aws::{ApiError, Association, Cloud, ErrorKind, ProfileRef};
use crate::plan::{MutationKind, current_association};

/// How a change failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExecError {
    /// AWS answered with an error: the failing call changed nothing.
    #[error("{error}")]
    Refused {
        error: ApiError,
        /// A stopped-instance swap whose detach had already worked: the
        /// association id that was detached (the instance now has no profile).
        detached: Option<String>,
    },
    /// The call may or may not have happened: its answer never arrived
    /// (timeout, connection dropped, unreadable response).
    #[error("{error}")]
    Unknown {
        error: ApiError,
        detached: Option<String>,
        /// What a fresh DescribeIamInstanceProfileAssociations showed for the
        /// instance afterwards (its current association, or none), or why that
        /// read failed too.
        /// (Boxed: the error stays small.)
        reread: Box<Result<Option<Association>, ApiError>>,
    },
    /// The task running the change died (a bug): what it did is unknown.
    #[error("internal error while changing the profile: {0}")]
    Internal(String),
}

impl ExecError {
    /// The API error behind the failure.
    pub fn error(&self) -> Option<&ApiError> {
        match self {
            Self::Refused { error, .. } | Self::Unknown { error, .. } => Some(error),
            Self::Internal(_) => None,
        }
    }

    /// The association detached by the first step of a stopped-instance swap
    /// before the second step failed.
    pub fn detached(&self) -> Option<&str> {
        match self {
            Self::Refused { detached, .. } | Self::Unknown { detached, .. } => detached.as_deref(),
            Self::Internal(_) => None,
        }
    }

    /// One sentence: what failed, what is known now, and what to do.
    pub fn sentence(&self, instance_id: &str) -> String {
        match self {
            Self::Internal(why) => format!(
                "internal error while changing instance {instance_id} ({}): the change may or may not have happened; re-reading its profile (please report this; details are in the log)",
                crate::text::one_line(why)
            ),
            Self::Refused { error, detached } => {
                let mut text = error.sentence();
                if let Some(id) = detached {
                    text.push_str(&format!(
                        "; {id} was already detached, so instance {instance_id} now has no profile: set one again"
                    ));
                }
                text
            }
            Self::Unknown {
                error,
                detached,
                reread,
            } => {
                let mut text = format!(
                    "the answer to {} was lost ({}): the change may or may not have happened; ",
                    error.action,
                    crate::text::one_line(&error.message)
                );
                if let Some(id) = detached {
                    text.push_str(&format!("{id} was detached first; "));
                }
                text.push_str(&match reread.as_ref() {
                    Ok(Some(a)) => format!(
                        "re-reading shows instance {instance_id} has profile {} ({}, {})",
                        a.profile.name, a.id, a.state
                    ),
                    Ok(None) => format!("re-reading shows instance {instance_id} has no profile"),
                    Err(e) => format!(
                        "re-reading failed too ({}): check with `rolecall list` before trying again",
                        e.short()
                    ),
                });
                text
            }
        }
    }

    /// For an unknown outcome: true when the re-read shows the change took
    /// effect (the target profile is on the instance, or, for a detach, none is).
    pub fn reread_shows_done(&self, kind: &MutationKind) -> bool {
        let Self::Unknown { reread, .. } = self else {
            return false;
        };
        let Ok(current) = reread.as_ref() else {
            return false;
        };
        match (kind.target_arn(), current) {
            (Some(arn), Some(a)) => a.profile.arn == arn && a.state.is_active(),
            (Some(_), None) => false,
            (None, Some(a)) => !a.state.is_active(),
            (None, None) => true,
        }
    }
}

/// True when a failed call may still have been carried out: the request may
/// have reached AWS but no readable answer came back.
pub fn answer_lost(e: &ApiError) -> bool {
    matches!(e.kind, ErrorKind::Unreachable | ErrorKind::Other)
}

/// How long to wait before retrying a throttled call (attempt 1, 2, …).
fn throttle_delay(attempt: u32) -> Duration {
    Duration::from_millis(500u64 << attempt.min(4))
}

/// Throttled calls are retried this many times; they were not executed.
const THROTTLE_RETRIES: u32 = 4;
/// After a detach, AWS may still count the old association for a few seconds.
const STALE_RETRIES: u32 = 15;
const STALE_DELAY: Duration = Duration::from_secs(2);

/// Runs one call, retrying only when AWS says it did not execute it.
async fn call<F, Fut>(mut send: F, retry_stale: bool) -> Result<Association, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Association, ApiError>>,
{
    let (mut throttled, mut stale) = (0, 0);
    loop {
        match send().await {
            Err(e) if e.is_throttling() && throttled < THROTTLE_RETRIES => {
                throttled += 1;
                tracing::info!(error = %e, attempt = throttled, "throttled; retrying");
                tokio::time::sleep(throttle_delay(throttled)).await;
            }
            Err(e) if retry_stale && e.means_stale_view() && stale < STALE_RETRIES => {
                stale += 1;
                tokio::time::sleep(STALE_DELAY).await;
            }
            other => return other,
        }
    }
}

/// The instance's current association, read afresh.
pub async fn reread(
    cloud: &dyn Cloud,
    region: &str,
    instance_id: &str,
) -> Result<Option<Association>, ApiError> {
    let all = cloud.associations(region).await?;
    Ok(current_association(&all, instance_id).cloned())
}

/// Turns a failed call into a refusal or, when its answer was lost, an unknown
/// outcome with what a re-read shows.
async fn failed(
    cloud: &dyn Cloud,
    region: &str,
    instance_id: &str,
    error: ApiError,
    detached: Option<String>,
) -> ExecError {
    if answer_lost(&error) {
        tracing::warn!(error = %error, instance_id, "answer lost; re-reading instead of re-sending");
        let reread = reread(cloud, region, instance_id).await;
        ExecError::Unknown {
            error,
            detached,
            reread: Box::new(reread),
        }
    } else {
        ExecError::Refused { error, detached }
    }
}

/// Runs a change's calls on one instance. `on_step` hears about the first step
/// of a two-step swap when it has worked.
pub async fn run(
    cloud: &dyn Cloud,
    region: &str,
    instance_id: &str,
    kind: &MutationKind,
    on_step: &(dyn Fn(String) + Send + Sync),
) -> Result<Association, ExecError> {
    tracing::info!(region, instance_id, ?kind, "change");
    let result = match kind {
        MutationKind::Associate { profile_arn } => {
            let profile = ProfileRef::Arn(profile_arn.clone());
            call(|| cloud.associate(region, instance_id, &profile), false).await
        }
        MutationKind::Replace {
            association_id,
            profile_arn,
        } => {
            let profile = ProfileRef::Arn(profile_arn.clone());
            call(|| cloud.replace(region, association_id, &profile), false).await
        }
        MutationKind::Disassociate { association_id } => {
            call(|| cloud.disassociate(region, association_id), false).await
        }
        MutationKind::DetachThenAssociate {
            association_id,
            profile_arn,
        } => {
            if let Err(e) = call(|| cloud.disassociate(region, association_id), false).await {
                return Err(failed(cloud, region, instance_id, e, None).await);
            }
            on_step(format!(
                "{instance_id}: detached {association_id}; now associating the new profile"
            ));
            let profile = ProfileRef::Arn(profile_arn.clone());
            return match call(|| cloud.associate(region, instance_id, &profile), true).await {
                Ok(a) => Ok(a),
                Err(e) => {
                    Err(failed(cloud, region, instance_id, e, Some(association_id.clone())).await)
                }
            };
        }
    };
    match result {
        Ok(a) => Ok(a),
        Err(e) => Err(failed(cloud, region, instance_id, e, None).await),
    }
}
