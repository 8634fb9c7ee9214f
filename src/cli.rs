//! Command-line interface: clap definitions, the session (which cloud, which
//! regions), and the scripting subcommands `list`, `set` and `detach`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::aws::faults::FaultPlan;
use crate::aws::fleet::Fleet;
use crate::aws::memory::{MemoryAccount, MemoryOptions};
use crate::aws::sdk::{SdkCloud, SdkOptions};
use crate::aws::{ApiError, Association, Cloud, InstanceProfile, ProfileRef};
use crate::exec::{self, ExecError};
use crate::inventory::{self, InstanceRow};
use crate::plan::{self, MutationKind, SetPlan};
use crate::text::{escape, sanitize, truncate};

/// rolecall: see and change the IAM instance profiles of EC2 instances.
#[derive(Debug, Parser)]
#[command(
    name = "rolecall",
    version,
    about,
    long_about = None,
    after_help = "Without a command, rolecall opens the terminal UI (press ? in it for the keys).\nTry it with no AWS account: rolecall --demo"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    /// Without a command, rolecall opens the terminal UI.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// Named profile from the AWS shared config/credentials files.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Region to show; repeat for several (default: the configured region).
    #[arg(long = "region", global = true, value_name = "REGION")]
    pub regions: Vec<String>,
    /// Every region DescribeRegions returns.
    #[arg(long, global = true, conflicts_with = "regions")]
    pub all_regions: bool,
    /// Send every AWS call to this endpoint (also read from AWS_ENDPOINT_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Refuse every change; only look.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Use a built-in demo account instead of AWS (no credentials, no network).
    #[arg(long, global = true)]
    pub demo: bool,
    /// With --demo: generate N instances (1 to 100000) instead of the shipped fleet.
    #[arg(long, global = true, value_name = "N", requires = "demo",
          value_parser = clap::value_parser!(u64).range(1..=crate::aws::fleet::MAX_FLEET as u64))]
    pub demo_fleet: Option<u64>,
    /// With --demo: read the fleet from this JSON file.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        requires = "demo",
        conflicts_with = "demo_fleet"
    )]
    pub demo_fleet_file: Option<PathBuf>,
    /// With --demo: inject faults, e.g. `throttle-every=5,fail=replace:AccessDenied,unreachable=30+10`.
    #[arg(long, global = true, value_name = "SPEC", requires = "demo")]
    pub demo_faults: Option<String>,
    /// With --demo: per-call latency in milliseconds, `MIN-MAX` or one number (default 80-250).
    #[arg(long, global = true, value_name = "MS", requires = "demo", value_parser = parse_latency)]
    pub demo_latency: Option<(u64, u64)>,
    /// Seconds between association polls when nothing is changing.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub poll: u64,
    /// The longest one AWS call may take, retries included (connections get 3 s).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Where to write the log (default: $XDG_STATE_HOME/rolecall/rolecall.log).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

/// The scripting commands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// List every instance in the chosen regions with its instance profile.
    List {
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Put an instance profile (name or ARN) on an instance: associate or replace.
    Set {
        instance_id: String,
        /// The instance profile to put on the instance: a name or an ARN. Its own
        /// id, so it can never be mistaken for the global `--profile` (credentials).
        #[arg(id = "instance_profile", value_name = "PROFILE")]
        instance_profile: String,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Detach the instance profile from an instance.
    Detach {
        instance_id: String,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
}

/// Output format of the scripting commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

/// Why a command failed; each becomes one line on stderr and an exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: exit 2.
    #[error("{0}")]
    Usage(String),
    /// An AWS error: exit 1.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// Anything else at run time: exit 1.
    #[error("{0}")]
    Runtime(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Api(_) | CliError::Runtime(_) => 1,
        }
    }
}

/// Which cloud and which regions a run works on.
pub struct Session {
    pub cloud: Arc<dyn Cloud>,
    pub regions: Vec<String>,
    /// The in-memory account, when running the demo (tests reach into it).
    pub demo: Option<Arc<MemoryAccount>>,
    /// The credential profile in use, for the TUI header.
    pub profile_label: String,
    /// The endpoint override in force, for the TUI header.
    pub endpoint: Option<String>,
}

