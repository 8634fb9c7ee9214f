//! Logs go to a file, never to the terminal the TUI owns.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// rolecall's state directory: `$XDG_STATE_HOME/rolecall`, else
/// `~/.local/state/rolecall` (the log and the journal live there).
pub fn state_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state"))
        })?;
    Some(base.join("rolecall"))
}

/// `$XDG_STATE_HOME/rolecall/rolecall.log`, else `~/.local/state/rolecall/rolecall.log`.
pub fn default_log_path() -> Option<PathBuf> {
    Some(state_dir()?.join("rolecall.log"))
}

/// Opens the log for appending, readable by its owner only (0600): it holds
/// account ids, ARNs and error details. An existing file is narrowed too.
pub fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    // Only a regular file: `--log-file /dev/null` must not change the device.
    if file.metadata()?.is_file() {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Starts logging to `path`; `RUST_LOG` sets the level (default `info`).
/// Returns a one-line reason when the file cannot be opened.
pub fn init(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    }
    let file =
        open_private(path).map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_log_is_private_even_when_it_existed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rolecall.log");
        super::open_private(&path).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::open_private(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
    }
}
