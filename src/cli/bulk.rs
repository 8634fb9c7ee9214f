//! `swap`, `undo` and `journal`: changes to many instances, and their record.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::{Value, json};

use crate::aws::ProfileRef;
use crate::aws::text::sanitize;
use crate::core::bulk::{self, BatchPlan, Selection};
use crate::core::config::Config;
use crate::core::error::Error;
use crate::core::exec::{ExecError, Outcome};
use crate::core::journal::{self, Context, Journal, JournalError};
use crate::core::session::Session;

use super::Output;
use super::table::table;

/// One instance of a batch, as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// The account's label (see `Session::label`).
    pub account: String,
    pub region: String,
    pub instance_id: String,
    /// `associate`, `replace`, `detach_then_associate`, `disassociate`, `skip`.
    pub action: String,
    pub from_profile_arn: Option<String>,
    pub to_profile_arn: Option<String>,
    /// `ok`, `failed`, `partial`, `unknown`, `not started`, `skipped`, or
    /// `planned` (dry run).
    pub outcome: String,
    pub error: Option<String>,
}

/// How a batch command is run.
pub struct BatchOptions<'a> {
    pub dry_run: bool,
    pub yes: bool,
    pub concurrency: usize,
    pub output: Output,
    pub journal: Option<&'a Journal>,
    pub undo_of: Option<String>,
    /// The config file (production accounts).
    pub config: &'a Config,
    /// `--timeout`: how long a call may take (and so how late a request
    /// whose answer was never read may still land).
    pub timeout: std::time::Duration,
}

fn rows_for_plan(
    session: &Session,
    config: &Config,
    plan: &BatchPlan,
    word: &str,
) -> Vec<BatchRow> {
    let label = |key: &str| {
        let sts = plan.identities.get(key).map(|i| i.account.as_str());
        session.label(key, sts, config)
    };
    let mut rows: Vec<BatchRow> = plan
        .changes
        .iter()
        .map(|(c, _)| BatchRow {
            account: label(&c.account),
            region: c.region.clone(),
            instance_id: c.instance_id.clone(),
            action: journal::action_name(&c.kind).into(),
            from_profile_arn: c.from.as_ref().map(|p| p.arn.clone()),
            to_profile_arn: c.to.as_ref().map(|p| p.arn.clone()),
            outcome: word.into(),
            error: None,
        })
        .collect();
    rows.extend(plan.skipped.iter().map(|s| BatchRow {
        account: if session.account(&s.account).is_some() {
            label(&s.account)
        } else {
            s.account.clone()
        },
        region: s.region.clone(),
        instance_id: s.instance_id.clone(),
        action: "skip".into(),
        from_profile_arn: s.from_profile_arn.clone(),
        to_profile_arn: None,
        outcome: "skipped".into(),
        error: Some(s.why.sentence(true)),
    }));
    rows
}

fn outcome_word(result: &Result<Outcome, JournalError>) -> (String, Option<String>) {
    match result {
        Err(e) => ("failed".into(), Some(format!("{e}: nothing was sent"))),
        Ok(o) => match &o.result {
            Ok(_) => ("ok".into(), None),
            Err(e) if o.done() => ("ok".into(), Some(e.sentence(&o.change.instance_id))),
            Err(e @ (ExecError::Unknown { .. } | ExecError::Internal(_))) => {
                ("unknown".into(), Some(e.sentence(&o.change.instance_id)))
            }
            Err(ExecError::NotStarted) => ("not started".into(), None),
            Err(e) if e.detached().is_some() => {
                ("partial".into(), Some(e.sentence(&o.change.instance_id)))
            }
            Err(e) => ("failed".into(), Some(e.sentence(&o.change.instance_id))),
        },
    }
}

