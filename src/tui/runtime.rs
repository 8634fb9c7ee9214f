//! The TUI runtime: terminal setup and restore, the one `select!` loop over
//! terminal events, action results and a frame tick, and the effect runner.

use std::io::Stdout;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::panic::AssertUnwindSafe;

use futures::{FutureExt, StreamExt};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinSet;

use crate::aws::Cloud;
use crate::core::error::Error;
use crate::core::exec::{self, ExecError, Outcome, Record};
use crate::core::journal::{self, Context, Journal};
use crate::core::session::{self, Account};
use crate::tui::app::state::{AppConfig, Message, Tone};
use crate::tui::app::update::init;
use crate::tui::app::{Action, Effect, Mutation, State, update};
use crate::tui::poller::Poller;

/// The OSC 52 sequence that puts `text` on the terminal's clipboard.
pub fn osc52(text: &str) -> String {
    use crossterm::Command;
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = crossterm::clipboard::CopyToClipboard::to_clipboard_from(text).write_ansi(&mut out);
    out
}

/// Puts the terminal back: cooked mode, main screen, cursor shown. Safe to call twice.
pub fn restore_terminal() {
    // Best effort: if the terminal is gone there is nothing left to restore,
    // and this also runs from the panic hook, where nothing can be reported.
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        crossterm::event::DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// How the TUI ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A signal ended it (its number): the process exits with 128 + it.
    Signal(i32),
}

/// The signals that end the TUI (the terminal is restored on each).
struct Signals {
    streams: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn listen() -> Result<Self, Error> {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [
            (libc_signal::SIGHUP, SignalKind::hangup()),
            (libc_signal::SIGINT, SignalKind::interrupt()),
            (libc_signal::SIGQUIT, SignalKind::quit()),
            (libc_signal::SIGTERM, SignalKind::terminate()),
        ];
        let mut streams = Vec::new();
        for (number, kind) in kinds {
            let stream = signal(kind)
                .map_err(|e| Error::Runtime(format!("cannot listen for signal {number}: {e}")))?;
            streams.push((number, stream));
        }
        Ok(Self { streams })
    }

    /// The number of the next signal that arrives.
    async fn next(&mut self) -> i32 {
        let waits = self
            .streams
            .iter_mut()
            .map(|(n, s)| Box::pin(async move { s.recv().await.map(|_| *n) }));
        let (got, _, _) = futures::future::select_all(waits).await;
        // A stream only ends when the runtime shuts down: treat it as a hangup.
        got.unwrap_or(libc_signal::SIGHUP)
    }
}

/// The POSIX signal numbers (the same on every platform tokio's unix signals run on).
mod libc_signal {
    pub const SIGHUP: i32 = 1;
    pub const SIGINT: i32 = 2;
    pub const SIGQUIT: i32 = 3;
    pub const SIGTERM: i32 = 15;
}

/// How the TUI behaves, beyond the session it works on.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub read_only: bool,
    /// Association poll interval when nothing is changing.
    pub poll: Duration,
    /// Where changes are journaled (a file, or a team's S3 prefix, opened
    /// once the session has credentials); `None` with `--no-journal`.
    pub journal: Option<crate::core::journal::s3::Spec>,
    /// The profile the S3 journal's bucket is reached with (config file).
    pub journal_profile: Option<String>,
    /// The config file.
    pub file: crate::core::config::Config,
    /// Where it is (or would be): `--config`, else the default path.
    pub config_path: Option<std::path::PathBuf>,
    /// Changes of a batch in flight at once.
    pub concurrency: usize,
    /// Draw in colour (false with NO_COLOR).
    pub color: bool,
    /// Capture the mouse (`--mouse` or `mouse = true`).
    pub mouse: bool,
}

/// The journal of this run, and the prefix of its batch ids.
#[derive(Debug, Clone)]
pub struct Journaling {
    pub journal: Journal,
    pub run_id: String,
}

