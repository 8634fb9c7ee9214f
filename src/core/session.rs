//! Which cloud and which regions a run works on: built the same way for the
//! CLI and the TUI, without waiting on the network where it can be helped
//! (region names are checked by [`Session::check_regions`], concurrently with
//! the first reads), and rebuildable at run time.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::aws::faults::FaultPlan;
use crate::aws::fleet::Fleet;
use crate::aws::memory::{MemoryAccount, MemoryOptions};
use crate::aws::sdk::{SdkCloud, SdkOptions};
use crate::aws::text::escape;
use crate::aws::{ApiError, Cloud};
use crate::core::error::Error;
use crate::core::names::{valid_account_id, valid_region_name};

/// What a run asks for, whichever front end parsed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Named profiles from the shared config files: one account each.
    pub profiles: Vec<String>,
    /// `--org-role`: every active account of the organization, through this role.
    pub org_role: Option<String>,
    /// `--org-accounts`: only these accounts of the organization.
    pub org_accounts: Vec<String>,
    /// The regions asked for, in order (may repeat).
    pub regions: Vec<String>,
    /// Every region DescribeRegions returns.
    pub all_regions: bool,
    pub endpoint_url: Option<String>,
    /// The longest one AWS call may take.
    pub timeout: Duration,
    /// Run on the in-memory demo accounts instead of AWS.
    pub demo: Option<DemoOptions>,
    /// How many reads run at once (0: [`READ_CONCURRENCY`]).
    pub read_concurrency: usize,
}

/// How to build the demo account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemoOptions {
    pub fleet_file: Option<PathBuf>,
    pub fleet_size: Option<usize>,
    pub faults: Option<String>,
    /// Per-call latency, milliseconds (min, max).
    pub latency: Option<(u64, u64)>,
}

/// How many reads (an account's region, or its identity) run at once.
pub const READ_CONCURRENCY: usize = 16;

/// One AWS account a run works on, and the cloud that reaches it.
#[derive(Clone)]
pub struct Account {
    /// Unique within the session, known before any call: the credential
    /// profile's name, or the account id (an organization's accounts, the demo).
    pub key: String,
    pub cloud: Arc<dyn Cloud>,
    /// The account id, when known without asking STS.
    pub id: Option<String>,
    /// A name the account came with (the organization's, or the demo's).
    pub name: Option<String>,
    /// The demo marks one of its accounts production.
    pub production: bool,
    /// How the account is reached, for messages: `profile ops`, `role … in 1111…`.
    pub via: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("key", &self.key)
            .field("id", &self.id)
            .field("via", &self.via)
            .finish()
    }
}

impl Account {
    /// A region's instances, each stamped with this account's key.
    pub async fn instances(&self, region: &str) -> Result<Vec<crate::aws::Instance>, ApiError> {
        let mut instances = self.cloud.instances(region).await?;
        for i in &mut instances {
            i.account.clone_from(&self.key);
        }
        Ok(instances)
    }

    /// The account's instance profiles, each stamped with this account's key.
    pub async fn instance_profiles(&self) -> Result<Vec<crate::aws::InstanceProfile>, ApiError> {
        let mut profiles = self.cloud.instance_profiles().await?;
        for p in &mut profiles {
            p.account.clone_from(&self.key);
        }
        Ok(profiles)
    }
}

/// Which accounts, clouds and regions a run works on.
pub struct Session {
    /// At least one; in the order asked for.
    pub accounts: Vec<Account>,
    pub regions: Vec<String>,
    /// The regions were named by the user and not yet checked against
    /// DescribeRegions ([`Session::check_regions`] does it).
    pub regions_unchecked: bool,
    /// The first in-memory account, when running the demo (tests reach into it).
    pub demo: Option<Arc<MemoryAccount>>,
    /// The credential profile(s) in use, for the TUI header.
    pub profile_label: String,
    /// The endpoint override in force, for the TUI header.
    pub endpoint: Option<String>,
    /// How many reads run at once.
    pub read_concurrency: usize,
}