/// Waits for SIGINT, SIGTERM, SIGHUP or SIGQUIT; sets `stop` and keeps the
/// signal's number, so the batch starts nothing more and the run exits
/// 128 + n once the changes under way have ended. Dropped with the batch.
pub(super) struct StopOnSignal {
    pub(super) stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    signal: std::sync::Arc<std::sync::atomic::AtomicI32>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl StopOnSignal {
    pub(super) fn listen() -> Self {
        use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
        use tokio::signal::unix::{SignalKind, signal};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let number = std::sync::Arc::new(AtomicI32::new(0));
        let mut streams = Vec::new();
        for (n, kind) in [
            (1, SignalKind::hangup()),
            (2, SignalKind::interrupt()),
            (3, SignalKind::quit()),
            (15, SignalKind::terminate()),
        ] {
            match signal(kind) {
                Ok(s) => streams.push((n, s)),
                // Without the handler the signal keeps its default: it ends
                // the process, and undo re-reads what was in flight.
                Err(e) => tracing::warn!(signal = n, error = %e, "cannot listen for a signal"),
            }
        }
        let task = (!streams.is_empty()).then(|| {
            let (stop, number) = (stop.clone(), number.clone());
            tokio::spawn(async move {
                let mut first = true;
                loop {
                    let waits = streams
                        .iter_mut()
                        .map(|(n, s)| Box::pin(async move { s.recv().await.map(|_| *n) }));
                    let (got, _, _) = futures::future::select_all(waits).await;
                    let Some(got) = got else { break };
                    if first {
                        first = false;
                        number.store(got, Ordering::SeqCst);
                        stop.store(true, Ordering::SeqCst);
                        eprintln!(
                            "rolecall: stopping: no further change starts; waiting for those under way (each within --timeout)"
                        );
                    } else {
                        // Heard, not swallowed: say what is happening.
                        eprintln!(
                            "rolecall: already stopping: waiting for the changes under way to answer; their outcome goes to the journal"
                        );
                    }
                }
            })
        });
        Self {
            stop,
            signal: number,
            task,
        }
    }

    pub(super) fn signal(&self) -> Option<i32> {
        let n = self.signal.load(std::sync::atomic::Ordering::SeqCst);
        (n != 0).then_some(n)
    }
}

impl Drop for StopOnSignal {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Asks for a typed answer on the terminal (`y`, or a production account's
/// name); refuses without a terminal.
fn confirm(question: &str, expected: &str) -> Result<(), Error> {
    let prompt = if expected == "y" {
        format!("{question}? type y and Enter to go on")
    } else {
        format!(
            "{question} in PRODUCTION account {expected}? type its name ({expected}) and Enter to go on"
        )
    };
    ask(question, &prompt, expected)
}

/// Asks for `expected` typed on the terminal; refuses without one.
pub fn confirm_typed(question: &str, expected: &str) -> Result<(), Error> {
    ask(
        question,
        &format!("{question}? type {expected} and Enter to go on"),
        expected,
    )
}

/// Shows `prompt` on the terminal and goes on only when `expected` is typed;
/// without a terminal, refuses (`--yes` is how scripts say yes).
fn ask(question: &str, prompt: &str, expected: &str) -> Result<(), Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "{question}: refusing without --yes (no terminal to ask)"
        )));
    }
    eprint!("rolecall: {prompt}: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Runtime(format!("cannot read the answer: {e}")))?;
    if answer.trim() == expected {
        Ok(())
    } else {
        Err(Error::Usage("not confirmed: nothing changed".into()))
    }
}

/// Prints the batch (rows and id) and says whether every change worked; the
/// table has an ACCOUNT column when the session shows several accounts.
fn render(
    batch: Option<&str>,
    rows: &[BatchRow],
    output: Output,
    several_accounts: bool,
) -> String {
    match output {
        Output::Json => super::json::pretty(&json!({
            "batch": batch,
            "changes": rows.iter().map(|r| json!({
                "account": r.account,
                "region": r.region,
                "instance_id": r.instance_id,
                "action": r.action,
                "from_profile_arn": r.from_profile_arn,
                "to_profile_arn": r.to_profile_arn,
                "outcome": r.outcome,
                "error": r.error,
            })).collect::<Vec<Value>>(),
        })),
        Output::Table => {
            let name = |arn: &Option<String>| super::table::profile_cell(arn.as_deref());
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let mut cells = vec![
                        r.region.clone(),
                        r.instance_id.clone(),
                        r.action.clone(),
                        name(&r.from_profile_arn),
                        name(&r.to_profile_arn),
                        r.outcome.clone(),
                        r.error.clone().unwrap_or_else(|| "-".into()),
                    ];
                    if several_accounts {
                        cells.insert(0, r.account.clone());
                    }
                    cells
                })
                .collect();
            let mut header = vec![
                "REGION", "INSTANCE", "ACTION", "FROM", "TO", "OUTCOME", "ERROR",
            ];
            if several_accounts {
                header.insert(0, "ACCOUNT");
            }
            let mut out = table(&header, &body);
            if let Some(batch) = batch {
                out.push_str(&format!("batch {}\n", sanitize(batch)));
            }
            out
        }
    }
}