/// Runs the TUI until the user quits or a signal ends it. The first frame is
/// drawn before any AWS call answers; region names are checked meanwhile.
pub async fn run(
    options: &session::Options,
    settings: &Settings,
    log_warning: Option<String>,
) -> Result<Exit, Error> {
    let started = Instant::now();
    let session = session::build(options).await?;
    // An S3 journal that cannot be opened stops here, before the screen:
    // nothing could be recorded, so nothing may be changed.
    let journal = match settings.journal.clone() {
        Some(spec) => Some(
            crate::core::journal::s3::resolve(
                spec,
                &session,
                settings.journal_profile.as_deref(),
                options.timeout,
            )
            .await?,
        ),
        None => None,
    };
    let config = AppConfig {
        read_only: settings.read_only,
        demo: session.demo.is_some(),
        profile_label: session.profile_label.clone(),
        endpoint: session.endpoint.clone(),
        poll_interval: settings.poll,
        check_regions: session.regions_unchecked,
        journal: settings.journal.is_some(),
        file: settings.file.clone(),
        config_path: settings
            .config_path
            .as_ref()
            .map(|p| p.display().to_string()),
        accounts: session
            .accounts
            .iter()
            .map(crate::tui::app::state::AccountInfo::of)
            .collect(),
        color: settings.color,
        started_at: Some(std::time::SystemTime::now()),
    };
    let journaling = journal.map(|journal| {
        Arc::new(Journaling {
            journal,
            run_id: journal::new_id("b"),
        })
    });
    let mut state = State::new(config, session.regions.clone());
    if let Some(w) = log_warning {
        state.message = Some(Message {
            tone: Tone::Error,
            text: format!("{w}; running without a log"),
        });
    }
    enable_raw_mode().map_err(|e| Error::Runtime(format!("cannot set up the terminal: {e}")))?;
    let mut terminal = match execute!(std::io::stdout(), EnterAlternateScreen)
        .and_then(|_| {
            if settings.mouse {
                execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
            } else {
                Ok(())
            }
        })
        .and_then(|_| Terminal::new(CrosstermBackend::new(std::io::stdout())))
    {
        Ok(t) => t,
        Err(e) => {
            restore_terminal();
            return Err(Error::Runtime(format!("cannot set up the terminal: {e}")));
        }
    };
    let result = event_loop(
        &mut terminal,
        &mut state,
        Arc::new(session.accounts.clone()),
        journaling,
        Limits {
            reads: session.read_concurrency,
            changes: settings.concurrency,
            timeout: options.timeout,
        },
        started,
    )
    .await;
    restore_terminal();
    // Stopped during a batch: what was left undone is said after the
    // terminal is back, and the exit status is not 0.
    let left = state
        .changes
        .stopping
        .then(|| state.changes.left_undone())
        .flatten();
    match (result?, left) {
        (exit, None) => Ok(exit),
        (Exit::Quit, Some(text)) => Err(Error::Runtime(text)),
        (Exit::Signal(n), Some(text)) => Err(Error::Signal(n, text)),
    }
}

fn term_error(e: std::io::Error) -> Error {
    Error::Runtime(format!("terminal error: {e}"))
}

/// True once every account and region's instances and associations have been read.
fn everything_read(state: &State) -> bool {
    state.inventory.scopes().iter().all(|s| {
        state
            .inventory
            .region_data
            .get(s)
            .is_some_and(|d| d.instances_src.loaded && d.associations_src.loaded)
    })
}

