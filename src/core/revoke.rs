//! Revoking a role's older sessions (what the IAM console's "Revoke active
//! sessions" does): who it reaches, and the journaled PutRolePolicy.

use crate::aws::text::escape;
use crate::aws::{Cloud, InstanceProfile, Role};
use crate::core::access::{User, who_uses};
use crate::core::error::Error;
use crate::core::session::Session;

/// The inline policy that cuts off a role's older sessions (what the IAM
/// console's "Revoke active sessions" writes).
pub const REVOKE_POLICY_NAME: &str = "AWSRevokeOlderSessions";

/// The policy document denying every action to sessions issued before `now`
/// (ISO 8601 UTC).
pub fn revoke_document(now: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny",
            "Action": ["*"],
            "Resource": ["*"],
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": now}}
        }]
    })
    .to_string()
}

/// Who revoking a role's sessions reaches in one account: the role, every
/// profile holding it, every instance running with it.
#[derive(Debug, Clone, PartialEq)]
pub struct RevokePlan {
    /// The session's key of the account.
    pub account: String,
    pub role: Role,
    pub profiles: Vec<InstanceProfile>,
    pub users: Vec<User>,
    pub identity: Option<crate::aws::CallerIdentity>,
}

/// Plans revoking a role's older sessions (the role by name or ARN) in every
/// account of the session that has it, in the session's order.
pub async fn plan_revoke(session: &Session, role: &str) -> Result<Vec<RevokePlan>, Error> {
    // A role named by ARN: its name is the last part.
    let role_name = crate::aws::profile_name_from_arn(role);
    let per_account = futures::future::join_all(session.accounts.iter().map(|a| async move {
        let (profiles, identity) = tokio::join!(
            crate::aws::retry_read(|| a.cloud.instance_profiles_for_role(role_name)),
            crate::aws::retry_read(|| a.cloud.caller_identity())
        );
        (a.key.clone(), profiles, identity.ok())
    }));
    let (users, per_account) = tokio::join!(who_uses(session, role), per_account);
    let users = users?;
    let mut plans = Vec::new();
    for (account, profiles, identity) in per_account {
        let profiles: Vec<InstanceProfile> = match profiles {
            Err(e) if e.code() == Some("NoSuchEntity") => continue,
            other => other?,
        };
        let Some(found) = profiles
            .iter()
            .flat_map(|p| p.roles.iter())
            .find(|r| r.name == role || r.arn == role)
            .cloned()
        else {
            continue;
        };
        plans.push(RevokePlan {
            users: users
                .iter()
                .filter(|u| u.row.instance.account == account)
                .cloned()
                .collect(),
            account,
            role: found,
            profiles,
            identity,
        });
    }
    if plans.is_empty() {
        return Err(Error::Usage(format!(
            "role '{}' is not held by any instance profile in {}",
            escape(role),
            if session.several_accounts() {
                "these accounts"
            } else {
                "this account"
            }
        )));
    }
    Ok(plans)
}

/// Revokes a role's older sessions, journaled first (the `sent` line synced
/// before the call; nothing is sent if it cannot be written). Returns the
/// time the sessions are cut at.
pub async fn revoke(
    cloud: &dyn Cloud,
    role: &str,
    journal: Option<&crate::core::journal::Journal>,
    identity: Option<&crate::aws::CallerIdentity>,
) -> Result<String, Error> {
    use crate::core::journal::Entry;
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let document = revoke_document(&now);
    let context = crate::core::journal::Context {
        batch: crate::core::journal::new_id("b"),
        account: identity.map(|i| i.account.clone()),
        caller_arn: identity.map(|i| i.arn.clone()),
        undo_of: None,
    };
    let sent = Entry::sent_for_role(
        &context,
        "revoke_sessions",
        vec![format!(
            "aws iam put-role-policy --role-name {role} --policy-name {REVOKE_POLICY_NAME} --policy-document '{document}'"
        )],
    );
    if let Some(j) = journal {
        j.append(&sent).map_err(|e| {
            Error::Runtime(format!(
                "{e}: nothing was sent (fix the journal, or pass --no-journal)"
            ))
        })?;
    }
    let result = cloud
        .put_role_policy(role, REVOKE_POLICY_NAME, &document)
        .await;
    if let Some(j) = journal
        && let Err(e) = j.append(&Entry::done_call(&sent, result.as_ref().err()))
    {
        tracing::error!(error = %e, "cannot write the journal's done line");
    }
    result?;
    Ok(now)
}
