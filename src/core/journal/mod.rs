//! The journal: every change rolecall sends, as JSON Lines, appended and
//! synced to disk before the call goes out. Read tolerantly: a torn or
//! malformed line is reported with its number and skipped.

pub mod s3;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::core::change::{Change, ExecError, Outcome};
use crate::core::plan::MutationKind;

/// Where the journal lives unless `--journal` says otherwise:
/// `$XDG_STATE_HOME/rolecall/journal.jsonl` (or `demo-journal.jsonl` for the demo).
pub fn default_path(demo: bool) -> Option<PathBuf> {
    let name = if demo {
        "demo-journal.jsonl"
    } else {
        "journal.jsonl"
    };
    Some(crate::core::logging::state_dir()?.join(name))
}

/// An AWS error as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRecord {
    pub code: Option<String>,
    pub message: String,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Unique per instance change; the `sent` and `done` lines share it.
    pub id: String,
    /// Shared by the changes of one confirmation or one command.
    pub batch: String,
    /// RFC 3339 UTC.
    pub time: String,
    /// `sent`, then (for a change of two calls) `step` when the first call
    /// worked, then `done`.
    pub phase: String,
    /// On `done` lines: `ok`, `failed` (nothing changed), `partial` (the
    /// first of two calls worked, the second was refused) or `unknown` (an
    /// answer was lost). On `step` lines: the call that worked (`detached`).
    pub outcome: Option<String>,
    pub account: Option<String>,
    pub caller_arn: Option<String>,
    pub region: String,
    pub instance_id: String,
    pub instance_name: Option<String>,
    /// `associate`, `replace`, `disassociate`, `detach_then_associate`.
    pub action: String,
    pub from_profile_arn: Option<String>,
    pub to_profile_arn: Option<String>,
    pub association_id_before: Option<String>,
    pub association_id_after: Option<String>,
    pub request_ids: Vec<String>,
    pub error: Option<ErrorRecord>,
    pub undo_of: Option<String>,
    /// The equivalent AWS CLI command lines.
    pub aws_cli: Vec<String>,
    /// A change to a role (`revoke_sessions`, a containment's deny): the
    /// role's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A containment's steps (and their release) carry its case id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// What a containment step changed from (`HttpTokens` before, the Auto
    /// Scaling group entered standby in), for its release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// `rolecall <version>`.
    pub tool: String,
}

/// Who made a batch and where: the same for each of its lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    pub batch: String,
    pub account: Option<String>,
    pub caller_arn: Option<String>,
    pub undo_of: Option<String>,
    /// A containment's case id.
    pub case: Option<String>,
}

/// The journal's action name for a change.
pub fn action_name(kind: &MutationKind) -> &'static str {
    match kind {
        MutationKind::Associate { .. } => "associate",
        MutationKind::Replace { .. } => "replace",
        MutationKind::Disassociate { .. } => "disassociate",
        MutationKind::DetachThenAssociate { .. } => "detach_then_associate",
    }
}

/// The AWS CLI commands that make the same change.
pub fn aws_cli(change: &Change) -> Vec<String> {
    let r = &change.region;
    let id = &change.instance_id;
    let to = change.to.as_ref().map(|p| p.arn.as_str()).unwrap_or("");
    let associate = format!(
        "aws ec2 associate-iam-instance-profile --region {r} --instance-id {id} --iam-instance-profile Arn={to}"
    );
    let disassociate = |a: &str| {
        format!("aws ec2 disassociate-iam-instance-profile --region {r} --association-id {a}")
    };
    match &change.kind {
        MutationKind::Associate { .. } => vec![associate],
        MutationKind::Replace { association_id, .. } => vec![format!(
            "aws ec2 replace-iam-instance-profile-association --region {r} --association-id {association_id} --iam-instance-profile Arn={to}"
        )],
        MutationKind::DetachThenAssociate { association_id, .. } => {
            vec![disassociate(association_id), associate]
        }
        MutationKind::Disassociate { association_id } => vec![disassociate(association_id)],
    }
}

/// Now, RFC 3339 UTC (the journal's clock; `update` never reads it).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string()
}

