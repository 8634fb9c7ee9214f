//! The cloud seam: our own domain types and the one trait both backends implement.
//!
//! SDK types never leave `sdk/`; everything above this module speaks these types.

pub mod faults;
pub mod fleet;
pub mod memory;
pub mod sdk;
pub mod text;

use std::fmt;
use std::time::SystemTime;

use async_trait::async_trait;

/// The lifecycle state of an EC2 instance, as DescribeInstances reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InstanceState {
    Pending,
    Running,
    ShuttingDown,
    Terminated,
    Stopping,
    Stopped,
    Other(String),
}

impl InstanceState {
    /// Parses the API's lowercase state name; unknown names are kept verbatim.
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "shutting-down" => Self::ShuttingDown,
            "terminated" => Self::Terminated,
            "stopping" => Self::Stopping,
            "stopped" => Self::Stopped,
            other => Self::Other(other.to_string()),
        }
    }

    /// The API's name for the state.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::ShuttingDown => "shutting-down",
            Self::Terminated => "terminated",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Other(s) => s,
        }
    }

    /// AWS only attaches or detaches profiles on running or stopped instances.
    pub fn accepts_profile_changes(&self) -> bool {
        matches!(self, Self::Running | Self::Stopped)
    }
}

impl fmt::Display for InstanceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An EC2 instance in one region.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The session's key for the account holding it (see `session::Account`);
    /// backends leave it empty and the session stamps it.
    pub account: String,
    pub region: String,
    pub id: String,
    /// The `Name` tag, when there is one.
    pub name: Option<String>,
    pub state: InstanceState,
    pub instance_type: String,
    pub launch_time: Option<SystemTime>,
    pub tags: Vec<(String, String)>,
}

/// The state of an instance-profile association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssociationState {
    Associating,
    Associated,
    Disassociating,
    Disassociated,
}

impl AssociationState {
    /// Parses the API's state name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "associating" => Some(Self::Associating),
            "associated" => Some(Self::Associated),
            "disassociating" => Some(Self::Disassociating),
            "disassociated" => Some(Self::Disassociated),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Associating => "associating",
            Self::Associated => "associated",
            Self::Disassociating => "disassociating",
            Self::Disassociated => "disassociated",
        }
    }

    /// True while AWS is still moving the association somewhere.
    pub fn is_transitional(self) -> bool {
        matches!(self, Self::Associating | Self::Disassociating)
    }

    /// True when this association is (or is becoming) the instance's profile.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Associating | Self::Associated)
    }
}

impl fmt::Display for AssociationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The profile an association points at, as DescribeIamInstanceProfileAssociations gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    pub arn: String,
    pub id: String,
    /// Derived from the ARN (the last path segment).
    pub name: String,
}

impl ProfileSummary {
    pub fn new(arn: impl Into<String>, id: impl Into<String>) -> Self {
        let arn = arn.into();
        let name = profile_name_from_arn(&arn).to_string();
        Self {
            arn,
            id: id.into(),
            name,
        }
    }
}

/// `arn:aws:iam::123:instance-profile/path/name` → `name`.
pub fn profile_name_from_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// One IAM instance profile association of an EC2 instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    pub id: String,
    pub instance_id: String,
    pub state: AssociationState,
    pub profile: ProfileSummary,
    pub timestamp: Option<SystemTime>,
    /// The request id of the answer that carried it, for a change's answer
    /// (the journal keeps it); `None` for associations read by a describe.
    pub request_id: Option<String>,
}

/// A role inside an instance profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub arn: String,
}

/// An IAM instance profile (global to the account).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceProfile {
    /// The session's key for the account holding it (see `session::Account`);
    /// backends leave it empty and the session stamps it.
    pub account: String,
    pub name: String,
    pub arn: String,
    pub id: String,
    pub path: String,
    pub roles: Vec<Role>,
    pub created: Option<SystemTime>,
}

/// Who the credentials belong to (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// How a request names an instance profile: AWS accepts either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileRef {
    Name(String),
    Arn(String),
}

