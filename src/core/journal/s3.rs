//! The team journal on S3 (`--journal s3://BUCKET/PREFIX/`): one object per
//! record, under a key that sorts by time, written with `If-None-Match: *`
//! so no record ever overwrites another. Objects never change, so a local
//! cache by key (`$XDG_CACHE_HOME/rolecall/journal/`) means only new keys
//! are fetched.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use futures::StreamExt;

use super::Entry;
use crate::aws::{ApiError, Cloud, ErrorKind, ObjectStore};

/// The key ending of a record copied in by `journal push`.
const PUSHED: &str = ".pushed.json";

/// How many objects are fetched at once.
pub const READ_CONCURRENCY: usize = 8;
/// The most keys a journal prefix is read to (a runaway listing stops).
pub const MAX_KEYS: usize = 1_000_000;

/// Where an S3 journal lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    /// Empty, or ends with `/`.
    pub prefix: String,
}

impl Location {
    /// `s3://BUCKET/PREFIX/`: `None` for anything not starting `s3://`
    /// (a file), an error for a bucket or prefix S3 would refuse.
    pub fn parse(text: &str) -> Result<Option<Location>, String> {
        let Some(rest) = text.strip_prefix("s3://") else {
            // `S3://…` or `s3:/…` is a mistyped bucket, not a file to write.
            if text.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("s3:")) {
                return Err(format!(
                    "journal {}: an S3 journal is written s3://BUCKET/PREFIX/ (lower case, two slashes)",
                    crate::aws::text::escape(text)
                ));
            }
            return Ok(None);
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && !bucket.starts_with(['.', '-'])
            && !bucket.ends_with(['.', '-']);
        if !valid_bucket {
            return Err(format!(
                "journal {}: `{}` is not an S3 bucket name (3 to 63 characters: a-z, 0-9, `.` and `-`)",
                crate::aws::text::escape(text),
                crate::aws::text::escape(bucket)
            ));
        }
        if prefix.chars().any(char::is_control) || prefix.len() > 512 {
            return Err(format!(
                "journal {}: the prefix may not hold control characters or exceed 512 bytes",
                crate::aws::text::escape(text)
            ));
        }
        // `a//b/` is `a/b/`; a `.` or `..` folder would hide the records
        // from teammates who write the prefix plainly.
        let parts: Vec<&str> = prefix.split('/').filter(|p| !p.is_empty()).collect();
        if parts.iter().any(|p| *p == "." || *p == "..") {
            return Err(format!(
                "journal {}: the prefix may not hold `.` or `..` folders",
                crate::aws::text::escape(text)
            ));
        }
        let mut prefix = parts.join("/");
        if !prefix.is_empty() {
            prefix.push('/');
        }
        Ok(Some(Location {
            bucket: bucket.to_string(),
            prefix,
        }))
    }

    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }
}

/// An S3 journal, its bucket opened.
#[derive(Clone)]
pub struct S3Journal {
    pub location: Location,
    store: Arc<dyn ObjectStore>,
    /// The cache file of this bucket and prefix, when there is a home.
    cache: Option<PathBuf>,
}

impl std::fmt::Debug for S3Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.location.url())
    }
}

impl PartialEq for S3Journal {
    fn eq(&self, other: &Self) -> bool {
        self.location == other.location
    }
}

/// `2026-12-03T07:36:46.123456Z` → `2026/12/03/20261203T073646.123456Z`.
fn time_path(time: &str) -> String {
    let compact = key_part(&time.replace(['-', ':'], ""));
    let bytes = time.as_bytes();
    let ok = bytes.len() >= 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[..10].iter().all(|b| b.is_ascii_digit() || *b == b'-');
    if ok {
        format!("{}/{}/{}/{compact}", &time[..4], &time[5..7], &time[8..10])
    } else {
        format!("undated/{compact}")
    }
}

/// Characters a key part keeps as they are; the rest become `_`.
fn key_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Order within a change: sent, then its step, then done.
fn phase_rank(phase: &str) -> u8 {
    match phase {
        "sent" => 0,
        "step" => 1,
        "done" => 2,
        _ => 3,
    }
}

/// What was written: a new object, or the same record already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Written,
    AlreadyThere,
}

