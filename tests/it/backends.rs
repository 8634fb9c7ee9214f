//! The two backends behind one fixture: the SDK adapter on moto, and the
//! in-memory account on a manual clock. Contract tests take a [`World`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rolecall::aws::Cloud;
use rolecall::aws::fleet::Fleet;
use rolecall::aws::memory::{ManualClock, MemoryAccount, MemoryOptions};
use serde_json::{Value, json};

use crate::moto::Moto;

/// A seeded account and how to reach it.
pub struct World {
    pub cloud: Arc<dyn Cloud>,
    pub clock: Option<Arc<ManualClock>>,
    pub moto: Option<Moto>,
    /// Instance Name → (region, id).
    pub instances: BTreeMap<String, (String, String)>,
    /// Profile name → ARN.
    pub profiles: BTreeMap<String, String>,
}

impl World {
    /// Lets transitional states settle (a no-op on moto, which has none).
    pub fn settle(&self) {
        if let Some(c) = &self.clock {
            c.advance(Duration::from_secs(60));
        }
    }

    pub fn id(&self, name: &str) -> String {
        self.instances[name].1.clone()
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Memory,
    Moto,
}

/// The standard contract fleet: two regions, three profiles, one stopped instance.
pub fn standard_spec() -> Value {
    json!({
        "profiles": [
            {"name": "web", "role": "web-role", "path": "/"},
            {"name": "api", "role": "api-server-role", "path": "/service/"},
            {"name": "batch", "role": "batch-role", "path": "/"}
        ],
        "regions": {
            "us-east-1": [
                {"name": "web-1", "profile": "web"},
                {"name": "web-2"},
                {"name": "stopped-1", "profile": "api", "state": "stopped"}
            ],
            "eu-west-1": [
                {"name": "api-1", "profile": "api"}
            ]
        }
    })
}

pub fn world(kind: Kind, spec: &Value) -> World {
    match kind {
        Kind::Moto => {
            let moto = Moto::start();
            let made = moto.seed(spec);
            let mut instances = BTreeMap::new();
            for (region, list) in spec["regions"].as_object().unwrap() {
                for (n, inst) in list.as_array().unwrap().iter().enumerate() {
                    let id = made["instances"][region][n].as_str().unwrap().to_string();
                    if let Some(name) = inst["name"].as_str() {
                        instances.insert(name.to_string(), (region.clone(), id));
                    }
                }
            }
            let profiles = made["profiles"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            World {
                cloud: Arc::new(moto.cloud()),
                clock: None,
                moto: Some(moto),
                instances,
                profiles,
            }
        }
        Kind::Memory => {
            let fleet = fleet_from_spec(spec);
            let clock = Arc::new(ManualClock::new());
            let account = Arc::new(MemoryAccount::new(
                &fleet,
                MemoryOptions::test(clock.clone()),
            ));
            let mut instances = BTreeMap::new();
            for (region, list) in &fleet.regions {
                for i in list {
                    if let Some(n) = &i.name {
                        instances.insert(n.clone(), (region.clone(), i.id.clone()));
                    }
                }
            }
            let profiles = fleet
                .profiles
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        format!(
                            "arn:aws:iam::{}:instance-profile{}{}",
                            fleet.account, p.path, p.name
                        ),
                    )
                })
                .collect();
            World {
                cloud: account.clone(),
                clock: Some(clock),
                moto: None,
                instances,
                profiles,
            }
        }
    }
}

/// The same spec as an in-memory fleet.
pub fn fleet_from_spec(spec: &Value) -> Fleet {
    let mut n = 0u64;
    let mut regions = serde_json::Map::new();
    for (region, list) in spec["regions"].as_object().unwrap() {
        let items: Vec<Value> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                n += 1;
                let mut tags = serde_json::Map::new();
                if let Some(g) = i["group"].as_str() {
                    tags.insert("aws:autoscaling:groupName".into(), json!(g));
                }
                json!({
                    "id": format!("i-{:017x}", 0xabc00 + n),
                    "name": i["name"],
                    "state": i["state"].as_str().unwrap_or("running"),
                    "type": "t3.micro",
                    "profile": i["profile"],
                    "tags": tags,
                })
            })
            .collect();
        regions.insert(region.clone(), Value::Array(items));
    }
    let fleet = json!({
        "account": "123456789012",
        "caller_arn": "arn:aws:sts::123456789012:user/moto",
        "profiles": spec["profiles"],
        "regions": regions,
    });
    Fleet::parse(&fleet.to_string(), "test spec").unwrap()
}

/// Declares a contract test that runs on both backends.
#[macro_export]
macro_rules! contract {
    ($name:ident, $spec:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn on_memory() {
                super::$name($crate::backends::world(
                    $crate::backends::Kind::Memory,
                    &$spec,
                ))
                .await;
            }
            #[tokio::test]
            async fn on_moto() {
                super::$name($crate::backends::world(
                    $crate::backends::Kind::Moto,
                    &$spec,
                ))
                .await;
            }
        }
    };
}

/// The profile each instance has now, as the API tells it, keyed by instance id
/// and by Name. For tests that check what a change did from outside.
pub fn profiles_now(w: &World) -> BTreeMap<String, Option<String>> {
    let regions: Vec<String> = ["us-east-1", "eu-west-1"].map(String::from).to_vec();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rows = rt
        .block_on(rolecall::core::inventory::fetch(w.cloud.as_ref(), &regions))
        .unwrap();
    let mut out = BTreeMap::new();
    for r in rows {
        let profile = r.association.as_ref().map(|a| a.profile.name.clone());
        if let Some(name) = &r.instance.name {
            out.insert(name.clone(), profile.clone());
        }
        out.insert(r.instance.id.clone(), profile);
    }
    out
}
