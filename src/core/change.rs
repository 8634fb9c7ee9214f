//! A change to one instance's profile and what running it did: the facts the
//! planner makes, the executor runs, the journal records and both front ends
//! show (text is made from them above).

use crate::aws::{ApiError, Association, ProfileSummary};

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
    /// The journal could not be written: nothing was sent.
    #[error("{0}")]
    NotJournaled(String),
    /// rolecall was stopping (quit or a signal) before the change started:
    /// nothing was sent.
    #[error("not started: rolecall was stopping, nothing was sent")]
    NotStarted,
}

impl ExecError {
    /// The API error behind the failure.
    pub fn error(&self) -> Option<&ApiError> {
        match self {
            Self::Refused { error, .. } | Self::Unknown { error, .. } => Some(error),
            Self::Internal(_) | Self::NotJournaled(_) | Self::NotStarted => None,
        }
    }

    /// The association detached by the first step of a stopped-instance swap
    /// before the second step failed.
    pub fn detached(&self) -> Option<&str> {
        match self {
            Self::Refused { detached, .. } | Self::Unknown { detached, .. } => detached.as_deref(),
            Self::Internal(_) | Self::NotJournaled(_) | Self::NotStarted => None,
        }
    }

    /// One sentence: what failed, what is known now, and what to do.
    pub fn sentence(&self, instance_id: &str) -> String {
        match self {
            Self::NotStarted => format!(
                "not started: rolecall was stopping, nothing was sent to instance {instance_id}"
            ),
            Self::NotJournaled(why) => format!(
                "{}: nothing was sent to instance {instance_id} (fix the journal, or restart rolecall with --no-journal)",
                crate::aws::text::one_line(why)
            ),
            Self::Internal(why) => format!(
                "internal error while changing instance {instance_id} ({}): the change may or may not have happened; re-reading its profile (please report this; details are in the log)",
                crate::aws::text::one_line(why)
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
                    crate::aws::text::one_line(&error.message)
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

/// A change planned for one instance: what the confirmation shows, the
/// executor runs and the outcome reports. Facts only; text is made from it by
/// the front ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The session's key of the account holding the instance.
    pub account: String,
    pub region: String,
    pub instance_id: String,
    /// The calls and the ids they need.
    pub kind: MutationKind,
    /// The profile the instance has now (none: no association).
    pub from: Option<ProfileSummary>,
    /// The profile it will have (none: a detach).
    pub to: Option<ProfileSummary>,
}

impl Change {
    /// The association the change starts from, if any.
    pub fn association_before(&self) -> Option<&str> {
        match &self.kind {
            MutationKind::Associate { .. } => None,
            MutationKind::Replace { association_id, .. }
            | MutationKind::DetachThenAssociate { association_id, .. }
            | MutationKind::Disassociate { association_id } => Some(association_id),
        }
    }
}

/// One API call the executor made.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The IAM action of the call, e.g. `ec2:DisassociateIamInstanceProfile`.
    pub call: &'static str,
    /// True when AWS answered it with success.
    pub ok: bool,
    /// The request id AWS gave the call (answer or error), when known.
    pub request_id: Option<String>,
}

/// What running a change did: the same record for the CLI and the TUI.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub change: Change,
    /// Each call made, in order (a stopped-instance swap makes two).
    pub steps: Vec<Step>,
    /// The association the last successful call answered with.
    pub result: Result<Association, ExecError>,
    /// A journal line after the `sent` one (`step` or `done`) that could not
    /// be written: the change's outcome is missing from the record.
    pub journal_error: Option<String>,
}

impl Outcome {
    /// The association id after the change: from the answer, or, after a lost
    /// answer, from the re-read.
    pub fn association_after(&self) -> Option<&Association> {
        match &self.result {
            Ok(a) => Some(a),
            Err(ExecError::Unknown { reread, .. }) => reread.as_ref().as_ref().ok()?.as_ref(),
            Err(_) => None,
        }
    }

    /// True when the change is known to be in place (answered, or a lost
    /// answer whose re-read shows it done).
    pub fn done(&self) -> bool {
        match &self.result {
            Ok(_) => true,
            Err(e) => e.reread_shows_done(&self.change.kind),
        }
    }
}

/// What a planned change does at the API, with the ids it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MutationKind {
    Associate {
        profile_arn: String,
    },
    Replace {
        association_id: String,
        profile_arn: String,
    },
    /// Stopped instance: disassociate, then associate.
    DetachThenAssociate {
        association_id: String,
        profile_arn: String,
    },
    Disassociate {
        association_id: String,
    },
}

impl MutationKind {
    /// The `action` name in scripting output and records.
    pub fn action_name(&self) -> &'static str {
        match self {
            Self::Associate { .. } | Self::DetachThenAssociate { .. } => "associate",
            Self::Replace { .. } => "replace",
            Self::Disassociate { .. } => "disassociate",
        }
    }

    /// The API calls, in order, with the association id they act on.
    pub fn calls(&self) -> Vec<String> {
        match self {
            Self::Associate { .. } => vec!["AssociateIamInstanceProfile".into()],
            Self::Replace { association_id, .. } => {
                vec![format!(
                    "ReplaceIamInstanceProfileAssociation {association_id}"
                )]
            }
            Self::DetachThenAssociate { association_id, .. } => vec![
                format!("DisassociateIamInstanceProfile {association_id}"),
                "AssociateIamInstanceProfile".into(),
            ],
            Self::Disassociate { association_id } => {
                vec![format!("DisassociateIamInstanceProfile {association_id}")]
            }
        }
    }

    /// The profile the change puts on the instance (none for a detach).
    pub fn target_arn(&self) -> Option<&str> {
        match self {
            Self::Associate { profile_arn }
            | Self::Replace { profile_arn, .. }
            | Self::DetachThenAssociate { profile_arn, .. } => Some(profile_arn),
            Self::Disassociate { .. } => None,
        }
    }
}
