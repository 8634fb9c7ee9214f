//! The built `rolecall` binary, against moto and the demo account.

use std::sync::Arc;

use assert_cmd::Command;
use async_trait::async_trait;
use rolecall::aws::{
    ApiError, Association, CallerIdentity, Cloud, Instance, InstanceProfile, ProfileRef,
};
use rolecall::cli;
use rolecall::core::session::Session;
use serde_json::{Value, json};

use crate::backends::{Kind, standard_spec, world};
use crate::moto::Moto;

/// The binary with no AWS environment of the caller's, logging to a test dir;
/// a hang fails the test instead of the whole run.
pub(crate) fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rolecall"));
    c.env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("rolecall-test-state"),
        )
        .timeout(std::time::Duration::from_secs(90));
    c
}

fn on_moto(m: &Moto) -> Command {
    let mut c = bin();
    for (k, v) in m.env() {
        c.env(k, v);
    }
    c
}

pub(crate) struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub(crate) fn run(mut c: Command, args: &[&str]) -> Out {
    let out = c.args(args).output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Errors are exactly one line on stderr, with no panic or backtrace.
pub(crate) fn one_line_error(o: &Out) -> &str {
    let lines: Vec<&str> = o.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "stderr: {:?}", o.stderr);
    assert!(lines[0].starts_with("rolecall: "), "{}", lines[0]);
    assert!(!o.stderr.contains("panicked") && !o.stderr.contains("backtrace"));
    lines[0]
}