/// How much the event loop may do at once, and how long a call may take.
struct Limits {
    /// Reads in flight (account-region pairs).
    reads: usize,
    /// Changes in flight.
    changes: usize,
    /// `--timeout`: after a signal, what is in flight gets this long.
    timeout: Duration,
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    state: &mut State,
    accounts: Arc<Vec<Account>>,
    journaling: Option<Arc<Journaling>>,
    limits: Limits,
    started: Instant,
) -> Result<Exit, Error> {
    let Limits {
        reads: read_concurrency,
        changes: concurrency,
        timeout,
    } = limits;
    let (tx, mut rx) = unbounded_channel::<Action>();
    let mut runner = Runner {
        permits: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
        poller: Poller::spawn(accounts.clone(), read_concurrency, tx.clone()),
        mutations: JoinSet::new(),
        accounts,
        tx,
        journaling,
    };
    let mut events = EventStream::new();
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = Signals::listen()?;

    let size = terminal.size().map_err(term_error)?;
    state.size = (size.width, size.height);
    let effects = init(state);
    let mut quit = run_effects(effects, &mut runner);
    let mut last_second = 0;
    let mut exit = Exit::Quit;
    terminal
        .draw(|f| crate::tui::ui::view(state, f))
        .map_err(term_error)?;
    // Measured by scripts/bench-latency: the first frame never waits for AWS.
    tracing::info!(
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "timing: first frame drawn"
    );
    let mut rows_shown = false;
    // After a signal during a batch: the changes in flight have until then.
    let mut deadline: Option<tokio::time::Instant> = None;
    // The terminal failed while changes were pending: keep waiting for them
    // without drawing or reading keys.
    let mut terminal_gone = false;
    while !quit {
        let action = tokio::select! {
            ev = events.next(), if !terminal_gone => match ev {
                Some(Ok(Event::Key(k))) => Some(Action::Key(k)),
                Some(Ok(Event::Resize(w, h))) => Some(Action::Resize(w, h)),
                Some(Ok(Event::Mouse(m))) => Some(Action::Mouse(m)),
                Some(Ok(_)) => None,
                // The terminal is gone (an ssh drop): with changes pending,
                // stop as after SIGHUP rather than abandon them.
                Some(Err(e)) if state.changes.pending.is_empty() => return Err(term_error(e)),
                None if state.changes.pending.is_empty() => break,
                Some(Err(_)) | None => {
                    terminal_gone = true;
                    exit = Exit::Signal(1);
                    deadline.get_or_insert_with(|| tokio::time::Instant::now() + timeout);
                    Some(Action::Stop)
                }
            },
            Some(a) = rx.recv() => Some(a),
            _ = tick.tick() => Some(Action::Tick(start.elapsed())),
            number = signals.next() => {
                exit = Exit::Signal(number);
                if state.changes.pending.is_empty() {
                    break;
                }
                // As `q` then `w`, without asking: nothing more starts, what
                // was sent is waited for (within --timeout) and journaled.
                deadline.get_or_insert_with(|| tokio::time::Instant::now() + timeout);
                Some(Action::Stop)
            }
            () = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => futures::future::pending().await,
                }
            } => {
                tracing::warn!("changes still in flight at the deadline; their outcome is unknown");
                break;
            }
            Some(_) = runner.mutations.join_next(), if !runner.mutations.is_empty() => None,
        };
        let Some(action) = action else { continue };
        let is_tick = matches!(action, Action::Tick(_));
        let effects = update(state, action);
        quit = run_effects(effects, &mut runner);
        // Draw only when something on screen may have changed: any event, a
        // spinner turning, or the refresh age ticking over a second.
        let second = state.now.as_secs();
        let redraw =
            !is_tick || state.busy() || state.anything_in_transition() || second != last_second;
        last_second = second;
        if redraw && !quit && !terminal_gone {
            if let Err(e) = terminal.draw(|f| crate::tui::ui::view(state, f)) {
                if state.changes.pending.is_empty() {
                    return Err(term_error(e));
                }
                tracing::warn!(error = %e, "the terminal is gone; waiting for the changes in flight");
                terminal_gone = true;
                exit = Exit::Signal(1);
                deadline.get_or_insert_with(|| tokio::time::Instant::now() + timeout);
                let effects = update(state, Action::Stop);
                quit = run_effects(effects, &mut runner);
                continue;
            }
            if !rows_shown && everything_read(state) {
                rows_shown = true;
                tracing::info!(
                    ms = started.elapsed().as_secs_f64() * 1000.0,
                    rows = state.inventory.rows.len(),
                    "timing: first rows drawn"
                );
            }
        }
    }
    // A sent call is never abandoned while it has time left: wait (within
    // --timeout) for what is still running (a revoke, changes past a stop).
    // Nothing more starts (a change dropped from view may still be waiting).
    runner.permits.close();
    let finish = async { while runner.mutations.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(timeout, finish).await;
    runner.mutations.abort_all();
    drop(runner);
    // Outcomes that came back during that wait count in what is reported.
    while let Ok(action) = rx.try_recv() {
        if matches!(action, Action::MutationDone { .. }) {
            let _ = update(state, action);
        }
    }
    Ok(exit)
}

/// What runs effects: the poller for reads, a task per change.
struct Runner {
    /// Bounds how many changes are in flight at once.
    permits: Arc<tokio::sync::Semaphore>,
    poller: Poller,
    mutations: JoinSet<()>,
    accounts: Arc<Vec<Account>>,
    tx: UnboundedSender<Action>,
    journaling: Option<Arc<Journaling>>,
}

