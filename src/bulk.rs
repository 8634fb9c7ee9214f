//! Changes to many instances at once: planning a swap or an undo from fresh
//! reads, and running the changes with bounded concurrency through the one
//! executor, each journaled.

use futures::StreamExt;

use crate::aws::{CallerIdentity, Cloud, InstanceProfile, ProfileRef, ProfileSummary};
use crate::error::Error;
use crate::exec::{self, Change, Outcome, Record};
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
    /// Who is making it (for the journal and the production guard).
    pub identity: Option<CallerIdentity>,
}

/// Every region's rows, the profiles and the caller, in one round trip.
async fn read_all(
    session: &Session,
) -> Result<
    (
        Vec<InstanceRow>,
        Vec<InstanceProfile>,
        Option<CallerIdentity>,
    ),
    Error,
> {
    exec::read_for_change(session, true).await
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
        region: row.instance.region.clone(),
        instance_id: row.instance.id.clone(),
        kind,
        from: current.map(|a| a.profile.clone()),
        to: target.map(|t| ProfileSummary::new(&t.arn, &t.id)),
    })
}

/// Plans a swap: the selected instances to `to` (`None`: detach them).
pub async fn plan_swap(
    session: &Session,
    to: Option<&ProfileRef>,
    selection: &Selection,
) -> Result<BatchPlan, Error> {
    let (rows, profiles, identity) = read_all(session).await?;
    let target = to.map(|t| find_profile(&profiles, t)).transpose()?;
    let chosen: Vec<&InstanceRow> = match selection {
        Selection::From(from) => {
            let from = find_profile(&profiles, from)?;
            rows.iter()
                .filter(|r| {
                    r.association
                        .as_ref()
                        .is_some_and(|a| a.profile.arn == from.arn && a.state.is_active())
                })
                .collect()
        }
        Selection::Instances(ids) => {
            let mut chosen = Vec::new();
            for id in ids {
                match rows.iter().find(|r| &r.instance.id == id) {
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
        identity,
    };
    for row in chosen {
        match plan_one(row, target) {
            Ok(change) => plan.changes.push((change, row.instance.name.clone())),
            Err(reason) => plan.skipped.push(Skipped {
                region: Some(row.instance.region.clone()),
                instance_id: row.instance.id.clone(),
                from_profile_arn: row.association.as_ref().map(|a| a.profile.arn.clone()),
                reason,
            }),
        }
    }
    Ok(plan)
}

/// The batch to undo: the one named, or the most recent of this account.
pub fn batch_to_undo<'a>(
    entries: &'a [Entry],
    named: Option<&str>,
    account: Option<&str>,
) -> Result<Vec<&'a Entry>, Error> {
    let done = |e: &&Entry| e.phase == "done" && e.outcome.as_deref() != Some("failed");
    let batch = match named {
        Some(b) => b.to_string(),
        None => entries
            .iter()
            .rev()
            .filter(done)
            .find(|e| account.is_none() || e.account.as_deref() == account)
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
    let (rows, profiles, identity) = read_all(session).await?;
    let mut plan = BatchPlan {
        changes: Vec::new(),
        skipped: Vec::new(),
        identity,
    };
    for entry in batch {
        let skip = |reason: String| Skipped {
            region: Some(entry.region.clone()),
            instance_id: entry.instance_id.clone(),
            from_profile_arn: entry.to_profile_arn.clone(),
            reason,
        };
        let Some(row) = rows
            .iter()
            .find(|r| r.instance.id == entry.instance_id && r.instance.region == entry.region)
        else {
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
            Some(arn) => match profiles.iter().find(|p| &p.arn == arn) {
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
/// (when `journal` is given). Results come back in the plan's order.
pub async fn run(
    cloud: &dyn Cloud,
    changes: &[(Change, Option<String>)],
    concurrency: usize,
    journal: Option<&Journal>,
    context: &Context,
) -> Vec<Result<Outcome, JournalError>> {
    let quiet = |_: String| {};
    futures::stream::iter(changes.iter().map(|(change, name)| async move {
        let record = journal.map(|journal| Record {
            journal,
            context,
            instance_name: name.as_deref(),
        });
        exec::run_recorded(cloud, change, record, &quiet).await
    }))
    .buffered(concurrency.max(1))
    .collect()
    .await
}
