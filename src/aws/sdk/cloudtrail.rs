//! CloudTrail's event history through the SDK (LookupEvents).

use std::time::SystemTime;

use aws_config::Region;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};

use super::SdkCloud;
use crate::aws::{ApiError, TrailEvent, TrailPage, actions};

/// LookupEvents answers at most this many events a page.
const PAGE: i32 = 50;

impl SdkCloud {
    /// A CloudTrail client for a region (made per call: event history is
    /// read a few pages at a time, at CloudTrail's pace).
    fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let builder = match &self.config {
            Some(c) => aws_sdk_cloudtrail::config::Builder::from(c),
            None => aws_sdk_cloudtrail::config::Builder::new(),
        };
        let mut builder = builder.region(Region::new(region.to_string()));
        if let Some(u) = super::service_endpoint("CloudTrail") {
            builder = builder.endpoint_url(u);
        }
        aws_sdk_cloudtrail::Client::from_conf(builder.build())
    }
}

pub(super) async fn lookup_events(
    cloud: &SdkCloud,
    region: &str,
    event_name: &str,
    start: SystemTime,
    end: SystemTime,
    next_token: Option<&str>,
) -> Result<TrailPage, ApiError> {
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value(event_name)
        .build()
        .map_err(|e| {
            ApiError::service(actions::LOOKUP_EVENTS, "InvalidParameter", e.to_string())
        })?;
    let answer = cloud
        .cloudtrail(region)
        .lookup_events()
        .lookup_attributes(attribute)
        .start_time(start.into())
        .end_time(end.into())
        .max_results(PAGE)
        .set_next_token(next_token.map(str::to_string))
        .send()
        .await
        .map_err(|e| cloud.err(actions::LOOKUP_EVENTS, e))?;
    Ok(TrailPage {
        events: answer
            .events()
            .iter()
            .map(|e| TrailEvent {
                id: e.event_id().unwrap_or_default().to_string(),
                name: e.event_name().unwrap_or_default().to_string(),
                time: super::time(e.event_time()),
                record: e.cloud_trail_event().unwrap_or_default().to_string(),
            })
            .collect(),
        next_token: answer
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string),
    })
}
