//! What a role can do and who runs with it: a profile's role and its parsed
//! policies, the difference between two profiles, and the instances that use
//! a profile or a role. Reads through the cloud seam; the policy logic is
//! `policy.rs`'s.

use crate::aws::{Cloud, InstanceProfile, ProfileRef, Role};
use crate::error::Error;
use crate::inventory::{self, InstanceRow};
use crate::policy::{self, Parsed, Sourced};
use crate::session::Session;
use crate::text::escape;

/// A profile, its role, and the role's policies parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleView {
    pub profile: InstanceProfile,
    /// `None`: the profile holds no role (it grants nothing).
    pub role: Option<Role>,
    pub policies: Vec<Parsed>,
}

impl RoleView {
    /// The permission rows (the boundary left out), with their policies.
    pub fn rows(&self) -> Vec<Sourced> {
        policy::rows_of(&self.policies)
    }
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

/// Reads a profile's role and its policies.
pub async fn role_view(cloud: &dyn Cloud, profile: &InstanceProfile) -> Result<RoleView, Error> {
    let role = profile.roles.first().cloned();
    let policies = match &role {
        Some(r) => cloud
            .role_policies(&r.name)
            .await?
            .iter()
            .map(policy::parse)
            .collect(),
        None => Vec::new(),
    };
    Ok(RoleView {
        profile: profile.clone(),
        role,
        policies,
    })
}

/// `permissions PROFILE`.
pub async fn permissions(session: &Session, wanted: &ProfileRef) -> Result<RoleView, Error> {
    let cloud = session.cloud.as_ref();
    let profiles = cloud.instance_profiles().await?;
    role_view(cloud, find_profile(&profiles, wanted)?).await
}

/// The rows gained and lost moving from one profile (or none) to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    pub from: Option<RoleView>,
    pub to: Option<RoleView>,
    pub added: Vec<Sourced>,
    pub removed: Vec<Sourced>,
}

/// `diff FROM TO`: either side may be `None` (no profile).
pub async fn diff(
    session: &Session,
    from: Option<&ProfileRef>,
    to: Option<&ProfileRef>,
) -> Result<Diff, Error> {
    let cloud = session.cloud.as_ref();
    let profiles = cloud.instance_profiles().await?;
    let view = async |wanted: Option<&ProfileRef>| -> Result<Option<RoleView>, Error> {
        match wanted {
            None => Ok(None),
            Some(w) => Ok(Some(role_view(cloud, find_profile(&profiles, w)?).await?)),
        }
    };
    let (from, to) = tokio::try_join!(view(from), view(to))?;
    let rows = |v: &Option<RoleView>| v.as_ref().map(RoleView::rows).unwrap_or_default();
    let (added, removed) = policy::diff(&rows(&from), &rows(&to));
    Ok(Diff {
        from,
        to,
        added,
        removed,
    })
}

/// An instance that runs with a profile or role, and the profile it goes through.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub row: InstanceRow,
    pub profile: InstanceProfile,
}

/// `who-uses NAME_OR_ARN`: a profile (by name or ARN) or a role (by name or
/// ARN); every instance in the session's regions whose current profile is
/// it, or holds it.
pub async fn who_uses(session: &Session, name: &str) -> Result<Vec<User>, Error> {
    let cloud = session.cloud.as_ref();
    let (rows, profiles) = session
        .with_checked_regions(async {
            let rows = async { Ok::<_, Error>(inventory::fetch(cloud, &session.regions).await?) };
            let profiles = async { Ok::<_, Error>(cloud.instance_profiles().await?) };
            tokio::try_join!(rows, profiles)
        })
        .await?;
    let wanted = ProfileRef::parse(name);
    let by_profile: Vec<&InstanceProfile> = profiles.iter().filter(|p| wanted.matches(p)).collect();
    let matching: Vec<&InstanceProfile> = if by_profile.is_empty() {
        profiles
            .iter()
            .filter(|p| p.roles.iter().any(|r| r.name == name || r.arn == name))
            .collect()
    } else {
        by_profile
    };
    if matching.is_empty() {
        return Err(Error::Usage(format!(
            "'{}' is neither an instance profile nor a role held by one in this account",
            escape(name)
        )));
    }
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let a = row.association.as_ref().filter(|a| a.state.is_active())?;
            let profile = matching.iter().find(|p| p.arn == a.profile.arn)?;
            Some(User {
                profile: (*profile).clone(),
                row,
            })
        })
        .collect())
}

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

/// Who revoking a role's sessions reaches: the role, every profile holding
/// it, every instance running with it.
#[derive(Debug, Clone, PartialEq)]
pub struct RevokePlan {
    pub role: Role,
    pub profiles: Vec<InstanceProfile>,
    pub users: Vec<User>,
    pub identity: Option<crate::aws::CallerIdentity>,
}

/// Plans revoking a role's older sessions (the role by name or ARN).
pub async fn plan_revoke(session: &Session, role: &str) -> Result<RevokePlan, Error> {
    let cloud = session.cloud.as_ref();
    // A role named by ARN: its name is the last part.
    let role_name = crate::aws::profile_name_from_arn(role);
    let (users, profiles, identity) = tokio::join!(
        who_uses(session, role),
        cloud.instance_profiles_for_role(role_name),
        cloud.caller_identity()
    );
    let profiles: Vec<InstanceProfile> = match profiles {
        Err(e) if e.code() == Some("NoSuchEntity") => Vec::new(),
        other => other?,
    };
    let found = profiles
        .iter()
        .flat_map(|p| p.roles.iter())
        .find(|r| r.name == role || r.arn == role)
        .cloned()
        .ok_or_else(|| {
            Error::Usage(format!(
                "role '{}' is not held by any instance profile in this account",
                escape(role)
            ))
        })?;
    Ok(RevokePlan {
        role: found,
        profiles,
        users: users?,
        identity: identity.ok(),
    })
}

/// Revokes a role's older sessions, journaled first (the `sent` line synced
/// before the call; nothing is sent if it cannot be written). Returns the
/// time the sessions are cut at.
pub async fn revoke(
    cloud: &dyn Cloud,
    role: &str,
    journal: Option<&crate::journal::Journal>,
    identity: Option<&crate::aws::CallerIdentity>,
) -> Result<String, Error> {
    use crate::journal::Entry;
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let document = revoke_document(&now);
    let context = crate::journal::Context {
        batch: crate::journal::new_id("b"),
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
