//! Changes to many instances at once: planning a swap or an undo from fresh
//! reads, and running the changes with bounded concurrency through the one
//! executor, each journaled.

use std::collections::HashMap;

use crate::aws::text::escape;
use crate::aws::{CallerIdentity, InstanceProfile, ProfileRef};
use crate::core::error::Error;
use crate::core::exec::{self, Change, Outcome, Reads, Record};
use crate::core::inventory::InstanceRow;
use crate::core::journal::{Context, Entry, Journal, JournalError, Known};
use crate::core::plan;
use crate::core::plan::find_profile;
use crate::core::session::Session;

/// Which instances a swap moves.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Every instance whose current profile is this one.
    From(ProfileRef),
    /// These instances, by id.
    Instances(Vec<String>),
}

/// An instance a batch leaves alone, and why (the CLI and the TUI alike).
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    /// The session's key of the instance's account (an id from the journal
    /// when the account is not in the session).
    pub account: String,
    pub region: String,
    pub instance_id: String,
    pub from_profile_arn: Option<String>,
    pub why: Why,
}

impl Skip {
    /// The instance is already where the batch wants it (nothing to do).
    pub fn settled(&self) -> bool {
        self.why.settled()
    }
}

/// Why an instance is left out of a batch: facts; each front end words them
/// ([`Why::sentence`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    /// The planner's own reasons (already has it, wrong state, …).
    Refused(plan::Refusal),
    /// A batch across accounts: this account has no profile of that name.
    NoSuchProfile { account: String, profile: String },
    /// Undo: the instance has the profile it had before the batch (`afresh`:
    /// the demo, whose account starts afresh with each run).
    AlreadyBack {
        profile: Option<String>,
        known: Known,
        afresh: bool,
    },
    /// Undo: it is on something the batch did not put there (`afresh`: the
    /// demo, whose account starts afresh with each run).
    ChangedSince { now: Option<String>, afresh: bool },
    /// Undo: its account is not in the session.
    AccountNotShown { account: Option<String> },
    /// Undo: it is not where the journal says.
    NotFound { region: String },
    /// Undo: the profile to put back is gone.
    EarlierProfileGone { arn: String },
    /// Undo: the account's profiles could not be read.
    ProfilesUnknown { why: String },
    /// What only a front end knows, in its words (a change in flight, an
    /// association unread, an instance not listed).
    Said(String),
}

impl Why {
    /// True when the instance is already as wanted (not a failure).
    pub fn settled(&self) -> bool {
        match self {
            Why::Refused(r) => r.nothing_to_do(),
            Why::AlreadyBack { .. } => true,
            _ => false,
        }
    }

    /// One sentence; `cli` adds what the command line can do about it
    /// (`--force`, `--profile`).
    pub fn sentence(&self, cli: bool) -> String {
        let name = |arn: &Option<String>| {
            arn.as_deref()
                .map_or("no profile", crate::aws::profile_name_from_arn)
                .to_string()
        };
        match self {
            Why::Refused(r) => r.to_string(),
            Why::NoSuchProfile { account, profile } => {
                format!(
                    "account {account} has no instance profile {}",
                    escape(profile)
                )
            }
            Why::AlreadyBack {
                profile,
                known,
                afresh,
            } => format!(
                "already has {} as before the batch{}",
                name(profile),
                match (afresh, known) {
                    (true, _) => {
                        " (from an earlier demo run: the demo account starts afresh with each run)"
                    }
                    (false, Known::Failed) => " (the change failed at the time)",
                    (false, Known::Unknown) => {
                        " (its outcome was not on record, and it is not in place now)"
                    }
                    (false, Known::Ok | Known::Partial) => "",
                }
            ),
            Why::ChangedSince { now, afresh } => {
                let mut text = format!("changed since: it now has {}", name(now));
                if cli {
                    text.push_str(" (use --force to put it back anyway)");
                }
                if *afresh {
                    text = format!(
                        "from an earlier demo run: the demo account starts afresh with each run ({text})"
                    );
                }
                text
            }
            Why::AccountNotShown { account } => format!(
                "its account {} is not shown{}",
                account.as_deref().unwrap_or("(unknown)"),
                if cli { " (pass its --profile)" } else { "" }
            ),
            Why::NotFound { region } => format!("not found in {region}"),
            Why::EarlierProfileGone { arn } => {
                format!("its earlier profile {arn} no longer exists")
            }
            Why::ProfilesUnknown { why } => {
                format!("its account's instance profiles could not be read: {why}")
            }
            Why::Said(text) => text.clone(),
        }
    }
}

