//! End to end: the real `rolecall` binary in a tmux pseudo-terminal against
//! moto, driven by keys alone; checked through the API and on the screen.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::backends::{Kind, world};

/// A tmux server of our own (its own socket), killed when the test ends.
pub(crate) struct Tmux {
    pub(crate) socket: String,
    pub(crate) session: String,
}

impl Tmux {
    pub(crate) fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is required for the end-to-end test (scripts/test installs it)")
    }

    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend(keys);
        assert!(self.cmd(&args).status.success());
    }

    pub(crate) fn text(&self, text: &str) {
        assert!(
            self.cmd(&["send-keys", "-t", &self.session, "-l", text])
                .status
                .success()
        );
    }

    pub(crate) fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    /// Waits until the screen satisfies `ok`; fails with the screen after 30 s.
    pub(crate) fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

pub(crate) fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(name) && l.contains("i-"))
        .unwrap_or("")
}

#[test]
fn swap_and_detach_by_keys_against_moto() {
    let spec = json!({
        "profiles": [
            {"name": "web", "role": "web-role"},
            {"name": "api", "role": "api-role", "path": "/service/"},
            {"name": "batch", "role": "batch-role"}
        ],
        "regions": {
            "us-east-1": [
                {"name": "e2e-swap", "profile": "web"},
                {"name": "e2e-detach", "profile": "api"},
                {"name": "e2e-keep", "profile": "web"}
            ],
            "eu-west-1": [{"name": "e2e-eu", "profile": "api"}]
        }
    });
    let w = world(Kind::Moto, &spec);
    let moto = w.moto.as_ref().unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let env: Vec<String> = moto
        .env()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    // sh waits for rolecall and records its exit status: tmux's own record of it
    // depends on when its server gets round to reaping the process.
    let status_file = log.path().with_extension("status");
    let command = format!(
        "sh -c 'env {} {} --region us-east-1 --region eu-west-1 --poll 1 --log-file {}; echo $? > {}'",
        env.join(" "),
        env!("CARGO_BIN_EXE_rolecall"),
        log.path().display(),
        status_file.display()
    );
    let tmux = Tmux {
        socket: format!("rolecall-e2e-{}", std::process::id()),
        session: "e2e".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "160",
        "-y",
        "45",
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux.cmd(&["set-option", "-t", "e2e", "remain-on-exit", "on"]);

    tmux.wait_for("all four instances", |s| {
        s.contains("Instances 4/4") && s.contains("refreshed")
    });

    // Filter to one instance, swap its profile through the picker and the dialog.
    tmux.keys(&["/"]);
    tmux.text("e2e-swap");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the filter", |s| s.contains("Instances 1/4"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the picker", |s| s.contains("Instance profile for"));
    tmux.text("batch");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the confirm dialog", |s| {
        s.contains("Replace instance profile?")
            && s.contains("ReplaceIamInstanceProfileAssociation")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the swap on screen", |s| {
        let r = row(s, "e2e-swap");
        r.contains("batch") && r.contains("associated")
    });

    // Detach another one.
    // Esc and the next key sent together read as Alt-key: wait for Esc to land.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter to clear", |s| s.contains("Instances 4/4"));
    tmux.keys(&["/"]);
    tmux.text("e2e-detach");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the filter", |s| {
        s.contains("Instances 1/4") && s.contains("e2e-detach")
    });
    tmux.keys(&["d"]);
    tmux.wait_for("the detach dialog", |s| {
        s.contains("Detach instance profile?")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the detach on screen", |s| {
        let r = row(s, "e2e-detach");
        !r.contains("api") && r.contains('—')
    });

    // Exactly those changes happened, as the API tells it.
    let now = crate::backends::profiles_now(&w);
    let profile = |name: &str| now[name].clone();
    assert_eq!(profile("e2e-swap").as_deref(), Some("batch"));
    assert_eq!(profile("e2e-detach"), None);
    assert_eq!(profile("e2e-keep").as_deref(), Some("web"));
    assert_eq!(profile("e2e-eu").as_deref(), Some("api"));

    // And the whole list shows them.
    tmux.keys(&["Escape"]);
    let s = tmux.wait_for("the full list", |s| s.contains("Instances 4/4"));
    assert!(row(&s, "e2e-swap").contains("batch"), "{s}");
    assert!(row(&s, "e2e-keep").contains("web"), "{s}");
    assert!(row(&s, "e2e-eu").contains("api"), "{s}");

    // q leaves: the process exits 0 and the alternate screen is gone.
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && text.ends_with('\n')
        {
            break text.trim().to_string();
        }
        assert!(
            Instant::now() < deadline,
            "rolecall did not exit within 20 s of q; screen:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, "0", "rolecall's exit status");
    assert!(
        !tmux.screen().contains("Instances 4/4"),
        "the TUI screen was left behind"
    );
}

