//! EC2 in memory: regions, instances, and instance-profile associations with
//! AWS's rules and error codes, moving through their transitional states on
//! the account's clock.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::{MemoryAccount, StoredAssociation, World, cloudtrail, hash, lock};
use crate::aws::faults::Op;
use crate::aws::{
    ApiError, Association, AssociationState, ErrorKind, Instance, InstanceProfile, InstanceState,
    ProfileRef, ProfileSummary, actions,
};

/// DescribeRegions: the regions the fleet has.
pub(super) async fn regions(account: &MemoryAccount) -> Result<Vec<String>, ApiError> {
    account
        .enter(Op::Regions, actions::DESCRIBE_REGIONS)
        .await?;
    Ok(lock(&account.world).instances.keys().cloned().collect())
}

/// DescribeInstances.
pub(super) async fn instances(
    account: &MemoryAccount,
    region: &str,
) -> Result<Vec<Instance>, ApiError> {
    account
        .enter(Op::Instances, actions::DESCRIBE_INSTANCES)
        .await?;
    let w = lock(&account.world);
    Ok(instances_in(&w, region, actions::DESCRIBE_INSTANCES)?
        .values()
        .cloned()
        .collect())
}

/// DescribeIamInstanceProfileAssociations.
pub(super) async fn associations(
    account: &MemoryAccount,
    region: &str,
) -> Result<Vec<Association>, ApiError> {
    account
        .enter(Op::Associations, actions::DESCRIBE_ASSOCIATIONS)
        .await?;
    let w = lock(&account.world);
    instances_in(&w, region, actions::DESCRIBE_ASSOCIATIONS)?;
    Ok(w.associations
        .iter()
        .filter(|s| s.region == region)
        .map(|s| s.association.clone())
        .collect())
}

/// AssociateIamInstanceProfile: the instance must be running or stopped and
/// have no active association.
pub(super) async fn associate(
    account: &MemoryAccount,
    region: &str,
    instance_id: &str,
    profile: &ProfileRef,
) -> Result<Association, ApiError> {
    const A: &str = actions::ASSOCIATE;
    account.enter(Op::Associate, A).await?;
    let now = account.clock.now();
    let mut w = lock(&account.world);
    let instance = instances_in(&w, region, A)?
        .get(instance_id)
        .ok_or_else(|| {
            ApiError::service(
                A,
                "InvalidInstanceID.NotFound",
                format!("The instance ID '{instance_id}' does not exist"),
            )
        })?;
    if !instance.state.accepts_profile_changes() {
        return Err(ApiError::service(
            A,
            "IncorrectInstanceState",
            format!(
                "The instance '{instance_id}' is not in the 'running' or 'stopped' states (it is '{}').",
                instance.state
            ),
        ));
    }
    let profile = resolve_profile(&w, profile, A)?;
    if w.associations.iter().any(|s| {
        s.region == region
            && s.association.instance_id == instance_id
            && s.association.state.is_active()
    }) {
        return Err(ApiError::service(
            A,
            "IncorrectState",
            format!("There is an existing association for instance {instance_id}"),
        ));
    }
    let mut made = new_association(account, &mut w, region, instance_id, &profile, now);
    let request = serde_json::json!({"AssociateIamInstanceProfileRequest": {
        "InstanceId": instance_id, "IamInstanceProfile": {"Name": profile.name}}});
    log_call(
        &mut w,
        region,
        now,
        "AssociateIamInstanceProfile",
        request,
        &mut made,
    );
    MemoryAccount::deliver(&w, Op::Associate, A, made)
}

/// ReplaceIamInstanceProfileAssociation: only the settled association of a
/// running instance.
pub(super) async fn replace(
    account: &MemoryAccount,
    region: &str,
    association_id: &str,
    profile: &ProfileRef,
) -> Result<Association, ApiError> {
    const A: &str = actions::REPLACE;
    account.enter(Op::Replace, A).await?;
    let now = account.clock.now();
    let settle = account.transitions.settle;
    let mut w = lock(&account.world);
    instances_in(&w, region, A)?;
    let profile = resolve_profile(&w, profile, A)?;
    let (instance_id, state) = {
        let s = find_association(&mut w, region, association_id, A)?;
        (s.association.instance_id.clone(), s.association.state)
    };
    let instance_running = w
        .instances
        .get(region)
        .and_then(|r| r.get(&instance_id))
        .is_some_and(|i| i.state == InstanceState::Running);
    // AWS only replaces the settled association of a running instance.
    if state != AssociationState::Associated || !instance_running {
        return Err(ApiError::service(
            A,
            "IncorrectState",
            format!("The association {association_id} is not the active association."),
        ));
    }
    let old = find_association(&mut w, region, association_id, A)?;
    old.association.state = AssociationState::Disassociating;
    old.settle_at = now + settle;
    let mut made = new_association(account, &mut w, region, &instance_id, &profile, now);
    let request = serde_json::json!({"ReplaceIamInstanceProfileAssociationRequest": {
        "AssociationId": association_id, "IamInstanceProfile": {"Name": profile.name}}});
    log_call(
        &mut w,
        region,
        now,
        "ReplaceIamInstanceProfileAssociation",
        request,
        &mut made,
    );
    MemoryAccount::deliver(&w, Op::Replace, A, made)
}

