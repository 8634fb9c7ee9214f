//! The demo fleet: what the in-memory account starts with.
//!
//! `assets/demo/fleet.json` is built into the binary (so `--demo` works from any
//! directory) and parsed at start; `--demo-fleet-file` reads another file, and
//! `--demo-fleet N` generates N instances deterministically instead.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// The largest fleet the demo builds or loads (`--demo-fleet`, a fleet file).
pub const MAX_FLEET: usize = 100_000;
/// The largest fleet file read, in bytes; a bigger one (or `/dev/zero`) is refused.
pub const MAX_FLEET_FILE: u64 = 64 * 1024 * 1024;

/// The fleet shipped with rolecall.
pub const DEMO_FLEET_JSON: &str = include_str!("../../assets/demo/fleet.json");
/// The demo's second and third accounts (staging, and a production account).
const DEMO_STAGING_JSON: &str = include_str!("../../assets/demo/fleet-staging.json");
const DEMO_PAYMENTS_JSON: &str = include_str!("../../assets/demo/fleet-payments.json");

/// The config `--demo` uses when no `--config` is given, built in so that an
/// installed binary has it: the quarantine profile every demo account holds,
/// so `Q` works from the first minute. It names no accounts: the demo names
/// its own and marks its production one (`assets/demo/config.toml`, for the
/// README's incident walkthrough, marks the main account production too).
pub const DEMO_CONFIG_TOML: &str = "quarantine_profile = \"incident-quarantine\"\n";

/// The demo's accounts beyond the first: (fleet, name, production).
pub fn builtin_others() -> Result<Vec<(Fleet, &'static str, bool)>, FleetError> {
    Ok(vec![
        (
            Fleet::parse(DEMO_STAGING_JSON, "assets/demo/fleet-staging.json")?,
            "demo-staging",
            false,
        ),
        (
            Fleet::parse(DEMO_PAYMENTS_JSON, "assets/demo/fleet-payments.json")?,
            "payments-prod",
            true,
        ),
    ])
}

/// A whole account's starting state.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    pub account: String,
    pub caller_arn: String,
    pub profiles: Vec<FleetProfile>,
    /// Region name → instances in it.
    pub regions: BTreeMap<String, Vec<FleetInstance>>,
}

/// An instance profile and the role in it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FleetProfile {
    pub name: String,
    #[serde(default = "root_path")]
    pub path: String,
    /// The role inside the profile; profiles may be empty.
    pub role: Option<String>,
}

fn root_path() -> String {
    "/".to_string()
}

/// An instance and, optionally, the profile associated with it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FleetInstance {
    pub id: String,
    pub name: Option<String>,
    pub state: String,
    #[serde(rename = "type")]
    pub instance_type: String,
    /// Name of the associated profile.
    pub profile: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Changes of its profile CloudTrail recorded before the demo starts,
    /// oldest first; the last one that went through ends on `profile`.
    #[serde(default)]
    pub history: Vec<FleetEvent>,
}

/// A profile change in an instance's past (the demo's CloudTrail).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FleetEvent {
    /// `associate`, `replace` or `disassociate`.
    pub event: String,
    /// The profile it moved to (associate, replace).
    #[serde(default)]
    pub to: Option<String>,
    /// How long before the demo starts.
    pub hours_ago: f64,
    /// The caller's ARN.
    pub actor: String,
    pub source_ip: String,
    pub user_agent: String,
    /// An AWS error code: the call was refused and changed nothing.
    #[serde(default)]
    pub error: Option<String>,
}

/// A fleet file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("cannot read demo fleet {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("demo fleet {origin} is not valid: {why}")]
    Invalid { origin: String, why: String },
}

impl Fleet {
    /// The fleet built into the binary.
    pub fn builtin() -> Result<Self, FleetError> {
        Self::parse(DEMO_FLEET_JSON, "assets/demo/fleet.json")
    }

