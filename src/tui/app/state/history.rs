//! What is known of CloudTrail's history per account and region (`h`, the
//! detail pane's "by" line, the actor in `e`).

use std::time::{Duration, SystemTime};

use crate::core::history::{Change, Side, Tied};

/// (account key, region).
pub type HistoryKey = (String, String);

/// One account's region: its history as last read, or why it could not be.
#[derive(Debug, Clone, PartialEq)]
pub enum RegionHistory {
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
/// How long after an outside change its actor is looked for; CloudTrail
/// delivers within about 15 minutes.
pub const ACTOR_GIVE_UP: Duration = Duration::from_secs(20 * 60);

/// Who made an outside change, as far as CloudTrail tells.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor<'a> {
    Known(&'a Change),
    /// CloudTrail has not delivered it yet (it lags minutes behind).
    Pending,
    /// Looked for long enough: CloudTrail has no such call (an Auto Scaling
    /// launch, or a change older than it was seen).
    NotFound,
    /// The history could not be read.
    Unknown(&'a crate::aws::ApiError),
}

/// True when a change's side is this profile ARN (or no profile).
fn is(side: &Side, arn: Option<&str>) -> bool {
    match (side, arn) {
        (Side::None, None) => true,
        (Side::Profile(p), Some(arn)) => match &p.arn {
            Some(a) => a == arn,
            None => p.name == crate::aws::profile_name_from_arn(arn),
        },
        _ => false,
    }
}

/// The CloudTrail change that an outside change was: from and to the same
/// profiles (a side CloudTrail does not know is not held against it), made
/// at most ten minutes before `at` (when EC2 or the poll saw it).
/// `waited`: how long ago it was seen.
pub fn actor_of<'a>(
    history: Option<&'a RegionHistory>,
    instance_id: &str,
    from_profile_arn: Option<&str>,
    to_profile_arn: Option<&str>,
    at: SystemTime,
    waited: Duration,
) -> Actor<'a> {
    match history {
        Some(RegionHistory::Failed(e)) => Actor::Unknown(e),
        Some(RegionHistory::Read { tied, .. }) => tied
            .of(instance_id)
            .iter()
            .find(|c| {
                c.succeeded()
                    && is(&c.to, to_profile_arn)
                    && (c.from == Side::Unknown || is(&c.from, from_profile_arn))
                    && c.time <= at + Duration::from_secs(60)
                    && c.time + Duration::from_secs(600) >= at
            })
            .map_or(
                if waited >= ACTOR_GIVE_UP {
                    Actor::NotFound
                } else {
                    Actor::Pending
                },
                Actor::Known,
            ),
        None => Actor::Pending,
    }
}