#[test]
fn list_pages_past_100_associations_across_two_regions() {
    let moto = Moto::start();
    let mut east = Vec::new();
    for i in 0..120 {
        east.push(json!({"name": format!("web-{i:03}"), "profile": if i % 2 == 0 { "web" } else { "api" }}));
    }
    east.push(json!({"name": "bare"}));
    let spec = json!({
        "profiles": [{"name": "web", "role": "web-role"}, {"name": "api", "role": "api-role", "path": "/service/"}],
        "regions": {"us-east-1": east, "eu-west-1": [{"name": "eu-1", "profile": "api"}, {"name": null}]}
    });
    let made = moto.seed(&spec);
    // The flag, not the environment variable, points it at moto here.
    let mut c = on_moto(&moto);
    c.env_remove("AWS_ENDPOINT_URL");
    let o = run(
        c,
        &[
            "--endpoint-url",
            &moto.endpoint,
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "list",
            "--output",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rows: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(rows.len(), 123);
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap().into(),
                r["instance_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys[0].0, "eu-west-1");
    for r in &rows {
        let obj = r.as_object().unwrap();
        let mut k: Vec<&str> = obj.keys().map(String::as_str).collect();
        k.sort();
        assert_eq!(
            k,
            [
                "account",
                "account_name",
                "association",
                "instance_id",
                "instance_type",
                "name",
                "region",
                "state"
            ]
        );
        assert_eq!(r["account"], "123456789012");
        if let Some(a) = obj["association"].as_object() {
            let mut k: Vec<&str> = a.keys().map(String::as_str).collect();
            k.sort();
            assert_eq!(
                k,
                [
                    "association_id",
                    "profile_arn",
                    "profile_name",
                    "state",
                    "timestamp"
                ]
            );
            assert_eq!(a["state"], "associated");
            assert!(a["timestamp"].is_null(), "moto has no Timestamp");
        }
    }
    let east_ids = made["instances"]["us-east-1"].as_array().unwrap();
    for (i, id) in east_ids.iter().enumerate().take(120) {
        let row = rows.iter().find(|r| &r["instance_id"] == id).unwrap();
        let want = if i % 2 == 0 { "web" } else { "api" };
        assert_eq!(row["association"]["profile_name"], want, "{id}");
        assert_eq!(row["name"], format!("web-{i:03}"));
    }
    let bare = rows.iter().find(|r| r["name"] == "bare").unwrap();
    assert!(bare["association"].is_null());
    assert!(
        rows.iter()
            .any(|r| r["region"] == "eu-west-1" && r["name"].is_null())
    );
    let associated = rows.iter().filter(|r| !r["association"].is_null()).count();
    assert_eq!(
        associated, 121,
        "every association across the 100-item page boundary"
    );

    let table = run(on_moto(&moto), &["--region", "eu-west-1", "list"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("REGION"), "{}", lines[0]);
    assert!(lines[0].contains("ASSOCIATION STATE"));
    assert_eq!(lines.len(), 3);
}

#[test]
fn set_and_detach_change_exactly_what_they_say() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let regions = ["--region", "us-east-1", "--region", "eu-west-1"];
    let args = |rest: &[&str]| -> Vec<String> {
        regions.iter().chain(rest).map(|s| s.to_string()).collect()
    };
    let web2 = w.id("web-2");
    let web1 = w.id("web-1");
    let api1 = w.id("api-1");

    let a = args(&["set", &web2, "batch", "--output", "json"]);
    let o = run(
        on_moto(moto),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["action"], "associate");
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["instance_id"], web2.as_str());
    assert!(v["previous_profile_arn"].is_null());
    assert_eq!(v["association"]["profile_name"], "batch");

    let a = args(&["set", &web1, &w.profiles["api"], "--output", "json"]);
    let o = run(
        on_moto(moto),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["action"], "replace");
    assert_eq!(v["previous_profile_arn"], w.profiles["web"].as_str());

    let a = args(&["detach", &api1]);
    let o = run(
        on_moto(moto),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("REGION"), "{}", o.stdout);
    assert!(o.stdout.contains("disassociate"), "{}", o.stdout);

    // Verified through the API, not through our own output.
    let now = crate::backends::profiles_now(&w);
    let profile = |id: &str| now[id].clone();
    assert_eq!(profile(&web2).as_deref(), Some("batch"));
    assert_eq!(profile(&web1).as_deref(), Some("api"));
    assert_eq!(profile(&api1), None);
    assert_eq!(
        profile(&w.id("stopped-1")).as_deref(),
        Some("api"),
        "untouched"
    );

    // Stopped instance: detach then associate, said on stderr.
    let stopped = w.id("stopped-1");
    let a = args(&["set", &stopped, "web"]);
    let o = run(
        on_moto(moto),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("is stopped"), "{}", o.stderr);
}

#[test]
fn error_paths_print_one_line_and_the_right_exit_code() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let web2 = w.id("web-2");

    let o = run(on_moto(moto), &["set", "i-0123456789abcdef0", "web"]);
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("was not found in us-east-1"));

    let o = run(on_moto(moto), &["set", &web2, "ghost"]);
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("'ghost' does not exist"));

    let o = run(on_moto(moto), &["detach", &web2]);
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("no instance profile to detach"));

    let o = run(on_moto(moto), &["set", "not-an-id", "web"]);
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("is not an instance id"));

    let o = run(on_moto(moto), &["--region", "xx-nowhere-9", "list"]);
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("unknown region 'xx-nowhere-9'"));

    let o = run(on_moto(moto), &["--bogus"]);
    assert_eq!(o.code, 2);
    one_line_error(&o);

    // No credentials at all: exit 1, and say what to do.
    let mut c = bin();
    c.env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/x")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/y")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN");
    let o = run(c, &["list"]);
    assert_eq!(o.code, 1);
    let line = one_line_error(&o);
    assert!(line.contains("no AWS credentials found"), "{line}");
}

#[test]
fn read_only_refuses_before_any_call() {
    // An endpoint nobody listens on: any call would fail with exit 1, not 2.
    let mut c = bin();
    c.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "y")
        .env("AWS_REGION", "us-east-1");
    let o = run(c, &["--read-only", "detach", "i-0123456789abcdef0"]);
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("--read-only"));
    let o = run(
        bin(),
        &["--demo", "--read-only", "set", "i-0123456789abcdef0", "web"],
    );
    assert_eq!(o.code, 2);
}