/// DisassociateIamInstanceProfile: only an active association.
pub(super) async fn disassociate(
    account: &MemoryAccount,
    region: &str,
    association_id: &str,
) -> Result<Association, ApiError> {
    const A: &str = actions::DISASSOCIATE;
    account.enter(Op::Disassociate, A).await?;
    let now = account.clock.now();
    let settle = account.transitions.settle;
    let mut w = lock(&account.world);
    instances_in(&w, region, A)?;
    let stored = find_association(&mut w, region, association_id, A)?;
    if !stored.association.state.is_active() {
        return Err(ApiError::service(
            A,
            "IncorrectState",
            format!("The association {association_id} is not the active association."),
        ));
    }
    stored.association.state = AssociationState::Disassociating;
    stored.settle_at = now + settle;
    let mut answer = stored.association.clone();
    let request = serde_json::json!({"DisassociateIamInstanceProfileRequest": {
        "AssociationId": association_id}});
    log_call(
        &mut w,
        region,
        now,
        "DisassociateIamInstanceProfile",
        request,
        &mut answer,
    );
    MemoryAccount::deliver(&w, Op::Disassociate, A, answer)
}

/// Moves transitional associations along: settled once their time has come,
/// and gone once a `disassociated` one has lingered.
pub(super) fn settle(w: &mut World, now: SystemTime, linger: Duration) {
    w.associations.retain_mut(|s| {
        let a = &mut s.association;
        if now < s.settle_at {
            return true;
        }
        match a.state {
            AssociationState::Associating => {
                a.state = AssociationState::Associated;
                true
            }
            AssociationState::Disassociating => {
                a.state = AssociationState::Disassociated;
                s.settle_at += linger;
                now < s.settle_at
            }
            AssociationState::Disassociated => false,
            AssociationState::Associated => true,
        }
    });
}

/// The region's instances, or the error of a region without an endpoint.
fn instances_in<'w>(
    w: &'w World,
    region: &str,
    action: &'static str,
) -> Result<&'w BTreeMap<String, Instance>, ApiError> {
    w.instances.get(region).ok_or_else(|| ApiError {
        kind: ErrorKind::Unreachable,
        action,
        code: None,
        message: format!("no endpoint for region '{region}'"),
        request_id: None,
        profile: None,
    })
}

fn resolve_profile(
    w: &World,
    profile: &ProfileRef,
    action: &'static str,
) -> Result<InstanceProfile, ApiError> {
    w.profiles
        .iter()
        .find(|p| profile.matches(p))
        .cloned()
        .ok_or_else(|| {
            let field = match profile {
                ProfileRef::Name(_) => "name",
                ProfileRef::Arn(_) => "arn",
            };
            ApiError::service(
                action,
                "InvalidParameterValue",
                format!(
                    "Value ({profile}) for parameter iamInstanceProfile.{field} is invalid. Invalid IAM Instance Profile {field}"
                ),
            )
        })
}

/// Records a change in the account's CloudTrail, made by its caller, and
/// gives the answer the request id CloudTrail records.
fn log_call(
    w: &mut World,
    region: &str,
    now: SystemTime,
    name: &'static str,
    request: serde_json::Value,
    answer: &mut Association,
) {
    let request_id = cloudtrail::request_id(hash(w.trail.len() as u64 + 31_337));
    answer.request_id = Some(request_id.clone());
    let actor = w.identity.arn.clone();
    cloudtrail::record(
        &mut w.trail,
        region,
        now,
        cloudtrail::Call {
            name,
            actor: &actor,
            source_ip: cloudtrail::OPERATOR_IP,
            user_agent: cloudtrail::OPERATOR_AGENT,
            request,
            response: cloudtrail::answer(answer),
            error: None,
            request_id,
        },
    );
}

fn new_association(
    account: &MemoryAccount,
    w: &mut World,
    region: &str,
    instance_id: &str,
    profile: &InstanceProfile,
    now: SystemTime,
) -> Association {
    w.next_id += 1;
    let association = Association {
        id: format!("iip-assoc-{:017x}", hash(w.next_id)),
        instance_id: instance_id.to_string(),
        state: AssociationState::Associating,
        profile: ProfileSummary::new(&profile.arn, &profile.id),
        timestamp: Some(now),
        request_id: None,
    };
    w.associations.push(StoredAssociation {
        association: association.clone(),
        region: region.to_string(),
        settle_at: now + account.transitions.settle,
    });
    association
}

fn find_association<'w>(
    w: &'w mut World,
    region: &str,
    association_id: &str,
    action: &'static str,
) -> Result<&'w mut StoredAssociation, ApiError> {
    w.associations
        .iter_mut()
        .find(|s| s.region == region && s.association.id == association_id)
        .ok_or_else(|| {
            ApiError::service(
                action,
                "InvalidAssociationID.NotFound",
                format!("An association ID '{association_id}' does not exist"),
            )
        })
}
