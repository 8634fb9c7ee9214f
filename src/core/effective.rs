//! Effective access and what a swap changes in it: every action of the
//! catalogue that either role's statements can reach, decided for each role
//! on `*` and on each resource pattern either role names; and the risks of
//! what is gained, ranked.

use std::collections::BTreeSet;

use crate::core::catalogue;
use crate::core::eval::{Decision, RolePolicies, Statement, action_matches, decide};

/// A kind of risk, most serious first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// Can make itself (or another principal) more powerful.
    PrivilegeEscalation,
    /// Can obtain credentials.
    CredentialsExposure,
    /// Can run commands on other hosts.
    RemoteExecution,
    /// Can read data out of the account wholesale.
    DataExfiltration,
    /// Can change who else may reach a resource (its policy).
    ResourceExposure,
    /// Every action of a service.
    WholeService,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::PrivilegeEscalation => "privilege escalation",
            Risk::CredentialsExposure => "credentials exposure",
            Risk::RemoteExecution => "remote execution",
            Risk::DataExfiltration => "data exfiltration",
            Risk::ResourceExposure => "resource exposure",
            Risk::WholeService => "whole service",
        }
    }
}

/// Privilege escalation: the established methods (Rhino Security Labs'
/// list and pathfinding.cloud's, as cloudsplaining carries them), each the
/// actions that together let a principal raise its own (or another's)
/// power: rewrite or attach a policy, mint credentials for another user,
/// change who may assume a role, or pass a role to a service that runs as
/// it. An action escalates when every action of one of its methods is
/// allowed on every resource.
const ESCALATION: &[&[&str]] = &[
    &["iam:CreateAccessKey"],
    &["iam:CreateLoginProfile"],
    &["iam:UpdateLoginProfile"],
    &["iam:AddUserToGroup"],
    &["iam:CreatePolicyVersion"],
    &["iam:SetDefaultPolicyVersion"],
    &["iam:AttachUserPolicy"],
    &["iam:AttachGroupPolicy"],
    &["iam:AttachRolePolicy"],
    &["iam:PutUserPolicy"],
    &["iam:PutGroupPolicy"],
    &["iam:PutRolePolicy"],
    &["iam:UpdateAssumeRolePolicy"],
    &["iam:PutRolePermissionsBoundary"],
    &["iam:DeleteRolePermissionsBoundary"],
    &["iam:PassRole", "ec2:RunInstances"],
    &["iam:PassRole", "ec2:RequestSpotInstances"],
    &[
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ],
    &[
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:CreateEventSourceMapping",
    ],
    &[
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:AddPermission",
    ],
    &["iam:PassRole", "glue:CreateDevEndpoint"],
    &["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
    &["iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"],
    &["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"],
    &["iam:PassRole", "glue:UpdateJob", "glue:CreateTrigger"],
    &["iam:PassRole", "cloudformation:CreateStack"],
    &[
        "iam:PassRole",
        "cloudformation:CreateStackSet",
        "cloudformation:CreateStackInstances",
    ],
    &["iam:PassRole", "cloudformation:UpdateStackSet"],
    &["iam:PassRole", "datapipeline:CreatePipeline"],
    &["iam:PassRole", "apprunner:CreateService"],
    &[
        "iam:PassRole",
        "codebuild:CreateProject",
        "codebuild:StartBuild",
    ],
    &[
        "iam:PassRole",
        "codebuild:CreateProject",
        "codebuild:StartBuildBatch",
    ],
    &[
        "iam:PassRole",
        "ecs:RegisterTaskDefinition",
        "ecs:CreateService",
    ],
    &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
    &[
        "iam:PassRole",
        "ecs:RegisterTaskDefinition",
        "ecs:StartTask",
    ],
    &["iam:PassRole", "sagemaker:CreateNotebookInstance"],
    &["iam:PassRole", "sagemaker:CreateTrainingJob"],
    &["iam:PassRole", "sagemaker:CreateProcessingJob"],
    &[
        "iam:PassRole",
        "bedrock-agentcore:CreateCodeInterpreter",
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ],
    &[
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ],
    &["glue:UpdateDevEndpoint"],
    &["lambda:UpdateFunctionCode"],
    &[
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
    ],
    &[
        "ec2:ModifyInstanceAttribute",
        "ec2:StopInstances",
        "ec2:StartInstances",
    ],
    &[
        "ec2:CreateLaunchTemplateVersion",
        "ec2:ModifyLaunchTemplate",
    ],
    &[
        "ec2-instance-connect:SendSSHPublicKey",
        "ec2:DescribeInstances",
    ],
    &["ecs:ExecuteCommand", "ecs:DescribeTasks"],
    &["sagemaker:CreatePresignedNotebookInstanceUrl"],
    &[
        "sagemaker:CreateNotebookInstanceLifecycleConfig",
        "sagemaker:StopNotebookInstance",
        "sagemaker:UpdateNotebookInstance",
        "sagemaker:StartNotebookInstance",
    ],
];

/// Credentials exposure: the actions that return credentials.
const CREDENTIALS: &[&str] = &[
    "airflow:CreateCliToken",
    "airflow:CreateWebLoginToken",
    "appsync:CreateApiKey",
    "chime:CreateApiKey",
    "cloud9:CreateEnvironmentToken",
    "codeartifact:GetAuthorizationToken",
    "codepipeline:PollForJobs",
    "cognito-identity:GetOpenIdToken",
    "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
    "cognito-identity:GetCredentialsForIdentity",
    "cognito-idp:GetSigningCertificate",
    "connect:GetFederationToken",
    "connect:GetFederationTokens",
    "ec2:GetPasswordData",
    "ecr:GetAuthorizationToken",
    "ecr-public:GetAuthorizationToken",
    "emr-containers:GetManagedEndpointSessionCredentials",
    "finspace-api:GetProgrammaticAccessCredentials",
    "gamelift:RequestUploadCredentials",
    "gamelift:GetInstanceAccess",
    "gamelift:GetComputeAccess",
    "gamelift:GetComputeAuthToken",
    "grafana:CreateWorkspaceApiKey",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UpdateAccessKey",
    "license-manager:GetAccessToken",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:DownloadDefaultKeyPair",
    "lightsail:CreateBucketAccessKey",
    "lightsail:GetRelationalDatabaseMasterUserPassword",
    "mediapackage:RotateChannelCredentials",
    "mediapackage:RotateIngestEndpointCredentials",
    "rds-db:Connect",
    "redshift:GetClusterCredentials",
    "redshift:GetClusterCredentialsWithIAM",
    "redshift-serverless:GetCredentials",
    "sso:GetRoleCredentials",
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:GetFederationToken",
    "sts:GetSessionToken",
];

/// Commands on other hosts.
const REMOTE: &[&str] = &[
    "ssm:SendCommand",
    "ssm:StartSession",
    "ssm:ResumeSession",
    "ec2-instance-connect:SendSSHPublicKey",
    "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
];

/// Reading data out wholesale (on every resource).
const EXFILTRATION: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "secretsmanager:GetSecretValue",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
    "dynamodb:Scan",
    "rds:CopyDBSnapshot",
    "ec2:CreateSnapshot",
];

