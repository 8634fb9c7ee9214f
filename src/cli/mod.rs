//! The scripting front end: one function per command (list, set, detach,
//! swap, undo, journal, permissions, diff, history, who-uses, revoke-sessions, config,
//! completions, man). Clap definitions live
//! in [`args`], output formats in [`table`] and [`json`]; the reads, the plan
//! and the calls are the session's and the executor's, shared with the TUI.

pub mod args;
pub mod bulk;
pub mod contain;
pub mod history;
pub mod json;
pub mod roles;
pub mod table;

pub use args::{Cli, Command, GlobalOpts, Output, usage_error_line};

use crate::aws::text::{escape, sanitize};
use crate::aws::{Association, ProfileRef};
use crate::core::access;
use crate::core::error::Error;
use crate::core::exec::{self, Change, ExecError, Outcome, Planned};
use crate::core::journal::s3::Spec;
use crate::core::journal::{self, Context, Journal};
use crate::core::plan::MutationKind;
use crate::core::session::{self, Session};

/// What `set` or `detach` did, as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub region: String,
    pub instance_id: String,
    /// `associate`, `replace`, `disassociate`, or `none`.
    pub action: &'static str,
    pub previous_profile_arn: Option<String>,
    pub association: Option<Association>,
}

/// Runs a scripting command; what it prints goes to `out`, warnings to stderr.
pub async fn run(
    opts: &GlobalOpts,
    command: &Command,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    // Refuse changes before anything touches the network.
    let changes = matches!(
        command,
        Command::Set { .. }
            | Command::Detach { .. }
            | Command::Swap { .. }
            | Command::Undo { .. }
            | Command::RevokeSessions { .. }
            | Command::Contain { .. }
            | Command::Release { .. }
    );
    let pushes = matches!(
        command,
        Command::Journal {
            action: Some(args::JournalAction::Push { .. }),
            ..
        }
    );
    if opts.read_only && (changes || pushes) {
        return Err(Error::Usage(
            "refusing to change anything: --read-only is set (drop it to make changes)".into(),
        ));
    }
    match command {
        Command::Set { instance_id, .. } | Command::Detach { instance_id, .. } => {
            check_instance_id(instance_id)?
        }
        Command::History {
            instance_id, days, ..
        } => {
            check_instance_id(instance_id)?;
            crate::core::history::check_days(*days)?;
        }
        _ => {}
    }
    // Generated from the clap definitions: no config, no session, no network.
    match command {
        Command::Completions { shell } => {
            return write_bytes(out, &args::completions(*shell));
        }
        Command::Man => {
            let page = args::man_page()
                .map_err(|e| Error::Runtime(format!("cannot render the manual page: {e}")))?;
            return write_bytes(out, &page);
        }
        Command::Config { action } => return write_out(out, &config_command(opts, action)?),
        _ => {}
    }
    let config = crate::core::config::load_for(opts.config.as_deref(), opts.demo)?;
    let mut opts = opts.clone();
    opts.apply_config(&config);
    let opts = &opts;
    let uses_journal =
        changes || matches!(command, Command::Cases { .. } | Command::Journal { .. });
    // A journal setting that cannot be used stops only what uses it.
    let spec = match opts.journal_spec(&config) {
        Ok(spec) => spec,
        Err(e) if uses_journal => return Err(e),
        Err(e) => {
            if matches!(command, Command::History { .. }) {
                eprintln!("rolecall: warning: {e}");
            }
            None
        }
    };
    let local = match &spec {
        Some(Spec::File(path)) => Some(Journal::new(path.clone())),
        _ => None,
    };
    // A journal file that is not a regular file (a FIFO would hang, a
    // device never end) is refused before anything is read or sent.
    if uses_journal && let Some(j) = &local {
        j.check().map_err(|e| Error::Usage(e.to_string()))?;
    }
    let shared = match &spec {
        Some(Spec::S3(location)) => Some(location.clone()),
        _ => None,
    };
    if let Command::Journal {
        action: Some(args::JournalAction::Push { .. }),
        ..
    } = command
        && shared.is_none()
    {
        return Err(Error::Usage(
            "journal push copies a local journal into an S3 journal: pass --journal s3://BUCKET/PREFIX/ (or set journal in the config file)".into(),
        ));
    }
    if let Command::Journal {
        action: None,
        limit,
        output,
    } = command
        && shared.is_none()
    {
        // A local file: no session, no network.
        let text = bulk::list(local.as_ref(), *limit, *output).await?;
        return write_out(out, &text);
    }
    let session = session::build(&opts.session_options()).await?;
    // An S3 journal is opened once the session has credentials, and only
    // for what uses it (`history` marks rolecall's changes by it, if it can).
    let journal = match shared {
        None => local,
        Some(location) if uses_journal || matches!(command, Command::History { .. }) => {
            let opened = crate::core::journal::s3::resolve(
                Spec::S3(location),
                &session,
                config.journal_profile.as_deref(),
                std::time::Duration::from_secs(opts.timeout),
            )
            .await;
            match opened {
                Ok(j) => Some(j),
                Err(e) if !uses_journal => {
                    eprintln!("rolecall: warning: {e}");
                    None
                }
                Err(e) => return Err(e),
            }
        }
        Some(_) => None,
    };
    if let Command::Journal {
        action,
        limit,
        output,
    } = command
    {
        let text = match action {
            Some(args::JournalAction::Push { file }) => {
                journal_push(journal.as_ref(), file.as_deref(), opts.demo).await?
            }
            None => bulk::list(journal.as_ref(), *limit, *output).await?,
        };
        return write_out(out, &text);
    }
    let mut failure = None;
    let batch_options = |dry_run: bool, yes: bool, output: Output| bulk::BatchOptions {
        dry_run,
        yes,
        concurrency: opts.batch_concurrency(),
        output,
        journal: journal.as_ref(),
        undo_of: None,
        config: &config,
        timeout: std::time::Duration::from_secs(opts.timeout),
    };
    let text = match command {
        Command::List { output } => {
            let reads = exec::read_for_change(&session, false).await?;
            let names = Names::of(&session, &reads.accounts, &config);
            // Every read failed: nothing to show but why.
            if reads.rows.is_empty()
                && let Some(f) = reads.failures.first()
                && reads.failures.len() == session.accounts.len() * session.regions.len()
            {
                return Err(Error::Api(f.error.clone()));
            }
            // Some failed: what could be read is printed, each failure said,
            // and the exit status is not 0.
            for f in &reads.failures {
                eprintln!(
                    "rolecall: {}",
                    sanitize(&f.sentence(session.several_accounts()))
                );
            }
            if let Some(f) = reads.failures.first() {
                failure = Some(Error::Runtime(format!(
                    "{} of {} reads failed ({}); the rows shown are from the others",
                    reads.failures.len(),
                    session.accounts.len() * session.regions.len(),
                    f.error.short()
                )));
            }
            match output {
                Output::Json => json::pretty(&json::list_json(&reads.rows, &names)),
                Output::Table => table::list_table(&reads.rows, &names),
            }
        }
        Command::Set {
            instance_id,
            instance_profile,
            yes,
            output,
        } => render(
            &set_guarded(
                &session,
                journal.as_ref(),
                instance_id,
                &ProfileRef::parse(instance_profile),
                Guard {
                    yes: *yes,
                    config: Some(&config),
                },
            )
            .await?,
            *output,
        ),
        Command::Detach {
            instance_id,
            yes,
            output,
        } => render(
            &detach_guarded(
                &session,
                journal.as_ref(),
                instance_id,
                Guard {
                    yes: *yes,
                    config: Some(&config),
                },
            )
            .await?,
            *output,
        ),
        Command::Swap {
            to,
            from,
            instances,
            dry_run,
            yes,
            output,
        } => {
            let batch = batch_options(*dry_run, *yes, *output);
            let (text, error) =
                bulk::swap(&session, to, from.as_deref(), instances, &batch).await?;
            failure = error;
            text
        }
        Command::Undo {
            batch,
            dry_run,
            yes,
            force,
            output,
        } => {
            let mut options = batch_options(*dry_run, *yes, *output);
            let (text, error) =
                bulk::undo(&session, batch.as_deref(), *force, &mut options).await?;
            failure = error;
            text
        }
        Command::Permissions {
            instance_profile,
            output,
        } => {
            let wanted = ProfileRef::parse(instance_profile);
            // Several accounts: a name may be in several, each with its own
            // role; each is answered, under its account's name.
            if session.several_accounts() {
                let views = roles::permissions_in_each(&session, &wanted).await?;
                roles::permissions_by_account(&views, &Names::known(&session, &config), *output)
            } else {
                roles::permissions(&access::permissions(&session, &wanted).await?, *output)
            }
        }
        Command::Diff { from, to, output } => {
            let side = |s: &str| (s != "none").then(|| ProfileRef::parse(s));
            let (from, to) = (side(from), side(to));
            roles::diff(
                &access::diff(&session, from.as_ref(), to.as_ref()).await?,
                *output,
            )
        }
        Command::Can {
            instance_profile,
            action,
            resource,
            simulate,
            output,
        } => {
            let Some((service, name)) = action.split_once(':') else {
                return Err(Error::Usage(format!(
                    "'{}' is not an action: write it as service:Name (s3:GetObject)",
                    crate::aws::text::escape(action)
                )));
            };
            if service.is_empty() || name.is_empty() {
                return Err(Error::Usage(format!(
                    "'{}' is not an action: write it as service:Name (s3:GetObject)",
                    crate::aws::text::escape(action)
                )));
            }
            if !action.contains(['*', '?']) && crate::core::catalogue::find(action).is_none() {
                eprintln!(
                    "rolecall: warning: {} is not in the action catalogue ({}): decided as written",
                    crate::aws::text::escape(action),
                    crate::core::catalogue::source()
                );
            }
            let found = access::can(
                &session,
                &ProfileRef::parse(instance_profile),
                action,
                resource,
                *simulate,
            )
            .await?;
            roles::can(&found, action, resource, *output)
        }
        Command::Contain {
            instances,
            case,
            to,
            imdsv2,
            standby,
            dry_run,
            yes,
            output,
        } => {
            for id in instances {
                check_instance_id(id)?;
            }
            // Release reads the journal: without one, nothing is read or sent.
            if journal.is_none() && !*dry_run {
                return Err(Error::Usage(
                    "contain journals every step for release: drop --no-journal".into(),
                ));
            }
            let case = case.clone().unwrap_or_else(|| {
                crate::core::contain::default_case(std::time::SystemTime::now())
            });
            let to = to
                .clone()
                .or_else(|| config.quarantine_profile.clone())
                .map(|p| ProfileRef::parse(&p));
            let plan = crate::core::contain::plan(
                &session,
                instances,
                &crate::core::contain::Options {
                    case: &case,
                    to: to.as_ref(),
                    imdsv2: *imdsv2,
                    standby: *standby,
                },
            )
            .await?;
            eprint!("{}", contain::describe(&plan, &session, &config));
            if *dry_run {
                String::new()
            } else {
                if !*yes {
                    contain::confirm(&plan, &session, &config, "contain")?;
                }
                // A signal starts no further step; the one under way finishes.
                let signals = bulk::StopOnSignal::listen();
                let steps =
                    crate::core::contain::run(&session, &plan, journal.as_ref(), &signals.stop)
                        .await;
                let signal = signals.signal();
                drop(signals);
                if let Some(bad) = steps.iter().find(|s| !s.ok) {
                    let next = if steps.iter().any(|s| s.ok) {
                        format!(
                            "run `rolecall release {case}` to take back what was done, or contain again"
                        )
                    } else {
                        "nothing was done".to_string()
                    };
                    let text = format!(
                        "{} of {} steps failed (first: {} of {}: {}); {next}",
                        steps.iter().filter(|s| !s.ok).count(),
                        steps.len(),
                        bad.step,
                        bad.instance_id,
                        bad.error.clone().unwrap_or_default()
                    );
                    failure = Some(match signal {
                        Some(n) => Error::Signal(n, text),
                        None => Error::Runtime(text),
                    });
                } else if let Some(n) = signal {
                    failure = Some(Error::Signal(
                        n,
                        format!("signal {n} came after every step had started; each finished"),
                    ));
                }
                contain::results(&case, &steps, *output)
            }
        }
        Command::Cases { output } => {
            let journal = journal
                .as_ref()
                .ok_or_else(|| Error::Usage("cases reads the journal: drop --no-journal".into()))?;
            let (entries, _) = journal
                .read()
                .await
                .map_err(|e| Error::Runtime(e.to_string()))?;
            let records = crate::core::contain::cases(&entries);
            let found = crate::core::contain::scan(&session).await?;
            contain::cases(&records, &found, *output)
        }
        Command::Release {
            case,
            force,
            dry_run,
            yes,
            output,
        } => {
            crate::core::contain::check_case(case)?;
            let journal = journal.as_ref().ok_or_else(|| {
                Error::Usage("release reads the journal: drop --no-journal".into())
            })?;
            if !*dry_run && !*yes {
                // Each production account the case reaches asks for its name.
                let (entries, _) = journal
                    .read()
                    .await
                    .map_err(|e| Error::Runtime(e.to_string()))?;
                let ids: Vec<String> = crate::core::contain::cases(&entries)
                    .into_iter()
                    .filter(|c| &c.case == case)
                    .flat_map(|c| c.instances.into_iter().filter_map(|i| i.account))
                    .collect();
                let mut guards: Vec<String> = Vec::new();
                for a in &session.accounts {
                    let sts = match &a.id {
                        Some(_) => None,
                        None => a.cloud.caller_identity().await.ok().map(|i| i.account),
                    };
                    let id = session
                        .account_id(&a.key, sts.as_deref())
                        .map(str::to_string);
                    if id.is_some_and(|id| ids.contains(&id))
                        && let Some(g) = session.production_guard(&a.key, sts.as_deref(), &config)
                        && !guards.contains(&g)
                    {
                        guards.push(g);
                    }
                }
                let question = format!("release case {}", crate::aws::text::escape(case));
                if guards.is_empty() {
                    bulk::confirm_typed(&question, "y")?;
                } else {
                    bulk::confirm_typed(
                        &format!("{question} in PRODUCTION account(s) {}", guards.join(" ")),
                        &guards.join(" "),
                    )?;
                }
            }
            let steps = crate::core::contain::release(
                &session,
                journal,
                case,
                *force,
                *dry_run,
                std::time::Duration::from_secs(opts.timeout),
            )
            .await?;
            if !*dry_run && let Some(bad) = steps.iter().find(|s| !s.ok) {
                failure = Some(Error::Runtime(format!(
                    "{} of {} steps did not complete (first: {} of {}: {}); run release again once fixed",
                    steps.iter().filter(|s| !s.ok).count(),
                    steps.len(),
                    bad.step,
                    bad.instance_id,
                    bad.error.clone().unwrap_or_default()
                )));
            }
            contain::results(case, &steps, *output)
        }
        Command::History {
            instance_id,
            days,
            output,
        } => {
            // The journal names the changes rolecall made.
            let requests = match journal.as_ref() {
                Some(j) => match j.read().await {
                    Ok((entries, _)) => crate::core::history::journal_requests(&entries),
                    Err(e) => {
                        eprintln!(
                            "rolecall: warning: {e}: rolecall's own changes are known by user agent only"
                        );
                        Default::default()
                    }
                },
                None => Default::default(),
            };
            let pacer = crate::core::history::Pacer::default();
            let h = crate::core::history::read(
                &session,
                instance_id,
                *days,
                &requests,
                &pacer,
                &|_| {},
            )
            .await?;
            let names = Names::known(&session, &config);
            history::render(&h, &names.label(&h.account), *output)
        }
        Command::WhoUses { name, output } => {
            let users = access::who_uses(&session, name).await?;
            let names = Names::known(&session, &config);
            roles::who_uses(&users, &names, *output)
        }
        Command::RevokeSessions { role, yes } => {
            roles::revoke(&session, journal.as_ref(), role, *yes, &config).await?
        }
        Command::Journal { .. }
        | Command::Completions { .. }
        | Command::Man
        | Command::Config { .. } => String::new(),
    };
    write_out(out, &text)?;
    failure.map_or(Ok(()), Err)
}

