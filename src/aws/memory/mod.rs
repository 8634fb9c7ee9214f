//! An in-memory AWS account that behaves like EC2, IAM and STS: the same rules,
//! the same error codes, transitional states that settle on a clock the caller
//! controls, optional per-call latency and injected faults.
//!
//! This file holds the account, its options and what every call goes through
//! (latency, faults, settling); each service's calls live in their own file.

mod cloudtrail;
mod contain;
mod ec2;
mod iam;
mod s3;
mod sts;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::faults::{FaultPlan, Op};
use super::fleet::{Fleet, SplitMix};
use super::{
    ApiError, Association, AssociationState, CallerIdentity, Cloud, ErrorKind, Instance,
    InstanceProfile, InstanceState, Policy, ProfileRef, ProfileSummary, Role,
};

/// Where the account reads the time from.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The real wall clock (the demo).
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    /// Starts at a fixed instant, so tests and snapshots are reproducible.
    pub fn new() -> Self {
        Self(Mutex::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000),
        ))
    }

    pub fn advance(&self, by: Duration) {
        *lock(&self.0) += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *lock(&self.0)
    }
}

/// How long each call takes before it answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    pub min: Duration,
    pub max: Duration,
    pub seed: u64,
}

impl Latency {
    pub const ZERO: Latency = Latency {
        min: Duration::ZERO,
        max: Duration::ZERO,
        seed: 0,
    };

    /// The demo's default: 80–250 ms, seeded so runs are alike.
    pub const DEMO: Latency = Latency {
        min: Duration::from_millis(80),
        max: Duration::from_millis(250),
        seed: 42,
    };
}

/// How long the transitional states last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transitions {
    /// `associating` → `associated`, and `disassociating` → `disassociated`.
    pub settle: Duration,
    /// How long a `disassociated` association stays visible before it is gone.
    pub linger: Duration,
}

impl Default for Transitions {
    fn default() -> Self {
        Self {
            settle: Duration::from_secs(4),
            linger: Duration::from_secs(3),
        }
    }
}

/// Everything the account can be tuned with.
pub struct MemoryOptions {
    pub clock: Arc<dyn Clock>,
    pub latency: Latency,
    pub transitions: Transitions,
    pub faults: FaultPlan,
}

impl MemoryOptions {
    /// Real time, demo latency, no faults.
    pub fn demo() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            latency: Latency::DEMO,
            transitions: Transitions::default(),
            faults: FaultPlan::default(),
        }
    }

    /// A manual clock, no latency, no faults.
    pub fn test(clock: Arc<ManualClock>) -> Self {
        Self {
            clock,
            latency: Latency::ZERO,
            transitions: Transitions::default(),
            faults: FaultPlan::default(),
        }
    }
}

struct StoredAssociation {
    association: Association,
    region: String,
    /// When a transitional state moves on.
    settle_at: SystemTime,
}

struct World {
    identity: CallerIdentity,
    profiles: Vec<InstanceProfile>,
    /// Region → instance id → instance.
    instances: BTreeMap<String, BTreeMap<String, Instance>>,
    associations: Vec<StoredAssociation>,
    next_id: u64,
    calls: u64,
    rng: SplitMix,
    faults: FaultPlan,
    /// Inline policies put on roles (PutRolePolicy), by role name.
    added_policies: std::collections::HashMap<String, Vec<Policy>>,
    /// Instances' metadata option HttpTokens where it is not `optional`.
    http_tokens: std::collections::HashMap<String, String>,
    /// Instances in Auto Scaling Standby.
    standby: std::collections::HashSet<String>,
    /// CloudTrail: the association calls made, by region.
    trail: Vec<(String, super::TrailEvent)>,
}