/// Starts `rolecall --demo` in its own tmux server; returns the tmux handle and
/// the files sh writes when rolecall ends: its exit status and `stty -a`.
fn start_demo(tag: &str, dir: &std::path::Path) -> (Tmux, std::path::PathBuf, std::path::PathBuf) {
    let status = dir.join(format!("{tag}.status"));
    let stty = dir.join(format!("{tag}.stty"));
    let command = format!(
        "sh -c '{} --demo --log-file {}; echo $? > {}.tmp; stty -a > {}; mv {}.tmp {}; sleep 60'",
        env!("CARGO_BIN_EXE_rolecall"),
        dir.join(format!("{tag}.log")).display(),
        status.display(),
        stty.display(),
        status.display(),
        status.display(),
    );
    let tmux = Tmux {
        socket: format!("rolecall-sig-{tag}-{}", std::process::id()),
        session: "sig".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "sig",
        "-x",
        "120",
        "-y",
        "32",
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux.wait_for("the demo", |s| s.contains("Instances 92/92"));
    (tmux, status, stty)
}

/// The pid of rolecall: the child of the pane's shell.
fn rolecall_pid(tmux: &Tmux) -> String {
    let pane = tmux.cmd(&["display-message", "-p", "-t", "sig", "#{pane_pid}"]);
    let sh = String::from_utf8_lossy(&pane.stdout).trim().to_string();
    // Linux lists a process's children in /proc: no procps needed.
    let pid = std::fs::read_to_string(format!("/proc/{sh}/task/{sh}/children"))
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(
        !pid.is_empty() && !pid.contains('\n'),
        "pid of rolecall under sh {sh}: {pid:?}"
    );
    pid
}

#[test]
fn every_ending_signal_restores_the_terminal_and_exits_128_plus_n() {
    let dir = tempfile::tempdir().unwrap();
    for (name, number) in [("HUP", 1), ("INT", 2), ("QUIT", 3), ("TERM", 15)] {
        let (tmux, status, stty) = start_demo(name, dir.path());
        let pid = rolecall_pid(&tmux);
        // sh's own kill: no procps needed.
        assert!(
            Command::new("sh")
                .args(["-c", &format!("kill -s {name} {pid}")])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        let code = loop {
            if let Ok(text) = std::fs::read_to_string(&status) {
                break text.trim().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "rolecall did not end on SIG{name}; screen:\n{}",
                tmux.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(code, (128 + number).to_string(), "exit status on SIG{name}");
        // Cooked mode again: the line discipline echoes and edits lines.
        let modes = std::fs::read_to_string(&stty).unwrap();
        let words: Vec<&str> = modes.split_whitespace().collect();
        assert!(
            words.contains(&"icanon") && words.contains(&"echo"),
            "terminal left raw after SIG{name}: {modes}"
        );
        let flags = tmux.cmd(&[
            "display-message",
            "-p",
            "-t",
            "sig",
            "#{alternate_on} #{cursor_flag}",
        ]);
        assert_eq!(
            String::from_utf8_lossy(&flags.stdout).trim(),
            "0 1",
            "after SIG{name}: main screen, cursor shown"
        );
    }
}

#[test]
fn incident_quarantine_journal_and_undo_by_keys_against_moto() {
    let spec = json!({
        "profiles": [
            {"name": "web", "role": "web-role"},
            {"name": "api", "role": "api-role"},
            {"name": "incident-quarantine", "role": "deny-all"}
        ],
        "regions": {"us-east-1": [
            {"name": "inc-a", "profile": "web"},
            {"name": "inc-b", "profile": "web"},
            {"name": "inc-c", "profile": "web", "state": "stopped"},
            {"name": "inc-keep", "profile": "api"}
        ]}
    });
    let w = world(Kind::Moto, &spec);
    let moto = w.moto.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "quarantine_profile = \"incident-quarantine\"\n").unwrap();
    let journal = dir.path().join("journal.jsonl");
    let env: Vec<String> = moto
        .env()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let command = format!(
        "sh -c 'env {} {} --region us-east-1 --poll 1 --config {} --journal {} --log-file {}; sleep 60'",
        env.join(" "),
        env!("CARGO_BIN_EXE_rolecall"),
        config.display(),
        journal.display(),
        dir.path().join("log").display(),
    );
    let tmux = Tmux {
        socket: format!("rolecall-inc-{}", std::process::id()),
        session: "inc".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "inc",
        "-x",
        "160",
        "-y",
        "45",
        &command,
    ]);
    assert!(started.status.success());
    tmux.wait_for("the instances", |s| {
        s.contains("Instances 4/4") && s.contains("refreshed")
    });
    // Filter to the compromised profile, mark all it shows, quarantine them.
    tmux.keys(&["/"]);
    tmux.text("web");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the filter", |s| s.contains("Instances 3/4"));
    tmux.keys(&["A"]);
    tmux.wait_for("the marks", |s| s.contains("3 marked"));
    tmux.keys(&["Q"]);
    tmux.wait_for("the confirmation", |s| {
        s.contains("Quarantine 3 instances?") && s.contains("replace (2):")
    });
    tmux.keys(&["y"]);
    tmux.keys(&["Escape"]);
    tmux.wait_for("the quarantine on screen, settled", |s| {
        s.contains("3 changed")
            && s.matches("incident-quar").count() >= 3
            && !s.contains("associating")
    });
    let now = crate::backends::profiles_now(&w);
    for name in ["inc-a", "inc-b", "inc-c"] {
        assert_eq!(
            now[&w.id(name)].as_deref(),
            Some("incident-quarantine"),
            "{name}"
        );
    }
    assert_eq!(now[&w.id("inc-keep")].as_deref(), Some("api"));
    let (entries, problems) = rolecall::core::journal::read_path(&journal).unwrap();
    assert!(problems.is_empty());
    assert_eq!(entries.iter().filter(|e| e.phase == "sent").count(), 3);
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.outcome.as_deref() == Some("ok"))
            .count(),
        3
    );

    // u puts them all back.
    tmux.keys(&["u"]);
    tmux.wait_for("the undo confirmation", |s| {
        s.contains("Undo: put 3 instances back?")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the undo on screen", |s| {
        s.contains("3 changed") && !s.contains("incident-quar") && !s.contains("associating")
    });
    let now = crate::backends::profiles_now(&w);
    for name in ["inc-a", "inc-b", "inc-c"] {
        assert_eq!(now[&w.id(name)].as_deref(), Some("web"), "{name}");
    }
    // J shows both batches.
    tmux.keys(&["J"]);
    // The whole overlay, not a frame caught half drawn.
    tmux.wait_for("the journal with its three undo lines", |s| {
        // Rows say `undo` in their last column (the title says `undoes`).
        s.contains("Journal: 6 changes")
            && s.lines()
                .filter(|l| l.contains("undo") && !l.contains("undoes"))
                .count()
                == 3
    });
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}