#[test]
fn demo_commands_work_without_aws() {
    let o = run(bin(), &["--demo", "list", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rows: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    // Three accounts: the main one (80 instances), staging and payments (6 each).
    assert_eq!(rows.len(), 92);
    let accounts: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r["account"].as_str().unwrap())
        .collect();
    assert_eq!(
        accounts.into_iter().collect::<Vec<_>>(),
        ["210987654321", "310987654321", "410987654321"]
    );
    let regions: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["region"].as_str().unwrap()).collect();
    assert_eq!(regions.len(), 3);
    let bare = rows
        .iter()
        .find(|r| r["association"].is_null() && r["state"] == "running")
        .unwrap();
    let id = bare["instance_id"].as_str().unwrap();
    let o = run(
        bin(),
        &["--demo", "set", id, "web-frontend", "--output", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["action"], "associate");
    assert_eq!(
        v["association"]["state"], "associating",
        "the demo shows the transitional state"
    );
    assert!(v["association"]["timestamp"].is_string());

    let with = rows
        .iter()
        .find(|r| r["association"].is_object() && r["state"] == "running")
        .unwrap();
    let id = with["instance_id"].as_str().unwrap();
    let o = run(bin(), &["--demo", "detach", id, "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["association"]["state"], "disassociating");

    let all = run(
        bin(),
        &["--demo", "--all-regions", "list", "--output", "json"],
    );
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&all.stdout)
            .unwrap()
            .len(),
        92
    );
    let one = run(
        bin(),
        &[
            "--demo",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--region",
            "us-east-1",
            "list",
            "--output",
            "json",
        ],
    );
    let one: Vec<Value> = serde_json::from_str(&one.stdout).unwrap();
    let ids: std::collections::BTreeSet<&str> = one
        .iter()
        .map(|r| r["instance_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), one.len(), "a region given twice is listed once");
    assert!(!one.is_empty() && one.iter().all(|r| r["region"] != "ap-southeast-2"));

    let o = run(
        bin(),
        &[
            "--demo",
            "--region",
            "eu-west-1",
            "--demo-fleet",
            "30",
            "list",
            "--output",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rows: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(rows.len(), 10);
}

#[test]
fn demo_faults_and_fleet_errors_are_one_line() {
    let o = run(
        bin(),
        &["--demo", "--demo-faults", "throttle-every=0", "list"],
    );
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("bad --demo-faults spec"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("fleet.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let o = run(
        bin(),
        &["--demo", "--demo-fleet-file", bad.to_str().unwrap(), "list"],
    );
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("is not valid"));

    let rows: Vec<Value> =
        serde_json::from_str(&run(bin(), &["--demo", "list", "--output", "json"]).stdout).unwrap();
    let bare = rows
        .iter()
        .find(|r| r["association"].is_null() && r["state"] == "running")
        .unwrap();
    let id = bare["instance_id"].as_str().unwrap();
    let o = run(
        bin(),
        &[
            "--demo",
            "--demo-faults",
            "fail=associate:UnauthorizedOperation",
            "set",
            id,
            "bastion",
        ],
    );
    assert_eq!(o.code, 1);
    let line = one_line_error(&o);
    assert!(
        line.contains("ec2:AssociateIamInstanceProfile") && line.contains("UnauthorizedOperation"),
        "{line}"
    );

    let term = rows.iter().find(|r| r["state"] == "terminated").unwrap();
    let o = run(
        bin(),
        &[
            "--demo",
            "set",
            term["instance_id"].as_str().unwrap(),
            "bastion",
        ],
    );
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("is terminated"));
}

/// A cloud whose association listing is out of date: it still shows an
/// association that AWS has already forgotten.
struct StaleView {
    inner: Arc<dyn Cloud>,
    ghost: Association,
}

#[async_trait]
impl Cloud for StaleView {
    async fn regions(&self) -> Result<Vec<String>, ApiError> {
        self.inner.regions().await
    }
    async fn instances(&self, r: &str) -> Result<Vec<Instance>, ApiError> {
        self.inner.instances(r).await
    }
    async fn associations(&self, r: &str) -> Result<Vec<Association>, ApiError> {
        let mut list = self.inner.associations(r).await?;
        list.push(self.ghost.clone());
        Ok(list)
    }
    async fn instance_profiles(&self) -> Result<Vec<InstanceProfile>, ApiError> {
        self.inner.instance_profiles().await
    }
    async fn associate(&self, r: &str, i: &str, p: &ProfileRef) -> Result<Association, ApiError> {
        self.inner.associate(r, i, p).await
    }
    async fn replace(&self, r: &str, a: &str, p: &ProfileRef) -> Result<Association, ApiError> {
        self.inner.replace(r, a, p).await
    }
    async fn disassociate(&self, r: &str, a: &str) -> Result<Association, ApiError> {
        self.inner.disassociate(r, a).await
    }
    async fn caller_identity(&self) -> Result<CallerIdentity, ApiError> {
        self.inner.caller_identity().await
    }
    async fn role_policies(
        &self,
        role: &str,
    ) -> Result<Vec<rolecall::core::policy::Policy>, ApiError> {
        self.inner.role_policies(role).await
    }
    async fn instance_profiles_for_role(&self, r: &str) -> Result<Vec<InstanceProfile>, ApiError> {
        self.inner.instance_profiles_for_role(r).await
    }
    async fn put_role_policy(&self, r: &str, n: &str, d: &str) -> Result<(), ApiError> {
        self.inner.put_role_policy(r, n, d).await
    }
}

#[tokio::test]
async fn a_stale_association_id_becomes_a_clear_message() {
    let w = world(Kind::Moto, &standard_spec());
    let ghost = Association {
        id: "iip-assoc-0fffffffffffffff0".into(),
        instance_id: w.id("web-2"),
        state: rolecall::aws::AssociationState::Associated,
        profile: rolecall::aws::ProfileSummary::new(w.profiles["web"].clone(), "AIPA"),
        timestamp: None,
        request_id: None,
    };
    let session = Session::on(
        Arc::new(StaleView {
            inner: w.cloud.clone(),
            ghost,
        }),
        vec!["us-east-1".into()],
    );
    let e = cli::detach(&session, None, &w.id("web-2"))
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 1);
    assert!(msg.contains("InvalidAssociationID.NotFound"), "{msg}");
    assert!(msg.contains("run the command again"), "{msg}");
    let e = cli::set(
        &session,
        None,
        &w.id("web-2"),
        &ProfileRef::Name("batch".into()),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("changed while rolecall was working"),
        "{e}"
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = run(bin(), &["completions", shell]);
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        assert!(
            o.stdout.contains("org-role"),
            "{shell} completes --org-role"
        );
        if shell == "bash" {
            let script = dir.path().join("rolecall.bash");
            std::fs::write(&script, &o.stdout).unwrap();
            let check = std::process::Command::new("bash")
                .arg("-n")
                .arg(&script)
                .output()
                .unwrap();
            assert!(
                check.status.success(),
                "bash -n: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
    let o = run(bin(), &["man"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains(".TH rolecall 1"), "{}", &o.stdout[..200]);
    assert!(o.stdout.contains("completions") && o.stdout.contains("\\-\\-org\\-role"));
    let o = run(bin(), &["completions", "tcsh"]);
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("possible values"));
}

#[test]
fn the_config_file_gives_defaults_the_command_line_overrides_and_config_check_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "regions = [\"eu-west-1\"]\npoll = 5\nconcurrency = 2\n[colors]\nselection = \"#224466\"\n",
    )
    .unwrap();
    let regions_of = |args: &[&str]| -> std::collections::BTreeSet<String> {
        let o = run(bin(), args);
        assert_eq!(o.code, 0, "{}", o.stderr);
        serde_json::from_str::<Vec<Value>>(&o.stdout)
            .unwrap()
            .iter()
            .map(|r| r["region"].as_str().unwrap().to_string())
            .collect()
    };
    let g = good.to_str().unwrap();
    assert_eq!(
        regions_of(&["--demo", "--config", g, "list", "--output", "json"]),
        ["eu-west-1".to_string()].into()
    );
    assert_eq!(
        regions_of(&[
            "--demo",
            "--config",
            g,
            "--region",
            "us-east-1",
            "list",
            "--output",
            "json"
        ]),
        ["us-east-1".to_string()].into()
    );

    let o = run(bin(), &["--config", g, "config", "path"]);
    assert_eq!(o.code, 0);
    assert_eq!(o.stdout.trim(), g);
    let o = run(bin(), &["--config", g, "config", "check"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains(": ok ("), "{}", o.stdout);

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "poll = 5\n\n[colors]\nerror = \"blurple\"\n").unwrap();
    let o = run(
        bin(),
        &["--config", bad.to_str().unwrap(), "config", "check"],
    );
    assert_eq!(o.code, 2);
    let line = one_line_error(&o);
    assert!(
        line.contains("line 4: error: 'blurple' is not a colour"),
        "{line}"
    );
    // A file no config needs (or a device that never ends) is refused, not read.
    let huge = dir.path().join("huge.toml");
    std::fs::write(&huge, "#".repeat(2 * 1024 * 1024)).unwrap();
    let o = run(
        bin(),
        &["--config", huge.to_str().unwrap(), "config", "check"],
    );
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("larger than"), "{}", o.stderr);
    // The default location, absent: said, not an error.
    let o = run(
        {
            let mut c = bin();
            c.env("XDG_CONFIG_HOME", dir.path().join("none"));
            c
        },
        &["config", "path"],
    );
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("does not exist"), "{}", o.stdout);
}

/// The README's Keys and options tables are generated from the key table and
/// the command-line definition: they cannot drift. To regenerate them:
/// `ROLECALL_UPDATE_README=1 cargo test --test it readme`.
#[test]
fn the_readme_keys_and_options_are_generated_from_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let mut readme = std::fs::read_to_string(path).unwrap();
    let mut stale = Vec::new();
    for (name, table) in [
        ("keys", rolecall::tui::app::keymap::markdown_table()),
        ("options", rolecall::cli::args::options_markdown()),
    ] {
        let start = format!("<!-- {name}: generated, see tests/it/cli_bin.rs -->\n");
        let end = format!("<!-- end {name} -->");
        let from = readme
            .find(&start)
            .unwrap_or_else(|| panic!("README has no {start}"))
            + start.len();
        let to = from + readme[from..].find(&end).unwrap();
        if readme[from..to] != table {
            stale.push(name);
            readme.replace_range(from..to, &table);
        }
    }
    if std::env::var_os("ROLECALL_UPDATE_README").is_some() {
        std::fs::write(path, &readme).unwrap();
    } else {
        assert!(
            stale.is_empty(),
            "README's {stale:?} table is not what the code says: ROLECALL_UPDATE_README=1 cargo test --test it readme"
        );
    }
}

/// The README's config file passes `config check` with the line the README
/// shows, and its example of a refused value is the line printed.
#[test]
fn the_readme_config_check_example_is_what_config_check_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## The config file").unwrap()..];
    let toml = section
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let check = |text: &str| {
        std::fs::write(dir.path().join("c.toml"), text).unwrap();
        let mut c = bin();
        c.current_dir(dir.path());
        run(c, &["--config", "c.toml", "config", "check"])
    };
    let o = check(toml);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let ok = o.stdout.trim_end();
    assert!(
        section.contains(&format!("\n{ok}\n")),
        "the README should show: {ok}"
    );
    let blurple = toml.replace("header = \"cyan\"", "header = \"blurple\"");
    assert_ne!(blurple, toml);
    let o = check(&blurple);
    assert_eq!(o.code, 2, "{}", o.stdout);
    let line = one_line_error(&o);
    assert!(
        section.contains(&format!("\n{line}\n")),
        "the README should show: {line}"
    );
}

