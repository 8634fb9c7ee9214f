//! The in-memory account's CloudTrail: every association change it makes is
//! recorded with its caller, as CloudTrail records EC2's, next to the
//! fleet's seeded past (other principals' changes); LookupEvents pages them.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::{MemoryAccount, World, hash, lock};
use crate::aws::faults::Op;
use crate::aws::fleet::FleetInstance;
use crate::aws::{ApiError, Association, TrailEvent, TrailPage, actions};

/// Where the demo operator's calls come from, and what they say they are.
pub(super) const OPERATOR_IP: &str = "192.0.2.44";
pub(super) const OPERATOR_AGENT: &str = "aws-sdk-rust/1.3 os/linux lang/rust app/rolecall";

/// LookupEvents answers at most this many events a page.
const PAGE: usize = 50;

/// One call's record, as CloudTrail writes it for EC2.
pub(super) struct Call<'a> {
    pub name: &'static str,
    pub actor: &'a str,
    pub source_ip: &'a str,
    pub user_agent: &'a str,
    pub request: Value,
    pub response: Value,
    pub error: Option<&'a str>,
    pub request_id: String,
}

/// A request id as AWS writes them.
pub(super) fn request_id(n: u64) -> String {
    let h = format!("{:016x}{:016x}", hash(n), hash(n ^ 0x5eed));
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An association as a response element.
pub(super) fn answer(a: &Association) -> Value {
    json!({"iamInstanceProfileAssociation": {
        "associationId": a.id,
        "instanceId": a.instance_id,
        "iamInstanceProfile": {"arn": a.profile.arn, "id": a.profile.id},
        "state": a.state.as_str(),
    }})
}

/// The userIdentity of an ARN: an assumed role's session names the role.
fn identity(actor: &str) -> Value {
    match actor.split_once(":assumed-role/") {
        Some((head, rest)) => {
            let account = head.rsplit(':').next().unwrap_or_default();
            let role = rest.split('/').next().unwrap_or_default();
            json!({"type": "AssumedRole", "arn": actor, "accountId": account,
                   "sessionContext": {"sessionIssuer": {"type": "Role",
                       "arn": format!("arn:aws:iam::{account}:role/{role}"), "userName": role}}})
        }
        None => json!({"type": "IAMUser", "arn": actor}),
    }
}

pub(super) fn record(
    trail: &mut Vec<(String, TrailEvent)>,
    region: &str,
    time: SystemTime,
    call: Call<'_>,
) {
    let id = request_id(hash(trail.len() as u64 + 7_777));
    let mut record = json!({
        "eventVersion": "1.09",
        "userIdentity": identity(call.actor),
        "eventTime": humantime::format_rfc3339_seconds(time).to_string(),
        "eventSource": "ec2.amazonaws.com",
        "eventName": call.name,
        "awsRegion": region,
        "sourceIPAddress": call.source_ip,
        "userAgent": call.user_agent,
        "requestParameters": call.request,
        "responseElements": call.response,
        "requestID": call.request_id,
        "eventID": id,
        "eventType": "AwsApiCall",
    });
    if let Some(code) = call.error {
        record["errorCode"] = json!(code);
        record["errorMessage"] = json!("You are not authorized to perform this operation.");
        record["responseElements"] = Value::Null;
    }
    trail.push((
        region.to_string(),
        TrailEvent {
            id,
            name: call.name.to_string(),
            time: Some(time),
            record: record.to_string(),
        },
    ));
}

/// Records a fleet instance's seeded past; returns the association it ends
/// on (id, made when), which the account then holds as current.
pub(super) fn seed(
    trail: &mut Vec<(String, TrailEvent)>,
    region: &str,
    fi: &FleetInstance,
    now: SystemTime,
    profile_arn: &dyn Fn(&str) -> String,
    new_id: &mut dyn FnMut() -> String,
) -> Option<(String, SystemTime)> {
    // The association it was launched with, for a first replace.
    let mut current: Option<(String, SystemTime)> = Some((new_id(), now));
    for (n, e) in fi.history.iter().enumerate() {
        let time = Duration::try_from_secs_f64(e.hours_ago * 3_600.0)
            .ok()
            .and_then(|ago| now.checked_sub(ago))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if n == 0 && e.event == "associate" {
            current = None;
        }
        let to = e.to.as_deref().unwrap_or_default();
        let made = new_id();
        let made_answer = |id: &str| {
            json!({"iamInstanceProfileAssociation": {"associationId": id, "instanceId": fi.id,
                "iamInstanceProfile": {"arn": profile_arn(to)}, "state": "associating"}})
        };
        let old = current.as_ref().map(|c| c.0.clone()).unwrap_or_default();
        let (name, request, response) = match e.event.as_str() {
            "associate" => (
                "AssociateIamInstanceProfile",
                json!({"AssociateIamInstanceProfileRequest": {"InstanceId": fi.id, "IamInstanceProfile": {"Name": to}}}),
                made_answer(&made),
            ),
            "replace" => (
                "ReplaceIamInstanceProfileAssociation",
                json!({"ReplaceIamInstanceProfileAssociationRequest": {"AssociationId": old, "IamInstanceProfile": {"Name": to}}}),
                made_answer(&made),
            ),
            _ => (
                "DisassociateIamInstanceProfile",
                json!({"DisassociateIamInstanceProfileRequest": {"AssociationId": old}}),
                json!({"iamInstanceProfileAssociation": {"associationId": old, "instanceId": fi.id, "state": "disassociating"}}),
            ),
        };
        record(
            trail,
            region,
            time,
            Call {
                name,
                actor: &e.actor,
                source_ip: &e.source_ip,
                user_agent: &e.user_agent,
                request,
                response,
                error: e.error.as_deref(),
                request_id: request_id(hash(trail.len() as u64 + 99)),
            },
        );
        if e.error.is_none() {
            current = (e.event != "disassociate").then_some((made, time));
        }
    }
    current
}

/// LookupEvents by event name: newest first, 50 a page, the token the
/// position of the next page.
pub(super) async fn lookup_events(
    account: &MemoryAccount,
    region: &str,
    event_name: &str,
    start: SystemTime,
    end: SystemTime,
    next_token: Option<&str>,
) -> Result<TrailPage, ApiError> {
    const A: &str = actions::LOOKUP_EVENTS;
    account.enter(Op::History, A).await?;
    let skip = match next_token {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| ApiError::service(A, "InvalidNextTokenException", "Invalid NextToken"))?,
    };
    let w: std::sync::MutexGuard<'_, World> = lock(&account.world);
    let mut matching: Vec<&TrailEvent> = w
        .trail
        .iter()
        .filter(|(r, e)| {
            r == region && e.name == event_name && e.time.is_some_and(|t| t >= start && t <= end)
        })
        .map(|(_, e)| e)
        .collect();
    matching.sort_by_key(|e| std::cmp::Reverse(e.time));
    let events: Vec<TrailEvent> = matching
        .iter()
        .skip(skip)
        .take(PAGE)
        .map(|e| (*e).clone())
        .collect();
    let next = skip + events.len();
    Ok(TrailPage {
        events,
        next_token: (next < matching.len()).then(|| next.to_string()),
    })
}