/// What the standard agents' managed policies grant on every resource
/// (CloudWatchAgentServerPolicy, AmazonSSMManagedInstanceCore): expected
/// on an instance role, so never a risk.
const AGENT_GRANTS: &[&str] = &[
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:UpdateInstanceInformation",
    "ssm:ListInstanceAssociations",
    "ssm:PutInventory",
    "ssmmessages:*",
    "ec2messages:*",
    "cloudwatch:PutMetricData",
    "logs:PutLogEvents",
    "logs:CreateLogStream",
    "logs:CreateLogGroup",
    "ec2:DescribeTags",
    "ec2:DescribeVolumes",
];

/// The resource patterns a risk counts on: everything, or IAM's (where a
/// pattern reaches other principals).
fn broad(resource: &str) -> bool {
    resource == "*" || (resource.starts_with("arn:aws:iam:") && resource.contains('*'))
}

fn listed(list: &[&str], action: &str) -> bool {
    list.iter().any(|a| action_matches(a, action))
}

/// Every action risks are looked for in.
fn risk_actions() -> impl Iterator<Item = &'static str> {
    ESCALATION
        .iter()
        .flat_map(|m| m.iter().copied())
        .chain(CREDENTIALS.iter().copied())
        .chain(REMOTE.iter().copied())
        .chain(EXFILTRATION.iter().copied())
}

