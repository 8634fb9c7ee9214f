//! The instance list's filter: exact field terms, ANDed, and free text that
//! must stand whole in one field. A loose match is a wrong change waiting to
//! happen in a bulk tool, so fuzzy matching is asked for (`~`), never assumed.
//!
//! - `profile:NAME` `role:NAME` `account:NAME|ID` `region:NAME` `state:STATE`:
//!   exact, case-insensitive (`profile:none` for instances without one);
//! - `name:GLOB` `id:GLOB`: `*` and `?` globs, case-insensitive;
//! - `tag:KEY=VALUE`: an instance tag, exact (the value may be a glob);
//! - other words: a case-insensitive substring of one field (id, name,
//!   profile, state, region, account);
//! - `~text`: fuzzy, the letters in order anywhere in the row.

use super::Row;

/// A field a term names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Profile,
    Role,
    Account,
    Region,
    State,
    Name,
    Id,
    /// An instance tag, by key.
    Tag(String),
}

/// One word of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// `field:value` (lowercase).
    Field(Field, String),
    /// A substring of one field (lowercase).
    Text(String),
    /// `~letters`: a fuzzy match over the whole row (lowercase).
    Fuzzy(String),
}

/// A parsed filter, or why it cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
    /// Each term as understood, in the case it was typed (matching ignores
    /// case; the title keeps the operator's): `role=WebAppRole`.
    pub said: Vec<String>,
    /// A term that is not understood (`colour:red`): nothing matches, and
    /// the title says why.
    pub error: Option<String>,
}

/// The fields a term may name, for the error that lists them.
pub const FIELDS: &str = "profile, role, account, region, state, name, id, tag";

/// Reads a filter as typed.
pub fn parse(text: &str) -> Query {
    let mut query = Query::default();
    for word in text.split_whitespace() {
        let lower = word.to_lowercase();
        if let Some(fuzzy) = lower.strip_prefix('~') {
            if !fuzzy.is_empty() {
                query.terms.push(Term::Fuzzy(fuzzy.to_string()));
                query.said.push(word.to_string());
            }
            continue;
        }
        let Some((field, value)) = lower.split_once(':') else {
            query.terms.push(Term::Text(lower));
            query.said.push(format!("\"{word}\""));
            continue;
        };
        // The value as typed (the field's name is said in lower case); a
        // lowercased character may be longer, so split the original apart.
        let typed = word.split_once(':').map_or("", |(_, v)| v);
        let field = match field {
            "profile" => Field::Profile,
            "role" => Field::Role,
            "account" => Field::Account,
            "region" => Field::Region,
            "state" => Field::State,
            "name" => Field::Name,
            "id" => Field::Id,
            "tag" => match value.split_once('=') {
                Some((key, v)) => {
                    query
                        .terms
                        .push(Term::Field(Field::Tag(key.to_string()), v.to_string()));
                    query.said.push(format!("tag {typed}"));
                    continue;
                }
                None => {
                    query.error = Some(format!("tag:{value} needs KEY=VALUE"));
                    continue;
                }
            },
            other => {
                query.error = Some(format!("unknown field {other}: ({FIELDS})"));
                continue;
            }
        };
        if value.is_empty() {
            // Still being typed: no constraint yet.
            continue;
        }
        query.said.push(format!("{}={typed}", field.name()));
        query.terms.push(Term::Field(field, value.to_string()));
    }
    query
}

impl Field {
    /// How a term names the field.
    pub fn name(&self) -> &'static str {
        match self {
            Field::Profile => "profile",
            Field::Role => "role",
            Field::Account => "account",
            Field::Region => "region",
            Field::State => "state",
            Field::Name => "name",
            Field::Id => "id",
            Field::Tag(_) => "tag",
        }
    }
}