/// Output to a reader that stops reading (`rolecall diff A B | head -1`) ends
/// quietly, as other CLIs do: nothing on stderr (no "Broken pipe", no
/// error), no panic, and the command's own exit status.
#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    use std::io::BufRead;
    use std::process::Stdio;
    let state = tempfile::tempdir().unwrap();
    let spawn = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_rolecall"))
            .args(args)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env("XDG_STATE_HOME", state.path())
            .env("XDG_CONFIG_HOME", state.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let quiet = |child: std::process::Child, what: &str| {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 141)),
            "{what}: {:?}: {stderr}",
            out.status
        );
        assert!(stderr.trim().is_empty(), "{what}: {stderr}");
    };
    // A long table (far more than a pipe holds): the reader takes the first
    // line and goes, as `head -1` does, while rolecall is still writing.
    let mut child = spawn(&[
        "--demo",
        "--demo-latency",
        "0",
        "--demo-fleet",
        "5000",
        "list",
    ]);
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("INSTANCE"), "{first}");
    quiet(child, "list | head -1");
    // The reader is gone before anything is written.
    for args in [
        &[
            "--demo",
            "--demo-latency",
            "0",
            "--profile",
            "demo-main",
            "diff",
            "web-frontend",
            "incident-quarantine",
        ][..],
        &["completions", "bash"][..],
        &["man"][..],
    ] {
        let mut child = spawn(args);
        drop(child.stdout.take());
        quiet(child, &args.join(" "));
    }
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_rolecall"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let commit = head.unwrap_or_else(|| "unknown commit".into());
    assert_eq!(
        text,
        format!("rolecall {} ({commit})\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn config_check_reads_the_journal_setting_as_the_commands_would() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    let check = |text: &str| {
        std::fs::write(&config, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_rolecall"))
            .args(["--config", config.to_str().unwrap(), "config", "check"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(check("journal = \"s3://team-ir/incidents/\"\n").0, 0);
    for bad in [
        "journal = \"s3://Bad_Bucket/x/\"\n",
        "journal = \"S3://team-ir/x/\"\n",
        "journal = \"\"\n",
        "journal_profile = \" \"\n",
    ] {
        let (code, err) = check(bad);
        assert_eq!(code, 2, "{bad}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{bad}: {err}");
    }
}

#[test]
fn the_journal_table_names_each_caller_once_one_account_has_several() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let demo = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rolecall"))
            .arg("--demo")
            .args(["--journal", journal.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap()
    };
    assert!(
        demo(&["set", "i-0c11c05dff7b9c8f9", "web-frontend"])
            .status
            .success()
    );
    let one = String::from_utf8_lossy(&demo(&["journal"]).stdout).into_owned();
    assert!(!one.contains("CALLER"), "one caller: {one}");
    // A teammate's change to the same account, as a shared journal holds it.
    let text = std::fs::read_to_string(&journal).unwrap();
    let theirs: String = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v["id"] = "c-theirs".into();
            v["batch"] = "b-theirs".into();
            v["caller_arn"] = "arn:aws:sts::210987654321:assumed-role/OnCallOperator/sam".into();
            format!("{v}\n")
        })
        .collect();
    std::fs::write(&journal, text + &theirs).unwrap();
    let two = String::from_utf8_lossy(&demo(&["journal"]).stdout).into_owned();
    assert!(two.lines().next().unwrap().ends_with("CALLER"), "{two}");
    assert!(two.contains("assumed-role/OnCallOperator/sam"), "{two}");
    assert!(
        two.contains("assumed-role/OnCallOperator/alex@example.com"),
        "{two}"
    );
}
