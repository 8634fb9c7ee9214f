//! `--output json`: every value whole, exactly the documented fields.

use serde_json::{Value, json};

use crate::aws::Association;
use crate::core::inventory::InstanceRow;

use super::Report;

fn timestamp_json(a: &Association) -> Value {
    a.timestamp
        .map(|t| Value::String(humantime::format_rfc3339_seconds(t).to_string()))
        .unwrap_or(Value::Null)
}

/// The `association` object of the JSON output.
pub fn association_json(a: &Association) -> Value {
    json!({
        "association_id": a.id,
        "state": a.state.as_str(),
        "profile_arn": a.profile.arn,
        "profile_name": a.profile.name,
        "timestamp": timestamp_json(a),
    })
}

/// `list --output json`: one object per instance.
pub fn list_json(rows: &[InstanceRow], names: &super::Names) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "account": names.id(&r.instance.account),
                    "account_name": names.label(&r.instance.account),
                    "region": r.instance.region,
                    "instance_id": r.instance.id,
                    "name": r.instance.name,
                    "state": r.instance.state.as_str(),
                    "instance_type": r.instance.instance_type,
                    "association": r.association.as_ref().map(association_json),
                })
            })
            .collect(),
    )
}

/// The JSON object `set` and `detach` print.
pub fn report_json(r: &Report) -> Value {
    json!({
        "region": r.region,
        "instance_id": r.instance_id,
        "action": r.action,
        "previous_profile_arn": r.previous_profile_arn,
        "association": r.association.as_ref().map(association_json),
    })
}

/// Pretty JSON and a newline.
pub fn pretty(v: &Value) -> String {
    // Serialising a Value cannot fail: it has no non-string map keys.
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    // C1 controls (U+0080 to U+009F: CSI among them) are escaped too, as
    // serde_json does C0 ones: a terminal never sees them raw. They can
    // only stand inside strings, where `\u00XX` means the same.
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if ('\u{80}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn c1_controls_are_escaped_and_the_json_means_the_same() {
        let v = serde_json::json!({"name": "a\u{9b}31mb\u{1b}c"});
        let text = super::pretty(&v);
        assert!(
            !text.contains('\u{9b}') && !text.contains('\u{1b}'),
            "{text}"
        );
        assert!(text.contains("\\u009b"), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
    }
}