/// A fresh id: time-ordered, unique across processes.
pub fn new_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{nanos:x}-{:x}-{seq:x}", std::process::id())
}

impl Entry {
    /// A change to a role (a revoke): the role's name, from the record or,
    /// in records older than the field, from its AWS CLI line.
    pub fn role_name(&self) -> Option<String> {
        if let Some(r) = &self.role {
            return Some(r.clone());
        }
        if !self.instance_id.is_empty() {
            return None;
        }
        self.aws_cli.iter().find_map(|line| {
            line.split_whitespace()
                .skip_while(|w| *w != "--role-name")
                .nth(1)
                .map(str::to_string)
        })
    }

    /// What the change was made to: the instance, or `role NAME`.
    pub fn subject(&self) -> String {
        match self.role_name() {
            Some(role) if self.instance_id.is_empty() => format!("role {role}"),
            _ => self.instance_id.clone(),
        }
    }

    /// The `sent` line of a change, written before its first call.
    pub fn sent(ctx: &Context, id: &str, change: &Change, instance_name: Option<&str>) -> Self {
        Entry {
            id: id.to_string(),
            region: change.region.clone(),
            instance_id: change.instance_id.clone(),
            instance_name: instance_name.map(str::to_string),
            from_profile_arn: change.from.as_ref().map(|p| p.arn.clone()),
            to_profile_arn: change.to.as_ref().map(|p| p.arn.clone()),
            association_id_before: change.association_before().map(str::to_string),
            ..Self::sent_for_role(ctx, action_name(&change.kind), aws_cli(change))
        }
    }

