//! IAM policy documents, pure: parse (raw JSON or URL-encoded, as AWS and
//! moto answer), normalise to one row per effect × action × resource, diff
//! two roles' rows, and flag high-risk grants. This compares policy text; it
//! is not an evaluation with SCPs, boundaries or conditions.

use serde_json::Value;

pub use crate::aws::{Policy, PolicyKind};

/// One statement part: one effect, one action (or `NotAction`), one resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Row {
    /// `Allow` or `Deny`.
    pub effect: String,
    /// The action, service prefix lowercased; `NotAction:` before it when the
    /// statement names what it does not cover.
    pub action: String,
    /// The resource; `NotResource:` before it likewise.
    pub resource: String,
    /// The condition block as compact JSON, if any.
    pub condition: Option<String>,
}

/// A policy's rows, or why its document could not be read (shown raw).
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub policy: Policy,
    pub rows: Vec<Row>,
    /// Set when the document is not a policy rolecall can read.
    pub unreadable: Option<String>,
    /// The decoded document text.
    pub text: String,
}

/// The document's JSON text: raw if it starts with `{`, else percent-decoded.
pub fn decode(document: &str) -> String {
    let trimmed = document.trim_start();
    if trimmed.starts_with('{') {
        return document.to_string();
    }
    percent_encoding::percent_decode_str(document)
        .decode_utf8_lossy()
        .into_owned()
}

/// A string or a list of strings, as policy fields are.
fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

/// `EC2:DescribeInstances` → `ec2:DescribeInstances`.
fn normalise_action(a: &str) -> String {
    match a.split_once(':') {
        Some((service, name)) => format!("{}:{name}", service.to_ascii_lowercase()),
        None => a.to_string(),
    }
}

/// Parses a policy into rows; an unreadable document keeps its text.
pub fn parse(policy: &Policy) -> Parsed {
    let text = decode(&policy.document);
    let unreadable = |why: &str| Parsed {
        policy: policy.clone(),
        rows: Vec::new(),
        unreadable: Some(why.to_string()),
        text: text.clone(),
    };
    let Ok(doc) = serde_json::from_str::<Value>(&text) else {
        return unreadable("the document is not JSON");
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return unreadable("the document has no Statement"),
    };
    let mut rows = Vec::new();
    for st in &statements {
        let Some(effect) = st.get("Effect").and_then(Value::as_str) else {
            return unreadable("a statement has no Effect");
        };
        let (actions, not_action) = match (st.get("Action"), st.get("NotAction")) {
            (Some(a), _) => (strings(a), false),
            (None, Some(a)) => (strings(a), true),
            (None, None) => (None, false),
        };
        let Some(mut actions) = actions else {
            return unreadable("a statement has no readable Action");
        };
        let (resources, not_resource) = match (st.get("Resource"), st.get("NotResource")) {
            (Some(r), _) => (strings(r), false),
            (None, Some(r)) => (strings(r), true),
            // Trust policies name principals, not resources.
            (None, None) => (Some(vec!["*".to_string()]), false),
        };
        let Some(mut resources) = resources else {
            return unreadable("a statement has no readable Resource");
        };
        actions.sort();
        resources.sort();
        let condition = st.get("Condition").map(|c| c.to_string());
        for a in &actions {
            for r in &resources {
                rows.push(Row {
                    effect: effect.to_string(),
                    action: format!(
                        "{}{}",
                        if not_action { "NotAction:" } else { "" },
                        normalise_action(a)
                    ),
                    resource: format!("{}{r}", if not_resource { "NotResource:" } else { "" }),
                    condition: condition.clone(),
                });
            }
        }
    }
    rows.sort();
    rows.dedup();
    Parsed {
        policy: policy.clone(),
        rows,
        unreadable: None,
        text,
    }
}

/// Who a trust policy lets assume the role: `Service ec2.amazonaws.com`,
/// `AWS arn:…` (its Allow statements' principals).
pub fn trust_principals(parsed: &Parsed) -> Vec<String> {
    let Ok(doc) = serde_json::from_str::<Value>(&parsed.text) else {
        return Vec::new();
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one) => vec![one.clone()],
        None => return Vec::new(),
    };
    let mut out = Vec::new();
    for st in statements.iter().filter(|s| s["Effect"] == "Allow") {
        match &st["Principal"] {
            Value::String(s) => out.push(s.clone()),
            Value::Object(kinds) => {
                for (kind, who) in kinds {
                    for w in strings(who).unwrap_or_default() {
                        out.push(format!("{kind} {w}"));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A row with the policy it comes from, for diffs and listings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sourced {
    pub row: Row,
    pub policy: String,
}

/// Every row of the permission policies (not the boundary), with its policy.
pub fn rows_of(parsed: &[Parsed]) -> Vec<Sourced> {
    let mut out: Vec<Sourced> = parsed
        .iter()
        .filter(|p| matches!(p.policy.kind, PolicyKind::Managed | PolicyKind::Inline))
        .flat_map(|p| {
            p.rows.iter().map(|r| Sourced {
                row: r.clone(),
                policy: p.policy.name.clone(),
            })
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(doc: &str) -> Policy {
        Policy {
            name: "p".into(),
            arn: None,
            kind: PolicyKind::Inline,
            document: doc.into(),
        }
    }

    #[test]
    fn reads_raw_and_url_encoded_documents_strings_and_lists() {
        let raw = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["S3:GetObject","ec2:Describe*"],"Resource":"*"},{"Effect":"Deny","NotAction":"iam:*","NotResource":["arn:x"],"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(raw, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for doc in [raw.to_string(), encoded] {
            let p = parse(&policy(&doc));
            assert_eq!(p.unreadable, None);
            let actions: Vec<&str> = p.rows.iter().map(|r| r.action.as_str()).collect();
            assert_eq!(
                actions,
                ["ec2:Describe*", "s3:GetObject", "NotAction:iam:*"]
            );
            assert_eq!(p.rows[2].resource, "NotResource:arn:x");
            assert!(
                p.rows[2]
                    .condition
                    .as_deref()
                    .unwrap()
                    .contains("MultiFactor")
            );
        }
        // A single statement object is read too.
        let one = parse(&policy(
            r#"{"Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*"}}"#,
        ));
        assert_eq!(one.rows.len(), 1);
    }

    #[test]
    fn an_unreadable_document_is_kept_raw_with_a_note() {
        for bad in [
            "not json",
            r#"{"Statement": 3}"#,
            r#"{"Statement":[{"Action":"x"}]}"#,
        ] {
            let p = parse(&policy(bad));
            assert!(p.unreadable.is_some(), "{bad}");
            assert!(p.rows.is_empty());
            assert_eq!(p.text, decode(bad));
        }
    }
}
