//! The command line: clap definitions, and how they become session options.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::aws::text::escape;
use crate::core::session::{DemoOptions, Options};

/// rolecall: see and change the IAM instance profiles of EC2 instances.
#[derive(Debug, Parser)]
#[command(
    name = "rolecall",
    version = env!("ROLECALL_VERSION"),
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
    /// Named profile from the AWS shared config/credentials files; repeat for
    /// several accounts (one profile each).
    #[arg(long = "profile", global = true, value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Every active account of the AWS Organization (ListAccounts), reached by
    /// assuming this role in each (e.g. OrganizationAccountAccessRole); the
    /// --profile is the management or a delegated administrator account.
    #[arg(long, global = true, value_name = "ROLE_NAME", conflicts_with = "demo")]
    pub org_role: Option<String>,
    /// With --org-role: only these accounts (12-digit ids, comma-separated).
    #[arg(
        long,
        global = true,
        value_name = "ID,...",
        value_delimiter = ',',
        requires = "org_role"
    )]
    pub org_accounts: Vec<String>,
    /// Account-region pairs read at once (1 to 256; default 16).
    #[arg(long, global = true, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub read_concurrency: u16,
    /// Region to show; repeat for several (default: the configured region).
    #[arg(long = "region", global = true, value_name = "REGION")]
    pub regions: Vec<String>,
    /// Every region DescribeRegions returns.
    #[arg(long, global = true, conflicts_with = "regions")]
    pub all_regions: bool,
    /// Send every AWS call to this endpoint (also read from AWS_ENDPOINT_URL);
    /// a service's own variable (AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_IAM, …) wins.
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
    /// Seconds between association polls when nothing is changing (default 10).
    #[arg(long, global = true, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub poll: Option<u64>,
    /// The longest one AWS call may take in seconds, retries included (1 to 600;
    /// default 20; connections get 3 s).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Changes in flight at once in a batch (1 to 32; default 8).
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=32))]
    pub concurrency: Option<u64>,
    /// Mouse in the TUI: click selects, double click opens the picker, the
    /// wheel scrolls (off by default: it takes over text selection).
    #[arg(long, global = true)]
    pub mouse: bool,
    /// The config file (default: $XDG_CONFIG_HOME/rolecall/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The journal of changes (default: $XDG_STATE_HOME/rolecall/journal.jsonl,
    /// or demo-journal.jsonl beside it with --demo).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with = "no_journal"
    )]
    pub journal: Option<PathBuf>,
    /// Make changes without writing the journal.
    #[arg(long, global = true)]
    pub no_journal: bool,
    /// Where to write the log, created readable by its owner only (default:
    /// $XDG_STATE_HOME/rolecall/rolecall.log); RUST_LOG sets the level.
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
        /// Do not ask in a production account (needed there without a terminal).
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Detach the instance profile from an instance.
    Detach {
        instance_id: String,
        /// Do not ask in a production account (needed there without a terminal).
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Move many instances to a profile at once (`--to none` detaches them).
    Swap {
        /// The profile to put on them (name or ARN), or `none` to detach.
        #[arg(long, value_name = "PROFILE")]
        to: String,
        /// Every instance now on this profile (name or ARN).
        #[arg(
            long,
            value_name = "PROFILE",
            conflicts_with = "instances",
            required_unless_present = "instances"
        )]
        from: Option<String>,
        /// These instances.
        #[arg(long, value_name = "ID,...", value_delimiter = ',')]
        instances: Vec<String>,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask (needed without a terminal).
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Put every instance of a batch back on its earlier profile (default: the latest batch).
    Undo {
        /// The batch to undo (see `rolecall journal`).
        batch: Option<String>,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask (needed without a terminal).
        #[arg(long)]
        yes: bool,
        /// Also put back instances changed since by someone else.
        #[arg(long)]
        force: bool,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// The permissions of a profile's role: one row per statement part.
    Permissions {
        /// The instance profile (name or ARN).
        #[arg(value_name = "PROFILE")]
        instance_profile: String,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// What moving from one profile to another gains and loses in effective
    /// access, risky first (`none` for no profile).
    Diff {
        #[arg(value_name = "FROM")]
        from: String,
        #[arg(value_name = "TO")]
        to: String,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Whether a profile's role may call an action, decided as IAM decides
    /// for identity policies (inline, managed, permissions boundary).
    Can {
        /// The instance profile (name or ARN).
        #[arg(value_name = "PROFILE")]
        instance_profile: String,
        /// The action, `service:Name` (wildcards allowed).
        #[arg(value_name = "ACTION")]
        action: String,
        /// The resource (an ARN, or a pattern); every resource by default.
        #[arg(long, value_name = "ARN", default_value = "*")]
        resource: String,
        /// Also ask IAM's own policy simulator (SimulatePrincipalPolicy) and
        /// show both answers when they disagree.
        #[arg(long)]
        simulate: bool,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Contain compromised instances without taking down their role: a Deny
    /// keyed on each instance (ec2:SourceInstanceARN) on the role it runs
    /// with, the swap to quarantine, a case tag; --imdsv2, --standby.
    Contain {
        /// The instances (ids).
        #[arg(value_name = "INSTANCE", required = true)]
        instances: Vec<String>,
        /// The case id (default: IR- and the UTC date and time).
        #[arg(long, value_name = "CASE")]
        case: Option<String>,
        /// The quarantine profile (default: the config file's quarantine_profile).
        #[arg(long, value_name = "PROFILE")]
        to: Option<String>,
        /// Require IMDSv2 (HttpTokens=required); the value before is recorded.
        #[arg(long)]
        imdsv2: bool,
        /// Put an instance of an Auto Scaling group in Standby (decrementing
        /// the desired capacity), so the group neither replaces nor terminates it.
        #[arg(long)]
        standby: bool,
        /// Show every step; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask (scripts).
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Containment cases (from the journal), and every containment statement
    /// and revocation policy on the roles of the accounts shown.
    Cases {
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Reverse a containment: standby, metadata option, tag, profile, deny;
    /// run again to finish one interrupted half way.
    Release {
        #[arg(value_name = "CASE")]
        case: String,
        /// Also put back instances whose profile was changed since.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Who changed an instance's profile: every associate, replace and
    /// disassociate CloudTrail recorded for it, newest first, with the
    /// caller, source IP and user agent.
    History {
        /// The instance (id).
        #[arg(value_name = "INSTANCE")]
        instance_id: String,
        /// How many days back (CloudTrail's event history keeps 90).
        #[arg(long, value_name = "N", default_value_t = crate::core::history::DEFAULT_DAYS)]
        days: u64,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Every instance that runs with a profile or a role (name or ARN).
    WhoUses {
        #[arg(value_name = "NAME_OR_ARN")]
        name: String,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Revoke a role's older sessions: every instance running with it loses its
    /// current credentials (the inline policy AWSRevokeOlderSessions).
    RevokeSessions {
        /// The role (name or ARN).
        #[arg(value_name = "ROLE")]
        role: String,
        /// Do not ask (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// The latest changes in the journal, newest first (`journal push`:
    /// copy a local journal into the S3 journal).
    Journal {
        #[command(subcommand)]
        action: Option<JournalAction>,
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff; `rolecall man | man -l -`).
    Man,
    /// The config file: where it is read from, and whether it is valid.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

/// `rolecall journal push`.
#[derive(Debug, Clone, PartialEq, Subcommand)]
pub enum JournalAction {
    /// Copy a local journal (the default one unless FILE) into the S3
    /// journal; a record already there is left, so running it twice doubles
    /// nothing.
    Push {
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// `rolecall config …`.
#[derive(Debug, Clone, Subcommand)]
pub enum ConfigAction {
    /// Print where the config file is read from (and whether it exists).
    Path,
    /// Read the config file and say what is wrong (line, key, why), or that it is fine.
    Check,
}

/// Everything `rolecall completions SHELL` prints.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "rolecall", &mut out);
    out
}

/// Everything `rolecall man` prints: the roff page (name, synopsis, the
/// global options, and the subcommands).
pub fn man_page() -> Result<Vec<u8>, std::io::Error> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(out)
}

/// Output format of the scripting commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

/// The README's options table, made from the command-line definition.
pub fn options_markdown() -> String {
    use clap::CommandFactory;
    let mut out = String::from("| option | meaning |\n|---|---|\n");
    for a in Cli::command().get_arguments() {
        let Some(long) = a.get_long() else { continue };
        if matches!(long, "help" | "version") {
            continue;
        }
        let value = if a.get_action().takes_values() {
            let names: Vec<String> = a
                .get_value_names()
                .unwrap_or_default()
                .iter()
                .map(|n| n.to_string())
                .collect();
            format!(" {}", names.join(" "))
        } else {
            String::new()
        };
        let help = a
            .get_long_help()
            .or(a.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        let help: Vec<&str> = help.split_whitespace().collect();
        out.push_str(&format!("| `--{long}{value}` | {} |\n", help.join(" ")));
    }
    out
}

/// What the options default to when neither they nor the config file say.
pub const DEFAULT_POLL: u64 = 10;
pub const DEFAULT_CONCURRENCY: u64 = 8;

impl GlobalOpts {
    /// Fills what the command line left unsaid from the config file: the
    /// command line always wins.
    pub fn apply_config(&mut self, file: &crate::core::config::Config) {
        if self.profiles.is_empty() && self.org_role.is_none() && !self.demo {
            self.profiles = file.profiles.clone();
        }
        if self.regions.is_empty() && !self.all_regions {
            self.regions = file.regions.clone();
        }
        self.poll = self.poll.or(file.poll);
        self.concurrency = self.concurrency.or(file.concurrency);
        self.mouse = self.mouse || file.mouse.unwrap_or(false);
    }

    /// Seconds between association polls.
    pub fn poll_seconds(&self) -> u64 {
        self.poll.unwrap_or(DEFAULT_POLL)
    }

    /// Changes of a batch at once.
    pub fn batch_concurrency(&self) -> usize {
        self.concurrency.unwrap_or(DEFAULT_CONCURRENCY) as usize
    }

    /// The journal changes go to: `--journal` (a file, or
    /// `s3://BUCKET/PREFIX/`), else the config file's `journal`, else the
    /// default file; `None` with `--no-journal`.
    pub fn journal_spec(
        &self,
        file: &crate::core::config::Config,
    ) -> Result<Option<crate::core::journal::s3::Spec>, crate::core::error::Error> {
        use crate::core::journal::s3::Spec;
        if self.no_journal {
            return Ok(None);
        }
        match self
            .journal
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned())
            .or_else(|| file.journal.clone())
        {
            Some(text) => Spec::parse(&text)
                .map(Some)
                .map_err(crate::core::error::Error::Usage),
            None => Ok(crate::core::journal::default_path(self.demo).map(Spec::File)),
        }
    }

    /// The session the options ask for.
    pub fn session_options(&self) -> Options {
        Options {
            profiles: self.profiles.clone(),
            org_role: self.org_role.clone(),
            org_accounts: self.org_accounts.clone(),
            read_concurrency: self.read_concurrency as usize,
            regions: self.regions.clone(),
            all_regions: self.all_regions,
            endpoint_url: self.endpoint_url.clone(),
            timeout: Duration::from_secs(self.timeout),
            demo: self.demo.then(|| DemoOptions {
                fleet_file: self.demo_fleet_file.clone(),
                fleet_size: self.demo_fleet.map(|n| n as usize),
                faults: self.demo_faults.clone(),
                latency: self.demo_latency,
            }),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_specs_are_checked() {
        assert_eq!(parse_latency("80-250"), Ok((80, 250)));
        assert_eq!(parse_latency("0"), Ok((0, 0)));
        assert!(parse_latency("250-80").is_err());
        assert!(parse_latency("fast").is_err());
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
    fn the_config_file_fills_what_the_command_line_left_unsaid() {
        let file = crate::core::config::parse(
            "profiles = [\"a\"]\nregions = [\"eu-west-1\"]\npoll = 5\nconcurrency = 3\nmouse = true\n",
            "c.toml",
        )
        .unwrap();
        let mut bare = Cli::try_parse_from(["rolecall"]).unwrap().global;
        bare.apply_config(&file);
        assert_eq!(bare.profiles, ["a"]);
        assert_eq!(bare.regions, ["eu-west-1"]);
        assert_eq!((bare.poll_seconds(), bare.batch_concurrency()), (5, 3));
        assert!(bare.mouse);
        let mut given = Cli::try_parse_from([
            "rolecall",
            "--profile",
            "b",
            "--region",
            "us-east-1",
            "--poll",
            "7",
            "--concurrency",
            "9",
        ])
        .unwrap()
        .global;
        given.apply_config(&file);
        assert_eq!(given.profiles, ["b"]);
        assert_eq!(given.regions, ["us-east-1"]);
        assert_eq!((given.poll_seconds(), given.batch_concurrency()), (7, 9));
        // --all-regions and --org-role are not overridden by the file's lists.
        let mut all = Cli::try_parse_from(["rolecall", "--all-regions", "--org-role", "R"])
            .unwrap()
            .global;
        all.apply_config(&file);
        assert!(all.regions.is_empty() && all.profiles.is_empty());
        let none = Cli::try_parse_from(["rolecall"]).unwrap().global;
        assert_eq!((none.poll_seconds(), none.batch_concurrency()), (10, 8));
    }

    #[test]
    fn set_takes_the_instance_profile_apart_from_the_credentials_profile() {
        let cli =
            Cli::try_parse_from(["rolecall", "set", "i-0123456789abcdef0", "db-admin"]).unwrap();
        assert!(cli.global.profiles.is_empty());
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
        assert_eq!(cli.global.profiles, ["ops"]);
        assert!(
            matches!(cli.command, Some(Command::Set { ref instance_profile, .. }) if instance_profile == "db-admin")
        );
    }
}
