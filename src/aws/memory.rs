//! An in-memory AWS account that behaves like EC2 and IAM: the same rules, the
//! same error codes, transitional states that settle on a clock the caller
//! controls, optional per-call latency and injected faults.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::faults::{FaultPlan, Op};
use super::fleet::{Fleet, SplitMix};
use super::{
    ApiError, Association, AssociationState, CallerIdentity, Cloud, ErrorKind, Instance,
    InstanceProfile, InstanceState, Policy, PolicyKind, ProfileRef, ProfileSummary, Role, actions,
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
}

/// The in-memory account. Cheap to share behind an `Arc`.
pub struct MemoryAccount {
    world: Mutex<World>,
    clock: Arc<dyn Clock>,
    started: SystemTime,
    latency: Latency,
    transitions: Transitions,
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
                if let Some(profile) = profile {
                    associations.push(StoredAssociation {
                        association: Association {
                            id: id("iip-assoc-"),
                            instance_id: fi.id.clone(),
                            state: AssociationState::Associated,
                            profile: ProfileSummary::new(&profile.arn, &profile.id),
                            timestamp: Some(launched),
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
            }),
            clock: options.clock,
            started: now,
            latency: options.latency,
            transitions: options.transitions,
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
        self.settle(&mut w, now);
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

    fn settle(&self, w: &mut World, now: SystemTime) {
        let linger = self.transitions.linger;
        w.associations.retain_mut(|s| {
            let a = &mut s.association;
            if now < s.settle_at {
                return true;
            }
            match a.state {
                AssociationState::Associating => {
                    a.state = AssociationState::Associated;
                    true
                }
                AssociationState::Disassociating => {
                    a.state = AssociationState::Disassociated;
                    s.settle_at += linger;
                    now < s.settle_at
                }
                AssociationState::Disassociated => false,
                AssociationState::Associated => true,
            }
        });
    }

    fn region<'w>(
        w: &'w World,
        region: &str,
        action: &'static str,
    ) -> Result<&'w BTreeMap<String, Instance>, ApiError> {
        w.instances.get(region).ok_or_else(|| ApiError {
            kind: ErrorKind::Unreachable,
            action,
            code: None,
            message: format!("no endpoint for region '{region}'"),
            request_id: None,
            profile: None,
        })
    }

    fn resolve_profile(
        w: &World,
        profile: &ProfileRef,
        action: &'static str,
    ) -> Result<InstanceProfile, ApiError> {
        w.profiles
            .iter()
            .find(|p| profile.matches(p))
            .cloned()
            .ok_or_else(|| {
                let field = match profile {
                    ProfileRef::Name(_) => "name",
                    ProfileRef::Arn(_) => "arn",
                };
                ApiError::service(
                    action,
                    "InvalidParameterValue",
                    format!(
                        "Value ({profile}) for parameter iamInstanceProfile.{field} is invalid. Invalid IAM Instance Profile {field}"
                    ),
                )
            })
    }

    fn new_association(
        &self,
        w: &mut World,
        region: &str,
        instance_id: &str,
        profile: &InstanceProfile,
        now: SystemTime,
    ) -> Association {
        w.next_id += 1;
        let association = Association {
            id: format!("iip-assoc-{:017x}", hash(w.next_id)),
            instance_id: instance_id.to_string(),
            state: AssociationState::Associating,
            profile: ProfileSummary::new(&profile.arn, &profile.id),
            timestamp: Some(now),
            request_id: None,
        };
        w.associations.push(StoredAssociation {
            association: association.clone(),
            region: region.to_string(),
            settle_at: now + self.transitions.settle,
        });
        association
    }

    fn find_association<'w>(
        w: &'w mut World,
        region: &str,
        association_id: &str,
        action: &'static str,
    ) -> Result<&'w mut StoredAssociation, ApiError> {
        w.associations
            .iter_mut()
            .find(|s| s.region == region && s.association.id == association_id)
            .ok_or_else(|| {
                ApiError::service(
                    action,
                    "InvalidAssociationID.NotFound",
                    format!("An association ID '{association_id}' does not exist"),
                )
            })
    }
}

/// Spreads counter values over the id space, so ids look like AWS's.
fn hash(n: u64) -> u64 {
    SplitMix(n).next_u64() & 0x0fff_ffff_ffff_ffff
}

#[async_trait]
impl Cloud for MemoryAccount {
    async fn regions(&self) -> Result<Vec<String>, ApiError> {
        self.enter(Op::Regions, actions::DESCRIBE_REGIONS).await?;
        Ok(lock(&self.world).instances.keys().cloned().collect())
    }

    async fn instances(&self, region: &str) -> Result<Vec<Instance>, ApiError> {
        self.enter(Op::Instances, actions::DESCRIBE_INSTANCES)
            .await?;
        let w = lock(&self.world);
        Ok(Self::region(&w, region, actions::DESCRIBE_INSTANCES)?
            .values()
            .cloned()
            .collect())
    }