/// `config path` and `config check`.
/// `journal push [FILE]`: copies a local journal (the default one unless
/// FILE) into the S3 journal, record by record; a record already there is
/// left (pushing twice doubles nothing).
async fn journal_push(
    journal: Option<&Journal>,
    file: Option<&std::path::Path>,
    demo: bool,
) -> Result<String, Error> {
    use futures::StreamExt;
    let s3 = journal.and_then(|j| j.shared.as_ref()).ok_or_else(|| {
        Error::Usage("journal push needs an S3 journal (--journal s3://BUCKET/PREFIX/)".into())
    })?;
    let path = file
        .map(std::path::Path::to_path_buf)
        .or_else(|| journal::default_path(demo))
        .ok_or_else(|| {
            Error::Usage("no local journal to push: name it (journal push FILE)".into())
        })?;
    let local = Journal::new(path.clone());
    local.check().map_err(|e| Error::Usage(e.to_string()))?;
    if !path.exists() {
        return Err(Error::Usage(format!(
            "{}: no such journal file",
            escape(&path.display().to_string())
        )));
    }
    let (entries, problems) = local
        .read()
        .await
        .map_err(|e| Error::Runtime(e.to_string()))?;
    for p in &problems {
        eprintln!(
            "rolecall: warning: journal {}: {p} (not pushed)",
            path.display()
        );
    }
    if entries.is_empty() && !problems.is_empty() {
        return Err(Error::Runtime(format!(
            "{}: no record could be read, so none was pushed",
            escape(&path.display().to_string())
        )));
    }
    let results: Vec<Result<crate::core::journal::s3::Put, String>> =
        futures::stream::iter(entries.iter())
            .map(|e| s3.push(e))
            .buffer_unordered(crate::core::journal::s3::READ_CONCURRENCY)
            .collect()
            .await;
    let count = |want: crate::core::journal::s3::Put| {
        results
            .iter()
            .filter(|r| r.as_ref().is_ok_and(|p| *p == want))
            .count()
    };
    let (written, there) = (
        count(crate::core::journal::s3::Put::Written),
        count(crate::core::journal::s3::Put::AlreadyThere),
    );
    let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    if let Some(first) = failed.first() {
        return Err(Error::Runtime(format!(
            "{} of {} records could not be pushed (first: {first}); {written} pushed, {there} already there; run it again to finish",
            failed.len(),
            entries.len()
        )));
    }
    Ok(format!(
        "{written} records pushed to {}, {there} already there (from {})\n",
        s3.location.url(),
        path.display()
    ))
}

