//! Fault injection for the in-memory account: `--demo-faults SPEC` and tests.
//!
//! SPEC is a comma-separated list of:
//! - `throttle-every=N`: every Nth call fails with `RequestLimitExceeded`;
//! - `fail=OP:CODE`: every call of OP fails with the AWS error CODE (repeatable);
//! - `unreachable=AFTER+FOR`: from AFTER seconds after start, for FOR seconds,
//!   every call fails as if the endpoint did not answer;
//! - `lose=OP` (associate, replace or disassociate): every call of OP is carried out but its answer is lost (the
//!   connection closes before it arrives), as after a network drop (repeatable).
//!
//! OP is one of `regions`, `instances`, `associations`, `profiles`, `associate`,
//! `replace`, `disassociate`, `identity`, `role`, `contain`, `history`, `journal`.

use std::time::Duration;

/// The operations of the cloud seam, named for fault specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Regions,
    Instances,
    Associations,
    Profiles,
    Associate,
    Replace,
    Disassociate,
    Identity,
    /// A role's policies (GetRole and the policy reads).
    Role,
    /// Containment's calls: tags, metadata options, Auto Scaling standby,
    /// DeleteRolePolicy.
    Contain,
    /// CloudTrail LookupEvents.
    History,
    /// The team journal's bucket (S3).
    Journal,
}

impl Op {
    pub const ALL: [Op; 12] = [
        Op::Regions,
        Op::Instances,
        Op::Associations,
        Op::Profiles,
        Op::Associate,
        Op::Replace,
        Op::Disassociate,
        Op::Identity,
        Op::Role,
        Op::Contain,
        Op::History,
        Op::Journal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::Regions => "regions",
            Op::Instances => "instances",
            Op::Associations => "associations",
            Op::Profiles => "profiles",
            Op::Associate => "associate",
            Op::Replace => "replace",
            Op::Disassociate => "disassociate",
            Op::Identity => "identity",
            Op::Role => "role",
            Op::Contain => "contain",
            Op::History => "history",
            Op::Journal => "journal",
        }
    }

    fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == s)
    }
}

/// Which faults the in-memory account injects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    pub throttle_every: Option<u64>,
    pub fail: Vec<(Op, String)>,
    /// (start after, duration), measured on the account's clock from its creation.
    pub unreachable: Option<(Duration, Duration)>,
    /// Operations whose answers are lost after they were carried out.
    pub lose: Vec<Op>,
}

/// A fault spec that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad --demo-faults spec '{}': {why}", crate::aws::text::escape(part))]
pub struct FaultSpecError {
    part: String,
    why: String,
}

impl FaultPlan {
    /// Parses a spec as documented in this module.
    pub fn parse(spec: &str) -> Result<Self, FaultSpecError> {
        let mut plan = FaultPlan::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let err = |why: &str| FaultSpecError {
                part: part.to_string(),
                why: why.to_string(),
            };
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| err("expected KEY=VALUE"))?;
            match key {
                "throttle-every" => {
                    let n: u64 = value.parse().map_err(|_| err("N must be a whole number"))?;
                    if n == 0 {
                        return Err(err("N must be at least 1"));
                    }
                    plan.throttle_every = Some(n);
                }
                "fail" => {
                    let (op, code) = value
                        .split_once(':')
                        .ok_or_else(|| err("expected fail=OP:CODE"))?;
                    let op = Op::parse(op).ok_or_else(|| {
                        err(&format!(
                            "OP must be one of {}",
                            Op::ALL.map(Op::name).join(", ")
                        ))
                    })?;
                    if code.is_empty() {
                        return Err(err("CODE must not be empty"));
                    }
                    plan.fail.push((op, code.to_string()));
                }
                "lose" => {
                    let op = Op::parse(value)
                        .filter(|op| matches!(op, Op::Associate | Op::Replace | Op::Disassociate))
                        .ok_or_else(|| err("OP must be associate, replace or disassociate"))?;
                    plan.lose.push(op);
                }
                "unreachable" => {
                    let (after, dur) = value
                        .split_once('+')
                        .ok_or_else(|| err("expected unreachable=AFTER+FOR (seconds)"))?;
                    let secs = |s: &str| {
                        s.trim_end_matches('s')
                            .parse::<u64>()
                            .map(Duration::from_secs)
                            .map_err(|_| err("AFTER and FOR must be whole seconds"))
                    };
                    plan.unreachable = Some((secs(after)?, secs(dur)?));
                }
                _ => {
                    return Err(err(
                        "unknown key (use throttle-every, fail, unreachable or lose)",
                    ));
                }
            }
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_fault() {
        let plan =
            FaultPlan::parse("throttle-every=3, fail=associate:AccessDenied,unreachable=10+5s")
                .unwrap();
        assert_eq!(plan.throttle_every, Some(3));
        assert_eq!(plan.fail, vec![(Op::Associate, "AccessDenied".to_string())]);
        assert_eq!(
            plan.unreachable,
            Some((Duration::from_secs(10), Duration::from_secs(5)))
        );
    }

    #[test]
    fn rejects_bad_specs_with_the_part_named() {
        for bad in [
            "throttle-every=0",
            "throttle-every=x",
            "fail=nope:X",
            "fail=associate",
            "unreachable=3",
            "bogus=1",
            "novalue",
        ] {
            let err = FaultPlan::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad.split(',').next().unwrap()), "{err}");
        }
    }
}
