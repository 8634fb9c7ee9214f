//! The TUI runtime: terminal setup and restore, the one `select!` loop over
//! terminal events, action results and a frame tick, and the effect runner.

use std::io::Stdout;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinSet;

use crate::app::state::{Config, Message, Tone};
use crate::app::update::init;
use crate::app::{Action, Effect, Mutation, MutationKind, State, update};
use crate::aws::{Cloud, ProfileRef};
use crate::cli::{self, CliError, GlobalOpts};
use crate::poller::Poller;

/// Puts the terminal back: cooked mode, main screen, cursor shown. Safe to call twice.
pub fn restore_terminal() {
    // Best effort: if the terminal is gone there is nothing left to restore,
    // and this also runs from the panic hook, where nothing can be reported.
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Runs the TUI until the user quits.
pub async fn run(opts: &GlobalOpts, log_warning: Option<String>) -> Result<(), CliError> {
    let session = cli::session(opts).await?;
    let config = Config {
        read_only: opts.read_only,
        demo: session.demo.is_some(),
        profile_label: session.profile_label.clone(),
        endpoint: session.endpoint.clone(),
        poll_interval: Duration::from_secs(opts.poll),
    };
    let mut state = State::new(config, session.regions.clone());
    if let Some(w) = log_warning {
        state.message = Some(Message {
            tone: Tone::Error,
            text: format!("{w}; running without a log"),
        });
    }
    enable_raw_mode().map_err(|e| CliError::Runtime(format!("cannot set up the terminal: {e}")))?;
    let mut terminal = match execute!(std::io::stdout(), EnterAlternateScreen)
        .and_then(|_| Terminal::new(CrosstermBackend::new(std::io::stdout())))
    {
        Ok(t) => t,
        Err(e) => {
            restore_terminal();
            return Err(CliError::Runtime(format!(
                "cannot set up the terminal: {e}"
            )));
        }
    };
    let result = event_loop(&mut terminal, &mut state, session.cloud.clone()).await;
    restore_terminal();
    result
}

fn term_error(e: std::io::Error) -> CliError {
    CliError::Runtime(format!("terminal error: {e}"))
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    state: &mut State,
    cloud: Arc<dyn Cloud>,
) -> Result<(), CliError> {
    let (tx, mut rx) = unbounded_channel::<Action>();
    let poller = Poller::spawn(cloud.clone(), tx.clone());
    let mut mutations = JoinSet::new();
    let mut events = EventStream::new();
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| CliError::Runtime(format!("cannot listen for SIGTERM: {e}")))?;

    let size = terminal.size().map_err(term_error)?;
    state.size = (size.width, size.height);
    let effects = init(state);
    let mut quit = run_effects(effects, &poller, &mut mutations, &cloud, &tx);
    let mut last_second = 0;
    terminal
        .draw(|f| crate::ui::view(state, f))
        .map_err(term_error)?;
    while !quit {
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Some(Action::Key(k)),
                Some(Ok(Event::Resize(w, h))) => Some(Action::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(term_error(e)),
                None => break,
            },
            Some(a) = rx.recv() => Some(a),
            _ = tick.tick() => Some(Action::Tick(start.elapsed())),
            _ = sigterm.recv() => break,
            Some(_) = mutations.join_next(), if !mutations.is_empty() => None,
        };
        let Some(action) = action else { continue };
        let is_tick = matches!(action, Action::Tick(_));
        let effects = update(state, action);
        quit = run_effects(effects, &poller, &mut mutations, &cloud, &tx);
        // Draw only when something on screen may have changed: any event, a
        // spinner turning, or the refresh age ticking over a second.
        let second = state.now.as_secs();
        let redraw =
            !is_tick || state.busy() || state.anything_in_transition() || second != last_second;
        last_second = second;
        if redraw && !quit {
            terminal
                .draw(|f| crate::ui::view(state, f))
                .map_err(term_error)?;
        }
    }
    mutations.abort_all();
    drop(poller);
    Ok(())
}

/// Hands effects to the poller or to mutation tasks; true when the UI must quit.
fn run_effects(
    effects: Vec<Effect>,
    poller: &Poller,
    mutations: &mut JoinSet<()>,
    cloud: &Arc<dyn Cloud>,
    tx: &UnboundedSender<Action>,
) -> bool {
    let mut quit = false;
    for effect in effects {
        match effect {
            Effect::Quit => quit = true,
            Effect::Mutate(m) => {
                let cloud = cloud.clone();
                let tx = tx.clone();
                mutations.spawn(async move {
                    let op_id = m.op_id;
                    let result = mutate(cloud.as_ref(), m, &tx).await;
                    match &result {
                        Ok(a) => tracing::info!(op_id, association = %a.id, state = %a.state, "mutation accepted"),
                        Err(e) => tracing::warn!(op_id, error = %e, "mutation failed"),
                    }
                    // The UI may have quit meanwhile: nobody left to tell.
                    let _ = tx.send(Action::MutationDone { op_id, result });
                });
            }
            read => {
                if !poller.request(read) {
                    tracing::error!("the poller has stopped");
                }
            }
        }
    }
    quit
}

/// Runs one confirmed change at the API (both steps of a stopped-instance swap).
pub async fn mutate(
    cloud: &dyn Cloud,
    m: Mutation,
    tx: &UnboundedSender<Action>,
) -> Result<crate::aws::Association, crate::aws::ApiError> {
    tracing::info!(?m, "mutation");
    let (region, id) = (m.region.as_str(), m.instance_id.as_str());
    match m.kind {
        MutationKind::Associate { profile_arn } => {
            cloud
                .associate(region, id, &ProfileRef::Arn(profile_arn))
                .await
        }
        MutationKind::Replace {
            association_id,
            profile_arn,
        } => {
            cloud
                .replace(region, &association_id, &ProfileRef::Arn(profile_arn))
                .await
        }
        MutationKind::Disassociate { association_id } => {
            cloud.disassociate(region, &association_id).await
        }
        MutationKind::DetachThenAssociate {
            association_id,
            profile_arn,
        } => {
            cloud.disassociate(region, &association_id).await?;
            // A progress note only; the UI may have quit meanwhile.
            let _ = tx.send(Action::MutationStep {
                op_id: m.op_id,
                note: format!("{id}: detached {association_id}; now associating the new profile"),
            });
            cli::associate_after_detach(cloud, region, id, &ProfileRef::Arn(profile_arn)).await
        }
    }
}
