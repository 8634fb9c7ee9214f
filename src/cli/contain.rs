//! `contain`, `cases` and `release`: containing compromised instances from
//! the command line (the work is `core::contain`'s).

use serde_json::json;

use crate::aws::text::{escape, sanitize};
use crate::core::contain::{self, Plan, StepResult};
use crate::core::error::Error;
use crate::core::session::Session;

use super::Output;
use super::json::pretty;
use super::table::table;

/// Everything `contain` will do, per instance, and the deny in full.
pub fn describe(plan: &Plan, session: &Session, config: &crate::core::config::Config) -> String {
    let mut out = format!("case {}\n", plan.case);
    for d in &plan.denies {
        out.push_str(&format!(
            "deny on role {} ({} of {} characters of inline policy): {} other instance(s) on the role {} working\n  {}\n",
            d.role,
            d.inline_size,
            contain::INLINE_LIMIT,
            d.others.len(),
            if d.others.len() == 1 { "keeps" } else { "keep" },
            d.document
        ));
    }
    for t in &plan.targets {
        let label = session.label(
            &t.account,
            plan.identities.get(&t.account).map(|i| i.account.as_str()),
            config,
        );
        out.push_str(&format!(
            "{} {} {}{}:\n",
            label,
            t.region,
            t.instance_id,
            t.name
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        ));
        match &t.role {
            Some(r) => out.push_str(&format!(
                "  1. deny: iam:PutRolePolicy {} on role {r} (Deny * where {} = {})\n",
                contain::POLICY,
                contain::SOURCE_KEY,
                t.instance_arn
            )),
            None => out.push_str("  1. deny: none (the instance runs with no role)\n"),
        }
        match &t.swap {
            Ok(c) => out.push_str(&format!("  2. swap: {}\n", c.kind.calls().join(", then "))),
            Err(why) => out.push_str(&format!("  2. swap: none ({why})\n")),
        }
        out.push_str(&format!(
            "  3. tag: ec2:CreateTags {}={}\n",
            contain::CASE_TAG,
            plan.case
        ));
        if plan.imdsv2 {
            out.push_str(&format!(
                "  4. imdsv2: ec2:ModifyInstanceMetadataOptions HttpTokens {} → required\n",
                t.tokens.as_deref().unwrap_or("optional")
            ));
        }
        match (&t.group, plan.standby) {
            (Some((g, _)), true) => out.push_str(&format!("  5. standby: autoscaling:EnterStandby in {g} (desired capacity decremented)\n")),
            (Some((g, _)), false) => out.push_str(&format!("  ⚠ in group {g}: the group may replace or terminate it (--standby puts it in Standby)\n")),
            (None, _) => {}
        }
    }
    lines(&out)
}

/// Each line made safe for the terminal, the line breaks kept.
fn lines(text: &str) -> String {
    text.lines().map(sanitize).map(|l| l + "\n").collect()
}

/// The steps' outcomes.
pub fn results(case: &str, steps: &[StepResult], output: Output) -> String {
    match output {
        Output::Json => pretty(&json!({"case": case, "steps": steps})),
        Output::Table => {
            let body: Vec<Vec<String>> = steps
                .iter()
                .map(|s| {
                    vec![
                        s.instance_id.clone(),
                        s.step.clone(),
                        s.detail.clone(),
                        if s.ok { "ok".into() } else { "failed".into() },
                        s.error.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            table(&["INSTANCE", "STEP", "WHAT", "OUTCOME", "ERROR"], &body)
        }
    }
}

/// `cases`: the journal's cases and what is on the roles now.
pub fn cases(records: &[contain::CaseRecord], found: &[contain::Found], output: Output) -> String {
    match output {
        Output::Json => pretty(&json!({"cases": records, "on_roles": found})),
        Output::Table => {
            let now = std::time::SystemTime::now();
            let mut out = String::new();
            let body: Vec<Vec<String>> = records
                .iter()
                .flat_map(|c| {
                    c.instances.iter().map(move |i| {
                        vec![
                            c.case.clone(),
                            if c.released {
                                "released".into()
                            } else {
                                "open".into()
                            },
                            crate::core::revoke::age(&c.opened, now).unwrap_or_else(|| "?".into()),
                            c.caller_arn.clone().unwrap_or_else(|| "?".into()),
                            i.instance_id.clone(),
                            i.steps
                                .iter()
                                .map(|(s, k)| format!("{}:{k}", s.trim_start_matches("contain_")))
                                .collect::<Vec<_>>()
                                .join(" "),
                        ]
                    })
                })
                .collect();
            if body.is_empty() {
                out.push_str("no cases in the journal\n");
            } else {
                out.push_str(&table(
                    &["CASE", "STATE", "AGE", "OPENED BY", "INSTANCE", "STEPS"],
                    &body,
                ));
            }
            let body: Vec<Vec<String>> = found
                .iter()
                .map(|f| {
                    vec![
                        f.account.clone(),
                        f.role.clone(),
                        f.policy.clone(),
                        f.detail.clone(),
                        f.age.clone().unwrap_or_else(|| "-".into()),
                        match (f.policy.as_str(), f.removable) {
                            (contain::POLICY, _) => "until its case is released".into(),
                            (_, Some(true)) => "removable (12 h passed)".into(),
                            (_, Some(false)) => "keep (under 12 h)".into(),
                            _ => "?".into(),
                        },
                    ]
                })
                .collect();
            if !body.is_empty() {
                out.push_str(&table(
                    &["ACCOUNT", "ROLE", "POLICY", "WHAT", "AGE", "REMOVE"],
                    &body,
                ));
            }
            lines(&out)
        }
    }
}

/// Asks before a containment (each production account's name typed).
pub fn confirm(
    plan: &Plan,
    session: &Session,
    config: &crate::core::config::Config,
    what: &str,
) -> Result<(), Error> {
    let mut guards: Vec<String> = Vec::new();
    for t in &plan.targets {
        let sts = plan.identities.get(&t.account).map(|i| i.account.as_str());
        if let Some(g) = session.production_guard(&t.account, sts, config)
            && !guards.contains(&g)
        {
            guards.push(g);
        }
    }
    let question = format!(
        "{what} {} instance{} (case {})",
        plan.targets.len(),
        if plan.targets.len() == 1 { "" } else { "s" },
        escape(&plan.case)
    );
    if guards.is_empty() {
        super::bulk::confirm_typed(&question, "y")
    } else {
        super::bulk::confirm_typed(
            &format!(
                "{question} in PRODUCTION account{} {}",
                if guards.len() == 1 { "" } else { "s" },
                guards.join(" ")
            ),
            &guards.join(" "),
        )
    }
}