/// A batch planned from fresh reads.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchPlan {
    /// Each change with the instance's Name.
    pub changes: Vec<(Change, Option<String>)>,
    pub skipped: Vec<Skip>,
    /// Who is making it in each account (for the journal and the production
    /// guard), by account key, where STS answered.
    pub identities: HashMap<String, CallerIdentity>,
}

/// Every account and region's rows, each account's profiles and caller, in
/// one round trip. A batch is planned on everything or not at all: an account
/// or region that cannot be read may hold instances the batch would miss.
async fn read_all(session: &Session) -> Result<Reads, Error> {
    let reads = exec::read_for_change(session, true).await?;
    if let Some(f) = reads.failures.first() {
        let hint = if session.several_accounts() {
            " (leave that account out: fewer --profile, or --org-accounts)"
        } else {
            ""
        };
        return Err(Error::Runtime(format!(
            "nothing was changed: {}{hint}",
            f.sentence(session.several_accounts())
        )));
    }
    Ok(reads)
}

/// A profile named by the user, in one account: `Ok(None)` when that account
/// has no such profile (an ARN names one account's profile only).
fn profile_in<'a>(
    reads: &'a Reads,
    account: &str,
    wanted: &ProfileRef,
) -> Result<Option<&'a InstanceProfile>, Error> {
    Ok(reads.profiles(account)?.iter().find(|p| wanted.matches(p)))
}

/// The change that puts `target` (or nothing) on a row, or why there is none
/// (the one planner, on a row).
fn plan_one(row: &InstanceRow, target: Option<&InstanceProfile>) -> Result<Change, plan::Refusal> {
    plan::change_for(&row.instance, row.association.as_ref(), target)
}

/// Plans a swap: the selected instances to `to` (`None`: detach them). With
/// several accounts each uses its own profile of that name; instances in an
/// account without it are skipped.
pub async fn plan_swap(
    session: &Session,
    to: Option<&ProfileRef>,
    selection: &Selection,
) -> Result<BatchPlan, Error> {
    let reads = read_all(session).await?;
    // The profiles must exist somewhere: a typo is a usage error, not a batch of skips.
    let exists_somewhere = |wanted: &ProfileRef| -> Result<(), Error> {
        for a in &session.accounts {
            if profile_in(&reads, &a.key, wanted)?.is_some() {
                return Ok(());
            }
        }
        let all: Vec<InstanceProfile> = session
            .accounts
            .iter()
            .filter_map(|a| reads.profiles(&a.key).ok())
            .flat_map(|p| p.iter().cloned())
            .collect();
        find_profile(&all, wanted).map(|_| ())
    };
    if let Some(t) = to {
        exists_somewhere(t)?;
    }
    let chosen: Vec<&InstanceRow> = match selection {
        Selection::From(from) => {
            exists_somewhere(from)?;
            let mut chosen = Vec::new();
            for row in &reads.rows {
                let Some(from) = profile_in(&reads, &row.instance.account, from)? else {
                    continue;
                };
                if row
                    .association
                    .as_ref()
                    .is_some_and(|a| a.profile.arn == from.arn && a.state.is_active())
                {
                    chosen.push(row);
                }
            }
            chosen
        }
        Selection::Instances(ids) => {
            let mut chosen: Vec<&InstanceRow> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            // An id named twice is one instance, changed once.
            for id in ids.iter().filter(|id| seen.insert(id.as_str())) {
                match reads.rows.iter().find(|r| &r.instance.id == id) {
                    Some(r) => chosen.push(r),
                    None => {
                        return Err(Error::Usage(format!(
                            "instance {} was not found in {} (pass --region REGION or --all-regions)",
                            escape(id),
                            session.regions.join(", ")
                        )));
                    }
                }
            }
            chosen
        }
    };
    let mut plan = BatchPlan {
        changes: Vec::new(),
        skipped: Vec::new(),
        identities: identities(&reads),
    };
    for row in chosen {
        let skip = |why: Why| Skip {
            account: row.instance.account.clone(),
            region: row.instance.region.clone(),
            instance_id: row.instance.id.clone(),
            from_profile_arn: row.association.as_ref().map(|a| a.profile.arn.clone()),
            why,
        };
        let target = match to {
            Some(t) => match profile_in(&reads, &row.instance.account, t)? {
                Some(p) => Some(p),
                None => {
                    plan.skipped.push(skip(Why::NoSuchProfile {
                        account: row.instance.account.clone(),
                        profile: t.to_string(),
                    }));
                    continue;
                }
            },
            None => None,
        };
        match plan_one(row, target) {
            Ok(change) => plan.changes.push((change, row.instance.name.clone())),
            Err(r) => plan.skipped.push(skip(Why::Refused(r))),
        }
    }
    Ok(plan)
}

