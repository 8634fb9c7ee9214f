//! The rolecall binary: parse the command line, start logging, run a scripting
//! command or the terminal UI, and turn every failure into one line and an exit code.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind as ClapErrorKind;
use rolecall::cli::{self, Cli};

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(a) => a,
        Err(e)
            if matches!(
                e.kind(),
                ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion
            ) =>
        {
            // Help and version go to stdout as clap formats them.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("rolecall: {first} (see rolecall --help)");
            return ExitCode::from(2);
        }
    };
    std::panic::set_hook(Box::new(|info| {
        rolecall_restore_terminal();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        tracing::error!("panic: {msg} at {:?}", info.location());
        eprintln!(
            "rolecall: internal error: {} (please report it; details are in the log file)",
            rolecall::text::one_line(&msg)
        );
    }));
    let log_path = args
        .global
        .log_file
        .clone()
        .or_else(rolecall::logging::default_log_path);
    let log_warning = log_path
        .as_deref()
        .map(rolecall::logging::init)
        .and_then(Result::err);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rolecall: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match &args.command {
            Some(command) => {
                if let Some(w) = &log_warning {
                    eprintln!("rolecall: warning: {w}; continuing without a log");
                }
                let mut stdout = std::io::stdout();
                cli::run(&args.global, command, &mut stdout).await
            }
            None => rolecall::tui::run(&args.global, log_warning).await,
        }
    });
    // Do not wait for in-flight AWS calls on the way out.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("rolecall: {}", rolecall::text::one_line(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

fn rolecall_restore_terminal() {
    rolecall::tui::restore_terminal();
}
