//! Several AWS accounts in one run, against moto: two credential profiles
//! (static keys, and a role assumed into a second account), an organization
//! through `--org-role`, and an account whose AssumeRole is refused.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::cli_bin::{Out, bin, run};
use crate::moto::Moto;
use crate::netfault::DenyingProxy;

/// moto's own account: what static keys reach.
const MAIN: &str = "123456789012";
const SECOND: &str = "222222222222";

/// A shared config with `main` (static keys) and `second` (a role in
/// SECOND, assumed with main's keys).
fn write_profiles(dir: &Path) -> (String, String) {
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(
        &config,
        format!(
            "[profile main]\nregion = us-east-1\n\n[profile second]\nrole_arn = arn:aws:iam::{SECOND}:role/ops\nsource_profile = main\nregion = us-east-1\n\n[profile alias]\nrole_arn = arn:aws:iam::{MAIN}:role/ops\nsource_profile = main\nregion = us-east-1\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[main]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    (
        config.display().to_string(),
        credentials.display().to_string(),
    )
}

/// The binary pointed at `endpoint` with the shared files in `dir`, and no
/// credentials in the environment (the profiles carry them).
fn with_profiles(endpoint: &str, dir: &Path) -> Command {
    let (config, credentials) = write_profiles(dir);
    let mut c = bin();
    c.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_SHARED_CREDENTIALS_FILE", credentials)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", dir);
    c
}

/// The first instance a seeding made in us-east-1.
fn first_instance(made: &Value) -> String {
    made["instances"]["us-east-1"][0]
        .as_str()
        .unwrap()
        .to_string()
}

/// Each instance's (account, profile) as `list` shows it through one profile.
fn list_with(endpoint: &str, dir: &Path, profile: &str) -> BTreeMap<String, (String, String)> {
    by_instance(&json_rows(&run(
        with_profiles(endpoint, dir),
        &["--profile", profile, "list", "--output", "json"],
    )))
}

fn json_rows(o: &Out) -> Vec<Value> {
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    serde_json::from_str::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .cloned()
        .unwrap()
}

/// instance id → (account, profile name or "")
fn by_instance(rows: &[Value]) -> BTreeMap<String, (String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["instance_id"].as_str().unwrap().to_string(),
                (
                    r["account"].as_str().unwrap_or("?").to_string(),
                    r["association"]["profile_name"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn two_profiles_list_together_and_a_swap_changes_only_the_second_account() {
    let moto = Moto::start();
    let main = moto.seed(&json!({
        "profiles": [{"name": "web", "role": "web-role"}, {"name": "quarantine", "role": "deny-all"}],
        "regions": {"us-east-1": [{"name": "main-web", "profile": "web"}]}
    }));
    let second = moto.seed(&json!({
        "account": SECOND,
        "profiles": [{"name": "web", "role": "web-role"}, {"name": "quarantine", "role": "deny-all"}],
        "regions": {"us-east-1": [{"name": "second-web", "profile": "web"}, {"name": "second-bare"}]}
    }));
    let (main_id, second_id) = (first_instance(&main), first_instance(&second));
    let dir = tempfile::tempdir().unwrap();
    let two = ["--profile", "main", "--profile", "second"];

    let listed = run(
        with_profiles(&moto.endpoint, dir.path()),
        &[&two[..], &["list", "--output", "json"]].concat(),
    );
    let rows = by_instance(&json_rows(&listed));
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[&main_id], (MAIN.into(), "web".into()));
    assert_eq!(rows[&second_id], (SECOND.into(), "web".into()));

    // The table has an ACCOUNT column with both accounts.
    let table = run(
        with_profiles(&moto.endpoint, dir.path()),
        &[&two[..], &["list"]].concat(),
    );
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.starts_with("ACCOUNT"), "{}", table.stdout);
    assert!(
        table.stdout.contains(MAIN) && table.stdout.contains(SECOND),
        "{}",
        table.stdout
    );

    // Swap every `web` instance of both accounts to each account's own quarantine,
    // but only in the second account: by instance id.
    let journal = dir.path().join("journal.jsonl");
    let swap = run(
        with_profiles(&moto.endpoint, dir.path()),
        &[
            &two[..],
            &[
                "--journal",
                journal.to_str().unwrap(),
                "swap",
                "--to",
                "quarantine",
                "--instances",
                &second_id,
                "--yes",
            ],
        ]
        .concat(),
    );
    assert_eq!(swap.code, 0, "{} {}", swap.stdout, swap.stderr);

    // Read back with each account's own credentials, one profile at a time.
    let only = |profile: &str| list_with(&moto.endpoint, dir.path(), profile);
    assert_eq!(only("second")[&second_id].1, "quarantine");
    assert_eq!(only("main")[&main_id].1, "web");
    assert!(!only("main").contains_key(&second_id));

    // The journal names the account changed and the assumed-role session.
    let text = std::fs::read_to_string(&journal).unwrap();
    let done: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["phase"] == "done")
        .unwrap();
    assert_eq!(done["account"], SECOND, "{done}");
    let caller = done["caller_arn"].as_str().unwrap();
    assert!(
        caller.contains(SECOND) && caller.contains("assumed-role/ops"),
        "{caller}"
    );

    // `set` finds the instance in whichever account holds it.
    let set = run(
        with_profiles(&moto.endpoint, dir.path()),
        &[
            &two[..],
            &["--no-journal", "set", &second_id, "web", "--output", "json"],
        ]
        .concat(),
    );
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(only("second")[&second_id].1, "web");
}