/// Who the caller is in each account STS answered for.
fn identities(reads: &Reads) -> HashMap<String, CallerIdentity> {
    reads
        .accounts
        .iter()
        .filter_map(|(k, f)| Some((k.clone(), f.identity.clone()?)))
        .collect()
}

/// A batch to undo: each of its changes to instances, as the journal knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoBatch {
    pub batch: String,
    /// Oldest first: each change's latest line and what is known of it.
    pub changes: Vec<(Entry, Known)>,
    /// What the operator should know first (this batch is itself an undo, or
    /// was undone already).
    pub notes: Vec<String>,
}

/// The batch to undo: the one named, or the latest of these accounts' that
/// is neither undone nor itself an undo (so `undo` twice walks back, it does
/// not flip). Every change counts, whatever its outcome: one whose outcome is
/// unknown or partial is re-read by the planner, never dropped.
pub fn batch_to_undo(
    entries: &[Entry],
    named: Option<&str>,
    accounts: &[String],
) -> Result<UndoBatch, Error> {
    let records: Vec<crate::core::journal::Record> = crate::core::journal::records(entries)
        .into_iter()
        .filter(|r| crate::core::journal::is_instance_change(r.entry))
        // A containment's swap is put back by `release CASE`, with the rest.
        .filter(|r| named.is_some() || r.entry.case.is_none())
        .collect();
    // The undos of a batch, and whether each finished: every change of it
    // journaled ok (an undo killed or refused part way does not count).
    let undos_of = |batch: &str| -> Vec<(String, bool)> {
        let mut by: Vec<(String, bool)> = Vec::new();
        for r in records
            .iter()
            .filter(|r| r.entry.undo_of.as_deref() == Some(batch))
        {
            let ok = r.known == Known::Ok;
            match by.iter_mut().find(|(b, _)| b == &r.entry.batch) {
                Some((_, all_ok)) => *all_ok &= ok,
                None => by.push((r.entry.batch.clone(), ok)),
            }
        }
        by
    };
    let undone_by = |batch: &str| -> Vec<String> {
        undos_of(batch)
            .into_iter()
            .filter(|(_, finished)| *finished)
            .map(|(b, _)| b)
            .collect()
    };
    let ours =
        |e: &Entry| accounts.is_empty() || e.account.as_ref().is_some_and(|a| accounts.contains(a));
    let batch = match named {
        Some(b) => b.to_string(),
        None => {
            // Newest first; a batch qualifies when some change of it did something.
            let mut looked = std::collections::HashSet::new();
            let mut skipped_undone = 0;
            let mut found = None;
            for r in records.iter().filter(|r| ours(r.entry)) {
                let b = r.entry.batch.as_str();
                if !looked.insert(b) {
                    continue;
                }
                let of_batch = records.iter().filter(|x| x.entry.batch == b);
                if of_batch.clone().any(|x| x.entry.undo_of.is_some())
                    || of_batch.clone().all(|x| x.known == Known::Failed)
                {
                    continue;
                }
                if !undone_by(b).is_empty() {
                    skipped_undone += 1;
                    continue;
                }
                found = Some(b.to_string());
                break;
            }
            found.ok_or_else(|| {
                Error::Usage(if skipped_undone > 0 {
                    format!(
                        "nothing left to undo for this account: the latest {skipped_undone} batch{} undone already (to undo one again, name it: rolecall undo BATCH; see `rolecall journal`)",
                        if skipped_undone == 1 { " is" } else { "es are" }
                    )
                } else {
                    "the journal has no change to undo for this account".into()
                })
            })?
        }
    };
    let mut changes: Vec<(Entry, Known)> = Vec::new();
    // Oldest first; one change per instance (a journal may hold two for one
    // instance, e.g. written before accounts were merged): the one that worked.
    for r in records.iter().rev().filter(|r| r.entry.batch == batch) {
        let same = |e: &Entry| {
            (&e.account, &e.region, &e.instance_id)
                == (&r.entry.account, &r.entry.region, &r.entry.instance_id)
        };
        match changes.iter_mut().find(|(e, _)| same(e)) {
            Some(kept) if kept.1 != Known::Ok && r.known == Known::Ok => {
                *kept = (r.entry.clone(), r.known);
            }
            Some(_) => {}
            None => changes.push((r.entry.clone(), r.known)),
        }
    }
    if changes.is_empty() {
        return Err(Error::Usage(format!(
            "batch '{}' has no change to an instance in the journal (see `rolecall journal`)",
            escape(&batch)
        )));
    }
    let mut notes = Vec::new();
    if let Some(of) = changes.iter().find_map(|(e, _)| e.undo_of.as_deref()) {
        notes.push(format!(
            "batch {} is an undo of {}: undoing it puts {} changes back again",
            escape(&batch),
            escape(of),
            escape(of)
        ));
    }
    let unfinished: Vec<String> = undos_of(&batch)
        .into_iter()
        .filter(|(_, finished)| !finished)
        .map(|(b, _)| b)
        .collect();
    if !unfinished.is_empty() {
        notes.push(format!(
            "batch {} has an undo that did not finish ({}): this puts back what is still changed",
            escape(&batch),
            escape(&unfinished.join(", "))
        ));
    }
    let by = undone_by(&batch);
    if !by.is_empty() {
        notes.push(format!(
            "batch {} was undone already by {}: instances back where they were are left alone",
            escape(&batch),
            escape(&by.join(", "))
        ));
    }
    let unknown = changes
        .iter()
        .filter(|(_, k)| matches!(k, Known::Unknown | Known::Partial))
        .count();
    if unknown > 0 {
        notes.push(format!(
            "{unknown} change{} of batch {} had no outcome on record (unknown or partial): planned from what a fresh read shows",
            if unknown == 1 { "" } else { "s" },
            escape(&batch)
        ));
    }
    Ok(UndoBatch {
        batch,
        changes,
        notes,
    })
}

