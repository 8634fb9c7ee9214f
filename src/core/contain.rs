//! Containing one compromised instance without taking down its role: a Deny
//! keyed on `ec2:SourceInstanceARN` on the role it runs with (credentials
//! EC2 delivered to it carry that key, stolen copies included; no other
//! instance on the role is touched), the swap to the quarantine profile, a
//! case tag, IMDSv2 and Auto Scaling standby; each step journaled with the
//! case id before it is sent. `release` reverses them, and is run again to
//! finish one interrupted half way. The document logic is pure.

use serde_json::{Value, json};

use crate::aws::text::escape;
use crate::aws::{ApiError, InstanceProfile, ProfileRef};
use crate::core::error::Error;
use crate::core::journal::{Context, Entry, Journal};
use crate::core::session::Session;

/// The inline policy holding every case's Deny statement on a role.
pub const POLICY: &str = "rolecall-contain";
/// The instance tag naming the case.
pub const CASE_TAG: &str = "rolecall:case";
/// IAM's limit on a role's inline policies, all together (characters,
/// whitespace not counted).
pub const INLINE_LIMIT: usize = 10_240;
/// The condition key EC2 puts on the credentials it delivers to an instance.
pub const SOURCE_KEY: &str = "ec2:SourceInstanceARN";

/// A case's statement id: `RolecallContain` and the case id's letters and
/// digits (a Sid allows no more).
pub fn sid(case: &str) -> String {
    let clean: String = case.chars().filter(char::is_ascii_alphanumeric).collect();
    if clean == case {
        return format!("RolecallContain{clean}");
    }
    // Characters a Sid cannot hold were dropped: a short hash of the id as
    // typed keeps `IR-2026-1` and `IR-20261` apart.
    let hash = case.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("RolecallContain{clean}{hash:08x}")
}

/// A case id as typed: letters, digits, `-`, `_`, `.`, `:`; 1 to 64.
pub fn check_case(case: &str) -> Result<(), Error> {
    let ok = !case.is_empty()
        && case.len() <= 64
        && case
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        && case.chars().any(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "'{}' is not a case id: use 1 to 64 letters, digits, '-', '_', '.' or ':' (IR-20261203-0310)",
            escape(case)
        )))
    }
}

/// The default case id for a moment (`IR-` and the UTC date and time).
pub fn default_case(now: std::time::SystemTime) -> String {
    let t = humantime::format_rfc3339_seconds(now).to_string();
    // 2026-12-03T03:10:00Z → IR-20261203-0310
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    format!(
        "IR-{}-{}",
        &digits[..8.min(digits.len())],
        digits.get(8..12).unwrap_or("")
    )
}

/// An instance's ARN.
pub fn instance_arn(region: &str, account_id: &str, instance_id: &str) -> String {
    format!("arn:aws:ec2:{region}:{account_id}:instance/{instance_id}")
}

fn statements(doc: &Value) -> Vec<Value> {
    match doc.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn arns_of(st: &Value) -> Vec<String> {
    match &st["Condition"]["StringEquals"][SOURCE_KEY] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn deny_statement(sid: &str, arns: &[String]) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {SOURCE_KEY: arns}}
    })
}

/// The policy document with `arns` added to the case's statement (made if
/// absent); other cases' statements kept as they are.
pub fn with_instances(doc: Option<&str>, case: &str, arns: &[String]) -> String {
    let parsed =
        doc.and_then(|d| serde_json::from_str::<Value>(&crate::core::policy::decode(d)).ok());
    let mut list = parsed.as_ref().map(statements).unwrap_or_default();
    let sid = sid(case);
    match list.iter_mut().find(|s| s["Sid"] == sid.as_str()) {
        Some(st) => {
            let mut all = arns_of(st);
            for a in arns {
                if !all.contains(a) {
                    all.push(a.clone());
                }
            }
            *st = deny_statement(&sid, &all);
        }
        None => list.push(deny_statement(&sid, arns)),
    }
    json!({"Version": "2012-10-17", "Statement": list}).to_string()
}

/// The document without `arns` in the case's statement (the statement goes
/// when empty); `None` when no statement is left (the policy goes).
pub fn without_instances(doc: &str, case: &str, arns: &[String]) -> Option<String> {
    let parsed: Value = serde_json::from_str(&crate::core::policy::decode(doc)).ok()?;
    let sid = sid(case);
    let mut list = statements(&parsed);
    for st in list.iter_mut().filter(|s| s["Sid"] == sid.as_str()) {
        let left: Vec<String> = arns_of(st)
            .into_iter()
            .filter(|a| !arns.contains(a))
            .collect();
        *st = if left.is_empty() {
            Value::Null
        } else {
            deny_statement(&sid, &left)
        };
    }
    list.retain(|s| !s.is_null());
    (!list.is_empty()).then(|| json!({"Version": "2012-10-17", "Statement": list}).to_string())
}

/// Every case's statement in a document: (Sid, instance ARNs).
pub fn cases_in(doc: &str) -> Vec<(String, Vec<String>)> {
    let Ok(parsed) = serde_json::from_str::<Value>(&crate::core::policy::decode(doc)) else {
        return Vec::new();
    };
    statements(&parsed)
        .iter()
        .filter_map(|s| Some((s["Sid"].as_str()?.to_string(), arns_of(s))))
        .filter(|(sid, _)| sid.starts_with("RolecallContain"))
        .collect()
}

/// A policy's size as IAM counts it toward the limit (whitespace left out).
pub fn size(doc: &str) -> usize {
    crate::core::policy::decode(doc)
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// One instance to contain, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub account: String,
    pub account_id: String,
    pub region: String,
    pub instance_id: String,
    pub name: Option<String>,
    /// The role it runs with now (the deny goes there); `None`: no role.
    pub role: Option<String>,
    pub instance_arn: String,
    /// The swap to quarantine, or why none, and whether that is fine
    /// (already there) or a refusal (still settling, a wrong state).
    pub swap: Result<crate::core::change::Change, (String, bool)>,
    /// Its Auto Scaling group and lifecycle state, if in one.
    pub group: Option<(String, String)>,
    /// `HttpTokens` now (read with `--imdsv2`).
    pub tokens: Option<String>,
}

/// The deny on one role: its new document, its size against the limit, and
/// the other instances that keep working on the role.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleDeny {
    pub account: String,
    pub role: String,
    pub document: String,
    /// All inline policies of the role once it is put (IAM's count).
    pub inline_size: usize,
    pub instances: Vec<String>,
    /// Instances on the role, loaded, not in this case.
    pub others: Vec<String>,
}