#[test]
fn two_profiles_that_reach_one_account_are_one_account() {
    let moto = Moto::start();
    moto.seed(&json!({
        "profiles": [{"name": "web", "role": "web-role"}, {"name": "quarantine", "role": "deny-all"}],
        "regions": {"us-east-1": [{"name": "a", "profile": "web"}, {"name": "b", "profile": "web"}]}
    }));
    let dir = tempfile::tempdir().unwrap();
    // `alias` assumes a role in main's own account.
    let both = ["--profile", "main", "--profile", "alias"];
    let o = run(
        with_profiles(&moto.endpoint, dir.path()),
        &[&both[..], &["list", "--output", "json"]].concat(),
    );
    let rows = json_rows(&o);
    assert_eq!(rows.len(), 2, "each instance once: {rows:?}");
    assert!(
        o.stderr
            .contains("main and alias reach the same account 123456789012"),
        "{}",
        o.stderr
    );
    let journal = dir.path().join("j.jsonl");
    let o = run(
        with_profiles(&moto.endpoint, dir.path()),
        &[
            &both[..],
            &[
                "--journal",
                journal.to_str().unwrap(),
                "swap",
                "--from",
                "web",
                "--to",
                "quarantine",
                "--yes",
                "--output",
                "json",
            ],
        ]
        .concat(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "one change per instance: {v}");
    assert!(changes.iter().all(|c| c["outcome"] == "ok"), "{v}");
    let o = run(
        with_profiles(&moto.endpoint, dir.path()),
        &[
            &both[..],
            &[
                "--journal",
                journal.to_str().unwrap(),
                "undo",
                "--yes",
                "--output",
                "json",
            ],
        ]
        .concat(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["changes"].as_array().unwrap().len(), 2, "{v}");
}

#[test]
fn an_organization_through_org_role_and_one_account_refusing_assume_role() {
    let moto = Moto::start();
    let org = moto.seed(&json!({"organization": ["dev", "staging", "prod", "sandbox"]}));
    let ids: BTreeMap<String, String> = org["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let mut instance_account = BTreeMap::new();
    let main = moto.seed(&json!({"regions": {"us-east-1": [{"name": "mgmt-1"}]}}));
    instance_account.insert(
        main["instances"]["us-east-1"][0]
            .as_str()
            .unwrap()
            .to_string(),
        MAIN.to_string(),
    );
    for (name, id) in &ids {
        let made = moto.seed(&json!({
            "account": id,
            "regions": {"us-east-1": [{"name": format!("{name}-1")}], "eu-west-1": [{"name": format!("{name}-2")}]}
        }));
        for region in ["us-east-1", "eu-west-1"] {
            instance_account.insert(
                made["instances"][region][0].as_str().unwrap().to_string(),
                id.clone(),
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let org_list = |endpoint: &str, extra: &[&str]| {
        run(
            with_profiles(endpoint, dir.path()),
            &[
                &[
                    "--profile",
                    "main",
                    "--org-role",
                    "OrganizationAccountAccessRole",
                    "--region",
                    "us-east-1",
                    "--region",
                    "eu-west-1",
                ][..],
                extra,
                &["list", "--output", "json"],
            ]
            .concat(),
        )
    };

    // Five accounts: the management account (its own credentials) and four members.
    let rows = by_instance(&json_rows(&org_list(&moto.endpoint, &[])));
    assert_eq!(rows.len(), 9, "{rows:?}");
    for (instance, account) in &instance_account {
        assert_eq!(&rows[instance].0, account, "{instance}");
    }

    // --org-accounts narrows the set.
    let narrowed = org_list(&moto.endpoint, &["--org-accounts", &ids["dev"]]);
    let rows = by_instance(&json_rows(&narrowed));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.values().all(|(a, _)| a == &ids["dev"]));

    // AssumeRole refused in `prod`: the others are listed, prod's error is said,
    // and the exit status is not 0.
    let proxy = DenyingProxy::start(&moto.endpoint, &["Action=AssumeRole", &ids["prod"]]);
    let partial = org_list(&proxy.url, &[]);
    assert_eq!(partial.code, 1, "{}", partial.stderr);
    let rows: Vec<Value> = serde_json::from_str::<Value>(&partial.stdout)
        .unwrap()
        .as_array()
        .cloned()
        .unwrap();
    let rows = by_instance(&rows);
    assert_eq!(rows.len(), 7, "{rows:?}");
    assert!(rows.values().all(|(a, _)| a != &ids["prod"]));
    assert!(
        partial.stderr.contains(&ids["prod"]) && partial.stderr.contains("AccessDenied"),
        "{}",
        partial.stderr
    );
    assert!(
        partial.stderr.contains("sts:AssumeRole"),
        "{}",
        partial.stderr
    );
    assert!(!partial.stderr.contains("panicked"));

    // A bad account id is a one-line usage error.
    let bad = org_list(&moto.endpoint, &["--org-accounts", "12345"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    crate::cli_bin::one_line_error(&bad);
}

#[test]
fn the_demo_has_three_accounts_and_profile_picks_among_them() {
    let o = run(
        bin(),
        &[
            "--demo",
            "--profile",
            "demo-staging",
            "list",
            "--output",
            "json",
        ],
    );
    let rows = by_instance(&json_rows(&o));
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(rows.values().all(|(a, _)| a == "310987654321"));

    // Two of them: the table gains an ACCOUNT column with their names.
    let o = run(
        bin(),
        &[
            "--demo",
            "--profile",
            "demo-staging",
            "--profile",
            "410987654321",
            "list",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("ACCOUNT"), "{}", o.stdout);
    assert!(
        o.stdout.contains("demo-staging") && o.stdout.contains("payments-prod"),
        "{}",
        o.stdout
    );

    let o = run(bin(), &["--demo", "--profile", "nope", "list"]);
    assert_eq!(o.code, 2);
    let line = crate::cli_bin::one_line_error(&o);
    assert!(
        line.contains("'nope'") && line.contains("demo-staging"),
        "{line}"
    );

    // A profile name in two accounts: permissions answers for each; diff,
    // which compares two profiles of one account, asks which.
    let o = run(bin(), &["--demo", "permissions", "bastion"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.matches("account ").count() >= 2, "{}", o.stdout);
    let o = run(bin(), &["--demo", "diff", "bastion", "web-frontend"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    let line = crate::cli_bin::one_line_error(&o);
    assert!(line.contains("--profile"), "{line}");
}

#[test]
fn org_options_are_checked_before_any_call() {
    let o = run(
        bin(),
        &[
            "--org-accounts",
            "111111111111",
            "--region",
            "us-east-1",
            "list",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--org-role"), "{}", o.stderr);
    let o = run(
        bin(),
        &[
            "--org-role",
            "bad/role",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "list",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    let line = crate::cli_bin::one_line_error(&o);
    assert!(line.contains("not a role name"), "{line}");
}

/// End to end: the TUI over two profiles' accounts in tmux, a swap by keys in
/// the second account, checked through each account's own credentials.
#[test]
fn the_tui_shows_two_accounts_and_swaps_in_the_one_holding_the_instance() {
    use crate::e2e::{Tmux, row};
    let moto = Moto::start();
    let spec = |name: &str| {
        json!({
            "profiles": [{"name": "web", "role": "web-role"}, {"name": "quarantine", "role": "deny-all"}],
            "regions": {"us-east-1": [{"name": name, "profile": "web"}]}
        })
    };
    let main = moto.seed(&spec("main-web"));
    let mut second_spec = spec("second-web");
    second_spec["account"] = json!(SECOND);
    let second = moto.seed(&second_spec);
    let (main_id, second_id) = (first_instance(&main), first_instance(&second));
    let dir = tempfile::tempdir().unwrap();
    let (config, credentials) = write_profiles(dir.path());
    let status_file = dir.path().join("status");
    let command = format!(
        "sh -c 'env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
         AWS_CONFIG_FILE={config} AWS_SHARED_CREDENTIALS_FILE={credentials} AWS_ENDPOINT_URL={} \
         AWS_EC2_METADATA_DISABLED=true XDG_STATE_HOME={state} {} --profile main --profile second \
         --region us-east-1 --journal {journal}; echo $? > {status}'",
        moto.endpoint,
        env!("CARGO_BIN_EXE_rolecall"),
        state = dir.path().display(),
        journal = dir.path().join("journal.jsonl").display(),
        status = status_file.display(),
    );
    let tmux = Tmux {
        socket: format!("rolecall-accounts-{}", std::process::id()),
        session: "acc".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "acc",
        "-x",
        "160",
        "-y",
        "40",
        &command,
    ]);
    assert!(started.status.success());
    let s = tmux.wait_for("both accounts' instances", |s| {
        s.contains("Instances 2/2") && s.contains("refreshed")
    });
    assert!(
        s.contains("ACCOUNT") && s.contains("2 accounts of 2"),
        "{s}"
    );
    assert!(row(&s, "main-web").contains(MAIN), "{s}");
    assert!(row(&s, "second-web").contains(SECOND), "{s}");

    // The second account's instance: the picker, quarantine, y.
    tmux.keys(&["/"]);
    tmux.text("second-web");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the filter", |s| s.contains("Instances 1/2"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the picker", |s| s.contains("Instance profile for"));
    tmux.text("quarantine");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the confirmation", |s| {
        s.contains("Replace instance profile?")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the swap on screen", |s| {
        let r = row(s, "second-web");
        r.contains("quarantine") && r.contains("associated")
    });
    tmux.keys(&["q"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // sh creates the file, then writes the status: wait for the status.
    let status = || {
        std::fs::read_to_string(&status_file)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    while status().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status(), "0");
    let _ = tmux.cmd(&["kill-server"]);

    // Each account through its own credentials: only the second changed.
    let only = |profile: &str| list_with(&moto.endpoint, dir.path(), profile);
    assert_eq!(only("second")[&second_id].1, "quarantine");
    assert_eq!(only("main")[&main_id].1, "web");
}

#[test]
fn set_and_detach_in_a_production_account_ask_or_need_yes() {
    let o = run(
        bin(),
        &[
            "--demo",
            "--profile",
            "payments-prod",
            "list",
            "--output",
            "json",
        ],
    );
    let rows = json_rows(&o);
    let id = rows
        .iter()
        .find(|r| r["association"].is_object() && r["state"] == "running")
        .unwrap()["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    // No terminal to ask on, no --yes: refused, nothing changed.
    for args in [
        vec!["--demo", "--no-journal", "set", &id, "incident-quarantine"],
        vec!["--demo", "--no-journal", "detach", &id],
    ] {
        let o = run(bin(), &args);
        assert_eq!(o.code, 2, "{}", o.stderr);
        let line = crate::cli_bin::one_line_error(&o);
        assert!(
            line.contains("PRODUCTION account payments-prod") && line.contains("--yes"),
            "{line}"
        );
    }
    let o = run(
        bin(),
        &[
            "--demo",
            "--no-journal",
            "set",
            &id,
            "incident-quarantine",
            "--yes",
            "--output",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn revoke_sessions_over_two_accounts_names_each_and_revokes_in_both() {
    let moto = Moto::start();
    let spec = |account: Option<&str>| {
        let mut v = json!({
            "profiles": [{"name": "web", "role": "web-role"}],
            "regions": {"us-east-1": [{"name": "w", "profile": "web"}]}
        });
        if let Some(a) = account {
            v["account"] = a.into();
        }
        v
    };
    moto.seed(&spec(None));
    moto.seed(&spec(Some(SECOND)));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let two = ["--profile", "main", "--profile", "second"];
    let o = run(
        with_profiles(&moto.endpoint, dir.path()),
        &[
            &two[..],
            &[
                "--journal",
                journal.to_str().unwrap(),
                "revoke-sessions",
                "web-role",
                "--yes",
            ],
        ]
        .concat(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    for account in [MAIN, SECOND] {
        assert!(
            o.stdout.contains(&format!("in account {account}")),
            "{}",
            o.stdout
        );
        assert!(
            o.stderr.contains(&format!("web-role in account {account}")),
            "{}",
            o.stderr
        );
    }
    // Both roles carry the policy, as each account's API tells it.
    for profile in ["main", "second"] {
        let o = run(
            with_profiles(&moto.endpoint, dir.path()),
            &[
                "--profile",
                profile,
                "permissions",
                "web",
                "--output",
                "json",
            ],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            o.stdout.contains("AWSRevokeOlderSessions"),
            "{profile}: {}",
            o.stdout
        );
    }
    // Journaled once per account.
    let (entries, _) = rolecall::core::journal::read_path(&journal).unwrap();
    let done: Vec<&str> = entries
        .iter()
        .filter(|e| e.phase == "done")
        .filter_map(|e| e.account.as_deref())
        .collect();
    assert_eq!(done.len(), 2, "{done:?}");
}

/// The incident drill of issue 23, end to end: two accounts (the second
/// production), two regions, instances named to tempt a loose match; the
/// TUI alone, by keys: select exactly the instances on the leaked role,
/// quarantine them (stopped ones too), revoke the role in both accounts,
/// read the journal, put everything back; boto3 checks the fleet.
#[test]
fn the_incident_drill_runs_clean_by_keys_across_two_accounts_and_regions() {
    use crate::e2e::Tmux;
    let moto = Moto::start();
    let profiles = json!([
        {"name": "web-app", "role": "WebAppRole"},
        {"name": "web-app-admin", "role": "WebAppAdminRole"},
        {"name": "api", "role": "ApiRole"},
        {"name": "incident-quarantine", "role": "QuarantineRole"}
    ]);
    let main_spec = json!({
        "profiles": profiles,
        "regions": {
            "us-east-1": [
                {"name": "web-app-1", "profile": "web-app"},
                {"name": "web-app-2", "profile": "web-app", "state": "stopped"},
                {"name": "web-app-admin-1", "profile": "web-app-admin"},
                {"name": "web-app-old", "profile": "api", "state": "stopped"}
            ],
            "eu-west-1": [
                {"name": "web-app-3", "profile": "web-app"},
                {"name": "api-1", "profile": "api"}
            ]
        }
    });
    let second_spec = json!({
        "account": SECOND,
        "profiles": profiles,
        "regions": {
            "us-east-1": [
                {"name": "web-app-4", "profile": "web-app"},
                {"name": "web-app-admin-2", "profile": "web-app-admin"}
            ],
            "eu-west-1": [
                {"name": "web-app-5", "profile": "web-app", "state": "stopped"},
                {"name": "api-2", "profile": "api"}
            ]
        }
    });
    moto.seed(&main_spec);
    moto.seed(&second_spec);
    let fleet = |account: Option<&str>| {
        let mut spec = json!({
            "regions": ["us-east-1", "eu-west-1"],
            "roles": ["WebAppRole", "WebAppAdminRole"]
        });
        if let Some(a) = account {
            spec["account"] = json!(a);
        }
        moto.fleet(&spec)
    };
    let before = [fleet(None), fleet(Some(SECOND))];
    let on_role = |f: &Value| -> Vec<String> {
        f["profiles"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, p)| p.as_str() == Some("web-app"))
            .map(|(id, _)| id.clone())
            .collect()
    };
    let leaked: Vec<Vec<String>> = before.iter().map(on_role).collect();
    assert_eq!(leaked.iter().map(Vec::len).sum::<usize>(), 5);

    let dir = tempfile::tempdir().unwrap();
    let (config, credentials) = write_profiles(dir.path());
    let rc = dir.path().join("rolecall.toml");
    std::fs::write(
        &rc,
        format!(
            "quarantine_profile = \"incident-quarantine\"\n\n[[account]]\nid = \"{SECOND}\"\nname = \"prod\"\nproduction = true\n"
        ),
    )
    .unwrap();
    let status_file = dir.path().join("status");
    let command = format!(
        "sh -c 'env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
         AWS_CONFIG_FILE={config} AWS_SHARED_CREDENTIALS_FILE={credentials} AWS_ENDPOINT_URL={} \
         AWS_EC2_METADATA_DISABLED=true XDG_STATE_HOME={state} {} --profile main --profile second \
         --region us-east-1 --region eu-west-1 --poll 1 --config {rc} --journal {journal}; echo $? > {status}'",
        moto.endpoint,
        env!("CARGO_BIN_EXE_rolecall"),
        state = dir.path().display(),
        rc = rc.display(),
        journal = dir.path().join("journal.jsonl").display(),
        status = status_file.display(),
    );
    let tmux = Tmux {
        socket: format!("rolecall-drill-{}", std::process::id()),
        session: "drill".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "drill",
        "-x",
        "160",
        "-y",
        "45",
        &command,
    ]);
    assert!(started.status.success());
    tmux.wait_for("both accounts' instances", |s| {
        s.contains("Instances 10/10") && s.contains("refreshed")
    });

    // Exactly the instances on the role, in both accounts and regions.
    tmux.keys(&["/"]);
    tmux.text("role:WebAppRole");
    tmux.keys(&["Enter"]);
    // Applied (not still being typed): the title says it as understood.
    let s = tmux.wait_for("the exact filter", |s| {
        s.contains("Instances 5/10") && s.contains("role=WebAppRole")
    });
    assert!(
        !s.contains("web-app-admin") && !s.contains("web-app-old"),
        "{s}"
    );
    tmux.keys(&["A"]);
    tmux.wait_for("the marks", |s| s.contains("5 marked"));
    tmux.keys(&["Q"]);
    let s = tmux.wait_for("the quarantine confirmation", |s| {
        s.contains("Quarantine 5 instances?")
    });
    assert!(
        s.contains("chosen: marked with A under role=WebAppRole"),
        "{s}"
    );
    // The production account's name, typed.
    tmux.text("prod");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the quarantine, settled", |s| {
        s.contains("5 changed") && s.contains("K revokes them") && !s.contains("associating")
    });
    let during = [fleet(None), fleet(Some(SECOND))];
    for (f, ids) in during.iter().zip(&leaked) {
        for (id, profile) in f["profiles"].as_object().unwrap() {
            let expected = if ids.contains(id) {
                json!("incident-quarantine")
            } else {
                before[0]["profiles"]
                    .get(id)
                    .or(before[1]["profiles"].get(id))
                    .cloned()
                    .unwrap()
            };
            assert_eq!(profile, &expected, "{id}");
        }
    }

    // K: the role the batch left, in both accounts, production named.
    tmux.keys(&["K"]);
    let s = tmux.wait_for("the revoke dialog", |s| {
        s.contains("Revoke the older sessions of role WebAppRole in 2 accounts?")
    });
    assert!(s.contains("Type WebAppRole prod"), "{s}");
    tmux.text("WebAppRole prod");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the revoke in both accounts", |s| {
        s.contains("is denied in 123456789012, prod")
    });
    for account in [None, Some(SECOND)] {
        let f = fleet(account);
        assert_eq!(
            f["role_policies"]["WebAppRole"],
            json!(["AWSRevokeOlderSessions"]),
            "{account:?}"
        );
        assert_eq!(f["role_policies"]["WebAppAdminRole"], json!([]));
    }

    // J: the revoke names its role; u still takes the quarantine.
    tmux.keys(&["J"]);
    tmux.wait_for("the journal", |s| {
        s.contains("role WebAppRole") && s.contains("+ AWSRevokeOlderSessions")
    });
    tmux.keys(&["Escape"]);
    tmux.keys(&["u"]);
    tmux.wait_for("the undo confirmation", |s| {
        s.contains("Undo: put 5 instances back?")
    });
    tmux.text("prod");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("the undo, settled, naming the revocation left", |s| {
        s.contains("5 changed")
            && s.contains("still has AWSRevokeOlderSessions in 123456789012, prod")
            && !s.contains("associating")
    });
    // Leaving the quarantine role is no reason to revoke it.
    assert!(!s.contains("K revokes"), "{s}");
    tmux.keys(&["q"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = || {
        std::fs::read_to_string(&status_file)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    while status().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status(), "0");
    let _ = tmux.cmd(&["kill-server"]);

    // The fleet exactly as it began.
    let after = [fleet(None), fleet(Some(SECOND))];
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(a["profiles"], b["profiles"]);
    }
}
