//! The aws-sdk adapter: the only place SDK types exist.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;
use aws_sdk_ec2::types::{IamInstanceProfileSpecification, InstanceStateName};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use super::{
    ApiError, Association, AssociationState, CallerIdentity, Cloud, ErrorKind, Instance,
    InstanceProfile, InstanceState, Policy, PolicyKind, ProfileRef, ProfileSummary, Role, actions,
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

/// IAM, STS and Organizations are global; they sign with this region when none is configured.
const DEFAULT_SIGNING_REGION: &str = "us-east-1";

/// An active account of an organization, as ListAccounts gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
}

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
        let iam_conf = aws_sdk_iam::config::Builder::from(&config)
            .region(
                config
                    .region()
                    .cloned()
                    .or(Some(Region::new(DEFAULT_SIGNING_REGION))),
            )
            .build();
        let sts_conf = aws_sdk_sts::config::Builder::from(&config)
            .region(
                config
                    .region()
                    .cloned()
                    .or(Some(Region::new(DEFAULT_SIGNING_REGION))),
            )
            .build();
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

    /// The same credentials chain's account, reached by assuming `role_arn`
    /// (STS AssumeRole, session name `rolecall`). Nothing is called until the
    /// first request: a refused AssumeRole is that request's error.
    pub async fn assuming(&self, role_arn: &str) -> Self {
        let Some(base) = &self.config else {
            return Self::from_clients(
                self.ec2(DEFAULT_SIGNING_REGION),
                self.iam.clone(),
                self.sts.clone(),
            );
        };
        let region = base
            .region()
            .cloned()
            .unwrap_or(Region::new(DEFAULT_SIGNING_REGION));
        let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
            .session_name("rolecall")
            .region(region)
            .configure(base)
            .build()
            .await;
        let config = base
            .to_builder()
            .credentials_provider(aws_types::sdk_config::SharedCredentialsProvider::new(
                provider,
            ))
            .build();
        Self {
            // The source credentials' profile: their expiry is the caller's to fix.
            profile: self.profile.clone(),
            ..Self::from_config(config)
        }
    }

    /// Organizations ListAccounts (fully paginated): the active accounts.
    pub async fn organization_accounts(&self) -> Result<Vec<OrgAccount>, ApiError> {
        let mut conf = match &self.config {
            Some(c) => aws_sdk_organizations::config::Builder::from(c),
            None => aws_sdk_organizations::config::Builder::new(),
        };
        if self.config.as_ref().and_then(SdkConfig::region).is_none() {
            conf = conf.region(Region::new(DEFAULT_SIGNING_REGION));
        }
        let client = aws_sdk_organizations::Client::from_conf(conf.build());
        let mut out = Vec::new();
        let mut pages = client.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.err(actions::LIST_ACCOUNTS, e))?;
            for a in page.accounts() {
                let active = a
                    .state()
                    .map(|s| s.as_str() == "ACTIVE")
                    .or_else(|| a.status().map(|s| s.as_str() == "ACTIVE"))
                    .unwrap_or(true);
                if let (Some(id), true) = (a.id(), active) {
                    out.push(OrgAccount {
                        id: id.to_string(),
                        name: a.name().unwrap_or_default().to_string(),
                    });
                }
            }
        }
        Ok(out)
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

#[async_trait]
impl Cloud for SdkCloud {
    async fn regions(&self) -> Result<Vec<String>, ApiError> {
        let region = self
            .configured_region()
            .unwrap_or_else(|| "us-east-1".to_string());
        let out = self
            .ec2(&region)
            .describe_regions()
            .send()
            .await
            .map_err(|e| self.err(actions::DESCRIBE_REGIONS, e))?;
        let mut names: Vec<String> = out
            .regions()
            .iter()
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    async fn instances(&self, region: &str) -> Result<Vec<Instance>, ApiError> {
        let reservations = self
            .ec2(region)
            .describe_instances()
            .max_results(1000)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(actions::DESCRIBE_INSTANCES, e))?;
        Ok(reservations
            .iter()
            .flat_map(|r| r.instances())
            .filter_map(|i| instance(region, i))
            .collect())
    }

