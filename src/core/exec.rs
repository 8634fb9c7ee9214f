//! The one change executor, shared by the CLI and the TUI: runs a planned
//! change's API calls, waits out what AWS did not execute (throttling), and
//! never re-sends a call whose answer was lost: it re-reads the instance and
//! reports what the re-read shows.

use std::time::Duration;

use crate::aws::{
    ApiError, Association, CallerIdentity, Cloud, ErrorKind, InstanceProfile, ProfileRef, actions,
};
pub use crate::core::change::{Change, ExecError, Outcome, Step};
use crate::core::error::Error;
use crate::core::inventory::InstanceRow;
use crate::core::journal::{self, Context, Entry, Journal, JournalError};
use crate::core::plan;
use crate::core::plan::{MutationKind, current_association};
use crate::core::session::Session;

/// True when a failed call may still have been carried out: the request may
/// have reached AWS but no readable answer came back.
pub fn answer_lost(e: &ApiError) -> bool {
    matches!(e.kind, ErrorKind::Unreachable | ErrorKind::Other)
}

/// How long to wait before retrying a throttled call (attempt 1, 2, …).
fn throttle_delay(attempt: u32) -> Duration {
    Duration::from_millis(500u64 << attempt.min(4))
}

/// Throttled calls are retried this many times; they were not executed.
const THROTTLE_RETRIES: u32 = 8;
/// After a detach, AWS may still count the old association for a few seconds.
const STALE_RETRIES: u32 = 15;
const STALE_DELAY: Duration = Duration::from_secs(2);

/// Runs one call, retrying only when AWS says it did not execute it.
async fn call<F, Fut>(mut send: F, retry_stale: bool) -> Result<Association, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Association, ApiError>>,
{
    let (mut throttled, mut stale) = (0, 0);
    loop {
        match send().await {
            Err(e) if e.is_throttling() && throttled < THROTTLE_RETRIES => {
                throttled += 1;
                tracing::info!(error = %e, attempt = throttled, "throttled; retrying");
                tokio::time::sleep(throttle_delay(throttled)).await;
            }
            Err(e) if retry_stale && e.means_stale_view() && stale < STALE_RETRIES => {
                stale += 1;
                tokio::time::sleep(STALE_DELAY).await;
            }
            other => return other,
        }
    }
}

/// The instance's current association, read afresh (a read is safe to
/// repeat: throttling and a lost answer are retried).
pub async fn reread(
    cloud: &dyn Cloud,
    region: &str,
    instance_id: &str,
) -> Result<Option<Association>, ApiError> {
    let all = crate::aws::retry_read(|| cloud.associations(region)).await?;
    Ok(current_association(&all, instance_id).cloned())
}

/// Turns a failed call into a refusal or, when its answer was lost, an unknown
/// outcome with what a re-read shows.
async fn failed(
    cloud: &dyn Cloud,
    region: &str,
    instance_id: &str,
    error: ApiError,
    detached: Option<String>,
) -> ExecError {
    if answer_lost(&error) {
        tracing::warn!(error = %error, instance_id, "answer lost; re-reading instead of re-sending");
        let reread = reread(cloud, region, instance_id).await;
        ExecError::Unknown {
            error,
            detached,
            reread: Box::new(reread),
        }
    } else {
        ExecError::Refused { error, detached }
    }
}

/// Where a change is journaled, and as part of what.
pub struct Record<'a> {
    pub journal: &'a Journal,
    pub context: &'a Context,
    pub instance_name: Option<&'a str>,
}

/// Runs a change with its journal lines around it: the `sent` line is
/// written and synced before the first call, and if it cannot be, nothing is
/// sent; a two-call change records its first call (`step`) as it lands. A
/// later line that cannot be written is kept in the outcome, for the front
/// end to say. `None` runs without a journal (`--no-journal`).
pub async fn run_recorded(
    cloud: &dyn Cloud,
    change: &Change,
    record: Option<Record<'_>>,
    on_detached: &(dyn Fn(&Step) + Send + Sync),
) -> Result<Outcome, JournalError> {
    run_recorded_then(cloud, change, record, on_detached, || {}).await
}

