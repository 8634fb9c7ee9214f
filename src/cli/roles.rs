//! Output of `permissions`, `diff` and `who-uses`.

use serde_json::{Value, json};

use crate::aws::text::{escape, sanitize};
use crate::aws::{Cloud, ProfileRef};
use crate::core::access::{self, Diff, RoleView, User};
use crate::core::error::Error;
use crate::core::session::Session;

use super::Output;
use super::json::pretty;
use super::table::table;

/// One profile's role and policies as json.
fn permissions_json(v: &RoleView) -> Value {
    json!({
        "profile": v.profile.name,
        "role": v.role.as_ref().map(|r| r.name.clone()),
        "last_used": match &v.last_used {
            Some(Ok(Some((date, region)))) => json!({"date": date, "region": region}),
            Some(Ok(None)) => json!("never (within IAM's tracking period)"),
            Some(Err(why)) => json!({"unknown": why}),
            None => Value::Null,
        },
        "policies": v.policies.iter().map(|p| json!({
            "name": p.policy.name,
            "arn": p.policy.arn,
            "kind": p.policy.kind.as_str(),
            "statements": p.rows.iter().map(|r| json!({
                "effect": r.effect,
                "action": r.action,
                "resource": r.resource,
                "condition": r.condition.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()),
            })).collect::<Vec<_>>(),
            "unreadable": p.unreadable,
            "document": p.unreadable.as_ref().map(|_| p.text.clone()),
        })).collect::<Vec<_>>(),
    })
}

/// `permissions PROFILE` with several accounts shown: the profile's role in
/// each account that has a profile of that name (the same name may hold a
/// different role in each), in the session's order of accounts. Refused
/// (exit 2) when none has it.
pub async fn permissions_in_each(
    session: &Session,
    wanted: &ProfileRef,
) -> Result<Vec<(String, RoleView)>, Error> {
    let found = futures::future::join_all(
        session
            .accounts
            .iter()
            .map(|a| permissions_in(a.cloud.as_ref(), wanted)),
    )
    .await;
    let mut views = Vec::new();
    for (account, view) in session.accounts.iter().zip(found) {
        if let Some(view) = view? {
            views.push((account.key.clone(), view));
        }
    }
    if views.is_empty() {
        return Err(Error::Usage(format!(
            "no account shown has instance profile {}",
            escape(&wanted.to_string())
        )));
    }
    Ok(views)
}

/// The profile's role view in one account, or `None` when the account has
/// no such profile.
async fn permissions_in(cloud: &dyn Cloud, wanted: &ProfileRef) -> Result<Option<RoleView>, Error> {
    let profiles = crate::aws::retry_read(|| cloud.instance_profiles()).await?;
    match profiles.iter().find(|p| wanted.matches(p)) {
        Some(profile) => Ok(Some(access::role_view(cloud, profile).await?)),
        None => Ok(None),
    }
}

