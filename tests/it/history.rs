//! `history` against moto (EC2, IAM, STS) and a stand-in CloudTrail (moto
//! has no LookupEvents): a small HTTP server answering LookupEvents in the
//! JSON 1.1 protocol from canned events, paging 50 at a time, throttling
//! the first calls, or refusing them all.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::backends::{Kind, standard_spec, world};
use crate::moto::Moto;

/// How the stand-in answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Pages of the canned events; the first `throttle` calls are refused
    /// with ThrottlingException.
    Serve { throttle: usize },
    /// Every call refused with AccessDeniedException.
    Deny,
}

/// A request it was sent: the lookup attributes and page size.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    attributes: Value,
    max_results: Option<u64>,
}

struct StandIn {
    endpoint: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    fn start(events: Vec<Value>, mode: Mode) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (events, log) = (Arc::new(events), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (events, log) = (events.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &events, &log, mode));
            }
        });
        StandIn { endpoint, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Answers the requests of one connection (keep-alive) until it closes.
fn serve(stream: TcpStream, events: &[Value], log: &Mutex<Vec<Seen>>, mode: Mode) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            headers.push(line.trim_end().to_string());
        }
        let header = |name: &str| {
            headers.iter().find_map(|h| {
                let (k, v) = h.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
        };
        let length: usize = header("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let n = {
            let mut log = log.lock().unwrap();
            log.push(Seen {
                target: header("x-amz-target").unwrap_or_default(),
                attributes: request["LookupAttributes"].clone(),
                max_results: request["MaxResults"].as_u64(),
            });
            log.len()
        };
        let (status, answer) = match mode {
            Mode::Deny => (
                "400 Bad Request",
                json!({"__type": "AccessDeniedException",
                       "message": "User: arn:aws:iam::123456789012:user/test is not authorized to perform: cloudtrail:LookupEvents"}),
            ),
            Mode::Serve { throttle } if n <= throttle => (
                "400 Bad Request",
                json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
            ),
            Mode::Serve { .. } => ("200 OK", page(events, &request)),
        };
        let text = answer.to_string();
        let reply = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: standin-{n}\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// One page of the events named by the (single) EventName attribute,
/// newest first, 50 at most; NextToken is the offset.
fn page(events: &[Value], request: &Value) -> Value {
    let name = request["LookupAttributes"][0]["AttributeValue"]
        .as_str()
        .unwrap_or_default();
    let mut matching: Vec<&Value> = events.iter().filter(|e| e["eventName"] == name).collect();
    matching.sort_by(|a, b| b["eventTime"].as_str().cmp(&a["eventTime"].as_str()));
    let skip: usize = request["NextToken"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let max = request["MaxResults"].as_u64().unwrap_or(50).min(50) as usize;
    let chunk: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(max)
        .map(|e| {
            let time = humantime::parse_rfc3339(e["eventTime"].as_str().unwrap()).unwrap();
            let secs = time
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            json!({"EventId": e["eventID"], "EventName": e["eventName"],
                   "EventTime": secs, "EventSource": "ec2.amazonaws.com",
                   "CloudTrailEvent": e.to_string()})
        })
        .collect();
    let next = skip + chunk.len();
    let mut answer = json!({"Events": chunk});
    if next < matching.len() {
        answer["NextToken"] = json!(next.to_string());
    }
    answer
}

fn at(hours_ago: u64) -> String {
    humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(hours_ago * 3600),
    )
    .to_string()
}

/// A CloudTrail record of an EC2 profile call.
#[allow(clippy::too_many_arguments)]
fn record(
    id: &str,
    name: &str,
    time: String,
    identity: Value,
    ip: &str,
    agent: &str,
    request_id: &str,
    request: Value,
    response: Value,
) -> Value {
    json!({"eventVersion": "1.09", "userIdentity": identity, "eventTime": time,
           "eventSource": "ec2.amazonaws.com", "eventName": name, "awsRegion": "us-east-1",
           "sourceIPAddress": ip, "userAgent": agent, "requestParameters": request,
           "responseElements": response, "requestID": request_id, "eventID": id})
}

/// Alice associates web-1 with web ten days ago; mallory (an assumed role)
/// replaces that association yesterday, the record without an answer.
fn alice_then_mallory(web1: &str, web_arn: &str) -> Vec<Value> {
    vec![
        record(
            "ev-alice",
            "AssociateIamInstanceProfile",
            at(240),
            user("alice"),
            "198.51.100.7",
            "aws-cli/2.15.0",
            "req-alice",
            json!({"AssociateIamInstanceProfileRequest": {"InstanceId": web1, "IamInstanceProfile": {"Name": "web"}}}),
            json!({"AssociateIamInstanceProfileResponse": {"iamInstanceProfileAssociation": {
                "associationId": "iip-assoc-0a11ce0000000001", "instanceId": web1,
                "iamInstanceProfile": {"arn": web_arn}}}}),
        ),
        record(
            "ev-mallory",
            "ReplaceIamInstanceProfileAssociation",
            at(24),
            json!({"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/Admin/mallory",
                   "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::123456789012:role/Admin"}}}),
            "203.0.113.9",
            "Boto3/1.26.0",
            "req-mallory",
            json!({"ReplaceIamInstanceProfileAssociationRequest": {"AssociationId": "iip-assoc-0a11ce0000000001",
                   "IamInstanceProfile": {"Arn": web_arn}}}),
            Value::Null,
        ),
    ]
}

