//! STS and Organizations through the SDK: who the credentials are, another
//! account reached by AssumeRole, and the organization's accounts.

use aws_config::{Region, SdkConfig};

use super::{DEFAULT_SIGNING_REGION, SdkCloud};
use crate::aws::{ApiError, CallerIdentity, actions};

/// An active account of an organization, as ListAccounts gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
}

impl SdkCloud {
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
        if let Some(u) = super::service_endpoint("Organizations") {
            conf = conf.endpoint_url(u);
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
}

/// GetCallerIdentity.
pub(super) async fn caller_identity(cloud: &SdkCloud) -> Result<CallerIdentity, ApiError> {
    let out = cloud
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| cloud.err(actions::GET_CALLER_IDENTITY, e))?;
    Ok(CallerIdentity {
        account: out.account().unwrap_or_default().to_string(),
        arn: out.arn().unwrap_or_default().to_string(),
    })
}