/// Builds the cloud the options ask for, without touching the network.
pub async fn connect(
    opts: &GlobalOpts,
) -> Result<(Arc<dyn Cloud>, Option<Arc<MemoryAccount>>, Option<String>), CliError> {
    if opts.demo {
        let fleet = match (&opts.demo_fleet_file, opts.demo_fleet) {
            (Some(path), _) => Fleet::load(path),
            (None, Some(n)) => {
                let n = n as usize;
                Ok(Fleet::generated(n, (n / 10).max(20)))
            }
            (None, None) => Fleet::builtin(),
        }
        .map_err(|e| CliError::Usage(e.to_string()))?;
        let mut options = MemoryOptions::demo();
        if let Some((min, max)) = opts.demo_latency {
            options.latency.min = Duration::from_millis(min);
            options.latency.max = Duration::from_millis(max);
        }
        if let Some(spec) = &opts.demo_faults {
            options.faults = FaultPlan::parse(spec).map_err(|e| CliError::Usage(e.to_string()))?;
        }
        let account = Arc::new(MemoryAccount::new(&fleet, options));
        return Ok((account.clone(), Some(account), None));
    }
    let from_env = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|s| !s.is_empty());
    match (&opts.endpoint_url, &from_env) {
        (Some(url), _) => check_endpoint_url(url, "--endpoint-url")?,
        (None, Some(url)) => check_endpoint_url(url, "AWS_ENDPOINT_URL")?,
        (None, None) => {}
    }
    let endpoint = opts.endpoint_url.clone().or(from_env);
    let named = match (&opts.profile, std::env::var("AWS_PROFILE")) {
        (Some(p), _) => Some((p.clone(), "--profile")),
        (None, Ok(p)) if !p.is_empty() => Some((p, "AWS_PROFILE")),
        _ => None,
    };
    if let Some((name, origin)) = named
        && let Err(why) = crate::aws::sdk::check_profile(&name).await
    {
        return Err(CliError::Usage(format!(
            "AWS profile '{}' (from {origin}) is not defined: {why}",
            escape(&name)
        )));
    }
    let sdk = SdkCloud::load(&SdkOptions {
        profile: opts.profile.clone(),
        endpoint_url: opts.endpoint_url.clone(),
        timeout: Some(Duration::from_secs(opts.timeout)),
    })
    .await;
    Ok((Arc::new(sdk), None, endpoint))
}

/// `80-250` or `0`: milliseconds, min not above max.
fn parse_latency(s: &str) -> Result<(u64, u64), String> {
    let number = |t: &str| {
        t.trim()
            .parse::<u64>()
            .map_err(|_| format!("'{t}' is not a whole number of milliseconds"))
    };
    let (min, max) = match s.split_once('-') {
        Some((a, b)) => (number(a)?, number(b)?),
        None => (number(s)?, number(s)?),
    };
    if min > max || max > 60_000 {
        return Err("expected MIN-MAX with MIN <= MAX <= 60000".into());
    }
    Ok((min, max))
}

