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
    let label = |key: &str| {
        session.label(
            key,
            plan.identities.get(key).map(|i| i.account.as_str()),
            config,
        )
    };
    let mut text = contain::describe(plan, &label).join("\n");
    if !plan.standby && plan.targets.iter().any(|t| t.group.is_some()) {
        text.push_str("\n(--standby puts the instances of a group in Standby)");
    }
    text.push('\n');
    lines(&text)
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
