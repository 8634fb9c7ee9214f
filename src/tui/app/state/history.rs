//! What is known of CloudTrail's history per account and region (`h`, the
//! detail pane's "changed" line, the actor in `e`).

use std::time::{Duration, SystemTime};

use crate::core::history::{Change, Progress, Tied};

/// (account key, region).
pub type HistoryKey = (String, String);

/// One account's region, as far as its history has been read.
#[derive(Debug, Clone, PartialEq)]
pub enum RegionHistory {
    /// Pages still coming.
    Reading(Progress),
    Read {
        tied: Tied,
        /// When it was read (time since start).
        at: Duration,
        truncated: bool,
    },
    Failed(crate::aws::ApiError),
}

/// `h`: the selected instance's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryView {
    pub account: String,
    pub region: String,
    pub instance_id: String,
    pub scroll: usize,
}

/// How long CloudTrail may lag behind a change before an actor still
/// missing is worth a new look.
pub const ACTOR_RECHECK: Duration = Duration::from_secs(60);

/// Who made an outside change, as far as CloudTrail tells.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor<'a> {
    Known(&'a Change),
    /// CloudTrail has not delivered it yet (it lags minutes behind).
    Pending,
    /// The history could not be read.
    Unknown(&'a crate::aws::ApiError),
}

/// The CloudTrail change that an outside change the poll saw at `seen`
/// (wall clock) was: the one to the same profile (or to none), made at
/// most ten minutes before it was seen.
pub fn actor_of<'a>(
    history: Option<&'a RegionHistory>,
    instance_id: &str,
    to_profile_arn: Option<&str>,
    seen: SystemTime,
) -> Actor<'a> {
    match history {
        Some(RegionHistory::Failed(e)) => Actor::Unknown(e),
        Some(RegionHistory::Read { tied, .. }) => tied
            .of(instance_id)
            .iter()
            .find(|c| {
                c.succeeded()
                    && c.to.arn() == to_profile_arn
                    && c.time <= seen + Duration::from_secs(60)
                    && c.time + Duration::from_secs(600) >= seen
            })
            .map_or(Actor::Pending, Actor::Known),
        _ => Actor::Pending,
    }
}
