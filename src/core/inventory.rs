//! Fetching instances joined with their associations, across regions.

use std::collections::HashMap;
use std::sync::Arc;

use futures::stream::{self, StreamExt};

use crate::aws::{ApiError, Association, Cloud, Instance};
use crate::core::plan::current_association;
use crate::core::session::{Account, Session};

/// An instance and the association that is its profile now. The instance is
/// shared (the TUI keeps it in its region data and in its rows).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow {
    pub instance: Arc<Instance>,
    pub association: Option<Association>,
}

/// One region's instances and associations, fetched concurrently.
pub async fn fetch_region(
    cloud: &dyn Cloud,
    region: &str,
) -> Result<(Vec<Instance>, Vec<Association>), ApiError> {
    tokio::try_join!(cloud.instances(region), cloud.associations(region))
}

/// Associations grouped by instance id.
pub fn by_instance(associations: &[Association]) -> HashMap<&str, Vec<&Association>> {
    let mut map: HashMap<&str, Vec<&Association>> = HashMap::new();
    for a in associations {
        map.entry(a.instance_id.as_str()).or_default().push(a);
    }
    map
}

/// The current association of `instance_id`, from an index made by [`by_instance`].
pub fn current_in<'a>(
    index: &HashMap<&str, Vec<&'a Association>>,
    instance_id: &str,
) -> Option<&'a Association> {
    let candidates = index.get(instance_id).into_iter().flatten().copied();
    current_association(candidates, instance_id)
}

/// Joins instances with their current associations (in the instances' order;
/// callers that merge regions sort once at the end).
pub fn join(instances: Vec<Arc<Instance>>, associations: &[Association]) -> Vec<InstanceRow> {
    // Index first: a scan per instance would be quadratic at fleet scale.
    let index = by_instance(associations);
    instances
        .into_iter()
        .map(|instance| {
            let association = current_in(&index, &instance.id).cloned();
            InstanceRow {
                instance,
                association,
            }
        })
        .collect()
}

/// A read that failed: which account (its session key) and region.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub account: String,
    pub region: String,
    pub error: ApiError,
}

impl Failure {
    /// One line naming where it failed (the account only when there are several).
    pub fn sentence(&self, several_accounts: bool) -> String {
        if several_accounts {
            format!(
                "account {} ({}): {}",
                self.account,
                self.region,
                self.error.sentence()
            )
        } else {
            self.error.sentence()
        }
    }
}

/// What a read of every account and region gave: the rows that could be
/// read, and where reading failed.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub rows: Vec<InstanceRow>,
    pub failures: Vec<Failure>,
}

impl Fetched {
    /// The rows when every read worked; otherwise the first failure's error.
    pub fn complete(self) -> Result<Vec<InstanceRow>, ApiError> {
        match self.failures.into_iter().next() {
            None => Ok(self.rows),
            Some(f) => Err(f.error),
        }
    }
}

/// Every instance of every region of one cloud, regions fetched concurrently.
pub async fn fetch(cloud: &dyn Cloud, regions: &[String]) -> Result<Vec<InstanceRow>, ApiError> {
    let results = futures::future::join_all(regions.iter().map(|r| fetch_region(cloud, r))).await;
    let mut rows = Vec::new();
    for result in results {
        let (instances, associations) = result?;
        rows.extend(join(
            instances.into_iter().map(Arc::new).collect(),
            &associations,
        ));
    }
    rows.sort_by(|a, b| {
        (&a.instance.region, &a.instance.id).cmp(&(&b.instance.region, &b.instance.id))
    });
    Ok(rows)
}

/// Every instance of every account and region: each account and region is
/// one read, at most the session's bound at once; one failing takes nothing
/// else down. Sorted by account (in the session's order), region, id.
pub async fn fetch_accounts(session: &Session) -> Fetched {
    let scopes: Vec<(usize, &Account, &String)> = session
        .accounts
        .iter()
        .enumerate()
        .flat_map(|(i, a)| session.regions.iter().map(move |r| (i, a, r)))
        .collect();
    let results: Vec<_> = stream::iter(scopes)
        .map(|(i, account, region)| async move {
            // Planning reads: retried like every read (the poller has its own backoff).
            let result = tokio::try_join!(
                crate::aws::retry_read(|| account.instances(region)),
                crate::aws::retry_read(|| account.cloud.associations(region))
            );
            (i, account, region, result)
        })
        .buffer_unordered(session.read_concurrency.max(1))
        .collect()
        .await;
    let mut keyed = Vec::new();
    let mut failures = Vec::new();
    for (i, account, region, result) in results {
        match result {
            Ok((instances, associations)) => keyed.extend(
                join(instances.into_iter().map(Arc::new).collect(), &associations)
                    .into_iter()
                    .map(|row| (i, row)),
            ),
            Err(error) => failures.push((
                i,
                Failure {
                    account: account.key.clone(),
                    region: region.clone(),
                    error,
                },
            )),
        }
    }
    keyed.sort_by(|(i, a), (j, b)| {
        (i, &a.instance.region, &a.instance.id).cmp(&(j, &b.instance.region, &b.instance.id))
    });
    failures.sort_by(|(i, a), (j, b)| (i, &a.region).cmp(&(j, &b.region)));
    Fetched {
        rows: keyed.into_iter().map(|(_, row)| row).collect(),
        failures: failures.into_iter().map(|(_, f)| f).collect(),
    }
}