/// The skipped instances an undo leaves where they are not as before (a
/// skip that is "already as before" is not one of them).
fn unsettled(plan: &BatchPlan) -> usize {
    plan.skipped.iter().filter(|s| !s.settled()).count()
}

/// Runs (or, dry, prints) a planned batch; the text to print and, when any
/// change did not work (for an undo: when any instance is not put back), the
/// error to exit with.
async fn execute(
    session: &Session,
    plan: BatchPlan,
    opts: &BatchOptions<'_>,
    what: &str,
) -> Result<(String, Option<Error>), Error> {
    let several = session.several_accounts();
    let undo = opts.undo_of.is_some();
    let column = match opts.output {
        Output::Json => "error",
        Output::Table => "ERROR",
    };
    let not_back = |plan: &BatchPlan| {
        let n = unsettled(plan);
        (undo && n > 0).then(|| {
            format!(
                "{n} instance{} of the batch {} not put back (see the {column} column)",
                if n == 1 { "" } else { "s" },
                if n == 1 { "was" } else { "were" }
            )
        })
    };
    if opts.dry_run || plan.changes.is_empty() {
        // Nothing is sent, so nothing is journaled: no batch id to show.
        let word = if opts.dry_run { "planned" } else { "skipped" };
        let error = if opts.dry_run {
            None
        } else {
            not_back(&plan).map(Error::Runtime)
        };
        return Ok((
            render(
                None,
                &rows_for_plan(session, opts.config, &plan, word),
                opts.output,
                several,
            ),
            error,
        ));
    }
    let batch = journal::new_id("b");
    if !opts.yes {
        // Each production account the batch touches asks for its own name.
        let mut guards: Vec<String> = Vec::new();
        for (c, _) in &plan.changes {
            let sts = plan.identities.get(&c.account).map(|i| i.account.as_str());
            if let Some(g) = session.production_guard(&c.account, sts, opts.config)
                && !guards.contains(&g)
            {
                guards.push(g);
            }
        }
        let question = format!(
            "{what} {} instance{} ({} skipped)",
            plan.changes.len(),
            if plan.changes.len() == 1 { "" } else { "s" },
            plan.skipped.len()
        );
        if guards.is_empty() {
            confirm(&question, "y")?;
        }
        for guard in &guards {
            confirm(&question, guard)?;
        }
    }
    let context = |account: &str| {
        let identity = plan.identities.get(account);
        Context {
            batch: batch.clone(),
            account: session
                .account_id(account, identity.map(|i| i.account.as_str()))
                .map(str::to_string),
            caller_arn: identity.map(|i| i.arn.clone()),
            undo_of: opts.undo_of.clone(),
            case: None,
        }
    };
    let signals = StopOnSignal::listen();
    let results = bulk::run(
        session,
        &plan.changes,
        opts.concurrency,
        opts.journal,
        &context,
        &signals.stop,
        &|_, _| {},
    )
    .await;
    let signal = signals.signal();
    drop(signals);
    let mut rows = rows_for_plan(session, opts.config, &plan, "");
    let (mut failed, mut not_started) = (0, 0);
    let mut unrecorded = Vec::new();
    for (row, result) in rows.iter_mut().zip(&results) {
        let (word, error) = outcome_word(result);
        if word == "not started" {
            not_started += 1;
        } else if word != "ok" {
            failed += 1;
        }
        if let Ok(Outcome {
            journal_error: Some(why),
            ..
        }) = result
        {
            unrecorded.push((row.instance_id.clone(), why.clone()));
        }
        row.outcome = word;
        row.error = error;
    }
    // A change whose outcome could not be journaled is named, each on its line.
    for (instance, why) in &unrecorded {
        eprintln!(
            "rolecall: journal: the outcome of the change to {instance} (batch {batch}) is not on record: {}",
            crate::aws::text::one_line(why)
        );
    }
    let mut problems = Vec::new();
    if failed > 0 {
        problems.push(format!(
            "{failed} of {} changes did not work (see the {column} column)",
            results.len()
        ));
    }
    if not_started > 0 {
        problems.push(format!(
            "{not_started} not started (stopped by signal {})",
            signal.unwrap_or_default()
        ));
    }
    if !unrecorded.is_empty() {
        problems.push(format!(
            "{} outcome{} missing from the journal (named above)",
            unrecorded.len(),
            if unrecorded.len() == 1 { "" } else { "s" }
        ));
    }
    problems.extend(not_back(&plan));
    if let (Some(n), true) = (signal, problems.is_empty()) {
        problems.push(format!(
            "signal {n} came after every change had started; each finished"
        ));
    }
    let error = (!problems.is_empty()).then(|| {
        let text = format!("{}; batch {batch}", problems.join("; "));
        match signal {
            Some(n) => Error::Signal(n, text),
            None => Error::Runtime(text),
        }
    });
    Ok((render(Some(&batch), &rows, opts.output, several), error))
}

