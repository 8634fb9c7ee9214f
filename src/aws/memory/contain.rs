//! Containment's calls in the in-memory account: tags, the metadata option
//! `HttpTokens`, Auto Scaling standby (an instance is in the group its
//! `aws:autoscaling:groupName` tag names), and DeleteRolePolicy.

use std::collections::BTreeMap;

use super::{MemoryAccount, World, lock};
use crate::aws::faults::Op;
use crate::aws::{ApiError, ErrorKind, Instance, actions};

/// The tag Auto Scaling puts on the instances of a group.
pub(super) const GROUP_TAG: &str = "aws:autoscaling:groupName";

fn instance_mut<'w>(
    w: &'w mut World,
    region: &str,
    instance_id: &str,
    action: &'static str,
) -> Result<&'w mut Instance, ApiError> {
    let region_instances: &mut BTreeMap<String, Instance> =
        w.instances.get_mut(region).ok_or_else(|| ApiError {
            kind: ErrorKind::Unreachable,
            action,
            code: None,
            message: format!("no endpoint for region '{region}'"),
            request_id: None,
            profile: None,
        })?;
    region_instances.get_mut(instance_id).ok_or_else(|| {
        ApiError::service(
            action,
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{instance_id}' does not exist"),
        )
    })
}

pub(super) async fn create_tag(
    account: &MemoryAccount,
    region: &str,
    instance_id: &str,
    key: &str,
    value: &str,
) -> Result<(), ApiError> {
    account.enter(Op::Contain, actions::CREATE_TAGS).await?;
    let mut w = lock(&account.world);
    let i = instance_mut(&mut w, region, instance_id, actions::CREATE_TAGS)?;
    i.tags.retain(|(k, _)| k != key);
    i.tags.push((key.to_string(), value.to_string()));
    Ok(())
}

pub(super) async fn delete_tag(
    account: &MemoryAccount,
    region: &str,
    instance_id: &str,
    key: &str,
) -> Result<(), ApiError> {
    account.enter(Op::Contain, actions::DELETE_TAGS).await?;
    let mut w = lock(&account.world);
    let i = instance_mut(&mut w, region, instance_id, actions::DELETE_TAGS)?;
    i.tags.retain(|(k, _)| k != key);
    Ok(())
}

pub(super) async fn http_tokens(
    account: &MemoryAccount,
    region: &str,
    instance_id: &str,
) -> Result<String, ApiError> {
    account
        .enter(Op::Instances, actions::DESCRIBE_INSTANCES)
        .await?;
    let mut w = lock(&account.world);
    instance_mut(&mut w, region, instance_id, actions::DESCRIBE_INSTANCES)?;
    Ok(w.http_tokens
        .get(instance_id)
        .cloned()
        .unwrap_or_else(|| "optional".into()))
}

pub(super) async fn set_http_tokens(
    account: &MemoryAccount,
    region: &str,
    instance_id: &str,
    tokens: &str,
) -> Result<(), ApiError> {
    const A: &str = actions::MODIFY_METADATA_OPTIONS;
    account.enter(Op::Contain, A).await?;
    if !matches!(tokens, "optional" | "required") {
        return Err(ApiError::service(
            A,
            "InvalidParameterValue",
            format!("HttpTokens must be optional or required, not {tokens}"),
        ));
    }
    let mut w = lock(&account.world);
    instance_mut(&mut w, region, instance_id, A)?;
    w.http_tokens
        .insert(instance_id.to_string(), tokens.to_string());
    Ok(())
}

pub(super) async fn scaling_group(
    account: &MemoryAccount,
    region: &str,
    instance_id: &str,
) -> Result<Option<(String, String)>, ApiError> {
    const A: &str = actions::DESCRIBE_SCALING_INSTANCES;
    account.enter(Op::Contain, A).await?;
    let mut w = lock(&account.world);
    let group = instance_mut(&mut w, region, instance_id, A)?
        .tags
        .iter()
        .find(|(k, _)| k == GROUP_TAG)
        .map(|(_, v)| v.clone());
    Ok(group.map(|g| {
        let state = if w.standby.contains(instance_id) {
            "Standby"
        } else {
            "InService"
        };
        (g, state.to_string())
    }))
}

pub(super) async fn set_standby(
    account: &MemoryAccount,
    region: &str,
    group: &str,
    instance_id: &str,
    standby: bool,
) -> Result<(), ApiError> {
    let a = if standby {
        actions::ENTER_STANDBY
    } else {
        actions::EXIT_STANDBY
    };
    account.enter(Op::Contain, a).await?;
    let mut w = lock(&account.world);
    let in_group = instance_mut(&mut w, region, instance_id, a)?
        .tags
        .iter()
        .any(|(k, v)| k == GROUP_TAG && v == group);
    if !in_group {
        return Err(ApiError::service(
            a,
            "ValidationError",
            format!("The instance {instance_id} is not part of Auto Scaling group {group}."),
        ));
    }
    let now = w.standby.contains(instance_id);
    if now == standby {
        return Err(ApiError::service(
            a,
            "ValidationError",
            format!(
                "The instance {instance_id} is {} Standby.",
                if standby { "already in" } else { "not in" }
            ),
        ));
    }
    if standby {
        w.standby.insert(instance_id.to_string());
    } else {
        w.standby.remove(instance_id);
    }
    Ok(())
}

pub(super) async fn delete_role_policy(
    account: &MemoryAccount,
    role_name: &str,
    policy_name: &str,
) -> Result<(), ApiError> {
    const A: &str = actions::DELETE_ROLE_POLICY;
    account.enter(Op::Contain, A).await?;
    let mut w = lock(&account.world);
    let list = w.added_policies.entry(role_name.to_string()).or_default();
    let before = list.len();
    list.retain(|p| p.name != policy_name);
    if list.len() == before {
        return Err(ApiError::service(
            A,
            "NoSuchEntity",
            format!("The role policy with name {policy_name} cannot be found."),
        ));
    }
    Ok(())
}
