//! The SDK adapter against AWS-shaped responses moto cannot give: transitional
//! states, timestamps, IAM pagination, and error codes.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_ec2::config::Credentials;
use aws_sdk_ec2::types::{
    IamInstanceProfile, IamInstanceProfileAssociation, IamInstanceProfileAssociationState,
};
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use aws_smithy_types::DateTime;
use rolecall::aws::sdk::SdkCloud;
use rolecall::aws::{AssociationState, Cloud, ErrorKind};

fn creds() -> Credentials {
    Credentials::new("testing", "testing", None, None, "mock")
}

fn interceptor(rules: &[&Rule]) -> MockResponseInterceptor {
    let mut i = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
    for r in rules {
        i = i.with_rule(r);
    }
    i
}

fn cloud(ec2_rules: &[&Rule], iam_rules: &[&Rule]) -> SdkCloud {
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(creds())
            .http_client(create_mock_http_client())
            .interceptor(interceptor(ec2_rules))
            .build(),
    );
    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(creds())
            .http_client(create_mock_http_client())
            .interceptor(interceptor(iam_rules))
            .build(),
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(creds())
            .http_client(create_mock_http_client())
            .interceptor(interceptor(&[]))
            .build(),
    );
    SdkCloud::from_clients(ec2, iam, sts)
}

fn assoc(
    id: &str,
    state: IamInstanceProfileAssociationState,
    ts: i64,
) -> IamInstanceProfileAssociation {
    IamInstanceProfileAssociation::builder()
        .association_id(id)
        .instance_id("i-0123456789abcdef0")
        .state(state)
        .timestamp(DateTime::from_secs(ts))
        .iam_instance_profile(
            IamInstanceProfile::builder()
                .arn("arn:aws:iam::123456789012:instance-profile/service/web")
                .id("AIPAEXAMPLE")
                .build(),
        )
        .build()
}

#[tokio::test]
async fn transitional_states_and_timestamps_are_kept() {
    let page1 = mock!(aws_sdk_ec2::Client::describe_iam_instance_profile_associations)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            aws_sdk_ec2::operation::describe_iam_instance_profile_associations::DescribeIamInstanceProfileAssociationsOutput::builder()
                .iam_instance_profile_associations(assoc("iip-assoc-1", IamInstanceProfileAssociationState::Associating, 1_790_000_000))
                .next_token("page-2")
                .build()
        });
    let page2 = mock!(aws_sdk_ec2::Client::describe_iam_instance_profile_associations)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            aws_sdk_ec2::operation::describe_iam_instance_profile_associations::DescribeIamInstanceProfileAssociationsOutput::builder()
                .iam_instance_profile_associations(assoc("iip-assoc-2", IamInstanceProfileAssociationState::Disassociating, 1_790_000_100))
                .build()
        });
    let c = cloud(&[&page1, &page2], &[]);
    let list = c.associations("us-east-1").await.unwrap();
    assert_eq!(list.len(), 2, "both pages were read");
    assert_eq!(list[0].state, AssociationState::Associating);
    assert_eq!(list[1].state, AssociationState::Disassociating);
    assert_eq!(list[0].profile.name, "web");
    assert_eq!(
        list[0].timestamp,
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000))
    );
    assert_eq!(page1.num_calls(), 1);
    assert_eq!(page2.num_calls(), 1);
}

fn iam_profile(name: &str) -> aws_sdk_iam::types::InstanceProfile {
    aws_sdk_iam::types::InstanceProfile::builder()
        .instance_profile_name(name)
        .instance_profile_id(format!("AIPA{name}"))
        .arn(format!("arn:aws:iam::123456789012:instance-profile/{name}"))
        .path("/")
        .create_date(DateTime::from_secs(1_700_000_000))
        .roles(
            aws_sdk_iam::types::Role::builder()
                .role_name(format!("{name}-role"))
                .role_id("AROA")
                .arn(format!("arn:aws:iam::123456789012:role/{name}-role"))
                .path("/")
                .create_date(DateTime::from_secs(1_700_000_000))
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn iam_profiles_follow_marker_pagination() {
    use aws_sdk_iam::operation::list_instance_profiles::ListInstanceProfilesOutput;
    let first = mock!(aws_sdk_iam::Client::list_instance_profiles)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            ListInstanceProfilesOutput::builder()
                .instance_profiles(iam_profile("a"))
                .instance_profiles(iam_profile("b"))
                .is_truncated(true)
                .marker("m1")
                .build()
                .unwrap()
        });
    let second = mock!(aws_sdk_iam::Client::list_instance_profiles)
        .match_requests(|r| r.marker() == Some("m1"))
        .then_output(|| {
            ListInstanceProfilesOutput::builder()
                .instance_profiles(iam_profile("c"))
                .is_truncated(false)
                .build()
                .unwrap()
        });
    let c = cloud(&[], &[&first, &second]);
    let profiles = c.instance_profiles().await.unwrap();
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(profiles[2].roles[0].name, "c-role");
    assert!(profiles[0].created.is_some());
}

#[tokio::test]
async fn service_errors_keep_code_and_name_the_action() {
    let denied = mock!(aws_sdk_ec2::Client::associate_iam_instance_profile).then_error(|| {
        aws_sdk_ec2::operation::associate_iam_instance_profile::AssociateIamInstanceProfileError::generic(
            aws_sdk_ec2::error::ErrorMetadata::builder()
                .code("UnauthorizedOperation")
                .message("You are not authorized to perform this operation.")
                .build(),
        )
    });
    let c = cloud(&[&denied], &[]);
    let e = c
        .associate(
            "us-east-1",
            "i-0123456789abcdef0",
            &rolecall::aws::ProfileRef::Name("web".into()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Service);
    assert_eq!(e.code(), Some("UnauthorizedOperation"));
    let s = e.sentence();
    assert!(s.contains("ec2:AssociateIamInstanceProfile"), "{s}");
    assert!(s.contains("not allowed"), "{s}");
    assert!(!s.contains('\n'));
}

#[tokio::test]
async fn replace_answers_the_new_association() {
    let replaced = mock!(aws_sdk_ec2::Client::replace_iam_instance_profile_association)
        .match_requests(|r| r.association_id() == Some("iip-assoc-old"))
        .then_output(|| {
            aws_sdk_ec2::operation::replace_iam_instance_profile_association::ReplaceIamInstanceProfileAssociationOutput::builder()
                .iam_instance_profile_association(assoc("iip-assoc-new", IamInstanceProfileAssociationState::Associating, 1_790_000_000))
                .build()
        });
    let c = cloud(&[&replaced], &[]);
    let a = c
        .replace(
            "us-east-1",
            "iip-assoc-old",
            &rolecall::aws::ProfileRef::Name("web".into()),
        )
        .await
        .unwrap();
    assert_eq!(a.id, "iip-assoc-new");
    assert_eq!(a.state, AssociationState::Associating);
}
