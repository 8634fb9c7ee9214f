//! What a role may do, decided as IAM decides it for identity policies
//! (AWS's documented policy evaluation logic): an explicit Deny wins; an
//! Allow is needed; a permissions boundary intersects; `NotAction` and
//! `NotResource` are the complement of the whole statement; action names
//! match without regard to case, with `*` and `?`. Every statement of every
//! inline policy, attached managed policy (its default version) and the
//! boundary counts. Not evaluated: SCPs, resource policies, session policies
//! ([`NOT_EVALUATED`]). Pure.

use serde_json::Value;

use crate::aws::PolicyKind;
use crate::core::policy::Parsed;

/// Said wherever a decision is shown.
pub const NOT_EVALUATED: &str = "not evaluated: SCPs, resource policies, session policies";

/// The decision for an action on a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    /// An Allow applies and no Deny does.
    Allowed,
    /// An explicit Deny applies.
    Denied,
    /// No Allow applies, or the permissions boundary does not allow it.
    NotAllowed,
    /// The deciding Allow or Deny has a condition (or covers only part of
    /// the resources): it depends on the request.
    Conditional,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
            Decision::NotAllowed => "not_allowed",
            Decision::Conditional => "conditional",
        }
    }
}

/// One statement of a role's policies, as IAM reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The policy it is in, and what kind of policy.
    pub policy: String,
    pub kind: PolicyKind,
    pub sid: Option<String>,
    pub allow: bool,
    /// Action patterns; `not_action`: the statement covers every other action.
    pub actions: Vec<String>,
    pub not_action: bool,
    /// Resource patterns; `not_resource`: every other resource.
    pub resources: Vec<String>,
    pub not_resource: bool,
    /// The condition block (compact JSON), if any.
    pub condition: Option<String>,
}

impl Statement {
    /// One line: `Allow s3:Get* on arn:… (policy, condition)`.
    pub fn describe(&self) -> String {
        format!(
            "{} {}{} on {}{} ({} {}{}{})",
            if self.allow { "Allow" } else { "Deny" },
            if self.not_action { "NotAction " } else { "" },
            self.actions.join(","),
            if self.not_resource {
                "NotResource "
            } else {
                ""
            },
            self.resources.join(","),
            self.kind.as_str(),
            self.policy,
            self.sid
                .as_ref()
                .map(|s| format!(", Sid {s}"))
                .unwrap_or_default(),
            self.condition
                .as_ref()
                .map(|c| format!(", if {c}"))
                .unwrap_or_default(),
        )
    }
}

/// A role's statements: its permission policies, and its boundary if set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RolePolicies {
    pub identity: Vec<Statement>,
    /// `None`: no permissions boundary.
    pub boundary: Option<Vec<Statement>>,
    /// Policies that could not be read: nothing about them is assumed, so
    /// decisions they could change are `Conditional`.
    pub unreadable: Vec<String>,
}

/// A string or a list of strings.
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

/// The statements of parsed policies (the trust policy left out: it says
/// who may assume the role, not what the role may do).
pub fn role_policies(parsed: &[Parsed]) -> RolePolicies {
    let mut out = RolePolicies::default();
    for p in parsed {
        if p.policy.kind == PolicyKind::Trust {
            continue;
        }
        let Some(statements) = read_statements(p) else {
            out.unreadable.push(p.policy.name.clone());
            continue;
        };
        match p.policy.kind {
            PolicyKind::Boundary => out.boundary.get_or_insert_with(Vec::new).extend(statements),
            _ => out.identity.extend(statements),
        }
    }
    out
}