fn user(name: &str) -> Value {
    json!({"type": "IAMUser", "arn": format!("arn:aws:iam::123456789012:user/{name}")})
}

fn history(moto: &Moto, cloudtrail: &str, journal: &str, args: &[&str]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rolecall"));
    c.env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_REGION")
        .timeout(std::time::Duration::from_secs(120));
    for (k, v) in moto.env() {
        c.env(k, v);
    }
    let out = c
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", cloudtrail)
        .args(["--journal", journal, "--region", "us-east-1"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn history_names_each_responder_ties_replaces_through_associations_and_pages_past_50() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let (web1, web2, stopped) = (w.id("web-1"), w.id("web-2"), w.id("stopped-1"));

    // rolecall's own change, journaled with moto's request id.
    let (code, _, err) = history(
        moto,
        "http://127.0.0.1:9",
        journal,
        &["set", &web2, "batch"],
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = std::fs::read_to_string(journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let done = lines.iter().find(|l| l["phase"] == "done").unwrap();
    let ours = done["request_ids"][0].as_str().unwrap().to_string();
    let made = done["association_id_after"].as_str().unwrap().to_string();
    let current = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(w.cloud.associations("us-east-1"))
        .unwrap();
    let stopped_assoc = current
        .iter()
        .find(|a| a.instance_id == stopped)
        .unwrap()
        .id
        .clone();
    let (web_arn, batch_arn) = (&w.profiles["web"], &w.profiles["batch"]);

    let mut events = alice_then_mallory(&web1, web_arn);
    events.extend([
        // Ours: the user agent does not say rolecall; the journal does.
        record(
            "ev-ours",
            "AssociateIamInstanceProfile",
            at(0),
            user("operator"),
            "192.0.2.1",
            "aws-sdk-rust/1.3.0 os/linux lang/rust/1.85",
            &ours,
            json!({"AssociateIamInstanceProfileRequest": {"InstanceId": web2, "IamInstanceProfile": {"Name": "batch"}}}),
            json!({"AssociateIamInstanceProfileResponse": {"iamInstanceProfileAssociation": {
                "associationId": made, "instanceId": web2, "iamInstanceProfile": {"arn": batch_arn}}}}),
        ),
        // Alice made an association of web-1 ten days ago, which mallory
        // replaced yesterday; that record has no answer, so only alice's
        // event ties it to web-1.
        // Bob's disassociate names only the association moto holds now.
        record(
            "ev-bob",
            "DisassociateIamInstanceProfile",
            at(2),
            user("bob"),
            "198.51.100.8",
            "aws-cli/2.15.0",
            "req-bob",
            json!({"DisassociateIamInstanceProfileRequest": {"AssociationId": stopped_assoc}}),
            Value::Null,
        ),
        // Another instance's replace, of an association nothing names: never lent.
        record(
            "ev-stranger",
            "ReplaceIamInstanceProfileAssociation",
            at(3),
            user("eve"),
            "203.0.113.66",
            "aws-cli/2.15.0",
            "req-eve",
            json!({"AssociationId": "iip-assoc-0000000000000bad", "IamInstanceProfile": {"Name": "web"}}),
            Value::Null,
        ),
    ]);
    // 55 refused attempts on web-1: two pages of AssociateIamInstanceProfile.
    for n in 0..55 {
        let mut e = record(
            &format!("ev-scan-{n:02}"),
            "AssociateIamInstanceProfile",
            at(100 + n),
            user("scanner"),
            "203.0.113.50",
            "python-requests/2.31",
            &format!("req-scan-{n}"),
            json!({"AssociateIamInstanceProfileRequest": {"InstanceId": web1, "IamInstanceProfile": {"Name": "batch"}}}),
            Value::Null,
        );
        e["errorCode"] = json!("Client.IncorrectState");
        e["errorMessage"] = json!("There is an existing association for instance");
        events.push(e);
    }
    let trail = StandIn::start(events, Mode::Serve { throttle: 2 });

    // web-1: both responders, mallory's replace tied through alice's
    // association, and past the first page of 50.
    let (code, out, err) = history(
        moto,
        &trail.endpoint,
        journal,
        &["history", &web1, "--output", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let h: Value = serde_json::from_str(&out).unwrap();
    let changes = h["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 57, "{out}");
    let first = &changes[0];
    assert_eq!(first["event"], "replace");
    assert_eq!(
        first["actor"],
        "arn:aws:sts::123456789012:assumed-role/Admin/mallory"
    );
    assert_eq!(first["via_role"], "arn:aws:iam::123456789012:role/Admin");
    assert_eq!(first["source_ip"], "203.0.113.9");
    assert_eq!(first["from"]["name"], "web");
    assert_eq!(first["to"]["arn"], web_arn.as_str());
    assert_eq!(first["made_by_rolecall"], Value::Null);
    let alice = changes
        .iter()
        .find(|c| c["event_id"] == "ev-alice")
        .unwrap();
    assert_eq!(alice["actor"], "arn:aws:iam::123456789012:user/alice");
    assert_eq!(alice["source_ip"], "198.51.100.7");
    assert_eq!(alice["from"], Value::Null);
    assert_eq!(
        changes.iter().filter(|c| c["result"] == "refused").count(),
        55
    );
    assert!(
        !out.contains("ev-stranger"),
        "another instance's event was lent: {out}"
    );
    assert_eq!(h["untied_events"], 1);

    // One attribute per call, pages of 50, throttling retried: 2 refused,
    // then 2 pages of associate, 1 of replace, 1 of disassociate.
    let seen = trail.seen();
    assert_eq!(seen.len(), 6, "{seen:?}");
    for s in &seen {
        assert_eq!(s.target, "CloudTrail_20131101.LookupEvents");
        assert_eq!(s.attributes.as_array().map(Vec::len), Some(1), "{s:?}");
        assert_eq!(s.attributes[0]["AttributeKey"], "EventName");
        assert_eq!(s.max_results, Some(50));
    }

    // web-2: rolecall's own change, known by the journal's request id.
    let (code, out, err) = history(
        moto,
        &trail.endpoint,
        journal,
        &["history", &web2, "--output", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let h: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(h["changes"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(h["changes"][0]["made_by_rolecall"], "journal");
    assert_eq!(h["changes"][0]["to"]["name"], "batch");

    // stopped-1: bob's disassociate, tied by the association moto holds,
    // names what it took away. The table says who and from where.
    let (code, out, err) = history(moto, &trail.endpoint, journal, &["history", &stopped]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("disassociate"), "{out}");
    assert!(out.contains("api → none"), "{out}");
    assert!(out.contains("arn:aws:iam::123456789012:user/bob"), "{out}");
    assert!(out.contains("198.51.100.8"), "{out}");
    assert!(!out.contains("mallory"), "{out}");
}

#[test]
fn a_refused_or_silent_cloudtrail_is_said_never_shown_as_no_changes() {
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let web1 = w.id("web-1");

    let denied = StandIn::start(vec![], Mode::Deny);
    let (code, out, err) = history(moto, &denied.endpoint, journal, &["history", &web1]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "nothing is shown as history: {out}");
    assert!(
        err.contains("cloudtrail:LookupEvents")
            && err.contains("AccessDenied")
            && err.contains("grant"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // Nothing listening.
    let closed = format!("http://{}", {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    });
    let (code, out, err) = history(
        moto,
        &closed,
        journal,
        &["history", &web1, "--output", "json"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("cloudtrail:LookupEvents failed"), "{err}");

    // Bad input: a line, exit 2, before any call.
    for args in [
        vec!["history", web1.as_str(), "--days", "0"],
        vec!["history", web1.as_str(), "--days", "91"],
        vec!["history", "i-nothex"],
        vec!["history", "i-0123456789abcdef0"],
    ] {
        let (code, _, err) = history(moto, &denied.endpoint, journal, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn h_in_the_tui_shows_who_changed_the_profile_from_cloudtrail() {
    use crate::e2e::Tmux;
    let w = world(Kind::Moto, &standard_spec());
    let moto = w.moto.as_ref().unwrap();
    let web1 = w.id("web-1");
    let web_arn = &w.profiles["web"];
    let trail = StandIn::start(
        alice_then_mallory(&web1, web_arn),
        Mode::Serve { throttle: 0 },
    );
    let dir = tempfile::tempdir().unwrap();
    let env: Vec<String> = moto
        .env()
        .into_iter()
        .chain([("AWS_ENDPOINT_URL_CLOUDTRAIL", trail.endpoint.clone())])
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let command = format!(
        "env {} {} --region us-east-1 --journal {}",
        env.join(" "),
        env!("CARGO_BIN_EXE_rolecall"),
        dir.path().join("journal.jsonl").display()
    );
    let tmux = Tmux {
        socket: format!("rolecall-history-{}", std::process::id()),
        session: "history".into(),
    };
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "history",
        "-x",
        "160",
        "-y",
        "45",
        &command,
    ]);
    assert!(started.status.success());
    tmux.wait_for("the instances", |s| {
        s.contains("web-1") && s.contains("stopped-1")
    });
    tmux.keys(&["/"]);
    tmux.text("web-1");
    tmux.keys(&["Enter"]);
    // The detail pane names the latest caller once the region's history is in.
    tmux.wait_for("the detail pane's caller", |s| {
        s.contains("Admin/mallory (from 203.0.113.9)")
    });
    tmux.keys(&["h"]);
    let s = tmux.wait_for("the history", |s| {
        s.contains("Who changed") && s.contains("user/alice")
    });
    assert!(s.contains("web → web"), "{s}");
    assert!(s.contains("assumed-role/Admin/mallory (role arn:aws:iam::123456789012:role/Admin) from 203.0.113.9"), "{s}");
    assert!(s.contains("none → web"), "{s}");
    assert!(s.contains("198.51.100.7"), "{s}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the history to close", |s| !s.contains("Who changed"));
    tmux.keys(&["q"]);
}

#[test]
fn history_on_the_demo_says_what_it_could_not_read_and_refuses_bad_fleets() {
    let demo = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rolecall"))
            .env(
                "XDG_STATE_HOME",
                std::env::temp_dir().join("rolecall-history-demo"),
            )
            .arg("--demo")
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The story: newest first, the refused try at the admin profile kept
    // even when the window starts after the association it named was made.
    let (code, out, err) = demo(&["history", "i-0d42a655ad912bbf5", "--days", "35"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    // What it replaced was made before the window: unknown, not guessed.
    assert!(rows[0].contains("? → ml-training"), "{out}");
    assert!(
        rows[1].contains("refused (Client.UnauthorizedOperation)")
            && rows[1].contains("break-glass-admin"),
        "{out}"
    );
    // Reads that failed: the instance may be there; not a usage error.
    let (code, out, err) = demo(&[
        "--demo-faults",
        "unreachable=0+600",
        "history",
        "i-0d42a655ad912bbf5",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("was not found, but not everything could be read"),
        "{err}"
    );
    // A fleet whose past no clock can hold: refused in one line.
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet.json");
    std::fs::write(
        &fleet,
        json!({"account": "123456789012", "caller_arn": "arn:aws:iam::123456789012:user/x",
               "profiles": [{"name": "p"}],
               "regions": {"us-east-1": [{"id": "i-0aaaaaaaaaaaaaaa1", "state": "running", "type": "t3.micro",
                   "profile": "p", "history": [{"event": "associate", "to": "p", "hours_ago": 1e16,
                   "actor": "a", "source_ip": "1", "user_agent": "u"}]}]}})
        .to_string(),
    )
    .unwrap();
    let (code, out, err) = demo(&[
        "--demo-fleet-file",
        fleet.to_str().unwrap(),
        "history",
        "i-0aaaaaaaaaaaaaaa1",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("hours_ago"), "{err}");
}