fn config_command(opts: &GlobalOpts, action: &args::ConfigAction) -> Result<String, Error> {
    let path = opts
        .config
        .clone()
        .or_else(crate::core::config::default_path)
        .ok_or_else(|| {
            Error::Usage(
                "no config file location: set HOME or XDG_CONFIG_HOME, or pass --config PATH"
                    .into(),
            )
        })?;
    let shown = escape(&path.display().to_string());
    match action {
        args::ConfigAction::Path => Ok(format!(
            "{shown}{}\n",
            match (path.exists(), opts.config.is_some()) {
                (true, _) => "",
                (false, false) => " (does not exist: the defaults apply)",
                (false, true) => " (does not exist: --config needs a file there)",
            }
        )),
        args::ConfigAction::Check => {
            if !path.exists() && opts.config.is_none() {
                return Ok(format!("{shown}: no config file; the defaults apply\n"));
            }
            let c = crate::core::config::load(Some(&path))?;
            // The journal setting, as the commands that use it would read it.
            if let Some(j) = &c.journal {
                if j.trim().is_empty() {
                    return Err(Error::Usage(format!(
                        "config file {shown}: journal: empty (a file path, or s3://BUCKET/PREFIX/)"
                    )));
                }
                Spec::parse(j)
                    .map_err(|why| Error::Usage(format!("config file {shown}: {why}")))?;
            }
            if c.journal_profile
                .as_deref()
                .is_some_and(|p| p.trim().is_empty())
            {
                return Err(Error::Usage(format!(
                    "config file {shown}: journal_profile: empty (a profile of ~/.aws/config)"
                )));
            }
            Ok(format!(
                "{shown}: ok ({} account{}, quarantine profile {}, {} default profile{}, {} default region{})\n",
                c.accounts.len(),
                if c.accounts.len() == 1 { "" } else { "s" },
                c.quarantine_profile
                    .as_deref()
                    .map_or("none".into(), sanitize),
                c.profiles.len(),
                if c.profiles.len() == 1 { "" } else { "s" },
                c.regions.len(),
                if c.regions.len() == 1 { "" } else { "s" },
            ))
        }
    }
}