/// How long to wait before re-reading a batch's changes whose outcome is not
/// on record: a call sent less than `timeout` before `now` may still reach
/// AWS (its sender died, the request did not). `None`: no need to wait.
pub fn settle_time(
    batch: &UndoBatch,
    timeout: std::time::Duration,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    crate::core::journal::settle_time(
        batch
            .changes
            .iter()
            .filter(|(_, k)| matches!(k, Known::Unknown | Known::Partial))
            .map(|(e, _)| e),
        timeout,
        now,
    )
}

/// What undo does with one change of a batch, given the profile the instance
/// has now (`None`: no profile).
#[derive(Debug, Clone, PartialEq)]
pub enum UndoStep {
    /// Put the recorded `from` back.
    PutBack,
    /// Already where it was before the batch: nothing to do.
    AlreadyBack(Why),
    /// On something the batch did not put there: left alone, unless forced.
    Changed(Why),
}

/// Decides one change of an undo. Back to `from` when the instance is on the
/// recorded `to`, or when the change's outcome is not on record and it has
/// no profile (the detach of a two-call change happened, the rest did not).
pub fn undo_step(entry: &Entry, known: Known, now: Option<&str>, force: bool) -> UndoStep {
    let from = entry.from_profile_arn.as_deref();
    if now == from {
        return UndoStep::AlreadyBack(Why::AlreadyBack {
            profile: from.map(str::to_string),
            known,
            afresh: false,
        });
    }
    if now == entry.to_profile_arn.as_deref() || (known != Known::Ok && now.is_none()) || force {
        return UndoStep::PutBack;
    }
    UndoStep::Changed(Why::ChangedSince {
        now: now.map(str::to_string),
        afresh: false,
    })
}