    /// Reads and checks a fleet file, reading no more than [`MAX_FLEET_FILE`]
    /// bytes of it (a device or a pipe that never ends is refused, not read).
    pub fn load(path: &Path) -> Result<Self, FleetError> {
        use std::io::Read;
        let shown = crate::aws::text::escape(&path.display().to_string());
        let read_error = |source| FleetError::Read {
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut bytes = Vec::new();
        file.take(MAX_FLEET_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        if bytes.len() as u64 > MAX_FLEET_FILE {
            return Err(FleetError::Invalid {
                origin: shown,
                why: format!(
                    "it is larger than {} MiB; a fleet file holds at most {MAX_FLEET} instances",
                    MAX_FLEET_FILE / (1024 * 1024)
                ),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| FleetError::Invalid {
            origin: shown.clone(),
            why: "it is not UTF-8 text".into(),
        })?;
        Self::parse(&text, &shown)
    }

    /// Parses fleet JSON and checks it is consistent (profiles referenced exist,
    /// instance ids are unique, states are real EC2 states).
    pub fn parse(text: &str, origin: &str) -> Result<Self, FleetError> {
        let invalid = |why: String| FleetError::Invalid {
            origin: origin.to_string(),
            why,
        };
        let fleet: Fleet = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let total: usize = fleet.regions.values().map(Vec::len).sum();
        if total > MAX_FLEET {
            return Err(invalid(format!(
                "it has {total} instances; the demo holds at most {MAX_FLEET}"
            )));
        }
        // Sets, not scans: checking must stay linear in the fleet's size.
        let profile_names: std::collections::HashSet<&str> =
            fleet.profiles.iter().map(|p| p.name.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        for (region, instances) in &fleet.regions {
            for inst in instances {
                if !seen.insert(inst.id.as_str()) {
                    return Err(invalid(format!("instance {} appears twice", inst.id)));
                }
                if !inst.id.starts_with("i-") {
                    return Err(invalid(format!(
                        "instance id {} in {region} does not start with i-",
                        inst.id
                    )));
                }
                const STATES: [&str; 6] = [
                    "pending",
                    "running",
                    "shutting-down",
                    "terminated",
                    "stopping",
                    "stopped",
                ];
                if !STATES.contains(&inst.state.as_str()) {
                    return Err(invalid(format!(
                        "instance {} has unknown state '{}'",
                        inst.id, inst.state
                    )));
                }
                if let Some(p) = &inst.profile
                    && !profile_names.contains(p.as_str())
                {
                    return Err(invalid(format!(
                        "instance {} uses profile '{p}', which is not in profiles",
                        inst.id
                    )));
                }
                check_history(inst, &profile_names).map_err(invalid)?;
            }
        }
        Ok(fleet)
    }

    /// A deterministic fleet of `instances` instances and `profiles` profiles over
    /// three regions, for trying rolecall at scale (`--demo-fleet N`).
    pub fn generated(instances: usize, profiles: usize) -> Self {
        const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
        const APPS: [&str; 12] = [
            "web", "api", "worker", "batch", "cache", "search", "ingest", "billing", "auth",
            "report", "etl", "gateway",
        ];
        const ENVS: [&str; 3] = ["prod", "staging", "dev"];
        const TYPES: [&str; 5] = [
            "t3.micro",
            "t3.large",
            "m6i.large",
            "c6i.xlarge",
            "r6g.large",
        ];
        let profiles = profiles.max(1);
        let fleet_profiles: Vec<FleetProfile> = (0..profiles)
            .map(|i| {
                let app = APPS[i % APPS.len()];
                let env = ENVS[(i / APPS.len()) % ENVS.len()];
                FleetProfile {
                    name: format!("{app}-{env}-{i:04}"),
                    path: if i % 4 == 0 {
                        "/service/".into()
                    } else {
                        "/".into()
                    },
                    role: Some(format!("{app}-{env}-role-{i:04}")),
                }
            })
            .collect();
        let mut regions: BTreeMap<String, Vec<FleetInstance>> = BTreeMap::new();
        let mut rng = SplitMix(0x5eed);
        for i in 0..instances {
            let region = REGIONS[i % REGIONS.len()];
            let app = APPS[(i / 3) % APPS.len()];
            let env = ENVS[(i / 7) % ENVS.len()];
            let r = rng.next_u64();
            let state = match r % 20 {
                0..=15 => "running",
                16..=18 => "stopped",
                _ => "pending",
            };
            let profile =
                (r % 10 < 6).then(|| fleet_profiles[(r as usize / 7) % profiles].name.clone());
            regions
                .entry(region.to_string())
                .or_default()
                .push(FleetInstance {
                    id: format!("i-{:017x}", 0x0a00_0000_0000_0000u64 + i as u64),
                    name: Some(format!("{app}-{env}-{i:05}")),
                    state: state.to_string(),
                    instance_type: TYPES[(r as usize / 3) % TYPES.len()].to_string(),
                    profile,
                    tags: BTreeMap::from([("team".to_string(), app.to_string())]),
                    history: Vec::new(),
                });
        }
        Fleet {
            account: "210987654321".into(),
            caller_arn: "arn:aws:sts::210987654321:assumed-role/OnCallOperator/demo".into(),
            profiles: fleet_profiles,
            regions,
        }
    }
}

/// An instance's history must tell a story AWS would allow, ending on the
/// profile it has.
fn check_history(
    inst: &FleetInstance,
    profiles: &std::collections::HashSet<&str>,
) -> Result<(), String> {
    let mut current: Option<&str> = None;
    let mut last_hours = f64::INFINITY;
    for (n, e) in inst.history.iter().enumerate() {
        let bad = |why: &str| format!("instance {}'s history: {} {why}", inst.id, e.event);
        // A century back at most: any more is no time a clock can hold.
        if !(e.hours_ago >= 0.0 && e.hours_ago <= last_hours && e.hours_ago <= 876_000.0) {
            return Err(bad(
                "is out of order (oldest first, hours_ago from 0 to 876000)",
            ));
        }
        last_hours = e.hours_ago;
        if let Some(to) = &e.to
            && !profiles.contains(to.as_str())
        {
            return Err(bad(&format!(
                "names profile '{to}', which is not in profiles"
            )));
        }
        let next = match (e.event.as_str(), current, e.to.as_deref()) {
            ("associate", None, Some(to)) => Some(to),
            ("replace", Some(_), Some(to)) => Some(to),
            // The first may replace or end the association it was launched
            // with (a refused one leaves it: known only as launched).
            ("replace", None, Some(to)) if n == 0 => {
                if e.error.is_some() {
                    current = inst.profile.as_deref();
                }
                Some(to)
            }
            ("disassociate", Some(_), None) => None,
            ("disassociate", None, None) if n == 0 => {
                if e.error.is_some() {
                    current = inst.profile.as_deref();
                }
                None
            }
            _ => {
                return Err(bad(
                    "does not follow (associate from none, replace or disassociate an association, `to` on associate and replace only)",
                ));
            }
        };
        if e.error.is_none() {
            current = next;
        }
    }
    if !inst.history.is_empty() && current != inst.profile.as_deref() {
        return Err(format!(
            "instance {}'s history ends on {}, not on its profile",
            inst.id,
            current.unwrap_or("no profile")
        ));
    }
    Ok(())
}

/// A small deterministic random number generator (SplitMix64): the demo must be
/// the same every run, and we need no more than this.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_fleet_matches_its_brief() {
        let fleet = Fleet::builtin().unwrap();
        assert_eq!(fleet.regions.len(), 3);
        let all: Vec<&FleetInstance> = fleet.regions.values().flatten().collect();
        assert!((70..=90).contains(&all.len()), "{}", all.len());
        let associated = all.iter().filter(|i| i.profile.is_some()).count();
        let share = associated as f64 / all.len() as f64;
        assert!((0.5..0.7).contains(&share), "{share}");
        for state in ["running", "stopped", "pending", "terminated"] {
            assert!(all.iter().any(|i| i.state == state), "no {state} instance");
        }
        assert!((18..=22).contains(&fleet.profiles.len()));
        assert!(fleet.profiles.iter().any(|p| p.path != "/"));
        assert!(
            fleet
                .profiles
                .iter()
                .any(|p| p.role.as_deref().is_some_and(|r| r != p.name))
        );
    }

    #[test]
    fn malformed_fleet_is_a_clear_error() {
        let err = Fleet::parse("{\"account\": 1}", "x.json")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("demo fleet x.json is not valid"), "{err}");
        let bad_ref = r#"{"account":"1","caller_arn":"a","profiles":[],
            "regions":{"us-east-1":[{"id":"i-1","name":null,"state":"running","type":"t3.micro","profile":"ghost"}]}}"#;
        let err = Fleet::parse(bad_ref, "y.json").unwrap_err().to_string();
        assert!(err.contains("ghost"), "{err}");
    }

    #[test]
    fn generated_fleet_is_deterministic_and_sized() {
        let a = Fleet::generated(1000, 50);
        let b = Fleet::generated(1000, 50);
        assert_eq!(a, b);
        assert_eq!(a.regions.values().map(Vec::len).sum::<usize>(), 1000);
        assert_eq!(a.profiles.len(), 50);
    }
}