/// `permissions PROFILE` over several accounts, grouped by account: a
/// heading per account, then its table; json, an array of the one-account
/// objects with `account` (the id) and `account_name`.
pub fn permissions_by_account(
    views: &[(String, RoleView)],
    names: &super::Names,
    output: Output,
) -> String {
    match output {
        Output::Json => pretty(&Value::Array(
            views
                .iter()
                .map(|(key, v)| {
                    let mut object = permissions_json(v);
                    if let Value::Object(fields) = &mut object {
                        fields.insert("account".into(), json!(names.id(key)));
                        fields.insert("account_name".into(), json!(names.label(key)));
                    }
                    object
                })
                .collect(),
        )),
        Output::Table => views
            .iter()
            .map(|(key, v)| {
                let label = sanitize(&names.label(key));
                let heading = match names.id(key).filter(|id| *id != label) {
                    Some(id) => format!("account {label} ({})", sanitize(id)),
                    None => format!("account {label}"),
                };
                format!("{heading}\n{}", permissions(v, Output::Table))
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// `permissions PROFILE`.
pub fn permissions(v: &RoleView, output: Output) -> String {
    match output {
        Output::Json => pretty(&permissions_json(v)),
        Output::Table => {
            let mut body = Vec::new();
            for p in &v.policies {
                if let Some(why) = &p.unreadable {
                    body.push(vec![
                        p.policy.kind.as_str().into(),
                        p.policy.name.clone(),
                        format!("(cannot read: {why}; raw: {})", p.text),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                    ]);
                }
                for r in &p.rows {
                    body.push(vec![
                        p.policy.kind.as_str().into(),
                        p.policy.name.clone(),
                        r.effect.clone(),
                        r.action.clone(),
                        r.resource.clone(),
                        if r.condition.is_some() { "yes" } else { "-" }.into(),
                        // A trust policy says who may assume the role: no risk.
                        if p.policy.kind == crate::aws::PolicyKind::Trust {
                            "who can assume this role".into()
                        } else {
                            crate::core::effective::row_risk(r)
                                .map_or("-", |k| k.as_str())
                                .into()
                        },
                    ]);
                }
            }
            let role = v
                .role
                .as_ref()
                .map_or("no role: the profile grants nothing".to_string(), |r| {
                    format!("role {}", r.name)
                });
            let last = match &v.last_used {
                Some(Ok(Some((date, region)))) => format!(
                    "; last used {date}{}",
                    region
                        .as_deref()
                        .map(|r| format!(" in {r}"))
                        .unwrap_or_default()
                ),
                Some(Ok(None)) => "; never used (within IAM's tracking period)".into(),
                Some(Err(why)) => format!("; last use unknown: {why}"),
                None => String::new(),
            };
            format!(
                "profile {}, {role}{last}\n{}",
                v.profile.name,
                table(
                    &[
                        "KIND",
                        "POLICY",
                        "EFFECT",
                        "ACTION",
                        "RESOURCE",
                        "CONDITION",
                        "RISK"
                    ],
                    &body
                )
            )
        }
    }
}

/// `diff FROM TO`.
pub fn diff(d: &Diff, output: Output) -> String {
    use crate::core::effective::{Access, AccessDiff};
    let name = |v: &Option<RoleView>| v.as_ref().map(|v| v.profile.name.clone());
    let a = &d.access;
    let access_json = |list: &[Access]| {
        list.iter()
            .map(|x| {
                json!({
                    "action": x.action,
                    "resource": x.resource,
                    "risk": x.risks.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    "conditional": x.conditional,
                })
            })
            .collect::<Vec<_>>()
    };
    match output {
        Output::Json => pretty(&json!({
            "from": name(&d.from),
            "to": name(&d.to),
            "gained": access_json(&a.gained),
            "lost": access_json(&a.lost),
            "whole_services": a.whole_services,
            "not_evaluated": crate::core::eval::NOT_EVALUATED,
        })),
        Output::Table => {
            let risky = a.risky();
            let mut out = format!(
                "{} → {}: {} gained ({risky} risky), {} lost; {}\n",
                name(&d.from).unwrap_or_else(|| "none".into()),
                name(&d.to).unwrap_or_else(|| "none".into()),
                a.gained.len(),
                a.lost.len(),
                crate::core::eval::NOT_EVALUATED,
            );
            // Short lists in full; long ones: the risky rows, then counts by
            // service (--output json lists every row).
            let rows = |list: &[Access], sign: &str, all: bool| -> Vec<Vec<String>> {
                list.iter()
                    .filter(|x| all || !x.risks.is_empty())
                    .map(|x| {
                        vec![
                            sign.to_string(),
                            x.action.clone(),
                            x.resource.clone(),
                            if x.conditional { "maybe" } else { "-" }.to_string(),
                            x.risks
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect()
            };
            const FULL: usize = 40;
            let mut body = rows(&a.gained, "+", a.gained.len() <= FULL);
            body.extend(rows(&a.lost, "-", a.lost.len() <= FULL));
            if !body.is_empty() {
                out.push_str(&table(
                    &["", "ACTION", "RESOURCE", "CONDITIONAL", "RISK"],
                    &body,
                ));
            }
            let counts = |list: &[Access], word: &str| {
                AccessDiff::by_service(list)
                    .iter()
                    .map(|(s, n)| format!("{s}: {n} {word}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if a.gained.len() > FULL {
                out.push_str(&format!(
                    "gained by service: {}\n",
                    counts(&a.gained, "gained")
                ));
            }
            if a.lost.len() > FULL {
                out.push_str(&format!("lost by service: {}\n", counts(&a.lost, "lost")));
            }
            if !a.whole_services.is_empty() {
                out.push_str(&format!(
                    "⚠ whole service: every action of {} service{} gained ({})\n",
                    a.whole_services.len(),
                    if a.whole_services.len() == 1 { "" } else { "s" },
                    a.whole_services
                        .iter()
                        .take(12)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                        + if a.whole_services.len() > 12 {
                            ", …"
                        } else {
                            ""
                        }
                ));
            }
            out
        }
    }
}

/// IAM's simulator's word for a decision, as `can` says decisions.
fn simulator_decision(eval: &str) -> &'static str {
    match eval {
        "allowed" => "allowed",
        "explicitDeny" => "denied",
        "implicitDeny" => "not_allowed",
        _ => "unknown",
    }
}

/// `can PROFILE ACTION`: the decision and the statements that made it (and,
/// with `--simulate`, IAM's simulator's answer).
pub fn can(found: &access::Can, action: &str, resource: &str, output: Output) -> String {
    let (view, verdict) = (&found.view, &found.verdict);
    let role = view.role.as_ref().map(|r| r.name.clone());
    // The simulator's answer: its decision, or why there is none.
    let simulated = found.simulated.as_ref().map(|r| match r {
        Ok(d) => (Some(simulator_decision(d)), String::new()),
        Err(e) => (None, format!("simulator unavailable ({})", e.short())),
    });
    match output {
        Output::Json => pretty(&json!({
            "profile": view.profile.name,
            "role": role,
            "action": action,
            "resource": resource,
            "decision": verdict.decision.as_str(),
            "why": verdict.why,
            "statements": verdict.statements.iter().map(|s| json!({
                "policy": s.policy,
                "kind": s.kind.as_str(),
                "sid": s.sid,
                "effect": if s.allow { "Allow" } else { "Deny" },
                if s.not_action { "not_action" } else { "action" }: s.actions,
                if s.not_resource { "not_resource" } else { "resource" }: s.resources,
                "condition": s.condition.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()),
            })).collect::<Vec<_>>(),
            "not_evaluated": crate::core::eval::NOT_EVALUATED,
            "simulator": simulated.as_ref().map(|(d, why)| match d {
                Some(d) => json!({"decision": d, "agrees": *d == verdict.decision.as_str()}),
                None => json!({"unavailable": why}),
            }),
        })),
        Output::Table => {
            let mut out = format!(
                "{} (role {}): {} on {}: {} ({})\n",
                escape(&view.profile.name),
                escape(role.as_deref().unwrap_or("none")),
                escape(action),
                escape(resource),
                verdict.decision.as_str(),
                verdict.why
            );
            for s in &verdict.statements {
                out.push_str(&format!("  {}\n", escape(&s.describe())));
            }
            match &simulated {
                Some((Some(d), _)) if *d == verdict.decision.as_str() => {
                    out.push_str(&format!("IAM's simulator agrees: {d}\n"));
                }
                Some((Some(d), _)) => out.push_str(&format!(
                    "IAM's simulator DISAGREES: {d} (rolecall: {}); the simulator also weighs what rolecall does not evaluate\n",
                    verdict.decision.as_str()
                )),
                Some((None, why)) => out.push_str(&format!("{why}\n")),
                None => {}
            }
            out.push_str(crate::core::eval::NOT_EVALUATED);
            out.push('\n');
            out
        }
    }
}

/// `who-uses NAME_OR_ARN`.
pub fn who_uses(users: &[User], names: &super::Names, output: Output) -> String {
    let role = |u: &User| u.profile.roles.first().map(|r| r.name.clone());
    match output {
        Output::Json => pretty(&Value::Array(
            users
                .iter()
                .map(|u| {
                    json!({
                        "account": names.id(&u.row.instance.account),
                        "account_name": names.label(&u.row.instance.account),
                        "region": u.row.instance.region,
                        "instance_id": u.row.instance.id,
                        "name": u.row.instance.name,
                        "profile": u.profile.name,
                        "role": role(u),
                    })
                })
                .collect(),
        )),
        Output::Table => {
            let several = names.several();
            let mut header = vec!["REGION", "INSTANCE", "NAME", "PROFILE", "ROLE"];
            if several {
                header.insert(0, "ACCOUNT");
            }
            table(
                &header,
                &users
                    .iter()
                    .map(|u| {
                        let mut cells = vec![
                            u.row.instance.region.clone(),
                            u.row.instance.id.clone(),
                            u.row.instance.name.clone().unwrap_or_else(|| "-".into()),
                            u.profile.name.clone(),
                            role(u).unwrap_or_else(|| "-".into()),
                        ];
                        if several {
                            cells.insert(0, names.label(&u.row.instance.account));
                        }
                        cells
                    })
                    .collect::<Vec<_>>(),
            )
        }
    }
}

/// `revoke-sessions ROLE`: every account of the session that has the role,
/// each named with who it reaches; the role's name typed (and each
/// production account's name) unless `--yes`; then the revoke in each.
pub async fn revoke(
    session: &crate::core::session::Session,
    journal: Option<&crate::core::journal::Journal>,
    role: &str,
    yes: bool,
    config: &crate::core::config::Config,
) -> Result<String, crate::core::error::Error> {
    use crate::aws::text::sanitize;
    use crate::core::revoke::{REVOKE_POLICY_NAME, plan_revoke};
    let plans = plan_revoke(session, role).await?;
    let label = |p: &crate::core::revoke::RevokePlan| {
        let sts = p.identity.as_ref().map(|i| i.account.as_str());
        session.label(&p.account, sts, config)
    };
    for plan in &plans {
        let profiles: Vec<&str> = plan.profiles.iter().map(|p| p.name.as_str()).collect();
        eprintln!(
            "rolecall: revoking the older sessions of role {}{} cuts off every holder of it: profiles {} and {} running instance{} (they fetch new credentials)",
            sanitize(&plan.role.name),
            if session.several_accounts() {
                format!(" in account {}", sanitize(&label(plan)))
            } else {
                String::new()
            },
            sanitize(&profiles.join(", ")),
            plan.users.len(),
            if plan.users.len() == 1 { "" } else { "s" }
        );
        for u in &plan.users {
            eprintln!(
                "rolecall:   {} {} ({}) through profile {}",
                sanitize(&u.row.instance.region),
                sanitize(&u.row.instance.id),
                sanitize(u.row.instance.name.as_deref().unwrap_or("no Name")),
                sanitize(&u.profile.name)
            );
        }
    }
    if !yes {
        let role_name = plans.first().map_or(role, |p| p.role.name.as_str());
        super::bulk::confirm_typed(
            &format!("revoke the older sessions of role {role_name}"),
            role_name,
        )?;
        // Each production account the revoke reaches asks for its own name.
        for plan in &plans {
            let sts = plan.identity.as_ref().map(|i| i.account.as_str());
            if let Some(name) = session.production_guard(&plan.account, sts, config) {
                super::bulk::confirm_typed(
                    &format!(
                        "revoke the older sessions of role {} in PRODUCTION account {name}",
                        plan.role.name
                    ),
                    &name,
                )?;
            }
        }
    }
    let mut out = String::new();
    for plan in &plans {
        let account = session.account(&plan.account).ok_or_else(|| {
            crate::core::error::Error::Runtime(format!(
                "account {} is not in this session",
                plan.account
            ))
        })?;
        let now = crate::core::revoke::revoke(
            account.cloud.as_ref(),
            &plan.role.name,
            journal,
            plan.identity.as_ref(),
        )
        .await?;
        out.push_str(&format!(
            "role {}{}: {REVOKE_POLICY_NAME} denies every session issued before {now}\n",
            sanitize(&plan.role.name),
            if session.several_accounts() {
                format!(" in account {}", sanitize(&label(plan)))
            } else {
                String::new()
            }
        ));
    }
    Ok(out)
}