/// Plans putting every instance of a batch back where it was, from fresh
/// reads (so a change whose outcome is unknown is planned from what is true
/// now). An instance changed since is skipped and named unless `force`.
pub async fn plan_undo(
    session: &Session,
    batch: &UndoBatch,
    force: bool,
) -> Result<BatchPlan, Error> {
    let reads = read_all(session).await?;
    let mut plan = BatchPlan {
        changes: Vec::new(),
        skipped: Vec::new(),
        identities: identities(&reads),
    };
    // The journal names accounts by id; the session by key.
    let key_of = |id: Option<&str>| {
        session
            .accounts
            .iter()
            .find(|a| {
                id.is_some()
                    && (a.id.as_deref() == id
                        || reads.identity(&a.key).map(|i| i.account.as_str()) == id)
            })
            .or(if session.several_accounts() {
                None
            } else {
                session.accounts.first()
            })
            .map(|a| a.key.clone())
    };
    let demo = session.demo.is_some();
    let row = |entry: &Entry| -> Result<InstanceRow, Why> {
        let key = key_of(entry.account.as_deref()).ok_or_else(|| Why::AccountNotShown {
            account: entry.account.clone(),
        })?;
        reads
            .rows
            .iter()
            .find(|r| {
                r.instance.account == key
                    && r.instance.id == entry.instance_id
                    && r.instance.region == entry.region
            })
            .cloned()
            .ok_or_else(|| Why::NotFound {
                region: entry.region.clone(),
            })
    };
    let profile = |row: &InstanceRow, arn: &str| -> Result<Option<InstanceProfile>, String> {
        Ok(reads
            .profiles(&row.instance.account)
            .map_err(|e| e.to_string())?
            .iter()
            .find(|p| p.arn == arn)
            .cloned())
    };
    let plan_row = |row: &InstanceRow, target: Option<&InstanceProfile>| {
        plan_one(row, target).map_err(Why::Refused)
    };
    let (changes, skipped) = plan_undo_with(
        batch,
        force,
        &UndoWorld {
            row: &row,
            profile: &profile,
            plan: &plan_row,
            afresh: demo,
        },
    );
    plan.changes = changes;
    plan.skipped = skipped;
    Ok(plan)
}

/// An account's instance profile by ARN (`None`: it has none), or why its
/// profiles are unknown.
pub type ProfileByArn<'a> =
    dyn Fn(&InstanceRow, &str) -> Result<Option<InstanceProfile>, String> + 'a;

/// The change for a row, or why not (and whether there is nothing to do).
pub type PlanRow<'a> = dyn Fn(&InstanceRow, Option<&InstanceProfile>) -> Result<Change, Why> + 'a;