/// Hands effects to the poller or to tasks; true when the UI must quit.
fn run_effects(effects: Vec<Effect>, runner: &mut Runner) -> bool {
    let Runner {
        permits,
        poller,
        mutations,
        accounts,
        tx,
        journaling,
    } = runner;
    let mut quit = false;
    for effect in effects {
        match effect {
            Effect::Quit => quit = true,
            // Changes waiting for a permit give up (each reports not started).
            Effect::StopChanges => permits.close(),
            Effect::Copy(text) => {
                use std::io::Write;
                let mut out = std::io::stdout();
                // Best effort: a terminal that ignores OSC 52 simply copies nothing.
                if let Err(e) = out
                    .write_all(osc52(&text).as_bytes())
                    .and_then(|()| out.flush())
                {
                    tracing::warn!(error = %e, "cannot write the clipboard sequence");
                }
            }
            Effect::Mutate(m) => {
                let (accounts, journaling, tx) = (accounts.clone(), journaling.clone(), tx.clone());
                let permits = permits.clone();
                mutations.spawn(async move {
                    // Closed when rolecall is stopping: this change never starts.
                    let Ok(_permit) = permits.acquire_owned().await else {
                        let _ = tx.send(Action::MutationDone {
                            op_id: m.op_id,
                            outcome: Box::new(Outcome {
                                change: m.change,
                                steps: Vec::new(),
                                result: Err(ExecError::NotStarted),
                                journal_error: None,
                            }),
                        });
                        return;
                    };
                    perform(Effect::Mutate(m), &accounts, journaling, &tx).await;
                });
            }
            effect @ (Effect::PlanContain { .. }
            | Effect::RunContain(_)
            | Effect::LoadCases { .. }
            | Effect::ReleaseCase { .. }) => {
                let (accounts, journaling, tx) = (accounts.clone(), journaling.clone(), tx.clone());
                let handle = tokio::runtime::Handle::current();
                tokio::task::spawn_blocking(move || {
                    handle.block_on(perform_contain(effect, &accounts, journaling, &tx))
                });
            }
            // Paced CloudTrail pages, for seconds, and reading the journal
            // (an S3 listing, perhaps): off the poller (polls go on), and
            // not waited for on quitting, as changes are.
            effect @ (Effect::LoadHistory { .. } | Effect::ReadJournal(_)) => {
                let (accounts, journaling, tx) = (accounts.clone(), journaling.clone(), tx.clone());
                tokio::spawn(async move { perform(effect, &accounts, journaling, &tx).await });
            }
            effect @ Effect::RevokeSessions { .. } => {
                let (accounts, journaling, tx) = (accounts.clone(), journaling.clone(), tx.clone());
                mutations.spawn(async move { perform(effect, &accounts, journaling, &tx).await });
            }
            read @ (Effect::LoadIdentity { .. }
            | Effect::LoadProfiles { .. }
            | Effect::LoadRegions
            | Effect::CheckRegions
            | Effect::LoadRolePolicies { .. }
            | Effect::LoadRoleLastUsed { .. }
            | Effect::LoadInstances { .. }
            | Effect::LoadAssociations { .. }) => {
                if !poller.request(read.clone()) {
                    tracing::error!("the poller has stopped");
                    // Say so on screen, as that read's failure.
                    if let Some(action) = crate::tui::poller::failure(
                        &read,
                        "the background reader has stopped (internal error); restart rolecall",
                    ) {
                        let _ = tx.send(action);
                    }
                }
            }
        }
    }
    quit
}

/// Reads the journal: a file off the async workers (it may be large), an S3
/// prefix on them.
async fn read_journal(
    journaling: &Journaling,
) -> Result<(Vec<journal::Entry>, Vec<String>), journal::JournalError> {
    if journaling.journal.shared.is_some() {
        return journaling.journal.read().await;
    }
    let j = journaling.journal.clone();
    tokio::task::spawn_blocking(move || futures::executor::block_on(j.read()))
        .await
        .unwrap_or_else(|e| {
            Err(journal::JournalError {
                path: journaling.journal.path.display().to_string(),
                why: format!("reading the journal failed: {e}"),
            })
        })
}