/// The in-memory account. Cheap to share behind an `Arc`.
pub struct MemoryAccount {
    world: Mutex<World>,
    clock: Arc<dyn Clock>,
    started: SystemTime,
    latency: Latency,
    transitions: Transitions,
    /// The bucket `demo` (the team journal of `--demo --journal s3://demo/…`).
    objects: s3::Objects,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the world half-changed in a way
    // that matters to a demo or a test, so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

const ACCOUNT_ARN_PREFIX: &str = "arn:aws:iam::";

impl MemoryAccount {
    /// Builds the account from a fleet.
    pub fn new(fleet: &Fleet, options: MemoryOptions) -> Self {
        let now = options.clock.now();
        let account = &fleet.account;
        let mut next_id = 1u64;
        let mut id = |prefix: &str| {
            next_id += 1;
            format!("{prefix}{:017x}", hash(next_id))
        };
        let profiles: Vec<InstanceProfile> = fleet
            .profiles
            .iter()
            .map(|p| InstanceProfile {
                account: String::new(),
                name: p.name.clone(),
                arn: format!(
                    "{ACCOUNT_ARN_PREFIX}{account}:instance-profile{}{}",
                    p.path, p.name
                ),
                id: format!("AIPA{}", id("").to_uppercase()),
                path: p.path.clone(),
                roles: p
                    .role
                    .iter()
                    .map(|r| Role {
                        name: r.clone(),
                        arn: format!("{ACCOUNT_ARN_PREFIX}{account}:role{}{}", p.path, r),
                    })
                    .collect(),
                created: Some(now - Duration::from_secs(86_400 * 200)),
            })
            .collect();
        // By name: a scan per instance would make large fleets quadratic.
        let profile_by_name: std::collections::HashMap<&str, &InstanceProfile> =
            profiles.iter().map(|p| (p.name.as_str(), p)).collect();
        let mut instances: BTreeMap<String, BTreeMap<String, Instance>> = BTreeMap::new();
        let mut associations = Vec::new();
        let mut trail = Vec::new();
        for (region, list) in &fleet.regions {
            let by_id = instances.entry(region.clone()).or_default();
            for (n, fi) in list.iter().enumerate() {
                let launched = now
                    .checked_sub(Duration::from_secs(3_600 * (24 + n as u64 * 7)))
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                let mut tags: Vec<(String, String)> = fi
                    .tags
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if let Some(name) = &fi.name {
                    tags.push(("Name".into(), name.clone()));
                }
                by_id.insert(
                    fi.id.clone(),
                    Instance {
                        account: String::new(),
                        region: region.clone(),
                        id: fi.id.clone(),
                        name: fi.name.clone(),
                        state: InstanceState::parse(&fi.state),
                        instance_type: fi.instance_type.clone(),
                        launch_time: Some(launched),
                        tags,
                    },
                );
                let profile = fi
                    .profile
                    .as_deref()
                    .and_then(|name| profile_by_name.get(name).copied());
                // Its seeded past ends on the association it holds now.
                let past = if fi.history.is_empty() {
                    None
                } else {
                    let arn = |name: &str| {
                        profile_by_name
                            .get(name)
                            .map(|p| p.arn.clone())
                            .unwrap_or_default()
                    };
                    cloudtrail::seed(&mut trail, region, fi, now, &arn, &mut || id("iip-assoc-"))
                };
                if let Some(profile) = profile {
                    let (assoc_id, since) = past.unwrap_or_else(|| (id("iip-assoc-"), launched));
                    associations.push(StoredAssociation {
                        association: Association {
                            id: assoc_id,
                            instance_id: fi.id.clone(),
                            state: AssociationState::Associated,
                            profile: ProfileSummary::new(&profile.arn, &profile.id),
                            timestamp: Some(since),
                            request_id: None,
                        },
                        region: region.clone(),
                        settle_at: launched,
                    });
                }
            }
        }
        Self {
            world: Mutex::new(World {
                identity: CallerIdentity {
                    account: account.clone(),
                    arn: fleet.caller_arn.clone(),
                },
                profiles,
                instances,
                associations,
                next_id,
                calls: 0,
                rng: SplitMix(options.latency.seed),
                faults: options.faults,
                added_policies: Default::default(),
                http_tokens: Default::default(),
                standby: Default::default(),
                trail,
            }),
            clock: options.clock,
            started: now,
            latency: options.latency,
            transitions: options.transitions,
            objects: Default::default(),
        }
    }

    /// Replaces the injected faults (tests of retry and recovery paths).
    pub fn set_faults(&self, faults: FaultPlan) {
        lock(&self.world).faults = faults;
    }

    /// Changes an instance's state, as starting or stopping it would.
    pub fn set_instance_state(&self, region: &str, instance_id: &str, state: InstanceState) {
        if let Some(i) = lock(&self.world)
            .instances
            .get_mut(region)
            .and_then(|r| r.get_mut(instance_id))
        {
            i.state = state;
        }
    }

    /// The account's regions, known without a call (the demo shows them all
    /// at start without waiting for DescribeRegions).
    pub fn region_names(&self) -> Vec<String> {
        lock(&self.world).instances.keys().cloned().collect()
    }

    /// The account's id, known without a call (no latency, no faults).
    pub fn account_id(&self) -> String {
        lock(&self.world).identity.account.clone()
    }

    /// How many calls the account has answered or refused so far.
    pub fn calls(&self) -> u64 {
        lock(&self.world).calls
    }

