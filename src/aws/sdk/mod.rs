//! The aws-sdk adapter: the only place SDK types exist.
//!
//! This file builds the clients, maps SDK errors to [`ApiError`] and holds the
//! one [`Cloud`] impl; each service's calls live in their own file.

mod cloudtrail;
mod contain;
mod ec2;
mod iam;
mod s3;
mod sts;

pub use sts::OrgAccount;

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::timeout::TimeoutConfig;

use super::{
    ApiError, Association, CallerIdentity, Cloud, ErrorKind, Instance, InstanceProfile, Policy,
    ProfileRef, TrailPage, actions,
};

/// Where the adapter gets its configuration from.
#[derive(Debug, Clone, Default)]
pub struct SdkOptions {
    /// A named profile from the shared config files (`--profile`).
    pub profile: Option<String>,
    /// Sends every service to this endpoint (`--endpoint-url`; `AWS_ENDPOINT_URL`
    /// is read by aws-config itself).
    pub endpoint_url: Option<String>,
    /// The longest one call may take, retries included (`--timeout`); `None`
    /// keeps [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
}

/// How long one call may take, retries included, unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long to wait for a connection (never longer than the call's timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Every call gets a connect timeout, a per-attempt timeout (so a stuck attempt
/// can be retried once) and an overall one: an endpoint that accepts the
/// connection and never answers fails the call instead of hanging it.
pub fn timeouts(total: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(total))
        .operation_attempt_timeout((total / 2).max(Duration::from_secs(1)).min(total))
        .operation_timeout(total)
        .build()
}

/// Checks that a named profile exists in the shared config or credentials
/// files, before anything relies on it: an unknown name is a usage error that
/// names it, not "no region configured".
pub async fn check_profile(name: &str) -> Result<(), String> {
    use aws_types::os_shim_internal::{Env, Fs};
    // The default files: ~/.aws/config and ~/.aws/credentials, or where
    // AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE point.
    let set = aws_config::profile::load(&Fs::real(), &Env::real(), &Default::default(), None)
        .await
        .map_err(|e| format!("cannot read the AWS config files: {e}"))?;
    if set.get_profile(name).is_some() {
        return Ok(());
    }
    let mut known: Vec<&str> = set.profiles().collect();
    known.sort();
    Err(if known.is_empty() {
        "no profiles are defined in ~/.aws/config or ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE)".to_string()
    } else {
        format!("the profiles defined are {}", known.join(", "))
    })
}

/// The region the shared config gives for a profile (or the default chain).
pub async fn configured_region(profile: Option<&str>) -> Option<String> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    loader.load().await.region().map(|r| r.to_string())
}