/// Everything `contain` will do, read and checked before anything is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub case: String,
    pub quarantine: Option<InstanceProfile>,
    pub targets: Vec<Target>,
    pub denies: Vec<RoleDeny>,
    pub imdsv2: bool,
    pub standby: bool,
    pub identities: std::collections::HashMap<String, crate::aws::CallerIdentity>,
}

/// Options of `contain`.
pub struct Options<'a> {
    pub case: &'a str,
    pub to: Option<&'a ProfileRef>,
    pub imdsv2: bool,
    pub standby: bool,
}

/// Reads and plans a containment; refuses (naming why) an instance that is
/// not found, a quarantine profile missing in its account, or a role whose
/// inline policies would pass IAM's limit (saying how many fit).
pub async fn plan(session: &Session, ids: &[String], opts: &Options<'_>) -> Result<Plan, Error> {
    check_case(opts.case)?;
    let reads = crate::core::exec::read_for_change(session, true).await?;
    let mut targets = Vec::new();
    let mut quarantine = None;
    for id in ids {
        let row = reads
            .rows
            .iter()
            .find(|r| &r.instance.id == id)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "instance {} is not in the accounts and regions shown",
                    escape(id)
                ))
            })?;
        let account = row.instance.account.clone();
        let profiles = reads.profiles(&account)?;
        let identity = reads.identity(&account);
        let account_id = session
            .account_id(&account, identity.map(|i| i.account.as_str()))
            .ok_or_else(|| {
                Error::Runtime(format!(
                    "the account id of {account} is unknown (sts:GetCallerIdentity failed)"
                ))
            })?
            .to_string();
        let current = row.association.as_ref().filter(|a| a.state.is_active());
        let role = current
            .and_then(|a| profiles.iter().find(|p| p.arn == a.profile.arn))
            .and_then(|p| p.roles.first())
            .map(|r| r.name.clone());
        let to = opts.to.ok_or_else(|| {
            Error::Usage("no quarantine profile: pass --to PROFILE, or set quarantine_profile in the config file".into())
        })?;
        let target = crate::core::plan::find_profile(profiles, to)
            .map_err(|_| {
                Error::Usage(format!(
                    "instance profile {} is not in account {account}",
                    escape(&to.to_string())
                ))
            })?
            .clone();
        let swap = crate::core::plan::change_for(&row.instance, current, Some(&target))
            .map(|mut c| {
                c.account = account.clone();
                c
            })
            .map_err(|r| (r.to_string(), r.nothing_to_do()));
        quarantine.get_or_insert(target);
        let cloud = session
            .account(&account)
            .ok_or_else(|| Error::Runtime(format!("account {account} is not in this session")))?
            .cloud
            .as_ref();
        let region = row.instance.region.clone();
        let group = crate::aws::retry_read(|| cloud.scaling_group(&region, id)).await;
        let group = match group {
            Ok(g) => g,
            // No Auto Scaling to ask: known only from the tag.
            Err(_) => row
                .instance
                .tags
                .iter()
                .find(|(k, _)| k == "aws:autoscaling:groupName")
                .map(|(_, g)| (g.clone(), "unknown".to_string())),
        };
        let tokens = if opts.imdsv2 {
            Some(crate::aws::retry_read(|| cloud.http_tokens(&region, id)).await?)
        } else {
            None
        };
        targets.push(Target {
            instance_arn: instance_arn(&region, &account_id, id),
            account,
            account_id,
            region,
            instance_id: id.clone(),
            name: row.instance.name.clone(),
            role,
            swap,
            group,
            tokens,
        });
    }
    // One deny per role: the role's current inline policies, the case's
    // statement with these instances, and the limit.
    let mut denies: Vec<RoleDeny> = Vec::new();
    for t in &targets {
        let Some(role) = &t.role else { continue };
        match denies
            .iter_mut()
            .find(|d| d.account == t.account && &d.role == role)
        {
            Some(d) => d.instances.push(t.instance_id.clone()),
            None => denies.push(RoleDeny {
                account: t.account.clone(),
                role: role.clone(),
                document: String::new(),
                inline_size: 0,
                instances: vec![t.instance_id.clone()],
                others: Vec::new(),
            }),
        }
    }
    for d in &mut denies {
        let cloud = session
            .account(&d.account)
            .ok_or_else(|| Error::Runtime(format!("account {} is not in this session", d.account)))?
            .cloud
            .as_ref();
        let policies = crate::aws::retry_read(|| cloud.role_policies(&d.role)).await?;
        let inline = |p: &&crate::aws::Policy| p.kind == crate::aws::PolicyKind::Inline;
        let existing = policies.iter().filter(inline).find(|p| p.name == POLICY);
        let arns: Vec<String> = targets
            .iter()
            .filter(|t| d.instances.contains(&t.instance_id))
            .map(|t| t.instance_arn.clone())
            .collect();
        d.document = with_instances(existing.map(|p| p.document.as_str()), opts.case, &arns);
        let others: usize = policies
            .iter()
            .filter(inline)
            .filter(|p| p.name != POLICY)
            .map(|p| size(&p.document))
            .sum();
        d.inline_size = others + size(&d.document);
        if d.inline_size > INLINE_LIMIT {
            // How many instances would fit: each ARN adds about its length.
            // Each ARN adds about its length and its quotes and comma.
            let per = (arns.iter().map(|a| a.len() + 3).sum::<usize>() / arns.len().max(1)).max(1);
            let room = INLINE_LIMIT.saturating_sub(d.inline_size.saturating_sub(per * arns.len()));
            return Err(Error::Usage(format!(
                "role {} would pass IAM's limit of {INLINE_LIMIT} characters for inline policies ({} with this case): {} of the {} instances fit; contain fewer at once, or free room on the role",
                escape(&d.role),
                d.inline_size,
                room / per,
                arns.len()
            )));
        }
        let role_arns: Vec<&str> = reads
            .profiles(&d.account)?
            .iter()
            .filter(|p| p.roles.iter().any(|r| r.name == d.role))
            .map(|p| p.arn.as_str())
            .collect();
        d.others = reads
            .rows
            .iter()
            .filter(|r| r.instance.account == d.account && !d.instances.contains(&r.instance.id))
            .filter(|r| {
                r.association.as_ref().is_some_and(|a| {
                    a.state.is_active() && role_arns.contains(&a.profile.arn.as_str())
                })
            })
            .map(|r| r.instance.id.clone())
            .collect();
    }
    let identities = session
        .accounts
        .iter()
        .filter_map(|a| Some((a.key.clone(), reads.identity(&a.key)?.clone())))
        .collect();
    Ok(Plan {
        case: opts.case.to_string(),
        quarantine,
        targets,
        denies,
        imdsv2: opts.imdsv2,
        standby: opts.standby,
        identities,
    })
}