fn read_statements(p: &Parsed) -> Option<Vec<Statement>> {
    if p.unreadable.is_some() {
        return None;
    }
    let doc: Value = serde_json::from_str(&p.text).ok()?;
    let list = match doc.get("Statement")? {
        Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    list.iter()
        .map(|st| {
            let allow = match st.get("Effect")?.as_str()? {
                "Allow" => true,
                "Deny" => false,
                _ => return None,
            };
            let (actions, not_action) = match (st.get("Action"), st.get("NotAction")) {
                (Some(a), None) => (strings(a)?, false),
                (None, Some(a)) => (strings(a)?, true),
                _ => return None,
            };
            let (resources, not_resource) = match (st.get("Resource"), st.get("NotResource")) {
                (Some(r), None) => (strings(r)?, false),
                (None, Some(r)) => (strings(r)?, true),
                _ => return None,
            };
            Some(Statement {
                policy: p.policy.name.clone(),
                kind: p.policy.kind,
                sid: st.get("Sid").and_then(Value::as_str).map(str::to_string),
                allow,
                actions,
                not_action,
                resources,
                not_resource,
                condition: st.get("Condition").map(Value::to_string),
            })
        })
        .collect()
}

/// A `*`/`?` glob over bytes (no allocation: `diff` calls it millions of
/// times); `fold`: without regard to ASCII case.
fn glob(pattern: &str, text: &str, fold: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let eq = |a: u8, b: u8| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut i, mut j) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == b'?' || eq(p[i], t[j])) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == b'*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == b'*' {
        i += 1;
    }
    i == p.len()
}

/// An action pattern (`S3:Get*`) names an action (`s3:GetObject`): case
/// does not matter, `*` and `?` are wildcards.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(pattern, action, true)
}

/// How much of the resources `target` names a statement's resource
/// pattern reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    None,
    /// Some of them (`arn:…:a/*` of `*`).
    Part,
    All,
}

fn resource_reach(pattern: &str, target: &str) -> Reach {
    let wild = |s: &str| s.contains(['*', '?']);
    if glob(pattern, target, false) {
        Reach::All
    } else if glob(target, pattern, false) || (wild(pattern) && wild(target)) {
        // Some of them: the pattern inside the target, or two wildcard
        // patterns that may overlap (never said to be apart).
        Reach::Part
    } else {
        Reach::None
    }
}

/// How much of (action, resource) a statement applies to.
fn applies(st: &Statement, action: &str, resource: &str) -> Reach {
    let named = st.actions.iter().any(|a| action_matches(a, action));
    if named == st.not_action {
        return Reach::None;
    }
    let best = st
        .resources
        .iter()
        .map(|r| resource_reach(r, resource))
        .max()
        .unwrap_or(Reach::None);
    if st.not_resource {
        // The complement: all of it when no pattern touches it.
        match best {
            Reach::None => Reach::All,
            Reach::Part => Reach::Part,
            Reach::All => Reach::None,
        }
    } else {
        best
    }
}

/// Three-valued: does a set of statements allow it?
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tri {
    No,
    Maybe,
    Yes,
}

/// A decision and the statements that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub decision: Decision,
    pub statements: Vec<Statement>,
    /// Why, in a few words.
    pub why: String,
}

/// How a set of Allow statements answers, and which of them.
fn allows<'a>(sts: &'a [Statement], action: &str, resource: &str) -> (Tri, Vec<&'a Statement>) {
    let mut best = Tri::No;
    let mut by = Vec::new();
    for st in sts.iter().filter(|s| s.allow) {
        let tri = match (applies(st, action, resource), st.condition.is_some()) {
            (Reach::All, false) => Tri::Yes,
            (Reach::All, true) => Tri::Maybe,
            // Everything but some resources: allowed on most of them, an
            // answer that depends on the resource.
            (Reach::Part, _) if st.not_resource => Tri::Maybe,
            // Part of the resources: not an answer for all of them.
            _ => continue,
        };
        if tri > best {
            best = tri;
            by.clear();
        }
        if tri == best {
            by.push(st);
        }
    }
    (best, by)
}