    async fn associations(&self, region: &str) -> Result<Vec<Association>, ApiError> {
        let items = self
            .ec2(region)
            .describe_iam_instance_profile_associations()
            .max_results(1000)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(actions::DESCRIBE_ASSOCIATIONS, e))?;
        items
            .iter()
            .map(|a| association(actions::DESCRIBE_ASSOCIATIONS, a))
            .collect()
    }

    async fn instance_profiles(&self) -> Result<Vec<InstanceProfile>, ApiError> {
        let items = self
            .iam
            .list_instance_profiles()
            .max_items(1000)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(actions::LIST_INSTANCE_PROFILES, e))?;
        Ok(items.iter().map(profile).collect())
    }

    async fn associate(
        &self,
        region: &str,
        instance_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError> {
        const A: &str = actions::ASSOCIATE;
        let out = self
            .ec2(region)
            .associate_iam_instance_profile()
            .instance_id(instance_id)
            .iam_instance_profile(profile_spec(profile))
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| self.err(A, e))?;
        answer_with_id(A, out.iam_instance_profile_association(), out.request_id())
    }

    async fn replace(
        &self,
        region: &str,
        association_id: &str,
        profile: &ProfileRef,
    ) -> Result<Association, ApiError> {
        const A: &str = actions::REPLACE;
        let out = self
            .ec2(region)
            .replace_iam_instance_profile_association()
            .association_id(association_id)
            .iam_instance_profile(profile_spec(profile))
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| self.err(A, e))?;
        answer_with_id(A, out.iam_instance_profile_association(), out.request_id())
    }

    async fn disassociate(
        &self,
        region: &str,
        association_id: &str,
    ) -> Result<Association, ApiError> {
        const A: &str = actions::DISASSOCIATE;
        let out = self
            .ec2(region)
            .disassociate_iam_instance_profile()
            .association_id(association_id)
            .customize()
            .config_override(no_retries())
            .send()
            .await
            .map_err(|e| self.err(A, e))?;
        answer_with_id(A, out.iam_instance_profile_association(), out.request_id())
    }

    async fn caller_identity(&self) -> Result<CallerIdentity, ApiError> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.err(actions::GET_CALLER_IDENTITY, e))?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }

    async fn role_policies(&self, role_name: &str) -> Result<Vec<Policy>, ApiError> {
        self.read_role_policies(role_name).await
    }

    async fn instance_profiles_for_role(
        &self,
        role_name: &str,
    ) -> Result<Vec<InstanceProfile>, ApiError> {
        let items = self
            .iam
            .list_instance_profiles_for_role()
            .role_name(role_name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(actions::LIST_INSTANCE_PROFILES_FOR_ROLE, e))?;
        Ok(items.iter().map(profile).collect())
    }

    async fn put_role_policy(
        &self,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), ApiError> {
        self.iam
            .put_role_policy()
            .role_name(role_name)
            .policy_name(policy_name)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| self.err(actions::PUT_ROLE_POLICY, e))?;
        Ok(())
    }
}

/// Changes are never re-sent by the SDK: a retry after a lost answer could
/// act twice, or fail against what the first attempt did. The executor retries
/// only what AWS says it did not run (throttling) and re-reads after a lost answer.
fn no_retries() -> aws_sdk_ec2::config::Builder {
    aws_sdk_ec2::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// An instance profile as IAM gives it, with its role(s).
fn profile(p: &aws_sdk_iam::types::InstanceProfile) -> InstanceProfile {
    InstanceProfile {
        account: String::new(),
        name: p.instance_profile_name().to_string(),
        arn: p.arn().to_string(),
        id: p.instance_profile_id().to_string(),
        path: p.path().to_string(),
        roles: p
            .roles()
            .iter()
            .map(|r| Role {
                name: r.role_name().to_string(),
                arn: r.arn().to_string(),
            })
            .collect(),
        created: time(Some(p.create_date())),
    }
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

impl SdkCloud {
    /// A managed policy's default version's document.
    async fn managed_document(&self, arn: &str) -> Result<String, ApiError> {
        let policy = self
            .iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| self.err(actions::GET_POLICY, e))?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .unwrap_or("v1")
            .to_string();
        let out = self
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| self.err(actions::GET_POLICY_VERSION, e))?;
        Ok(out
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default()
            .to_string())
    }

    /// The role's policies (see [`Cloud::role_policies`]).
    pub(crate) async fn read_role_policies(&self, role: &str) -> Result<Vec<Policy>, ApiError> {
        let got = self
            .iam
            .get_role()
            .role_name(role)
            .send()
            .await
            .map_err(|e| self.err(actions::GET_ROLE, e))?;
        let trust = got
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .map(|doc| Policy {
                name: "trust policy".into(),
                arn: None,
                kind: PolicyKind::Trust,
                document: doc.to_string(),
            });
        let boundary = got
            .role()
            .and_then(|r| r.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string);
        let attached = self
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(actions::LIST_ATTACHED_ROLE_POLICIES, e))?;
        let inline_names = self
            .iam
            .list_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(actions::LIST_ROLE_POLICIES, e))?;
        let managed = attached.iter().filter_map(|p| {
            let arn = p.policy_arn()?.to_string();
            let name = p.policy_name().unwrap_or_default().to_string();
            Some(async move {
                let document = self.managed_document(&arn).await?;
                Ok::<_, ApiError>(Policy {
                    name,
                    arn: Some(arn),
                    kind: PolicyKind::Managed,
                    document,
                })
            })
        });
        let inline = inline_names.iter().map(|name| async move {
            let out = self
                .iam
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| self.err(actions::GET_ROLE_POLICY, e))?;
            Ok::<_, ApiError>(Policy {
                name: name.clone(),
                arn: None,
                kind: PolicyKind::Inline,
                document: out.policy_document().to_string(),
            })
        });
        let boundary = async {
            match &boundary {
                None => Ok(None),
                Some(arn) => Ok::<_, ApiError>(Some(Policy {
                    name: crate::aws::profile_name_from_arn(arn).to_string(),
                    arn: Some(arn.clone()),
                    kind: PolicyKind::Boundary,
                    document: self.managed_document(arn).await?,
                })),
            }
        };
        let (managed, inline, boundary) = tokio::join!(
            futures::future::try_join_all(managed),
            futures::future::try_join_all(inline),
            boundary
        );
        let mut all = managed?;
        all.extend(inline?);
        all.extend(boundary?);
        all.extend(trust);
        Ok(all)
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
