//! IAM through the SDK: instance profiles, the profiles holding a role, and a
//! role's policies (read and put).

use super::{SdkCloud, time};
use crate::aws::{ApiError, InstanceProfile, Policy, PolicyKind, Role, actions};

/// ListInstanceProfiles, fully paginated.
pub(super) async fn instance_profiles(cloud: &SdkCloud) -> Result<Vec<InstanceProfile>, ApiError> {
    let items = cloud
        .iam
        .list_instance_profiles()
        .max_items(1000)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| cloud.err(actions::LIST_INSTANCE_PROFILES, e))?;
    Ok(items.iter().map(profile).collect())
}

/// ListInstanceProfilesForRole, fully paginated.
pub(super) async fn instance_profiles_for_role(
    cloud: &SdkCloud,
    role_name: &str,
) -> Result<Vec<InstanceProfile>, ApiError> {
    let items = cloud
        .iam
        .list_instance_profiles_for_role()
        .role_name(role_name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| cloud.err(actions::LIST_INSTANCE_PROFILES_FOR_ROLE, e))?;
    Ok(items.iter().map(profile).collect())
}

/// PutRolePolicy: adds (or replaces) an inline policy on a role.
pub(super) async fn put_role_policy(
    cloud: &SdkCloud,
    role_name: &str,
    policy_name: &str,
    document: &str,
) -> Result<(), ApiError> {
    cloud
        .iam
        .put_role_policy()
        .role_name(role_name)
        .policy_name(policy_name)
        .policy_document(document)
        .send()
        .await
        .map_err(|e| cloud.err(actions::PUT_ROLE_POLICY, e))?;
    Ok(())
}

/// GetRole's `RoleLastUsed`.
pub(super) async fn role_last_used(
    cloud: &SdkCloud,
    role: &str,
) -> Result<Option<(String, Option<String>)>, ApiError> {
    let got = cloud
        .iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .map_err(|e| cloud.err(actions::GET_ROLE, e))?;
    Ok(got.role().and_then(|r| r.role_last_used()).and_then(|u| {
        let date = u.last_used_date()?;
        let when = std::time::SystemTime::try_from(*date).ok()?;
        Some((
            humantime::format_rfc3339_seconds(when).to_string(),
            u.region().map(str::to_string),
        ))
    }))
}

/// SimulatePrincipalPolicy for one action on one resource: the decision.
pub(super) async fn simulate(
    cloud: &SdkCloud,
    role_arn: &str,
    action: &str,
    resource: &str,
) -> Result<String, ApiError> {
    let out = cloud
        .iam
        .simulate_principal_policy()
        .policy_source_arn(role_arn)
        .action_names(action)
        .resource_arns(resource)
        .send()
        .await
        .map_err(|e| cloud.err(actions::SIMULATE_PRINCIPAL_POLICY, e))?;
    out.evaluation_results()
        .first()
        .map(|r| r.eval_decision().as_str().to_string())
        .ok_or_else(|| {
            ApiError::service(
                actions::SIMULATE_PRINCIPAL_POLICY,
                "EmptyAnswer",
                "the simulator returned no result",
            )
        })
}

/// An instance profile as IAM gives it, with its role(s).
fn profile(p: &aws_sdk_iam::types::InstanceProfile) -> InstanceProfile {
    InstanceProfile {
        account: String::new(),
        name: p.instance_profile_name().to_string(),
        arn: p.arn().to_string(),
        id: p.instance_profile_id().to_string(),
        path: p.path().to_string(),
        roles: p
            .roles()
            .iter()
            .map(|r| Role {
                name: r.role_name().to_string(),
                arn: r.arn().to_string(),
            })
            .collect(),
        created: time(Some(p.create_date())),
    }
}

/// A managed policy's default version's document.
async fn managed_document(cloud: &SdkCloud, arn: &str) -> Result<String, ApiError> {
    let policy = cloud
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| cloud.err(actions::GET_POLICY, e))?;
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .unwrap_or("v1")
        .to_string();
    let out = cloud
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| cloud.err(actions::GET_POLICY_VERSION, e))?;
    Ok(out
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or_default()
        .to_string())
}

/// A role's policies (see [`crate::aws::Cloud::role_policies`]): managed,
/// inline, the boundary and the trust policy.
pub(super) async fn role_policies(cloud: &SdkCloud, role: &str) -> Result<Vec<Policy>, ApiError> {
    let got = cloud
        .iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .map_err(|e| cloud.err(actions::GET_ROLE, e))?;
    let trust = got
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .map(|doc| Policy {
            name: "trust policy".into(),
            arn: None,
            kind: PolicyKind::Trust,
            document: doc.to_string(),
        });
    let boundary = got
        .role()
        .and_then(|r| r.permissions_boundary())
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_string);
    let attached = cloud
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| cloud.err(actions::LIST_ATTACHED_ROLE_POLICIES, e))?;
    let inline_names = cloud
        .iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| cloud.err(actions::LIST_ROLE_POLICIES, e))?;
    let managed = attached.iter().filter_map(|p| {
        let arn = p.policy_arn()?.to_string();
        let name = p.policy_name().unwrap_or_default().to_string();
        Some(async move {
            let document = managed_document(cloud, &arn).await?;
            Ok::<_, ApiError>(Policy {
                name,
                arn: Some(arn),
                kind: PolicyKind::Managed,
                document,
            })
        })
    });
    let inline = inline_names.iter().map(|name| async move {
        let out = cloud
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| cloud.err(actions::GET_ROLE_POLICY, e))?;
        Ok::<_, ApiError>(Policy {
            name: name.clone(),
            arn: None,
            kind: PolicyKind::Inline,
            document: out.policy_document().to_string(),
        })
    });
    let boundary = async {
        match &boundary {
            None => Ok(None),
            Some(arn) => Ok::<_, ApiError>(Some(Policy {
                name: crate::aws::profile_name_from_arn(arn).to_string(),
                arn: Some(arn.clone()),
                kind: PolicyKind::Boundary,
                document: managed_document(cloud, arn).await?,
            })),
        }
    };
    let (managed, inline, boundary) = tokio::join!(
        futures::future::try_join_all(managed),
        futures::future::try_join_all(inline),
        boundary
    );
    let mut all = managed?;
    all.extend(inline?);
    all.extend(boundary?);
    all.extend(trust);
    Ok(all)
}
