//! Names the commit the binary is built from, for `rolecall --version`: from
//! git in a clone, else from the `.cargo_vcs_info.json` `cargo package`
//! writes; `unknown commit` when neither says.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(packaged_commit);
    let version = env!("CARGO_PKG_VERSION");
    let text = match commit {
        Some(c) => format!("{version} ({c})"),
        None => format!("{version} (unknown commit)"),
    };
    println!("cargo:rustc-env=ROLECALL_VERSION={text}");
    // A new commit (or branch) changes HEAD or the ref it points to.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
    if let Ok(head) = std::fs::read_to_string(".git/HEAD")
        && let Some(reference) = head.trim().strip_prefix("ref: ")
    {
        println!("cargo:rerun-if-changed=.git/{reference}");
        println!("cargo:rerun-if-changed=.git/packed-refs");
    }
}

/// `"sha1": "…"` of a packaged crate's `.cargo_vcs_info.json`.
fn packaged_commit() -> Option<String> {
    let text = std::fs::read_to_string(".cargo_vcs_info.json").ok()?;
    let start = text.find("\"sha1\"")?;
    let rest = &text[start + 6..];
    let open = rest.find('"')? + 1;
    let close = rest[open..].find('"')? + open;
    let sha = &rest[open..close];
    sha.chars()
        .all(|c| c.is_ascii_hexdigit())
        .then(|| sha.chars().take(12).collect())
}