/// Whether a failed call may be sent again: S3 said it did not act
/// (throttled), or the answer was lost without a timeout.
fn retryable(e: &ApiError) -> bool {
    e.is_throttling()
        || matches!(
            e.code(),
            Some(
                "SlowDown" | "InternalError" | "ServiceUnavailable" | "ConditionalRequestConflict"
            )
        )
        || (matches!(e.kind, ErrorKind::Unreachable | ErrorKind::Other) && !e.timed_out())
}

impl S3Journal {
    pub fn new(location: Location, store: Arc<dyn ObjectStore>, cache: Option<PathBuf>) -> Self {
        Self {
            location,
            store,
            cache,
        }
    }

    /// The record's key: `PREFIX/YYYY/MM/DD/<time>-<record id>-<phase>.json`
    /// (`.pushed.json` for a record copied in from a local journal).
    pub fn key(&self, e: &Entry, pushed: bool) -> String {
        format!(
            "{}{}-{}-{}{}",
            self.location.prefix,
            time_path(&e.time),
            key_part(&e.id),
            key_part(&e.phase),
            if pushed { PUSHED } else { ".json" }
        )
    }

    /// Writes one record with `If-None-Match: *`. A key already there holds
    /// this record (an attempt whose answer was lost, or a push run again)
    /// or another one (an error: never overwritten).
    pub async fn put(&self, e: &Entry) -> Result<Put, String> {
        self.put_as(e, false).await
    }

    /// Writes a record copied in from a local journal (`journal push`): it
    /// is ordered by its own time, not by when it was copied.
    pub async fn push(&self, e: &Entry) -> Result<Put, String> {
        self.put_as(e, true).await
    }

    async fn put_as(&self, e: &Entry, pushed: bool) -> Result<Put, String> {
        let key = self.key(e, pushed);
        let body = serde_json::to_vec(e).map_err(|e| e.to_string())?;
        let mut tries = 0u32;
        loop {
            match self.store.put_new(&key, body.clone()).await {
                Ok(true) => return Ok(Put::Written),
                Ok(false) => {
                    let there = crate::aws::retry_read(|| self.store.get(&key))
                        .await
                        .map_err(|e| e.sentence())?;
                    return match serde_json::from_slice::<Entry>(&there) {
                        Ok(found) if &found == e => Ok(Put::AlreadyThere),
                        _ => Err(format!(
                            "{} holds another record already; nothing was overwritten",
                            crate::aws::text::escape(&key)
                        )),
                    };
                }
                Err(err) if retryable(&err) && tries < 4 => {
                    tries += 1;
                    tracing::info!(error = %err, attempt = tries, "journal write retried");
                    tokio::time::sleep(std::time::Duration::from_millis(200 << tries)).await;
                }
                Err(err) => return Err(err.sentence()),
            }
        }
    }