/// The risks of being allowed `action` on `resource`, most serious first.
/// `allowed` answers for the companions of a combination (PassRole).
pub fn risks(action: &str, resource: &str, allowed: &dyn Fn(&str) -> bool) -> Vec<Risk> {
    let mut out = Vec::new();
    if listed(AGENT_GRANTS, action) {
        return out;
    }
    let level = catalogue::find(action).map(|a| a.level);
    if broad(resource) {
        // One of the action's methods, every other action of it allowed too.
        let escalates = ESCALATION.iter().any(|method| {
            method.iter().any(|a| a.eq_ignore_ascii_case(action))
                && method
                    .iter()
                    .all(|a| a.eq_ignore_ascii_case(action) || allowed(a))
        });
        if escalates {
            out.push(Risk::PrivilegeEscalation);
        }
        if listed(CREDENTIALS, action) {
            out.push(Risk::CredentialsExposure);
        }
        if listed(REMOTE, action) {
            out.push(Risk::RemoteExecution);
        }
    }
    if resource == "*" {
        if listed(EXFILTRATION, action) {
            out.push(Risk::DataExfiltration);
        }
        // PassRole is a risk through what it combines with (above).
        if level == Some(catalogue::Level::PermissionsManagement)
            && !action.eq_ignore_ascii_case("iam:PassRole")
            && !out.contains(&Risk::PrivilegeEscalation)
        {
            out.push(Risk::ResourceExposure);
        }
    }
    out
}

/// The most serious risk of one permission row (`permissions`, `p`): the
/// risk catalogue's actions its pattern names on its resource, or a whole
/// service. Agent grants and Deny rows are no risk; a trust policy's rows
/// are never passed here (they say who may assume the role).
pub fn row_risk(row: &crate::core::policy::Row) -> Option<Risk> {
    if row.effect != "Allow" {
        return None;
    }
    let (pattern, complement) = match row.action.strip_prefix("NotAction:") {
        Some(p) => (p, true),
        None => (row.action.as_str(), false),
    };
    let resource = row
        .resource
        .strip_prefix("NotResource:")
        .unwrap_or(&row.resource);
    // A NotResource row reaches everything but: as broad as `*`.
    let resource = if row.resource.starts_with("NotResource:") {
        "*"
    } else {
        resource
    };
    if !complement && AGENT_GRANTS.iter().any(|a| a.eq_ignore_ascii_case(pattern)) {
        return None;
    }
    let named = |a: &str| action_matches(pattern, a) != complement;
    let worst = risk_actions()
        .filter(|a| named(a))
        .flat_map(|a| risks(a, resource, &|b| named(b)))
        .min();
    let whole = complement || pattern == "*" || pattern.ends_with(":*");
    worst.or(whole.then_some(Risk::WholeService))
}

/// One action on one resource pattern that a swap gains or loses.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub action: String,
    pub resource: String,
    pub risks: Vec<Risk>,
    /// One side depends on a condition (or covers part of the resources):
    /// it may or may not change.
    pub conditional: bool,
}