/// Region names as AWS makes them: a partition-and-area prefix of two to four
/// letters (`us`, `eusc`), more lowercase parts, and a number (`eusc-de-east-1`).
fn valid_region_name(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// An endpoint override must be an http(s) URL with a host; anything else is
/// a usage error, not an endpoint that "did not answer".
pub fn check_endpoint_url(url: &str, origin: &str) -> Result<(), CliError> {
    let bad = |why: &str| {
        CliError::Usage(format!(
            "{origin} '{}' is not an endpoint URL: {why} (expected e.g. https://ec2.us-east-1.amazonaws.com or http://127.0.0.1:5000)",
            escape(url)
        ))
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    Ok(())
}

/// One line from a clap error: the message with what it names (clap puts the
/// missing arguments on the lines below the first), then the usage.
pub fn usage_error_line(rendered: &str) -> String {
    let mut message = Vec::new();
    let mut usage = None;
    let mut in_message = true;
    for line in rendered.lines() {
        let line = line.trim();
        if let Some(u) = line.strip_prefix("Usage: ") {
            usage = Some(u.trim().to_string());
            in_message = false;
        } else if line.is_empty() {
            if !message.is_empty() {
                in_message = false;
            }
        } else if in_message {
            message.push(line.strip_prefix("error: ").unwrap_or(line).to_string());
        }
    }
    let mut text = message.join(" ");
    if text.is_empty() {
        text = "invalid arguments".into();
    }
    if let Some(u) = usage {
        text.push_str(&format!(" (usage: {u})"));
    }
    escape(&text)
}

/// Who builds a session: the TUI opens even with the endpoint down (and
/// retries); a scripting command fails at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontEnd {
    Cli,
    Tui,
}

/// How long the TUI waits for DescribeRegions to check `--region` names.
const TUI_REGION_CHECK: Duration = Duration::from_secs(4);

/// Builds the session: the cloud, then the regions (checked against DescribeRegions).
pub async fn session(opts: &GlobalOpts, front: FrontEnd) -> Result<Session, CliError> {
    if let Some(bad) = opts.regions.iter().find(|r| !valid_region_name(r)) {
        return Err(CliError::Usage(format!(
            "'{}' is not a region name (expected something like us-east-1)",
            escape(bad)
        )));
    }
    let (cloud, demo, endpoint) = connect(opts).await?;
    let configured = if demo.is_some() {
        None
    } else {
        std::env::var("AWS_REGION")
            .ok()
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .filter(|s| !s.is_empty())
    };
    let regions = if opts.all_regions || (opts.regions.is_empty() && demo.is_some()) {
        cloud.regions().await?
    } else if !opts.regions.is_empty() {
        // Each region once, in the order given.
        let mut wanted = opts.regions.clone();
        let mut seen = std::collections::HashSet::new();
        wanted.retain(|r| seen.insert(r.clone()));
        // The TUI opens quickly even against a silent endpoint: it checks the
        // names only if DescribeRegions answers within a few seconds (its own
        // reads then show what fails); a script waits for the answer.
        let check = match front {
            FrontEnd::Cli => cloud.regions().await,
            FrontEnd::Tui => tokio::time::timeout(TUI_REGION_CHECK, cloud.regions())
                .await
                .unwrap_or_else(|_| {
                    Err(ApiError {
                        kind: crate::aws::ErrorKind::Unreachable,
                        action: crate::aws::actions::DESCRIBE_REGIONS,
                        code: None,
                        message: "no answer yet".into(),
                        request_id: None,
                    })
                }),
        };
        match check {
            Ok(known) => {
                if let Some(unknown) = wanted.iter().find(|r| !known.contains(r)) {
                    return Err(CliError::Usage(format!(
                        "unknown region '{}': this account's regions are {}",
                        escape(unknown),
                        known.join(", ")
                    )));
                }
            }
            // Without ec2:DescribeRegions the names cannot be checked now; the
            // calls will. With the endpoint down the TUI opens and retries; a
            // script fails now rather than waiting out a second timeout.
            Err(e) if e.is_access_denied() => {}
            Err(e) if front == FrontEnd::Tui && exec::answer_lost(&e) => {}
            Err(e) => return Err(e.into()),
        }
        wanted
    } else {
        let sdk_region = match configured {
            Some(r) => Some(r),
            None => crate::aws::sdk::configured_region(opts.profile.as_deref()).await,
        };
        vec![sdk_region.ok_or_else(|| {
            CliError::Usage(
                "no region configured: pass --region REGION (repeatable) or --all-regions, or set AWS_REGION".into(),
            )
        })?]
    };
    let profile_label = if demo.is_some() {
        "demo".to_string()
    } else {
        opts.profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .unwrap_or_else(|| "default".to_string())
    };
    Ok(Session {
        cloud,
        regions,
        demo,
        profile_label,
        endpoint,
    })
}

/// Runs a scripting command; what it prints goes to `out`, warnings to stderr.
pub async fn run(
    opts: &GlobalOpts,
    command: &Command,
    out: &mut dyn std::io::Write,
) -> Result<(), CliError> {
    // Refuse changes before anything touches the network.
    if opts.read_only && !matches!(command, Command::List { .. }) {
        return Err(CliError::Usage(
            "refusing to change anything: --read-only is set (drop it to make changes)".into(),
        ));
    }
    match command {
        Command::Set { instance_id, .. } | Command::Detach { instance_id, .. } => {
            check_instance_id(instance_id)?
        }
        Command::List { .. } => {}
    }
    let session = session(opts, FrontEnd::Cli).await?;
    let text = match command {
        Command::List { output } => {
            let rows = inventory::fetch(session.cloud.as_ref(), &session.regions).await?;
            render_list(&rows, *output)
        }
        Command::Set {
            instance_id,
            instance_profile,
            output,
        } => {
            let change = set(&session, instance_id, &ProfileRef::parse(instance_profile)).await?;
            render_change(&change, *output)
        }
        Command::Detach {
            instance_id,
            output,
        } => {
            let change = detach(&session, instance_id).await?;
            render_change(&change, *output)
        }
    };
    out.write_all(text.as_bytes())
        .map_err(|e| CliError::Runtime(format!("cannot write output: {e}")))
}

/// `i-` followed by 8 or 17 hex digits, as EC2 issues them.
pub fn check_instance_id(id: &str) -> Result<(), CliError> {
    let hex = id.strip_prefix("i-").unwrap_or("");
    if (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "'{}' is not an instance id (expected i- and 8 or 17 hex digits, e.g. i-0123456789abcdef0)",
            escape(id)
        )))
    }
}

