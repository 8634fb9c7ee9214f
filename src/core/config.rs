//! The config file: `$XDG_CONFIG_HOME/rolecall/config.toml` (default
//! `~/.config/rolecall/config.toml`) or `--config PATH`; `--demo` without
//! `--config` uses the demo's, built in ([`load_for`]). TOML:
//!
//! ```toml
//! quarantine_profile = "incident-quarantine"
//! profiles = ["payments", "data-ops"]   # when no --profile is given
//! regions = ["us-east-1", "eu-west-1"]  # when no --region is given
//! poll = 10                             # seconds (--poll)
//! concurrency = 8                       # changes at once (--concurrency)
//! mouse = false                         # --mouse
//! [colors]                              # header, selection, transitional, error, production
//! selection = "blue"
//! [[account]]
//! id = "123456789012"
//! name = "payments-prod"
//! production = true
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::aws::text::one_line;
use crate::core::error::Error;

/// What the config file says.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The instance profile `Q` (quarantine) puts instances on.
    pub quarantine_profile: Option<String>,
    /// Accounts by id: their names and whether they are production.
    #[serde(default, rename = "account")]
    pub accounts: Vec<Account>,
    /// Credential profiles shown when no `--profile` is given.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Regions shown when no `--region` (or `--all-regions`) is given.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Seconds between association polls when nothing changes (`--poll`).
    pub poll: Option<u64>,
    /// Changes of a batch in flight at once (`--concurrency`).
    pub concurrency: Option<u64>,
    /// Mouse support in the TUI (`--mouse`).
    pub mouse: Option<bool>,
    /// Where changes are journaled (`--journal`): a file, or a team's
    /// `s3://BUCKET/PREFIX/`.
    pub journal: Option<String>,
    /// The credential profile the S3 journal's bucket is reached with
    /// (default: the first account's session).
    pub journal_profile: Option<String>,
    /// Colours of the named slots.
    #[serde(default)]
    pub colors: Colors,
}

/// The `[colors]` table: a colour name (`red`, `lightblue`, `gray`…), an
/// index (`0`–`255`, as a number or a string) or `#rrggbb` per slot; unset
/// slots keep the defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colors {
    /// The product name and the column titles.
    #[serde(default, deserialize_with = "colour")]
    pub header: Option<String>,
    /// The selected row's background.
    #[serde(default, deserialize_with = "colour")]
    pub selection: Option<String>,
    /// `associating` / `disassociating` and their spinner.
    #[serde(default, deserialize_with = "colour")]
    pub transitional: Option<String>,
    /// Errors: the footer, the failing-reads lines, `unknown`.
    #[serde(default, deserialize_with = "colour")]
    pub error: Option<String>,
    /// The PRODUCTION badge's background.
    #[serde(default, deserialize_with = "colour")]
    pub production: Option<String>,
}

/// A colour as written: a string, or an integer (`header = 12`), kept as
/// its decimal text; [`check`] refuses what is not a colour (`300`, `-1`).
fn colour<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Written;
    impl serde::de::Visitor<'_> for Written {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a colour (a name such as red or lightblue, 0-255, or #rrggbb)")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(Written).map(Some)
}

impl Colors {
    /// Each slot that is set, with its name.
    pub fn slots(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("header", self.header.as_deref()),
            ("selection", self.selection.as_deref()),
            ("transitional", self.transitional.as_deref()),
            ("error", self.error.as_deref()),
            ("production", self.production.as_deref()),
        ]
    }
}

/// One `[[account]]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
    #[serde(default)]
    pub production: bool,
}

impl Config {
    /// The account's entry, if the file names it.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// What an account is called in tables and on screen: this file's name
    /// for its id, else the name it came with (organization, demo), else its
    /// id, else `key` (a profile name, until STS answers).
    pub fn label(&self, id: Option<&str>, given: Option<&str>, key: &str) -> String {
        id.and_then(|id| self.account(id)?.name.clone())
            .or_else(|| given.map(str::to_string))
            .or_else(|| id.map(str::to_string))
            .unwrap_or_else(|| key.to_string())
    }

    /// For a production account (this file says so, or the account came
    /// marked production, as the demo's does): what the operator must type
    /// to confirm a change there.
    pub fn guard(
        &self,
        id: Option<&str>,
        marked_production: bool,
        label: impl FnOnce() -> String,
    ) -> Option<String> {
        id.and_then(|id| self.production_guard(id))
            .or_else(|| marked_production.then(label))
    }

    /// For a production account: what the operator must type to confirm a
    /// change there (its name, else its id).
    pub fn production_guard(&self, id: &str) -> Option<String> {
        self.account(id)
            .filter(|a| a.production)
            .map(|a| a.name.clone().unwrap_or_else(|| a.id.clone()))
    }
}