fn write_out(out: &mut dyn std::io::Write, text: &str) -> Result<(), Error> {
    write_bytes(out, text.as_bytes())
}

/// Writes the command's output. A reader that stopped reading (`| head`)
/// is not an error: the rest is dropped quietly, as other CLIs do, and the
/// exit status stays the command's own.
fn write_bytes(out: &mut dyn std::io::Write, bytes: &[u8]) -> Result<(), Error> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Runtime(format!("cannot write output: {e}")))
        }
        _ => Ok(()),
    }
}

fn render(report: &Report, output: Output) -> String {
    match output {
        Output::Json => json::pretty(&json::report_json(report)),
        Output::Table => table::report_table(report),
    }
}

/// What each account is called in output: its id (when known) and label.
pub struct Names {
    by_key: std::collections::HashMap<String, (Option<String>, String)>,
    several: bool,
}

impl Names {
    /// From the reads' caller identities (ids of profiles' accounts come from STS).
    pub(crate) fn of(
        session: &Session,
        facts: &std::collections::HashMap<String, exec::AccountFacts>,
        config: &crate::core::config::Config,
    ) -> Self {
        let by_key = session
            .accounts
            .iter()
            .map(|a| {
                let sts = facts
                    .get(&a.key)
                    .and_then(|f| f.identity.as_ref())
                    .map(|i| i.account.as_str());
                let id = session.account_id(&a.key, sts).map(str::to_string);
                (a.key.clone(), (id, session.label(&a.key, sts, config)))
            })
            .collect();
        Self {
            by_key,
            several: session.several_accounts(),
        }
    }

