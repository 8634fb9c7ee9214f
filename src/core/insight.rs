//! What a role can do and who runs with it: a profile's role and its parsed
//! policies, the difference between two profiles, and the instances that use
//! a profile or a role. Reads through the cloud seam; the policy logic is
//! `policy.rs`'s.

use crate::aws::text::escape;
use crate::aws::{Cloud, InstanceProfile, ProfileRef, Role};
use crate::core::error::Error;
use crate::core::inventory::InstanceRow;
use crate::core::plan::find_profile;
use crate::core::policy::{self, Parsed, Sourced};
use crate::core::session::Session;

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

/// The account a command about profiles works on: the only one shown, or,
/// with several, the one account that has every profile named (a profile
/// lives in one account; the same name elsewhere may hold another role).
pub async fn account_for<'a>(
    session: &'a Session,
    named: &[&ProfileRef],
) -> Result<&'a crate::core::session::Account, Error> {
    if let [one] = session.accounts.as_slice() {
        return Ok(one);
    }
    let listed = futures::future::join_all(
        session
            .accounts
            .iter()
            .map(|a| async move { (a, a.cloud.instance_profiles().await) }),
    )
    .await;
    let mut holding = Vec::new();
    for (account, profiles) in listed {
        let profiles = profiles?;
        if named
            .iter()
            .all(|wanted| profiles.iter().any(|p| wanted.matches(p)))
        {
            holding.push(account);
        }
    }
    let names = named
        .iter()
        .map(|p| escape(&p.to_string()))
        .collect::<Vec<_>>()
        .join(" and ");
    match holding.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::Usage(format!(
            "no account shown has instance profile {names}"
        ))),
        several => Err(Error::Usage(format!(
            "instance profile {names} is in {} accounts ({}): pass the one --profile to look at",
            several.len(),
            several
                .iter()
                .map(|a| a.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `permissions PROFILE`.
pub async fn permissions(session: &Session, wanted: &ProfileRef) -> Result<RoleView, Error> {
    let cloud = account_for(session, &[wanted]).await?.cloud.as_ref();
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
    let named: Vec<&ProfileRef> = from.into_iter().chain(to).collect();
    let cloud = account_for(session, &named).await?.cloud.as_ref();
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
    let reads = crate::core::exec::read_for_change(session, true).await?;
    if let Some(f) = reads.failures.first() {
        return Err(Error::Runtime(format!(
            "cannot say who uses '{}': {}",
            escape(name),
            f.sentence(session.several_accounts())
        )));
    }
    let wanted = ProfileRef::parse(name);
    // Per account: its profiles that are the one named, or hold the role named.
    let mut matching: Vec<(String, InstanceProfile)> = Vec::new();
    for account in &session.accounts {
        let profiles = reads.profiles(&account.key)?;
        let by_profile: Vec<&InstanceProfile> =
            profiles.iter().filter(|p| wanted.matches(p)).collect();
        let found: Vec<&InstanceProfile> = if by_profile.is_empty() {
            profiles
                .iter()
                .filter(|p| p.roles.iter().any(|r| r.name == name || r.arn == name))
                .collect()
        } else {
            by_profile
        };
        matching.extend(found.into_iter().map(|p| (account.key.clone(), p.clone())));
    }
    if matching.is_empty() {
        return Err(Error::Usage(format!(
            "'{}' is neither an instance profile nor a role held by one in {}",
            escape(name),
            if session.several_accounts() {
                "any of these accounts"
            } else {
                "this account"
            }
        )));
    }
    Ok(reads
        .rows
        .into_iter()
        .filter_map(|row| {
            let a = row.association.as_ref().filter(|a| a.state.is_active())?;
            let (_, profile) = matching
                .iter()
                .find(|(k, p)| *k == row.instance.account && p.arn == a.profile.arn)?;
            Some(User {
                profile: profile.clone(),
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
    let cloud = session.single("revoke-sessions")?.cloud.as_ref();
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