    async fn associations(&self, region: &str) -> Result<Vec<Association>, ApiError> {
        self.enter(Op::Associations, actions::DESCRIBE_ASSOCIATIONS)
            .await?;
        let w = lock(&self.world);
        Self::region(&w, region, actions::DESCRIBE_ASSOCIATIONS)?;
        Ok(w.associations
            .iter()
            .filter(|s| s.region == region)
            .map(|s| s.association.clone())
            .collect())
    }

    async fn instance_profiles(&self) -> Result<Vec<InstanceProfile>, ApiError> {
        self.enter(Op::Profiles, actions::LIST_INSTANCE_PROFILES)
            .await?;
        Ok(lock(&self.world).profiles.clone())
    }

    async fn associate(
        &self,
        region: &str,
        instance_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError> {
        const A: &str = actions::ASSOCIATE;
        self.enter(Op::Associate, A).await?;
        let now = self.clock.now();
        let mut w = lock(&self.world);
        let instance = Self::region(&w, region, A)?
            .get(instance_id)
            .ok_or_else(|| {
                ApiError::service(
                    A,
                    "InvalidInstanceID.NotFound",
                    format!("The instance ID '{instance_id}' does not exist"),
                )
            })?;
        if !instance.state.accepts_profile_changes() {
            return Err(ApiError::service(
                A,
                "IncorrectInstanceState",
                format!(
                    "The instance '{instance_id}' is not in the 'running' or 'stopped' states (it is '{}').",
                    instance.state
                ),
            ));
        }
        let profile = Self::resolve_profile(&w, profile, A)?;
        if w.associations.iter().any(|s| {
            s.region == region
                && s.association.instance_id == instance_id
                && s.association.state.is_active()
        }) {
            return Err(ApiError::service(
                A,
                "IncorrectState",
                format!("There is an existing association for instance {instance_id}"),
            ));
        }
        let made = self.new_association(&mut w, region, instance_id, &profile, now);
        Self::deliver(&w, Op::Associate, A, made)
    }

    async fn replace(
        &self,
        region: &str,
        association_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError> {
        const A: &str = actions::REPLACE;
        self.enter(Op::Replace, A).await?;
        let now = self.clock.now();
        let settle = self.transitions.settle;
        let mut w = lock(&self.world);
        Self::region(&w, region, A)?;
        let profile = Self::resolve_profile(&w, profile, A)?;
        let (instance_id, state) = {
            let s = Self::find_association(&mut w, region, association_id, A)?;
            (s.association.instance_id.clone(), s.association.state)
        };
        let instance_running = w
            .instances
            .get(region)
            .and_then(|r| r.get(&instance_id))
            .is_some_and(|i| i.state == InstanceState::Running);
        // AWS only replaces the settled association of a running instance.
        if state != AssociationState::Associated || !instance_running {
            return Err(ApiError::service(
                A,
                "IncorrectState",
                format!("The association {association_id} is not the active association."),
            ));
        }
        let old = Self::find_association(&mut w, region, association_id, A)?;
        old.association.state = AssociationState::Disassociating;
        old.settle_at = now + settle;
        let made = self.new_association(&mut w, region, &instance_id, &profile, now);
        Self::deliver(&w, Op::Replace, A, made)
    }

    async fn disassociate(
        &self,
        region: &str,
        association_id: &str,
    ) -> Result<Association, ApiError> {
        const A: &str = actions::DISASSOCIATE;
        self.enter(Op::Disassociate, A).await?;
        let now = self.clock.now();
        let settle = self.transitions.settle;
        let mut w = lock(&self.world);
        Self::region(&w, region, A)?;
        let stored = Self::find_association(&mut w, region, association_id, A)?;
        if !stored.association.state.is_active() {
            return Err(ApiError::service(
                A,
                "IncorrectState",
                format!("The association {association_id} is not the active association."),
            ));
        }
        stored.association.state = AssociationState::Disassociating;
        stored.settle_at = now + settle;
        let answer = stored.association.clone();
        Self::deliver(&w, Op::Disassociate, A, answer)
    }

    async fn role_policies(&self, role_name: &str) -> Result<Vec<Policy>, ApiError> {
        self.enter(Op::Role, actions::GET_ROLE).await?;
        let w = lock(&self.world);
        let role = w
            .profiles
            .iter()
            .flat_map(|p| p.roles.iter())
            .find(|r| r.name == role_name)
            .ok_or_else(|| {
                ApiError::service(
                    actions::GET_ROLE,
                    "NoSuchEntity",
                    format!("The role with name {role_name} cannot be found."),
                )
            })?;
        let mut all = demo_policies(&role.name, &w.identity.account);
        // Every demo role is for EC2 instances.
        all.push(Policy {
            name: "trust policy".into(),
            arn: None,
            kind: PolicyKind::Trust,
            document: serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }]})
            .to_string(),
        });
        all.extend(
            w.added_policies
                .get(role_name)
                .into_iter()
                .flatten()
                .cloned(),
        );
        Ok(all)
    }

    async fn instance_profiles_for_role(
        &self,
        role_name: &str,
    ) -> Result<Vec<InstanceProfile>, ApiError> {
        const A: &str = actions::LIST_INSTANCE_PROFILES_FOR_ROLE;
        self.enter(Op::Role, A).await?;
        let w = lock(&self.world);
        let holders: Vec<InstanceProfile> = w
            .profiles
            .iter()
            .filter(|p| p.roles.iter().any(|r| r.name == role_name))
            .cloned()
            .collect();
        if holders.is_empty() {
            return Err(ApiError::service(
                A,
                "NoSuchEntity",
                format!("The role with name {role_name} cannot be found."),
            ));
        }
        Ok(holders)
    }

    async fn put_role_policy(
        &self,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), ApiError> {
        self.enter(Op::Role, actions::PUT_ROLE_POLICY).await?;
        let mut w = lock(&self.world);
        if !w
            .profiles
            .iter()
            .flat_map(|p| &p.roles)
            .any(|r| r.name == role_name)
        {
            return Err(ApiError::service(
                actions::PUT_ROLE_POLICY,
                "NoSuchEntity",
                format!("The role with name {role_name} cannot be found."),
            ));
        }
        let list = w.added_policies.entry(role_name.to_string()).or_default();
        list.retain(|p| p.name != policy_name);
        list.push(Policy {
            name: policy_name.to_string(),
            arn: None,
            kind: PolicyKind::Inline,
            document: document.to_string(),
        });
        Ok(())
    }

    async fn caller_identity(&self) -> Result<CallerIdentity, ApiError> {
        self.enter(Op::Identity, actions::GET_CALLER_IDENTITY)
            .await?;
        Ok(lock(&self.world).identity.clone())
    }
}

