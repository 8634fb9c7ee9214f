//! Who changed an instance's profile: CloudTrail's event history of the
//! three association calls, read per account and region at CloudTrail's
//! pace, and tied to instances through association ids (a replace or a
//! disassociate names the association, not the instance). Parsing and tying
//! are pure; [`fetch`] does the reading.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::aws::{ApiError, Association, Cloud, TrailEvent, profile_name_from_arn};

/// The calls that change an instance's profile, as CloudTrail names them.
pub const EVENT_NAMES: [&str; 3] = [
    "AssociateIamInstanceProfile",
    "ReplaceIamInstanceProfileAssociation",
    "DisassociateIamInstanceProfile",
];
/// CloudTrail's event history keeps 90 days.
pub const DEFAULT_DAYS: u64 = 90;
/// LookupEvents allows about two calls a second per account and region.
pub const CALL_GAP: Duration = Duration::from_millis(500);
/// The most pages read per event name (5,000 events): a runaway paging
/// loop stops, and the history says it was cut.
pub const MAX_PAGES: usize = 100;

/// A profile as an event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub arn: Option<String>,
}

impl Profile {
    fn from_arn(arn: &str) -> Self {
        Self {
            name: profile_name_from_arn(arn).to_string(),
            arn: Some(arn.to_string()),
        }
    }
}

/// One side of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// No profile.
    None,
    Profile(Profile),
    /// The event does not say, and nothing older does either.
    Unknown,
}

impl Side {
    /// The profile's name, `none` or `?`.
    pub fn label(&self) -> String {
        match self {
            Side::None => "none".into(),
            Side::Profile(p) => p.name.clone(),
            Side::Unknown => "?".into(),
        }
    }

    pub fn arn(&self) -> Option<&str> {
        match self {
            Side::Profile(p) => p.arn.as_deref(),
            _ => None,
        }
    }
}

/// How a change is known to be rolecall's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    /// Its request id is in this machine's journal.
    Journal,
    /// Its user agent names rolecall (another machine's run).
    UserAgent,
}

impl Made {
    pub fn as_str(self) -> &'static str {
        match self {
            Made::Journal => "journal",
            Made::UserAgent => "user agent",
        }
    }
}

/// One change of an instance's profile, as CloudTrail recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub time: SystemTime,
    /// `associate`, `replace` or `disassociate`.
    pub event: &'static str,
    pub event_id: String,
    pub instance_id: String,
    pub from: Side,
    pub to: Side,
    /// The caller: its ARN (an assumed role's session), or the service that
    /// called, or its principal id.
    pub actor: String,
    /// For an assumed role: the role the session came from.
    pub via_role: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// A refused call: its error code and message (nothing changed).
    pub error: Option<String>,
    pub made_by_rolecall: Option<Made>,
    /// The association the request named (replace, disassociate), and the
    /// one the answer made (associate, replace).
    pub association_before: Option<String>,
    pub association_after: Option<String>,
}

impl Change {
    /// True when the call changed something (it was not refused).
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// An event's facts, before it is tied to an instance.
#[derive(Debug, Clone, Default)]
struct Parsed {
    time: Option<SystemTime>,
    event: &'static str,
    event_id: String,
    actor: String,
    via_role: Option<String>,
    source_ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    error: Option<String>,
    /// From the request.
    instance: Option<String>,
    association: Option<String>,
    profile: Option<Profile>,
    /// From the response: the association it made or ended.
    answer_association: Option<String>,
    answer_instance: Option<String>,
    answer_profile_arn: Option<String>,
}

fn short_event(name: &str) -> Option<&'static str> {
    match name {
        "AssociateIamInstanceProfile" => Some("associate"),
        "ReplaceIamInstanceProfileAssociation" => Some("replace"),
        "DisassociateIamInstanceProfile" => Some("disassociate"),
        _ => None,
    }
}

/// The first value under `key` (any case), depth first: CloudTrail wraps
/// EC2's parameters differently across calls and years.
fn find<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    match v {
        Value::Object(map) => {
            for (k, val) in map {
                if k.eq_ignore_ascii_case(key) {
                    return Some(val);
                }
            }
            map.values().find_map(|val| find(val, key))
        }
        Value::Array(items) => items.iter().find_map(|val| find(val, key)),
        _ => None,
    }
}