    /// Every record under the prefix, in time order (a change's `sent`
    /// before its `done`), and the objects that could not be read as one.
    pub async fn read(&self) -> Result<(Vec<Entry>, Vec<String>), String> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (page, next) =
                crate::aws::retry_read(|| self.store.list(&self.location.prefix, token.as_deref()))
                    .await
                    .map_err(|e| e.sentence())?;
            keys.extend(page.into_iter().filter(|(k, _)| k.ends_with(".json")));
            match next {
                Some(t) if Some(&t) != token.as_ref() && keys.len() < MAX_KEYS => token = Some(t),
                _ => break,
            }
        }
        let mut known = self.load_cache();
        let missing: Vec<String> = keys
            .iter()
            .filter(|(k, _)| !known.contains_key(k))
            .map(|(k, _)| k.clone())
            .collect();
        let fetched: Vec<(String, Result<Vec<u8>, ApiError>)> = futures::stream::iter(missing)
            .map(|key| async move {
                let got = crate::aws::retry_read(|| self.store.get(&key)).await;
                (key, got)
            })
            .buffer_unordered(READ_CONCURRENCY)
            .collect()
            .await;
        let mut problems = Vec::new();
        let mut new = Vec::new();
        for (key, got) in fetched {
            let bytes = match got {
                Ok(b) => b,
                // Gone since the listing (a lifecycle rule), or no record
                // at all (too large): skipped and said, as a bad line is.
                Err(e) if matches!(e.code(), Some("NoSuchKey" | "TooLarge")) => {
                    problems.push(format!(
                        "{}: {}",
                        crate::aws::text::escape(&key),
                        e.sentence()
                    ));
                    continue;
                }
                // A record that could not be fetched leaves the journal unknown.
                Err(e) => {
                    return Err(format!(
                        "{}: {}",
                        crate::aws::text::escape(&key),
                        e.sentence()
                    ));
                }
            };
            match serde_json::from_slice::<Entry>(&bytes) {
                Ok(entry) => {
                    new.push((key.clone(), entry.clone()));
                    known.insert(key, entry);
                }
                Err(e) => problems.push(format!("{}: {e}", crate::aws::text::escape(&key))),
            }
        }
        self.save_cache(&new);
        // Records this machine has read before, gone from the bucket now.
        let listed: std::collections::HashSet<&str> =
            keys.iter().map(|(k, _)| k.as_str()).collect();
        let gone = known
            .keys()
            .filter(|k| !listed.contains(k.as_str()))
            .count();
        if gone > 0 {
            problems.push(format!(
                "{gone} records read before are gone from {} (deleted? versioning and Object Lock keep them)",
                self.location.url()
            ));
        }
        // In the order S3 took them (its clock, the same for every writer:
        // a responder whose clock is off cannot make an old batch the
        // latest; a pushed record keeps its own time), then each writer's
        // own time, sent before step before done.
        let secs = |t: SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs())
        };
        let mut entries: Vec<(String, Option<u64>, Entry)> = keys
            .into_iter()
            .filter_map(|(k, at)| {
                let e = known.remove(&k)?;
                let own = humantime::parse_rfc3339_weak(&e.time).ok().and_then(secs);
                let when = if k.ends_with(PUSHED) {
                    own.or(at.and_then(secs))
                } else {
                    at.and_then(secs).or(own)
                };
                Some((k, when, e))
            })
            .collect();
        entries.sort_by(|(ka, ta, a), (kb, tb, b)| {
            ta.cmp(tb)
                .then(a.time.cmp(&b.time))
                .then(phase_rank(&a.phase).cmp(&phase_rank(&b.phase)))
                .then(ka.cmp(kb))
        });
        Ok((entries.into_iter().map(|(_, _, e)| e).collect(), problems))
    }

    /// The cached records, by key (an unreadable cache is no cache).
    fn load_cache(&self) -> HashMap<String, Entry> {
        #[derive(serde::Deserialize)]
        struct Line {
            key: String,
            entry: Entry,
        }
        let Some(path) = &self.cache else {
            return HashMap::new();
        };
        // Only a regular file (a FIFO would never end).
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return HashMap::new();
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            return HashMap::new();
        };
        text.lines()
            .filter_map(|l| serde_json::from_str::<Line>(l).ok())
            .filter(|l| l.key.starts_with(&self.location.prefix))
            .map(|l| (l.key, l.entry))
            .collect()
    }

    /// Adds newly fetched records to the cache (best effort: a cache that
    /// cannot be written only means fetching again).
    fn save_cache(&self, new: &[(String, Entry)]) {
        use std::io::Write;
        let Some(path) = &self.cache else { return };
        if new.is_empty() {
            return;
        }
        let mut text = String::new();
        for (key, entry) in new {
            if let Ok(line) =
                serde_json::to_string(&serde_json::json!({"key": key, "entry": entry}))
            {
                text.push_str(&line);
                text.push('\n');
            }
        }
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| match std::fs::metadata(path) {
                Ok(m) if !m.is_file() => Err(std::io::Error::other("is not a regular file")),
                _ => {
                    use std::os::unix::fs::OpenOptionsExt;
                    // It holds callers' ARNs: its owner's only, as the journal.
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .mode(0o600)
                        .open(path)
                }
            })
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = written {
            tracing::warn!(error = %e, path = %path.display(), "journal cache not written");
        }
    }
}