    /// From what the session knows without asking STS.
    pub fn known(session: &Session, config: &crate::core::config::Config) -> Self {
        Self::of(session, &Default::default(), config)
    }

    /// True when several accounts are shown (tables gain an ACCOUNT column).
    pub fn several(&self) -> bool {
        self.several
    }

    /// The account id, when known.
    pub fn id(&self, key: &str) -> Option<&str> {
        self.by_key.get(key)?.0.as_deref()
    }

    /// The account's label (see `Session::label`).
    pub fn label(&self, key: &str) -> String {
        self.by_key
            .get(key)
            .map_or_else(|| key.to_string(), |(_, l)| l.clone())
    }
}

/// `i-` followed by 8 or 17 hex digits, as EC2 issues them.
pub fn check_instance_id(id: &str) -> Result<(), Error> {
    let hex = id.strip_prefix("i-").unwrap_or("");
    if (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "'{}' is not an instance id (expected i- and 8 or 17 hex digits, e.g. i-0123456789abcdef0)",
            escape(id)
        )))
    }
}

/// A failed change as one line: a stale view says to run again, a lost answer
/// says what the re-read showed.
fn change_failed(e: &ExecError, instance_id: &str) -> Error {
    match e {
        ExecError::Refused {
            error,
            detached: None,
        } if error.code() == Some("InvalidAssociationID.NotFound") => Error::Runtime(format!(
            "{} failed (InvalidAssociationID.NotFound): the association of {instance_id} changed while rolecall was working; run the command again",
            error.action
        )),
        ExecError::Refused {
            error,
            detached: None,
        } => Error::Api(error.clone()),
        _ => Error::Runtime(e.sentence(instance_id)),
    }
}