/// The longest text kept of an event's field: an actor or a user agent is
/// far shorter; a record that is not is cut, never drawn whole.
pub const MAX_FIELD: usize = 2048;

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| crate::aws::text::truncate(s, MAX_FIELD))
}

/// The profile a request names (`IamInstanceProfile: {Name|Arn}`).
fn requested_profile(request: &Value) -> Option<Profile> {
    let p = find(request, "IamInstanceProfile")?;
    if let Some(arn) = text(find(p, "Arn")) {
        return Some(Profile::from_arn(&arn));
    }
    text(find(p, "Name")).map(|name| Profile { name, arn: None })
}

fn parse(event: &TrailEvent) -> Option<Parsed> {
    let kind = short_event(&event.name)?;
    let record: Value = serde_json::from_str(&event.record).ok()?;
    let identity = record.get("userIdentity").cloned().unwrap_or(Value::Null);
    let actor = text(identity.get("arn"))
        .or_else(|| text(identity.get("invokedBy")))
        .or_else(|| text(identity.get("principalId")))
        .unwrap_or_else(|| "unknown caller".to_string());
    let via_role = identity
        .get("sessionContext")
        .and_then(|c| c.get("sessionIssuer"))
        .and_then(|i| text(i.get("arn")));
    // Outside what RFC 3339 can say (years 1970 to 9999): unknown.
    let latest = SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799);
    let time = event
        .time
        .or_else(|| {
            text(record.get("eventTime")).and_then(|t| humantime::parse_rfc3339_weak(&t).ok())
        })
        .filter(|t| *t <= latest);
    let error = text(record.get("errorCode")).map(|code| match text(record.get("errorMessage")) {
        Some(m) => format!("{code}: {m}"),
        None => code,
    });
    let request = record
        .get("requestParameters")
        .cloned()
        .unwrap_or(Value::Null);
    let response = record
        .get("responseElements")
        .cloned()
        .unwrap_or(Value::Null);
    let answer = find(&response, "iamInstanceProfileAssociation").unwrap_or(&response);
    Some(Parsed {
        time,
        event: kind,
        event_id: event.id.clone(),
        actor,
        via_role,
        source_ip: text(record.get("sourceIPAddress")),
        user_agent: text(record.get("userAgent")),
        request_id: text(record.get("requestID")),
        error,
        instance: text(find(&request, "InstanceId")),
        association: text(find(&request, "AssociationId")),
        profile: requested_profile(&request),
        answer_association: text(find(answer, "associationId")),
        answer_instance: text(find(answer, "instanceId")),
        answer_profile_arn: find(answer, "iamInstanceProfile").and_then(|p| text(find(p, "arn"))),
    })
}

/// A region's changes, tied to their instances.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tied {
    /// By instance id, newest first.
    pub by_instance: HashMap<String, Vec<Change>>,
    /// Events no association id could tie to an instance.
    pub untied: usize,
    /// Events whose record could not be read.
    pub unreadable: usize,
}

