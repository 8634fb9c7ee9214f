//! The rolecall binary: parse the command line, start logging, run a scripting
//! command or the terminal UI, and turn every failure into one line and an exit code.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind as ClapErrorKind;
use rolecall::cli::{self, Cli};
use rolecall::tui::Exit;

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
            eprintln!(
                "rolecall: {} (see rolecall --help)",
                cli::usage_error_line(&e.to_string())
            );
            return ExitCode::from(2);
        }
    };
    std::panic::set_hook(Box::new(|info| {
        let msg = rolecall::core::error::panic_message(info.payload());
        tracing::error!("panic: {msg} at {:?}", info.location());
        // A panic in a background task is caught there and shown in the UI,
        // which goes on: leave its terminal alone. Only a panic on the main
        // thread (the UI itself) ends the program.
        if std::thread::current().name() == Some("main") {
            rolecall::tui::restore_terminal();
            eprintln!(
                "rolecall: internal error: {} (please report it; details are in the log file)",
                rolecall::aws::text::one_line(&msg)
            );
        }
    }));
    let log_path = args
        .global
        .log_file
        .clone()
        .or_else(rolecall::core::logging::default_log_path);
    let log_warning = log_path
        .as_deref()
        .map(rolecall::core::logging::init)
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
                cli::run(&args.global, command, &mut stdout)
                    .await
                    .map(|()| Exit::Quit)
            }
            None => {
                let file = rolecall::core::config::load_for(
                    args.global.config.as_deref(),
                    args.global.demo,
                )?;
                let mut global = args.global.clone();
                global.apply_config(&file);
                rolecall::tui::ui::theme::set_palette(&file.colors);
                let settings = rolecall::tui::Settings {
                    read_only: global.read_only,
                    poll: std::time::Duration::from_secs(global.poll_seconds()),
                    journal: global.journal_spec(&file)?,
                    journal_profile: file.journal_profile.clone(),
                    file,
                    config_path: global
                        .config
                        .clone()
                        .or_else(rolecall::core::config::default_path),
                    concurrency: global.batch_concurrency(),
                    color: !rolecall::tui::ui::no_color_requested(),
                    mouse: global.mouse,
                };
                rolecall::tui::run(&global.session_options(), &settings, log_warning).await
            }
        }
    });
    // Do not wait for in-flight AWS calls on the way out.
    runtime.shutdown_background();
    match result {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        // The conventional status of a process ended by a signal.
        Ok(Exit::Signal(n)) => {
            tracing::info!(signal = n, "ended by signal");
            ExitCode::from((128 + n) as u8)
        }
        Err(e) => {
            tracing::error!("{e}");
            eprintln!(
                "rolecall: {}",
                rolecall::aws::text::one_line(&e.to_string())
            );
            ExitCode::from(e.exit_code())
        }
    }
}
