//! Changes to many instances at once: planning a swap or an undo from fresh
//! reads, and running the changes with bounded concurrency through the one
//! executor, each journaled.

use std::collections::HashMap;

use futures::StreamExt;

use crate::aws::{CallerIdentity, InstanceProfile, ProfileRef, ProfileSummary};
use crate::error::Error;
use crate::exec::{self, Change, Outcome, Reads, Record};
use crate::insight::find_profile;
use crate::inventory::InstanceRow;
use crate::journal::{Context, Entry, Journal, JournalError};
use crate::plan::{self, MutationKind};
use crate::session::Session;
use crate::text::escape;

/// Which instances a swap moves.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Every instance whose current profile is this one.
    From(ProfileRef),
    /// These instances, by id.
    Instances(Vec<String>),
}

/// An instance a batch leaves alone, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The session's key of the instance's account.
    pub account: String,
    pub region: Option<String>,
    pub instance_id: String,
    pub from_profile_arn: Option<String>,
    pub reason: String,
}

/// A batch planned from fresh reads.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchPlan {
    /// Each change with the instance's Name.
    pub changes: Vec<(Change, Option<String>)>,
    pub skipped: Vec<Skipped>,
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

/// The change that puts `target` (or nothing) on a row, or why there is none.
fn plan_one(row: &InstanceRow, target: Option<&InstanceProfile>) -> Result<Change, String> {
    let current = row.association.as_ref();
    let kind = match target {
        Some(t) => {
            let plan = plan::plan_set(&row.instance, current, t).map_err(|r| r.0)?;
            MutationKind::for_set(&plan, &t.arn)
                .ok_or_else(|| format!("already has instance profile {}", t.name))?
        }
        None => MutationKind::Disassociate {
            association_id: plan::plan_detach(&row.instance, current).map_err(|r| r.0)?,
        },
    };
    Ok(Change {
        account: row.instance.account.clone(),
        region: row.instance.region.clone(),
        instance_id: row.instance.id.clone(),
        kind,
        from: current.map(|a| a.profile.clone()),
        to: target.map(|t| ProfileSummary::new(&t.arn, &t.id)),
    })
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
            let mut chosen = Vec::new();
            for id in ids {
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
        let skip = |reason: String| Skipped {
            account: row.instance.account.clone(),
            region: Some(row.instance.region.clone()),
            instance_id: row.instance.id.clone(),
            from_profile_arn: row.association.as_ref().map(|a| a.profile.arn.clone()),
            reason,
        };
        let target = match to {
            Some(t) => match profile_in(&reads, &row.instance.account, t)? {
                Some(p) => Some(p),
                None => {
                    plan.skipped.push(skip(format!(
                        "account {} has no instance profile {}",
                        row.instance.account,
                        escape(&t.to_string())
                    )));
                    continue;
                }
            },
            None => None,
        };
        match plan_one(row, target) {
            Ok(change) => plan.changes.push((change, row.instance.name.clone())),
            Err(reason) => plan.skipped.push(skip(reason)),
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

/// The batch to undo: the one named, or the most recent of this account.
pub fn batch_to_undo<'a>(
    entries: &'a [Entry],
    named: Option<&str>,
    accounts: &[String],
) -> Result<Vec<&'a Entry>, Error> {
    let done = |e: &&Entry| e.phase == "done" && e.outcome.as_deref() != Some("failed");
    let batch = match named {
        Some(b) => b.to_string(),
        None => entries
            .iter()
            .rev()
            .filter(done)
            .find(|e| {
                accounts.is_empty() || e.account.as_ref().is_some_and(|a| accounts.contains(a))
            })
            .map(|e| e.batch.clone())
            .ok_or_else(|| {
                Error::Usage("the journal has no change to undo for this account".into())
            })?,
    };
    let lines: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.batch == batch)
        .filter(done)
        .collect();
    if lines.is_empty() {
        return Err(Error::Usage(format!(
            "batch '{}' has no completed change in the journal (see `rolecall journal`)",
            escape(&batch)
        )));
    }
    Ok(lines)
}

/// Plans putting every instance of a batch back where it was. An instance
/// changed since (its profile is no longer the batch's target) is skipped
/// unless `force`.
pub async fn plan_undo(
    session: &Session,
    batch: &[&Entry],
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
    for entry in batch {
        let skip = |reason: String| Skipped {
            account: entry.account.clone().unwrap_or_default(),
            region: Some(entry.region.clone()),
            instance_id: entry.instance_id.clone(),
            from_profile_arn: entry.to_profile_arn.clone(),
            reason,
        };
        let Some(key) = key_of(entry.account.as_deref()) else {
            plan.skipped.push(skip(format!(
                "its account {} is not shown (pass its --profile)",
                entry.account.as_deref().unwrap_or("(unknown)")
            )));
            continue;
        };
        let Some(row) = reads.rows.iter().find(|r| {
            r.instance.account == key
                && r.instance.id == entry.instance_id
                && r.instance.region == entry.region
        }) else {
            plan.skipped
                .push(skip(format!("not found in {}", entry.region)));
            continue;
        };
        let now = row
            .association
            .as_ref()
            .filter(|a| a.state.is_active())
            .map(|a| a.profile.arn.clone());
        if now != entry.to_profile_arn && !force {
            plan.skipped.push(skip(format!(
                "changed since: it now has {} (use --force to put it back anyway)",
                now.as_deref()
                    .map(crate::aws::profile_name_from_arn)
                    .unwrap_or("no profile")
            )));
            continue;
        }
        let target = match &entry.from_profile_arn {
            Some(arn) => match reads.profiles(&key)?.iter().find(|p| &p.arn == arn) {
                Some(p) => Some(p),
                None => {
                    plan.skipped
                        .push(skip(format!("its earlier profile {arn} no longer exists")));
                    continue;
                }
            },
            None => None,
        };
        match plan_one(row, target) {
            Ok(change) => plan.changes.push((change, row.instance.name.clone())),
            Err(reason) => plan.skipped.push(skip(reason)),
        }
    }
    Ok(plan)
}

/// Runs a batch's changes, at most `concurrency` at a time, each journaled
/// (when `journal` is given) and sent to its own account. Results come back
/// in the plan's order.
pub async fn run(
    session: &Session,
    changes: &[(Change, Option<String>)],
    concurrency: usize,
    journal: Option<&Journal>,
    context: &dyn Fn(&str) -> Context,
) -> Vec<Result<Outcome, JournalError>> {
    let quiet = |_: String| {};
    futures::stream::iter(changes.iter().map(|(change, name)| async move {
        let context = context(&change.account);
        let Some(account) = session.account(&change.account) else {
            return Ok(Outcome {
                change: change.clone(),
                steps: Vec::new(),
                result: Err(exec::ExecError::Internal(format!(
                    "account {} is not in this session",
                    change.account
                ))),
            });
        };
        let record = journal.map(|journal| Record {
            journal,
            context: &context,
            instance_name: name.as_deref(),
        });
        exec::run_recorded(account.cloud.as_ref(), change, record, &quiet).await
    }))
    .buffered(concurrency.max(1))
    .collect()
    .await
}