/// [`run_recorded`], calling `calls_done` once the change's calls have
/// answered, before its `done` record is written: a batch lets its next
/// change start then, so a record that costs a round trip (S3) runs beside
/// the other changes' calls rather than holding a change's turn.
pub async fn run_recorded_then(
    cloud: &dyn Cloud,
    change: &Change,
    record: Option<Record<'_>>,
    on_detached: &(dyn Fn(&Step) + Send + Sync),
    calls_done: impl FnOnce(),
) -> Result<Outcome, JournalError> {
    let Some(record) = record else {
        let outcome = run(cloud, change, on_detached).await;
        calls_done();
        return Ok(outcome);
    };
    let id = journal::new_id("c");
    let sent = Entry::sent(record.context, &id, change, record.instance_name);
    record.journal.append(&sent).await?;
    // A detach that landed is recorded (`step`) while the associate goes
    // out: should both be lost, the `sent` line alone says "unknown".
    let (step_tx, mut step_rx) = tokio::sync::mpsc::unbounded_channel::<Step>();
    let on_step = move |step: &Step| {
        let _ = step_tx.send(step.clone());
        on_detached(step);
    };
    let running = async move { run(cloud, change, &on_step).await };
    let writing = async {
        let mut step_error = None::<String>;
        while let Some(step) = step_rx.recv().await {
            if let Err(e) = record.journal.append(&Entry::step(&sent, &step)).await {
                tracing::error!(error = %e, change = %id, "cannot write the journal's step line");
                step_error = Some(e.to_string());
            }
        }
        step_error
    };
    let (mut outcome, step_error) = tokio::join!(running, writing);
    calls_done();
    if let Err(e) = record.journal.append(&Entry::done(&sent, &outcome)).await {
        // The change is made; its `sent` line stands, its outcome is missing.
        tracing::error!(error = %e, change = %id, "cannot write the journal's done line");
        outcome.journal_error = Some(e.to_string());
    } else if let Some(e) = step_error {
        // The done line holds the outcome; the step line's loss is only said.
        tracing::warn!(error = %e, change = %id, "the step line is missing; the done line is written");
    }
    Ok(outcome)
}

/// Records a call's result as a step.
fn record(steps: &mut Vec<Step>, call: &'static str, result: &Result<Association, ApiError>) {
    steps.push(Step {
        call,
        ok: result.is_ok(),
        request_id: match result {
            Ok(a) => a.request_id.clone(),
            Err(e) => e.request_id.clone(),
        },
    });
}

/// Runs a change's calls on one instance. `on_detached` hears about the first
/// step of a two-step swap when it has worked.
pub async fn run(
    cloud: &dyn Cloud,
    change: &Change,
    on_detached: &(dyn Fn(&Step) + Send + Sync),
) -> Outcome {
    let (region, instance_id) = (change.region.as_str(), change.instance_id.as_str());
    tracing::info!(region, instance_id, kind = ?change.kind, "change");
    let mut steps = Vec::new();
    let result = match &change.kind {
        MutationKind::Associate { profile_arn } => {
            let profile = ProfileRef::Arn(profile_arn.clone());
            let r = call(|| cloud.associate(region, instance_id, &profile), false).await;
            record(&mut steps, actions::ASSOCIATE, &r);
            r.map_err(|e| (e, None))
        }
        MutationKind::Replace {
            association_id,
            profile_arn,
        } => {
            let profile = ProfileRef::Arn(profile_arn.clone());
            let r = call(|| cloud.replace(region, association_id, &profile), false).await;
            record(&mut steps, actions::REPLACE, &r);
            r.map_err(|e| (e, None))
        }
        MutationKind::Disassociate { association_id } => {
            let r = call(|| cloud.disassociate(region, association_id), false).await;
            record(&mut steps, actions::DISASSOCIATE, &r);
            r.map_err(|e| (e, None))
        }
        MutationKind::DetachThenAssociate {
            association_id,
            profile_arn,
        } => {
            let r = call(|| cloud.disassociate(region, association_id), false).await;
            record(&mut steps, actions::DISASSOCIATE, &r);
            match r {
                Err(e) => Err((e, None)),
                Ok(_) => {
                    if let Some(step) = steps.last() {
                        on_detached(step);
                    }
                    let profile = ProfileRef::Arn(profile_arn.clone());
                    let r = call(|| cloud.associate(region, instance_id, &profile), true).await;
                    record(&mut steps, actions::ASSOCIATE, &r);
                    r.map_err(|e| (e, Some(association_id.clone())))
                }
            }
        }
    };
    let result = match result {
        Ok(a) => Ok(a),
        Err((e, detached)) => Err(failed(cloud, region, instance_id, e, detached).await),
    };
    Outcome {
        change: change.clone(),
        steps,
        result,
        journal_error: None,
    }
}