/// What a `set` or `detach` did.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub region: String,
    pub instance_id: String,
    /// `associate`, `replace`, `disassociate`, or `none`.
    pub action: &'static str,
    pub previous_profile_arn: Option<String>,
    pub association: Option<Association>,
}

async fn find_instance(session: &Session, instance_id: &str) -> Result<InstanceRow, CliError> {
    let rows = inventory::fetch(session.cloud.as_ref(), &session.regions).await?;
    rows.into_iter()
        .find(|r| r.instance.id == instance_id)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "instance {instance_id} was not found in {} (pass --region REGION or --all-regions)",
                session.regions.join(", ")
            ))
        })
}

/// A failed change as one line: a stale view says to run again, a lost answer
/// says what the re-read showed.
fn change_failed(e: ExecError, instance_id: &str) -> CliError {
    match &e {
        ExecError::Refused {
            error,
            detached: None,
        } if error.code() == Some("InvalidAssociationID.NotFound") => CliError::Runtime(format!(
            "{} failed (InvalidAssociationID.NotFound): the association of {instance_id} changed while rolecall was working; run the command again",
            error.action
        )),
        ExecError::Refused {
            error,
            detached: None,
        } => CliError::Api(error.clone()),
        _ => CliError::Runtime(e.sentence(instance_id)),
    }
}

/// Runs a change through the executor. A lost answer whose re-read shows the
/// change in place is a success (said on stderr); otherwise it is an error.
async fn execute(
    session: &Session,
    region: &str,
    instance_id: &str,
    kind: &MutationKind,
) -> Result<Option<Association>, CliError> {
    let note = |text: String| eprintln!("rolecall: {}", sanitize(&text));
    match exec::run(session.cloud.as_ref(), region, instance_id, kind, &note).await {
        Ok(a) => Ok(Some(a)),
        Err(e) if e.reread_shows_done(kind) => {
            eprintln!("rolecall: warning: {}", sanitize(&e.sentence(instance_id)));
            match e {
                ExecError::Unknown { reread, .. } => Ok((*reread).unwrap_or(None)),
                _ => Ok(None),
            }
        }
        Err(e) => Err(change_failed(e, instance_id)),
    }
}

/// Puts `profile` on the instance: associate, replace, or (stopped instance)
/// disassociate then associate.
pub async fn set(
    session: &Session,
    instance_id: &str,
    profile: &ProfileRef,
) -> Result<Change, CliError> {
    let (row, profiles) = tokio::try_join!(find_instance(session, instance_id), async {
        session
            .cloud
            .instance_profiles()
            .await
            .map_err(CliError::from)
    })?;
    let target: &InstanceProfile = profiles.iter().find(|p| profile.matches(p)).ok_or_else(|| {
        CliError::Usage(format!(
            "instance profile '{}' does not exist in this account (see `aws iam list-instance-profiles`)",
            escape(&profile.to_string())
        ))
    })?;
    let region = row.instance.region.clone();
    let previous = row.association.as_ref().map(|a| a.profile.arn.clone());
    let plan = plan::plan_set(&row.instance, row.association.as_ref(), target)
        .map_err(|r| CliError::Usage(r.0))?;
    let association = match MutationKind::for_set(&plan, &target.arn) {
        None => {
            eprintln!(
                "rolecall: instance {instance_id} already has instance profile {}; nothing to do",
                sanitize(&target.name)
            );
            row.association.clone()
        }
        Some(kind) => {
            if let SetPlan::DetachThenAssociate { association_id } = &plan {
                eprintln!(
                    "rolecall: instance {instance_id} is stopped and AWS does not replace profiles on stopped instances: disassociating {association_id}, then associating {}",
                    sanitize(&target.name)
                );
            }
            execute(session, &region, instance_id, &kind).await?
        }
    };
    Ok(Change {
        region,
        instance_id: instance_id.to_string(),
        action: plan.action_name(),
        previous_profile_arn: previous,
        association,
    })
}