/// What an undo plans on, as each front end knows it: the instance a journal
/// line names (or why it cannot be had), an account's profile by ARN, and
/// the change for a row (the one planner, behind what the front end also
/// checks).
pub struct UndoWorld<'a> {
    pub row: &'a dyn Fn(&Entry) -> Result<InstanceRow, Why>,
    pub profile: &'a ProfileByArn<'a>,
    pub plan: &'a PlanRow<'a>,
    /// The account starts afresh with each run (the demo): a change since is
    /// most likely that.
    pub afresh: bool,
}

/// The one undo planner, pure: each change of the batch decided from what the
/// instance has now ([`undo_step`]), the CLI's and the TUI's alike.
pub fn plan_undo_with(
    batch: &UndoBatch,
    force: bool,
    world: &UndoWorld,
) -> (Vec<(Change, Option<String>)>, Vec<Skip>) {
    let (mut changes, mut skipped) = (Vec::new(), Vec::new());
    for (entry, known) in &batch.changes {
        let skip = |why: Why| Skip {
            account: entry.account.clone().unwrap_or_default(),
            region: entry.region.clone(),
            instance_id: entry.instance_id.clone(),
            from_profile_arn: entry.to_profile_arn.clone(),
            why,
        };
        let row = match (world.row)(entry) {
            Ok(row) => row,
            Err(why) => {
                skipped.push(skip(why));
                continue;
            }
        };
        let now = row
            .association
            .as_ref()
            .filter(|a| a.state.is_active())
            .map(|a| a.profile.arn.clone());
        match undo_step(entry, *known, now.as_deref(), force) {
            UndoStep::PutBack => {}
            UndoStep::AlreadyBack(Why::AlreadyBack { profile, known, .. }) => {
                skipped.push(skip(Why::AlreadyBack {
                    profile,
                    known,
                    afresh: world.afresh,
                }));
                continue;
            }
            UndoStep::AlreadyBack(why) => {
                skipped.push(skip(why));
                continue;
            }
            UndoStep::Changed(Why::ChangedSince { now, .. }) => {
                skipped.push(skip(Why::ChangedSince {
                    now,
                    afresh: world.afresh,
                }));
                continue;
            }
            UndoStep::Changed(why) => {
                skipped.push(skip(why));
                continue;
            }
        }
        let target = match &entry.from_profile_arn {
            Some(arn) => match (world.profile)(&row, arn) {
                Ok(Some(p)) => Some(p),
                Ok(None) => {
                    skipped.push(skip(Why::EarlierProfileGone { arn: arn.clone() }));
                    continue;
                }
                Err(why) => {
                    skipped.push(skip(Why::ProfilesUnknown { why }));
                    continue;
                }
            },
            None => None,
        };
        match (world.plan)(&row, target.as_ref()) {
            Ok(change) => changes.push((change, row.instance.name.clone())),
            Err(why) => skipped.push(skip(why)),
        }
    }
    (changes, skipped)
}