/// What moving from one role to another changes in effective access.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessDiff {
    /// Risky first (most serious), then by action.
    pub gained: Vec<Access>,
    pub lost: Vec<Access>,
    /// Services every catalogue action of which is gained (on `*`).
    pub whole_services: Vec<String>,
}

impl AccessDiff {
    /// `service: N` counts, most first.
    pub fn by_service(list: &[Access]) -> Vec<(String, usize)> {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for a in list {
            let service = a.action.split_once(':').map_or("", |(s, _)| s);
            *counts.entry(service.to_string()).or_default() += 1;
        }
        let mut out: Vec<(String, usize)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// The most serious risk gained, if any (a whole service gained is one,
    /// said per service, not per action).
    pub fn top_risk(&self) -> Option<Risk> {
        self.gained
            .iter()
            .flat_map(|a| a.risks.iter().copied())
            .min()
            .or((!self.whole_services.is_empty()).then_some(Risk::WholeService))
    }

    /// Gained actions with a risk.
    pub fn risky(&self) -> usize {
        self.gained.iter().filter(|a| !a.risks.is_empty()).count()
    }
}

/// The actions one statement can reach, as catalogue names (plus any
/// literal action the catalogue does not know).
fn reach(st: &Statement, out: &mut BTreeSet<String>) {
    if st.not_action {
        for a in catalogue::all() {
            if !st.actions.iter().any(|p| action_matches(p, &a.name)) {
                out.insert(a.name.clone());
            }
        }
        return;
    }
    for pattern in &st.actions {
        let before = out.len();
        out.extend(catalogue::expand(pattern).map(|a| a.name.clone()));
        if out.len() == before && !pattern.contains(['*', '?']) && pattern.contains(':') {
            out.insert(pattern.clone());
        }
    }
}

fn statements(role: &RolePolicies) -> impl Iterator<Item = &Statement> {
    role.identity.iter().chain(role.boundary.iter().flatten())
}

/// What moving from `from` (or no role) to `to` (or no role) gains and loses.
pub fn diff(from: &RolePolicies, to: &RolePolicies) -> AccessDiff {
    let roles = [from, to];
    // On `*`: every action either role's Allow statements reach, and the
    // risk catalogue.
    let mut on_star: BTreeSet<String> = risk_actions().map(str::to_string).collect();
    // On each narrower pattern: the actions of the statements naming it.
    let mut narrower: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for st in roles.iter().flat_map(|r| statements(r)).filter(|s| s.allow) {
        let mut actions = BTreeSet::new();
        reach(st, &mut actions);
        if !st.not_resource {
            for r in st.resources.iter().filter(|r| r.as_str() != "*") {
                narrower
                    .entry(r.clone())
                    .or_default()
                    .extend(actions.iter().cloned());
            }
        }
        on_star.extend(actions);
    }
    let mut out = AccessDiff::default();
    let mut gained_on_star = BTreeSet::new();
    let mut lost_on_star = BTreeSet::new();
    let allowed_after = |a: &str| decide(to, a, "*").decision == Decision::Allowed;
    let compare = |action: &str, resource: &str, out: &mut AccessDiff| {
        let before = decide(from, action, resource).decision;
        let after = decide(to, action, resource).decision;
        let yes = |d: Decision| matches!(d, Decision::Allowed | Decision::Conditional);
        let conditional = before == Decision::Conditional || after == Decision::Conditional;
        if before == after || (before == Decision::Conditional && after == Decision::Conditional) {
            return None;
        }
        let access = |found| Access {
            action: action.to_string(),
            resource: resource.to_string(),
            risks: found,
            conditional,
        };
        if yes(after) && before != Decision::Allowed {
            out.gained
                .push(access(risks(action, resource, &allowed_after)));
            Some(true)
        } else if yes(before) && after != Decision::Allowed {
            out.lost.push(access(Vec::new()));
            Some(false)
        } else {
            None
        }
    };
    for action in &on_star {
        match compare(action, "*", &mut out) {
            Some(true) => {
                gained_on_star.insert(action.clone());
            }
            Some(false) => {
                lost_on_star.insert(action.clone());
            }
            None => {}
        }
    }
    for (resource, actions) in &narrower {
        for action in actions {
            // Gained (or lost) on everything says it for this pattern too.
            if gained_on_star.contains(action) || lost_on_star.contains(action) {
                continue;
            }
            compare(action, resource, &mut out);
        }
    }
    // A whole service gained: every catalogue action of it, on `*`.
    let mut services: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for a in catalogue::all() {
        let e = services.entry(a.service()).or_default();
        e.0 += 1;
        if gained_on_star.contains(&a.name) {
            e.1 += 1;
        }
    }
    out.whole_services = services
        .into_iter()
        .filter(|(_, (all, gained))| *gained == *all && *all > 0)
        .map(|(s, _)| s.to_string())
        .collect();
    let rank = |a: &Access| {
        (
            a.risks.iter().min().copied().map_or(u8::MAX, |r| r as u8),
            a.action.to_lowercase(),
            a.resource.clone(),
        )
    };
    out.gained.sort_by_key(rank);
    out.lost.sort_by_key(rank);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{Policy, PolicyKind};
    use serde_json::{Value, json};

    fn role(statements: Value, boundary: Option<Value>) -> RolePolicies {
        let mut policies = vec![Policy {
            name: "p".into(),
            arn: None,
            kind: PolicyKind::Inline,
            document: json!({"Statement": statements}).to_string(),
        }];
        if let Some(b) = boundary {
            policies.push(Policy {
                name: "b".into(),
                arn: None,
                kind: PolicyKind::Boundary,
                document: json!({"Statement": b}).to_string(),
            });
        }
        let parsed: Vec<_> = policies.iter().map(crate::core::policy::parse).collect();
        crate::core::eval::role_policies(&parsed)
    }

    fn names(list: &[Access]) -> Vec<String> {
        list.iter()
            .map(|a| format!("{} on {}", a.action, a.resource))
            .collect()
    }

    #[test]
    fn removing_a_boundary_gains_everything_it_held_back() {
        let admin = json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]);
        let capped = role(
            admin.clone(),
            Some(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])),
        );
        let d = diff(&capped, &role(admin, None));
        assert!(d.gained.len() > 15_000, "{}", d.gained.len());
        assert!(d.lost.is_empty());
        assert!(!names(&d.gained).contains(&"s3:GetObject on *".to_string()));
        // The worst first.
        assert_eq!(d.gained[0].risks[0], Risk::PrivilegeEscalation);
        assert!(d.whole_services.contains(&"iam".to_string()));
    }

    #[test]
    fn the_audit_table_reads_as_iam_does() {
        let r = |v: Value| role(v, None);
        // Allow s3:* + Deny s3:DeleteBucket → Allow s3:*: gains DeleteBucket.
        let d = diff(
            &r(
                json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                      {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]),
            ),
            &r(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])),
        );
        assert_eq!(names(&d.gained), ["s3:DeleteBucket on *"]);
        assert!(d.lost.is_empty());
        // NotAction [iam:*, organizations:*] → NotAction iam:*: gains organizations.
        let d = diff(
            &r(
                json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]),
            ),
            &r(json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}])),
        );
        assert!(!d.gained.is_empty());
        assert!(
            d.gained
                .iter()
                .all(|a| a.action.starts_with("organizations:"))
        );
        assert!(d.lost.is_empty());
        // Anything → Deny *: gains nothing.
        let d = diff(
            &r(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])),
            &r(json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}])),
        );
        assert!(d.gained.is_empty());
        assert_eq!(names(&d.lost), ["s3:GetObject on *"]);
        // s3:GetObject → s3:*: loses nothing.
        let d = diff(
            &r(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])),
            &r(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])),
        );
        assert!(d.lost.is_empty());
        // S3:getobject → s3:GetObject: the same action.
        let d = diff(
            &r(json!([{"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"}])),
            &r(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])),
        );
        assert_eq!((d.gained.len(), d.lost.len()), (0, 0));
        // Two buckets → every bucket: a pure widening.
        let d = diff(
            &r(
                json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]}]),
            ),
            &r(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])),
        );
        assert_eq!(names(&d.gained), ["s3:GetObject on *"]);
        assert!(d.lost.is_empty());
        // Inline Allow s3:* + a Deny s3:* elsewhere: S3 is denied.
        let d = diff(
            &r(json!([])),
            &r(
                json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                      {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]),
            ),
        );
        assert!(d.gained.is_empty(), "{:?}", names(&d.gained));
    }

    #[rstest::rstest]
    #[case(
        "iam:PutRolePolicy",
        "arn:aws:iam::*:role/*",
        Some(Risk::PrivilegeEscalation)
    )]
    #[case("iam:CreatePolicyVersion", "*", Some(Risk::PrivilegeEscalation))]
    #[case(
        "iam:CreateAccessKey",
        "arn:aws:iam::1:user/*",
        Some(Risk::PrivilegeEscalation)
    )]
    #[case("sts:AssumeRole", "*", Some(Risk::CredentialsExposure))]
    #[case("ssm:SendCommand", "*", Some(Risk::RemoteExecution))]
    #[case("ssm:StartSession", "*", Some(Risk::RemoteExecution))]
    #[case("s3:GetObject", "*", Some(Risk::DataExfiltration))]
    #[case("s3:PutBucketPolicy", "*", Some(Risk::ResourceExposure))]
    // Standard agent grants and narrow grants are not risks.
    #[case("ssm:GetParameter", "*", None)]
    #[case("cloudwatch:PutMetricData", "*", None)]
    #[case("logs:PutLogEvents", "*", None)]
    #[case("s3:GetObject", "arn:aws:s3:::logs/*", None)]
    #[case("iam:PutRolePolicy", "arn:aws:iam::1:role/app", None)]
    fn risks_are_ranked_and_agents_are_not_risks(
        #[case] action: &str,
        #[case] resource: &str,
        #[case] want: Option<Risk>,
    ) {
        assert_eq!(risks(action, resource, &|_| false).first().copied(), want);
    }

    #[rstest::rstest]
    #[case("Allow", "*", "*", Some(Risk::PrivilegeEscalation))]
    #[case("Allow", "iam:*", "*", Some(Risk::PrivilegeEscalation))]
    // lambda:UpdateFunctionCode and glue:UpdateDevEndpoint are outside iam:*.
    #[case("Allow", "NotAction:iam:*", "*", Some(Risk::PrivilegeEscalation))]
    #[case("Allow", "ssm:SendCommand", "*", Some(Risk::RemoteExecution))]
    #[case("Allow", "s3:*", "arn:aws:s3:::logs/*", Some(Risk::WholeService))]
    #[case("Allow", "ssmmessages:*", "*", None)]
    #[case("Allow", "ec2messages:*", "*", None)]
    #[case("Allow", "logs:PutLogEvents", "*", None)]
    #[case("Allow", "s3:GetObject", "arn:aws:s3:::app-data/*", None)]
    #[case("Deny", "*", "*", None)]
    fn a_rows_risk(
        #[case] effect: &str,
        #[case] action: &str,
        #[case] resource: &str,
        #[case] want: Option<Risk>,
    ) {
        let row = crate::core::policy::Row {
            effect: effect.into(),
            action: action.into(),
            resource: resource.into(),
            condition: None,
        };
        assert_eq!(row_risk(&row), want);
    }

    #[test]
    fn pass_role_escalates_with_a_service_that_runs_as_the_role() {
        assert!(risks("iam:PassRole", "*", &|_| false).is_empty());
        assert_eq!(
            risks("iam:PassRole", "*", &|a| a == "ec2:RunInstances"),
            [Risk::PrivilegeEscalation]
        );
    }
}
