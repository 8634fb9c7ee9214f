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

/// When a role was last used (RFC 3339) and in which region.
pub type LastUsed = (String, Option<String>);

/// A profile, its role, and the role's policies parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleView {
    pub profile: InstanceProfile,
    /// `None`: the profile holds no role (it grants nothing).
    pub role: Option<Role>,
    pub policies: Vec<Parsed>,
    /// GetRole's `RoleLastUsed` (date, region), or why it is unknown;
    /// `None` with no role.
    pub last_used: Option<Result<Option<LastUsed>, String>>,
}

impl RoleView {
    /// The permission rows (the boundary left out), with their policies.
    pub fn rows(&self) -> Vec<Sourced> {
        policy::rows_of(&self.policies)
    }

    /// The role's statements as IAM evaluates them.
    pub fn evaluated(&self) -> crate::core::eval::RolePolicies {
        crate::core::eval::role_policies(&self.policies)
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
    let last_used = match &role {
        Some(r) => Some(
            crate::aws::retry_read(|| cloud.role_last_used(&r.name))
                .await
                .map_err(|e| e.short()),
        ),
        None => None,
    };
    Ok(RoleView {
        profile: profile.clone(),
        role,
        policies,
        last_used,
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

/// What `can` found: the profile's role, rolecall's decision, and (with
/// `--simulate`) IAM's simulator's, or why it gave none.
pub struct Can {
    pub view: RoleView,
    pub verdict: crate::core::eval::Verdict,
    pub simulated: Option<Result<String, crate::aws::ApiError>>,
}

/// `can PROFILE ACTION --resource R [--simulate]`.
pub async fn can(
    session: &Session,
    wanted: &ProfileRef,
    action: &str,
    resource: &str,
    simulate: bool,
) -> Result<Can, Error> {
    let cloud = account_for(session, &[wanted]).await?.cloud.as_ref();
    let profiles = cloud.instance_profiles().await?;
    let view = role_view(cloud, find_profile(&profiles, wanted)?).await?;
    let verdict = crate::core::eval::decide(&view.evaluated(), action, resource);
    let simulated = match (&view.role, simulate) {
        (Some(role), true) => Some(cloud.simulate(&role.arn, action, resource).await),
        _ => None,
    };
    Ok(Can {
        view,
        verdict,
        simulated,
    })
}

/// `permissions PROFILE`.
pub async fn permissions(session: &Session, wanted: &ProfileRef) -> Result<RoleView, Error> {
    let cloud = account_for(session, &[wanted]).await?.cloud.as_ref();
    let profiles = cloud.instance_profiles().await?;
    role_view(cloud, find_profile(&profiles, wanted)?).await
}

/// The effective access gained and lost moving from one profile (or none)
/// to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    pub from: Option<RoleView>,
    pub to: Option<RoleView>,
    pub access: crate::core::effective::AccessDiff,
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
    let evaluated = |v: &Option<RoleView>| v.as_ref().map(RoleView::evaluated).unwrap_or_default();
    let access = crate::core::effective::diff(&evaluated(&from), &evaluated(&to));
    Ok(Diff { from, to, access })
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