/// `swap --to P (--from P | --instances …)`.
pub async fn swap(
    session: &Session,
    to: &str,
    from: Option<&str>,
    instances: &[String],
    opts: &BatchOptions<'_>,
) -> Result<(String, Option<Error>), Error> {
    for id in instances {
        super::check_instance_id(id)?;
    }
    let target = (to != "none").then(|| ProfileRef::parse(to));
    let selection = match from {
        Some(f) => Selection::From(ProfileRef::parse(f)),
        None => Selection::Instances(instances.to_vec()),
    };
    let plan = bulk::plan_swap(session, target.as_ref(), &selection).await?;
    execute(session, plan, opts, "change").await
}

/// `undo [BATCH]`.
pub async fn undo(
    session: &Session,
    named: Option<&str>,
    force: bool,
    opts: &mut BatchOptions<'_>,
) -> Result<(String, Option<Error>), Error> {
    let journal = opts
        .journal
        .ok_or_else(|| Error::Usage("undo reads the journal: drop --no-journal".into()))?;
    let (entries, problems) = journal
        .read()
        .await
        .map_err(|e| Error::Runtime(e.to_string()))?;
    for p in &problems {
        eprintln!(
            "rolecall: warning: journal {}: {p} (skipped)",
            journal.path.display()
        );
    }
    // The latest batch of the accounts shown (any of them, when several).
    let mut ids = Vec::new();
    for a in &session.accounts {
        match &a.id {
            Some(id) => ids.push(id.clone()),
            None => {
                if let Ok(i) = a.cloud.caller_identity().await {
                    ids.push(i.account);
                }
            }
        }
    }
    let batch = bulk::batch_to_undo(&entries, named, &ids)?;
    for note in &batch.notes {
        eprintln!("rolecall: {note}");
    }
    opts.undo_of = Some(batch.batch.clone());
    // A change sent moments ago whose answer was never read may still be on
    // its way to AWS: wait out its --timeout before reading what it did.
    if let Some(wait) = bulk::settle_time(&batch, opts.timeout, std::time::SystemTime::now()) {
        eprintln!(
            "rolecall: waiting {:.0} s: a change whose outcome is not on record was sent under {} s ago and may still land",
            wait.as_secs_f64().ceil(),
            opts.timeout.as_secs()
        );
        tokio::time::sleep(wait).await;
    }
    let plan = bulk::plan_undo(session, &batch, force).await?;
    // The roles the instances go back to (or are on already).
    let profiles: Vec<(String, String)> = plan
        .changes
        .iter()
        .filter_map(|(c, _)| Some((c.account.clone(), c.to.as_ref()?.arn.clone())))
        .chain(
            plan.skipped
                .iter()
                .filter_map(|s| Some((s.account.clone(), s.from_profile_arn.clone()?))),
        )
        .collect();
    let result = execute(session, plan, opts, "put back").await;
    // A revocation made during the incident outlives the restore: say so.
    if result.is_ok() {
        let now = std::time::SystemTime::now();
        for (key, role, before) in crate::core::revoke::revocations_on(session, &profiles).await {
            let place = if session.several_accounts() {
                format!(" in account {}", session.label(&key, None, opts.config))
            } else {
                String::new()
            };
            let age = crate::core::revoke::age(&before, now);
            eprintln!(
                "rolecall: note: {}",
                crate::aws::text::escape(&crate::core::revoke::still_revoked_note(
                    &role,
                    &place,
                    &before,
                    age.as_deref()
                ))
            );
        }
    }
    result
}