    /// The `sent` line of a change to a role rather than an instance
    /// (region `global`, no instance or profiles).
    pub fn sent_for_role(ctx: &Context, action: &str, aws_cli: Vec<String>) -> Self {
        Entry {
            id: new_id("c"),
            batch: ctx.batch.clone(),
            time: now_rfc3339(),
            phase: "sent".into(),
            outcome: None,
            account: ctx.account.clone(),
            caller_arn: ctx.caller_arn.clone(),
            region: "global".into(),
            instance_id: String::new(),
            instance_name: None,
            action: action.into(),
            from_profile_arn: None,
            to_profile_arn: None,
            association_id_before: None,
            association_id_after: None,
            request_ids: Vec::new(),
            error: None,
            undo_of: ctx.undo_of.clone(),
            aws_cli,
            role: None,
            case: ctx.case.clone(),
            previous: None,
            tool: format!("rolecall {}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// The `done` line of a single call: `ok`, or `failed` with its error.
    pub fn done_call(sent: &Entry, error: Option<&crate::aws::ApiError>) -> Self {
        Entry {
            time: now_rfc3339(),
            phase: "done".into(),
            outcome: Some(if error.is_none() { "ok" } else { "failed" }.into()),
            request_ids: error
                .and_then(|e| e.request_id.clone())
                .into_iter()
                .collect(),
            error: error.map(|e| ErrorRecord {
                code: e.code.clone(),
                message: e.message.clone(),
            }),
            ..sent.clone()
        }
    }

    /// The `step` line of a two-call change whose first call (the detach)
    /// worked: a crash before the `done` line leaves this on record.
    pub fn step(sent: &Entry, step: &crate::core::change::Step) -> Self {
        Entry {
            time: now_rfc3339(),
            phase: "step".into(),
            outcome: Some("detached".into()),
            request_ids: step.request_id.clone().into_iter().collect(),
            ..sent.clone()
        }
    }

    /// The `done` line: the `sent` line with the outcome filled in.
    pub fn done(sent: &Entry, outcome: &Outcome) -> Self {
        let (word, error) = match &outcome.result {
            Ok(_) => ("ok", None),
            Err(e) if outcome.done() => ("ok", error_record(e)),
            Err(e @ (ExecError::Unknown { .. } | ExecError::Internal(_))) => {
                ("unknown", error_record(e))
            }
            Err(e) if e.detached().is_some() => ("partial", error_record(e)),
            Err(e) => ("failed", error_record(e)),
        };
        Entry {
            time: now_rfc3339(),
            phase: "done".into(),
            outcome: Some(word.into()),
            association_id_after: outcome.association_after().map(|a| a.id.clone()),
            request_ids: outcome
                .steps
                .iter()
                .filter_map(|s| s.request_id.clone())
                .collect(),
            error,
            ..sent.clone()
        }
    }
}

fn error_record(e: &ExecError) -> Option<ErrorRecord> {
    Some(match e.error() {
        Some(api) => ErrorRecord {
            code: api.code.clone(),
            message: api.message.clone(),
        },
        None => ErrorRecord {
            code: None,
            message: e.to_string(),
        },
    })
}

/// Why the journal could not be written or read: one line for the user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("journal {path}: {why}")]
pub struct JournalError {
    pub path: String,
    pub why: String,
}

/// An append-only journal: a local file, or a team's S3 prefix (one
/// object per record).
#[derive(Debug, Clone, PartialEq)]
pub struct Journal {
    /// The file; for an S3 journal its URL, for messages.
    pub path: PathBuf,
    /// The S3 journal, when it is one.
    pub shared: Option<crate::core::journal::s3::S3Journal>,
}

impl Journal {
    pub fn new(path: PathBuf) -> Self {
        Self { path, shared: None }
    }

    /// A team's journal on S3.
    pub fn s3(journal: crate::core::journal::s3::S3Journal) -> Self {
        Self {
            path: PathBuf::from(journal.location.url()),
            shared: Some(journal),
        }
    }

    /// Appends one record: a line synced to the file, or an object S3 has
    /// answered 200 for. Until it returns `Ok`, the change it records must
    /// not be sent.
    pub async fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        match &self.shared {
            Some(s3) => s3.put(entry).await.map(|_| ()).map_err(|e| self.error(e)),
            None => self.append_file(entry),
        }
    }

    /// Every readable record, oldest first, and the problems with the
    /// others. A missing journal is empty.
    pub async fn read(&self) -> Result<(Vec<Entry>, Vec<String>), JournalError> {
        match &self.shared {
            Some(s3) => s3.read().await.map_err(|e| self.error(e)),
            None => self.read_file(),
        }
    }

    fn error(&self, why: impl std::fmt::Display) -> JournalError {
        JournalError {
            path: self.path.display().to_string(),
            why: why.to_string(),
        }
    }

    /// Refuses a journal that is not a regular file (a FIFO would block, a
    /// device would never end): checked before anything is sent. A missing
    /// file is fine (the first append creates it).
    pub fn check(&self) -> Result<(), JournalError> {
        if self.shared.is_some() {
            return Ok(());
        }
        match std::fs::metadata(&self.path) {
            Ok(m) if m.is_file() => Ok(()),
            Ok(m) => Err(self.error(format!(
                "is not a regular file (it is {}): nothing was sent (choose a file with --journal PATH, or pass --no-journal)",
                if m.is_dir() {
                    "a directory"
                } else {
                    "a FIFO, socket or device"
                }
            ))),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                // Missing is fine, unless it can never be made: a folder on
                // its way that is a file.
                let blocked = self
                    .path
                    .ancestors()
                    .skip(1)
                    .filter(|a| !a.as_os_str().is_empty())
                    .find_map(|a| std::fs::metadata(a).ok().map(|m| (a, m.is_dir())));
                match blocked {
                    Some((a, false)) => Err(self.error(format!(
                        "{} is a file, not a folder: nothing was sent (choose a file with --journal PATH, or pass --no-journal)",
                        a.display()
                    ))),
                    _ => Ok(()),
                }
            }
            Err(e) => Err(self.error(format!(
                "{e}: nothing was sent (choose a file with --journal PATH, or pass --no-journal)"
            ))),
        }
    }

    /// Appends one line and syncs it to disk before returning. The line is
    /// written with one call under an exclusive lock, so concurrent writers
    /// (several rolecall processes) never interleave bytes. A file that does
    /// not end with a newline (a writer died mid-line) gets one first, so the
    /// torn line cannot swallow this one.
    fn append_file(&self, entry: &Entry) -> Result<(), JournalError> {
        use std::os::unix::fs::{FileExt, OpenOptionsExt};
        self.check()?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.error(e))?;
        }
        let mut line = serde_json::to_string(entry).map_err(|e| self.error(e))?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .mode(0o600)
            // Never block on a FIFO that appeared after the check.
            .custom_flags(O_NONBLOCK)
            .open(&self.path)
            .map_err(|e| self.error(e))?;
        file.lock().map_err(|e| self.error(e))?;
        let written = file
            .metadata()
            .and_then(|m| {
                if !m.is_file() {
                    return Err(std::io::Error::other("is not a regular file"));
                }
                let mut last = [b'\n'];
                if m.len() > 0 {
                    file.read_exact_at(&mut last, m.len() - 1)?;
                }
                if last[0] != b'\n' {
                    line.insert(0, '\n');
                }
                file.write_all(line.as_bytes())
            })
            .and_then(|()| file.sync_data());
        // Unlocked when the file closes, whatever happened.
        drop(file);
        written.map_err(|e| self.error(e))
    }

    /// Every readable line, oldest first, and the problems with the others
    /// (`line N: why`). A missing journal is empty.
    fn read_file(&self) -> Result<(Vec<Entry>, Vec<String>), JournalError> {
        self.check()?;
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], vec![])),
            Err(e) => return Err(self.error(e)),
        };
        read_entries(BufReader::new(file)).map_err(|e| self.error(e))
    }
}