/// Runs a batch's changes, at most `concurrency` at a time, each journaled
/// (when `journal` is given) and sent to its own account. Once `stop` is set
/// no further change starts (each comes back `NotStarted`); those under way
/// finish. `on_detached` hears of a two-call change whose detach worked.
/// Results come back in the plan's order. A single `set` or `detach` is a
/// batch of one.
pub async fn run(
    session: &Session,
    changes: &[(Change, Option<String>)],
    concurrency: usize,
    journal: Option<&Journal>,
    context: &(dyn Fn(&str) -> Context + Sync),
    stop: &std::sync::atomic::AtomicBool,
    on_detached: &(dyn Fn(&Change, &exec::Step) + Send + Sync),
) -> Vec<Result<Outcome, JournalError>> {
    let not_run = |change: &Change, error: exec::ExecError| Outcome {
        change: change.clone(),
        steps: Vec::new(),
        result: Err(error),
        journal_error: None,
    };
    // A change holds its turn from its `sent` record to its calls' answer;
    // its `done` record is written after it lets the next one start.
    let turns = tokio::sync::Semaphore::new(concurrency.max(1));
    futures::future::join_all(changes.iter().map(|(change, name)| {
        let turns = &turns;
        async move {
            let Ok(turn) = turns.acquire().await else {
                return Ok(not_run(change, exec::ExecError::NotStarted));
            };
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(not_run(change, exec::ExecError::NotStarted));
            }
            let context = context(&change.account);
            let Some(account) = session.account(&change.account) else {
                return Ok(not_run(
                    change,
                    exec::ExecError::Internal(format!(
                        "account {} is not in this session",
                        change.account
                    )),
                ));
            };
            let record = journal.map(|journal| Record {
                journal,
                context: &context,
                instance_name: name.as_deref(),
            });
            let note = |step: &exec::Step| on_detached(change, step);
            exec::run_recorded_then(account.cloud.as_ref(), change, record, &note, move || {
                drop(turn)
            })
            .await
        }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(batch: &str, id: &str, phase: &str, outcome: Option<&str>) -> Entry {
        Entry {
            id: id.into(),
            batch: batch.into(),
            time: String::new(),
            phase: phase.into(),
            outcome: outcome.map(str::to_string),
            account: Some("111111111111".into()),
            caller_arn: None,
            region: "us-east-1".into(),
            instance_id: format!("i-{id}"),
            instance_name: None,
            action: "replace".into(),
            from_profile_arn: Some("arn:aws:iam::1:instance-profile/a".into()),
            to_profile_arn: Some("arn:aws:iam::1:instance-profile/b".into()),
            association_id_before: None,
            association_id_after: None,
            request_ids: vec![],
            error: None,
            undo_of: None,
            aws_cli: vec![],
            role: None,
            case: None,
            previous: None,
            tool: String::new(),
        }
    }

    const A: &str = "arn:aws:iam::1:instance-profile/a";
    const B: &str = "arn:aws:iam::1:instance-profile/b";

    #[test]
    fn a_change_without_its_done_line_is_unknown_and_still_undone() {
        let entries = vec![
            entry("b1", "1", "sent", None),
            entry("b1", "1", "done", Some("ok")),
            entry("b1", "2", "sent", None),
        ];
        let batch = batch_to_undo(&entries, None, &[]).unwrap();
        let known: Vec<Known> = batch.changes.iter().map(|(_, k)| *k).collect();
        assert_eq!(known, [Known::Ok, Known::Unknown]);
        assert!(
            batch
                .notes
                .iter()
                .any(|n| n.contains("1 change of batch b1"))
        );
    }

    #[test]
    fn a_detach_on_record_without_its_associate_is_partial() {
        let mut sent = entry("b1", "1", "sent", None);
        sent.action = "detach_then_associate".into();
        let mut step = sent.clone();
        step.phase = "step".into();
        step.outcome = Some("detached".into());
        let mut failed = sent.clone();
        failed.phase = "done".into();
        failed.outcome = Some("failed".into());
        let partial = batch_to_undo(&[sent.clone(), step.clone()], None, &[]).unwrap();
        assert_eq!(partial.changes[0].1, Known::Partial);
        let refused = batch_to_undo(&[sent, step, failed], None, &[]).unwrap();
        assert_eq!(refused.changes[0].1, Known::Partial);
    }

    #[test]
    fn undo_walks_back_instead_of_flipping() {
        let mut undo = entry("b2", "9", "done", Some("ok"));
        undo.undo_of = Some("b1".into());
        let entries = vec![
            entry("b0", "0", "done", Some("ok")),
            entry("b1", "1", "done", Some("ok")),
            undo,
        ];
        // b2 is an undo and b1 is undone: the next one back is b0.
        assert_eq!(batch_to_undo(&entries, None, &[]).unwrap().batch, "b0");
        // Naming the undo undoes it, and says what it is.
        let named = batch_to_undo(&entries, Some("b2"), &[]).unwrap();
        assert!(
            named.notes[0].contains("is an undo of b1"),
            "{:?}",
            named.notes
        );
        let named = batch_to_undo(&entries, Some("b1"), &[]).unwrap();
        assert!(
            named.notes[0].contains("undone already by b2"),
            "{:?}",
            named.notes
        );
        // Everything undone: say so, and how to go again.
        let e = batch_to_undo(&entries[1..], None, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("undone already"), "{e}");
    }

    #[test]
    fn an_undo_that_did_not_finish_leaves_its_batch_to_undo() {
        let mut cut = entry("b2", "9", "sent", None);
        cut.undo_of = Some("b1".into());
        let entries = vec![
            entry("b0", "0", "done", Some("ok")),
            entry("b1", "1", "done", Some("ok")),
            cut,
        ];
        let batch = batch_to_undo(&entries, None, &[]).unwrap();
        assert_eq!(batch.batch, "b1");
        assert!(
            batch.notes.iter().any(|n| n.contains("did not finish")),
            "{:?}",
            batch.notes
        );
    }

    #[test]
    fn one_instance_twice_in_a_batch_is_undone_once() {
        let mut twice = entry("b1", "2", "done", Some("failed"));
        twice.instance_id = "i-1".into();
        let entries = vec![entry("b1", "1", "done", Some("ok")), twice];
        let batch = batch_to_undo(&entries, None, &[]).unwrap();
        assert_eq!(batch.changes.len(), 1);
        assert_eq!(batch.changes[0].1, Known::Ok);
    }

    #[test]
    fn a_batch_of_role_changes_or_failures_is_not_the_one_undone() {
        let mut revoke = entry("b9", "9", "done", Some("ok"));
        revoke.action = "revoke_sessions".into();
        let entries = vec![
            entry("b1", "1", "done", Some("ok")),
            entry("b2", "2", "done", Some("failed")),
            revoke,
        ];
        assert_eq!(batch_to_undo(&entries, None, &[]).unwrap().batch, "b1");
    }

    #[test]
    fn undo_waits_only_for_unknown_changes_sent_within_the_timeout() {
        let t0 = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        let at = |secs: u64| {
            humantime::format_rfc3339_micros(t0 + std::time::Duration::from_secs(secs)).to_string()
        };
        let mut unknown = entry("b", "1", "sent", None);
        unknown.time = at(10);
        let mut ok = entry("b", "2", "done", Some("ok"));
        ok.time = at(18);
        let batch = batch_to_undo(&[unknown, ok], None, &[]).unwrap();
        let timeout = std::time::Duration::from_secs(20);
        let now = t0 + std::time::Duration::from_secs(15);
        assert_eq!(
            settle_time(&batch, timeout, now),
            Some(std::time::Duration::from_secs(15))
        );
        let later = t0 + std::time::Duration::from_secs(31);
        assert_eq!(settle_time(&batch, timeout, later), None);
    }

    #[test]
    fn each_change_is_decided_from_what_the_instance_has_now() {
        let e = entry("b", "1", "done", Some("ok"));
        assert_eq!(undo_step(&e, Known::Ok, Some(B), false), UndoStep::PutBack);
        assert!(matches!(
            undo_step(&e, Known::Ok, Some(A), false),
            UndoStep::AlreadyBack(_)
        ));
        assert!(matches!(
            undo_step(&e, Known::Ok, None, false),
            UndoStep::Changed(_)
        ));
        assert_eq!(undo_step(&e, Known::Ok, None, true), UndoStep::PutBack);
        // Unknown: on the target, or left with nothing by a half-made change: back.
        assert_eq!(
            undo_step(&e, Known::Unknown, Some(B), false),
            UndoStep::PutBack
        );
        assert_eq!(
            undo_step(&e, Known::Partial, None, false),
            UndoStep::PutBack
        );
        match undo_step(&e, Known::Unknown, Some(A), false) {
            UndoStep::AlreadyBack(why) => {
                let why = why.sentence(true);
                assert!(why.contains("not in place now"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            undo_step(
                &e,
                Known::Unknown,
                Some("arn:aws:iam::1:instance-profile/c"),
                false
            ),
            UndoStep::Changed(_)
        ));
    }
}
