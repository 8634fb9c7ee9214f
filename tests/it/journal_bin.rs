//! The journal through the binary, against moto: every change is written
//! (sent, then done) before and after it is made; an unwritable journal
//! stops the change before any call.

use assert_cmd::Command;
use serde_json::Value;
use std::time::Duration;

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
    assert!(
        !lines[1]["request_ids"].as_array().unwrap().is_empty(),
        "the answer's request id is kept: {}",
        lines[1]
    );
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

    // A journal that is not a regular file (a directory, a FIFO, a device),
    // or whose folder is a file, is refused up front: one line, nothing changed.
    let blocked = dir.path().join("a-directory");
    std::fs::create_dir(&blocked).unwrap();
    let fifo = dir.path().join("a-fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let under_a_file = path.join("journal.jsonl");
    let api1 = w.id("api-1");
    for (journal, code) in [
        (blocked.as_path(), 2),
        (fifo.as_path(), 2),
        (std::path::Path::new("/dev/full"), 2),
        (under_a_file.as_path(), 2),
    ] {
        let out = on_moto(moto)
            .args([
                "--region",
                "eu-west-1",
                "--journal",
                journal.to_str().unwrap(),
                "detach",
                &api1,
            ])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{journal:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("nothing was sent") && err.contains("--no-journal"),
            "{err}"
        );
        assert_eq!(profiles_now(&w)[&api1].as_deref(), Some("api"), "untouched");
    }
    // Reading one is refused too (a device would never end).
    let out = on_moto(moto)
        .args(["--journal", "/dev/zero", "journal"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
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

fn run_json(c: &mut Command, args: &[&str]) -> (i32, Value, String) {
    let out = c.args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn swap_journal_and_undo_through_the_binary() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let j = journal.to_str().unwrap();
    let regions = [
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--journal",
        j,
    ];
    let cmd = |rest: &[&str]| -> Vec<String> {
        regions.iter().chain(rest).map(|s| s.to_string()).collect()
    };
    let run = |rest: &[&str]| {
        let args = cmd(rest);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_json(&mut on_moto(moto), &args)
    };
    let (stopped, api1) = (w.id("stopped-1"), w.id("api-1"));

    // A dry run plans and changes nothing.
    let (code, v, err) = run(&[
        "swap",
        "--from",
        "api",
        "--to",
        "batch",
        "--dry-run",
        "--output",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let outcomes: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["planned", "planned"]);
    assert_eq!(profiles_now(&w)[&api1].as_deref(), Some("api"));
    // Without --yes and without a terminal: refused, nothing changed.
    let (code, _, err) = run(&["swap", "--from", "api", "--to", "batch"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(profiles_now(&w)[&api1].as_deref(), Some("api"));

    // The swap: a replace and a stopped-instance detach-then-associate.
    let (code, v, err) = run(&[
        "swap", "--from", "api", "--to", "batch", "--yes", "--output", "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let swap_batch = v["batch"].as_str().unwrap().to_string();
    let mut actions: Vec<(String, String)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["instance_id"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    actions.sort();
    let mut want = vec![
        (api1.clone(), "replace".to_string()),
        (stopped.clone(), "detach_then_associate".to_string()),
    ];
    want.sort();
    assert_eq!(actions, want);
    let now = profiles_now(&w);
    assert_eq!(now[&api1].as_deref(), Some("batch"));
    assert_eq!(now[&stopped].as_deref(), Some("batch"));
    assert_eq!(now[&w.id("web-1")].as_deref(), Some("web"), "untouched");

    // The journal shows it, newest first.
    let (code, v, err) = run(&["journal", "--output", "json"]);
    assert_eq!(code, 0, "{err}");
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r["batch"] == swap_batch.as_str() && r["outcome"] == "ok")
    );

    // Undo puts both back, as a new batch that says what it undoes.
    let (code, v, err) = run(&["undo", "--yes", "--output", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["changes"].as_array().unwrap().len(), 2);
    let now = profiles_now(&w);
    assert_eq!(now[&api1].as_deref(), Some("api"));
    assert_eq!(now[&stopped].as_deref(), Some("api"));
    let (_, v, _) = run(&["journal", "--output", "json", "--limit", "2"]);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|r| r["undo_of"] == swap_batch.as_str())
    );

    // An instance changed since by someone else is skipped and named, unless --force.
    let (code, v, err) = run(&[
        "swap",
        "--instances",
        &api1,
        "--to",
        "web",
        "--yes",
        "--output",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let batch = v["batch"].as_str().unwrap().to_string();
    let (code, _, err) = run(&["set", &api1, "batch"]);
    assert_eq!(code, 0, "{err}");
    // Not everything put back: named, and the exit status says so.
    let (code, v, err) = run(&["undo", &batch, "--yes", "--output", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("1 instance of the batch was not put back"),
        "{err}"
    );
    let c = &v["changes"][0];
    assert_eq!(c["outcome"], "skipped");
    assert!(
        c["error"].as_str().unwrap().contains("changed since"),
        "{c}"
    );
    assert_eq!(profiles_now(&w)[&api1].as_deref(), Some("batch"));
    let (code, _, err) = run(&["undo", &batch, "--yes", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(profiles_now(&w)[&api1].as_deref(), Some("api"));

    // --to none detaches; --read-only refuses every batch command first.
    let (code, _, err) = run(&["swap", "--instances", &api1, "--to", "none", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(profiles_now(&w)[&api1], None);
    let (code, _, err) = run(&["--read-only", "undo", "--yes"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_malformed_journal_line_is_skipped_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    std::fs::write(&journal, "{\"torn\": \nnot json\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rolecall"))
        .args([
            "--journal",
            journal.to_str().unwrap(),
            "journal",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 1:") && err.contains("line 2:"), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn two_processes_appending_at_once_lose_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_rolecall"))
            .args([
                "--demo",
                "--demo-latency",
                "0",
                "--journal",
                journal.to_str().unwrap(),
                "swap",
                "--from",
                "ci-runner",
                "--to",
                "bastion",
                "--yes",
                "--concurrency",
                "32",
                "--output",
                "json",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let mut changed = 0;
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        changed += v["changes"].as_array().unwrap().len();
    }
    assert!(
        changed >= 4,
        "the demo has several ci-runner instances: {changed}"
    );
    let (entries, problems) = rolecall::core::journal::read_path(&journal).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        entries.len(),
        2 * changed,
        "a sent and a done line per change"
    );
    let ids: std::collections::HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), changed, "ids are unique across processes");
}

#[test]
fn the_demo_journals_apart_from_real_changes() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rolecall"))
        .env("XDG_STATE_HOME", dir.path())
        .args([
            "--demo",
            "--demo-latency",
            "0",
            "swap",
            "--from",
            "ci-runner",
            "--to",
            "bastion",
            "--yes",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = dir.path().join("rolecall");
    assert!(state.join("demo-journal.jsonl").exists());
    assert!(!state.join("journal.jsonl").exists());
}

/// The fleet of the crash test: 40 instances on `web` in one region, 8 stopped
/// (their swap is two calls: detach, then associate).
pub(crate) fn crash_spec() -> Value {
    let instances: Vec<Value> = (0..40)
        .map(|n| {
            let mut i = serde_json::json!({"name": format!("c-{n:02}"), "profile": "web"});
            if n % 5 == 0 {
                i["state"] = "stopped".into();
            }
            i
        })
        .collect();
    serde_json::json!({
        "profiles": [
            {"name": "web", "role": "web-role", "path": "/"},
            {"name": "batch", "role": "batch-role", "path": "/"}
        ],
        "regions": {"us-east-1": instances}
    })
}

/// `swap --from web --to batch --yes` of the crash fleet, through the delay
/// line at `url`, `concurrency` at a time (to be spawned, then stopped).
pub(crate) fn far_swap(
    moto: &Moto,
    url: &str,
    journal: &str,
    concurrency: &str,
) -> std::process::Command {
    let mut swap = std::process::Command::new(env!("CARGO_BIN_EXE_rolecall"));
    swap.env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_REGION");
    for (k, v) in moto.env() {
        swap.env(k, v);
    }
    swap.env("AWS_ENDPOINT_URL", url).args([
        "--region",
        "us-east-1",
        "--journal",
        journal,
        "--concurrency",
        concurrency,
        "swap",
        "--from",
        "web",
        "--to",
        "batch",
        "--yes",
    ]);
    swap
}

#[test]
fn undo_after_kill_9_mid_batch_puts_every_instance_back_or_names_it() {
    let w = world(Kind::Moto, &crash_spec());
    let moto = w.moto.as_ref().unwrap();
    // 150 ms each way to AWS, as from a far region: the batch takes seconds.
    let far = crate::netfault::DelayProxy::start(&moto.endpoint, Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let names: Vec<String> = (0..40).map(|n| format!("c-{n:02}")).collect();
    let on_web = |w: &crate::backends::World| {
        let now = profiles_now(w);
        names
            .iter()
            .filter(|n| now[*n].as_deref() != Some("web"))
            .cloned()
            .collect::<Vec<String>>()
    };
    let mut cut_short = 0;
    for kill_after in [700u64, 1500, 2500, 4000] {
        assert!(on_web(&w).is_empty(), "not all on web before the round");
        let mut child = far_swap(moto, &far.url, journal, "4")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(kill_after));
        // SIGKILL: no handler runs, no line is written after this.
        let _ = child.kill();
        let _ = child.wait();
        let moved = on_web(&w);
        if !moved.is_empty() && moved.len() < 40 {
            cut_short += 1;
        }
        let (code, v, err) = run_json(
            &mut on_moto(moto),
            &[
                "--journal",
                journal,
                "--timeout",
                "3",
                "undo",
                "--yes",
                "--output",
                "json",
            ],
        );
        let left = on_web(&w);
        if code == 0 {
            assert!(
                left.is_empty(),
                "undo exited 0 after a kill at {kill_after} ms but left {left:?}: {err}"
            );
        } else if moved.is_empty() {
            // Killed before anything was sent: nothing to undo, said so.
            assert!(err.contains("undo"), "{err}");
        } else {
            // Whatever is not back must be named with why.
            let rows = v["changes"].as_array().cloned().unwrap_or_default();
            for name in &left {
                let id = w.id(name);
                assert!(
                    rows.iter()
                        .any(|r| r["instance_id"] == id.as_str() && r["outcome"] != "ok"),
                    "{name} not back and not named after a kill at {kill_after} ms: {v} {err}"
                );
            }
        }
        // What undo could not do, do by hand so the next round starts clean.
        for name in left {
            let id = w.id(&name);
            let (code, _, err) = run_json(&mut on_moto(moto), &["--no-journal", "set", &id, "web"]);
            assert_eq!(code, 0, "{err}");
        }
    }
    // The kills landed mid-batch at least once (else the test proves nothing).
    assert!(
        cut_short > 0,
        "no kill landed mid-batch: make the batch slower"
    );
}

#[test]
fn a_lost_answer_is_re_read_through_throttling() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let journal = journal.to_str().unwrap();
    let demo = |args: &[&str]| {
        let mut c = crate::cli_bin::bin();
        c.args(["--demo", "--profile", "demo-main", "--journal", journal]);
        run_json(&mut c, args)
    };
    let (_, rows, _) = demo(&["list", "--output", "json"]);
    let on_relay: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["association"]["profile_name"] == "mail-relay" && r["state"] == "running")
        .map(|r| r["instance_id"].as_str().unwrap().to_string())
        .take(3)
        .collect();
    assert_eq!(on_relay.len(), 3);
    // Every replace's answer is lost and every third call throttled: each
    // change is re-read (retried through the throttling), never re-sent.
    let mut args = vec![
        "--demo-faults",
        "lose=replace,throttle-every=3",
        "--concurrency",
        "1",
        "swap",
        "--to",
        "bastion",
        "--yes",
        "--output",
        "json",
        "--instances",
    ];
    let ids = on_relay.join(",");
    args.push(&ids);
    let (code, v, err) = demo(&args);
    assert_eq!(code, 0, "{v} {err}");
    let changes = v["changes"].as_array().unwrap();
    assert!(changes.iter().all(|c| c["outcome"] == "ok"), "{v}");
}

/// Starts the TUI on `endpoint` in tmux, swaps all 40 instances of the crash
/// fleet to `batch`, and once changes are on their way calls `stop`. Returns
/// rolecall's exit status and the terminal after it ended.
fn tui_batch_then(
    moto: &Moto,
    endpoint: &str,
    journal: &str,
    tag: &str,
    stop: impl Fn(&crate::e2e::Tmux, &std::path::Path),
) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join(format!("{tag}.log"));
    let status_file = dir.path().join(format!("{tag}.status"));
    let env: Vec<String> = moto
        .env()
        .into_iter()
        .map(|(k, v)| {
            if k == "AWS_ENDPOINT_URL" {
                format!("{k}={endpoint}")
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    let command = format!(
        "sh -c 'env {} {} --region us-east-1 --concurrency 2 --journal {journal} --log-file {}; echo $? > {}.tmp; mv {}.tmp {}; sleep 60'",
        env.join(" "),
        env!("CARGO_BIN_EXE_rolecall"),
        log.display(),
        status_file.display(),
        status_file.display(),
        status_file.display()
    );
    let tmux = crate::e2e::Tmux {
        socket: format!("rolecall-{tag}-{}", std::process::id()),
        session: "q".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "q",
        "-x",
        "160",
        "-y",
        "45",
        &command,
    ]);
    assert!(started.status.success());
    tmux.wait_for("all 40 instances", |s| {
        s.contains("Instances 40/40") && s.contains("refreshed")
    });
    tmux.keys(&["A"]);
    tmux.wait_for("40 marked", |s| s.contains("40 marked"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the picker", |s| s.contains("Instance profile for"));
    tmux.text("batch");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the batch dialog", |s| {
        s.contains("Change the profile of 40 instances")
    });
    tmux.keys(&["y"]);
    // Some changes are on their way, most are waiting their turn.
    std::thread::sleep(Duration::from_millis(600));
    stop(&tmux, &log);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            break text.trim().to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "rolecall did not end; screen:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    (status, tmux.screen())
}

/// After a stop mid-batch: every change the journal holds has its outcome
/// (none was abandoned), some were never started, and undo puts all back.
fn check_stopped_batch(w: &crate::backends::World, moto: &Moto, journal: &str, screen: &str) {
    assert!(screen.contains("stopped during a batch"), "{screen}");
    assert!(screen.contains("not started"), "{screen}");
    let (_, v, _) = run_json(
        &mut on_moto(moto),
        &[
            "--journal",
            journal,
            "journal",
            "--limit",
            "100",
            "--output",
            "json",
        ],
    );
    let rows = v.as_array().unwrap();
    assert!(!rows.is_empty() && rows.len() < 40, "{v}");
    assert!(
        rows.iter().all(|r| r["status"] == "ok"),
        "every change sent came back and was journaled: {v}"
    );
    let (code, _, err) = run_json(
        &mut on_moto(moto),
        &["--journal", journal, "undo", "--yes", "--output", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let now = profiles_now(w);
    for n in 0..40 {
        assert_eq!(
            now[&format!("c-{n:02}")].as_deref(),
            Some("web"),
            "c-{n:02}"
        );
    }
}

#[test]
fn quitting_or_a_signal_mid_batch_waits_for_the_calls_in_flight_and_says_what_is_left() {
    let w = world(Kind::Moto, &crash_spec());
    let moto = w.moto.as_ref().unwrap();
    let far = crate::netfault::DelayProxy::start(&moto.endpoint, Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let journal = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    // q asks; w waits for the calls in flight and starts no more.
    let first = journal("quit.jsonl");
    let (status, screen) = tui_batch_then(moto, &far.url, &first, "quit", |tmux, _| {
        tmux.keys(&["q"]);
        tmux.wait_for("the question", |s| s.contains("Quit during a batch?"));
        tmux.keys(&["w"]);
    });
    assert_eq!(status, "1", "{screen}");
    check_stopped_batch(&w, moto, &first, &screen);

    // SIGTERM does the same without asking, and exits 128 + 15.
    let second = journal("term.jsonl");
    let (status, screen) = tui_batch_then(moto, &far.url, &second, "term", |_, log| {
        let killed = std::process::Command::new("pkill")
            // rolecall itself (its argv starts with the binary), not the sh
            // whose command line names the same log file.
            .args([
                "-TERM",
                "-f",
                &format!(
                    "^{} .*log-file {}",
                    env!("CARGO_BIN_EXE_rolecall"),
                    log.display()
                ),
            ])
            .status()
            .unwrap();
        assert!(killed.success());
    });
    assert_eq!(status, "143", "{screen}");
    check_stopped_batch(&w, moto, &second, &screen);
}

#[test]
fn a_signal_during_a_cli_swap_lets_the_calls_under_way_finish_and_exits_128_plus_n() {
    let w = world(Kind::Moto, &crash_spec());
    let moto = w.moto.as_ref().unwrap();
    let far = crate::netfault::DelayProxy::start(&moto.endpoint, Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let child = far_swap(moto, &far.url, journal, "2")
        .args(["--output", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["changes"].as_array().unwrap();
    let not_started = rows
        .iter()
        .filter(|r| r["outcome"] == "not started")
        .count();
    let ok = rows.iter().filter(|r| r["outcome"] == "ok").count();
    assert!(not_started > 0 && ok > 0, "{v}");
    assert_eq!(ok + not_started, 40, "{v}");
    // Every change sent has its outcome on record; none is unknown.
    let (_, j, _) = run_json(
        &mut on_moto(moto),
        &[
            "--journal",
            journal,
            "journal",
            "--limit",
            "100",
            "--output",
            "json",
        ],
    );
    let records = j.as_array().unwrap();
    assert_eq!(records.len(), ok, "{j}");
    assert!(records.iter().all(|r| r["status"] == "ok"), "{j}");
}

/// kill -9 between containment steps, at several points: `release` then
/// puts every instance back exactly (profile, tag, HttpTokens, standby, the
/// role's deny), whatever the journal could record.
#[test]
fn release_after_kill_9_mid_containment_finishes_the_job() {
    use rolecall::aws::Cloud;
    let spec = serde_json::json!({
        "profiles": [
            {"name": "web", "role": "web-role"},
            {"name": "quarantine", "role": "deny-role"}
        ],
        "regions": {"us-east-1": [
            {"name": "k-0", "profile": "web", "group": "k-asg"},
            {"name": "k-1", "profile": "web"},
            {"name": "k-2", "profile": "web"},
            {"name": "k-3", "profile": "web"},
            {"name": "k-4", "profile": "web"}
        ]}
    });
    let w = world(Kind::Moto, &spec);
    let moto = w.moto.as_ref().unwrap();
    let cloud = moto.cloud();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let far = crate::netfault::DelayProxy::start(&moto.endpoint, Duration::from_millis(150));
    let ids: Vec<String> = (0..4).map(|n| w.id(&format!("k-{n}"))).collect();
    for (round, marker) in [
        "\"contain_deny\"",
        "\"replace\"",
        "\"contain_tag\"",
        "\"contain_imdsv2\"",
    ]
    .iter()
    .enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.jsonl");
        let case = format!("IR-K{round}");
        let mut contain = std::process::Command::new(env!("CARGO_BIN_EXE_rolecall"));
        contain
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_REGION");
        for (k, v) in moto.env() {
            contain.env(k, v);
        }
        contain
            .env("AWS_ENDPOINT_URL", &far.url)
            .args([
                "--region",
                "us-east-1",
                "--journal",
                journal.to_str().unwrap(),
                "contain",
            ])
            .args(&ids)
            .args([
                "--case",
                &case,
                "--to",
                "quarantine",
                "--imdsv2",
                "--standby",
                "--yes",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = contain.spawn().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(&journal).unwrap_or_default();
            if text.contains(marker) || std::time::Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // SIGKILL: between steps, no handler runs.
        let _ = child.kill();
        let _ = child.wait();
        let (code, _, err) = run_json(
            &mut on_moto(moto),
            &[
                "--region",
                "us-east-1",
                "--journal",
                journal.to_str().unwrap(),
                "release",
                &case,
                "--yes",
                "--output",
                "json",
            ],
        );
        assert_eq!(code, 0, "release after a kill at {marker}: {err}");
        let now = profiles_now(&w);
        rt.block_on(async {
            for n in 0..5 {
                assert_eq!(
                    now[&format!("k-{n}")].as_deref(),
                    Some("web"),
                    "k-{n} after a kill at {marker}"
                );
            }
            let instances = cloud.instances("us-east-1").await.unwrap();
            for id in &ids {
                let i = instances.iter().find(|i| &i.id == id).unwrap();
                assert!(
                    !i.tags.iter().any(|(k, _)| k == "rolecall:case"),
                    "{id} tagged after {marker}"
                );
                assert_eq!(
                    cloud.http_tokens("us-east-1", id).await.unwrap(),
                    "optional",
                    "{id} after {marker}"
                );
            }
            assert_eq!(
                cloud
                    .scaling_group("us-east-1", &ids[0])
                    .await
                    .unwrap()
                    .map(|g| g.1),
                Some("InService".to_string()),
                "after {marker}"
            );
            let policies = cloud.role_policies("web-role").await.unwrap();
            assert!(
                !policies.iter().any(|p| p.name == "rolecall-contain"),
                "the deny left after a kill at {marker}"
            );
        });
    }
}

/// SIGTERM during `contain`: the step under way finishes and is journaled,
/// no further step starts (each said as not started), exit 128 + 15.
#[test]
fn a_signal_during_contain_lets_the_step_under_way_finish() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_rolecall"))
        .args([
            "--demo",
            "--profile",
            "demo-main",
            "--demo-latency",
            "400",
            "--journal",
        ])
        .arg(&journal)
        .args([
            "contain",
            "i-0b9e1428d3a375d65",
            "--case",
            "IR-SIG",
            "--imdsv2",
            "--yes",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .contains("\"replace\"")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the swap never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(143), "{stdout}");
    assert!(stdout.contains("NotStarted"), "{stdout}");
    // The swap under way finished, its outcome on record.
    let (entries, _) = rolecall::core::journal::read_path(&journal).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "replace" && e.outcome.as_deref() == Some("ok")),
        "{entries:?}"
    );
    assert!(!entries.iter().any(|e| e.action == "contain_imdsv2"));
}