/// Everything a plan will do, per instance, and each deny in full (what the
/// CLI prints and the TUI's confirmation shows); `label` names an account.
pub fn describe(plan: &Plan, label: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut out = vec![format!("case {}", plan.case)];
    for d in &plan.denies {
        out.push(format!(
            "deny on role {} ({} of {INLINE_LIMIT} characters of inline policy): {} other instance(s) on the role {} working",
            d.role,
            d.inline_size,
            d.others.len(),
            if d.others.len() == 1 { "keeps" } else { "keep" },
        ));
        out.push(format!("  {}", d.document));
    }
    for t in &plan.targets {
        out.push(format!(
            "{} {} {}{}:",
            label(&t.account),
            t.region,
            t.instance_id,
            t.name
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        ));
        out.push(match &t.role {
            Some(r) => format!(
                "  1. deny: iam:PutRolePolicy {POLICY} on role {r} (Deny * where {SOURCE_KEY} = {})",
                t.instance_arn
            ),
            None => "  1. deny: none (the instance runs with no role)".to_string(),
        });
        out.push(match &t.swap {
            Ok(c) => format!("  2. swap: {}", c.kind.calls().join(", then ")),
            Err((why, true)) => format!("  2. swap: none ({why})"),
            Err((why, false)) => format!("  2. swap: REFUSED ({why})"),
        });
        out.push(format!("  3. tag: ec2:CreateTags {CASE_TAG}={}", plan.case));
        if plan.imdsv2 {
            out.push(format!(
                "  4. imdsv2: ec2:ModifyInstanceMetadataOptions HttpTokens {} → required",
                t.tokens.as_deref().unwrap_or("optional")
            ));
        }
        match (&t.group, plan.standby) {
            (Some((g, _)), true) => out.push(format!(
                "  5. standby: autoscaling:EnterStandby in {g} (desired capacity decremented)"
            )),
            (Some((g, _)), false) => out.push(format!(
                "  ⚠ in group {g}: the group may replace or terminate it"
            )),
            (None, _) => {}
        }
    }
    out
}

/// What a step did: its name, the instance (or role), and the outcome.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepResult {
    pub step: String,
    pub instance_id: String,
    pub detail: String,
    pub ok: bool,
    pub error: Option<String>,
}

impl StepResult {
    fn new(step: &str, instance_id: &str, detail: String, r: Result<(), ApiError>) -> Self {
        Self {
            step: step.to_string(),
            instance_id: instance_id.to_string(),
            detail,
            ok: r.is_ok(),
            // A journal that refused the record: why, not just its code.
            error: r.err().map(|e| {
                if e.code() == Some("JournalError") {
                    crate::aws::text::one_line(&e.message)
                } else {
                    e.short()
                }
            }),
        }
    }
}

/// Journals a step's `sent` line, runs it, journals its `done` line. A
/// `sent` line that cannot be written sends nothing.
async fn step<F, Fut>(journal: Option<&Journal>, sent: Entry, run: F) -> Result<(), ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    if let Some(j) = journal {
        j.append(&sent).await.map_err(|e| {
            ApiError::service("journal", "JournalError", format!("{e}: nothing was sent"))
        })?;
    }
    let result = run().await;
    if let Some(j) = journal
        && let Err(e) = j
            .append(&Entry::done_call(&sent, result.as_ref().err()))
            .await
    {
        tracing::error!(error = %e, "cannot write the journal's done line");
    }
    result
}

/// What a step's journal line names: the instance, its Name, the role.
trait Subject {
    fn region(&self) -> &str;
    fn instance_id(&self) -> &str;
    fn name(&self) -> Option<&str>;
    fn role(&self) -> Option<&str>;
}

