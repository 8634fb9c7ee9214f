//! EC2 through the SDK: regions, instances, and instance-profile associations
//! (read, associate, replace, disassociate).

use aws_sdk_ec2::operation::RequestId;
use aws_sdk_ec2::types::{IamInstanceProfileSpecification, InstanceStateName};
use aws_smithy_types::retry::RetryConfig;

use super::{SdkCloud, time};
use crate::aws::{
    ApiError, Association, AssociationState, ErrorKind, Instance, InstanceState, ProfileRef,
    ProfileSummary, actions,
};

/// DescribeRegions, asked of the configured region (or us-east-1).
pub(super) async fn regions(cloud: &SdkCloud) -> Result<Vec<String>, ApiError> {
    let region = cloud
        .configured_region()
        .unwrap_or_else(|| "us-east-1".to_string());
    let out = cloud
        .ec2(&region)
        .describe_regions()
        .send()
        .await
        .map_err(|e| cloud.err(actions::DESCRIBE_REGIONS, e))?;
    let mut names: Vec<String> = out
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// DescribeInstances, fully paginated.
pub(super) async fn instances(cloud: &SdkCloud, region: &str) -> Result<Vec<Instance>, ApiError> {
    let reservations = cloud
        .ec2(region)
        .describe_instances()
        .max_results(1000)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| cloud.err(actions::DESCRIBE_INSTANCES, e))?;
    Ok(reservations
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| instance(region, i))
        .collect())
}

/// DescribeIamInstanceProfileAssociations, fully paginated.
pub(super) async fn associations(
    cloud: &SdkCloud,
    region: &str,
) -> Result<Vec<Association>, ApiError> {
    let items = cloud
        .ec2(region)
        .describe_iam_instance_profile_associations()
        .max_results(1000)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| cloud.err(actions::DESCRIBE_ASSOCIATIONS, e))?;
    items
        .iter()
        .map(|a| association(actions::DESCRIBE_ASSOCIATIONS, a))
        .collect()
}

/// AssociateIamInstanceProfile, sent once.
pub(super) async fn associate(
    cloud: &SdkCloud,
    region: &str,
    instance_id: &str,
    profile: &ProfileRef,
) -> Result<Association, ApiError> {
    const A: &str = actions::ASSOCIATE;
    let out = cloud
        .ec2(region)
        .associate_iam_instance_profile()
        .instance_id(instance_id)
        .iam_instance_profile(profile_spec(profile))
        .customize()
        .config_override(no_retries())
        .send()
        .await
        .map_err(|e| cloud.err(A, e))?;
    answer_with_id(A, out.iam_instance_profile_association(), out.request_id())
}

/// ReplaceIamInstanceProfileAssociation, sent once.
pub(super) async fn replace(
    cloud: &SdkCloud,
    region: &str,
    association_id: &str,
    profile: &ProfileRef,
) -> Result<Association, ApiError> {
    const A: &str = actions::REPLACE;
    let out = cloud
        .ec2(region)
        .replace_iam_instance_profile_association()
        .association_id(association_id)
        .iam_instance_profile(profile_spec(profile))
        .customize()
        .config_override(no_retries())
        .send()
        .await
        .map_err(|e| cloud.err(A, e))?;
    answer_with_id(A, out.iam_instance_profile_association(), out.request_id())
}

/// DisassociateIamInstanceProfile, sent once.
pub(super) async fn disassociate(
    cloud: &SdkCloud,
    region: &str,
    association_id: &str,
) -> Result<Association, ApiError> {
    const A: &str = actions::DISASSOCIATE;
    let out = cloud
        .ec2(region)
        .disassociate_iam_instance_profile()
        .association_id(association_id)
        .customize()
        .config_override(no_retries())
        .send()
        .await
        .map_err(|e| cloud.err(A, e))?;
    answer_with_id(A, out.iam_instance_profile_association(), out.request_id())
}

/// Changes are never re-sent by the SDK: a retry after a lost answer could
/// act twice, or fail against what the first attempt did. The executor retries
/// only what AWS says it did not run (throttling) and re-reads after a lost answer.
fn no_retries() -> aws_sdk_ec2::config::Builder {
    aws_sdk_ec2::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// The association a mutation answered with; its absence is a malformed answer.
fn answered(
    action: &'static str,
    a: Option<&aws_sdk_ec2::types::IamInstanceProfileAssociation>,
) -> Result<Association, ApiError> {
    let a = a.ok_or_else(|| ApiError {
        kind: ErrorKind::Other,
        action,
        code: None,
        message: "the response carried no association".into(),
        request_id: None,
        profile: None,
    })?;
    association(action, a)
}

/// A change's answer, with its request id kept.
fn answer_with_id(
    action: &'static str,
    a: Option<&aws_sdk_ec2::types::IamInstanceProfileAssociation>,
    request_id: Option<&str>,
) -> Result<Association, ApiError> {
    let mut association = answered(action, a)?;
    association.request_id = request_id.map(str::to_string);
    Ok(association)
}

fn profile_spec(profile: &ProfileRef) -> IamInstanceProfileSpecification {
    let b = IamInstanceProfileSpecification::builder();
    match profile {
        ProfileRef::Name(n) => b.name(n),
        ProfileRef::Arn(a) => b.arn(a),
    }
    .build()
}

fn association(
    action: &'static str,
    a: &aws_sdk_ec2::types::IamInstanceProfileAssociation,
) -> Result<Association, ApiError> {
    let malformed = |what: &str| ApiError {
        kind: ErrorKind::Other,
        action,
        code: None,
        message: format!("the response has an association without {what}"),
        request_id: None,
        profile: None,
    };
    let state = a
        .state()
        .and_then(|s| AssociationState::parse(s.as_str()))
        .ok_or_else(|| malformed("a known state"))?;
    let profile = a
        .iam_instance_profile()
        .ok_or_else(|| malformed("a profile"))?;
    Ok(Association {
        id: a
            .association_id()
            .ok_or_else(|| malformed("an id"))?
            .to_string(),
        instance_id: a
            .instance_id()
            .ok_or_else(|| malformed("an instance id"))?
            .to_string(),
        state,
        profile: ProfileSummary::new(
            profile.arn().unwrap_or_default(),
            profile.id().unwrap_or_default(),
        ),
        timestamp: time(a.timestamp()),
        request_id: None,
    })
}

fn instance(region: &str, i: &aws_sdk_ec2::types::Instance) -> Option<Instance> {
    let id = i.instance_id()?.to_string();
    let tags: Vec<(String, String)> = i
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let name = tags
        .iter()
        .find(|(k, _)| k == "Name")
        .map(|(_, v)| v.clone());
    let state = i
        .state()
        .and_then(|s| s.name())
        .map(InstanceStateName::as_str)
        .unwrap_or("unknown");
    Some(Instance {
        account: String::new(),
        region: region.to_string(),
        id,
        name,
        state: InstanceState::parse(state),
        instance_type: i
            .instance_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        launch_time: time(i.launch_time()),
        tags,
    })
}
