//! The risk ranking against an oracle: every privilege-escalation and
//! credentials-exposure finding cloudsplaining reports on the AWS managed
//! policies moto ships must be flagged by rolecall's evaluator and risk
//! catalogue (the README reports the agreement).

use std::process::Command;

use rolecall::aws::{Policy, PolicyKind};
use rolecall::core::effective::{Risk, risks};
use rolecall::core::eval::{Decision, decide, role_policies};
use serde_json::Value;

#[test]
fn every_cloudsplaining_escalation_and_credentials_finding_is_flagged() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/oracle_cloudsplaining.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .output()
        .expect("python3 is required (scripts/test installs cloudsplaining)");
    assert!(
        out.status.success(),
        "the oracle failed (scripts/test installs cloudsplaining): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let flagged = report["flagged"].as_array().unwrap();
    let (mut findings, mut agreed) = (0, 0);
    let mut misses = Vec::new();
    for p in flagged {
        let name = p["name"].as_str().unwrap();
        let parsed = rolecall::core::policy::parse(&Policy {
            name: name.to_string(),
            arn: None,
            kind: PolicyKind::Managed,
            document: p["document"].as_str().unwrap().to_string(),
        });
        let role = role_policies(&[parsed]);
        let allowed = |a: &str| {
            matches!(
                decide(&role, a, "*").decision,
                Decision::Allowed | Decision::Conditional
            )
        };
        let flags = |a: &str, risk: Risk| allowed(a) && risks(a, "*", &allowed).contains(&risk);
        for method in p["privesc"].as_array().unwrap() {
            findings += 1;
            let actions: Vec<&str> = method
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            if actions.iter().any(|a| flags(a, Risk::PrivilegeEscalation)) {
                agreed += 1;
            } else {
                misses.push(format!("{name}: escalation {actions:?}"));
            }
        }
        for a in p["credentials"].as_array().unwrap() {
            findings += 1;
            let a = a.as_str().unwrap();
            if flags(a, Risk::CredentialsExposure) {
                agreed += 1;
            } else {
                misses.push(format!("{name}: credentials {a}"));
            }
        }
    }
    eprintln!(
        "oracle: {} managed policies scanned, {} with findings, {findings} findings, {agreed} flagged by rolecall",
        report["scanned"],
        flagged.len()
    );
    assert!(
        findings > 0,
        "the oracle found nothing: is cloudsplaining working?"
    );
    assert!(misses.is_empty(), "not flagged: {misses:#?}");
}
