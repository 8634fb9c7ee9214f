//! `history`: who changed an instance's profile, from CloudTrail.

use serde_json::{Value, json};

use super::Output;
use crate::core::history::{Change, InstanceHistory, Side, when};

fn side_json(side: &Side) -> Value {
    match side {
        Side::None => Value::Null,
        Side::Unknown => Value::from("unknown"),
        Side::Profile(p) => json!({"name": p.name, "arn": p.arn}),
    }
}

fn change_json(c: &Change) -> Value {
    json!({
        "time": humantime::format_rfc3339_seconds(c.time).to_string(),
        "event": c.event,
        "result": if c.succeeded() { "ok" } else { "refused" },
        "error": c.error,
        "from": side_json(&c.from),
        "to": side_json(&c.to),
        "actor": c.actor,
        "via_role": c.via_role,
        "source_ip": c.source_ip,
        "user_agent": c.user_agent,
        "made_by_rolecall": c.made_by_rolecall.map(|m| m.as_str()),
        "request_id": c.request_id,
        "event_id": c.event_id,
    })
}

/// `1 day`, `90 days`.
pub fn days(n: u64) -> String {
    if n == 1 {
        "day".to_string()
    } else {
        format!("{n} days")
    }
}

pub fn render(h: &InstanceHistory, account_label: &str, output: Output) -> String {
    match output {
        Output::Json => super::json::pretty(&json!({
            "instance": h.instance_id,
            "name": h.name,
            "account": account_label,
            "region": h.region,
            "days": h.days,
            "changes": h.changes.iter().map(change_json).collect::<Vec<_>>(),
            "untied_events": h.untied,
            "unreadable_events": h.unreadable,
            "truncated": h.truncated,
        })),
        Output::Table => {
            let mut out = String::new();
            // What the history leaves out comes first, not after 5,000 rows.
            for c in crate::core::history::caveats(h.truncated, h.untied + h.unreadable) {
                out.push_str(&format!("note: {c}\n"));
            }
            if h.changes.is_empty() {
                out.push_str(&format!(
                    "no profile changes of {} found in CloudTrail's last {} (a profile given at launch comes with RunInstances, which this does not search)\n",
                    h.instance_id,
                    days(h.days)
                ));
            } else {
                let rows: Vec<Vec<String>> = h
                    .changes
                    .iter()
                    .map(|c| {
                        vec![
                            when(c.time),
                            c.event.to_string(),
                            c.error.as_ref().map_or_else(
                                || "ok".to_string(),
                                // The code; json has the message too.
                                |e| format!("refused ({})", e.split(": ").next().unwrap_or(e)),
                            ),
                            format!("{} → {}", c.from.label(), c.to.label()),
                            c.actor.clone(),
                            c.source_ip.clone().unwrap_or_else(|| "-".into()),
                            c.made_by_rolecall.map_or("-", |m| m.as_str()).to_string(),
                            c.user_agent.clone().unwrap_or_else(|| "-".into()),
                        ]
                    })
                    .collect();
                out.push_str(&super::table::table(
                    &[
                        "TIME (UTC)",
                        "EVENT",
                        "RESULT",
                        "FROM → TO",
                        "ACTOR",
                        "SOURCE IP",
                        "ROLECALL",
                        "USER AGENT",
                    ],
                    &rows,
                ));
            }
            out
        }
    }
}
