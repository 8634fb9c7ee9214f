//! Fetching instances joined with their associations, across regions.

use std::collections::HashMap;

use futures::future::join_all;

use crate::aws::{ApiError, Association, Cloud, Instance};
use crate::plan::current_association;

/// An instance and the association that is its profile now.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow {
    pub instance: Instance,
    pub association: Option<Association>,
}

/// One region's instances and associations, fetched concurrently.
pub async fn fetch_region(
    cloud: &dyn Cloud,
    region: &str,
) -> Result<(Vec<Instance>, Vec<Association>), ApiError> {
    tokio::try_join!(cloud.instances(region), cloud.associations(region))
}

/// Joins instances with their current associations, sorted by region then id.
pub fn join(instances: Vec<Instance>, associations: &[Association]) -> Vec<InstanceRow> {
    // Index first: a scan per instance would be quadratic at fleet scale.
    let mut by_instance: HashMap<&str, Vec<&Association>> = HashMap::new();
    for a in associations {
        by_instance
            .entry(a.instance_id.as_str())
            .or_default()
            .push(a);
    }
    let mut rows: Vec<InstanceRow> = instances
        .into_iter()
        .map(|instance| {
            let candidates = by_instance
                .get(instance.id.as_str())
                .into_iter()
                .flatten()
                .copied();
            let association = current_association(candidates, &instance.id).cloned();
            InstanceRow {
                instance,
                association,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.instance.region, &a.instance.id).cmp(&(&b.instance.region, &b.instance.id))
    });
    rows
}

/// Every instance of every region, regions fetched concurrently.
pub async fn fetch(cloud: &dyn Cloud, regions: &[String]) -> Result<Vec<InstanceRow>, ApiError> {
    let results = join_all(regions.iter().map(|r| fetch_region(cloud, r))).await;
    let mut rows = Vec::new();
    for result in results {
        let (instances, associations) = result?;
        rows.extend(join(instances, &associations));
    }
    rows.sort_by(|a, b| {
        (&a.instance.region, &a.instance.id).cmp(&(&b.instance.region, &b.instance.id))
    });
    Ok(rows)
}
