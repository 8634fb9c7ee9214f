//! The in-memory account's bucket `demo`, for `--demo --journal s3://demo/…`:
//! conditional writes as S3 does them, listing in key order, 1,000 a page.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::{MemoryAccount, lock};
use crate::aws::faults::Op;
use crate::aws::{ApiError, ListPage, ObjectStore, actions};

/// The one bucket the demo account has.
pub const DEMO_BUCKET: &str = "demo";

/// ListObjectsV2's page.
const PAGE: usize = 1000;

/// The objects of the account's bucket, by key: bytes, and when written.
pub(super) type Objects = Arc<Mutex<BTreeMap<String, (Vec<u8>, std::time::SystemTime)>>>;

/// The account's bucket: its objects, the account's latency, and the
/// `fail=journal:CODE` fault in force when it was opened.
struct MemoryBucket {
    objects: Objects,
    delay: Duration,
    fail: Option<String>,
}

impl MemoryBucket {
    async fn enter(&self, action: &'static str) -> Result<(), ApiError> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        match &self.fail {
            Some(code) => Err(ApiError::service(action, code, "injected fault on journal")),
            None => Ok(()),
        }
    }
}

pub(super) async fn object_store(
    account: &MemoryAccount,
    bucket: &str,
) -> Result<Arc<dyn ObjectStore>, ApiError> {
    // Found even where `fail=journal` refuses the objects: a refused write
    // is what that fault is for.
    if !account.latency.min.is_zero() {
        tokio::time::sleep(account.latency.min).await;
    }
    if bucket != DEMO_BUCKET {
        return Err(ApiError::service(
            actions::GET_BUCKET_LOCATION,
            "NoSuchBucket",
            format!("The specified bucket does not exist ({bucket}; the demo has `{DEMO_BUCKET}`)"),
        ));
    }
    let fail = lock(&account.world)
        .faults
        .fail
        .iter()
        .find(|(op, _)| *op == Op::Journal)
        .map(|(_, code)| code.clone());
    Ok(Arc::new(MemoryBucket {
        objects: account.objects.clone(),
        delay: account.latency.min,
        fail,
    }))
}

#[async_trait]
impl ObjectStore for MemoryBucket {
    async fn put_new(&self, key: &str, body: Vec<u8>) -> Result<bool, ApiError> {
        self.enter(actions::PUT_OBJECT).await?;
        let mut objects = lock(&self.objects);
        if objects.contains_key(key) {
            return Ok(false);
        }
        objects.insert(key.to_string(), (body, std::time::SystemTime::now()));
        Ok(true)
    }

    async fn list(&self, prefix: &str, token: Option<&str>) -> Result<ListPage, ApiError> {
        self.enter(actions::LIST_BUCKET).await?;
        let objects = lock(&self.objects);
        let keys: Vec<(String, Option<std::time::SystemTime>)> = objects
            .iter()
            .filter(|(k, _)| k.starts_with(prefix) && token.is_none_or(|t| k.as_str() > t))
            .take(PAGE + 1)
            .map(|(k, (_, at))| (k.clone(), Some(*at)))
            .collect();
        let next = (keys.len() > PAGE).then(|| keys[PAGE - 1].0.clone());
        Ok((keys.into_iter().take(PAGE).collect(), next))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, ApiError> {
        self.enter(actions::GET_OBJECT).await?;
        lock(&self.objects)
            .get(key)
            .map(|(b, _)| b.clone())
            .ok_or_else(|| {
                ApiError::service(
                    actions::GET_OBJECT,
                    "NoSuchKey",
                    "The specified key does not exist.",
                )
            })
    }
}
