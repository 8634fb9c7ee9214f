//! The journal: every change rolecall sends, as JSON Lines, appended and
//! synced to disk before the call goes out. Read tolerantly: a torn or
//! malformed line is reported with its number and skipped.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exec::{Change, ExecError, Outcome};
use crate::plan::MutationKind;

/// Where the journal lives unless `--journal` says otherwise:
/// `$XDG_STATE_HOME/rolecall/journal.jsonl` (or `demo-journal.jsonl` for the demo).
pub fn default_path(demo: bool) -> Option<PathBuf> {
    let name = if demo {
        "demo-journal.jsonl"
    } else {
        "journal.jsonl"
    };
    Some(crate::logging::state_dir()?.join(name))
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
    /// `sent`, then `done`.
    pub phase: String,
    /// `ok`, `failed` or `unknown` on `done` lines.
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

    /// The `done` line: the `sent` line with the outcome filled in.
    pub fn done(sent: &Entry, outcome: &Outcome) -> Self {
        let (word, error) = match &outcome.result {
            Ok(_) => ("ok", None),
            Err(e) if outcome.done() => ("ok", error_record(e)),
            Err(e @ (ExecError::Unknown { .. } | ExecError::Internal(_))) => {
                ("unknown", error_record(e))
            }
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

/// An append-only journal file.
#[derive(Debug, Clone, PartialEq)]
pub struct Journal {
    pub path: PathBuf,
}

impl Journal {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    fn error(&self, why: impl std::fmt::Display) -> JournalError {
        JournalError {
            path: self.path.display().to_string(),
            why: why.to_string(),
        }
    }

    /// Appends one line and syncs it to disk before returning. The line is
    /// written with one call under an exclusive lock, so concurrent writers
    /// (several rolecall processes) never interleave bytes.
    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.error(e))?;
        }
        let mut line = serde_json::to_string(entry).map_err(|e| self.error(e))?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| self.error(e))?;
        file.lock().map_err(|e| self.error(e))?;
        let written = file
            .write_all(line.as_bytes())
            .and_then(|()| file.sync_data());
        // Unlocked when the file closes, whatever happened.
        drop(file);
        written.map_err(|e| self.error(e))
    }

    /// Every readable line, oldest first, and the problems with the others
    /// (`line N: why`). A missing journal is empty.
    pub fn read(&self) -> Result<(Vec<Entry>, Vec<String>), JournalError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], vec![])),
            Err(e) => return Err(self.error(e)),
        };
        read_entries(BufReader::new(file)).map_err(|e| self.error(e))
    }
}

fn read_entries(reader: impl BufRead) -> std::io::Result<(Vec<Entry>, Vec<String>)> {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in reader.split(b'\n').enumerate() {
        let bytes = line?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(&bytes) {
            Ok(e) => entries.push(e),
            Err(e) => problems.push(format!("line {}: {e}", n + 1)),
        }
    }
    Ok((entries, problems))
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

/// Reads a journal from a path, for tests and tools.
pub fn read_path(path: &Path) -> Result<(Vec<Entry>, Vec<String>), JournalError> {
    Journal::new(path.to_path_buf()).read()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> Entry {
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
            tool: "rolecall test".into(),
        }
    }

    #[test]
    fn a_torn_or_malformed_line_is_reported_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("j.jsonl"));
        j.append(&entry("a")).unwrap();
        let mut f = OpenOptions::new().append(true).open(&j.path).unwrap();
        f.write_all(b"{\"id\": \"torn\", \"batch\n").unwrap();
        f.write_all(b"not json at all\n").unwrap();
        j.append(&entry("b")).unwrap();
        let (entries, problems) = j.read().unwrap();
        let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 2:"), "{problems:?}");
        assert!(problems[1].starts_with("line 3:"), "{problems:?}");
    }

    #[test]
    fn an_unwritable_journal_is_one_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be.
        let j = Journal::new(dir.path().to_path_buf());
        let e = j.append(&entry("a")).unwrap_err().to_string();
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
                        j.append(&e).unwrap();
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