/// Where the config file is read from unless `--config` says otherwise.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("rolecall").join("config.toml"))
}

/// Reads the config: `--config PATH` must exist; the default file may be
/// missing (an empty config). A malformed file is one line naming the file,
/// the line and what is wrong.
pub fn load(explicit: Option<&Path>) -> Result<Config, Error> {
    let (path, required) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(Config::default()),
        },
    };
    let shown = crate::aws::text::escape(&path.display().to_string());
    let cannot = |why: String| Error::Usage(format!("cannot read config file {shown}: {why}"));
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Config::default());
        }
        Err(e) => return Err(cannot(e.to_string())),
    };
    // At most MAX_CONFIG bytes: a device or a pipe that never ends is refused, not read.
    use std::io::Read;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(e.to_string()))?;
    if bytes.len() as u64 > MAX_CONFIG {
        return Err(cannot(format!(
            "it is larger than {} KiB, which no config file needs",
            MAX_CONFIG / 1024
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| cannot("it is not UTF-8 text".into()))?;
    parse(&text, &shown)
}

/// The config a run uses: `--config PATH` when given; else, with `--demo`,
/// the demo's own, built into the binary (the operator's file describes
/// their accounts, not the demo's); else the default file.
pub fn load_for(explicit: Option<&Path>, demo: bool) -> Result<Config, Error> {
    match explicit {
        None if demo => parse(crate::aws::fleet::DEMO_CONFIG_TOML, "built into --demo"),
        _ => load(explicit),
    }
}

/// The largest config file read.
pub const MAX_CONFIG: u64 = 1024 * 1024;

/// Parses config text and checks its values; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Config, Error> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let what = plain_words(&one_line(e.message()));
        // The key, as the errors of `check` name it (`poll`, `header`), unless
        // the message names it already (an unknown field).
        let key = key_of(&e)
            .filter(|k| !what.contains(&format!("`{k}`")))
            .map(|k| format!("{}: ", crate::aws::text::escape(&k)))
            .unwrap_or_default();
        Error::Usage(match line {
            Some(n) => format!("config file {origin}, line {n}: {key}{what}"),
            None => format!("config file {origin}: {key}{what}"),
        })
    })?;
    check(&config, text, origin)?;
    Ok(config)
}

/// The key whose value a deserialization error is about (its last part:
/// `header` of `colors.header`). The toml crate keeps the key path private
/// and shows it (a last line "in" and the path in backquotes) only when it
/// has no input to quote, so it is read from that rendering.
fn key_of(e: &toml::de::Error) -> Option<String> {
    let mut bare = e.clone();
    bare.set_input(None);
    let shown = bare.to_string();
    let path = shown
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `")?.strip_suffix('`'))?;
    path.rsplit('.')
        .next()
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// serde's type names in words a config file's reader uses.
fn plain_words(message: &str) -> String {
    message
        .replace("expected u64", "expected a whole number")
        .replace("expected a sequence", "expected a list")
}

/// The line a key is set on (for errors about its value).
fn line_of(text: &str, key: &str) -> Option<usize> {
    lines_of(text, key).next()
}

/// Each line a key is set on, in order (1-based).
fn lines_of<'a>(text: &'a str, key: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.lines().enumerate().filter_map(move |(i, l)| {
        l.trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
            .then_some(i + 1)
    })
}

