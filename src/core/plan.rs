//! Deciding which API calls a change needs. Pure: both the CLI and the TUI use it,
//! so they can never disagree about what "set this profile" means.

use crate::aws::text::escape;
use crate::aws::{
    Association, AssociationState, Instance, InstanceProfile, ProfileRef, ProfileSummary,
};
use crate::core::change::Change;
use crate::core::error::Error;

/// The association that describes an instance's profile now.
///
/// An instance can briefly have two (the old one `disassociating` and a new one
/// `associating` after a replace): the active one wins. A `disassociated` one is
/// history, not a profile.
pub fn current_association<'a>(
    associations: impl IntoIterator<Item = &'a Association>,
    instance_id: &str,
) -> Option<&'a Association> {
    let mut best: Option<&Association> = None;
    for a in associations {
        if a.instance_id != instance_id || a.state == AssociationState::Disassociated {
            continue;
        }
        let better = match best {
            None => true,
            Some(b) => a.state.is_active() && !b.state.is_active(),
        };
        if better {
            best = Some(a);
        }
    }
    best
}

/// What setting a profile on an instance takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetPlan {
    /// No association: AssociateIamInstanceProfile.
    Associate,
    /// A running instance with a settled association: ReplaceIamInstanceProfileAssociation.
    Replace { association_id: String },
    /// A stopped instance with an association: AWS refuses replace there, so
    /// DisassociateIamInstanceProfile, then AssociateIamInstanceProfile.
    DetachThenAssociate { association_id: String },
    /// The instance already has that profile: nothing to do.
    AlreadyCurrent,
}

pub use crate::core::change::MutationKind;

/// The calls a set plan makes to put `profile_arn` on the instance; `None`
/// when there is nothing to do.
pub fn kind_for_set(plan: &SetPlan, profile_arn: &str) -> Option<MutationKind> {
    let profile_arn = profile_arn.to_string();
    Some(match plan {
        SetPlan::AlreadyCurrent => return None,
        SetPlan::Associate => MutationKind::Associate { profile_arn },
        SetPlan::Replace { association_id } => MutationKind::Replace {
            association_id: association_id.clone(),
            profile_arn,
        },
        SetPlan::DetachThenAssociate { association_id } => MutationKind::DetachThenAssociate {
            association_id: association_id.clone(),
            profile_arn,
        },
    })
}

/// Why no change is planned for an instance: facts, each a sentence when shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// It already has the profile: nothing to do.
    #[error("instance {instance_id} already has instance profile {profile}")]
    AlreadyHas {
        instance_id: String,
        profile: String,
    },
    #[error("instance {instance_id} has no instance profile to detach")]
    NothingToDetach { instance_id: String },
    #[error(
        "instance {instance_id} is {state}: AWS only changes instance profiles on running or stopped instances"
    )]
    WrongState { instance_id: String, state: String },
    #[error(
        "the profile of instance {instance_id} is still {state} ({association_id}): wait for it to settle, then try again"
    )]
    Unsettled {
        instance_id: String,
        state: String,
        association_id: String,
    },
}

impl Refusal {
    /// True when the instance is already as wanted (not a failure).
    pub fn nothing_to_do(&self) -> bool {
        matches!(self, Self::AlreadyHas { .. })
    }
}

/// The one planner: the change that puts `target` (or, `None`, no profile) on
/// an instance as it is now, or why there is none. The CLI, the TUI and undo
/// all plan through it.
pub fn change_for(
    instance: &Instance,
    current: Option<&Association>,
    target: Option<&InstanceProfile>,
) -> Result<Change, Refusal> {
    let kind = match target {
        Some(t) => kind_for_set(&plan_set(instance, current, t)?, &t.arn).ok_or_else(|| {
            Refusal::AlreadyHas {
                instance_id: instance.id.clone(),
                profile: t.name.clone(),
            }
        })?,
        None => MutationKind::Disassociate {
            association_id: plan_detach(instance, current)?,
        },
    };
    Ok(Change {
        account: instance.account.clone(),
        region: instance.region.clone(),
        instance_id: instance.id.clone(),
        kind,
        from: current.map(|a| a.profile.clone()),
        to: target.map(|t| ProfileSummary::new(&t.arn, &t.id)),
    })
}

fn check_instance_state(instance: &Instance) -> Result<(), Refusal> {
    if instance.state.accepts_profile_changes() {
        Ok(())
    } else {
        Err(Refusal::WrongState {
            instance_id: instance.id.clone(),
            state: instance.state.to_string(),
        })
    }
}

fn check_settled(instance: &Instance, a: &Association) -> Result<(), Refusal> {
    if a.state.is_transitional() {
        Err(Refusal::Unsettled {
            instance_id: instance.id.clone(),
            state: a.state.to_string(),
            association_id: a.id.clone(),
        })
    } else {
        Ok(())
    }
}