/// The one effect runner, shared by the runtime and the tests: does one
/// effect's work through the account's cloud and sends what comes of it as
/// actions on `tx`. (The runtime routes reads through the poller, which
/// bounds and guards them, and handles quitting, copying and stopping itself.)
pub async fn perform(
    effect: Effect,
    accounts: &[Account],
    journaling: Option<Arc<Journaling>>,
    tx: &UnboundedSender<Action>,
) {
    // The cloud of an account by key (a key not in the session is a bug).
    let cloud_of = |key: &str| {
        accounts
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.cloud.clone())
    };
    // The UI may have quit meanwhile: nobody left to tell.
    match effect {
        Effect::Quit | Effect::Copy(_) | Effect::StopChanges => {}
        // Run off the async workers: `perform_contain`.
        Effect::PlanContain { .. }
        | Effect::RunContain(_)
        | Effect::LoadCases { .. }
        | Effect::ReleaseCase { .. } => {}
        Effect::RevokeSessions {
            key,
            role,
            account,
            caller_arn,
        } => {
            let result = match cloud_of(&key) {
                None => Err(format!("account {key} is not in this session")),
                Some(cloud) => {
                    let identity = match (account, caller_arn) {
                        (Some(account), Some(arn)) => {
                            Some(crate::aws::CallerIdentity { account, arn })
                        }
                        _ => None,
                    };
                    crate::core::revoke::revoke(
                        cloud.as_ref(),
                        &role,
                        journaling.as_deref().map(|j| &j.journal),
                        identity.as_ref(),
                    )
                    .await
                    .map_err(|e| e.to_string())
                }
            };
            let _ = tx.send(Action::SessionsRevoked { key, role, result });
        }
        Effect::LoadHistory {
            account,
            region,
            until,
        } => {
            // This machine's journal: the request ids of rolecall's own changes.
            let requests = match &journaling {
                Some(j) => read_journal(j)
                    .await
                    .map(|(entries, _)| crate::core::history::journal_requests(&entries))
                    .unwrap_or_default(),
                None => Default::default(),
            };
            let result = match cloud_of(&account) {
                None => Err(crate::aws::ApiError::service(
                    crate::aws::actions::LOOKUP_EVENTS,
                    "UnknownAccount",
                    format!("account {account} is not in this session"),
                )),
                Some(cloud) => {
                    let progress = {
                        let (tx, account, region) = (tx.clone(), account.clone(), region.clone());
                        move |progress| {
                            let _ = tx.send(Action::HistoryProgress {
                                account: account.clone(),
                                region: region.clone(),
                                progress,
                            });
                        }
                    };
                    crate::core::history::fetch(
                        cloud.as_ref(),
                        &format!("{account}/{region}"),
                        &region,
                        crate::core::history::DEFAULT_DAYS,
                        until.unwrap_or_else(std::time::SystemTime::now),
                        crate::core::history::Pacer::shared(),
                        &progress,
                    )
                    .await
                }
            };
            let _ = tx.send(Action::HistoryLoaded {
                account,
                region,
                result,
                journal_requests: requests,
            });
        }
        Effect::ReadJournal(purpose) => {
            let result = match journaling {
                None => Err("there is no journal: rolecall was started with --no-journal".into()),
                Some(j) => {
                    read_journal(&j)
                        .await
                        .map_err(|e| e.to_string())
                        .map(|(entries, problems)| {
                            for p in problems {
                                tracing::warn!(problem = %p, "journal record skipped");
                            }
                            entries
                        })
                }
            };
            let _ = tx.send(Action::JournalRead { purpose, result });
        }
        Effect::Mutate(m) => match cloud_of(&m.change.account) {
            Some(cloud) => {
                // Its turn has come: the row shows it under way, not queued.
                let _ = tx.send(Action::MutationStarted { op_id: m.op_id });
                run_mutation(cloud, *m, journaling, tx.clone()).await
            }
            None => {
                let _ = tx.send(Action::MutationDone {
                    op_id: m.op_id,
                    outcome: Box::new(Outcome {
                        result: Err(ExecError::Internal(format!(
                            "account {} is not in this session",
                            m.change.account
                        ))),
                        change: m.change,
                        steps: Vec::new(),
                        journal_error: None,
                    }),
                });
            }
        },
        read => {
            if let Some(action) = crate::tui::poller::fetch(accounts, read).await {
                let _ = tx.send(action);
            }
        }
    }
}

/// Runs one confirmed change through the executor, journaled first; the
/// first step of a two-step swap is reported as it lands.
pub async fn mutate(
    cloud: &dyn Cloud,
    m: Mutation,
    journaling: Option<&Journaling>,
    tx: &UnboundedSender<Action>,
) -> Outcome {
    let op_id = m.op_id;
    let detached = m
        .change
        .association_before()
        .unwrap_or("the old association")
        .to_string();
    let instance_id = m.change.instance_id.clone();
    let step = |_: &exec::Step| {
        let note = format!("{instance_id}: detached {detached}; now associating the new profile");
        // A progress note only; the UI may have quit meanwhile.
        let _ = tx.send(Action::MutationStep { op_id, note });
    };
    let context = Context {
        batch: journaling.map_or_else(String::new, |j| format!("{}-{}", j.run_id, m.batch)),
        account: m.account.clone(),
        caller_arn: m.caller_arn.clone(),
        undo_of: m.undo_of.clone(),
        case: None,
    };
    let record = journaling.map(|j| Record {
        journal: &j.journal,
        context: &context,
        instance_name: m.instance_name.as_deref(),
    });
    match exec::run_recorded(cloud, &m.change, record, &step).await {
        Ok(outcome) => outcome,
        Err(e) => Outcome {
            change: m.change,
            steps: Vec::new(),
            result: Err(ExecError::NotJournaled(e.to_string())),
            journal_error: None,
        },
    }
}