impl ProfileRef {
    /// A string starting with `arn:` is an ARN, anything else a name.
    pub fn parse(s: &str) -> Self {
        if s.starts_with("arn:") {
            Self::Arn(s.to_string())
        } else {
            Self::Name(s.to_string())
        }
    }

    /// True when `profile` is the one this reference names.
    pub fn matches(&self, profile: &InstanceProfile) -> bool {
        match self {
            Self::Name(n) => &profile.name == n,
            Self::Arn(a) => &profile.arn == a,
        }
    }
}

impl fmt::Display for ProfileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(s) | Self::Arn(s) => f.write_str(s),
        }
    }
}

/// Where a policy comes from on a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyKind {
    Managed,
    Inline,
    Boundary,
    /// The role's trust policy: who may assume it (not a permission).
    Trust,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Managed => "managed",
            PolicyKind::Inline => "inline",
            PolicyKind::Boundary => "boundary",
            PolicyKind::Trust => "trust",
        }
    }
}

/// One policy of a role, with its document as AWS gave it (parsed above
/// the seam, in `core::policy`).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    /// Managed and boundary policies have one.
    pub arn: Option<String>,
    pub kind: PolicyKind,
    /// The document: raw JSON, or percent-encoded JSON.
    pub document: String,
}

/// One CloudTrail management event, as LookupEvents gives it: the record
/// itself stays raw JSON (parsed above the seam, in `core::history`).
#[derive(Debug, Clone, PartialEq)]
pub struct TrailEvent {
    pub id: String,
    pub name: String,
    pub time: Option<SystemTime>,
    /// The `CloudTrailEvent` document.
    pub record: String,
}

/// One page of LookupEvents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrailPage {
    pub events: Vec<TrailEvent>,
    pub next_token: Option<String>,
}

/// One page of ListObjectsV2: (key, LastModified) in key order, and the
/// token of the next page.
pub type ListPage = (Vec<(String, Option<SystemTime>)>, Option<String>);

/// A bucket holding the team journal, one object per record.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// PutObject with `If-None-Match: *`: `Ok(true)` when S3 answered 200,
    /// `Ok(false)` when the key exists already (412: nothing written).
    async fn put_new(&self, key: &str, body: Vec<u8>) -> Result<bool, ApiError>;
    /// ListObjectsV2: one page of the keys under `prefix`, in key order,
    /// each with its LastModified (S3's clock, the same for every writer),
    /// and the token of the next page.
    async fn list(&self, prefix: &str, token: Option<&str>) -> Result<ListPage, ApiError>;
    /// GetObject: the object's bytes.
    async fn get(&self, key: &str) -> Result<Vec<u8>, ApiError>;
}

/// What went wrong below the seam, in broad strokes the UI can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The service answered with an error code.
    Service,
    /// No usable credentials were found.
    Credentials,
    /// The request never got an answer (DNS, connection refused, timeout).
    Unreachable,
    /// Anything else (malformed response, SDK construction failure).
    Other,
}

/// An error from a cloud call, with the AWS error code kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.sentence())]
pub struct ApiError {
    pub kind: ErrorKind,
    /// The IAM action of the call that failed, e.g. `ec2:DescribeInstances`.
    pub action: &'static str,
    pub code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
    /// The credential profile the call used, when known: hints name it.
    pub profile: Option<String>,
}

