//! Speed and memory of the TUI at scale, on the in-memory account:
//! 20,000 instances, 2,000 instance profiles, a 200x60 terminal.
//!
//! Measures the time to draw one frame, from a filter keystroke to the next
//! drawn frame, from a picker keystroke to the next drawn frame, and the
//! resident memory with everything loaded. Run: `cargo bench --bench tui`.

// A bench states what it needs; a panic is how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rolecall::aws::fleet::Fleet;
use rolecall::aws::memory::{ManualClock, MemoryAccount, MemoryOptions};
use rolecall::tui::app::state::AppConfig;
use rolecall::tui::app::update::init;
use rolecall::tui::app::{Action, State, update};

const INSTANCES: usize = 20_000;
const PROFILES: usize = 2_000;
const SIZE: (u16, u16) = (200, 60);

/// VmRSS and VmHWM from /proc/self/status, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Stats {
    median: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
        max: *samples.last().unwrap_or(&Duration::ZERO),
    }
}

fn report(what: &str, s: &Stats, budget_ms: f64) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let verdict = if ms(s.p99) < budget_ms {
        "ok"
    } else {
        "OVER BUDGET"
    };
    println!(
        "{what:<34} median {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms   budget {budget_ms} ms: {verdict}",
        ms(s.median),
        ms(s.p99),
        ms(s.max)
    );
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (rss0, _) = memory();
    let fleet = Fleet::generated(INSTANCES, PROFILES);
    let account = Arc::new(MemoryAccount::new(
        &fleet,
        MemoryOptions::test(Arc::new(ManualClock::new())),
    ));
    let account_key = fleet.account.clone();
    drop(fleet);
    let accounts = vec![rolecall::core::session::Account {
        key: account_key.clone(),
        cloud: account.clone(),
        id: Some(account_key.clone()),
        name: None,
        production: false,
        via: "the bench".into(),
    }];
    let (rss_account, _) = memory();
    let regions: Vec<String> = vec![
        "ap-southeast-2".into(),
        "eu-west-1".into(),
        "us-east-1".into(),
    ];
    let mut state = State::new(
        AppConfig {
            read_only: false,
            demo: true,
            profile_label: "demo".into(),
            endpoint: None,
            poll_interval: Duration::from_secs(10),
            check_regions: false,
            journal: true,
            file: rolecall::core::config::Config::default(),
            config_path: None,
            color: true,
            started_at: None,
            accounts: vec![rolecall::tui::app::state::AccountInfo::of(&accounts[0])],
        },
        regions,
    );
    state.size = SIZE;
    let load = Instant::now();
    let mut queue = init(&mut state);
    while let Some(effect) = queue.pop() {
        if let Some(action) = runtime.block_on(rolecall::tui::poller::fetch(&accounts, effect)) {
            queue.extend(update(&mut state, action));
        }
    }
    let load_time = load.elapsed();
    assert_eq!(state.inventory.rows.len(), INSTANCES);
    assert_eq!(state.inventory.profiles.len(), PROFILES);
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap();
    terminal
        .draw(|f| rolecall::tui::ui::view(&state, f))
        .unwrap();
    let (rss, hwm) = memory();

    // One frame, scrolled to different places.
    let mut frames = Vec::new();
    for i in 0..300 {
        state.list.selected = (i * 67) % INSTANCES;
        state.clamp_selection();
        let t = Instant::now();
        terminal
            .draw(|f| rolecall::tui::ui::view(&state, f))
            .unwrap();
        frames.push(t.elapsed());
    }

    // Filter keystrokes: each one is update + the next frame.
    let mut filter = Vec::new();
    for round in 0..10 {
        update(&mut state, key(KeyCode::Char('/')));
        let query = ["web-prod-1", "i-0a0000000", "batch-dev", "stopped", "zzz"][round % 5];
        for c in query.chars() {
            let t = Instant::now();
            update(&mut state, key(KeyCode::Char(c)));
            terminal
                .draw(|f| rolecall::tui::ui::view(&state, f))
                .unwrap();
            filter.push(t.elapsed());
        }
        for _ in 0..query.len() {
            let t = Instant::now();
            update(&mut state, key(KeyCode::Backspace));
            terminal
                .draw(|f| rolecall::tui::ui::view(&state, f))
                .unwrap();
            filter.push(t.elapsed());
        }
        update(&mut state, key(KeyCode::Esc));
    }

    // Picker keystrokes.
    let mut picker = Vec::new();
    for round in 0..10 {
        update(&mut state, key(KeyCode::Enter));
        let query = ["web-prod", "batch-role-01", "etl/service", "gw"][round % 4];
        for c in query.chars() {
            let t = Instant::now();
            update(&mut state, key(KeyCode::Char(c)));
            terminal
                .draw(|f| rolecall::tui::ui::view(&state, f))
                .unwrap();
            picker.push(t.elapsed());
        }
        update(&mut state, key(KeyCode::Esc));
    }

    // A poll result arriving (one region's associations): join and re-filter.
    let mut poll = Vec::new();
    for round in 0..20 {
        let associations = runtime
            .block_on(rolecall::aws::Cloud::associations(
                account.as_ref(),
                "us-east-1",
            ))
            .unwrap();
        let action = Action::AssociationsLoaded {
            generation: state.inventory.generation,
            round: state.poll.round + round,
            account: account_key.clone(),
            region: "us-east-1".into(),
            result: Ok(associations),
        };
        let t = Instant::now();
        update(&mut state, action);
        poll.push(t.elapsed());
    }

    // A poll result in which 100 associations changed state (rows updated in place).
    let mut poll_changed = Vec::new();
    for round in 0..20u64 {
        let mut associations = runtime
            .block_on(rolecall::aws::Cloud::associations(
                account.as_ref(),
                "us-east-1",
            ))
            .unwrap();
        let flip = if round % 2 == 0 {
            rolecall::aws::AssociationState::Associating
        } else {
            rolecall::aws::AssociationState::Associated
        };
        for a in associations.iter_mut().take(100) {
            a.state = flip;
        }
        let action = Action::AssociationsLoaded {
            generation: state.inventory.generation,
            round: state.poll.round + 100 + round,
            account: account_key.clone(),
            region: "us-east-1".into(),
            result: Ok(associations),
        };
        let t = Instant::now();
        update(&mut state, action);
        poll_changed.push(t.elapsed());
    }

    // A batch over every instance: A marks them all, d plans a detach of
    // each and opens the confirmation (then Esc, unmark).
    let mut batch = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        update(&mut state, key(KeyCode::Char('A')));
        update(&mut state, key(KeyCode::Char('d')));
        batch.push(t.elapsed());
        update(&mut state, key(KeyCode::Esc));
        update(&mut state, key(KeyCode::Char('A')));
    }

    println!(
        "rolecall TUI benchmark: {INSTANCES} instances, {PROFILES} profiles, {}x{} terminal",
        SIZE.0, SIZE.1
    );
    println!(
        "load (all regions, joined)          {:.1} ms",
        load_time.as_secs_f64() * 1000.0
    );
    report("draw one frame", &stats(frames), 2.0);
    report("filter keystroke -> next frame", &stats(filter), 16.0);
    report("picker keystroke -> next frame", &stats(picker), 16.0);
    report("poll result, nothing changed", &stats(poll), 16.0);
    report("poll result, 100 changed", &stats(poll_changed), 16.0);
    report("mark all, plan a detach of all", &stats(batch), 1000.0);
    let verdict = if rss < 60.0 { "ok" } else { "OVER BUDGET" };
    println!(
        "resident memory, everything loaded  {rss:.1} MiB (peak {hwm:.1} MiB)   budget 60 MB: {verdict}"
    );
    println!(
        "  of which: process start {rss0:.1} MiB, the in-memory demo account {:.1} MiB, the TUI's state {:.1} MiB",
        rss_account - rss0,
        rss - rss_account
    );
}