/// Lines longer than this are skipped when reading (no record comes close).
pub const MAX_LINE: usize = 1 << 20;

/// `open(2)`'s `O_NONBLOCK`: Linux's value, else the BSDs' and macOS's.
#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(not(target_os = "linux"))]
const O_NONBLOCK: i32 = 0x0004;

fn read_entries(mut reader: impl BufRead) -> std::io::Result<(Vec<Entry>, Vec<String>)> {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut n = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        n += 1;
        let (read, too_long) = read_capped_line(&mut reader, &mut line, MAX_LINE)?;
        if read == 0 {
            break;
        }
        if too_long {
            problems.push(format!("line {n}: longer than {} MiB", MAX_LINE >> 20));
            continue;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(&line) {
            Ok(e) => entries.push(e),
            Err(e) => problems.push(format!("line {n}: {e}")),
        }
    }
    Ok((entries, problems))
}

/// Reads one line (without its newline) into `line`, keeping at most `cap`
/// bytes: the bytes consumed and whether the line was longer than `cap`.
fn read_capped_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let (mut consumed, mut too_long) = (0, false);
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((consumed, too_long));
        }
        let (chunk, end) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !too_long {
            if line.len() + chunk.len() > cap {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = end.unwrap_or(buf.len());
        reader.consume(used);
        consumed += used;
        if end.is_some() {
            return Ok((consumed, too_long));
        }
    }
}

/// How long to wait before re-reading what changes whose outcome is not on
/// record did: one sent less than `timeout` before `now` may still reach AWS
/// (its sender died, its request did not). Never longer than `timeout`, even
/// for a writer whose clock runs fast. `None`: no need to wait.
pub fn settle_time<'a>(
    unknown: impl IntoIterator<Item = &'a Entry>,
    timeout: std::time::Duration,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    unknown
        .into_iter()
        .filter_map(|e| humantime::parse_rfc3339_weak(&e.time).ok())
        .filter_map(|sent| (sent + timeout).duration_since(now).ok())
        .max()
        .map(|d| d.min(timeout))
        .filter(|d| !d.is_zero())
}

/// True when one account's records hold several callers (a team's journal),
/// so that a view names who made each.
pub fn several_callers<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> bool {
    let mut callers: std::collections::BTreeMap<Option<&str>, Option<&str>> = Default::default();
    entries.into_iter().any(|e| {
        let first = *callers
            .entry(e.account.as_deref())
            .or_insert(e.caller_arn.as_deref());
        first != e.caller_arn.as_deref()
    })
}

/// The latest entry per change id (a `done` line wins over its `sent` line),
/// newest first.
pub fn latest(entries: &[Entry]) -> Vec<&Entry> {
    let mut seen = std::collections::HashSet::new();
    entries
        .iter()
        .rev()
        .filter(|e| seen.insert(e.id.as_str()))
        .collect()
}