impl ApiError {
    /// A service error with an AWS error code.
    pub fn service(action: &'static str, code: &str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Service,
            action,
            code: Some(code.to_string()),
            message: message.into(),
            request_id: None,
            profile: None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub fn is_throttling(&self) -> bool {
        matches!(
            self.code(),
            Some("RequestLimitExceeded" | "Throttling" | "ThrottlingException")
        )
    }

    pub fn is_access_denied(&self) -> bool {
        matches!(
            self.code(),
            Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation")
        )
    }

    /// True when the error means our view of the world was stale.
    pub fn means_stale_view(&self) -> bool {
        match self.code() {
            Some("InvalidAssociationID.NotFound") => true,
            Some("IncorrectState") => self.message.contains("existing association"),
            _ => false,
        }
    }

    /// True when the call ran out of time (rather than being refused a connection).
    pub fn timed_out(&self) -> bool {
        self.kind == ErrorKind::Unreachable && self.message.to_ascii_lowercase().contains("timeout")
    }

    /// True when the credentials could not be had because the SSO session
    /// (its cached token) has expired.
    pub fn sso_expired(&self) -> bool {
        let m = self.message.to_ascii_lowercase();
        m.contains("sso token has expired") || m.contains("failed to load the cached sso token")
    }

    /// A few words for tight places (the header): the code, or what kind of failure.
    pub fn short(&self) -> String {
        match (self.kind, self.code()) {
            (ErrorKind::Credentials, _) if self.sso_expired() => "SSO session expired".into(),
            (ErrorKind::Credentials, _) => "no credentials".into(),
            (ErrorKind::Unreachable, _) if self.timed_out() => "timed out".into(),
            (ErrorKind::Unreachable, _) => "endpoint unreachable".into(),
            (_, Some(code)) => code.to_string(),
            _ => "error".into(),
        }
    }

    /// `iam:GetRole failed (AccessDenied)`: for a line that says what is
    /// unknown and why, in few words.
    pub fn failed_short(&self) -> String {
        format!("{} failed ({})", self.action, self.short())
    }

    /// One plain sentence: what failed, the code, and what to do next.
    pub fn sentence(&self) -> String {
        let what = format!("{} failed", self.action);
        let message = crate::aws::text::one_line(&self.message);
        match self.kind {
            ErrorKind::Credentials if self.sso_expired() => match &self.profile {
                Some(p) => format!(
                    "{what}: the AWS SSO session of profile {p} has expired: run `aws sso login --profile {p}` ({message})"
                ),
                None => format!(
                    "{what}: the AWS SSO session has expired: run `aws sso login` ({message})"
                ),
            },
            ErrorKind::Credentials => format!(
                "{what}: no AWS credentials found{}: set AWS_PROFILE, pass --profile, or run `aws configure` ({message})",
                self.profile
                    .as_deref()
                    .map(|p| format!(" for profile {p}"))
                    .unwrap_or_default()
            ),
            ErrorKind::Unreachable => format!(
                "{what}: the endpoint did not answer ({message}); check the network, the region and --endpoint-url"
            ),
            ErrorKind::Other => format!("{what}: {message}"),
            ErrorKind::Service => {
                let code = self.code().unwrap_or("UnknownError");
                let hint = if self.is_access_denied() && self.action == actions::ASSUME_ROLE {
                    "; the role must exist in that account and trust these credentials (its trust policy), and no SCP may deny it".to_string()
                } else if self.is_access_denied() {
                    format!(
                        "; the credentials are not allowed to call {}: grant it in IAM (see assets/iam-policy.json)",
                        self.action
                    )
                } else if self.is_throttling() {
                    "; AWS is throttling this account: wait a moment and try again".to_string()
                } else if matches!(
                    self.code(),
                    Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired")
                ) {
                    match &self.profile {
                        Some(p) => format!(
                            "; the credentials of profile {p} have expired: refresh them (SSO: `aws sso login --profile {p}`)"
                        ),
                        None => {
                            "; the credentials have expired: refresh them (e.g. `aws sso login`)"
                                .to_string()
                        }
                    }
                } else if matches!(self.code(), Some("AuthFailure" | "InvalidClientTokenId")) {
                    "; the credentials were rejected: check AWS_PROFILE and the access keys"
                        .to_string()
                } else {
                    String::new()
                };
                if message.is_empty() {
                    format!("{what} ({code}){hint}")
                } else {
                    format!("{what} ({code}): {message}{hint}")
                }
            }
        }
    }
}

/// Runs a read again while AWS says it did not run it (throttling, backing
/// off 0.2 s, 0.4 s … 3.2 s) or its answer was lost without a timeout (a
/// dropped connection or an unreadable answer, twice). A read is safe to repeat; a call that timed
/// out has had its `--timeout` already and is not repeated.
pub async fn retry_read<T, F, Fut>(mut read: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    const THROTTLED: u32 = 5;
    const DROPPED: u32 = 2;
    let (mut throttled, mut dropped) = (0, 0);
    loop {
        match read().await {
            Err(e) if e.is_throttling() && throttled < THROTTLED => {
                throttled += 1;
                tracing::info!(error = %e, attempt = throttled, "read throttled; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(100 << throttled)).await;
            }
            Err(e)
                if matches!(e.kind, ErrorKind::Unreachable | ErrorKind::Other)
                    && !e.timed_out()
                    && dropped < DROPPED =>
            {
                dropped += 1;
                tracing::info!(error = %e, attempt = dropped, "read's answer lost; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            }
            other => return other,
        }
    }
}

/// The operations rolecall needs from EC2, IAM and STS.
///
/// Implemented by the aws-sdk adapter ([`sdk::SdkCloud`]) and the in-memory account
/// ([`memory::MemoryAccount`]). Regional calls take the region explicitly.
#[async_trait]
pub trait Cloud: Send + Sync {
    /// Every region DescribeRegions returns for the account.
    async fn regions(&self) -> Result<Vec<String>, ApiError>;
    /// Every instance in the region (fully paginated).
    async fn instances(&self, region: &str) -> Result<Vec<Instance>, ApiError>;
    /// Every instance-profile association in the region (fully paginated).
    async fn associations(&self, region: &str) -> Result<Vec<Association>, ApiError>;
    /// Every instance profile in the account, with its roles (fully paginated).
    async fn instance_profiles(&self) -> Result<Vec<InstanceProfile>, ApiError>;
    /// AssociateIamInstanceProfile.
    async fn associate(
        &self,
        region: &str,
        instance_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError>;
    /// ReplaceIamInstanceProfileAssociation; AWS answers with a new association id.
    async fn replace(
        &self,
        region: &str,
        association_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError>;
    /// DisassociateIamInstanceProfile.
    async fn disassociate(
        &self,
        region: &str,
        association_id: &str,
    ) -> Result<Association, ApiError>;
    /// STS GetCallerIdentity.
    async fn caller_identity(&self) -> Result<CallerIdentity, ApiError>;
    /// A role's policies with their documents: attached managed policies
    /// (their default version), inline policies, and the permissions
    /// boundary. Fully paginated.
    async fn role_policies(&self, role_name: &str) -> Result<Vec<Policy>, ApiError>;
    /// IAM ListInstanceProfilesForRole: every instance profile holding the role.
    async fn instance_profiles_for_role(
        &self,
        role_name: &str,
    ) -> Result<Vec<InstanceProfile>, ApiError>;
    /// IAM PutRolePolicy: adds (or replaces) an inline policy on a role.
    async fn put_role_policy(
        &self,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), ApiError>;
    /// IAM GetRole `RoleLastUsed`: when the role was last used (RFC 3339)
    /// and in which region; `None`: not used within IAM's tracking period.
    async fn role_last_used(
        &self,
        _role_name: &str,
    ) -> Result<Option<(String, Option<String>)>, ApiError> {
        Err(unsupported(actions::GET_ROLE))
    }
    /// IAM DeleteRolePolicy: removes an inline policy from a role.
    async fn delete_role_policy(
        &self,
        _role_name: &str,
        _policy_name: &str,
    ) -> Result<(), ApiError> {
        Err(unsupported(actions::DELETE_ROLE_POLICY))
    }
    /// EC2 CreateTags: one tag on one instance.
    async fn create_tag(
        &self,
        _region: &str,
        _instance_id: &str,
        _key: &str,
        _value: &str,
    ) -> Result<(), ApiError> {
        Err(unsupported(actions::CREATE_TAGS))
    }
    /// EC2 DeleteTags: one tag key off one instance.
    async fn delete_tag(
        &self,
        _region: &str,
        _instance_id: &str,
        _key: &str,
    ) -> Result<(), ApiError> {
        Err(unsupported(actions::DELETE_TAGS))
    }
    /// The instance's metadata option `HttpTokens` (`optional` or
    /// `required`), from DescribeInstances.
    async fn http_tokens(&self, _region: &str, _instance_id: &str) -> Result<String, ApiError> {
        Err(unsupported(actions::DESCRIBE_INSTANCES))
    }
    /// EC2 ModifyInstanceMetadataOptions `HttpTokens`.
    async fn set_http_tokens(
        &self,
        _region: &str,
        _instance_id: &str,
        _tokens: &str,
    ) -> Result<(), ApiError> {
        Err(unsupported(actions::MODIFY_METADATA_OPTIONS))
    }
    /// Auto Scaling DescribeAutoScalingInstances: the instance's group and
    /// lifecycle state (`InService`, `Standby`, …), if it is in one.
    async fn scaling_group(
        &self,
        _region: &str,
        _instance_id: &str,
    ) -> Result<Option<(String, String)>, ApiError> {
        Err(unsupported(actions::DESCRIBE_SCALING_INSTANCES))
    }
    /// Auto Scaling EnterStandby (decrementing the desired capacity, so the
    /// group starts no replacement) or ExitStandby.
    async fn set_standby(
        &self,
        _region: &str,
        _group: &str,
        _instance_id: &str,
        _standby: bool,
    ) -> Result<(), ApiError> {
        Err(unsupported(actions::ENTER_STANDBY))
    }
    /// CloudTrail LookupEvents in a region: one page (at most 50 events) of
    /// the management events named `event_name` between `start` and `end`.
    async fn lookup_events(
        &self,
        _region: &str,
        _event_name: &str,
        _start: SystemTime,
        _end: SystemTime,
        _next_token: Option<&str>,
    ) -> Result<TrailPage, ApiError> {
        Err(unsupported(actions::LOOKUP_EVENTS))
    }
    /// The bucket `bucket` (its region found with GetBucketLocation), for
    /// the team journal; a missing bucket or refused access is an error.
    async fn object_store(
        &self,
        _bucket: &str,
    ) -> Result<std::sync::Arc<dyn ObjectStore>, ApiError> {
        Err(unsupported(actions::GET_BUCKET_LOCATION))
    }
    /// True when LookupEvents calls must be spaced out (AWS allows about
    /// two a second per account and region); an account in memory has no
    /// such limit.
    fn lookup_events_paced(&self) -> bool {
        true
    }
    /// IAM SimulatePrincipalPolicy for one action on one resource: IAM's own
    /// decision (`allowed`, `explicitDeny`, `implicitDeny`). A backend
    /// without a simulator says so.
    async fn simulate(
        &self,
        _role_arn: &str,
        _action: &str,
        _resource: &str,
    ) -> Result<String, ApiError> {
        Err(ApiError::service(
            actions::SIMULATE_PRINCIPAL_POLICY,
            "NotImplemented",
            "this account has no IAM policy simulator",
        ))
    }
}

/// A call a backend does not offer.
fn unsupported(action: &'static str) -> ApiError {
    ApiError::service(action, "NotImplemented", "this account does not offer it")
}

/// IAM action names, used to say which permission a refused call needed.
pub mod actions {
    pub const DESCRIBE_REGIONS: &str = "ec2:DescribeRegions";
    pub const DESCRIBE_INSTANCES: &str = "ec2:DescribeInstances";
    pub const DESCRIBE_ASSOCIATIONS: &str = "ec2:DescribeIamInstanceProfileAssociations";
    pub const ASSOCIATE: &str = "ec2:AssociateIamInstanceProfile";
    pub const REPLACE: &str = "ec2:ReplaceIamInstanceProfileAssociation";
    pub const DISASSOCIATE: &str = "ec2:DisassociateIamInstanceProfile";
    pub const LIST_INSTANCE_PROFILES: &str = "iam:ListInstanceProfiles";
    pub const GET_CALLER_IDENTITY: &str = "sts:GetCallerIdentity";
    pub const GET_ROLE: &str = "iam:GetRole";
    pub const LIST_ATTACHED_ROLE_POLICIES: &str = "iam:ListAttachedRolePolicies";
    pub const GET_POLICY: &str = "iam:GetPolicy";
    pub const GET_POLICY_VERSION: &str = "iam:GetPolicyVersion";
    pub const LIST_ROLE_POLICIES: &str = "iam:ListRolePolicies";
    pub const GET_ROLE_POLICY: &str = "iam:GetRolePolicy";
    pub const PUT_ROLE_POLICY: &str = "iam:PutRolePolicy";
    pub const SIMULATE_PRINCIPAL_POLICY: &str = "iam:SimulatePrincipalPolicy";
    pub const DELETE_ROLE_POLICY: &str = "iam:DeleteRolePolicy";
    pub const CREATE_TAGS: &str = "ec2:CreateTags";
    pub const DELETE_TAGS: &str = "ec2:DeleteTags";
    pub const MODIFY_METADATA_OPTIONS: &str = "ec2:ModifyInstanceMetadataOptions";
    pub const DESCRIBE_SCALING_INSTANCES: &str = "autoscaling:DescribeAutoScalingInstances";
    pub const ENTER_STANDBY: &str = "autoscaling:EnterStandby";
    pub const EXIT_STANDBY: &str = "autoscaling:ExitStandby";
    pub const LIST_INSTANCE_PROFILES_FOR_ROLE: &str = "iam:ListInstanceProfilesForRole";
    pub const LIST_ACCOUNTS: &str = "organizations:ListAccounts";
    pub const ASSUME_ROLE: &str = "sts:AssumeRole";
    pub const LOOKUP_EVENTS: &str = "cloudtrail:LookupEvents";
    pub const GET_BUCKET_LOCATION: &str = "s3:GetBucketLocation";
    pub const PUT_OBJECT: &str = "s3:PutObject";
    pub const LIST_BUCKET: &str = "s3:ListBucket";
    pub const GET_OBJECT: &str = "s3:GetObject";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_name_is_last_arn_segment() {
        assert_eq!(
            profile_name_from_arn("arn:aws:iam::123456789012:instance-profile/service/web"),
            "web"
        );
        assert_eq!(
            profile_name_from_arn("arn:aws:iam::1:instance-profile/app"),
            "app"
        );
    }

    #[test]
    fn access_denied_names_the_action() {
        let e = ApiError::service(actions::ASSOCIATE, "UnauthorizedOperation", "nope");
        let s = e.sentence();
        assert!(s.contains("ec2:AssociateIamInstanceProfile"), "{s}");
        assert!(s.contains("UnauthorizedOperation"), "{s}");
        assert!(!s.contains('\n'));
    }

    #[test]
    fn expired_credentials_name_the_profile_and_what_to_run() {
        let mut e = ApiError::service(actions::DESCRIBE_INSTANCES, "ExpiredToken", "expired");
        e.profile = Some("ops".into());
        let s = e.sentence();
        assert!(
            s.contains("the credentials of profile ops have expired")
                && s.contains("aws sso login --profile ops"),
            "{s}"
        );
        let sso = ApiError {
            kind: ErrorKind::Credentials,
            message: "the SSO token has expired and cannot be refreshed".into(),
            ..e.clone()
        };
        assert!(sso.sentence().contains("run `aws sso login --profile ops`"));
        assert_eq!(sso.short(), "SSO session expired");
        let none = ApiError {
            kind: ErrorKind::Credentials,
            message: "no providers in chain provided credentials".into(),
            profile: None,
            ..e
        };
        assert!(
            none.sentence()
                .contains("no AWS credentials found: set AWS_PROFILE")
        );
    }

    #[test]
    fn stale_view_errors_are_recognised() {
        assert!(
            ApiError::service(actions::REPLACE, "InvalidAssociationID.NotFound", "x")
                .means_stale_view()
        );
        assert!(
            ApiError::service(
                actions::ASSOCIATE,
                "IncorrectState",
                "There is an existing association for instance i-1"
            )
            .means_stale_view()
        );
        assert!(
            !ApiError::service(
                actions::REPLACE,
                "IncorrectState",
                "not the active association"
            )
            .means_stale_view()
        );
    }
}
