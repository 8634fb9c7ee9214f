//! The team journal's bucket through the SDK: its region found with
//! GetBucketLocation, records written with `If-None-Match: *`, listed with
//! ListObjectsV2 and read with GetObject.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::Region;
use aws_sdk_s3::primitives::ByteStream;

use super::SdkCloud;
use crate::aws::{ApiError, ListPage, ObjectStore, actions};

/// The most a record object may hold (no record comes close).
const MAX_OBJECT: i64 = 1 << 20;

/// One bucket, in its own region.
struct SdkBucket {
    client: aws_sdk_s3::Client,
    bucket: String,
    profile: Option<String>,
}

impl SdkCloud {
    /// An S3 client for a region: path-style addressing when an endpoint is
    /// set (a local S3 such as moto has no per-bucket host names).
    fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let builder = match &self.config {
            Some(c) => aws_sdk_s3::config::Builder::from(c),
            None => aws_sdk_s3::config::Builder::new(),
        };
        let mut builder = builder.region(Region::new(region.to_string()));
        let own = super::service_endpoint("S3");
        let overridden = own.is_some()
            || self
                .config
                .as_ref()
                .and_then(|c| c.endpoint_url())
                .is_some();
        if let Some(u) = own {
            builder = builder.endpoint_url(u);
        }
        if overridden {
            builder = builder.force_path_style(true);
        }
        aws_sdk_s3::Client::from_conf(builder.build())
    }
}

/// The bucket, once its region is known.
pub(super) async fn object_store(
    cloud: &SdkCloud,
    bucket: &str,
) -> Result<Arc<dyn ObjectStore>, ApiError> {
    // Asked in the session's own region (another partition has no
    // us-east-1), else in us-east-1.
    let asked_in = cloud
        .configured_region()
        .unwrap_or_else(|| super::DEFAULT_SIGNING_REGION.to_string());
    let location = cloud
        .s3(&asked_in)
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| cloud.err(actions::GET_BUCKET_LOCATION, e))?;
    // No constraint: us-east-1; `EU`: the old name of eu-west-1.
    let region = match location.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    };
    Ok(Arc::new(SdkBucket {
        client: cloud.s3(&region),
        bucket: bucket.to_string(),
        profile: cloud.profile.clone(),
    }))
}

impl SdkBucket {
    fn err<E, R>(&self, action: &'static str, e: aws_sdk_s3::error::SdkError<E, R>) -> ApiError
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
        aws_sdk_s3::error::SdkError<E, R>: aws_sdk_s3::operation::RequestId,
    {
        ApiError {
            profile: self.profile.clone(),
            ..super::api_error(action, e)
        }
    }
}

#[async_trait]
impl ObjectStore for SdkBucket {
    async fn put_new(&self, key: &str, body: Vec<u8>) -> Result<bool, ApiError> {
        let sent = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .if_none_match("*")
            .body(ByteStream::from(body))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = self.err(actions::PUT_OBJECT, e);
                if e.code() == Some("PreconditionFailed") {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }

    async fn list(&self, prefix: &str, token: Option<&str>) -> Result<ListPage, ApiError> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            // Keys come URL-encoded: one with a control character is still
            // well-formed XML (and is decoded below).
            .encoding_type(aws_sdk_s3::types::EncodingType::Url)
            .set_continuation_token(token.map(str::to_string))
            .send()
            .await
            .map_err(|e| self.err(actions::LIST_BUCKET, e))?;
        Ok((
            page.contents()
                .iter()
                .filter_map(|o| {
                    let key = percent_encoding::percent_decode_str(o.key()?)
                        .decode_utf8()
                        .ok()?
                        .into_owned();
                    Some((key, super::time(o.last_modified())))
                })
                .collect(),
            page.next_continuation_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        ))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, ApiError> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.err(actions::GET_OBJECT, e))?;
        if object.content_length().is_some_and(|n| n > MAX_OBJECT) {
            return Err(ApiError::service(
                actions::GET_OBJECT,
                "TooLarge",
                format!("{key} is larger than a journal record can be"),
            ));
        }
        let body = object.body.collect().await.map_err(|e| ApiError {
            kind: crate::aws::ErrorKind::Unreachable,
            action: actions::GET_OBJECT,
            code: None,
            message: format!("the object's body was cut off: {e}"),
            request_id: None,
            profile: self.profile.clone(),
        })?;
        Ok(body.into_bytes().to_vec())
    }
}