/// Plans putting `target` on `instance`, given its current association.
pub fn plan_set(
    instance: &Instance,
    current: Option<&Association>,
    target: &InstanceProfile,
) -> Result<SetPlan, Refusal> {
    if let Some(a) = current
        && a.profile.arn == target.arn
        && a.state.is_active()
    {
        return Ok(SetPlan::AlreadyCurrent);
    }
    check_instance_state(instance)?;
    match current {
        None => Ok(SetPlan::Associate),
        Some(a) => {
            check_settled(instance, a)?;
            let association_id = a.id.clone();
            if instance.state == crate::aws::InstanceState::Running {
                Ok(SetPlan::Replace { association_id })
            } else {
                Ok(SetPlan::DetachThenAssociate { association_id })
            }
        }
    }
}

/// Plans detaching the profile from `instance`: the association id to disassociate.
pub fn plan_detach(instance: &Instance, current: Option<&Association>) -> Result<String, Refusal> {
    let a = current.ok_or_else(|| Refusal::NothingToDetach {
        instance_id: instance.id.clone(),
    })?;
    check_instance_state(instance)?;
    check_settled(instance, a)?;
    Ok(a.id.clone())
}

/// The profile a name or ARN names, among the account's.
pub fn find_profile<'a>(
    profiles: &'a [InstanceProfile],
    wanted: &ProfileRef,
) -> Result<&'a InstanceProfile, Error> {
    profiles.iter().find(|p| wanted.matches(p)).ok_or_else(|| {
        Error::Usage(format!(
            "instance profile '{}' does not exist in this account (see `aws iam list-instance-profiles`)",
            escape(&wanted.to_string())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{InstanceState, ProfileSummary};

    fn inst(state: InstanceState) -> Instance {
        Instance {
            account: String::new(),
            region: "us-east-1".into(),
            id: "i-1".into(),
            name: None,
            state,
            instance_type: "t3.micro".into(),
            launch_time: None,
            tags: vec![],
        }
    }

    fn assoc(id: &str, arn: &str, state: AssociationState) -> Association {
        Association {
            id: id.into(),
            instance_id: "i-1".into(),
            state,
            profile: ProfileSummary::new(arn, "AIPA"),
            timestamp: None,
            request_id: None,
        }
    }

    fn profile(name: &str) -> InstanceProfile {
        InstanceProfile {
            account: String::new(),
            name: name.into(),
            arn: format!("arn:aws:iam::1:instance-profile/{name}"),
            id: "AIPA".into(),
            path: "/".into(),
            roles: vec![],
            created: None,
        }
    }

    #[test]
    fn active_association_wins_over_disassociating() {
        let old = assoc(
            "old",
            "arn:aws:iam::1:instance-profile/a",
            AssociationState::Disassociating,
        );
        let new = assoc(
            "new",
            "arn:aws:iam::1:instance-profile/b",
            AssociationState::Associating,
        );
        let gone = assoc(
            "gone",
            "arn:aws:iam::1:instance-profile/c",
            AssociationState::Disassociated,
        );
        let all = [old.clone(), new.clone(), gone.clone()];
        assert_eq!(
            current_association(&all, "i-1").map(|a| a.id.as_str()),
            Some("new")
        );
        assert_eq!(current_association(&[gone], "i-1"), None);
        assert_eq!(
            current_association(std::slice::from_ref(&old), "i-1"),
            Some(&old)
        );
        assert_eq!(current_association(&all, "i-2"), None);
    }

    #[test]
    fn set_chooses_the_right_call() {
        let a = assoc(
            "iip-assoc-1",
            "arn:aws:iam::1:instance-profile/a",
            AssociationState::Associated,
        );
        let running = inst(InstanceState::Running);
        let stopped = inst(InstanceState::Stopped);
        assert_eq!(
            plan_set(&running, None, &profile("b")),
            Ok(SetPlan::Associate)
        );
        assert_eq!(
            plan_set(&running, Some(&a), &profile("b")),
            Ok(SetPlan::Replace {
                association_id: "iip-assoc-1".into()
            })
        );
        assert_eq!(
            plan_set(&stopped, Some(&a), &profile("b")),
            Ok(SetPlan::DetachThenAssociate {
                association_id: "iip-assoc-1".into()
            })
        );
        assert_eq!(
            plan_set(&running, Some(&a), &profile("a")),
            Ok(SetPlan::AlreadyCurrent)
        );
    }

    #[test]
    fn set_refuses_wrong_states() {
        let pending = inst(InstanceState::Pending);
        let err = plan_set(&pending, None, &profile("b"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is pending"), "{err}");
        let busy = assoc(
            "x",
            "arn:aws:iam::1:instance-profile/a",
            AssociationState::Associating,
        );
        let err = plan_set(&inst(InstanceState::Running), Some(&busy), &profile("b"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("still associating"), "{err}");
    }

    /// What the planner makes of an instance in a state, with a profile
    /// (`None`: none; `Some((name, association state))`), asked for a target
    /// (`None`: detach): the calls, or why not.
    #[rstest::rstest]
    #[case::associate_when_bare(InstanceState::Running, None, Some("b"), "associate")]
    #[case::replace_when_running(InstanceState::Running, Some(("a", AssociationState::Associated)), Some("b"), "replace")]
    #[case::detach_then_associate_when_stopped(InstanceState::Stopped, Some(("a", AssociationState::Associated)), Some("b"), "detach_then_associate")]
    #[case::associate_a_stopped_bare_one(InstanceState::Stopped, None, Some("b"), "associate")]
    #[case::nothing_when_already_there(InstanceState::Running, Some(("b", AssociationState::Associated)), Some("b"), "refused: already has")]
    #[case::already_there_even_when_stopped(InstanceState::Stopped, Some(("b", AssociationState::Associated)), Some("b"), "refused: already has")]
    #[case::never_on_a_pending_instance(
        InstanceState::Pending,
        None,
        Some("b"),
        "refused: wrong state"
    )]
    #[case::never_on_a_terminated_one(InstanceState::Terminated, Some(("a", AssociationState::Associated)), None, "refused: wrong state")]
    #[case::wait_for_a_transition(InstanceState::Running, Some(("a", AssociationState::Associating)), Some("b"), "refused: unsettled")]
    #[case::detach(InstanceState::Running, Some(("a", AssociationState::Associated)), None, "disassociate")]
    #[case::detach_a_stopped_one(InstanceState::Stopped, Some(("a", AssociationState::Associated)), None, "disassociate")]
    #[case::nothing_to_detach(InstanceState::Running, None, None, "refused: nothing to detach")]
    #[case::no_detach_mid_transition(InstanceState::Running, Some(("a", AssociationState::Disassociating)), None, "refused: unsettled")]
    fn the_planner_as_a_table(
        #[case] state: InstanceState,
        #[case] current: Option<(&str, AssociationState)>,
        #[case] target: Option<&str>,
        #[case] want: &str,
    ) {
        let instance = inst(state);
        let current = current.map(|(name, s)| {
            assoc(
                "iip-assoc-1",
                &format!("arn:aws:iam::1:instance-profile/{name}"),
                s,
            )
        });
        let target = target.map(profile);
        let got = match change_for(&instance, current.as_ref(), target.as_ref()) {
            Ok(c) => crate::core::journal::action_name(&c.kind).to_string(),
            Err(Refusal::AlreadyHas { .. }) => "refused: already has".into(),
            Err(Refusal::WrongState { .. }) => "refused: wrong state".into(),
            Err(Refusal::Unsettled { .. }) => "refused: unsettled".into(),
            Err(Refusal::NothingToDetach { .. }) => "refused: nothing to detach".into(),
        };
        assert_eq!(got, want);
    }

    #[test]
    fn the_one_planner_builds_the_change_or_says_why_not() {
        let running = inst(InstanceState::Running);
        let a = assoc(
            "iip-assoc-1",
            "arn:aws:iam::1:instance-profile/a",
            AssociationState::Associated,
        );
        let c = change_for(&running, Some(&a), Some(&profile("b"))).unwrap();
        assert!(matches!(c.kind, MutationKind::Replace { .. }));
        assert_eq!(c.from.map(|p| p.arn), Some(a.profile.arn.clone()));
        assert_eq!(c.instance_id, running.id);
        let same = change_for(&running, Some(&a), Some(&profile("a"))).unwrap_err();
        assert!(same.nothing_to_do(), "{same}");
        let none = change_for(&running, None, None).unwrap_err();
        assert!(!none.nothing_to_do());
        assert_eq!(
            none,
            Refusal::NothingToDetach {
                instance_id: running.id.clone()
            }
        );
        assert!(matches!(
            change_for(&running, Some(&a), None).unwrap().kind,
            MutationKind::Disassociate { .. }
        ));
    }

    #[test]
    fn detach_needs_an_association() {
        let running = inst(InstanceState::Running);
        assert!(
            plan_detach(&running, None)
                .unwrap_err()
                .to_string()
                .contains("no instance profile")
        );
        let a = assoc(
            "iip-assoc-1",
            "arn:aws:iam::1:instance-profile/a",
            AssociationState::Associated,
        );
        assert_eq!(
            plan_detach(&running, Some(&a)),
            Ok("iip-assoc-1".to_string())
        );
        assert!(plan_detach(&inst(InstanceState::Terminated), Some(&a)).is_err());
    }
}