/// The decision for `action` on `resource` (an ARN, or a pattern such as
/// `*`: then "allowed" means on every resource it names).
pub fn decide(role: &RolePolicies, action: &str, resource: &str) -> Verdict {
    let boundary = role.boundary.as_deref().unwrap_or(&[]);
    let all = role.identity.iter().chain(boundary);
    // An explicit Deny that applies to all of it, with no condition, wins.
    let mut hard = Vec::new();
    let mut soft = Vec::new();
    for st in all.filter(|s| !s.allow) {
        match (applies(st, action, resource), st.condition.is_some()) {
            (Reach::All, false) => hard.push(st.clone()),
            (Reach::None, _) => {}
            _ => soft.push(st.clone()),
        }
    }
    if !hard.is_empty() {
        return Verdict {
            decision: Decision::Denied,
            statements: hard,
            why: "an explicit Deny applies".into(),
        };
    }
    let (identity, by) = allows(&role.identity, action, resource);
    let (bounded, by_boundary) = match &role.boundary {
        Some(b) => allows(b, action, resource),
        None => (Tri::Yes, Vec::new()),
    };
    let allowed = identity.min(bounded);
    if allowed == Tri::No {
        let why = if identity == Tri::No {
            "no statement allows it"
        } else {
            "outside the permissions boundary"
        };
        return Verdict {
            decision: if role.unreadable.is_empty() {
                Decision::NotAllowed
            } else {
                Decision::Conditional
            },
            statements: Vec::new(),
            why: if role.unreadable.is_empty() {
                why.into()
            } else {
                format!(
                    "{why} in the policies read ({} unreadable)",
                    role.unreadable.join(", ")
                )
            },
        };
    }
    let mut statements: Vec<Statement> = by.into_iter().chain(by_boundary).cloned().collect();
    if allowed == Tri::Maybe || !soft.is_empty() || !role.unreadable.is_empty() {
        let why = if !soft.is_empty() {
            "a Deny with a condition, or on part of the resources, may apply"
        } else if allowed == Tri::Maybe {
            "the Allow has a condition"
        } else {
            "a policy could not be read"
        };
        statements.extend(soft);
        return Verdict {
            decision: Decision::Conditional,
            statements,
            why: why.into(),
        };
    }
    Verdict {
        decision: Decision::Allowed,
        statements,
        why: "an Allow applies and no Deny does".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Policy;
    use serde_json::json;

    fn role(policies: &[(PolicyKind, Value)]) -> RolePolicies {
        let parsed: Vec<Parsed> = policies
            .iter()
            .enumerate()
            .map(|(i, (kind, doc))| {
                crate::core::policy::parse(&Policy {
                    name: format!("p{i}"),
                    arn: None,
                    kind: *kind,
                    document: json!({"Version": "2012-10-17", "Statement": doc}).to_string(),
                })
            })
            .collect();
        role_policies(&parsed)
    }

    fn allow(action: Value, resource: &str) -> Value {
        json!({"Effect": "Allow", "Action": action, "Resource": resource})
    }

    use Decision::*;
    use PolicyKind::{Boundary, Inline, Managed};

    #[rstest::rstest]
    // A boundary allowing only s3:GetObject caps an admin.
    #[case::boundary_caps(vec![(Inline, allow(json!("*"), "*")), (Boundary, allow(json!("s3:GetObject"), "*"))], "iam:CreateUser", "*", NotAllowed)]
    #[case::boundary_lets_through(vec![(Inline, allow(json!("*"), "*")), (Boundary, allow(json!("s3:GetObject"), "*"))], "s3:GetObject", "*", Allowed)]
    #[case::admin_without_boundary(vec![(Inline, allow(json!("*"), "*"))], "iam:CreateUser", "*", Allowed)]
    // An explicit Deny wins over an Allow.
    #[case::deny_wins(vec![(Inline, allow(json!("s3:*"), "*")), (Inline, json!({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}))], "s3:DeleteBucket", "*", Denied)]
    #[case::deny_leaves_the_rest(vec![(Inline, allow(json!("s3:*"), "*")), (Inline, json!({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}))], "s3:GetObject", "*", Allowed)]
    // NotAction: the complement of the whole list.
    #[case::not_action_both(vec![(Inline, json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}))], "organizations:CreateAccount", "*", NotAllowed)]
    #[case::not_action_one(vec![(Inline, json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))], "organizations:CreateAccount", "*", Allowed)]
    #[case::not_action_excluded(vec![(Inline, json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))], "IAM:CreateUser", "*", NotAllowed)]
    // Deny * grants nothing.
    #[case::deny_all(vec![(Inline, json!({"Effect": "Deny", "Action": "*", "Resource": "*"}))], "s3:GetObject", "*", Denied)]
    // Case does not matter in action names.
    #[case::case_folds(vec![(Inline, allow(json!("S3:getobject"), "*"))], "s3:GetObject", "*", Allowed)]
    #[case::question_mark(vec![(Inline, allow(json!("s3:Get?bject"), "*"))], "s3:GetObject", "*", Allowed)]
    // Narrow resources do not answer for all of them; they do for theirs.
    #[case::part_of_star(vec![(Inline, allow(json!("s3:GetObject"), "arn:aws:s3:::a/*"))], "s3:GetObject", "*", NotAllowed)]
    #[case::its_own_pattern(vec![(Inline, allow(json!("s3:GetObject"), "arn:aws:s3:::a/*"))], "s3:GetObject", "arn:aws:s3:::a/*", Allowed)]
    #[case::an_object_in_it(vec![(Inline, allow(json!("s3:GetObject"), "arn:aws:s3:::a/*"))], "s3:GetObject", "arn:aws:s3:::a/k", Allowed)]
    // A managed Deny beats an inline Allow.
    #[case::managed_deny(vec![(Inline, allow(json!("s3:*"), "*")), (Managed, json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}))], "s3:PutObject", "*", Denied)]
    // Conditions make it conditional, never a confident answer.
    #[case::conditional_allow(vec![(Inline, json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}))], "s3:GetObject", "*", Conditional)]
    #[case::conditional_deny(vec![(Inline, allow(json!("*"), "*")), (Inline, json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}}}))], "s3:GetObject", "*", Conditional)]
    #[case::partial_deny(vec![(Inline, allow(json!("s3:*"), "*")), (Inline, json!({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}))], "s3:GetObject", "*", Conditional)]
    // NotResource: everything but.
    #[case::not_resource(vec![(Inline, json!({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}))], "s3:GetObject", "arn:aws:s3:::public/k", Allowed)]
    #[case::not_resource_on_everything(vec![(Inline, json!({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:iam::*:role/admin"}))], "iam:PassRole", "*", Conditional)]
    #[case::overlapping_wildcards(vec![(Inline, allow(json!("s3:*"), "arn:aws:s3:::data-*")), (Inline, json!({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::*/locked/*"}))], "s3:DeleteObject", "arn:aws:s3:::data-*", Conditional)]
    #[case::not_resource_excluded(vec![(Inline, json!({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}))], "s3:GetObject", "arn:aws:s3:::secret/k", NotAllowed)]
    // A Deny in the boundary denies too.
    #[case::boundary_deny(vec![(Inline, allow(json!("*"), "*")), (Boundary, json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]))], "iam:PassRole", "*", Denied)]
    // Nothing at all: not allowed.
    #[case::nothing(vec![], "s3:GetObject", "*", NotAllowed)]
    fn decisions(
        #[case] policies: Vec<(PolicyKind, Value)>,
        #[case] action: &str,
        #[case] resource: &str,
        #[case] want: Decision,
    ) {
        let r = role(&policies);
        let v = decide(&r, action, resource);
        assert_eq!(v.decision, want, "{action} on {resource}: {v:?}");
    }

    #[test]
    fn an_unreadable_policy_makes_a_missing_allow_conditional() {
        let mut r = role(&[(Inline, allow(json!("s3:GetObject"), "*"))]);
        r.unreadable.push("broken".into());
        assert_eq!(decide(&r, "iam:CreateUser", "*").decision, Conditional);
        // An explicit Deny is still a Deny.
        r.identity.push(Statement {
            allow: false,
            actions: vec!["iam:*".into()],
            resources: vec!["*".into()],
            ..r.identity[0].clone()
        });
        assert_eq!(decide(&r, "iam:CreateUser", "*").decision, Denied);
    }

    #[test]
    fn the_deciding_statements_are_named() {
        let r = role(&[
            (Inline, allow(json!("s3:*"), "*")),
            (
                Managed,
                json!({"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}),
            ),
        ]);
        let v = decide(&r, "s3:DeleteBucket", "*");
        assert_eq!(v.statements.len(), 1);
        assert!(v.statements[0].describe().contains("Sid NoDelete"), "{v:?}");
    }
}