/// Runs a planned change through the executor, journaled first. A lost
/// answer whose re-read shows the change in place is a success (said on
/// stderr); otherwise an error.
/// Whether a single change in a production account may go ahead: `--yes`,
/// or the account's name typed on a terminal.
#[derive(Clone, Copy)]
pub struct Guard<'a> {
    pub yes: bool,
    pub config: Option<&'a crate::core::config::Config>,
}

impl Guard<'_> {
    /// No production guard (library callers and tests that decide themselves).
    pub const NONE: Guard<'static> = Guard {
        yes: true,
        config: None,
    };
}

async fn execute(
    session: &Session,
    journal: Option<&Journal>,
    planned: &Planned,
    change: &Change,
    guard: Guard<'_>,
) -> Result<Report, Error> {
    if !guard.yes {
        let sts = planned.identity.as_ref().map(|i| i.account.as_str());
        let empty = crate::core::config::Config::default();
        let config = guard.config.unwrap_or(&empty);
        if let Some(name) = session.production_guard(&change.account, sts, config) {
            bulk::confirm_typed(
                &format!(
                    "{} instance {} in PRODUCTION account {name}",
                    change.kind.action_name(),
                    change.instance_id
                ),
                &name,
            )?;
        }
    }
    let note = |change: &Change, step: &exec::Step| {
        let detached = change.association_before().unwrap_or("the old association");
        eprintln!(
            "rolecall: {}: detached {} ({}); now associating the new profile",
            change.instance_id,
            sanitize(detached),
            step.call
        );
    };
    let batch = journal::new_id("b");
    let context = |account: &str| Context {
        batch: batch.clone(),
        account: session
            .account_id(
                account,
                planned.identity.as_ref().map(|i| i.account.as_str()),
            )
            .map(str::to_string),
        caller_arn: planned.identity.as_ref().map(|i| i.arn.clone()),
        undo_of: None,
        case: None,
    };
    // A batch of one: the same runner as `swap`, signals included (a signal
    // after the call went out lets it finish and be journaled).
    let signals = bulk::StopOnSignal::listen();
    let one = [(change.clone(), planned.row.instance.name.clone())];
    let result = crate::core::bulk::run(session, &one, 1, journal, &context, &signals.stop, &note)
        .await
        .into_iter()
        .next();
    let signal = signals.signal();
    drop(signals);
    let outcome: Outcome = match result {
        Some(Ok(outcome)) => outcome,
        Some(Err(e)) => {
            return Err(Error::Runtime(format!(
                "{e}: nothing was sent (fix the journal, choose another with --journal PATH, or pass --no-journal)"
            )));
        }
        None => {
            return Err(Error::Runtime(
                "internal error: the change did not run".into(),
            ));
        }
    };
    if let Err(ExecError::NotStarted) = &outcome.result {
        return Err(Error::Signal(
            signal.unwrap_or(2),
            format!(
                "stopped by signal {} before the change to {} was sent: nothing changed",
                signal.unwrap_or(2),
                change.instance_id
            ),
        ));
    }
    let id = &change.instance_id;
    if let Some(why) = &outcome.journal_error {
        // The record is incomplete: never a quiet success.
        return Err(Error::Runtime(format!(
            "{}: the change to {id} was sent ({}), but its outcome could not be journaled: {} (the journal shows it as unknown; `rolecall undo` re-reads it)",
            if outcome.done() { "done" } else { "not done" },
            outcome.change.kind.action_name(),
            crate::aws::text::one_line(why)
        )));
    }
    if let Err(e) = &outcome.result {
        if !outcome.done() {
            return Err(change_failed(e, id));
        }
        eprintln!("rolecall: warning: {}", sanitize(&e.sentence(id)));
    }
    Ok(Report {
        region: change.region.clone(),
        instance_id: id.clone(),
        action: change.kind.action_name(),
        previous_profile_arn: change.from.as_ref().map(|p| p.arn.clone()),
        association: outcome.association_after().cloned(),
    })
}