/// What the journal knows of one change's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// Its `done` line says it worked.
    Ok,
    /// AWS refused it: nothing changed.
    Failed,
    /// The first of its two calls worked (the old profile was detached), the
    /// second did not, or its outcome after that is not on record.
    Partial,
    /// Sent, and no outcome on record (the process died, the answer was
    /// lost, or the `done` line could not be written): only a re-read tells.
    Unknown,
}

impl Known {
    /// The word the journal's listing shows.
    pub fn word(self) -> &'static str {
        match self {
            Known::Ok => "ok",
            Known::Failed => "failed",
            Known::Partial => "partial",
            Known::Unknown => "unknown",
        }
    }
}

/// One change as the journal records it: its latest line and what is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    pub entry: &'a Entry,
    pub known: Known,
}

/// What the lines of one change say about its outcome.
fn known(lines: &[&Entry]) -> Known {
    let detached = lines.iter().any(|e| e.phase == "step");
    match lines.iter().rev().find(|e| e.phase == "done") {
        Some(done) => match done.outcome.as_deref() {
            Some("ok") => Known::Ok,
            Some("partial") => Known::Partial,
            Some("failed") if detached => Known::Partial,
            Some("failed") => Known::Failed,
            _ => Known::Unknown,
        },
        None if detached => Known::Partial,
        None => Known::Unknown,
    }
}

/// Every change on record, newest first (by its latest line), with what is
/// known of it: a `sent` line without `done` is unknown, never dropped.
pub fn records(entries: &[Entry]) -> Vec<Record<'_>> {
    let mut lines: std::collections::HashMap<&str, Vec<&Entry>> = Default::default();
    for e in entries {
        lines.entry(e.id.as_str()).or_default().push(e);
    }
    latest(entries)
        .into_iter()
        .map(|entry| Record {
            entry,
            known: lines
                .get(entry.id.as_str())
                .map_or(Known::Unknown, |l| known(l)),
        })
        .collect()
}

/// True for a change to an instance's profile (not to a role).
pub fn is_instance_change(e: &Entry) -> bool {
    matches!(
        e.action.as_str(),
        "associate" | "replace" | "disassociate" | "detach_then_associate"
    )
}