impl Subject for Target {
    fn region(&self) -> &str {
        &self.region
    }
    fn instance_id(&self) -> &str {
        &self.instance_id
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn role(&self) -> Option<&str> {
        self.role.as_deref()
    }
}

impl Subject for CaseInstance {
    fn region(&self) -> &str {
        &self.region
    }
    fn instance_id(&self) -> &str {
        &self.instance_id
    }
    fn name(&self) -> Option<&str> {
        None
    }
    fn role(&self) -> Option<&str> {
        self.role.as_deref()
    }
}

/// A containment (or release) step's journal line for one instance.
fn line(ctx: &Context, action: &str, s: &impl Subject, aws_cli: String) -> Entry {
    let mut e = Entry::sent_for_role(ctx, action, vec![aws_cli]);
    e.region = s.region().to_string();
    e.instance_id = s.instance_id().to_string();
    e.instance_name = s.name().map(str::to_string);
    e.role = s.role().map(str::to_string);
    e
}

/// Carries out a plan, in the order: deny, swap, tag, IMDSv2,
/// standby; each step journaled with the case id before it is sent.
///
/// Once `stop` is set (a signal), no further step starts: each one left is
/// said as not started; a step under way finishes.
pub async fn run(
    session: &Session,
    plan: &Plan,
    journal: Option<&Journal>,
    stop: &std::sync::atomic::AtomicBool,
) -> Vec<StepResult> {
    let stopped = || stop.load(std::sync::atomic::Ordering::SeqCst);
    let not_started = || {
        Err::<(), _>(ApiError::service(
            "contain",
            "NotStarted",
            "not started: rolecall was stopping",
        ))
    };
    let mut out = Vec::new();
    let ctx = |account: &str| Context {
        batch: crate::core::journal::new_id("b"),
        account: session
            .account_id(
                account,
                plan.identities.get(account).map(|i| i.account.as_str()),
            )
            .map(str::to_string),
        caller_arn: plan.identities.get(account).map(|i| i.arn.clone()),
        undo_of: None,
        case: Some(plan.case.clone()),
    };
    let push = |out: &mut Vec<StepResult>,
                step: &str,
                id: &str,
                detail: String,
                r: Result<(), ApiError>| {
        out.push(StepResult::new(step, id, detail, r));
    };
    // 1. deny, one PutRolePolicy per role, journaled per instance.
    for d in &plan.denies {
        if stopped() {
            for id in &d.instances {
                push(
                    &mut out,
                    "deny",
                    id,
                    format!("role {}", d.role),
                    not_started(),
                );
            }
            continue;
        }
        let Some(cloud) = session.account(&d.account).map(|a| a.cloud.clone()) else {
            continue;
        };
        let c = ctx(&d.account);
        let mut sents = Vec::new();
        let mut journaled = true;
        for t in plan
            .targets
            .iter()
            .filter(|t| d.instances.contains(&t.instance_id))
        {
            let e = line(
                &c,
                "contain_deny",
                t,
                format!(
                    "aws iam put-role-policy --role-name {} --policy-name {POLICY} --policy-document '{}'",
                    d.role, d.document
                ),
            );
            if let Some(j) = journal
                && let Err(err) = j.append(&e).await
            {
                push(
                    &mut out,
                    "deny",
                    &t.instance_id,
                    format!("role {}", d.role),
                    Err(ApiError::service(
                        "journal",
                        "JournalError",
                        format!("{err}: nothing was sent"),
                    )),
                );
                journaled = false;
                break;
            }
            sents.push(e);
        }
        if !journaled {
            continue;
        }
        let r = cloud.put_role_policy(&d.role, POLICY, &d.document).await;
        for e in &sents {
            if let Some(j) = journal
                && let Err(err) = j.append(&Entry::done_call(e, r.as_ref().err())).await
            {
                tracing::error!(error = %err, "cannot write the journal's done line");
            }
            push(
                &mut out,
                "deny",
                &e.instance_id,
                format!("role {} ({SOURCE_KEY})", d.role),
                r.clone(),
            );
        }
    }
    // 2. swap, through the executor every change goes through.
    let changes: Vec<(crate::core::change::Change, Option<String>)> = plan
        .targets
        .iter()
        .filter_map(|t| Some((t.swap.clone().ok()?, t.name.clone())))
        .collect();
    // One at a time (a containment is a handful of instances), each through
    // the executor every change goes through.
    let mut results = Vec::new();
    for (change, name) in &changes {
        if stopped() {
            results.push(Err(change.instance_id.clone()));
            continue;
        }
        let Some(account) = session.account(&change.account) else {
            continue;
        };
        let context = ctx(&change.account);
        let record = journal.map(|journal| crate::core::exec::Record {
            journal,
            context: &context,
            instance_name: name.as_deref(),
        });
        results.push(Ok(crate::core::exec::run_recorded(
            account.cloud.as_ref(),
            change,
            record,
            &|_| {},
        )
        .await));
    }
    for ((c, _), r) in changes.iter().zip(results) {
        let to = c.to.as_ref().map_or("—".to_string(), |p| p.name.clone());
        let r = match r {
            // Not started: rolecall was stopping.
            Err(_) => not_started(),
            Ok(Ok(o)) => o.result.map(|_| ()).map_err(|e| match e.error() {
                Some(api) => api.clone(),
                None => ApiError::service("swap", "Failed", e.to_string()),
            }),
            Ok(Err(e)) => Err(ApiError::service("journal", "JournalError", e.to_string())),
        };
        push(&mut out, "swap", &c.instance_id, format!("to {to}"), r);
    }
    for t in &plan.targets {
        if let Err((why, fine)) = &t.swap {
            out.push(StepResult {
                step: "swap".into(),
                instance_id: t.instance_id.clone(),
                detail: if *fine {
                    why.clone()
                } else {
                    "not swapped".into()
                },
                ok: *fine,
                error: (!fine).then(|| why.clone()),
            });
        }
    }
    for t in &plan.targets {
        if stopped() {
            push(
                &mut out,
                "tag",
                &t.instance_id,
                format!("{CASE_TAG}={}", plan.case),
                not_started(),
            );
            continue;
        }
        let Some(cloud) = session.account(&t.account).map(|a| a.cloud.clone()) else {
            continue;
        };
        let c = ctx(&t.account);
        // 3. tag.
        let e = line(
            &c,
            "contain_tag",
            t,
            format!(
                "aws ec2 create-tags --region {} --resources {} --tags Key={CASE_TAG},Value={}",
                t.region, t.instance_id, plan.case
            ),
        );
        let r = step(journal, e, || {
            cloud.create_tag(&t.region, &t.instance_id, CASE_TAG, &plan.case)
        })
        .await;
        push(
            &mut out,
            "tag",
            &t.instance_id,
            format!("{CASE_TAG}={}", plan.case),
            r,
        );
        // 4. IMDSv2, the value before recorded.
        if plan.imdsv2 {
            let before = t.tokens.clone().unwrap_or_else(|| "optional".into());
            if before == "required" {
                push(
                    &mut out,
                    "imdsv2",
                    &t.instance_id,
                    "already required".into(),
                    Ok(()),
                );
            } else {
                let mut e = line(
                    &c,
                    "contain_imdsv2",
                    t,
                    format!(
                        "aws ec2 modify-instance-metadata-options --region {} --instance-id {} --http-tokens required",
                        t.region, t.instance_id
                    ),
                );
                e.previous = Some(before.clone());
                let r = step(journal, e, || {
                    cloud.set_http_tokens(&t.region, &t.instance_id, "required")
                })
                .await;
                push(
                    &mut out,
                    "imdsv2",
                    &t.instance_id,
                    format!("HttpTokens {before} → required"),
                    r,
                );
            }
        }
        // 5. standby, for an instance in a group.
        if plan.standby
            && let Some((group, state)) = &t.group
        {
            if state == "Standby" {
                push(
                    &mut out,
                    "standby",
                    &t.instance_id,
                    format!("already in Standby in {group}"),
                    Ok(()),
                );
            } else {
                let mut e = line(
                    &c,
                    "contain_standby",
                    t,
                    format!(
                        "aws autoscaling enter-standby --region {} --auto-scaling-group-name {group} --instance-ids {} --should-decrement-desired-capacity",
                        t.region, t.instance_id
                    ),
                );
                e.previous = Some(group.clone());
                let r = step(journal, e, || {
                    cloud.set_standby(&t.region, group, &t.instance_id, true)
                })
                .await;
                push(
                    &mut out,
                    "standby",
                    &t.instance_id,
                    format!("Standby in {group}"),
                    r,
                );
            }
        }
    }
    out
}

/// What the journal holds of a case: its instances, and each one's steps
/// that worked (latest outcome per step), oldest first.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CaseRecord {
    pub case: String,
    pub opened: String,
    pub caller_arn: Option<String>,
    pub instances: Vec<CaseInstance>,
    /// Released: every instance's release finished.
    pub released: bool,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CaseInstance {
    pub account: Option<String>,
    pub region: String,
    pub instance_id: String,
    pub role: Option<String>,
    /// Every role a deny of the case went on (a containment run again may
    /// have put one on another role).
    pub deny_roles: Vec<String>,
    /// The profile it had before the swap, and the one it was put on.
    pub from_profile_arn: Option<String>,
    pub to_profile_arn: Option<String>,
    pub swapped: bool,
    pub denied: bool,
    pub tagged: bool,
    /// HttpTokens before, when the containment changed it.
    pub tokens_before: Option<String>,
    /// The group it entered Standby in.
    pub standby_group: Option<String>,
    /// The batch of its swap (a release's swap back names it as undone).
    pub swap_batch: Option<String>,
    /// Each step and what is known of it (`ok`, `failed`, `unknown`).
    pub steps: Vec<(String, String)>,
}

/// How long to wait before `release` reads what a case's steps did: a step
/// whose outcome is not on record, sent less than `timeout` before `now`,
/// may still reach AWS (its sender died, its request did not).
pub fn settle_time(
    entries: &[Entry],
    case: &str,
    timeout: std::time::Duration,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    let records = crate::core::journal::records(entries);
    crate::core::journal::settle_time(
        records
            .iter()
            .filter(|r| r.entry.case.as_deref() == Some(case))
            .filter(|r| {
                matches!(
                    r.known,
                    crate::core::journal::Known::Unknown | crate::core::journal::Known::Partial
                )
            })
            .map(|r| r.entry),
        timeout,
        now,
    )
}

/// Every case the journal records, newest first.
pub fn cases(entries: &[Entry]) -> Vec<CaseRecord> {
    let records = crate::core::journal::records(entries);
    let mut out: Vec<CaseRecord> = Vec::new();
    // Oldest first, so that the latest word on each step wins.
    for r in records.iter().rev() {
        let e = r.entry;
        let Some(case) = &e.case else { continue };
        let n = match out.iter().position(|c| &c.case == case) {
            Some(n) => n,
            None => {
                out.push(CaseRecord {
                    case: case.clone(),
                    opened: e.time.clone(),
                    caller_arn: e.caller_arn.clone(),
                    ..Default::default()
                });
                out.len() - 1
            }
        };
        let c = &mut out[n];
        if e.instance_id.is_empty() {
            continue;
        }
        let k = match c
            .instances
            .iter()
            .position(|i| i.instance_id == e.instance_id)
        {
            Some(k) => k,
            None => {
                c.instances.push(CaseInstance {
                    account: e.account.clone(),
                    region: e.region.clone(),
                    instance_id: e.instance_id.clone(),
                    ..Default::default()
                });
                c.instances.len() - 1
            }
        };
        let i = &mut c.instances[k];
        let ok = r.known == crate::core::journal::Known::Ok;
        // A containment step whose outcome is not on record (kill -9, a
        // lost answer) may have happened: release treats it as done and
        // checks what the instance shows. Only a release that worked clears.
        let maybe = r.known != crate::core::journal::Known::Failed;
        let word = r.known.word().to_string();
        let step = e.action.clone();
        i.steps.retain(|(s, _)| s != &step);
        i.steps.push((step.clone(), word));
        match step.as_str() {
            "contain_deny" => {
                if maybe && let Some(role) = &e.role {
                    i.denied = true;
                    if !i.deny_roles.contains(role) {
                        i.deny_roles.push(role.clone());
                    }
                }
                // The role it ran with when first contained.
                if i.role.is_none() {
                    i.role = e.role.clone();
                }
            }
            "release_deny" if ok => {
                if let Some(role) = &e.role {
                    i.deny_roles.retain(|r| r != role);
                }
                i.denied = !i.deny_roles.is_empty();
            }
            "contain_tag" => i.tagged |= maybe,
            "release_tag" if ok => i.tagged = false,
            "contain_imdsv2" if maybe => i.tokens_before = e.previous.clone(),
            "release_imdsv2" if ok => i.tokens_before = None,
            "contain_standby" if maybe => i.standby_group = e.previous.clone(),
            "release_standby" if ok => i.standby_group = None,
            // Already back when release looked: nothing was sent.
            "release_swap" if ok => i.swapped = false,
            "associate" | "replace" | "disassociate" | "detach_then_associate" => {
                if e.undo_of.is_none() && !i.swapped && maybe {
                    i.swapped = true;
                    i.swap_batch = Some(e.batch.clone());
                    i.from_profile_arn = e.from_profile_arn.clone();
                    i.to_profile_arn = e.to_profile_arn.clone();
                } else if e.undo_of.is_some() && ok {
                    i.swapped = false;
                }
            }
            _ => {}
        }
    }
    for c in &mut out {
        c.released = c.instances.iter().all(|i| {
            !i.denied
                && !i.tagged
                && !i.swapped
                && i.tokens_before.is_none()
                && i.standby_group.is_none()
        }) && c
            .instances
            .iter()
            .any(|i| i.steps.iter().any(|(s, _)| s.starts_with("release_")));
    }
    out.reverse();
    out
}

/// The session's key of an account id from the journal.
async fn key_of(session: &Session, id: Option<&str>) -> Option<String> {
    let id = id?;
    for a in &session.accounts {
        let known = match &a.id {
            Some(k) => Some(k.clone()),
            None => crate::aws::retry_read(|| a.cloud.caller_identity())
                .await
                .ok()
                .map(|i| i.account),
        };
        if known.as_deref() == Some(id) {
            return Some(a.key.clone());
        }
    }
    None
}

/// `release CASE`: each instance's steps undone in reverse order (standby,
/// metadata option, tag, profile, deny), each checked against what the
/// instance shows now (so that a release interrupted half way is finished
/// by running it again) and journaled. An instance whose profile was
/// changed since by someone else keeps it, named, unless `force`.
pub async fn release(
    session: &Session,
    journal: &Journal,
    case: &str,
    force: bool,
    dry_run: bool,
    timeout: std::time::Duration,
) -> Result<Vec<StepResult>, Error> {
    let (entries, _) = journal
        .read()
        .await
        .map_err(|e| Error::Runtime(e.to_string()))?;
    if !dry_run
        && let Some(wait) = settle_time(&entries, case, timeout, std::time::SystemTime::now())
    {
        eprintln!(
            "rolecall: waiting {:.0} s: a step of case {} whose outcome is not on record was sent under {} s ago and may still land",
            wait.as_secs_f64().ceil(),
            escape(case),
            timeout.as_secs()
        );
        tokio::time::sleep(wait).await;
    }
    let record = cases(&entries)
        .into_iter()
        .find(|c| c.case == case)
        .ok_or_else(|| Error::Usage(format!("the journal has no case {}", escape(case))))?;
    let mut out = Vec::new();
    let mut push = |step: &str, id: &str, detail: String, r: Result<(), ApiError>| {
        out.push(StepResult::new(step, id, detail, r));
    };
    let planned = |what: &str| {
        Err::<(), _>(ApiError::service(
            "dry-run",
            "DryRun",
            format!("would {what}"),
        ))
    };
    let mut denies: Vec<(String, String, Vec<CaseInstance>)> = Vec::new();
    for i in &record.instances {
        let Some(key) = key_of(session, i.account.as_deref()).await else {
            push(
                "release",
                &i.instance_id,
                "its account is not in this session".into(),
                Err(ApiError::service(
                    "release",
                    "NotShown",
                    "pass the --profile that reaches its account",
                )),
            );
            continue;
        };
        let Some(account) = session.account(&key) else {
            continue;
        };
        let cloud = account.cloud.clone();
        let identity = crate::aws::retry_read(|| cloud.caller_identity())
            .await
            .ok();
        let ctx = Context {
            batch: crate::core::journal::new_id("b"),
            account: i.account.clone(),
            caller_arn: identity.map(|i| i.arn),
            undo_of: i.swap_batch.clone(),
            case: Some(case.to_string()),
        };
        let (region, id) = (i.region.as_str(), i.instance_id.as_str());
        // Standby, then the metadata option, then the tag.
        if let Some(group) = &i.standby_group {
            let now = crate::aws::retry_read(|| cloud.scaling_group(region, id)).await;
            if let Err(e) = now {
                // Unknown is not "out of Standby": said, and left for a rerun.
                push("standby", id, format!("exit Standby in {group}"), Err(e));
            } else {
                let in_standby = matches!(&now, Ok(Some((_, s))) if s == "Standby");
                let r = if dry_run {
                    if in_standby {
                        planned(&format!("exit Standby in {group}"))
                    } else {
                        Ok(())
                    }
                } else {
                    let e = line(
                        &ctx,
                        "release_standby",
                        i,
                        format!(
                            "aws autoscaling exit-standby --region {region} --auto-scaling-group-name {group} --instance-ids {id}"
                        ),
                    );
                    step(Some(journal), e, || async {
                        if in_standby {
                            cloud.set_standby(region, group, id, false).await
                        } else {
                            Ok(())
                        }
                    })
                    .await
                };
                push("standby", id, format!("exit Standby in {group}"), r);
            }
        }
        if let Some(before) = &i.tokens_before {
            let r = if dry_run {
                planned(&format!("put HttpTokens back to {before}"))
            } else {
                let e = line(
                    &ctx,
                    "release_imdsv2",
                    i,
                    format!(
                        "aws ec2 modify-instance-metadata-options --region {region} --instance-id {id} --http-tokens {before}"
                    ),
                );
                step(Some(journal), e, || {
                    cloud.set_http_tokens(region, id, before)
                })
                .await
            };
            push("imdsv2", id, format!("HttpTokens back to {before}"), r);
        }
        if i.tagged {
            let r = if dry_run {
                planned(&format!("remove the tag {CASE_TAG}"))
            } else {
                let e = line(
                    &ctx,
                    "release_tag",
                    i,
                    format!(
                        "aws ec2 delete-tags --region {region} --resources {id} --tags Key={CASE_TAG}"
                    ),
                );
                step(Some(journal), e, || cloud.delete_tag(region, id, CASE_TAG)).await
            };
            push("tag", id, format!("remove {CASE_TAG}"), r);
        }
        // The profile it had, unless someone changed it since.
        if i.swapped {
            let r = put_back(session, &key, journal, &ctx, i, force, dry_run).await;
            let from = i
                .from_profile_arn
                .as_deref()
                .map_or("no profile".to_string(), |a| {
                    crate::aws::profile_name_from_arn(a).to_string()
                });
            push("swap", id, format!("back to {from}"), r);
        }
        for role in &i.deny_roles {
            match denies.iter_mut().find(|(k, r, _)| k == &key && r == role) {
                Some((_, _, list)) => list.push(i.clone()),
                None => denies.push((key.clone(), role.clone(), vec![i.clone()])),
            }
        }
    }
    // Last, the instances out of the case's statement (the policy goes when
    // it is empty).
    for (key, role, instances) in denies {
        let Some(account) = session.account(&key) else {
            continue;
        };
        let cloud = account.cloud.clone();
        let policies = match crate::aws::retry_read(|| cloud.role_policies(&role)).await {
            Ok(p) => p,
            // The role is gone: so is its deny.
            Err(e) if e.code() == Some("NoSuchEntity") => Vec::new(),
            Err(e) => {
                for i in &instances {
                    push(
                        "deny",
                        &i.instance_id,
                        format!("role {role}"),
                        Err(e.clone()),
                    );
                }
                continue;
            }
        };
        let existing = policies
            .iter()
            .find(|p| p.kind == crate::aws::PolicyKind::Inline && p.name == POLICY);
        let arns: Vec<String> = cases_in(existing.map_or("", |p| p.document.as_str()))
            .into_iter()
            .filter(|(s, _)| *s == sid(case))
            .flat_map(|(_, a)| a)
            .filter(|a| {
                instances
                    .iter()
                    .any(|i| a.ends_with(&format!("/{}", i.instance_id)))
            })
            .collect();
        let identity = crate::aws::retry_read(|| cloud.caller_identity())
            .await
            .ok();
        let ctx = Context {
            batch: crate::core::journal::new_id("b"),
            account: instances[0].account.clone(),
            caller_arn: identity.map(|i| i.arn),
            undo_of: None,
            case: Some(case.to_string()),
        };
        let after = existing.and_then(|p| without_instances(&p.document, case, &arns));
        let cli = match &after {
            Some(doc) => format!(
                "aws iam put-role-policy --role-name {role} --policy-name {POLICY} --policy-document '{doc}'"
            ),
            None => format!("aws iam delete-role-policy --role-name {role} --policy-name {POLICY}"),
        };
        if dry_run {
            for i in &instances {
                push(
                    "deny",
                    &i.instance_id,
                    format!("role {role}"),
                    planned(&format!("take it out of {POLICY} on {role}")),
                );
            }
            continue;
        }
        let sents: Vec<Entry> = instances
            .iter()
            .map(|i| {
                let mut e = line(&ctx, "release_deny", i, cli.clone());
                e.role = Some(role.clone());
                e
            })
            .collect();
        let mut written = true;
        for e in &sents {
            if let Err(err) = journal.append(e).await {
                written = false;
                push(
                    "deny",
                    &e.instance_id,
                    format!("role {role}"),
                    Err(ApiError::service(
                        "journal",
                        "JournalError",
                        format!("{err}: nothing was sent"),
                    )),
                );
                break;
            }
        }
        if !written {
            continue;
        }
        let r = match (&after, existing.is_some() && !arns.is_empty()) {
            // Already out of the statement: nothing to send.
            (_, false) => Ok(()),
            (Some(doc), true) => cloud.put_role_policy(&role, POLICY, doc).await,
            (None, true) => cloud.delete_role_policy(&role, POLICY).await,
        };
        for e in &sents {
            if let Err(err) = journal.append(&Entry::done_call(e, r.as_ref().err())).await {
                tracing::error!(error = %err, "cannot write the journal's done line");
            }
            let what = if after.is_none() {
                format!("{POLICY} removed from {role}")
            } else {
                format!("out of {POLICY} on {role}")
            };
            push("deny", &e.instance_id, what, r.clone());
        }
    }
    Ok(out)
}

/// Puts a contained instance back on the profile it had (a swap journaled
/// as the undo of the containment's), or says why not.
async fn put_back(
    session: &Session,
    key: &str,
    journal: &Journal,
    ctx: &Context,
    i: &CaseInstance,
    force: bool,
    dry_run: bool,
) -> Result<(), ApiError> {
    let Some(account) = session.account(key) else {
        return Err(ApiError::service(
            "release",
            "NotShown",
            "its account is not in this session",
        ));
    };
    let cloud = account.cloud.as_ref();
    // A swap moments ago may still be settling (associating): AWS refuses
    // to replace it until then, so wait for it, within a minute.
    let mut tries = 0;
    let (instances, associations) = loop {
        let (instances, associations) =
            crate::aws::retry_read(|| crate::core::inventory::fetch_region(cloud, &i.region))
                .await?;
        let settling = associations.iter().any(|a| {
            a.instance_id == i.instance_id
                && matches!(
                    a.state,
                    crate::aws::AssociationState::Associating
                        | crate::aws::AssociationState::Disassociating
                )
        });
        tries += 1;
        if !settling || tries >= 60 || dry_run {
            break (instances, associations);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    };
    let Some(instance) = instances.into_iter().find(|x| x.id == i.instance_id) else {
        return Err(ApiError::service(
            "release",
            "InvalidInstanceID.NotFound",
            "the instance is gone",
        ));
    };
    let current = associations
        .iter()
        .find(|a| a.instance_id == i.instance_id && a.state.is_active());
    let now = current.map(|a| a.profile.arn.as_str());
    if now == i.from_profile_arn.as_deref() {
        // Already back (a release killed after its swap): recorded, so the
        // case reads as released; nothing is sent.
        if !dry_run {
            let e = line(
                ctx,
                "release_swap",
                i,
                "(nothing sent: the instance already has its profile back)".into(),
            );
            step(Some(journal), e, || async { Ok(()) }).await?;
        }
        return Ok(());
    }
    // No profile now: the detach of a two-call swap happened and the
    // associate did not; putting the old one back is still ours to do.
    let half_done = now.is_none();
    if now != i.to_profile_arn.as_deref() && !half_done && !force {
        return Err(ApiError::service(
            "release",
            "ChangedSince",
            format!(
                "its profile was changed since the containment (now {}): left as it is (--force puts it back)",
                now.map_or("none", crate::aws::profile_name_from_arn)
            ),
        ));
    }
    let target = match &i.from_profile_arn {
        None => None,
        Some(arn) => {
            let profiles = crate::aws::retry_read(|| account.instance_profiles()).await?;
            Some(
                profiles
                    .into_iter()
                    .find(|p| &p.arn == arn)
                    .ok_or_else(|| {
                        ApiError::service(
                            "release",
                            "NoSuchEntity",
                            format!("profile {arn} no longer exists"),
                        )
                    })?,
            )
        }
    };
    let mut change = crate::core::plan::change_for(&instance, current, target.as_ref())
        .map_err(|r| ApiError::service("release", "Refused", r.to_string()))?;
    change.account = key.to_string();
    if dry_run {
        return Err(ApiError::service(
            "dry-run",
            "DryRun",
            format!("would {}", change.kind.calls().join(", then ")),
        ));
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    let context = |_: &str| ctx.clone();
    let results = crate::core::bulk::run(
        session,
        &[(change, instance.name.clone())],
        1,
        Some(journal),
        &context,
        &stop,
        &|_, _| {},
    )
    .await;
    match results.into_iter().next() {
        Some(Ok(o)) => o.result.map(|_| ()).map_err(|e| match e.error() {
            Some(api) => api.clone(),
            None => ApiError::service("swap", "Failed", e.to_string()),
        }),
        Some(Err(e)) => Err(ApiError::service("journal", "JournalError", e.to_string())),
        None => Ok(()),
    }
}

/// A policy rolecall put on a role during an incident, found on it now.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Found {
    pub account: String,
    pub role: String,
    /// `rolecall-contain` (a case's statement) or `AWSRevokeOlderSessions`.
    pub policy: String,
    /// The case's Sid and its instances, or the revocation's cut-off.
    pub detail: String,
    /// A revocation: how old it is, and whether it may go (12 hours since:
    /// the longest a role session lasts).
    pub age: Option<String>,
    pub removable: Option<bool>,
}

/// What the cases view shows: the journal's cases, and what is on the roles.
pub type CasesData = (Vec<CaseRecord>, Vec<Found>);

/// Every containment statement and revocation policy on the roles of the
/// profiles in the session's accounts.
pub async fn scan(session: &Session) -> Result<Vec<Found>, Error> {
    let now = std::time::SystemTime::now();
    let mut out = Vec::new();
    for a in &session.accounts {
        let profiles = crate::aws::retry_read(|| a.instance_profiles()).await?;
        let mut roles: Vec<String> = profiles
            .iter()
            .flat_map(|p| p.roles.iter().map(|r| r.name.clone()))
            .collect();
        roles.sort();
        roles.dedup();
        // The roles' policies read at once.
        let read = futures::future::join_all(roles.iter().map(|role| async move {
            crate::aws::retry_read(|| a.cloud.role_policies(role)).await
        }))
        .await;
        for (role, read) in roles.into_iter().zip(read) {
            let policies = match read {
                Ok(p) => p,
                Err(e) => {
                    out.push(Found {
                        account: a.key.clone(),
                        role: role.clone(),
                        policy: "?".into(),
                        detail: format!("cannot read its policies: {}", e.short()),
                        age: None,
                        removable: None,
                    });
                    continue;
                }
            };
            for p in policies
                .iter()
                .filter(|p| p.kind == crate::aws::PolicyKind::Inline)
            {
                if p.name == POLICY {
                    for (sid, arns) in cases_in(&p.document) {
                        out.push(Found {
                            account: a.key.clone(),
                            role: role.clone(),
                            policy: POLICY.into(),
                            detail: format!("{sid}: {}", arns.join(", ")),
                            age: None,
                            removable: Some(false),
                        });
                    }
                } else if p.name == crate::core::revoke::REVOKE_POLICY_NAME {
                    let before = crate::core::revoke::revoked_before_in(&p.document);
                    let age_secs = before
                        .as_deref()
                        .and_then(|b| humantime::parse_rfc3339_weak(b).ok())
                        .and_then(|t| now.duration_since(t).ok())
                        .map(|d| d.as_secs());
                    out.push(Found {
                        account: a.key.clone(),
                        role: role.clone(),
                        policy: p.name.clone(),
                        detail: format!(
                            "sessions issued before {} denied",
                            before.clone().unwrap_or_else(|| "?".into())
                        ),
                        age: before
                            .as_deref()
                            .and_then(|b| crate::core::revoke::age(b, now)),
                        removable: age_secs.map(|s| s >= 12 * 3600),
                    });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "arn:aws:ec2:us-east-1:123456789012:instance/i-1";
    const B: &str = "arn:aws:ec2:us-east-1:123456789012:instance/i-2";

    #[test]
    fn a_case_statement_grows_and_shrinks_and_the_policy_goes_when_empty() {
        let one = with_instances(None, "IR-1", &[A.to_string()]);
        let two = with_instances(Some(&one), "IR-1", &[B.to_string(), A.to_string()]);
        assert_eq!(
            cases_in(&two),
            [(sid("IR-1"), vec![A.to_string(), B.to_string()])]
        );
        // Another case keeps its own statement.
        let other = with_instances(Some(&two), "IR-2", &[B.to_string()]);
        assert_eq!(cases_in(&other).len(), 2);
        let less = without_instances(&other, "IR-1", &[A.to_string()]).unwrap();
        assert_eq!(
            cases_in(&less),
            [
                (sid("IR-1"), vec![B.to_string()]),
                (sid("IR-2"), vec![B.to_string()])
            ]
        );
        let less = without_instances(&less, "IR-1", &[B.to_string()]).unwrap();
        assert_eq!(cases_in(&less), [(sid("IR-2"), vec![B.to_string()])]);
        assert_eq!(without_instances(&less, "IR-2", &[B.to_string()]), None);
    }

    #[test]
    fn the_deny_is_what_iam_evaluates_for_that_instance_only() {
        let doc = with_instances(None, "IR-1", &[A.to_string()]);
        let policy = crate::aws::Policy {
            name: POLICY.into(),
            arn: None,
            kind: crate::aws::PolicyKind::Inline,
            document: doc,
        };
        let role = crate::core::eval::role_policies(&[crate::core::policy::parse(&policy)]);
        // Keyed on the instance: conditional for the role as a whole.
        assert_eq!(
            crate::core::eval::decide(&role, "s3:GetObject", "*").decision,
            crate::core::eval::Decision::NotAllowed
        );
        assert!(role.identity[0].condition.as_deref().unwrap().contains(A));
    }

    fn step_entry(action: &str, role: &str, failed: bool) -> Vec<Entry> {
        let ctx = Context {
            batch: "b-1".into(),
            case: Some("IR-1".into()),
            ..Default::default()
        };
        let mut e = Entry::sent_for_role(&ctx, action, vec![]);
        e.instance_id = "i-1".into();
        e.region = "us-east-1".into();
        e.role = Some(role.into());
        let err = ApiError::service("iam:PutRolePolicy", "AccessDenied", "no");
        let done = Entry::done_call(&e, failed.then_some(&err));
        vec![e, done]
    }

    #[test]
    fn a_case_contained_twice_remembers_every_role_its_denies_went_on() {
        let mut entries = step_entry("contain_deny", "AppRole", false);
        // Run again on the quarantine role, refused: the first deny stands.
        entries.extend(step_entry("contain_deny", "QuarantineRole", true));
        let i = &cases(&entries)[0].instances[0];
        assert_eq!(
            (i.denied, i.deny_roles.clone()),
            (true, vec!["AppRole".to_string()])
        );
        assert_eq!(i.role.as_deref(), Some("AppRole"));
        // Run again and put: both roles are released.
        entries.extend(step_entry("contain_deny", "QuarantineRole", false));
        let i = &cases(&entries)[0].instances[0];
        assert_eq!(i.deny_roles, ["AppRole", "QuarantineRole"]);
        entries.extend(step_entry("release_deny", "AppRole", false));
        let i = &cases(&entries)[0].instances[0];
        assert_eq!(
            (i.denied, i.deny_roles.clone()),
            (true, vec!["QuarantineRole".to_string()])
        );
        entries.extend(step_entry("release_deny", "QuarantineRole", false));
        assert!(!cases(&entries)[0].instances[0].denied);
    }

    #[test]
    fn case_ids_and_sizes() {
        assert!(check_case("IR-20261203-0310").is_ok());
        assert!(check_case("").is_err());
        assert!(check_case("a b").is_err());
        assert!(check_case("\u{1b}[2J").is_err());
        // Ids that differ only in what a Sid cannot hold stay apart.
        assert!(sid("IR-2026:x").starts_with("RolecallContainIR2026x"));
        assert_ne!(sid("IR-2026-1"), sid("IR-20261"));
        assert_eq!(sid("IR1"), "RolecallContainIR1");
        assert_eq!(size("{ \"a\" : 1 }"), 7);
        let t = humantime::parse_rfc3339("2026-12-03T03:10:59Z").unwrap();
        assert_eq!(default_case(t), "IR-20261203-0310");
    }
}
