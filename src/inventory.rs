//! Fetching instances joined with their associations, across regions.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::join_all;

use crate::aws::{ApiError, Association, Cloud, Instance};
use crate::plan::current_association;

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

/// Every instance of every region, regions fetched concurrently.
pub async fn fetch(cloud: &dyn Cloud, regions: &[String]) -> Result<Vec<InstanceRow>, ApiError> {
    let results = join_all(regions.iter().map(|r| fetch_region(cloud, r))).await;
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