    /// Every call starts here: count it, wait out the latency, inject faults, and
    /// move transitional states along the clock.
    async fn enter(&self, op: Op, action: &'static str) -> Result<(), ApiError> {
        let delay = {
            let mut w = lock(&self.world);
            w.calls += 1;
            if self.latency.max > self.latency.min {
                let span = (self.latency.max - self.latency.min).as_millis() as u64;
                self.latency.min + Duration::from_millis(w.rng.next_u64() % (span + 1))
            } else {
                self.latency.min
            }
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let now = self.clock.now();
        let mut w = lock(&self.world);
        if let Some((after, dur)) = w.faults.unreachable {
            let from = self.started + after;
            if now >= from && now < from + dur {
                return Err(ApiError {
                    kind: ErrorKind::Unreachable,
                    action,
                    code: None,
                    message: "connection refused (injected fault)".into(),
                    request_id: None,
                    profile: None,
                });
            }
        }
        if let Some(n) = w.faults.throttle_every
            && w.calls.is_multiple_of(n)
        {
            return Err(ApiError::service(
                action,
                "RequestLimitExceeded",
                "Request limit exceeded.",
            ));
        }
        if let Some((_, code)) = w.faults.fail.iter().find(|(o, _)| *o == op) {
            return Err(ApiError::service(
                action,
                code,
                format!("injected fault on {}", op.name()),
            ));
        }
        ec2::settle(&mut w, now, self.transitions.linger);
        Ok(())
    }

    /// Hands a change's answer back, unless a `lose=OP` fault drops it: the
    /// change is made, but the caller hears only that the connection closed.
    fn deliver(
        w: &World,
        op: Op,
        action: &'static str,
        answer: Association,
    ) -> Result<Association, ApiError> {
        if w.faults.lose.contains(&op) {
            return Err(ApiError {
                kind: ErrorKind::Unreachable,
                action,
                code: None,
                message: "connection closed before the answer arrived (injected fault)".into(),
                request_id: None,
                profile: None,
            });
        }
        Ok(answer)
    }
}

/// Spreads counter values over the id space, so ids look like AWS's.
fn hash(n: u64) -> u64 {
    SplitMix(n).next_u64() & 0x0fff_ffff_ffff_ffff
}

#[async_trait]
impl Cloud for MemoryAccount {
    async fn regions(&self) -> Result<Vec<String>, ApiError> {
        ec2::regions(self).await
    }

    async fn instances(&self, region: &str) -> Result<Vec<Instance>, ApiError> {
        ec2::instances(self, region).await
    }

    async fn associations(&self, region: &str) -> Result<Vec<Association>, ApiError> {
        ec2::associations(self, region).await
    }

    async fn instance_profiles(&self) -> Result<Vec<InstanceProfile>, ApiError> {
        iam::instance_profiles(self).await
    }

    async fn associate(
        &self,
        region: &str,
        instance_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError> {
        ec2::associate(self, region, instance_id, profile).await
    }

    async fn replace(
        &self,
        region: &str,
        association_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError> {
        ec2::replace(self, region, association_id, profile).await
    }

    async fn disassociate(
        &self,
        region: &str,
        association_id: &str,
    ) -> Result<Association, ApiError> {
        ec2::disassociate(self, region, association_id).await
    }

    async fn role_policies(&self, role_name: &str) -> Result<Vec<Policy>, ApiError> {
        iam::role_policies(self, role_name).await
    }

    async fn instance_profiles_for_role(
        &self,
        role_name: &str,
    ) -> Result<Vec<InstanceProfile>, ApiError> {
        iam::instance_profiles_for_role(self, role_name).await
    }

    async fn put_role_policy(
        &self,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), ApiError> {
        iam::put_role_policy(self, role_name, policy_name, document).await
    }

    async fn caller_identity(&self) -> Result<CallerIdentity, ApiError> {
        sts::caller_identity(self).await
    }

    async fn delete_role_policy(&self, role_name: &str, policy_name: &str) -> Result<(), ApiError> {
        contain::delete_role_policy(self, role_name, policy_name).await
    }

    async fn role_last_used(
        &self,
        role_name: &str,
    ) -> Result<Option<(String, Option<String>)>, ApiError> {
        iam::role_last_used(self, role_name).await
    }

    async fn object_store(
        &self,
        bucket: &str,
    ) -> Result<std::sync::Arc<dyn super::ObjectStore>, ApiError> {
        s3::object_store(self, bucket).await
    }

    fn lookup_events_paced(&self) -> bool {
        false
    }

    async fn lookup_events(
        &self,
        region: &str,
        event_name: &str,
        start: SystemTime,
        end: SystemTime,
        next_token: Option<&str>,
    ) -> Result<super::TrailPage, ApiError> {
        cloudtrail::lookup_events(self, region, event_name, start, end, next_token).await
    }

    async fn create_tag(
        &self,
        region: &str,
        instance_id: &str,
        key: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        contain::create_tag(self, region, instance_id, key, value).await
    }

    async fn delete_tag(&self, region: &str, instance_id: &str, key: &str) -> Result<(), ApiError> {
        contain::delete_tag(self, region, instance_id, key).await
    }

    async fn http_tokens(&self, region: &str, instance_id: &str) -> Result<String, ApiError> {
        contain::http_tokens(self, region, instance_id).await
    }

    async fn set_http_tokens(
        &self,
        region: &str,
        instance_id: &str,
        tokens: &str,
    ) -> Result<(), ApiError> {
        contain::set_http_tokens(self, region, instance_id, tokens).await
    }

    async fn scaling_group(
        &self,
        region: &str,
        instance_id: &str,
    ) -> Result<Option<(String, String)>, ApiError> {
        contain::scaling_group(self, region, instance_id).await
    }

    async fn set_standby(
        &self,
        region: &str,
        group: &str,
        instance_id: &str,
        standby: bool,
    ) -> Result<(), ApiError> {
        contain::set_standby(self, region, group, instance_id, standby).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ids_are_distinct() {
        let ids: std::collections::HashSet<u64> = (0..10_000).map(hash).collect();
        assert_eq!(ids.len(), 10_000);
    }
}
