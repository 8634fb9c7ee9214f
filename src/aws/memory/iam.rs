//! IAM in memory: instance profiles, the profiles holding a role, and the
//! demo's role policies (plus any put on a role).

use super::{MemoryAccount, lock};
use crate::aws::faults::Op;
use crate::aws::{ApiError, InstanceProfile, Policy, PolicyKind, actions};

/// ListInstanceProfiles.
pub(super) async fn instance_profiles(
    account: &MemoryAccount,
) -> Result<Vec<InstanceProfile>, ApiError> {
    account
        .enter(Op::Profiles, actions::LIST_INSTANCE_PROFILES)
        .await?;
    Ok(lock(&account.world).profiles.clone())
}

/// A role's policies: the demo's, the trust policy, and any put on it.
pub(super) async fn role_policies(
    account: &MemoryAccount,
    role_name: &str,
) -> Result<Vec<Policy>, ApiError> {
    account.enter(Op::Role, actions::GET_ROLE).await?;
    let w = lock(&account.world);
    let role = w
        .profiles
        .iter()
        .flat_map(|p| p.roles.iter())
        .find(|r| r.name == role_name)
        .ok_or_else(|| {
            ApiError::service(
                actions::GET_ROLE,
                "NoSuchEntity",
                format!("The role with name {role_name} cannot be found."),
            )
        })?;
    let mut all = demo_policies(&role.name, &w.identity.account);
    // Every demo role is for EC2 instances.
    all.push(Policy {
        name: "trust policy".into(),
        arn: None,
        kind: PolicyKind::Trust,
        document: serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]})
        .to_string(),
    });
    all.extend(
        w.added_policies
            .get(role_name)
            .into_iter()
            .flatten()
            .cloned(),
    );
    Ok(all)
}

/// ListInstanceProfilesForRole: `NoSuchEntity` when no profile holds the role.
pub(super) async fn instance_profiles_for_role(
    account: &MemoryAccount,
    role_name: &str,
) -> Result<Vec<InstanceProfile>, ApiError> {
    const A: &str = actions::LIST_INSTANCE_PROFILES_FOR_ROLE;
    account.enter(Op::Role, A).await?;
    let w = lock(&account.world);
    let holders: Vec<InstanceProfile> = w
        .profiles
        .iter()
        .filter(|p| p.roles.iter().any(|r| r.name == role_name))
        .cloned()
        .collect();
    if holders.is_empty() {
        return Err(ApiError::service(
            A,
            "NoSuchEntity",
            format!("The role with name {role_name} cannot be found."),
        ));
    }
    Ok(holders)
}

/// PutRolePolicy: adds (or replaces) an inline policy on a known role.
pub(super) async fn put_role_policy(
    account: &MemoryAccount,
    role_name: &str,
    policy_name: &str,
    document: &str,
) -> Result<(), ApiError> {
    account.enter(Op::Role, actions::PUT_ROLE_POLICY).await?;
    let mut w = lock(&account.world);
    if !w
        .profiles
        .iter()
        .flat_map(|p| &p.roles)
        .any(|r| r.name == role_name)
    {
        return Err(ApiError::service(
            actions::PUT_ROLE_POLICY,
            "NoSuchEntity",
            format!("The role with name {role_name} cannot be found."),
        ));
    }
    let list = w.added_policies.entry(role_name.to_string()).or_default();
    list.retain(|p| p.name != policy_name);
    list.push(Policy {
        name: policy_name.to_string(),
        arn: None,
        kind: PolicyKind::Inline,
        document: document.to_string(),
    });
    Ok(())
}

/// The demo's policies for a role: realistic enough that diffs mean something
/// (a quarantine role that denies everything, an admin role under a
/// boundary and a legacy one without, a CI role that can pass roles,
/// services with their own buckets).
fn demo_policies(role: &str, account: &str) -> Vec<Policy> {
    let doc = |statements: serde_json::Value| {
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    };
    let managed = |name: &str, statements: serde_json::Value| Policy {
        name: name.to_string(),
        arn: Some(format!("arn:aws:iam::aws:policy/{name}")),
        kind: PolicyKind::Managed,
        document: doc(statements),
    };
    let inline = |name: &str, statements: serde_json::Value| Policy {
        name: name.to_string(),
        arn: None,
        kind: PolicyKind::Inline,
        // AWS answers inline documents URL-encoded.
        document: percent_encoding::utf8_percent_encode(
            &doc(statements),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string(),
    };
    let ssm = managed(
        "AmazonSSMManagedInstanceCore",
        serde_json::json!([{"Effect": "Allow", "Action": ["ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"], "Resource": "*"}]),
    );
    let lower = role.to_ascii_lowercase();
    match role {
        "IncidentQuarantineDenyAll" => vec![inline(
            "DenyEverything",
            serde_json::json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
        )],
        "BreakGlassAdmin" => vec![
            managed(
                "AdministratorAccess",
                serde_json::json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
            ),
            Policy {
                name: "OpsBoundary".into(),
                arn: Some(format!("arn:aws:iam::{account}:policy/OpsBoundary")),
                kind: PolicyKind::Boundary,
                document: doc(serde_json::json!([
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Deny", "Action": ["iam:CreateUser", "organizations:*"], "Resource": "*"}
                ])),
            },
        ],
        // A legacy role someone made admin "to get training working": the
        // break-glass role's power without its boundary.
        "SageMakerStyleTrainingRole" => vec![managed(
            "AdministratorAccess",
            serde_json::json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        )],
        "ReadOnlyDebugRole" => vec![
            ssm,
            managed(
                "ReadOnlyAccess",
                serde_json::json!([{"Effect": "Allow", "Action": ["ec2:Describe*", "s3:Get*", "s3:List*", "logs:Get*"], "Resource": "*"}]),
            ),
        ],
        "GitHubActionsRunnerRole" => vec![
            ssm,
            inline(
                "deploy",
                serde_json::json!([
                    {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": format!("arn:aws:iam::{account}:role/app-*")},
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{account}:role/deploy")},
                    {"Effect": "Allow", "Action": ["ecr:*"], "Resource": "*"}
                ]),
            ),
        ],
        _ => vec![
            ssm,
            inline(
                &format!("{lower}-app"),
                serde_json::json!([
                    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("arn:aws:s3:::{lower}-data/*")},
                    {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
                    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": format!("arn:aws:kms:*:{account}:key/*"), "Condition": {"StringEquals": {"kms:ViaService": "s3.amazonaws.com"}}}
                ]),
            ),
        ],
    }
}

/// GetRole's `RoleLastUsed` in the demo: a role in use was used minutes to
/// hours before the account started (a stable story per role); the
/// quarantine role never was.
pub(super) async fn role_last_used(
    account: &MemoryAccount,
    role_name: &str,
) -> Result<Option<(String, Option<String>)>, ApiError> {
    account.enter(Op::Role, actions::GET_ROLE).await?;
    let w = lock(&account.world);
    if !w
        .profiles
        .iter()
        .flat_map(|p| p.roles.iter())
        .any(|r| r.name == role_name)
    {
        return Err(ApiError::service(
            actions::GET_ROLE,
            "NoSuchEntity",
            format!("The role with name {role_name} cannot be found."),
        ));
    }
    if role_name.contains("Quarantine") {
        return Ok(None);
    }
    let minutes = role_name
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % (36 * 60);
    let when = account.started - std::time::Duration::from_secs(60 * (minutes + 3));
    Ok(Some((
        humantime::format_rfc3339_seconds(when).to_string(),
        Some("us-east-1".to_string()),
    )))
}