/// The journal's OUTCOME cell: what is known of the change (a revoke and
/// other changes to roles keep their own words).
fn status_word(r: &journal::Record) -> String {
    match r.known {
        journal::Known::Unknown if r.entry.phase == "sent" => {
            "unknown (no outcome on record)".into()
        }
        journal::Known::Partial if r.entry.phase == "step" => {
            "partial (detached; associate not on record)".into()
        }
        known => known.word().into(),
    }
}

/// `journal [--limit N]`: the latest changes, newest first.
pub async fn list(
    journal: Option<&Journal>,
    limit: usize,
    output: Output,
) -> Result<String, Error> {
    let journal = journal
        .ok_or_else(|| Error::Usage("there is no journal to show: drop --no-journal".into()))?;
    let (entries, problems) = journal
        .read()
        .await
        .map_err(|e| Error::Runtime(e.to_string()))?;
    for p in &problems {
        eprintln!(
            "rolecall: warning: journal {}: {p} (skipped)",
            journal.path.display()
        );
    }
    let records: Vec<journal::Record> =
        journal::records(&entries).into_iter().take(limit).collect();
    let latest: Vec<&journal::Entry> = records.iter().map(|r| r.entry).collect();
    Ok(match output {
        Output::Json => super::json::pretty(&Value::Array(
            records
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r.entry).unwrap_or_default();
                    if let Value::Object(o) = &mut v {
                        // What is known of the change, whatever its latest line.
                        o.insert("status".into(), Value::from(r.known.word()));
                    }
                    v
                })
                .collect(),
        )),
        Output::Table => {
            let name = |arn: &Option<String>| super::table::profile_cell(arn.as_deref());
            // An ACCOUNT column once the journal holds changes to several accounts.
            let accounts: std::collections::BTreeSet<Option<&str>> =
                latest.iter().map(|e| e.account.as_deref()).collect();
            let several = accounts.len() > 1;
            // A CALLER column once one account has several callers (a
            // team's journal): each change's caller ARN.
            let responders = journal::several_callers(latest.iter().copied());
            let body: Vec<Vec<String>> = records
                .iter()
                .map(|r| {
                    let e = r.entry;
                    let mut cells = vec![
                        e.time.clone(),
                        e.batch.clone(),
                        e.region.clone(),
                        e.subject(),
                        e.action.clone(),
                        name(&e.from_profile_arn),
                        crate::core::revoke::policy_put_by(e)
                            .map_or_else(|| name(&e.to_profile_arn), |p| format!("+{p}")),
                        status_word(r),
                        e.undo_of.clone().unwrap_or_else(|| "-".into()),
                    ];
                    if several {
                        cells.insert(2, e.account.clone().unwrap_or_else(|| "?".into()));
                    }
                    if responders {
                        cells.push(e.caller_arn.clone().unwrap_or_else(|| "?".into()));
                    }
                    cells
                })
                .collect();
            let mut header = vec![
                "TIME", "BATCH", "REGION", "INSTANCE", "ACTION", "FROM", "TO", "OUTCOME", "UNDO OF",
            ];
            if several {
                header.insert(2, "ACCOUNT");
            }
            if responders {
                header.push("CALLER");
            }
            table(&header, &body)
        }
    })
}