/// Detaches the instance's profile.
pub async fn detach(session: &Session, instance_id: &str) -> Result<Change, CliError> {
    let row = find_instance(session, instance_id).await?;
    let association_id = plan::plan_detach(&row.instance, row.association.as_ref())
        .map_err(|r| CliError::Usage(r.0))?;
    let region = row.instance.region.clone();
    let kind = MutationKind::Disassociate { association_id };
    let association = execute(session, &region, instance_id, &kind).await?;
    Ok(Change {
        region,
        instance_id: instance_id.to_string(),
        action: "disassociate",
        previous_profile_arn: row.association.map(|a| a.profile.arn),
        association,
    })
}

fn timestamp_json(a: &Association) -> Value {
    a.timestamp
        .map(|t| Value::String(humantime::format_rfc3339_seconds(t).to_string()))
        .unwrap_or(Value::Null)
}

/// The `association` object of the JSON output.
pub fn association_json(a: &Association) -> Value {
    json!({
        "association_id": a.id,
        "state": a.state.as_str(),
        "profile_arn": a.profile.arn,
        "profile_name": a.profile.name,
        "timestamp": timestamp_json(a),
    })
}

/// `list --output json`: one object per instance.
pub fn list_json(rows: &[InstanceRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "region": r.instance.region,
                    "instance_id": r.instance.id,
                    "name": r.instance.name,
                    "state": r.instance.state.as_str(),
                    "instance_type": r.instance.instance_type,
                    "association": r.association.as_ref().map(association_json),
                })
            })
            .collect(),
    )
}

fn render_list(rows: &[InstanceRow], output: Output) -> String {
    match output {
        Output::Json => format!("{}\n", pretty(&list_json(rows))),
        Output::Table => {
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.instance.region.clone(),
                        r.instance.id.clone(),
                        r.instance.name.clone().unwrap_or_else(|| "-".into()),
                        r.instance.state.to_string(),
                        r.association
                            .as_ref()
                            .map(|a| a.profile.name.clone())
                            .unwrap_or_else(|| "-".into()),
                        r.association
                            .as_ref()
                            .map(|a| a.state.to_string())
                            .unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            table(
                &[
                    "REGION",
                    "INSTANCE",
                    "NAME",
                    "STATE",
                    "PROFILE",
                    "ASSOCIATION STATE",
                ],
                &body,
            )
        }
    }
}

