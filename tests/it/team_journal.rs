//! The team journal on S3 (moto): several responders on several machines
//! (three homes, three caches) share `s3://BUCKET/PREFIX/`; each sees the
//! others' changes, undo from any of them puts back the latest batch, two
//! at once lose nothing, and a journal S3 cannot take sends nothing.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::backends::{Kind, profiles_now, standard_spec, world};
use crate::moto::Moto;

const URL: &str = "s3://team-journal/incidents/";

/// rolecall on moto as a responder whose home is `home` (its own cache).
fn responder(moto: &Moto, home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rolecall"));
    c.env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_STATE_HOME")
        .env("HOME", home)
        .timeout(Duration::from_secs(120));
    for (k, v) in moto.env() {
        c.env(k, v);
    }
    c
}

fn run(c: &mut Command, args: &[&str]) -> (i32, String, String) {
    let out = c.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn spec_with_bucket(mut spec: Value, bucket: &str) -> Value {
    spec["buckets"] = json!([bucket]);
    spec
}

#[test]
fn three_responders_share_one_journal_and_undo_from_any_machine() {
    let w = world(
        Kind::Moto,
        &spec_with_bucket(standard_spec(), "team-journal"),
    );
    let moto = w.moto.as_ref().unwrap();
    let homes: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (a, b, c) = (homes[0].path(), homes[1].path(), homes[2].path());
    let (web1, web2, stopped) = (w.id("web-1"), w.id("web-2"), w.id("stopped-1"));
    let region = ["--region", "us-east-1", "--journal", URL];

    // A, then B, each a batch of their own.
    let (code, _, err) = run(
        &mut responder(moto, a),
        &[&region[..], &["set", &web1, "batch"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        &mut responder(moto, b),
        &[&region[..], &["set", &web2, "api"]].concat(),
    );
    assert_eq!(code, 0, "{err}");

    // C sees both, with who made them.
    let (code, out, err) = run(
        &mut responder(moto, c),
        &[&region[..], &["journal", "--output", "json"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    let seen: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(seen.len(), 2, "{out}");
    for r in &seen {
        assert_eq!(r["status"], "ok", "{out}");
        assert!(
            r["caller_arn"].as_str().unwrap().starts_with("arn:aws:"),
            "{out}"
        );
    }
    assert!(out.contains(&web1) && out.contains(&web2), "{out}");
    // And A sees B's (and its own).
    let (code, out, err) = run(
        &mut responder(moto, a),
        &[&region[..], &["journal", "--output", "json"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&web1) && out.contains(&web2), "{out}");
    // C's cache holds them now; a new record is fetched alone and joins them.
    let cache = c.join(".cache/rolecall/journal/team-journal/incidents_.jsonl");
    assert_eq!(std::fs::read_to_string(&cache).unwrap().lines().count(), 4);

    // Undo from the third machine: the latest batch only (B's).
    let (code, out, err) = run(
        &mut responder(moto, c),
        &[
            &region[..],
            &["--timeout", "5", "undo", "--yes", "--output", "json"],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{out}{err}");
    let now = profiles_now(&w);
    assert_eq!(now["web-2"], None, "B's change undone");
    assert_eq!(now["web-1"].as_deref(), Some("batch"), "A's change kept");

    // Two responders at once: no record lost, none overwritten.
    let before = moto.objects("team-journal", "incidents/")["records"]
        .as_array()
        .unwrap()
        .len();
    let spawn = |home: &Path, id: &str, to: &str| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_rolecall"));
        c.env_remove("AWS_PROFILE")
            .env_remove("XDG_CACHE_HOME")
            .env("HOME", home);
        for (k, v) in moto.env() {
            c.env(k, v);
        }
        c.args(["--region", "us-east-1", "--journal", URL, "set", id, to])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let one = spawn(a, &web1, "web");
    let two = spawn(b, &stopped, "batch");
    for child in [one, two] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let records = moto.objects("team-journal", "incidents/")["records"]
        .as_array()
        .unwrap()
        .clone();
    // web-1: sent, done; stopped-1 (a stopped instance: detach, then
    // associate): sent, step, done.
    assert_eq!(records.len(), before + 5);
    for (id, to, want) in [(&web1, "/web", 2), (&stopped, "/batch", 3)] {
        let mut phases: Vec<&str> = records
            .iter()
            .filter(|r| r["record"]["instance_id"] == id.as_str())
            .filter(|r| {
                r["record"]["to_profile_arn"]
                    .as_str()
                    .is_some_and(|a| a.ends_with(to))
            })
            .map(|r| r["record"]["phase"].as_str().unwrap())
            .collect();
        phases.sort();
        assert_eq!(phases.len(), want, "{id}: {phases:?}");
        assert!(
            phases.contains(&"sent") && phases.contains(&"done"),
            "{id}: {phases:?}"
        );
    }
    // Every key sorts by time and names its record and phase.
    for r in &records {
        let key = r["key"].as_str().unwrap();
        let rec = &r["record"];
        assert!(key.starts_with("incidents/20"), "{key}");
        assert!(
            key.ends_with(&format!(
                "-{}-{}.json",
                rec["id"].as_str().unwrap(),
                rec["phase"].as_str().unwrap()
            )),
            "{key}"
        );
    }

    // journal push: a local journal copied in; run twice, nothing doubles.
    let local = a.join("local.jsonl");
    let (code, _, err) = run(
        &mut responder(moto, a),
        &[
            "--region",
            "us-east-1",
            "--journal",
            local.to_str().unwrap(),
            "set",
            &web2,
            "web",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let push = || {
        run(
            &mut responder(moto, a),
            &["--journal", URL, "journal", "push", local.to_str().unwrap()],
        )
    };
    let (code, out, err) = push();
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("2 records pushed"), "{out}");
    let (code, out, err) = push();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("0 records pushed") && out.contains("2 already there"),
        "{out}"
    );
    assert_eq!(
        moto.objects("team-journal", "incidents/")["records"]
            .as_array()
            .unwrap()
            .len(),
        before + 7
    );
}

#[test]
fn a_journal_s3_cannot_take_sends_nothing() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let home = tempfile::tempdir().unwrap();
    let web1 = w.id("web-1");
    // No such bucket.
    let (code, out, err) = run(
        &mut responder(moto, home.path()),
        &[
            "--region",
            "us-east-1",
            "--journal",
            "s3://no-such-bucket/x/",
            "set",
            &web1,
            "batch",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("NoSuchBucket") && err.contains("nothing was sent"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // S3 not answering at all.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (code, _, err) = run(
        responder(moto, home.path()).env("AWS_ENDPOINT_URL_S3", &closed),
        &[
            "--region",
            "us-east-1",
            "--timeout",
            "3",
            "--journal",
            URL,
            "set",
            &web1,
            "batch",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    // A bucket name S3 would refuse: a usage error before any call.
    let (code, _, err) = run(
        &mut responder(moto, home.path()),
        &["--journal", "s3://Not_A_Bucket/x", "set", &web1, "batch"],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        profiles_now(&w)["web-1"].as_deref(),
        Some("web"),
        "nothing was sent"
    );
}

#[test]
fn kill_9_mid_swap_leaves_a_sent_object_for_every_change_made() {
    let w = world(
        Kind::Moto,
        &spec_with_bucket(crate::journal_bin::crash_spec(), "crash-journal"),
    );
    let moto = w.moto.as_ref().unwrap();
    let far = crate::netfault::DelayProxy::start(&moto.endpoint, Duration::from_millis(150));
    let home = tempfile::tempdir().unwrap();
    let url = "s3://crash-journal/j/";
    let mut child = crate::journal_bin::far_swap(moto, &far.url, url, "4");
    let mut child = child
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let _ = child.kill();
    let _ = child.wait();
    let now = profiles_now(&w);
    let moved: Vec<String> = (0..40)
        .map(|n| format!("c-{n:02}"))
        .filter(|n| now[n].as_deref() != Some("web"))
        .map(|n| w.id(&n))
        .collect();
    assert!(
        !moved.is_empty() && moved.len() < 40,
        "the kill did not land mid-batch: {}",
        moved.len()
    );
    let records = moto.objects("crash-journal", "j/")["records"]
        .as_array()
        .unwrap()
        .clone();
    for id in &moved {
        assert!(
            records.iter().any(
                |r| r["record"]["instance_id"] == id.as_str() && r["record"]["phase"] == "sent"
            ),
            "{id} changed with no sent object"
        );
    }
    // Undo from another machine puts every one back, or names it.
    let other = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        &mut responder(moto, other.path()),
        &[
            "--region",
            "us-east-1",
            "--journal",
            url,
            "--timeout",
            "3",
            "undo",
            "--yes",
            "--output",
            "json",
        ],
    );
    let now = profiles_now(&w);
    let left: Vec<String> = (0..40)
        .map(|n| format!("c-{n:02}"))
        .filter(|n| now[n].as_deref() != Some("web"))
        .collect();
    if code == 0 {
        assert!(left.is_empty(), "undo exited 0 but left {left:?}: {err}");
    } else {
        let v: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        let rows = v["changes"].as_array().cloned().unwrap_or_default();
        for name in &left {
            let id = w.id(name);
            assert!(
                rows.iter()
                    .any(|r| r["instance_id"] == id.as_str() && r["outcome"] != "ok"),
                "{name} not back and not named: {out} {err}"
            );
        }
    }
}

#[test]
fn the_bucket_is_reached_with_the_config_files_journal_profile() {
    let w = world(
        Kind::Moto,
        &spec_with_bucket(standard_spec(), "team-journal"),
    );
    let moto = w.moto.as_ref().unwrap();
    let home = tempfile::tempdir().unwrap();
    let web1 = w.id("web-1");
    // The journal's own credentials, in the shared files.
    let aws = home.path().join("aws-credentials");
    std::fs::write(
        &aws,
        "[journal-writer]\naws_access_key_id = journal\naws_secret_access_key = journal\n",
    )
    .unwrap();
    let config = home.path().join("config.toml");
    let write_config = |profile: &str| {
        std::fs::write(
            &config,
            format!("journal = \"{URL}\"\njournal_profile = \"{profile}\"\n"),
        )
        .unwrap()
    };
    write_config("journal-writer");
    let (code, _, err) = run(
        responder(moto, home.path()).env("AWS_SHARED_CREDENTIALS_FILE", &aws),
        &[
            "--config",
            config.to_str().unwrap(),
            "--region",
            "us-east-1",
            "set",
            &web1,
            "batch",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let records = moto.objects("team-journal", "incidents/")["records"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(records.len(), 2, "sent and done, in the config's journal");
    // A profile that is not defined: one line naming it, before any change.
    write_config("no-such-profile");
    let (code, _, err) = run(
        responder(moto, home.path()).env("AWS_SHARED_CREDENTIALS_FILE", &aws),
        &[
            "--config",
            config.to_str().unwrap(),
            "--region",
            "us-east-1",
            "set",
            &web1,
            "web",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("journal_profile no-such-profile"), "{err}");
    assert_eq!(profiles_now(&w)["web-1"].as_deref(), Some("batch"));
}
