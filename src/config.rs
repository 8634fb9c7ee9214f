//! The config file: `$XDG_CONFIG_HOME/rolecall/config.toml` (default
//! `~/.config/rolecall/config.toml`) or `--config PATH`. TOML:
//!
//! ```toml
//! quarantine_profile = "incident-quarantine"
//! [[account]]
//! id = "123456789012"
//! name = "payments-prod"
//! production = true
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;
use crate::text::one_line;

/// What the config file says.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The instance profile `Q` (quarantine) puts instances on.
    pub quarantine_profile: Option<String>,
    /// Accounts by id: their names and whether they are production.
    #[serde(default, rename = "account")]
    pub accounts: Vec<Account>,
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
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Config::default());
        }
        Err(e) => {
            return Err(Error::Usage(format!(
                "cannot read config file {}: {e}",
                path.display()
            )));
        }
    };
    parse(&text, &path.display().to_string())
}

/// Parses config text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Config, Error> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let what = one_line(e.message());
        Error::Usage(match line {
            Some(n) => format!("config file {origin}, line {n}: {what}"),
            None => format!("config file {origin}: {what}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quarantine_and_production_accounts() {
        let c = parse(
            "quarantine_profile = \"incident-quarantine\"\n[[account]]\nid = \"1\"\nname = \"payments-prod\"\nproduction = true\n[[account]]\nid = \"2\"\n",
            "x",
        )
        .unwrap();
        assert_eq!(c.quarantine_profile.as_deref(), Some("incident-quarantine"));
        assert_eq!(c.production_guard("1").as_deref(), Some("payments-prod"));
        assert_eq!(c.production_guard("2"), None);
        assert_eq!(c.production_guard("3"), None);
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
}

#[cfg(test)]
mod demo_config {
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