/// Values TOML accepts but rolecall does not: one line naming the line, the
/// key and what is wrong.
fn check(c: &Config, text: &str, origin: &str) -> Result<(), Error> {
    let at = |line: Option<usize>, key: &str, why: String| {
        Error::Usage(match line {
            Some(n) => format!("config file {origin}, line {n}: {key}: {why}"),
            None => format!("config file {origin}: {key}: {why}"),
        })
    };
    let bad = |key: &str, why: String| at(line_of(text, key), key, why);
    if let Some(p) = c.poll.filter(|p| !(1..=3600).contains(p)) {
        return Err(bad(
            "poll",
            format!("{p} is not between 1 and 3600 seconds"),
        ));
    }
    if let Some(n) = c.concurrency.filter(|n| !(1..=32).contains(n)) {
        return Err(bad("concurrency", format!("{n} is not between 1 and 32")));
    }
    if let Some(r) = c
        .regions
        .iter()
        .find(|r| !crate::core::names::valid_region_name(r))
    {
        return Err(bad(
            "regions",
            format!(
                "'{}' is not a region name (expected something like us-east-1)",
                crate::aws::text::escape(r)
            ),
        ));
    }
    if let Some(p) = c.profiles.iter().find(|p| p.trim().is_empty()) {
        return Err(bad("profiles", format!("'{p}' is not a profile name")));
    }
    for (slot, value) in c.colors.slots() {
        if let Some(v) = value
            && v.parse::<ratatui::style::Color>().is_err()
        {
            return Err(bad(
                slot,
                format!(
                    "'{}' is not a colour (a name such as red or lightblue, 0-255, or #rrggbb)",
                    crate::aws::text::escape(v)
                ),
            ));
        }
    }
    if c.quarantine_profile
        .as_deref()
        .is_some_and(|q| q.trim().is_empty())
    {
        return Err(bad("quarantine_profile", "it is empty".into()));
    }
    // One entry per account: two could disagree on its name or on production.
    let mut seen = std::collections::HashSet::new();
    if let Some(a) = c.accounts.iter().find(|a| !seen.insert(a.id.as_str())) {
        return Err(bad(
            "id",
            format!(
                "account {} has two [[account]] entries (one per account)",
                crate::aws::text::escape(&a.id)
            ),
        ));
    }
    if c.accounts
        .iter()
        .any(|a| a.name.as_deref().is_some_and(|n| n.trim().is_empty()))
    {
        return Err(bad("name", "an account name is empty".into()));
    }
    // One account per name: a production confirmation asks for the name, and
    // tables and the TUI show it; two accounts called alike would be one to
    // the operator. Names that differ only in case or spaces count as alike.
    let mut named: std::collections::HashMap<String, &Account> = Default::default();
    let with_names = c
        .accounts
        .iter()
        .filter_map(|a| Some((a, a.name.as_deref()?)));
    for (n, (a, name)) in with_names.enumerate() {
        if let Some(first) = named.insert(name.trim().to_lowercase(), a) {
            // `name` is a key of `[[account]]` only: its n-th setting is this one.
            return Err(at(
                lines_of(text, "name").nth(n),
                "name",
                format!(
                    "accounts {} and {} are both named '{}' (a production confirmation asks for the name: give each account its own)",
                    crate::aws::text::escape(&first.id),
                    crate::aws::text::escape(&a.id),
                    crate::aws::text::escape(name)
                ),
            ));
        }
    }
    if let Some(a) = c
        .accounts
        .iter()
        .find(|a| !crate::core::names::valid_account_id(&a.id))
    {
        return Err(bad(
            "id",
            format!(
                "'{}' is not an account id (expected 12 digits)",
                crate::aws::text::escape(&a.id)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quarantine_and_production_accounts() {
        let c = parse(
            "quarantine_profile = \"incident-quarantine\"\n[[account]]\nid = \"111111111111\"\nname = \"payments-prod\"\nproduction = true\n[[account]]\nid = \"222222222222\"\n",
            "x",
        )
        .unwrap();
        assert_eq!(c.quarantine_profile.as_deref(), Some("incident-quarantine"));
        assert_eq!(
            c.production_guard("111111111111").as_deref(),
            Some("payments-prod")
        );
        assert_eq!(c.production_guard("222222222222"), None);
        assert_eq!(c.production_guard("333333333333"), None);
    }

    #[test]
    fn a_malformed_file_is_one_line_with_the_line_number() {
        let e = parse(
            "quarantine_profile = \"q\"\n[[account]]\nid = 12\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("config file c.toml, line 3:"), "{e}");
        assert!(!e.contains('\n'));
        let e = parse("bogus = 1\n", "c.toml").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("bogus"), "{e}");
        assert_eq!(parse("", "c.toml").unwrap(), Config::default());
    }

    #[test]
    fn ui_settings_are_read_and_checked_with_their_line() {
        let c = parse(
            "profiles = [\"a\", \"b\"]\nregions = [\"eu-west-1\"]\npoll = 5\nconcurrency = 4\nmouse = true\n[colors]\nselection = \"#334455\"\nerror = \"lightred\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.profiles, ["a", "b"]);
        assert_eq!(
            (c.poll, c.concurrency, c.mouse),
            (Some(5), Some(4), Some(true))
        );
        assert_eq!(c.colors.selection.as_deref(), Some("#334455"));
        for (text, line, key) in [
            ("quarantine_profile = \"q\"\npoll = 0\n", 2, "poll"),
            ("concurrency = 99\n", 1, "concurrency"),
            ("regions = [\"useast1\"]\n", 1, "regions"),
            ("[colors]\nheader = \"blurple\"\n", 2, "header"),
            ("[[account]]\nid = \"12\"\n", 2, "id"),
            ("quarantine_profile = \"\"\n", 1, "quarantine_profile"),
            (
                "[[account]]\nid = \"111111111111\"\n[[account]]\nid = \"111111111111\"\n",
                2,
                "id",
            ),
        ] {
            let e = parse(text, "c.toml").unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("config file c.toml, line {line}: {key}:")),
                "{e}"
            );
            assert!(!e.contains('\n'));
        }
    }
}

#[cfg(test)]
mod refused {
    use super::*;

    fn error(text: &str) -> String {
        let e = parse(text, "c.toml").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = e.to_string();
        assert!(!e.contains('\n'), "{e}");
        e
    }

    #[test]
    fn two_accounts_with_one_name_are_refused_at_the_second() {
        let e = error(
            "[[account]]\nid = \"111111111111\"\nname = \"prod\"\nproduction = true\n\
             [[account]]\nid = \"222222222222\"\n\
             [[account]]\nid = \"333333333333\"\nname = \" Prod\"\n",
        );
        assert!(e.starts_with("config file c.toml, line 9: name: "), "{e}");
        assert!(
            e.contains("111111111111") && e.contains("333333333333") && e.contains("' Prod'"),
            "{e}"
        );
        // Names of their own, and accounts without one, are fine.
        parse(
            "[[account]]\nid = \"111111111111\"\nname = \"prod\"\n\
             [[account]]\nid = \"222222222222\"\n\
             [[account]]\nid = \"333333333333\"\n\
             [[account]]\nid = \"444444444444\"\nname = \"prod-eu\"\n",
            "c.toml",
        )
        .unwrap();
    }

    #[test]
    fn a_colour_may_be_an_index_written_as_a_number() {
        let c = parse("[colors]\nheader = 12\nselection = \"200\"\n", "c.toml").unwrap();
        assert_eq!(c.colors.header.as_deref(), Some("12"));
        let palette = crate::tui::ui::theme::Palette::from_config(&c.colors);
        assert_eq!(palette.header, ratatui::style::Color::Indexed(12));
        assert_eq!(palette.selection, ratatui::style::Color::Indexed(200));
        for (text, key) in [
            ("[colors]\nheader = 256\n", "header"),
            ("[colors]\nerror = -1\n", "error"),
            ("[colors]\nproduction = true\n", "production"),
            ("[colors]\ntransitional = 1.5\n", "transitional"),
        ] {
            let e = error(text);
            assert!(
                e.starts_with(&format!("config file c.toml, line 2: {key}: ")),
                "{e}"
            );
            assert!(e.contains("0-255"), "{e}");
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_key_and_line() {
        for (text, line, key) in [
            ("quarantine_profile = \"q\"\npoll = \"often\"\n", 2, "poll"),
            ("mouse = \"yes\"\n", 1, "mouse"),
            ("regions = \"us-east-1\"\n", 1, "regions"),
            (
                "[[account]]\nid = \"111111111111\"\nproduction = 1\n",
                3,
                "production",
            ),
            ("[[account]]\nid = 12\n", 2, "id"),
        ] {
            let e = error(text);
            assert!(
                e.starts_with(&format!("config file c.toml, line {line}: {key}: ")),
                "{e}"
            );
        }
        let e = error("poll = \"often\"\n");
        assert!(e.ends_with("expected a whole number"), "{e}");
        // An unknown key is named once, by the message.
        let e = error("bogus = 1\n");
        assert!(
            e.starts_with("config file c.toml, line 1: unknown field `bogus`"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod demo_config {
    #[test]
    fn the_demo_without_a_config_file_has_its_quarantine_profile() {
        let c = super::load_for(None, true).unwrap();
        assert_eq!(c.quarantine_profile.as_deref(), Some("incident-quarantine"));
        // It names no account: the demo's own names and production mark hold.
        assert!(c.accounts.is_empty());
        let mut fleets = vec![crate::aws::fleet::Fleet::builtin().unwrap()];
        fleets.extend(
            crate::aws::fleet::builtin_others()
                .unwrap()
                .into_iter()
                .map(|(f, _, _)| f),
        );
        for fleet in fleets {
            assert!(
                fleet
                    .profiles
                    .iter()
                    .any(|p| p.name == "incident-quarantine"),
                "{}",
                fleet.account
            );
        }
        // --config still wins over the demo's.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/config.toml");
        let c = super::load_for(Some(std::path::Path::new(path)), true).unwrap();
        assert_eq!(c.accounts.len(), 1);
    }

    #[test]
    fn the_shipped_demo_config_guards_the_demo_account() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/config.toml");
        let c = super::load(Some(std::path::Path::new(path))).unwrap();
        assert_eq!(c.quarantine_profile.as_deref(), Some("incident-quarantine"));
        let demo = crate::aws::fleet::Fleet::builtin().unwrap();
        assert_eq!(
            c.production_guard(&demo.account).as_deref(),
            Some("demo-prod")
        );
        assert!(
            demo.profiles
                .iter()
                .any(|p| p.name == "incident-quarantine")
        );
    }
}