impl Query {
    /// True when nothing constrains the rows.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.error.is_none()
    }

    /// True when typing one more character can only narrow the rows (only
    /// substrings and fuzzy letters; an exact field may match more again).
    pub fn narrows_as_typed(&self) -> bool {
        self.terms
            .iter()
            .all(|t| matches!(t, Term::Text(_) | Term::Fuzzy(_)))
    }

    /// The filter as understood, for the list's title: `profile=web-app
    /// "web"` (text in quotes, fuzzy with `~`).
    pub fn understood(&self) -> String {
        if let Some(e) = &self.error {
            return e.clone();
        }
        self.said.join(" ")
    }

    /// True when the row passes every term. `roles` gives the role names of
    /// a profile ARN, `account` the names an account key is known by (key,
    /// label, id), both lowercase.
    pub fn matches<'m>(
        &self,
        row: &Row,
        roles: &dyn Fn(&str) -> &'m [String],
        account: &dyn Fn(&str) -> &'m [String],
    ) -> bool {
        if self.error.is_some() {
            return false;
        }
        let inst = &row.data.instance;
        let profile = row
            .data
            .association
            .as_ref()
            .filter(|a| a.state.is_active())
            .map(|a| &a.profile);
        let profile_name = profile.map(|p| p.name.to_lowercase());
        self.terms.iter().all(|term| match term {
            Term::Field(Field::Profile, v) => match &profile_name {
                Some(p) => p == v,
                None => v == "none" || v == "-",
            },
            Term::Field(Field::Role, v) => {
                profile.is_some_and(|p| roles(&p.arn).iter().any(|r| r == v))
            }
            Term::Field(Field::Account, v) => account(&inst.account).iter().any(|a| a == v),
            Term::Field(Field::Region, v) => &inst.region.to_lowercase() == v,
            Term::Field(Field::State, v) => inst.state.as_str() == v,
            Term::Field(Field::Name, v) => glob(v, &row.name.to_lowercase()),
            Term::Field(Field::Id, v) => glob(v, &inst.id.to_lowercase()),
            Term::Field(Field::Tag(key), v) => inst
                .tags
                .iter()
                .any(|(k, val)| &k.to_lowercase() == key && glob(v, &val.to_lowercase())),
            Term::Text(t) => {
                inst.id.to_lowercase().contains(t.as_str())
                    || row.name.to_lowercase().contains(t.as_str())
                    || profile_name
                        .as_deref()
                        .is_some_and(|p| p.contains(t.as_str()))
                    || inst.state.as_str().contains(t.as_str())
                    || inst.region.contains(t.as_str())
                    || account(&inst.account)
                        .iter()
                        .any(|a| a.contains(t.as_str()))
            }
            Term::Fuzzy(t) => crate::tui::app::matching::matches(&row.key, t),
        })
    }
}

/// A `*`/`?` glob over lowercase text; without either it is exact.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matching with one backtrack point for the last `*`.
    let (mut i, mut j) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case("web*", "web-app-1", true)]
    #[case("web*", "my-web", false)]
    #[case("*web*", "my-web-1", true)]
    #[case("web-?", "web-1", true)]
    #[case("web-?", "web-12", false)]
    #[case("web", "web", true)]
    #[case("web", "web-1", false)]
    #[case("*", "", true)]
    fn globs(#[case] pattern: &str, #[case] text: &str, #[case] want: bool) {
        assert_eq!(glob(pattern, text), want);
    }

    #[test]
    fn a_query_is_read_as_terms_and_said_back() {
        let q = parse("profile:Web-App ~wb  Stopped tag:Team=pay*");
        assert_eq!(
            q.terms,
            [
                Term::Field(Field::Profile, "web-app".into()),
                Term::Fuzzy("wb".into()),
                Term::Text("stopped".into()),
                Term::Field(Field::Tag("team".into()), "pay*".into()),
            ]
        );
        assert_eq!(
            q.understood(),
            // Said back in the case it was typed; matched without it.
            "profile=Web-App ~wb \"Stopped\" tag Team=pay*"
        );
        assert!(!q.narrows_as_typed());
        assert!(parse("web app").narrows_as_typed());
        let bad = parse("colour:red");
        assert!(
            bad.error
                .as_deref()
                .is_some_and(|e| e.contains("unknown field colour"))
        );
        // A field still being typed constrains nothing yet.
        assert!(parse("profile:").is_empty());
    }
}
