//! Which cloud and which regions a run works on: built the same way for the
//! CLI and the TUI, without waiting on the network where it can be helped
//! (region names are checked by [`Session::check_regions`], concurrently with
//! the first reads), and rebuildable at run time.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::aws::Cloud;
use crate::aws::faults::FaultPlan;
use crate::aws::fleet::Fleet;
use crate::aws::memory::{MemoryAccount, MemoryOptions};
use crate::aws::sdk::{SdkCloud, SdkOptions};
use crate::error::Error;
use crate::text::escape;

/// What a run asks for, whichever front end parsed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// A named profile from the shared config files.
    pub profile: Option<String>,
    /// The regions asked for, in order (may repeat).
    pub regions: Vec<String>,
    /// Every region DescribeRegions returns.
    pub all_regions: bool,
    pub endpoint_url: Option<String>,
    /// The longest one AWS call may take.
    pub timeout: Duration,
    /// Run on the in-memory demo account instead of AWS.
    pub demo: Option<DemoOptions>,
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

/// Which cloud and which regions a run works on.
pub struct Session {
    pub cloud: Arc<dyn Cloud>,
    pub regions: Vec<String>,
    /// The regions were named by the user and not yet checked against
    /// DescribeRegions ([`Session::check_regions`] does it).
    pub regions_unchecked: bool,
    /// The in-memory account, when running the demo (tests reach into it).
    pub demo: Option<Arc<MemoryAccount>>,
    /// The credential profile in use, for the TUI header.
    pub profile_label: String,
    /// The endpoint override in force, for the TUI header.
    pub endpoint: Option<String>,
}

/// Builds the cloud the options ask for, without touching the network.
async fn connect(
    opts: &Options,
) -> Result<(Arc<dyn Cloud>, Option<Arc<MemoryAccount>>, Option<String>), Error> {
    if let Some(demo) = &opts.demo {
        let fleet = match (&demo.fleet_file, demo.fleet_size) {
            (Some(path), _) => Fleet::load(path),
            (None, Some(n)) => Ok(Fleet::generated(n, (n / 10).max(20))),
            (None, None) => Fleet::builtin(),
        }
        .map_err(|e| Error::Usage(e.to_string()))?;
        let mut options = MemoryOptions::demo();
        if let Some((min, max)) = demo.latency {
            options.latency.min = Duration::from_millis(min);
            options.latency.max = Duration::from_millis(max);
        }
        if let Some(spec) = &demo.faults {
            options.faults = FaultPlan::parse(spec).map_err(|e| Error::Usage(e.to_string()))?;
        }
        let account = Arc::new(MemoryAccount::new(&fleet, options));
        return Ok((account.clone(), Some(account), None));
    }
    let from_env = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|s| !s.is_empty());
    match (&opts.endpoint_url, &from_env) {
        (Some(url), _) => check_endpoint_url(url, "--endpoint-url")?,
        (None, Some(url)) => check_endpoint_url(url, "AWS_ENDPOINT_URL")?,
        (None, None) => {}
    }
    let endpoint = opts.endpoint_url.clone().or(from_env);
    let named = match (&opts.profile, std::env::var("AWS_PROFILE")) {
        (Some(p), _) => Some((p.clone(), "--profile")),
        (None, Ok(p)) if !p.is_empty() => Some((p, "AWS_PROFILE")),
        _ => None,
    };
    if let Some((name, origin)) = named
        && let Err(why) = crate::aws::sdk::check_profile(&name).await
    {
        return Err(Error::Usage(format!(
            "AWS profile '{}' (from {origin}) is not defined: {why}",
            escape(&name)
        )));
    }
    let sdk = SdkCloud::load(&SdkOptions {
        profile: opts.profile.clone(),
        endpoint_url: opts.endpoint_url.clone(),
        timeout: Some(opts.timeout),
    })
    .await;
    Ok((Arc::new(sdk), None, endpoint))
}

/// Region names as AWS makes them: a partition-and-area prefix of two to four
/// letters (`us`, `eusc`), more lowercase parts, and a number (`eusc-de-east-1`).
pub fn valid_region_name(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
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

/// Builds the session. Only `--all-regions` waits for the network (the
/// regions are what DescribeRegions says); named regions are checked later.
pub async fn build(opts: &Options) -> Result<Session, Error> {
    if let Some(bad) = opts.regions.iter().find(|r| !valid_region_name(r)) {
        return Err(Error::Usage(format!(
            "'{}' is not a region name (expected something like us-east-1)",
            escape(bad)
        )));
    }
    let (cloud, demo, endpoint) = connect(opts).await?;
    let mut regions_unchecked = false;
    let regions = if opts.all_regions {
        cloud.regions().await?
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
            None => crate::aws::sdk::configured_region(opts.profile.as_deref()).await,
        };
        vec![region.ok_or_else(|| {
            Error::Usage(
                "no region configured: pass --region REGION (repeatable) or --all-regions, or set AWS_REGION".into(),
            )
        })?]
    };
    let profile_label = if demo.is_some() {
        "demo".to_string()
    } else {
        opts.profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .unwrap_or_else(|| "default".to_string())
    };
    Ok(Session {
        cloud,
        regions,
        regions_unchecked,
        demo,
        profile_label,
        endpoint,
    })
}

impl Session {
    /// Checks named regions against DescribeRegions: `Ok` when they exist or
    /// cannot be checked (no `ec2:DescribeRegions`: the regional calls will
    /// say), a usage error naming the unknown one, or the API error.
    pub async fn check_regions(&self) -> Result<(), Error> {
        if !self.regions_unchecked {
            return Ok(());
        }
        match self.cloud.regions().await {
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