/// The in-memory accounts of the demo: the fleet asked for, or the built-in
/// three (the second staging, the third production); `--profile` picks
/// among them by id or name.
fn demo_accounts(
    demo: &DemoOptions,
    profiles: &[String],
) -> Result<Vec<(Account, Arc<MemoryAccount>)>, Error> {
    let usage = |e: crate::aws::fleet::FleetError| Error::Usage(e.to_string());
    let builtin = demo.fleet_file.is_none() && demo.fleet_size.is_none();
    let mut fleets = vec![(
        match (&demo.fleet_file, demo.fleet_size) {
            (Some(path), _) => Fleet::load(path),
            (None, Some(n)) => Ok(Fleet::generated(n, (n / 10).max(20))),
            (None, None) => Fleet::builtin(),
        }
        .map_err(usage)?,
        builtin.then(|| "demo-main".to_string()),
        false,
    )];
    if builtin {
        for (fleet, name, production) in crate::aws::fleet::builtin_others().map_err(usage)? {
            fleets.push((fleet, Some(name.to_string()), production));
        }
    }
    let faults = match &demo.faults {
        Some(spec) => Some(FaultPlan::parse(spec).map_err(|e| Error::Usage(e.to_string()))?),
        None => None,
    };
    // `--profile` picks demo accounts by id or name.
    let wanted = |fleet: &Fleet, name: &Option<String>| {
        profiles.is_empty()
            || profiles
                .iter()
                .any(|p| p == &fleet.account || Some(p) == name.as_ref())
    };
    if let Some(unknown) = profiles.iter().find(|p| {
        !fleets
            .iter()
            .any(|(f, n, _)| &f.account == *p || Some(*p) == n.as_ref())
    }) {
        return Err(Error::Usage(format!(
            "the demo has no account '{}': its accounts are {}",
            escape(unknown),
            fleets
                .iter()
                .map(|(f, n, _)| match n {
                    Some(n) => format!("{} ({n})", f.account),
                    None => f.account.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    fleets.retain(|(f, n, _)| wanted(f, n));
    let mut accounts = Vec::new();
    for (fleet, name, production) in fleets {
        let mut options = MemoryOptions::demo();
        if let Some((min, max)) = demo.latency {
            options.latency.min = Duration::from_millis(min);
            options.latency.max = Duration::from_millis(max);
        }
        if let Some(plan) = &faults {
            options.faults = plan.clone();
        }
        let memory = Arc::new(MemoryAccount::new(&fleet, options));
        accounts.push((
            Account {
                key: fleet.account.clone(),
                cloud: memory.clone(),
                id: Some(fleet.account.clone()),
                name,
                production,
                via: "the demo".into(),
            },
            memory,
        ));
    }
    Ok(accounts)
}

/// Builds the accounts the options ask for. Only `--org-role` waits for the
/// network (the organization's accounts are what ListAccounts says).
async fn connect(opts: &Options) -> Result<(Vec<Account>, Option<String>), Error> {
    let from_env = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|s| !s.is_empty());
    match (&opts.endpoint_url, &from_env) {
        (Some(url), _) => check_endpoint_url(url, "--endpoint-url")?,
        (None, Some(url)) => check_endpoint_url(url, "AWS_ENDPOINT_URL")?,
        (None, None) => {}
    }
    let endpoint = opts.endpoint_url.clone().or(from_env);
    let mut named: Vec<(String, &str)> = opts
        .profiles
        .iter()
        .map(|p| (p.clone(), "--profile"))
        .collect();
    if named.is_empty()
        && let Ok(p) = std::env::var("AWS_PROFILE")
        && !p.is_empty()
    {
        named.push((p, "AWS_PROFILE"));
    }
    for (name, origin) in &named {
        if let Err(why) = crate::aws::sdk::check_profile(name).await {
            return Err(Error::Usage(format!(
                "AWS profile '{}' (from {origin}) is not defined: {why}",
                escape(name)
            )));
        }
    }
    let load = |profile: Option<String>| {
        let options = SdkOptions {
            profile,
            endpoint_url: opts.endpoint_url.clone(),
            timeout: Some(opts.timeout),
        };
        async move { SdkCloud::load(&options).await }
    };
    if let Some(role) = &opts.org_role {
        if opts.profiles.len() > 1 {
            return Err(Error::Usage(
                "--org-role takes one --profile (the management or delegated administrator account), not several".into(),
            ));
        }
        let base = load(opts.profiles.first().cloned()).await;
        let accounts = organization(base, role, &opts.org_accounts).await?;
        return Ok((accounts, endpoint));
    }
    if !opts.org_accounts.is_empty() {
        return Err(Error::Usage(
            "--org-accounts narrows --org-role: pass --org-role ROLE_NAME too".into(),
        ));
    }
    let mut accounts = Vec::new();
    if opts.profiles.is_empty() {
        let key = named
            .first()
            .map_or_else(|| "default".to_string(), |(p, _)| p.clone());
        accounts.push(Account {
            via: format!("profile {key}"),
            key,
            cloud: Arc::new(load(None).await),
            id: None,
            name: None,
            production: false,
        });
    }
    for profile in &opts.profiles {
        if accounts.iter().any(|a: &Account| &a.key == profile) {
            continue;
        }
        accounts.push(Account {
            key: profile.clone(),
            cloud: Arc::new(load(Some(profile.clone())).await),
            id: None,
            name: None,
            production: false,
            via: format!("profile {profile}"),
        });
    }
    if accounts.len() > 1 {
        accounts = merge_same_accounts(accounts).await;
    }
    Ok((accounts, endpoint))
}

/// Several profiles may reach one account (a role assumed in the account of
/// another): one account is shown, planned and changed once. Each profile's
/// account comes from STS (all at once); the first profile named serves it,
/// and one stderr line says which were merged. A profile whose identity is
/// unknown stays (its reads will say why).
async fn merge_same_accounts(accounts: Vec<Account>) -> Vec<Account> {
    let ids = futures::future::join_all(accounts.iter().map(|a| async move {
        crate::aws::retry_read(|| a.cloud.caller_identity())
            .await
            .ok()
            .map(|i| i.account)
    }))
    .await;
    let mut kept: Vec<Account> = Vec::new();
    for (mut account, id) in accounts.into_iter().zip(ids) {
        if let Some(id) = &id
            && let Some(first) = kept.iter().find(|k| k.id.as_deref() == Some(id))
        {
            eprintln!(
                "rolecall: profiles {} and {} reach the same account {id}: using {} for it",
                escape(&first.key),
                escape(&account.key),
                escape(&first.key)
            );
            continue;
        }
        if id.is_some() {
            account.id = id;
        }
        kept.push(account);
    }
    kept
}

/// The organization's active accounts (narrowed to `only` when given), each
/// reached by assuming `role` in it; the caller's own account keeps the
/// caller's credentials (the role rarely exists there).
async fn organization(base: SdkCloud, role: &str, only: &[String]) -> Result<Vec<Account>, Error> {
    if role.is_empty() || role.contains(['/', ':']) || role.chars().any(char::is_whitespace) {
        return Err(Error::Usage(format!(
            "--org-role '{}' is not a role name (expected a name such as OrganizationAccountAccessRole)",
            escape(role)
        )));
    }
    if let Some(bad) = only.iter().find(|id| !valid_account_id(id)) {
        return Err(Error::Usage(format!(
            "--org-accounts: '{}' is not an account id (expected 12 digits)",
            escape(bad)
        )));
    }
    let (listed, caller) = tokio::join!(base.organization_accounts(), base.caller_identity());
    let listed = listed?;
    let caller = caller.ok().map(|c| c.account);
    if let Some(missing) = only.iter().find(|id| !listed.iter().any(|a| &a.id == *id)) {
        return Err(Error::Usage(format!(
            "--org-accounts: account {missing} is not an active account of the organization ({} listed)",
            listed.len()
        )));
    }
    let base = Arc::new(base);
    let mut accounts = Vec::new();
    for org in listed {
        if !only.is_empty() && !only.contains(&org.id) {
            continue;
        }
        let arn = format!("arn:aws:iam::{}:role/{role}", org.id);
        let (cloud, via): (Arc<dyn Cloud>, String) = if caller.as_deref() == Some(org.id.as_str()) {
            (base.clone(), "the caller's own credentials".into())
        } else {
            (Arc::new(base.assuming(&arn).await), format!("role {arn}"))
        };
        accounts.push(Account {
            key: org.id.clone(),
            cloud,
            id: Some(org.id),
            name: Some(org.name).filter(|n| !n.is_empty()),
            production: false,
            via,
        });
    }
    if accounts.is_empty() {
        return Err(Error::Usage(
            "the organization has no active accounts to show".into(),
        ));
    }
    Ok(accounts)
}

/// An endpoint override must be an http(s) URL with a host; anything else is
/// a usage error, not an endpoint that "did not answer".
pub fn check_endpoint_url(url: &str, origin: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Error::Usage(format!(
            "{origin} '{}' is not an endpoint URL: {why} (expected e.g. https://ec2.us-east-1.amazonaws.com or http://127.0.0.1:5000)",
            escape(url)
        ))
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    Ok(())
}

/// The first of `wanted` that `known` does not have, as the usage error to show.
pub fn unknown_region(wanted: &[String], known: &[String]) -> Option<String> {
    wanted.iter().find(|r| !known.contains(r)).map(|unknown| {
        format!(
            "unknown region '{}': this account's regions are {}",
            escape(unknown),
            known.join(", ")
        )
    })
}

/// Builds the session. Only `--all-regions` and `--org-role` wait for the
/// network; named regions are checked later.
pub async fn build(opts: &Options) -> Result<Session, Error> {
    if let Some(bad) = opts.regions.iter().find(|r| !valid_region_name(r)) {
        return Err(Error::Usage(format!(
            "'{}' is not a region name (expected something like us-east-1)",
            escape(bad)
        )));
    }
    let (accounts, demo, endpoint) = match &opts.demo {
        Some(d) => {
            let built = demo_accounts(d, &opts.profiles)?;
            let first = built.first().map(|(_, m)| m.clone());
            (built.into_iter().map(|(a, _)| a).collect(), first, None)
        }
        None => {
            let (accounts, endpoint) = connect(opts).await?;
            (accounts, None, endpoint)
        }
    };
    let Some(first) = accounts.first() else {
        return Err(Error::Usage("no account to show".into()));
    };
    let mut regions_unchecked = false;
    let regions = if opts.all_regions {
        first.cloud.regions().await?
    } else if !opts.regions.is_empty() {
        // Each region once, in the order given.
        let mut wanted = opts.regions.clone();
        let mut seen = std::collections::HashSet::new();
        wanted.retain(|r| seen.insert(r.clone()));
        regions_unchecked = true;
        wanted
    } else if let Some(account) = &demo {
        // The demo shows all its regions; it knows them without a call.
        account.region_names()
    } else {
        let configured = std::env::var("AWS_REGION")
            .ok()
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .filter(|s| !s.is_empty());
        let region = match configured {
            Some(r) => Some(r),
            None => {
                crate::aws::sdk::configured_region(opts.profiles.first().map(String::as_str)).await
            }
        };
        vec![region.ok_or_else(|| {
            Error::Usage(
                "no region configured: pass --region REGION (repeatable) or --all-regions, set AWS_REGION, add `region = us-east-1` to the profile in ~/.aws/config, or `regions = [\"us-east-1\"]` to rolecall's config file".into(),
            )
        })?]
    };
    let profile_label = if demo.is_some() {
        "demo".to_string()
    } else if opts.org_role.is_some() {
        format!(
            "{} via {}",
            opts.profiles.first().map_or("default", String::as_str),
            opts.org_role.as_deref().unwrap_or_default()
        )
    } else {
        accounts
            .iter()
            .map(|a| a.key.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    Ok(Session {
        accounts,
        regions,
        regions_unchecked,
        demo,
        profile_label,
        endpoint,
        read_concurrency: if opts.read_concurrency == 0 {
            READ_CONCURRENCY
        } else {
            opts.read_concurrency
        },
    })
}

impl Session {
    /// A session on one ready-made cloud (tests, and callers that built their own).
    pub fn on(cloud: Arc<dyn Cloud>, regions: Vec<String>) -> Self {
        Session {
            accounts: vec![Account {
                key: "default".into(),
                cloud,
                id: None,
                name: None,
                production: false,
                via: "the given cloud".into(),
            }],
            regions,
            regions_unchecked: false,
            demo: None,
            profile_label: "default".into(),
            endpoint: None,
            read_concurrency: READ_CONCURRENCY,
        }
    }

    /// The account with this key.
    pub fn account(&self, key: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.key == key)
    }

    /// The account's id: known up front (organizations, the demo) or from STS.
    pub fn account_id<'a>(&'a self, key: &str, from_sts: Option<&'a str>) -> Option<&'a str> {
        self.account(key).and_then(|a| a.id.as_deref()).or(from_sts)
    }

    /// What an account is called in tables and on screen: the config file's
    /// name for its id, else the name it came with (organization, demo), else
    /// its id, else its key (a profile name, until STS answers).
    pub fn label(
        &self,
        key: &str,
        from_sts: Option<&str>,
        config: &crate::core::config::Config,
    ) -> String {
        let given = self.account(key).and_then(|a| a.name.as_deref());
        config.label(self.account_id(key, from_sts), given, key)
    }

    /// For a production account (the config file says so, or the demo's):
    /// what the operator must type to confirm a change there.
    pub fn production_guard(
        &self,
        key: &str,
        from_sts: Option<&str>,
        config: &crate::core::config::Config,
    ) -> Option<String> {
        let marked = self.account(key).is_some_and(|a| a.production);
        config.guard(self.account_id(key, from_sts), marked, || {
            self.label(key, from_sts, config)
        })
    }

    /// The one account of a command that works on one (a role lives in one
    /// account); a usage error when several are shown.
    pub fn single(&self, command: &str) -> Result<&Account, Error> {
        match self.accounts.as_slice() {
            [one] => Ok(one),
            _ => Err(Error::Usage(format!(
                "{command} works on one account: pass the one --profile (or --org-accounts ID) that holds it"
            ))),
        }
    }

    /// True when more than one account is shown (tables gain an ACCOUNT column).
    pub fn several_accounts(&self) -> bool {
        self.accounts.len() > 1
    }

    /// Checks named regions against DescribeRegions: `Ok` when they exist or
    /// cannot be checked (no `ec2:DescribeRegions`: the regional calls will
    /// say), a usage error naming the unknown one, or the API error.
    pub async fn check_regions(&self) -> Result<(), Error> {
        if !self.regions_unchecked {
            return Ok(());
        }
        let Some(first) = self.accounts.first() else {
            return Ok(());
        };
        match first.cloud.regions().await {
            Ok(known) => match unknown_region(&self.regions, &known) {
                Some(why) => Err(Error::Usage(why)),
                None => Ok(()),
            },
            Err(e) if e.is_access_denied() => Ok(()),
            Err(e) => Err(Error::Api(e)),
        }
    }

    /// Runs `reads` and the region check at once (one round trip, not two):
    /// an unknown region is the error to report, whatever the reads say.
    pub async fn with_checked_regions<T, F>(&self, reads: F) -> Result<T, Error>
    where
        F: std::future::Future<Output = Result<T, Error>>,
    {
        let (check, result) = tokio::join!(self.check_regions(), reads);
        match check {
            Err(e @ Error::Usage(_)) => Err(e),
            // The reads say best what went wrong with them.
            _ => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_checked() {
        for good in [
            "us-east-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "eu-central-2",
            "eusc-de-east-1",
            "cn-north-1",
        ] {
            assert!(valid_region_name(good), "{good}");
        }
        for bad in [
            "useast1",
            "us-east",
            "US-EAST-1",
            "us--1",
            "",
            "u-east-1",
            "europe-west-1",
        ] {
            assert!(!valid_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn endpoint_urls_are_checked() {
        assert!(check_endpoint_url("http://127.0.0.1:5000", "--endpoint-url").is_ok());
        assert!(
            check_endpoint_url("https://ec2.us-east-1.amazonaws.com", "--endpoint-url").is_ok()
        );
        for bad in [
            "localhost:5000",
            "ftp://x",
            "http://",
            "not a url",
            "http://[::1",
        ] {
            let e = check_endpoint_url(bad, "--endpoint-url").unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn an_unknown_region_is_named() {
        let known = vec!["eu-west-1".to_string(), "us-east-1".to_string()];
        assert_eq!(unknown_region(&["us-east-1".into()], &known), None);
        let why = unknown_region(&["us-east-1".into(), "xx-nowhere-9".into()], &known).unwrap();
        assert!(
            why.contains("'xx-nowhere-9'") && why.contains("eu-west-1, us-east-1"),
            "{why}"
        );
    }
}