impl Tied {
    /// An instance's changes, newest first (none when it has none).
    pub fn of(&self, instance_id: &str) -> &[Change] {
        self.by_instance
            .get(instance_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The newest change that went through.
    pub fn latest(&self, instance_id: &str) -> Option<&Change> {
        self.of(instance_id).iter().find(|c| c.succeeded())
    }
}

/// Ties a region's events to instances. An association id is known from
/// the answers that made it (associate, replace), the ones that ended it
/// (disassociate), and the region's current associations; the profile a
/// replace or disassociate took away is the one its association was made
/// with. `journal`: what this machine's journal knows of rolecall's own
/// calls, by request id (the profile each moved from).
pub fn tie(events: &[TrailEvent], current: &[Association], journal: &JournalRequests) -> Tied {
    let mut tied = Tied::default();
    let mut parsed = Vec::new();
    let mut seen = HashSet::new();
    for e in events {
        if !e.id.is_empty() && !seen.insert(e.id.as_str()) {
            continue;
        }
        match parse(e) {
            Some(p) => parsed.push(p),
            None => tied.unreadable += 1,
        }
    }
    let mut instance_of: HashMap<String, String> = HashMap::new();
    let mut profile_of: HashMap<String, String> = HashMap::new();
    for a in current {
        instance_of.insert(a.id.clone(), a.instance_id.clone());
        profile_of.insert(a.id.clone(), a.profile.arn.clone());
    }
    for p in &parsed {
        let instance = p.answer_instance.clone().or_else(|| p.instance.clone());
        // The association an answer names: the one made (associate,
        // replace) or the one ended (disassociate, which names the request's).
        let made = p.answer_association.clone().or_else(|| {
            if p.event == "disassociate" {
                p.association.clone()
            } else {
                None
            }
        });
        // A call whose answer names its instance also says whose the
        // association it replaced was (an association older than the
        // window is known so: a refused try on it is tied as well).
        if let (Some(old), Some(i)) = (&p.association, &instance) {
            instance_of.entry(old.clone()).or_insert_with(|| i.clone());
        }
        if let Some(id) = made {
            if let Some(i) = instance {
                instance_of.entry(id.clone()).or_insert(i);
            }
            if let Some(arn) = &p.answer_profile_arn {
                profile_of.entry(id).or_insert_with(|| arn.clone());
            }
        }
    }
    for p in parsed {
        let Some(instance) = p
            .instance
            .clone()
            .or_else(|| p.answer_instance.clone())
            .or_else(|| {
                p.association
                    .as_ref()
                    .and_then(|a| instance_of.get(a))
                    .cloned()
            })
        else {
            tied.untied += 1;
            continue;
        };
        let before = || {
            p.association
                .as_ref()
                .and_then(|a| profile_of.get(a))
                .map_or(Side::Unknown, |arn| Side::Profile(Profile::from_arn(arn)))
        };
        let after = || match (&p.answer_profile_arn, &p.profile) {
            (Some(arn), _) => Side::Profile(Profile::from_arn(arn)),
            (None, Some(profile)) => Side::Profile(profile.clone()),
            (None, None) => Side::Unknown,
        };
        let (from, to) = match p.event {
            "associate" => (Side::None, after()),
            "replace" => (before(), after()),
            _ => (
                match &p.answer_profile_arn {
                    Some(arn) => Side::Profile(Profile::from_arn(arn)),
                    None => before(),
                },
                Side::None,
            ),
        };
        let journaled = p.request_id.as_ref().and_then(|r| journal.get(r));
        // Its own record names what a replace moved from, when CloudTrail
        // and the associations no longer can.
        let from = match (from, journaled) {
            (Side::Unknown, Some(Some(arn))) => Side::Profile(Profile::from_arn(arn)),
            (Side::Unknown, Some(None)) if p.event != "replace" => Side::None,
            (from, _) => from,
        };
        let made_by_rolecall = if journaled.is_some() {
            Some(Made::Journal)
        } else if p
            .user_agent
            .as_deref()
            .is_some_and(|a| a.contains("app/rolecall"))
        {
            Some(Made::UserAgent)
        } else {
            None
        };
        tied.by_instance
            .entry(instance.clone())
            .or_default()
            .push(Change {
                time: p.time.unwrap_or(SystemTime::UNIX_EPOCH),
                event: p.event,
                event_id: p.event_id,
                instance_id: instance,
                from,
                to,
                actor: p.actor,
                via_role: p.via_role,
                source_ip: p.source_ip,
                user_agent: p.user_agent,
                request_id: p.request_id,
                error: p.error,
                made_by_rolecall,
                association_before: p.association,
                association_after: if p.event == "disassociate" {
                    None
                } else {
                    p.answer_association
                },
            });
    }
    for changes in tied.by_instance.values_mut() {
        newest_first(changes);
    }
    tied
}

/// Newest first. CloudTrail's times are whole seconds: within one second
/// the association chain decides (a call on the association another made
/// came after it), then a detach before what follows it.
fn newest_first(changes: &mut [Change]) {
    changes.sort_by(|a, b| b.time.cmp(&a.time).then(b.event_id.cmp(&a.event_id)));
    let mut start = 0;
    while start < changes.len() {
        let end = start
            + changes[start..]
                .iter()
                .take_while(|c| c.time == changes[start].time)
                .count();
        if end - start > 1 {
            let group = &mut changes[start..end];
            // Depth in the chain: how many of the second's calls led to it.
            let depth = |c: &Change, all: &[Change]| {
                let mut d = 0;
                let mut cur = c.association_before.clone();
                while let Some(a) = cur {
                    match all
                        .iter()
                        .find(|o| o.succeeded() && o.association_after.as_deref() == Some(&a))
                    {
                        Some(o) if d < all.len() => {
                            d += 1;
                            cur = o.association_before.clone();
                        }
                        _ => break,
                    }
                }
                d
            };
            let rank = |c: &Change| match c.event {
                "disassociate" => 0,
                _ => 1,
            };
            let snapshot = group.to_vec();
            group.sort_by_key(|c| std::cmp::Reverse((depth(c, &snapshot), rank(c))));
        }
        start = end;
    }
}

/// A region's events as read, and whether the reading was cut short.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Events {
    pub events: Vec<TrailEvent>,
    /// Some event name had more than [`MAX_PAGES`] pages.
    pub truncated: bool,
    /// The window read.
    pub start: Option<SystemTime>,
    pub end: Option<SystemTime>,
}

/// Spaces LookupEvents calls [`CALL_GAP`] apart per account and region,
/// however many readings run at once.
#[derive(Debug, Default)]
pub struct Pacer {
    next: tokio::sync::Mutex<HashMap<String, tokio::time::Instant>>,
}

impl Pacer {
    /// The process's pacer: CloudTrail's limit is per account and region,
    /// whoever in rolecall reads.
    pub fn shared() -> &'static Pacer {
        static PACER: std::sync::OnceLock<Pacer> = std::sync::OnceLock::new();
        PACER.get_or_init(Pacer::default)
    }