/// An instance found by id in the session's accounts and regions, with its
/// association. Not found while some account or region could not be read is
/// that read's error: the instance may be there.
pub(crate) fn find_instance(
    session: &Session,
    reads: &Reads,
    instance_id: &str,
) -> Result<InstanceRow, Error> {
    let found: Vec<&InstanceRow> = reads
        .rows
        .iter()
        .filter(|r| r.instance.id == instance_id)
        .collect();
    match found.as_slice() {
        [row] => Ok((*row).clone()),
        [] => match reads.failures.first() {
            Some(f) => Err(Error::Runtime(format!(
                "instance {instance_id} was not found, but not everything could be read: {}",
                f.sentence(session.several_accounts())
            ))),
            None => Err(Error::Usage(format!(
                "instance {instance_id} was not found in {}{} (pass --region REGION or --all-regions)",
                session.regions.join(", "),
                if session.several_accounts() {
                    format!(" of {} accounts", session.accounts.len())
                } else {
                    String::new()
                }
            ))),
        },
        several => Err(Error::Usage(format!(
            "instance {instance_id} is in several accounts ({}): pass the one --profile that holds it",
            several
                .iter()
                .map(|r| r.instance.account.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A change planned by the CLI from fresh reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The instance as read, with its association.
    pub row: InstanceRow,
    /// The change to make; `None` when there is nothing to do.
    pub change: Option<Change>,
    /// Who is making it (for the journal), when STS answered.
    pub identity: Option<CallerIdentity>,
}

/// What one account's reads for a change gave.
#[derive(Debug, Clone)]
pub(crate) struct AccountFacts {
    /// Its instance profiles (empty when they were not asked for).
    pub profiles: Result<Vec<InstanceProfile>, ApiError>,
    /// Who the caller is there (the assumed role's session, for an
    /// organization's account); only the journal needs it.
    pub identity: Option<CallerIdentity>,
}

/// The facts changes are planned from.
#[derive(Debug, Clone)]
pub(crate) struct Reads {
    pub rows: Vec<InstanceRow>,
    /// Accounts and regions that could not be read.
    pub failures: Vec<crate::core::inventory::Failure>,
    /// By account key.
    pub accounts: std::collections::HashMap<String, AccountFacts>,
}

impl Reads {
    /// An account's profiles, or why they are unknown.
    pub fn profiles(&self, account: &str) -> Result<&[InstanceProfile], Error> {
        match self.accounts.get(account).map(|f| &f.profiles) {
            Some(Ok(p)) => Ok(p),
            Some(Err(e)) => Err(Error::Api(e.clone())),
            None => Err(Error::Runtime(format!("account {account} was not read"))),
        }
    }

    /// Who the caller is in an account, when STS answered.
    pub fn identity(&self, account: &str) -> Option<&CallerIdentity> {
        self.accounts.get(account)?.identity.as_ref()
    }
}

/// The facts a change is planned from, read in one round trip: every account
/// and region's instances and associations, each account's profiles when a
/// target is named, who the caller is in each, and the region check, all at once.
pub(crate) async fn read_for_change(
    session: &Session,
    with_profiles: bool,
) -> Result<Reads, Error> {
    session
        .with_checked_regions(async {
            let rows = crate::core::inventory::fetch_accounts(session);
            let facts = futures::future::join_all(session.accounts.iter().map(|a| async move {
                let profiles = async {
                    if with_profiles {
                        crate::aws::retry_read(|| a.instance_profiles()).await
                    } else {
                        Ok(Vec::new())
                    }
                };
                let identity = crate::aws::retry_read(|| a.cloud.caller_identity());
                let (profiles, identity) = tokio::join!(profiles, identity);
                (
                    a.key.clone(),
                    AccountFacts {
                        profiles,
                        identity: identity.ok(),
                    },
                )
            }));
            let (fetched, facts) = tokio::join!(rows, facts);
            Ok(Reads {
                rows: fetched.rows,
                failures: fetched.failures,
                accounts: facts.into_iter().collect(),
            })
        })
        .await
}

/// Plans putting `profile` on an instance (no change when it already has it).
/// Reads first (one round trip), then plans.
pub async fn plan_set_profile(
    session: &Session,
    instance_id: &str,
    profile: &ProfileRef,
) -> Result<Planned, Error> {
    let reads = read_for_change(session, true).await?;
    let row = find_instance(session, &reads, instance_id)?;
    let account = &row.instance.account;
    let target = crate::core::plan::find_profile(reads.profiles(account)?, profile)?;
    let identity = reads.identity(account).cloned();
    let change = match plan::change_for(&row.instance, row.association.as_ref(), Some(target)) {
        Ok(change) => Some(change),
        Err(r) if r.nothing_to_do() => None,
        Err(r) => return Err(Error::Usage(r.to_string())),
    };
    Ok(Planned {
        row,
        change,
        identity,
    })
}

/// Plans detaching an instance's profile. Reads first (one round trip).
pub async fn plan_detach(session: &Session, instance_id: &str) -> Result<Planned, Error> {
    let reads = read_for_change(session, false).await?;
    let row = find_instance(session, &reads, instance_id)?;
    let identity = reads.identity(&row.instance.account).cloned();
    let change = plan::change_for(&row.instance, row.association.as_ref(), None)
        .map_err(|r| Error::Usage(r.to_string()))?;
    Ok(Planned {
        row,
        change: Some(change),
        identity,
    })
}