/// Runs a change and always reports back, even when the task panics (the
/// row must not spin forever).
pub async fn run_mutation(
    cloud: Arc<dyn Cloud>,
    m: Mutation,
    journaling: Option<Arc<Journaling>>,
    tx: UnboundedSender<Action>,
) {
    let op_id = m.op_id;
    let change = m.change.clone();
    let outcome = match AssertUnwindSafe(mutate(cloud.as_ref(), m, journaling.as_deref(), &tx))
        .catch_unwind()
        .await
    {
        Ok(outcome) => outcome,
        Err(panic) => Outcome {
            change,
            steps: Vec::new(),
            result: Err(ExecError::Internal(crate::core::error::panic_message(
                panic.as_ref(),
            ))),
            journal_error: None,
        },
    };
    match &outcome.result {
        Ok(a) => tracing::info!(op_id, association = %a.id, state = %a.state, "mutation accepted"),
        Err(e) => tracing::warn!(op_id, error = %e, "mutation failed"),
    }
    // The UI may have quit meanwhile: nobody left to tell.
    let _ = tx.send(Action::MutationDone {
        op_id,
        outcome: Box::new(outcome),
    });
}

/// Runs a containment's effects (planning and carrying it out). Its reads
/// go through the core's session (streams of futures the async workers
/// cannot take), so the runtime runs it on a blocking thread.
pub async fn perform_contain(
    effect: Effect,
    accounts: &[Account],
    journaling: Option<Arc<Journaling>>,
    tx: &UnboundedSender<Action>,
) {
    // A session over the accounts, for the core's containment.
    let session = |regions: Vec<String>| crate::core::session::Session {
        accounts: accounts.to_vec(),
        regions,
        regions_unchecked: false,
        demo: None,
        profile_label: String::new(),
        endpoint: None,
        read_concurrency: crate::core::session::READ_CONCURRENCY,
    };
    match effect {
        Effect::PlanContain {
            ids,
            case,
            to,
            regions,
        } => {
            let to = crate::aws::ProfileRef::parse(&to);
            let result = crate::core::contain::plan(
                &session(regions),
                &ids,
                &crate::core::contain::Options {
                    case: &case,
                    to: Some(&to),
                    imdsv2: true,
                    standby: true,
                },
            )
            .await
            .map(Box::new)
            .map_err(|e| e.to_string());
            let _ = tx.send(Action::ContainPlanned { case, result });
        }
        Effect::RunContain(plan) => {
            let regions: Vec<String> = plan.targets.iter().map(|t| t.region.clone()).collect();
            let session = session(regions);
            // The TUI's own stopping waits for this effect as a whole.
            let never = std::sync::atomic::AtomicBool::new(false);
            let steps = crate::core::contain::run(
                &session,
                &plan,
                journaling.as_deref().map(|j| &j.journal),
                &never,
            )
            .await;
            let _ = tx.send(Action::ContainDone {
                case: plan.case.clone(),
                steps,
            });
        }
        Effect::LoadCases { regions } => {
            let result = match journaling.as_deref() {
                None => {
                    Err("there is no journal: rolecall was started with --no-journal".to_string())
                }
                Some(j) => match read_journal(j).await {
                    Err(e) => Err(e.to_string()),
                    Ok((entries, _)) => crate::core::contain::scan(&session(regions))
                        .await
                        .map(|found| (crate::core::contain::cases(&entries), found))
                        .map_err(|e| e.to_string()),
                },
            };
            let _ = tx.send(Action::CasesLoaded { result });
        }
        Effect::ReleaseCase { case, regions } => {
            let result = match journaling.as_deref() {
                None => {
                    Err("there is no journal: rolecall was started with --no-journal".to_string())
                }
                Some(j) => crate::core::contain::release(
                    &session(regions),
                    &j.journal,
                    &case,
                    false,
                    false,
                    crate::aws::sdk::DEFAULT_TIMEOUT,
                )
                .await
                .map_err(|e| e.to_string()),
            };
            let _ = tx.send(Action::CaseReleased { case, result });
        }
        _ => {}
    }
}
