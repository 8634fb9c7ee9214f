//! `permissions`, `diff` and `who-uses` through the binary, against moto
//! seeded with managed, inline and boundary policies.

use serde_json::{Value, json};

use crate::backends::{Kind, world};
use crate::cli_bin::{one_line_error, run};

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[test]
fn permissions_diff_and_who_uses_say_what_the_policies_say() {
    let spec = json!({
        "profiles": [
            {"name": "web", "role": "web-role",
             "managed": {"web-managed": doc(json!([{"Effect": "Allow", "Action": ["S3:GetObject", "logs:PutLogEvents"], "Resource": "*"}]))},
             "inline": {"web-inline": doc(json!([{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:q",
                                                   "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]))},
             "boundary": doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))},
            {"name": "admin", "role": "admin-role",
             "inline": {"admin": doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))}},
            {"name": "quarantine", "role": "deny-role",
             "inline": {"deny": doc(json!({"Effect": "Deny", "Action": "*", "Resource": "*"}))}},
            {"name": "capped", "role": "capped-role",
             "inline": {"all": doc(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}))},
             "boundary": doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))}
        ],
        "regions": {"us-east-1": [
            {"name": "w-1", "profile": "web"},
            {"name": "w-2", "profile": "web"},
            {"name": "a-1", "profile": "admin"}
        ]}
    });
    let w = world(Kind::Moto, &spec);
    let moto = w.moto.as_ref().unwrap();
    let bin = || {
        let mut c = crate::cli_bin::bin();
        for (k, v) in moto.env() {
            c.env(k, v);
        }
        c
    };
    // permissions: every policy, by kind, one row per statement part.
    let o = run(bin(), &["permissions", "web", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["profile"], "web");
    assert_eq!(v["role"], "web-role");
    let kinds: Vec<(&str, &str)> = v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("web-managed", "managed"),
            ("web-inline", "inline"),
            ("web-role-boundary", "boundary"),
            ("trust policy", "trust")
        ]
    );
    let managed = &v["policies"][0]["statements"];
    let actions: Vec<&str> = managed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["logs:PutLogEvents", "s3:GetObject"],
        "service prefixes lowercased, sorted"
    );
    let inline = &v["policies"][1]["statements"][0];
    assert_eq!(inline["condition"]["Bool"]["aws:SecureTransport"], "true");
    // The table says the same, one line per row.
    let o = run(bin(), &["permissions", "web"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("sqs:SendMessage") && o.stdout.contains("boundary"),
        "{}",
        o.stdout
    );

    // diff: the effective access moving web -> admin gains and loses,
    // evaluated as IAM does (managed, inline and the boundary).
    let o = run(bin(), &["diff", "web", "admin", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let d: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(d["from"], "web");
    assert_eq!(d["to"], "admin");
    assert!(d["not_evaluated"].as_str().unwrap().contains("SCPs"));
    let gained: Vec<(&str, &str)> = d["gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap(),
                r["resource"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(gained.len() > 15_000, "{}", gained.len());
    // Risky first: privilege escalation leads.
    assert_eq!(d["gained"][0]["risk"][0], "privilege escalation");
    // s3:GetObject on * is allowed on both sides: neither gained nor lost.
    assert!(!gained.contains(&("s3:GetObject", "*")));
    // The conditional SendMessage on one queue becomes unconditional on all.
    let lost = d["lost"].as_array().unwrap();
    assert!(lost.is_empty(), "{lost:?}");
    // To the Deny-all role: everything web could do is lost, nothing gained.
    let o = run(bin(), &["diff", "web", "quarantine", "--output", "json"]);
    let d: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(d["gained"].as_array().unwrap().len(), 0);
    let lost: Vec<&str> = d["lost"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        lost.contains(&"s3:GetObject") && lost.contains(&"logs:PutLogEvents"),
        "{lost:?}"
    );
    // can: the decision and the statement that made it.
    let o = run(
        bin(),
        &["can", "quarantine", "s3:GetObject", "--output", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let c: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(c["decision"], "denied");
    assert_eq!(c["statements"][0]["policy"], "deny");
    let o = run(
        bin(),
        &[
            "can",
            "web",
            "sqs:SendMessage",
            "--resource",
            "arn:aws:sqs:us-east-1:123456789012:q",
        ],
    );
    assert!(o.stdout.contains(": conditional ("), "{}", o.stdout);
    let o = run(bin(), &["can", "web", "iam:CreateUser"]);
    assert!(o.stdout.contains(": not_allowed ("), "{}", o.stdout);
    // An admin inside a boundary: capped as IAM caps it; without the
    // boundary, it gains every action (as the audit found it did).
    let o = run(
        bin(),
        &["can", "capped", "iam:CreateUser", "--output", "json"],
    );
    let c: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(c["decision"], "not_allowed", "{c}");
    assert_eq!(c["why"], "outside the permissions boundary");
    let o = run(bin(), &["diff", "capped", "admin", "--output", "json"]);
    let d: Value = serde_json::from_str(&o.stdout).unwrap();
    let gained = d["gained"].as_array().unwrap();
    assert!(
        gained
            .iter()
            .any(|g| g["action"] == "iam:CreateUser" && g["resource"] == "*")
    );
    assert!(!gained.iter().any(|g| g["action"] == "s3:GetObject"));
    // --simulate asks IAM's simulator too; moto has none: said, not hidden.
    let o = run(bin(), &["can", "quarantine", "s3:GetObject", "--simulate"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("simulator unavailable ("), "{}", o.stdout);
    let o = run(bin(), &["can", "web", "nocolon"]);
    assert_eq!(o.code, 2);
    one_line_error(&o);

    // who-uses: by profile and by role.
    let o = run(bin(), &["who-uses", "web", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let users: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(users.len(), 2);
    let o = run(bin(), &["who-uses", "admin-role", "--output", "json"]);
    let users: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["profile"], "admin");
    let o = run(bin(), &["who-uses", "ghost"]);
    assert_eq!(o.code, 2);
    one_line_error(&o);
    let o = run(bin(), &["permissions", "ghost"]);
    assert_eq!(o.code, 2);
    one_line_error(&o);
}

#[test]
fn the_demo_roles_have_realistic_policies_and_a_denied_read_names_the_action() {
    let o = run(
        crate::cli_bin::bin(),
        &[
            "--demo",
            "--demo-latency",
            "0",
            "--profile",
            "demo-main",
            "diff",
            "web-frontend",
            "incident-quarantine",
            "--output",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let d: Value = serde_json::from_str(&o.stdout).unwrap();
    // The quarantine role's Deny * grants nothing: nothing gained, all lost.
    assert_eq!(d["gained"].as_array().unwrap().len(), 0);
    assert!(d["lost"].as_array().unwrap().len() >= 3);
    let o = run(
        crate::cli_bin::bin(),
        &[
            "--demo",
            "--demo-faults",
            "fail=role:AccessDenied",
            "--profile",
            "demo-main",
            "permissions",
            "bastion",
        ],
    );
    assert_eq!(o.code, 1);
    let line = one_line_error(&o);
    assert!(
        line.contains("iam:GetRole") && line.contains("AccessDenied"),
        "{line}"
    );
}

#[test]
fn revoke_sessions_puts_the_policy_on_the_role_and_journals_it() {
    let spec = json!({
        "profiles": [{"name": "web", "role": "web-role"}, {"name": "api", "role": "api-role"}],
        "regions": {"us-east-1": [{"name": "w-1", "profile": "web"}]}
    });
    let w = world(Kind::Moto, &spec);
    let moto = w.moto.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let bin = || {
        let mut c = crate::cli_bin::bin();
        for (k, v) in moto.env() {
            c.env(k, v);
        }
        c
    };
    // No terminal and no --yes: refused, nothing put.
    let o = run(bin(), &["revoke-sessions", "web-role"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--yes"), "{}", o.stderr);
    let o = run(
        bin(),
        &[
            "--journal",
            journal.to_str().unwrap(),
            "revoke-sessions",
            "web-role",
            "--yes",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("1 running instance"), "{}", o.stderr);
    // The role now has AWSRevokeOlderSessions, as the API tells it.
    let o = run(bin(), &["permissions", "web", "--output", "json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let revoke = v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "AWSRevokeOlderSessions")
        .expect("the revoke policy is on the role");
    let st = &revoke["statements"][0];
    assert_eq!(st["effect"], "Deny");
    assert_eq!(st["action"], "*");
    assert!(st["condition"]["DateLessThan"]["aws:TokenIssueTime"].is_string());
    let (entries, _) = rolecall::core::journal::read_path(&journal).unwrap();
    let phases: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.phase.as_str()))
        .collect();
    assert_eq!(
        phases,
        [("revoke_sessions", "sent"), ("revoke_sessions", "done")]
    );
    // The journal names the role a revoke was made to, and what it put on it.
    let o = run(bin(), &["--journal", journal.to_str().unwrap(), "journal"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("role web-role"), "{}", o.stdout);
    assert!(o.stdout.contains("+AWSRevokeOlderSessions"), "{}", o.stdout);
    // Off the role, then back: the restore says the revocation is still on
    // the role it put the instance back on.
    let j = journal.to_str().unwrap();
    let swap = [
        "--journal",
        j,
        "swap",
        "--from",
        "web",
        "--to",
        "api",
        "--yes",
    ];
    let o = run(bin(), &swap);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(bin(), &["--journal", j, "undo", "--yes"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("role web-role still has AWSRevokeOlderSessions (added 0 min ago)"),
        "{}",
        o.stderr
    );
}

/// A profile name in several demo accounts: `permissions` answers for each,
/// grouped under a heading per account (json: one object per account, with
/// `account` and `account_name`), instead of refusing.
#[test]
fn permissions_of_a_name_in_several_accounts_answers_for_each() {
    let demo = |args: &[&str]| {
        let mut all = vec!["--demo", "--demo-latency", "0"];
        all.extend(args);
        run(crate::cli_bin::bin(), &all)
    };
    // web-frontend is in demo-main and demo-staging, not in payments-prod.
    let o = demo(&["permissions", "web-frontend"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let headings: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.starts_with("account "))
        .collect();
    assert_eq!(
        headings,
        [
            "account demo-main (210987654321)",
            "account demo-staging (310987654321)"
        ],
        "{}",
        o.stdout
    );
    // Each heading is followed by that account's profile line and table.
    for heading in headings {
        let after = &o.stdout[o.stdout.find(heading).unwrap() + heading.len()..];
        assert!(
            after.starts_with("\nprofile web-frontend, role web-frontend-role; last used ")
                && after
                    .split('\n')
                    .nth(2)
                    .is_some_and(|l| l.starts_with("KIND")),
            "{}",
            o.stdout
        );
    }
    let o = demo(&["permissions", "web-frontend", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    let accounts: Vec<(&str, &str)> = v
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap(),
                a["account_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        accounts,
        [
            ("210987654321", "demo-main"),
            ("310987654321", "demo-staging")
        ]
    );
    assert!(v.iter().all(|a| a["profile"] == "web-frontend"
        && a["role"] == "web-frontend-role"
        && !a["policies"].as_array().unwrap().is_empty()));
    // One account chosen: the one-account answer, as before.
    let o = demo(&["--profile", "demo-staging", "permissions", "web-frontend"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .starts_with("profile web-frontend, role web-frontend-role; last used "),
        "{}",
        o.stdout
    );
    // who-uses answers across the accounts too.
    let o = demo(&["who-uses", "web-frontend"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("demo-main") && o.stdout.contains("demo-staging"),
        "{}",
        o.stdout
    );
    // In no account: one line, exit 2.
    let o = demo(&["permissions", "ghost"]);
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(one_line_error(&o).contains("ghost"), "{}", o.stderr);
}

/// The SDK convention of a service's own endpoint variable: it wins over
/// `--endpoint-url`, so one service can be pointed elsewhere.
#[test]
fn a_services_own_endpoint_variable_wins_over_endpoint_url() {
    let spec = json!({
        "profiles": [{"name": "web", "role": "web-role"}],
        "regions": {"us-east-1": [{"name": "w-1", "profile": "web"}]}
    });
    let w = world(Kind::Moto, &spec);
    let moto = w.moto.as_ref().unwrap();
    let bin = |iam: Option<&str>| {
        let mut c = crate::cli_bin::bin();
        for (k, v) in moto.env() {
            c.env(k, v);
        }
        if let Some(u) = iam {
            c.env("AWS_ENDPOINT_URL_IAM", u);
        }
        c
    };
    // Everything to a closed port: the IAM read fails...
    let dead = [
        "--timeout",
        "3",
        "--endpoint-url",
        "http://127.0.0.1:1",
        "permissions",
        "web",
    ];
    let o = run(bin(None), &dead);
    assert_ne!(o.code, 0, "{}", o.stdout);
    // ...unless IAM has its own endpoint.
    let o = run(bin(Some(&moto.endpoint)), &dead);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("role web-role"), "{}", o.stdout);
}

/// `permissions` says when the role was last used (GetRole's RoleLastUsed),
/// never used, or why that is unknown; never one for the other.
#[test]
fn permissions_say_when_the_role_was_last_used() {
    let demo = |extra: &[&str]| {
        let mut args = vec!["--demo", "--demo-latency", "0", "--profile", "demo-main"];
        args.extend_from_slice(extra);
        run(crate::cli_bin::bin(), &args)
    };
    let o = demo(&["permissions", "web-frontend", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(v["last_used"]["date"].is_string(), "{v}");
    assert_eq!(v["last_used"]["region"], "us-east-1");
    let o = demo(&["permissions", "incident-quarantine"]);
    assert!(o.stdout.contains("never used"), "{}", o.stdout);
    // On moto: an answer either way, as the API gives it.
    let spec = json!({
        "profiles": [{"name": "web", "role": "web-role"}],
        "regions": {"us-east-1": [{"name": "w-1", "profile": "web"}]}
    });
    let w = world(Kind::Moto, &spec);
    let mut c = crate::cli_bin::bin();
    for (k, val) in w.moto.as_ref().unwrap().env() {
        c.env(k, val);
    }
    let o = run(c, &["permissions", "web", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(
        v["last_used"]["date"].is_string()
            || v["last_used"]
                .as_str()
                .is_some_and(|s| s.starts_with("never")),
        "{v}"
    );
}