/// `$XDG_CACHE_HOME/rolecall/journal/BUCKET/PREFIX.jsonl`, else under
/// `~/.cache`.
pub fn cache_path(location: &Location) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let prefix = if location.prefix.is_empty() {
        "_root".to_string()
    } else if location.prefix.len() > 100 {
        // A file name has room for about 255 bytes: a long prefix is hashed.
        let hash = location
            .prefix
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        let head: String = location.prefix.chars().take(40).collect();
        format!("{}-{hash:016x}", key_part(&head))
    } else {
        key_part(&location.prefix)
    };
    Some(
        base.join("rolecall")
            .join("journal")
            .join(key_part(&location.bucket))
            .join(format!("{prefix}.jsonl")),
    )
}

/// Which journal: a file, or an S3 prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    File(PathBuf),
    S3(Location),
}

impl Spec {
    /// `s3://BUCKET/PREFIX/`, else a file path.
    pub fn parse(text: &str) -> Result<Spec, String> {
        Ok(match Location::parse(text)? {
            Some(location) => Spec::S3(location),
            None => Spec::File(PathBuf::from(text)),
        })
    }
}

/// The journal a spec names. An S3 bucket is reached with the config's
/// `journal_profile`, else the first account's session (the demo: its
/// in-memory bucket `demo`).
pub async fn resolve(
    spec: Spec,
    session: &crate::core::session::Session,
    journal_profile: Option<&str>,
    timeout: std::time::Duration,
) -> Result<crate::core::journal::Journal, crate::core::error::Error> {
    use crate::core::error::Error;
    let location = match spec {
        Spec::File(path) => return Ok(super::Journal::new(path)),
        Spec::S3(location) => location,
    };
    let own;
    let cloud: &dyn Cloud = match journal_profile {
        Some(profile) if session.demo.is_none() => {
            crate::aws::sdk::check_profile(profile)
                .await
                .map_err(|why| Error::Usage(format!("journal_profile {profile}: {why}")))?;
            own = crate::aws::sdk::SdkCloud::load(&crate::aws::sdk::SdkOptions {
                profile: Some(profile.to_string()),
                endpoint_url: session.endpoint.clone(),
                timeout: Some(timeout),
            })
            .await;
            &own
        }
        _ => session
            .accounts
            .first()
            .ok_or_else(|| Error::Runtime("the session has no account".into()))?
            .cloud
            .as_ref(),
    };
    open(&location, cloud)
        .await
        .map(super::Journal::s3)
        .map_err(Error::Runtime)
}