/// Reads a journal from a path, for tests and tools.
pub fn read_path(path: &Path) -> Result<(Vec<Entry>, Vec<String>), JournalError> {
    Journal::new(path.to_path_buf()).read_file()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn entry(id: &str) -> Entry {
        Entry {
            id: id.into(),
            batch: "b".into(),
            time: now_rfc3339(),
            phase: "sent".into(),
            outcome: None,
            account: Some("1".into()),
            caller_arn: None,
            region: "us-east-1".into(),
            instance_id: "i-1".into(),
            instance_name: None,
            action: "associate".into(),
            from_profile_arn: None,
            to_profile_arn: Some("arn:x".into()),
            association_id_before: None,
            association_id_after: None,
            request_ids: vec![],
            error: None,
            undo_of: None,
            aws_cli: vec![],
            role: None,
            case: None,
            previous: None,
            tool: "rolecall test".into(),
        }
    }

    #[test]
    fn a_torn_or_malformed_line_is_reported_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j.jsonl"));
        j.append_file(&entry("a")).unwrap();
        let mut f = OpenOptions::new().append(true).open(&j.path).unwrap();
        f.write_all(b"{\"id\": \"torn\", \"batch\n").unwrap();
        f.write_all(b"not json at all\n").unwrap();
        j.append_file(&entry("b")).unwrap();
        let (entries, problems) = j.read_file().unwrap();
        let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 2:"), "{problems:?}");
        assert!(problems[1].starts_with("line 3:"), "{problems:?}");
    }

    #[test]
    fn a_torn_last_line_does_not_swallow_the_next_record() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j.jsonl"));
        j.append_file(&entry("a")).unwrap();
        // A writer died mid-line: the file ends without a newline.
        let mut f = OpenOptions::new().append(true).open(&j.path).unwrap();
        f.write_all(b"{\"id\": \"torn\", \"ba").unwrap();
        j.append_file(&entry("b")).unwrap();
        let (entries, problems) = j.read_file().unwrap();
        let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn a_line_over_the_cap_is_skipped_not_held() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j.jsonl"));
        j.append_file(&entry("a")).unwrap();
        let mut f = OpenOptions::new().append(true).open(&j.path).unwrap();
        f.write_all(&vec![b'x'; MAX_LINE + 10]).unwrap();
        f.write_all(b"\n").unwrap();
        j.append_file(&entry("b")).unwrap();
        let (entries, problems) = j.read_file().unwrap();
        assert_eq!(entries.len(), 2);
        assert!(problems[0].contains("longer than 1 MiB"), "{problems:?}");
    }

    #[test]
    fn a_journal_whose_folder_is_a_file_is_refused_before_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let j = Journal::new(file.join("deeper").join("j.jsonl"));
        let e = j.check().unwrap_err().to_string();
        assert!(e.contains("is a file, not a folder"), "{e}");
        // A missing folder is fine: the first append makes it.
        assert!(
            Journal::new(dir.path().join("new").join("j.jsonl"))
                .check()
                .is_ok()
        );
    }

    #[test]
    fn what_is_not_a_regular_file_is_refused_before_anything_else() {
        for path in ["/dev/zero", "/dev/full", "/tmp"] {
            let j = Journal::new(PathBuf::from(path));
            let e = j.check().unwrap_err().to_string();
            assert!(e.contains("not a regular file"), "{e}");
            assert!(j.read_file().is_err());
            assert!(j.append_file(&entry("a")).is_err());
        }
    }

    /// A small deterministic generator (xorshift): the property test needs no crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
    }

    #[test]
    fn every_whole_line_written_is_read_back_and_none_invented() {
        // Random crashes (truncation mid-line), random garbage between lines
        // (with or without a newline), and records appended after them: every
        // record `append` wrote whole is read back, in order, and nothing else.
        for seed in 1..=300u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let dir = tempfile::tempdir().unwrap();
            let j = Journal::new(dir.path().join("j.jsonl"));
            let mut expected: Vec<String> = Vec::new();
            let mut last_was_record = false;
            for n in 0..rng.below(12) + 1 {
                match rng.below(4) {
                    0 => {
                        // Garbage: random bytes, sometimes with newlines.
                        let len = rng.below(200) as usize;
                        let bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
                        let mut f = OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(&j.path)
                            .unwrap();
                        f.write_all(&bytes).unwrap();
                        last_was_record = false;
                    }
                    1 if last_was_record => {
                        // A crash tore the last record: cut the file inside it.
                        let len = std::fs::metadata(&j.path).unwrap().len();
                        let text = std::fs::read(&j.path).unwrap();
                        let last_start = text[..text.len() - 1]
                            .iter()
                            .rposition(|&b| b == b'\n')
                            .map_or(0, |i| i + 1) as u64;
                        if len - last_start > 2 {
                            let cut = last_start + 1 + rng.below(len - last_start - 2);
                            let f = OpenOptions::new().write(true).open(&j.path).unwrap();
                            f.set_len(cut).unwrap();
                            expected.pop();
                        }
                        last_was_record = false;
                    }
                    _ => {
                        let id = format!("s{seed}-{n}");
                        j.append_file(&entry(&id)).unwrap();
                        expected.push(id);
                        last_was_record = true;
                    }
                }
            }
            let (entries, _) = j.read_file().unwrap();
            let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
            assert_eq!(ids, expected, "seed {seed}");
        }
    }

    #[test]
    fn an_unwritable_journal_is_one_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be.
        let j = Journal::new(dir.path().to_path_buf());
        let e = j.append_file(&entry("a")).unwrap_err().to_string();
        assert!(e.starts_with("journal "), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn concurrent_writers_lose_no_line_and_interleave_no_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let j = Journal::new(path.clone());
                std::thread::spawn(move || {
                    for n in 0..50 {
                        let mut e = entry(&format!("{t}-{n}"));
                        e.instance_name = Some("x".repeat(5000));
                        j.append_file(&e).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let (entries, problems) = read_path(&path).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(entries.len(), 400);
    }
}