/// The demo's policies for a role: realistic enough that diffs mean something
/// (a quarantine role that denies everything, an admin role under a
/// boundary, a CI role that can pass roles, services with their own buckets).
fn demo_policies(role: &str, account: &str) -> Vec<Policy> {
    let doc = |statements: serde_json::Value| {
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    };
    let managed = |name: &str, statements: serde_json::Value| Policy {
        name: name.to_string(),
        arn: Some(format!("arn:aws:iam::aws:policy/{name}")),
        kind: PolicyKind::Managed,
        document: doc(statements),
    };
    let inline = |name: &str, statements: serde_json::Value| Policy {
        name: name.to_string(),
        arn: None,
        kind: PolicyKind::Inline,
        // AWS answers inline documents URL-encoded.
        document: percent_encoding::utf8_percent_encode(
            &doc(statements),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string(),
    };
    let ssm = managed(
        "AmazonSSMManagedInstanceCore",
        serde_json::json!([{"Effect": "Allow", "Action": ["ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"], "Resource": "*"}]),
    );
    let lower = role.to_ascii_lowercase();
    match role {
        "IncidentQuarantineDenyAll" => vec![inline(
            "DenyEverything",
            serde_json::json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
        )],
        "BreakGlassAdmin" => vec![
            managed(
                "AdministratorAccess",
                serde_json::json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
            ),
            Policy {
                name: "OpsBoundary".into(),
                arn: Some(format!("arn:aws:iam::{account}:policy/OpsBoundary")),
                kind: PolicyKind::Boundary,
                document: doc(serde_json::json!([
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Deny", "Action": ["iam:CreateUser", "organizations:*"], "Resource": "*"}
                ])),
            },
        ],
        "ReadOnlyDebugRole" => vec![
            ssm,
            managed(
                "ReadOnlyAccess",
                serde_json::json!([{"Effect": "Allow", "Action": ["ec2:Describe*", "s3:Get*", "s3:List*", "logs:Get*"], "Resource": "*"}]),
            ),
        ],
        "GitHubActionsRunnerRole" => vec![
            ssm,
            inline(
                "deploy",
                serde_json::json!([
                    {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": format!("arn:aws:iam::{account}:role/app-*")},
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{account}:role/deploy")},
                    {"Effect": "Allow", "Action": ["ecr:*"], "Resource": "*"}
                ]),
            ),
        ],
        _ => vec![
            ssm,
            inline(
                &format!("{lower}-app"),
                serde_json::json!([
                    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("arn:aws:s3:::{lower}-data/*")},
                    {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
                    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": format!("arn:aws:kms:*:{account}:key/*"), "Condition": {"StringEquals": {"kms:ViaService": "s3.amazonaws.com"}}}
                ]),
            ),
        ],
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