#[test]
fn swap_in_a_production_account_asks_for_its_name_on_the_terminal() {
    let w = world(Kind::Moto, &crate::backends::standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // moto's account, marked production.
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[account]]\nid = \"123456789012\"\nname = \"moto-prod\"\nproduction = true\n",
    )
    .unwrap();
    let env: Vec<String> = moto
        .env()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let api1 = w.id("api-1");
    for (tag, answer, want, profile) in [
        ("wrong", "y", "2", "api"),
        ("right", "moto-prod", "0", "batch"),
    ] {
        let status = dir.path().join(format!("{tag}.status"));
        let command = format!(
            "sh -c 'env {} {} --region eu-west-1 --config {} --journal {} swap --from api --to batch; echo $? > {}; sleep 60'",
            env.join(" "),
            env!("CARGO_BIN_EXE_rolecall"),
            config.display(),
            dir.path().join("journal.jsonl").display(),
            status.display(),
        );
        let tmux = Tmux {
            socket: format!("rolecall-prod-{tag}-{}", std::process::id()),
            session: "prod".into(),
        };
        assert!(
            tmux.cmd(&[
                "new-session",
                "-d",
                "-s",
                "prod",
                "-x",
                "200",
                "-y",
                "30",
                &command
            ])
            .status
            .success()
        );
        tmux.wait_for("the production prompt", |s| {
            s.contains("PRODUCTION account moto-prod") && s.contains("type its name (moto-prod)")
        });
        tmux.text(answer);
        tmux.keys(&["Enter"]);
        let deadline = Instant::now() + Duration::from_secs(30);
        let code = loop {
            if let Ok(t) = std::fs::read_to_string(&status)
                && t.ends_with('\n')
            {
                break t.trim().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no exit; screen:\n{}",
                tmux.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(code, want, "answer {answer:?}; screen:\n{}", tmux.screen());
        assert_eq!(
            crate::backends::profiles_now(&w)[&api1].as_deref(),
            Some(profile),
            "after answering {answer:?}"
        );
    }
}

#[test]
fn a_change_made_by_boto3_behind_the_tui_shows_in_e() {
    let spec = json!({
        "profiles": [{"name": "web", "role": "web-role"}, {"name": "api", "role": "api-role"}],
        "regions": {"us-east-1": [{"name": "outside-1", "profile": "web"}, {"name": "calm-1", "profile": "web"}]}
    });
    let w = world(Kind::Moto, &spec);
    let moto = w.moto.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env: Vec<String> = moto
        .env()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let command = format!(
        "sh -c 'env {} {} --region us-east-1 --poll 1 --no-journal --log-file {}; sleep 60'",
        env.join(" "),
        env!("CARGO_BIN_EXE_rolecall"),
        dir.path().join("log").display(),
    );
    let tmux = Tmux {
        socket: format!("rolecall-out-{}", std::process::id()),
        session: "out".into(),
    };
    assert!(
        tmux.cmd(&[
            "new-session",
            "-d",
            "-s",
            "out",
            "-x",
            "160",
            "-y",
            "40",
            &command
        ])
        .status
        .success()
    );
    tmux.wait_for("the instances", |s| {
        s.contains("Instances 2/2") && s.contains("refreshed")
    });
    // Someone else swaps outside-1 to api with boto3.
    let script = format!(
        "import boto3\n\
         ec2 = boto3.client('ec2', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='t', aws_secret_access_key='t')\n\
         a = ec2.describe_iam_instance_profile_associations(Filters=[{{'Name': 'instance-id', 'Values': ['{}']}}])['IamInstanceProfileAssociations'][0]\n\
         ec2.replace_iam_instance_profile_association(AssociationId=a['AssociationId'], IamInstanceProfile={{'Name': 'api'}})\n",
        moto.endpoint,
        w.id("outside-1")
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_for("the row marked", |s| {
        let r = row(s, "outside-1");
        r.contains('!') && r.contains("api")
    });
    tmux.keys(&["e"]);
    let s = tmux.wait_for("the list of outside changes", |s| {
        s.contains("Changed outside rolecall: 1")
    });
    assert!(s.contains("web → api"), "{s}");
    assert!(!row(&s, "calm-1").contains('!'), "{s}");
}

/// Containment by keys in the real binary: X, a case id, the plan, y; I
/// lists the case and its deny; R, y releases it; the journal holds both.
#[test]
fn x_contains_and_i_releases_by_keys() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let command = format!(
        "sh -c 'XDG_STATE_HOME={} {} --demo --journal {} --log-file {}; sleep 60'",
        dir.path().display(),
        env!("CARGO_BIN_EXE_rolecall"),
        journal.display(),
        dir.path().join("log").display(),
    );
    let tmux = Tmux {
        socket: format!("rolecall-contain-{}", std::process::id()),
        session: "ct".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "ct",
        "-x",
        "130",
        "-y",
        "32",
        &command,
    ]);
    assert!(started.status.success());
    tmux.wait_for("the demo", |s| s.contains("Instances 92/92"));
    tmux.keys(&["/"]);
    tmux.text("name:web-dev-ap05");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the filter", |s| s.contains("Instances 1/92"));
    tmux.keys(&["X"]);
    tmux.wait_for("the case id", |s| s.contains("case id: IR-"));
    for _ in 0..20 {
        tmux.keys(&["BSpace"]);
    }
    tmux.text("IR-e2e");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("the plan", |s| {
        s.contains("3. tag: ec2:CreateTags rolecall:case=IR-e2e")
    });
    assert!(s.contains("deny on role web-frontend-role"), "{s}");
    tmux.keys(&["y"]);
    tmux.wait_for("the containment", |s| {
        s.contains("case IR-e2e: 4 steps done")
    });
    tmux.keys(&["I"]);
    tmux.wait_for("the case", |s| {
        s.contains("IR-e2e  OPEN") && s.contains("RolecallContainIRe2e")
    });
    tmux.keys(&["R"]);
    tmux.wait_for("the release question", |s| {
        s.contains("Release the selected case?")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the release", |s| {
        s.contains("case IR-e2e released") && s.contains("IR-e2e  released")
    });
    let (entries, _) = rolecall::core::journal::read_path(&journal).unwrap();
    let actions: std::collections::BTreeSet<&str> =
        entries.iter().map(|e| e.action.as_str()).collect();
    for a in ["contain_deny", "contain_tag", "release_deny", "release_tag"] {
        assert!(actions.contains(a), "{a}: {actions:?}");
    }
    assert!(entries.iter().all(|e| e.case.as_deref() == Some("IR-e2e")));
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
}