    /// Waits for this key's next slot, and takes it.
    pub async fn wait(&self, key: &str) {
        let at = {
            let mut next = self.next.lock().await;
            let now = tokio::time::Instant::now();
            let at = next.get(key).copied().unwrap_or(now).max(now);
            next.insert(key.to_string(), at + CALL_GAP);
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// How far a reading has got: LookupEvents calls made, events read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub calls: usize,
    pub events: usize,
}

/// Reads the three events' history in one account's region for the last
/// `days`: one EventName lookup each (LookupEvents takes one attribute),
/// paged 50 at a time, paced, throttling retried like every read.
pub async fn fetch(
    cloud: &dyn Cloud,
    pace_key: &str,
    region: &str,
    days: u64,
    now: SystemTime,
    pacer: &Pacer,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Events, ApiError> {
    let start = now
        .checked_sub(Duration::from_secs(days * 86_400))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut out = Events {
        start: Some(start),
        end: Some(now),
        ..Events::default()
    };
    let mut done = Progress::default();
    for name in EVENT_NAMES {
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            if pages == MAX_PAGES {
                out.truncated = true;
                break;
            }
            let page = crate::aws::retry_read(|| {
                let token = token.clone();
                async move {
                    if cloud.lookup_events_paced() {
                        pacer.wait(pace_key).await;
                    }
                    cloud
                        .lookup_events(region, name, start, now, token.as_deref())
                        .await
                }
            })
            .await?;
            pages += 1;
            done.calls += 1;
            done.events += page.events.len();
            out.events.extend(page.events);
            progress(done);
            match page.next_token {
                // A token handed back unchanged would page forever.
                Some(t) if Some(&t) != token.as_ref() => token = Some(t),
                _ => break,
            }
        }
    }
    Ok(out)
}

/// An instance's profile history, as `history` and `h` show it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceHistory {
    pub account: String,
    pub region: String,
    pub instance_id: String,
    pub name: Option<String>,
    pub days: u64,
    /// Newest first.
    pub changes: Vec<Change>,
    /// Events of the region that could not be tied to any instance, or read.
    pub untied: usize,
    pub unreadable: usize,
    pub truncated: bool,
}

/// Checks `--days`: CloudTrail's event history holds 1 to 90 days.
pub fn check_days(days: u64) -> Result<(), crate::core::error::Error> {
    if (1..=DEFAULT_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(crate::core::error::Error::Usage(format!(
            "--days {days}: CloudTrail's event history holds 1 to {DEFAULT_DAYS} days"
        )))
    }
}

/// Finds the instance in the accounts and regions shown, reads its
/// region's history and ties it.
pub async fn read(
    session: &crate::core::session::Session,
    instance_id: &str,
    days: u64,
    journal: &JournalRequests,
    pacer: &Pacer,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<InstanceHistory, crate::core::error::Error> {
    use crate::core::error::Error;
    check_days(days)?;
    let reads = crate::core::exec::read_for_change(session, false).await?;
    // Not found where a read failed is not "not there".
    let row = crate::core::exec::find_instance(session, &reads, instance_id)?;
    let (account, region) = (row.instance.account.clone(), row.instance.region.clone());
    let current: Vec<Association> = reads
        .rows
        .iter()
        .filter(|r| r.instance.account == account && r.instance.region == region)
        .filter_map(|r| r.association.clone())
        .collect();
    let cloud = session
        .account(&account)
        .ok_or_else(|| Error::Runtime(format!("account {account} is not in this session")))?
        .cloud
        .as_ref();
    let events = fetch(
        cloud,
        &format!("{account}/{region}"),
        &region,
        days,
        SystemTime::now(),
        pacer,
        progress,
    )
    .await?;
    let tied = tie(&events.events, &current, journal);
    Ok(InstanceHistory {
        changes: tied.of(instance_id).to_vec(),
        untied: tied.untied,
        unreadable: tied.unreadable,
        truncated: events.truncated,
        account,
        region,
        instance_id: instance_id.to_string(),
        name: row.instance.name.clone(),
        days,
    })
}

/// What a journal knows of rolecall's calls: request id → the profile the
/// change moved from (none).
pub type JournalRequests = HashMap<String, Option<String>>;

/// The request ids a journal's lines hold, with each change's from.
pub fn journal_requests(entries: &[crate::core::journal::Entry]) -> JournalRequests {
    entries
        .iter()
        .flat_map(|e| {
            e.request_ids
                .iter()
                .map(|r| (r.clone(), e.from_profile_arn.clone()))
        })
        .collect()
}

/// `2026-12-01 03:14:07Z`.
pub fn when(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replacen('T', " ", 1)
}

/// A caller's ARN in few words: an assumed role's `ROLE/SESSION`
/// (`OnCallOperator/alex@example.com`), a user's `user/NAME`, else the ARN.
pub fn caller_short(arn: &str) -> String {
    if let Some(rest) = arn.split(":assumed-role/").nth(1) {
        return rest.to_string();
    }
    match arn.split_once(":user/") {
        Some((_, user)) => format!("user/{user}"),
        None => arn.to_string(),
    }
}

/// What a region's reading leaves out, a line each (none when it is whole).
pub fn caveats(truncated: bool, left_out: usize) -> Vec<String> {
    let mut out = Vec::new();
    if truncated {
        out.push(format!(
            "only the newest {} events of each call were read (the region has more): older ones are missing",
            MAX_PAGES * 50
        ));
    }
    if left_out > 0 {
        out.push(format!(
            "{left_out} of the region's events could not be tied to an instance or read; one may be this instance's"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{AssociationState, ProfileSummary};
    use serde_json::json;

    const ACCOUNT: &str = "123456789012";

    fn arn(name: &str) -> String {
        format!("arn:aws:iam::{ACCOUNT}:instance-profile/{name}")
    }

    fn event(id: &str, name: &str, t: u64, record: Value) -> TrailEvent {
        TrailEvent {
            id: id.into(),
            name: name.into(),
            time: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(t)),
            record: record.to_string(),
        }
    }

    fn associate(id: &str, t: u64, instance: &str, profile: &str, assoc: &str) -> TrailEvent {
        event(
            id,
            EVENT_NAMES[0],
            t,
            json!({
                "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/terraform")},
                "sourceIPAddress": "10.0.0.5",
                "userAgent": "Terraform/1.7",
                "requestID": format!("req-{id}"),
                "requestParameters": {"AssociateIamInstanceProfileRequest": {
                    "InstanceId": instance, "IamInstanceProfile": {"Name": profile}}},
                "responseElements": {"AssociateIamInstanceProfileResponse": {
                    "iamInstanceProfileAssociation": {"associationId": assoc, "instanceId": instance,
                        "iamInstanceProfile": {"arn": arn(profile), "id": "AIPA1"}, "state": "associating"}}}
            }),
        )
    }

    fn replace(id: &str, t: u64, old: &str, profile: &str, answer: Value) -> TrailEvent {
        event(
            id,
            EVENT_NAMES[1],
            t,
            json!({
                "userIdentity": {"type": "AssumedRole",
                    "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/Admin/mallory"),
                    "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/Admin")}}},
                "sourceIPAddress": "203.0.113.9",
                "userAgent": "aws-cli/2.15",
                "requestID": format!("req-{id}"),
                "requestParameters": {"ReplaceIamInstanceProfileAssociationRequest": {
                    "AssociationId": old, "IamInstanceProfile": {"Arn": arn(profile)}}},
                "responseElements": answer
            }),
        )
    }

    #[test]
    fn a_replace_is_tied_through_the_association_an_older_event_made() {
        let events = vec![
            associate("e1", 100, "i-1", "web", "iip-assoc-1"),
            associate("e2", 110, "i-2", "web", "iip-assoc-2"),
            // No answer recorded: only the older event ties it.
            replace("e3", 200, "iip-assoc-1", "admin", Value::Null),
        ];
        let tied = tie(&events, &[], &JournalRequests::new());
        let one = tied.of("i-1");
        assert_eq!(one.len(), 2, "{one:?}");
        assert_eq!(one[0].event, "replace");
        assert_eq!(one[0].from.label(), "web");
        assert_eq!(one[0].to.label(), "admin");
        assert_eq!(one[0].to.arn(), Some(arn("admin").as_str()));
        assert_eq!(
            one[0].actor,
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/Admin/mallory")
        );
        assert_eq!(
            one[0].via_role.as_deref(),
            Some(format!("arn:aws:iam::{ACCOUNT}:role/Admin").as_str())
        );
        assert_eq!(one[0].source_ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(caller_short(&one[0].actor), "Admin/mallory");
        // Not lent to the other instance.
        assert_eq!(tied.of("i-2").len(), 1);
        assert_eq!(tied.untied, 0);
    }

    #[test]
    fn the_current_associations_tie_a_disassociate_and_name_what_it_took_away() {
        let events = vec![event(
            "e9",
            EVENT_NAMES[2],
            300,
            json!({"userIdentity": {"arn": "arn:aws:iam::1:user/bob"},
                   "requestParameters": {"DisassociateIamInstanceProfileRequest": {"AssociationId": "iip-assoc-7"}},
                   "responseElements": null}),
        )];
        let current = vec![Association {
            id: "iip-assoc-7".into(),
            instance_id: "i-7".into(),
            state: AssociationState::Disassociating,
            profile: ProfileSummary::new(arn("db"), "AIPA7"),
            timestamp: None,
            request_id: None,
        }];
        let tied = tie(&events, &current, &JournalRequests::new());
        let seven = tied.of("i-7");
        assert_eq!(seven.len(), 1);
        assert_eq!(seven[0].from.label(), "db");
        assert_eq!(seven[0].to, Side::None);
        // Without the current associations nothing ties it: counted, not guessed.
        let alone = tie(&events, &[], &JournalRequests::new());
        assert_eq!((alone.untied, alone.by_instance.len()), (1, 0));
    }

    #[test]
    fn rolecall_changes_are_known_by_journal_request_id_or_user_agent() {
        let mut theirs = associate("e1", 100, "i-1", "web", "iip-assoc-1");
        let mut agent: Value = serde_json::from_str(&theirs.record).unwrap();
        agent["userAgent"] = json!("aws-sdk-rust/1.3 os/linux lang/rust app/rolecall");
        theirs.record = agent.to_string();
        let ours = associate("e2", 120, "i-2", "web", "iip-assoc-2");
        let other = associate("e3", 130, "i-3", "web", "iip-assoc-3");
        let journal: JournalRequests = [("req-e2".to_string(), None)].into();
        let tied = tie(&[theirs, ours, other], &[], &journal);
        assert_eq!(tied.of("i-1")[0].made_by_rolecall, Some(Made::UserAgent));
        assert_eq!(tied.of("i-2")[0].made_by_rolecall, Some(Made::Journal));
        assert_eq!(tied.of("i-3")[0].made_by_rolecall, None);
    }

    #[test]
    fn rolecall_s_own_journal_names_what_a_replace_moved_from() {
        // The replaced association is gone from AWS and from CloudTrail.
        let ours = replace("e5", 500, "iip-assoc-gone", "web", answer_for("i-5", "web"));
        let journal: JournalRequests = [("req-e5".to_string(), Some(arn("db")))].into();
        let tied = tie(std::slice::from_ref(&ours), &[], &journal);
        let five = tied.of("i-5");
        assert_eq!(five[0].from.label(), "db");
        assert_eq!(five[0].made_by_rolecall, Some(Made::Journal));
        // Without the journal it is unknown, never guessed.
        let tied = tie(&[ours], &[], &JournalRequests::new());
        assert_eq!(tied.of("i-5")[0].from, Side::Unknown);
    }

    fn answer_for(instance: &str, profile: &str) -> Value {
        json!({"ReplaceIamInstanceProfileAssociationResponse": {"iamInstanceProfileAssociation": {
            "associationId": "iip-assoc-new", "instanceId": instance,
            "iamInstanceProfile": {"arn": arn(profile)}, "state": "associating"}}})
    }

    #[test]
    fn calls_in_one_second_follow_the_association_chain() {
        let answer = |assoc: &str, profile: &str| {
            json!({"iamInstanceProfileAssociation": {"associationId": assoc, "instanceId": "i-1",
                "iamInstanceProfile": {"arn": arn(profile)}}})
        };
        // Event ids sort against the chain, so only the chain can order them.
        let events = vec![
            replace(
                "z-first?",
                100,
                "iip-assoc-b",
                "p1",
                answer("iip-assoc-c", "p1"),
            ),
            replace(
                "a-second",
                100,
                "iip-assoc-a",
                "admin",
                answer("iip-assoc-b", "admin"),
            ),
            associate("m-third", 100, "i-1", "p2", "iip-assoc-a"),
        ];
        let tied = tie(&events, &[], &JournalRequests::new());
        let order: Vec<String> = tied.of("i-1").iter().map(|c| c.to.label()).collect();
        assert_eq!(order, ["p1", "admin", "p2"], "newest first");
        assert_eq!(tied.latest("i-1").unwrap().to.label(), "p1");
    }

    #[test]
    fn a_refused_try_on_an_association_older_than_the_window_is_tied() {
        // The association was made before the window: only the later
        // replace's answer says whose it was.
        let mut refused = replace("e1", 100, "iip-assoc-old", "admin", Value::Null);
        let mut r: Value = serde_json::from_str(&refused.record).unwrap();
        r["errorCode"] = json!("Client.UnauthorizedOperation");
        refused.record = r.to_string();
        let ok = replace("e2", 200, "iip-assoc-old", "web", answer_for("i-9", "web"));
        let tied = tie(&[refused, ok], &[], &JournalRequests::new());
        assert_eq!(tied.of("i-9").len(), 2, "{tied:?}");
        assert_eq!(tied.untied, 0);
    }

    #[test]
    fn refused_calls_are_shown_but_never_count_as_the_latest_change() {
        let ok = associate("e1", 100, "i-1", "web", "iip-assoc-1");
        let refused = event(
            "e2",
            EVENT_NAMES[1],
            200,
            json!({"userIdentity": {"arn": "arn:aws:iam::1:user/eve"},
                   "errorCode": "Client.UnauthorizedOperation", "errorMessage": "You are not authorized",
                   "requestParameters": {"AssociationId": "iip-assoc-1", "IamInstanceProfile": {"Name": "admin"}}}),
        );
        let tied = tie(&[refused, ok.clone(), ok], &[], &JournalRequests::new());
        let one = tied.of("i-1");
        assert_eq!(one.len(), 2, "a repeated event is one: {one:?}");
        assert!(one[0].error.as_deref().unwrap().contains("Unauthorized"));
        assert_eq!(one[0].to.label(), "admin");
        assert_eq!(tied.latest("i-1").unwrap().event, "associate");
    }

    #[test]
    fn an_unreadable_record_is_counted_not_dropped_silently() {
        let bad = TrailEvent {
            id: "x".into(),
            name: EVENT_NAMES[0].into(),
            time: None,
            record: "{not json".into(),
        };
        let tied = tie(&[bad], &[], &JournalRequests::new());
        assert_eq!(tied.unreadable, 1);
    }
}