/// Puts `profile` on the instance: associate, replace, or (stopped instance)
/// disassociate then associate.
pub async fn set(
    session: &Session,
    journal: Option<&Journal>,
    instance_id: &str,
    profile: &ProfileRef,
) -> Result<Report, Error> {
    set_guarded(session, journal, instance_id, profile, Guard::NONE).await
}

/// [`set`], asking first in a production account (unless `--yes`).
pub async fn set_guarded(
    session: &Session,
    journal: Option<&Journal>,
    instance_id: &str,
    profile: &ProfileRef,
    guard: Guard<'_>,
) -> Result<Report, Error> {
    let planned = exec::plan_set_profile(session, instance_id, profile).await?;
    let row = &planned.row;
    let Some(change) = &planned.change else {
        eprintln!(
            "rolecall: instance {instance_id} already has instance profile {}; nothing to do",
            sanitize(
                &row.association
                    .as_ref()
                    .map(|a| a.profile.name.clone())
                    .unwrap_or_default()
            )
        );
        return Ok(Report {
            region: row.instance.region.clone(),
            instance_id: instance_id.to_string(),
            action: "none",
            previous_profile_arn: row.association.as_ref().map(|a| a.profile.arn.clone()),
            association: row.association.clone(),
        });
    };
    if let MutationKind::DetachThenAssociate { association_id, .. } = &change.kind {
        eprintln!(
            "rolecall: instance {instance_id} is stopped and AWS does not replace profiles on stopped instances: disassociating {association_id}, then associating {}",
            sanitize(
                &change
                    .to
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_default()
            )
        );
    }
    execute(session, journal, &planned, change, guard).await
}

/// Detaches the instance's profile.
pub async fn detach(
    session: &Session,
    journal: Option<&Journal>,
    instance_id: &str,
) -> Result<Report, Error> {
    detach_guarded(session, journal, instance_id, Guard::NONE).await
}

/// [`detach`], asking first in a production account (unless `--yes`).
pub async fn detach_guarded(
    session: &Session,
    journal: Option<&Journal>,
    instance_id: &str,
    guard: Guard<'_>,
) -> Result<Report, Error> {
    let planned = exec::plan_detach(session, instance_id).await?;
    match &planned.change {
        Some(change) => execute(session, journal, &planned, change, guard).await,
        None => Err(Error::Runtime("nothing to detach".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose every write fails with `kind`.
    struct Failing(std::io::ErrorKind);

    impl std::io::Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_reader_that_stopped_reading_is_not_an_error_but_a_failed_write_is() {
        assert!(write_out(&mut Failing(std::io::ErrorKind::BrokenPipe), "x\n").is_ok());
        let e = write_out(&mut Failing(std::io::ErrorKind::PermissionDenied), "x\n").unwrap_err();
        assert!(e.to_string().starts_with("cannot write output: "), "{e}");
        assert_eq!(e.exit_code(), 1);
    }

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
}
