//! The binary under hostile input and network faults: colliding profile names,
//! silent endpoints, lost answers, huge and malformed input, escape sequences.

use std::io::Write;
use std::sync::atomic::Ordering;

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::backends::{Kind, standard_spec, world};
use crate::cli_bin::{bin, one_line_error, run};
use crate::netfault::{DroppingProxy, SilentEndpoint};

/// Dummy credentials and a region, no shared files, pointed at `endpoint`.
fn on(endpoint: &str) -> Command {
    let mut c = bin();
    c.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent/rolecall-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/rolecall-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

#[test]
fn set_never_takes_the_instance_profile_for_the_credentials_profile() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    // A shared config whose profile names collide with instance profile names;
    // `web` points at a dead endpoint in another region with other keys.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[profile web]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:9\n\
         [profile ops]\nregion = us-east-1\n",
    )
    .unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        "[web]\naws_access_key_id = WRONGACCOUNT\naws_secret_access_key = wrong\n\
         [ops]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let with_files = || {
        let mut c = on(&moto.endpoint);
        c.env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
        c
    };
    let web2 = w.id("web-2");
    let o = run(with_files(), &["set", &web2, "web", "--output", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["association"]["profile_name"], "web");
    // And --profile after the subcommand selects credentials, apart from PROFILE.
    let web1 = w.id("web-1");
    let o = run(
        with_files(),
        &[
            "set",
            "--profile",
            "ops",
            &web1,
            "batch",
            "--output",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let now = crate::backends::profiles_now(&w);
    assert_eq!(now[&web2].as_deref(), Some("web"));
    assert_eq!(now[&web1].as_deref(), Some("batch"));
    // An unknown --profile names itself, not "no region configured".
    let o = run(with_files(), &["--profile", "nosuch", "list"]);
    assert_eq!(o.code, 2);
    let line = one_line_error(&o);
    assert!(
        line.contains("'nosuch'") && line.contains("ops, web"),
        "{line}"
    );
}

#[test]
fn a_silent_endpoint_fails_in_one_line_instead_of_hanging() {
    let silent = SilentEndpoint::start();
    let o = run(
        on(&silent.url),
        &["--timeout", "2", "--region", "us-east-1", "list"],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let line = one_line_error(&o);
    assert!(line.contains("did not answer"), "{line}");
    let o = run(on(&silent.url), &["--timeout", "2", "list"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    one_line_error(&o);
}

#[test]
fn a_lost_answer_is_reread_not_reported_as_failed() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let proxy = DroppingProxy::start(&moto.endpoint, "Action=AssociateIamInstanceProfile");
    let web2 = w.id("web-2");
    let o = run(on(&proxy.url), &["set", &web2, "batch", "--output", "json"]);
    assert_eq!(
        proxy.dropped.load(Ordering::SeqCst),
        1,
        "sent once, never again"
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("was lost"), "{}", o.stderr);
    assert!(
        o.stderr.contains(&format!(
            "re-reading shows instance {web2} has profile batch"
        )),
        "{}",
        o.stderr
    );
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["association"]["profile_name"], "batch");
    assert_eq!(
        crate::backends::profiles_now(&w)[&web2].as_deref(),
        Some("batch")
    );
}

#[test]
fn huge_and_hostile_names_never_break_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "n".repeat(70_000);
    let fleet = json!({
        "account": "111122223333",
        "caller_arn": "arn:aws:sts::111122223333:assumed-role/x/y",
        "profiles": [{"name": "web", "role": "web-role"}],
        "regions": {"us-east-1": [
            {"id": "i-0000000000000000a", "name": huge, "state": "running", "type": "t3.micro", "profile": "web"},
            {"id": "i-0000000000000000b", "name": "evil\u{202e}txt.exe\u{200b}\u{1b}[31m", "state": "running", "type": "t3.micro", "profile": null}
        ]}
    });
    let path = dir.path().join("fleet.json");
    std::fs::write(&path, fleet.to_string()).unwrap();
    let p = path.to_str().unwrap();
    let o = run(bin(), &["--demo", "--demo-fleet-file", p, "list"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let row = o.stdout.lines().find(|l| l.contains("nnnn")).unwrap();
    assert!(row.contains("n…"), "the table cuts the name");
    assert!(row.chars().count() < 1000);
    for bad in ['\u{202e}', '\u{200b}', '\u{1b}'] {
        assert!(!o.stdout.contains(bad), "{bad:?} reached the terminal");
    }
    assert!(o.stdout.contains("eviltxt.exe[31m"), "{}", o.stdout);
    let o = run(
        bin(),
        &["--demo", "--demo-fleet-file", p, "list", "--output", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rows: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        rows[0]["name"].as_str().unwrap().len(),
        70_000,
        "json keeps it whole"
    );
}

#[test]
fn unbounded_input_is_refused_with_a_clear_error() {
    let o = run(bin(), &["--demo", "--demo-fleet-file", "/dev/zero", "list"]);
    assert_eq!(o.code, 2);
    assert!(
        one_line_error(&o).contains("larger than 64 MiB"),
        "{}",
        o.stderr
    );
    let o = run(bin(), &["--demo", "--demo-fleet", "10000000", "list"]);
    assert_eq!(o.code, 2);
    assert!(one_line_error(&o).contains("10000000"), "{}", o.stderr);
    // The largest allowed fleet still loads (linear work).
    let o = run(
        bin(),
        &[
            "--demo",
            "--demo-fleet",
            "100000",
            "--region",
            "us-east-1",
            "list",
            "--output",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn messages_name_what_was_wrong() {
    // clap's missing argument is named, with the usage.
    let o = run(bin(), &["--demo", "set", "i-0123456789abcdef0"]);
    assert_eq!(o.code, 2);
    let line = one_line_error(&o);
    assert!(
        line.contains("<PROFILE>") && line.contains("usage:"),
        "{line}"
    );
    // Control characters typed by the user are shown, not silently dropped.
    let rows: Vec<Value> =
        serde_json::from_str(&run(bin(), &["--demo", "list", "--output", "json"]).stdout).unwrap();
    let id = rows.iter().find(|r| r["state"] == "running").unwrap()["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = run(bin(), &["--demo", "set", &id, "web-frontend\n"]);
    assert_eq!(o.code, 2);
    let line = one_line_error(&o);
    assert!(line.contains("'web-frontend\\n'"), "{line}");
    // A malformed endpoint is a usage error, from the flag or the environment.
    let o = run(
        on("http://127.0.0.1:9"),
        &["--endpoint-url", "localhost:4566", "list"],
    );
    assert_eq!(o.code, 2);
    assert!(
        one_line_error(&o).contains("is not an endpoint URL"),
        "{}",
        o.stderr
    );
    let o = run(on("127.0.0.1 4566"), &["list"]);
    assert_eq!(o.code, 2);
    assert!(
        one_line_error(&o).contains("AWS_ENDPOINT_URL"),
        "{}",
        o.stderr
    );
}

#[test]
fn the_log_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sub").join("rolecall.log");
    let o = run(
        bin(),
        &["--demo", "--log-file", log.to_str().unwrap(), "list"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    writeln!(f, "still writable by its owner").unwrap();
}

#[test]
fn a_malformed_config_file_is_one_line_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "quarantine_profile = \"q\"\n[[account]]\nid = 12\n",
    )
    .unwrap();
    for args in [vec!["--demo", "list"], vec!["--demo"]] {
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend(args);
        let o = run(bin(), &all);
        assert_eq!(o.code, 2, "{}", o.stderr);
        let line = one_line_error(&o);
        assert!(line.contains("config.toml, line 3:"), "{line}");
    }
    // A missing --config file is an error; a missing default one is not.
    let o = run(
        bin(),
        &["--config", "/nonexistent/rolecall.toml", "--demo", "list"],
    );
    assert_eq!(o.code, 2);
    one_line_error(&o);
    let mut c = bin();
    c.env("XDG_CONFIG_HOME", dir.path().join("nothing-here"));
    let o = run(c, &["--demo", "list"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

/// Credential errors say what to run: an expired SSO session names the
/// profile and `aws sso login`; no region says where to set one.
#[test]
fn credential_errors_say_how_to_fix_them() {
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(aws.join("sso").join("cache")).unwrap();
    std::fs::write(
        aws.join("config"),
        "[profile ops-sso]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Ops\nregion = us-east-1\n\n\
         [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\n\
         [profile noregion]\naws_access_key_id = a\naws_secret_access_key = b\n",
    )
    .unwrap();
    // The cached token of session `corp` (named by the SHA-1 of the session
    // name, as the AWS CLI writes it), expired, with nothing to refresh it.
    let sha1 = std::process::Command::new("python3")
        .args([
            "-c",
            "import hashlib;print(hashlib.sha1(b'corp').hexdigest())",
        ])
        .output()
        .unwrap();
    let name = String::from_utf8(sha1.stdout).unwrap().trim().to_string();
    std::fs::write(
        aws.join("sso").join("cache").join(format!("{name}.json")),
        r#"{"accessToken":"old","expiresAt":"2020-01-01T00:00:00Z","region":"us-east-1","startUrl":"https://example.awsapps.com/start"}"#,
    )
    .unwrap();
    let bin = || {
        let mut c = crate::cli_bin::bin();
        c.env("HOME", home.path())
            .env("AWS_CONFIG_FILE", aws.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN");
        c
    };
    let o = run(
        bin(),
        &[
            "--profile",
            "ops-sso",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--timeout",
            "3",
            "list",
        ],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let line = one_line_error(&o);
    assert!(
        line.contains("SSO session of profile ops-sso has expired")
            && line.contains("aws sso login --profile ops-sso"),
        "{line}"
    );
    let o = run(bin(), &["--profile", "noregion", "list"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    let line = one_line_error(&o);
    assert!(
        line.contains("no region configured") && line.contains("region = us-east-1"),
        "{line}"
    );
}

#[test]
fn contain_refuses_bad_input_before_reading_or_sending_anything() {
    let id = "i-0b9e1428d3a375d65";
    for (args, says) in [
        (
            vec![
                "--demo",
                "--no-journal",
                "contain",
                id,
                "--case",
                "IR-1",
                "--yes",
            ],
            "drop --no-journal",
        ),
        (
            vec!["--demo", "--read-only", "contain", id, "--yes"],
            "--read-only",
        ),
        (
            vec!["--demo", "contain", id, "--case", "bad case", "--yes"],
            "is not a case id",
        ),
        (
            vec!["--demo", "contain", id, "--case", "IR\u{1b}[2J", "--yes"],
            "is not a case id",
        ),
        (
            vec!["--demo", "contain", "nonsense", "--yes"],
            "is not an instance id",
        ),
        (
            vec!["--demo", "release", "IR-none", "--yes"],
            "the journal has no case IR-none",
        ),
    ] {
        let o = run(bin(), &args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        let line = one_line_error(&o);
        assert!(line.contains(says), "{args:?}: {line}");
        // Nothing planned was printed: no read reached AWS.
        assert!(!o.stderr.contains("deny on role"), "{args:?}: {}", o.stderr);
        assert!(!line.contains('\u{1b}'), "{line:?}");
    }
}