/// The AWS SDK convention of one endpoint per service: `AWS_ENDPOINT_URL_EC2`,
/// `AWS_ENDPOINT_URL_IAM`, … (the service id upper-cased, spaces as `_`).
/// It wins over `AWS_ENDPOINT_URL` and over `--endpoint-url`, so that one
/// service can be pointed elsewhere (a stand-in for one moto lacks).
pub(super) fn service_endpoint(service_id: &str) -> Option<String> {
    let var = format!(
        "AWS_ENDPOINT_URL_{}",
        service_id.to_ascii_uppercase().replace([' ', '-'], "_")
    );
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// IAM, STS and Organizations are global; they sign with this region when none is configured.
const DEFAULT_SIGNING_REGION: &str = "us-east-1";

/// The adapter over aws-sdk-ec2, aws-sdk-iam and aws-sdk-sts.
pub struct SdkCloud {
    config: Option<SdkConfig>,
    /// The credential profile in use, when one is named: errors' hints name it.
    profile: Option<String>,
    /// EC2 clients by region, made on first use.
    ec2: Mutex<HashMap<String, aws_sdk_ec2::Client>>,
    /// A single EC2 client that serves every region (tests with recorded responses).
    fixed_ec2: Option<aws_sdk_ec2::Client>,
    iam: aws_sdk_iam::Client,
    sts: aws_sdk_sts::Client,
}

impl SdkCloud {
    /// Loads configuration through the aws-config default chain: environment,
    /// shared config and credentials files, SSO, assume-role, IMDS.
    pub async fn load(options: &SdkOptions) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(p) = &options.profile {
            loader = loader.profile_name(p);
        }
        if let Some(u) = &options.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        loader = loader.timeout_config(timeouts(options.timeout.unwrap_or(DEFAULT_TIMEOUT)));
        // `app/rolecall` in every request's user agent: CloudTrail shows it,
        // so a change rolecall made is known as such from any machine.
        if let Ok(name) = aws_types::app_name::AppName::new("rolecall") {
            loader = loader.app_name(name);
        }
        let config = loader.load().await;
        let mut cloud = Self::from_config(config);
        cloud.profile = options
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
        cloud
    }

    /// Builds the adapter on a loaded SDK configuration.
    pub fn from_config(config: SdkConfig) -> Self {
        // IAM and STS are global; they need some region to sign with.
        let mut iam_conf = aws_sdk_iam::config::Builder::from(&config).region(
            config
                .region()
                .cloned()
                .or(Some(Region::new(DEFAULT_SIGNING_REGION))),
        );
        if let Some(u) = service_endpoint("IAM") {
            iam_conf = iam_conf.endpoint_url(u);
        }
        let iam_conf = iam_conf.build();
        let mut sts_conf = aws_sdk_sts::config::Builder::from(&config).region(
            config
                .region()
                .cloned()
                .or(Some(Region::new(DEFAULT_SIGNING_REGION))),
        );
        if let Some(u) = service_endpoint("STS") {
            sts_conf = sts_conf.endpoint_url(u);
        }
        let sts_conf = sts_conf.build();
        Self {
            iam: aws_sdk_iam::Client::from_conf(iam_conf),
            sts: aws_sdk_sts::Client::from_conf(sts_conf),
            ec2: Mutex::new(HashMap::new()),
            fixed_ec2: None,
            config: Some(config),
            profile: None,
        }
    }

    /// Builds the adapter on ready-made clients (tests with recorded responses).
    pub fn from_clients(
        ec2: aws_sdk_ec2::Client,
        iam: aws_sdk_iam::Client,
        sts: aws_sdk_sts::Client,
    ) -> Self {
        Self {
            config: None,
            profile: None,
            ec2: Mutex::new(HashMap::new()),
            fixed_ec2: Some(ec2),
            iam,
            sts,
        }
    }

    /// The region configured for this profile or environment, if any.
    pub fn configured_region(&self) -> Option<String> {
        self.config
            .as_ref()
            .and_then(|c| c.region())
            .map(|r| r.to_string())
    }

    /// An SDK error as ours, naming the profile in use.
    fn err<E, R>(&self, action: &'static str, e: SdkError<E, R>) -> ApiError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
        SdkError<E, R>: RequestId,
    {
        ApiError {
            profile: self.profile.clone(),
            ..api_error(action, e)
        }
    }

    fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        if let Some(c) = &self.fixed_ec2 {
            return c.clone();
        }
        let mut clients = self.ec2.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(region.to_string())
            .or_insert_with(|| {
                let mut builder = match &self.config {
                    Some(c) => aws_sdk_ec2::config::Builder::from(c),
                    None => aws_sdk_ec2::config::Builder::new(),
                };
                builder = builder.region(Region::new(region.to_string()));
                if let Some(u) = service_endpoint("EC2") {
                    builder = builder.endpoint_url(u);
                }
                aws_sdk_ec2::Client::from_conf(builder.build())
            })
            .clone()
    }
}