/// Opens the bucket through `cloud` (the first account's session, or the
/// config's `journal_profile`): its region is found, and a missing bucket
/// or refused access is said before anything is sent.
pub async fn open(location: &Location, cloud: &dyn Cloud) -> Result<S3Journal, String> {
    let store = crate::aws::retry_read(|| cloud.object_store(&location.bucket))
        .await
        .map_err(|e| {
            format!(
                "journal {}: {}: nothing was sent (create the bucket, grant access, or choose another with --journal)",
                location.url(),
                e.sentence()
            )
        })?;
    Ok(S3Journal::new(
        location.clone(),
        store,
        cache_path(location),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_are_read_and_bad_buckets_refused() {
        assert_eq!(Location::parse("/tmp/j.jsonl"), Ok(None));
        assert_eq!(
            Location::parse("s3://team-ir/incidents").unwrap(),
            Some(Location {
                bucket: "team-ir".into(),
                prefix: "incidents/".into()
            })
        );
        assert_eq!(Location::parse("s3://team-ir").unwrap().unwrap().prefix, "");
        assert_eq!(
            Location::parse("s3://team-ir//a///b")
                .unwrap()
                .unwrap()
                .prefix,
            "a/b/"
        );
        for bad in [
            "s3://",
            "s3://A_B/x",
            "s3://ab/x",
            "s3://-ab/",
            "s3://ok-bucket/a\u{1b}b",
            "S3://ok-bucket/x",
            "s3:/ok-bucket/x",
            "s3://ok-bucket/x/../y",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }

    /// A bucket whose objects carry the LastModified the test gives them.
    struct Fixed(std::sync::Mutex<std::collections::BTreeMap<String, (Vec<u8>, u64)>>);

    #[async_trait::async_trait]
    impl ObjectStore for Fixed {
        async fn put_new(&self, key: &str, body: Vec<u8>) -> Result<bool, ApiError> {
            let mut m = self.0.lock().unwrap();
            if m.contains_key(key) {
                return Ok(false);
            }
            let n = m.len() as u64;
            // S3 took it at 08:01 (and a second more for each after).
            m.insert(key.into(), (body, 1_796_284_860 + n));
            Ok(true)
        }
        async fn list(&self, _: &str, _: Option<&str>) -> Result<crate::aws::ListPage, ApiError> {
            let m = self.0.lock().unwrap();
            Ok((
                m.iter()
                    .map(|(k, (_, at))| {
                        (
                            k.clone(),
                            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(*at)),
                        )
                    })
                    .collect(),
                None,
            ))
        }
        async fn get(&self, key: &str) -> Result<Vec<u8>, ApiError> {
            let m = self.0.lock().unwrap();
            match m.get(key) {
                Some((b, _)) if b.len() < 1 << 20 => Ok(b.clone()),
                Some(_) => Err(ApiError::service("s3:GetObject", "TooLarge", "too large")),
                None => Err(ApiError::service("s3:GetObject", "NoSuchKey", "gone")),
            }
        }
    }

    #[tokio::test]
    async fn records_come_back_in_the_order_s3_took_them_whatever_the_writers_clocks() {
        use crate::core::journal::tests::entry;
        let store = Arc::new(Fixed(Default::default()));
        let journal = S3Journal::new(
            Location::parse("s3://team/ir/").unwrap().unwrap(),
            store.clone(),
            None,
        );
        // A writes first with a clock an hour fast; B writes after, on time.
        let mut a = entry("c-a");
        a.batch = "b-a".into();
        a.time = "2026-12-03T09:00:00.000000Z".into();
        let mut b = entry("c-b");
        b.batch = "b-b".into();
        b.time = "2026-12-03T08:00:30.000000Z".into();
        assert_eq!(journal.put(&a).await, Ok(Put::Written));
        assert_eq!(journal.put(&b).await, Ok(Put::Written));
        // The same record again: already there, not an error, not doubled.
        assert_eq!(journal.put(&b).await, Ok(Put::AlreadyThere));
        // Another record under an existing key is never written over it.
        let mut clash = b.clone();
        clash.instance_id = "i-other".into();
        assert!(journal.put(&clash).await.is_err());
        let (entries, problems) = journal.read().await.unwrap();
        let batches: Vec<&str> = entries.iter().map(|e| e.batch.as_str()).collect();
        assert_eq!(batches, ["b-a", "b-b"], "B's is the latest batch");
        assert!(problems.is_empty());
        // An object too large to be a record is skipped and said, not fatal.
        store.0.lock().unwrap().insert(
            "ir/2026/12/03/huge.json".into(),
            (vec![b' '; 2 << 20], 5_000),
        );
        let (entries, problems) = journal.read().await.unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(problems.len(), 1, "{problems:?}");
        // A local journal's older batch pushed in after: ordered by its own
        // time, so undo does not take it for the latest.
        let mut old = entry("c-old");
        old.batch = "b-old".into();
        old.time = "2026-12-03T07:00:00.000000Z".into();
        assert_eq!(journal.push(&old).await, Ok(Put::Written));
        assert_eq!(journal.push(&old).await, Ok(Put::AlreadyThere));
        let (entries, _) = journal.read().await.unwrap();
        let batches: Vec<&str> = entries.iter().map(|e| e.batch.as_str()).collect();
        assert_eq!(batches, ["b-old", "b-a", "b-b"]);
    }

    #[test]
    fn keys_sort_by_time_and_keep_phases_apart() {
        assert_eq!(
            time_path("2026-12-03T07:36:46.123456Z"),
            "2026/12/03/20261203T073646.123456Z"
        );
        assert_eq!(time_path("garbage/../x"), "undated/garbage_.._x");
        // A multi-byte character where the date should be: no panic.
        assert!(time_path("2026-12-0\u{e9}T00").starts_with("undated/"));
        assert_eq!(key_part("c-1/../x y"), "c-1_.._x_y");
    }
}
