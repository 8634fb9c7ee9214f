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

/// What a journaled change to a role put on it (a revoke's policy), if it
/// is one.
pub fn policy_put_by(entry: &crate::core::journal::Entry) -> Option<&'static str> {
    (entry.action == "revoke_sessions").then_some(REVOKE_POLICY_NAME)
}

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
        case: None,
    };
    let mut sent = Entry::sent_for_role(
        &context,
        "revoke_sessions",
        vec![format!(
            "aws iam put-role-policy --role-name {role} --policy-name {REVOKE_POLICY_NAME} --policy-document '{document}'"
        )],
    );
    sent.role = Some(role.to_string());
    if let Some(j) = journal {
        j.append(&sent).await.map_err(|e| {
            Error::Runtime(format!(
                "{e}: nothing was sent (fix the journal, or pass --no-journal)"
            ))
        })?;
    }
    let result = cloud
        .put_role_policy(role, REVOKE_POLICY_NAME, &document)
        .await;
    if let Some(j) = journal
        && let Err(e) = j
            .append(&Entry::done_call(&sent, result.as_ref().err()))
            .await
    {
        tracing::error!(error = %e, "cannot write the journal's done line");
    }
    result?;
    Ok(now)
}

/// The cut-off of a revocation policy: sessions issued before it are
/// denied. Read from the `aws:TokenIssueTime` condition of a Deny row of
/// [`REVOKE_POLICY_NAME`] (rows as the permissions view has them).
pub fn revoked_before(rows: &[crate::core::policy::Sourced]) -> Option<String> {
    rows.iter()
        .filter(|s| s.policy == REVOKE_POLICY_NAME && s.row.effect == "Deny")
        .find_map(|s| token_issue_time(s.row.condition.as_deref()?))
}

/// The same from a policy document (what the API returns).
pub fn revoked_before_in(document: &str) -> Option<String> {
    let text = crate::core::policy::decode(document);
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    let statements = match &doc["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        one => vec![one.clone()],
    };
    statements
        .iter()
        .filter(|s| s["Effect"] == "Deny")
        .find_map(|s| token_issue_time(&s["Condition"].to_string()))
}

/// `aws:TokenIssueTime`'s value under any operator of a condition block
/// (compact JSON); the key is matched without regard to case, as IAM does.
fn token_issue_time(condition: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(condition).ok()?;
    v.as_object()?.values().find_map(|keys| {
        keys.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("aws:TokenIssueTime"))
            .and_then(|(_, t)| match t {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(a) => a.first()?.as_str().map(str::to_string),
                _ => None,
            })
    })
}

/// How long before `now` an RFC 3339 time was, in round words (`25 min`,
/// `3 h 10 min`, `2 d 4 h`); `None` if the time cannot be read.
pub fn age(at: &str, now: std::time::SystemTime) -> Option<String> {
    let then = humantime::parse_rfc3339_weak(at).ok()?;
    let secs = now.duration_since(then).unwrap_or_default().as_secs();
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    Some(match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    })
}

/// The sentence naming a revocation policy left on a role after a restore
/// (`place`: ` in ACCOUNT, ACCOUNT` when several accounts are shown).
pub fn still_revoked_note(role: &str, place: &str, before: &str, age: Option<&str>) -> String {
    format!(
        "role {role} still has {REVOKE_POLICY_NAME}{place}{}: sessions issued before {before} stay denied; remove it once they have expired (aws iam delete-role-policy --role-name {role} --policy-name {REVOKE_POLICY_NAME})",
        age.map(|a| format!(" (added {a} ago)")).unwrap_or_default()
    )
}

/// Revocation policies still on the roles of these instance profiles (by
/// session key and ARN): `(account key, role, cut-off)`, each role once.
pub async fn revocations_on(
    session: &Session,
    profiles: &[(String, String)],
) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for account in &session.accounts {
        let arns: Vec<&str> = profiles
            .iter()
            .filter(|(k, _)| k == &account.key)
            .map(|(_, arn)| arn.as_str())
            .collect();
        if arns.is_empty() {
            continue;
        }
        let Ok(all) = crate::aws::retry_read(|| account.cloud.instance_profiles()).await else {
            continue;
        };
        let mut roles: Vec<String> = all
            .iter()
            .filter(|p| arns.contains(&p.arn.as_str()))
            .flat_map(|p| p.roles.iter().map(|r| r.name.clone()))
            .collect();
        roles.sort();
        roles.dedup();
        for role in roles {
            let Ok(policies) = crate::aws::retry_read(|| account.cloud.role_policies(&role)).await
            else {
                continue;
            };
            if let Some(before) = policies
                .iter()
                .filter(|p| p.name == REVOKE_POLICY_NAME)
                .find_map(|p| revoked_before_in(&p.document))
            {
                out.push((account.key.clone(), role, before));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cut_off_is_read_back_from_the_document_rolecall_writes() {
        let doc = revoke_document("2026-12-03T02:10:00Z");
        assert_eq!(
            revoked_before_in(&doc).as_deref(),
            Some("2026-12-03T02:10:00Z")
        );
        // Not a revocation: no cut-off.
        assert_eq!(
            revoked_before_in(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#),
            None
        );
    }

    #[test]
    fn ages_read_in_round_words() {
        let now = humantime::parse_rfc3339("2026-12-03T05:20:00Z").unwrap();
        assert_eq!(age("2026-12-03T05:00:00Z", now).as_deref(), Some("20 min"));
        assert_eq!(
            age("2026-12-03T02:10:00Z", now).as_deref(),
            Some("3 h 10 min")
        );
        assert_eq!(age("2026-11-30T01:20:00Z", now).as_deref(), Some("3 d 4 h"));
        assert_eq!(age("yesterday", now), None);
    }
}