/// Turns any SDK error into our [`ApiError`], keeping the AWS code and request id.
fn api_error<E, R>(action: &'static str, err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
    SdkError<E, R>: RequestId,
{
    let request_id = err.request_id().map(str::to_string);
    let code = err.code().map(str::to_string);
    let full = DisplayErrorContext(&err).to_string();
    let kind = match &err {
        SdkError::ServiceError(_) if code.is_some() => ErrorKind::Service,
        _ if looks_like_missing_credentials(&full) => ErrorKind::Credentials,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => ErrorKind::Unreachable,
        _ => ErrorKind::Other,
    };
    let message = match kind {
        ErrorKind::Service => err.message().unwrap_or_default().to_string(),
        _ => innermost_cause(&err),
    };
    // Credentials that come from a call (AssumeRole for an organization's
    // account or a profile's role_arn) failed with that call's own error:
    // say which call was refused, and its code, not "no credentials".
    if kind == ErrorKind::Credentials
        && let Some((code, why)) = provider_error(&message)
    {
        let assume = full.to_ascii_lowercase().contains("assumerole");
        return ApiError {
            kind: ErrorKind::Service,
            action: if assume { actions::ASSUME_ROLE } else { action },
            code: Some(code),
            message: format!("the credentials for {action} could not be obtained: {why}"),
            request_id,
            profile: None,
        };
    }
    ApiError {
        kind,
        action,
        code,
        message,
        request_id,
        profile: None,
    }
}

/// A credentials provider's service error, as the SDK prints it:
/// `Error { code: "AccessDenied", message: "…", … }` → (code, message).
fn provider_error(text: &str) -> Option<(String, String)> {
    let quoted = |key: &str| {
        let start = text.find(key)? + key.len();
        let rest = &text[start..];
        let end = rest.find('"')?;
        Some(rest[..end].to_string())
    };
    let code = quoted("code: \"")?;
    let message = quoted("message: \"").unwrap_or_default();
    Some((code, message))
}

fn looks_like_missing_credentials(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("no credentials")
        || t.contains("credentialsnotloaded")
        || t.contains("failed to load credentials")
        || t.contains("an error occurred while loading credentials")
}

/// The last message in the source chain: the one that says what really happened.
fn innermost_cause(err: &(dyn StdError + 'static)) -> String {
    let mut last = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !s.is_empty() {
            last = s;
        }
        cur = e.source();
    }
    last
}

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<SystemTime> {
    t.and_then(|d| SystemTime::try_from(*d).ok())
}

#[async_trait]
impl Cloud for SdkCloud {
    async fn regions(&self) -> Result<Vec<String>, ApiError> {
        ec2::regions(self).await
    }

    async fn instances(&self, region: &str) -> Result<Vec<Instance>, ApiError> {
        ec2::instances(self, region).await
    }

    async fn associations(&self, region: &str) -> Result<Vec<Association>, ApiError> {
        ec2::associations(self, region).await
    }

    async fn instance_profiles(&self) -> Result<Vec<InstanceProfile>, ApiError> {
        iam::instance_profiles(self).await
    }

    async fn associate(
        &self,
        region: &str,
        instance_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError> {
        ec2::associate(self, region, instance_id, profile).await
    }

    async fn replace(
        &self,
        region: &str,
        association_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError> {
        ec2::replace(self, region, association_id, profile).await
    }

    async fn disassociate(
        &self,
        region: &str,
        association_id: &str,
    ) -> Result<Association, ApiError> {
        ec2::disassociate(self, region, association_id).await
    }

    async fn caller_identity(&self) -> Result<CallerIdentity, ApiError> {
        sts::caller_identity(self).await
    }

    async fn role_policies(&self, role_name: &str) -> Result<Vec<Policy>, ApiError> {
        iam::role_policies(self, role_name).await
    }

    async fn instance_profiles_for_role(
        &self,
        role_name: &str,
    ) -> Result<Vec<InstanceProfile>, ApiError> {
        iam::instance_profiles_for_role(self, role_name).await
    }

    async fn put_role_policy(
        &self,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), ApiError> {
        iam::put_role_policy(self, role_name, policy_name, document).await
    }

    async fn simulate(
        &self,
        role_arn: &str,
        action: &str,
        resource: &str,
    ) -> Result<String, ApiError> {
        iam::simulate(self, role_arn, action, resource).await
    }

    async fn delete_role_policy(&self, role_name: &str, policy_name: &str) -> Result<(), ApiError> {
        contain::delete_role_policy(self, role_name, policy_name).await
    }

    async fn role_last_used(
        &self,
        role_name: &str,
    ) -> Result<Option<(String, Option<String>)>, ApiError> {
        iam::role_last_used(self, role_name).await
    }

    async fn lookup_events(
        &self,
        region: &str,
        event_name: &str,
        start: SystemTime,
        end: SystemTime,
        next_token: Option<&str>,
    ) -> Result<TrailPage, ApiError> {
        cloudtrail::lookup_events(self, region, event_name, start, end, next_token).await
    }

    async fn object_store(
        &self,
        bucket: &str,
    ) -> Result<std::sync::Arc<dyn crate::aws::ObjectStore>, ApiError> {
        s3::object_store(self, bucket).await
    }

    async fn create_tag(
        &self,
        region: &str,
        instance_id: &str,
        key: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        contain::create_tag(self, region, instance_id, key, value).await
    }

    async fn delete_tag(&self, region: &str, instance_id: &str, key: &str) -> Result<(), ApiError> {
        contain::delete_tag(self, region, instance_id, key).await
    }

    async fn http_tokens(&self, region: &str, instance_id: &str) -> Result<String, ApiError> {
        contain::http_tokens(self, region, instance_id).await
    }

    async fn set_http_tokens(
        &self,
        region: &str,
        instance_id: &str,
        tokens: &str,
    ) -> Result<(), ApiError> {
        contain::set_http_tokens(self, region, instance_id, tokens).await
    }

    async fn scaling_group(
        &self,
        region: &str,
        instance_id: &str,
    ) -> Result<Option<(String, String)>, ApiError> {
        contain::scaling_group(self, region, instance_id).await
    }

    async fn set_standby(
        &self,
        region: &str,
        group: &str,
        instance_id: &str,
        standby: bool,
    ) -> Result<(), ApiError> {
        contain::set_standby(self, region, group, instance_id, standby).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_provider_refusal_keeps_its_code() {
        let text = r#"an error occurred while loading credentials (Error { code: "AccessDenied", message: "User is not authorized to perform: sts:AssumeRole", aws_request_id: "x" })"#;
        assert_eq!(
            provider_error(text),
            Some((
                "AccessDenied".into(),
                "User is not authorized to perform: sts:AssumeRole".into()
            ))
        );
        assert_eq!(provider_error("no credentials in the chain"), None);
    }
}