fn pretty(v: &Value) -> String {
    // Serialising a Value cannot fail: it has no non-string map keys.
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The JSON object `set` and `detach` print.
pub fn change_json(c: &Change) -> Value {
    json!({
        "region": c.region,
        "instance_id": c.instance_id,
        "action": c.action,
        "previous_profile_arn": c.previous_profile_arn,
        "association": c.association.as_ref().map(association_json),
    })
}

fn render_change(c: &Change, output: Output) -> String {
    match output {
        Output::Json => format!("{}\n", pretty(&change_json(c))),
        Output::Table => {
            let a = c.association.as_ref();
            let row = vec![
                c.region.clone(),
                c.instance_id.clone(),
                c.action.to_string(),
                c.previous_profile_arn
                    .as_deref()
                    .map(crate::aws::profile_name_from_arn)
                    .unwrap_or("-")
                    .to_string(),
                a.map(|a| a.profile.name.clone())
                    .unwrap_or_else(|| "-".into()),
                a.map(|a| a.id.clone()).unwrap_or_else(|| "-".into()),
                a.map(|a| a.state.to_string()).unwrap_or_else(|| "-".into()),
            ];
            table(
                &[
                    "REGION",
                    "INSTANCE",
                    "ACTION",
                    "FROM",
                    "PROFILE",
                    "ASSOCIATION",
                    "ASSOCIATION STATE",
                ],
                &[row],
            )
        }
    }
}

/// The widest a table cell gets; longer values end in `…` (json keeps them whole).
pub const MAX_CELL: usize = 256;

/// Aligned columns, two spaces apart, control characters removed, cells cut
/// to [`MAX_CELL`] characters.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| truncate(&sanitize(c), MAX_CELL)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                // Padded by hand: format!'s width is limited to u16.
                let pad = w.saturating_sub(c.chars().count()) + 2;
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(headers.to_vec());
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_checked() {
        assert!(check_instance_id("i-0123456789abcdef0").is_ok());
        assert!(check_instance_id("i-01234567").is_ok());
        for bad in [
            "i-xyz",
            "0123456789abcdef0",
            "i-0123",
            "",
            "i-0123456789abcdef0\n",
        ] {
            assert_eq!(check_instance_id(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn latency_specs_are_checked() {
        assert_eq!(parse_latency("80-250"), Ok((80, 250)));
        assert_eq!(parse_latency("0"), Ok((0, 0)));
        assert!(parse_latency("250-80").is_err());
        assert!(parse_latency("fast").is_err());
    }

    #[test]
    fn region_names_are_checked() {
        for good in [
            "us-east-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "eu-central-2",
            "eusc-de-east-1",
            "cn-north-1",
        ] {
            assert!(valid_region_name(good), "{good}");
        }
        for bad in [
            "useast1",
            "us-east",
            "US-EAST-1",
            "us--1",
            "",
            "u-east-1",
            "europe-west-1",
        ] {
            assert!(!valid_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn table_cuts_huge_cells_instead_of_panicking() {
        let huge = "x".repeat(70_000);
        let t = table(&["A", "B"], &[vec![huge, "y".into()]]);
        let row = t.lines().nth(1).unwrap();
        assert!(row.starts_with(&"x".repeat(MAX_CELL - 1)), "{row}");
        assert!(row.ends_with("…  y"), "{row}");
        assert_eq!(row.chars().count(), MAX_CELL + 3);
    }

    #[test]
    fn clap_errors_keep_the_missing_argument_and_the_usage() {
        let err = Cli::try_parse_from(["rolecall", "set", "i-0123456789abcdef0"]).unwrap_err();
        let line = usage_error_line(&err.to_string());
        assert!(line.contains("<PROFILE>"), "{line}");
        assert!(line.contains("usage: rolecall set"), "{line}");
        assert!(!line.contains('\n'));
        let err = Cli::try_parse_from(["rolecall", "--region"]).unwrap_err();
        let line = usage_error_line(&err.to_string());
        assert!(line.contains("--region"), "{line}");
    }

    #[test]
    fn set_takes_the_instance_profile_apart_from_the_credentials_profile() {
        let cli =
            Cli::try_parse_from(["rolecall", "set", "i-0123456789abcdef0", "db-admin"]).unwrap();
        assert_eq!(cli.global.profile, None);
        match cli.command {
            Some(Command::Set {
                instance_profile, ..
            }) => assert_eq!(instance_profile, "db-admin"),
            other => panic!("{other:?}"),
        }
        let cli = Cli::try_parse_from([
            "rolecall",
            "set",
            "--profile",
            "ops",
            "i-0123456789abcdef0",
            "db-admin",
        ])
        .unwrap();
        assert_eq!(cli.global.profile.as_deref(), Some("ops"));
        assert!(
            matches!(cli.command, Some(Command::Set { ref instance_profile, .. }) if instance_profile == "db-admin")
        );
    }

    #[test]
    fn endpoint_urls_are_checked() {
        assert!(check_endpoint_url("http://127.0.0.1:5000", "--endpoint-url").is_ok());
        assert!(
            check_endpoint_url("https://ec2.us-east-1.amazonaws.com", "--endpoint-url").is_ok()
        );
        for bad in [
            "localhost:5000",
            "ftp://x",
            "http://",
            "not a url",
            "http://[::1",
        ] {
            let e = check_endpoint_url(bad, "--endpoint-url").unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn table_aligns_and_strips_controls() {
        let t = table(
            &["A", "BB"],
            &[
                vec!["x\x1b".into(), "y".into()],
                vec!["long".into(), "z".into()],
            ],
        );
        assert_eq!(t, "A     BB\nx     y\nlong  z\n");
    }
}
