//! The one error both front ends turn into a line and an exit code.

use crate::aws::ApiError;

/// Why a run failed; each becomes one line and an exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: exit 2.
    #[error("{0}")]
    Usage(String),
    /// An AWS error: exit 1.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// Anything else at run time: exit 1.
    #[error("{0}")]
    Runtime(String),
    /// A signal (its number) stopped the run after what was in flight ended;
    /// the text says what was left undone. Exit 128 + the signal.
    #[error("{1}")]
    Signal(i32, String),
}

impl Error {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Api(_) | Error::Runtime(_) => 1,
            Error::Signal(n, _) => u8::try_from(128 + n).unwrap_or(1),
        }
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
