//! Containment's calls through the SDK: EC2 tags and metadata options, Auto
//! Scaling standby, IAM DeleteRolePolicy.

use aws_config::Region;
use aws_sdk_ec2::types::{HttpTokensState, Tag};

use super::SdkCloud;
use crate::aws::{ApiError, actions};

impl SdkCloud {
    /// An Auto Scaling client for a region (made per call: containment is rare).
    fn autoscaling(&self, region: &str) -> aws_sdk_autoscaling::Client {
        let builder = match &self.config {
            Some(c) => aws_sdk_autoscaling::config::Builder::from(c),
            None => aws_sdk_autoscaling::config::Builder::new(),
        };
        let mut builder = builder.region(Region::new(region.to_string()));
        if let Some(u) = super::service_endpoint("Auto Scaling") {
            builder = builder.endpoint_url(u);
        }
        aws_sdk_autoscaling::Client::from_conf(builder.build())
    }
}

pub(super) async fn delete_role_policy(
    cloud: &SdkCloud,
    role_name: &str,
    policy_name: &str,
) -> Result<(), ApiError> {
    cloud
        .iam
        .delete_role_policy()
        .role_name(role_name)
        .policy_name(policy_name)
        .send()
        .await
        .map_err(|e| cloud.err(actions::DELETE_ROLE_POLICY, e))?;
    Ok(())
}

pub(super) async fn create_tag(
    cloud: &SdkCloud,
    region: &str,
    instance_id: &str,
    key: &str,
    value: &str,
) -> Result<(), ApiError> {
    cloud
        .ec2(region)
        .create_tags()
        .resources(instance_id)
        .tags(Tag::builder().key(key).value(value).build())
        .send()
        .await
        .map_err(|e| cloud.err(actions::CREATE_TAGS, e))?;
    Ok(())
}

pub(super) async fn delete_tag(
    cloud: &SdkCloud,
    region: &str,
    instance_id: &str,
    key: &str,
) -> Result<(), ApiError> {
    cloud
        .ec2(region)
        .delete_tags()
        .resources(instance_id)
        .tags(Tag::builder().key(key).build())
        .send()
        .await
        .map_err(|e| cloud.err(actions::DELETE_TAGS, e))?;
    Ok(())
}

pub(super) async fn http_tokens(
    cloud: &SdkCloud,
    region: &str,
    instance_id: &str,
) -> Result<String, ApiError> {
    let out = cloud
        .ec2(region)
        .describe_instances()
        .instance_ids(instance_id)
        .send()
        .await
        .map_err(|e| cloud.err(actions::DESCRIBE_INSTANCES, e))?;
    let tokens = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .find(|i| i.instance_id() == Some(instance_id))
        .and_then(|i| i.metadata_options())
        .and_then(|m| m.http_tokens())
        .map(|t| t.as_str().to_string());
    // An instance that says nothing of it has the default.
    Ok(tokens.unwrap_or_else(|| "optional".into()))
}

pub(super) async fn set_http_tokens(
    cloud: &SdkCloud,
    region: &str,
    instance_id: &str,
    tokens: &str,
) -> Result<(), ApiError> {
    cloud
        .ec2(region)
        .modify_instance_metadata_options()
        .instance_id(instance_id)
        .http_tokens(HttpTokensState::from(tokens))
        .send()
        .await
        .map_err(|e| cloud.err(actions::MODIFY_METADATA_OPTIONS, e))?;
    Ok(())
}

pub(super) async fn scaling_group(
    cloud: &SdkCloud,
    region: &str,
    instance_id: &str,
) -> Result<Option<(String, String)>, ApiError> {
    let out = cloud
        .autoscaling(region)
        .describe_auto_scaling_instances()
        .instance_ids(instance_id)
        .send()
        .await
        .map_err(|e| cloud.err(actions::DESCRIBE_SCALING_INSTANCES, e))?;
    Ok(out
        .auto_scaling_instances()
        .iter()
        .find(|i| i.instance_id() == Some(instance_id))
        .and_then(|i| {
            Some((
                i.auto_scaling_group_name()?.to_string(),
                i.lifecycle_state().unwrap_or_default().to_string(),
            ))
        }))
}

pub(super) async fn set_standby(
    cloud: &SdkCloud,
    region: &str,
    group: &str,
    instance_id: &str,
    standby: bool,
) -> Result<(), ApiError> {
    let client = cloud.autoscaling(region);
    if standby {
        client
            .enter_standby()
            .auto_scaling_group_name(group)
            .instance_ids(instance_id)
            .should_decrement_desired_capacity(true)
            .send()
            .await
            .map_err(|e| cloud.err(actions::ENTER_STANDBY, e))?;
    } else {
        client
            .exit_standby()
            .auto_scaling_group_name(group)
            .instance_ids(instance_id)
            .send()
            .await
            .map_err(|e| cloud.err(actions::EXIT_STANDBY, e))?;
    }
    Ok(())
}
