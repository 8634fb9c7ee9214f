//! The journal through the binary, against moto: every change is written
//! (sent, then done) before and after it is made; an unwritable journal
//! stops the change before any call.

use assert_cmd::Command;
use serde_json::Value;

use crate::backends::{Kind, profiles_now, standard_spec, world};
use crate::moto::Moto;

fn on_moto(m: &Moto) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rolecall"));
    c.env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_REGION")
        .timeout(std::time::Duration::from_secs(90));
    for (k, v) in m.env() {
        c.env(k, v);
    }
    c
}

#[test]
fn set_and_detach_are_journaled_and_an_unwritable_journal_sends_nothing() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("journal.jsonl");
    let journal = path.to_str().unwrap();
    let web2 = w.id("web-2");
    let out = on_moto(moto)
        .args([
            "--journal",
            journal,
            "set",
            &web2,
            "batch",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let web1 = w.id("web-1");
    let out = on_moto(moto)
        .args(["--journal", journal, "detach", &web1])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let phases: Vec<&str> = lines.iter().map(|l| l["phase"].as_str().unwrap()).collect();
    assert_eq!(phases, ["sent", "done", "sent", "done"]);
    assert_eq!(lines[0]["instance_id"], web2.as_str());
    assert_eq!(lines[0]["instance_name"], "web-2");
    assert_eq!(lines[0]["account"], "123456789012");
    assert!(
        lines[0]["caller_arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:")
    );
    assert_eq!(lines[1]["outcome"], "ok");
    assert_eq!(lines[2]["action"], "disassociate");
    assert_eq!(lines[2]["to_profile_arn"], Value::Null);
    assert_eq!(
        lines[3]["association_id_before"],
        lines[2]["association_id_before"]
    );
    assert_ne!(
        lines[0]["batch"], lines[2]["batch"],
        "one batch per command"
    );
    for l in &lines {
        for key in [
            "id",
            "batch",
            "time",
            "phase",
            "outcome",
            "account",
            "caller_arn",
            "region",
            "instance_id",
            "instance_name",
            "action",
            "from_profile_arn",
            "to_profile_arn",
            "association_id_before",
            "association_id_after",
            "request_ids",
            "error",
            "undo_of",
            "aws_cli",
            "tool",
        ] {
            assert!(l.get(key).is_some(), "{key} missing in {l}");
        }
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A journal that cannot be written: one line, exit 1, nothing changed.
    let blocked = dir.path().join("a-directory");
    std::fs::create_dir(&blocked).unwrap();
    let api1 = w.id("api-1");
    let out = on_moto(moto)
        .args([
            "--region",
            "eu-west-1",
            "--journal",
            blocked.to_str().unwrap(),
            "detach",
            &api1,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("nothing was sent") && err.contains("--no-journal"),
        "{err}"
    );
    assert_eq!(profiles_now(&w)[&api1].as_deref(), Some("api"), "untouched");
    // --no-journal makes the change without one.
    let out = on_moto(moto)
        .args(["--region", "eu-west-1", "--no-journal", "detach", &api1])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(profiles_now(&w)[&api1], None);
}
