//! Drives the TUI's `update` against the in-memory account, running effects with
//! the runtime's own effect code, on a manual clock: no terminal, no sleeps.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rolecall::aws::fleet::Fleet;
use rolecall::aws::memory::{ManualClock, MemoryAccount, MemoryOptions};
use rolecall::core::session::Account;
use rolecall::tui::app::state::{AccountInfo, AppConfig};
use rolecall::tui::app::update::init;
use rolecall::tui::app::{Action, Effect, State, update};

pub struct Harness {
    pub state: State,
    pub account: Arc<MemoryAccount>,
    /// The session's accounts: the one in-memory account, under `key`.
    pub accounts: Arc<Vec<Account>>,
    /// The first account's session key (its id).
    pub key: String,
    /// The in-memory accounts, one per session account, in order.
    pub memories: Vec<Arc<MemoryAccount>>,
    pub clock: Arc<ManualClock>,
    /// Effects not yet run (tests may hold some back).
    pub queue: VecDeque<Effect>,
    pub quit: bool,
    /// Changes are journaled here (a fresh directory per harness).
    pub journaling: Option<Arc<rolecall::tui::Journaling>>,
    pub journal_dir: tempfile::TempDir,
}

/// The harness's account as a session account.
pub fn session_account(key: &str, account: Arc<MemoryAccount>) -> Account {
    Account {
        key: key.to_string(),
        cloud: account,
        id: Some(key.to_string()),
        name: None,
        production: false,
        via: "the test".into(),
    }
}

pub fn config(read_only: bool) -> AppConfig {
    config_for(read_only, &[DEMO_ACCOUNT])
}

/// The builtin demo fleet's account id.
pub const DEMO_ACCOUNT: &str = "210987654321";

/// Settings for a TUI over these accounts (by key, which is their id).
pub fn config_for(read_only: bool, keys: &[&str]) -> AppConfig {
    AppConfig {
        read_only,
        demo: true,
        profile_label: "demo".into(),
        endpoint: None,
        poll_interval: Duration::from_secs(10),
        check_regions: false,
        journal: true,
        file: rolecall::core::config::Config::default(),
        config_path: None,
        color: true,
        // The accounts' manual clock's start: ages and CloudTrail windows
        // agree with what the accounts record.
        started_at: Some(std::time::UNIX_EPOCH + Duration::from_secs(1_790_000_000)),
        accounts: keys
            .iter()
            .map(|k| AccountInfo {
                key: k.to_string(),
                id: Some(k.to_string()),
                name: None,
                production: false,
            })
            .collect(),
    }
}

impl Harness {
    /// Starts on `fleet` showing `regions`, and lets every start-up load finish.
    pub async fn start(fleet: &Fleet, regions: &[&str], read_only: bool) -> Harness {
        let clock = Arc::new(ManualClock::new());
        let account = Arc::new(MemoryAccount::new(
            fleet,
            MemoryOptions::test(clock.clone()),
        ));
        Harness::boot(account, clock, regions, read_only).await
    }

    /// Starts on a prepared account (faults already set, say).
    pub async fn with_account(
        account: Arc<MemoryAccount>,
        clock: Arc<ManualClock>,
        regions: &[&str],
    ) -> Harness {
        Harness::boot(account, clock, regions, false).await
    }

    async fn boot(
        account: Arc<MemoryAccount>,
        clock: Arc<ManualClock>,
        regions: &[&str],
        read_only: bool,
    ) -> Harness {
        let key = account.account_id();
        let accounts = vec![session_account(&key, account.clone())];
        Harness::boot_all(accounts, vec![account], clock, regions, read_only).await
    }

    /// The demo's three accounts (main, staging, and the production
    /// payments account), all regions; `account` and `key` are the first's.
    pub async fn demo_accounts() -> Harness {
        let clock = Arc::new(ManualClock::new());
        let mut fleets = vec![(Fleet::builtin().unwrap(), "demo-main", false)];
        fleets.extend(rolecall::aws::fleet::builtin_others().unwrap());
        let mut accounts = Vec::new();
        let mut memories = Vec::new();
        for (fleet, name, production) in fleets {
            let memory = Arc::new(MemoryAccount::new(
                &fleet,
                MemoryOptions::test(clock.clone()),
            ));
            accounts.push(Account {
                name: Some(name.to_string()),
                production,
                ..session_account(&fleet.account, memory.clone())
            });
            memories.push(memory);
        }
        Harness::boot_all(
            accounts,
            memories,
            clock,
            &["ap-southeast-2", "eu-west-1", "us-east-1"],
            false,
        )
        .await
    }

    /// The in-memory account behind one of the harness's accounts.
    pub fn memory(&self, key: &str) -> Arc<MemoryAccount> {
        let index = self.accounts.iter().position(|a| a.key == key).unwrap();
        self.memories[index].clone()
    }

    async fn boot_all(
        accounts: Vec<Account>,
        memories: Vec<Arc<MemoryAccount>>,
        clock: Arc<ManualClock>,
        regions: &[&str],
        read_only: bool,
    ) -> Harness {
        let account = memories[0].clone();
        let key = account.account_id();
        let mut config = config_for(read_only, &[]);
        config.accounts = accounts.iter().map(AccountInfo::of).collect();
        let mut state = State::new(config, regions.iter().map(|s| s.to_string()).collect());
        state.size = (120, 32);
        let effects = init(&mut state);
        let journal_dir = tempfile::tempdir().unwrap();
        let mut h = Harness {
            state,
            accounts: Arc::new(accounts),
            memories,
            key,
            account,
            clock,
            queue: effects.into(),
            quit: false,
            journaling: Some(Arc::new(rolecall::tui::Journaling {
                journal: rolecall::core::journal::Journal::new(
                    journal_dir.path().join("journal.jsonl"),
                ),
                run_id: "test".into(),
            })),
            journal_dir,
        };
        h.settle_effects().await;
        h
    }

    /// The builtin demo fleet, all three regions.
    pub async fn demo() -> Harness {
        Harness::start(
            &Fleet::builtin().unwrap(),
            &["ap-southeast-2", "eu-west-1", "us-east-1"],
            false,
        )
        .await
    }

    /// Runs one effect through the runtime's own effect runner; returns the
    /// actions it produced, in order.
    pub async fn execute(&self, effect: Effect) -> Vec<Action> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        if matches!(
            effect,
            Effect::PlanContain { .. }
                | Effect::RunContain(_)
                | Effect::LoadCases { .. }
                | Effect::ReleaseCase { .. }
        ) {
            rolecall::tui::perform_contain(effect, &self.accounts, self.journaling.clone(), &tx)
                .await;
        } else {
            rolecall::tui::perform(effect, &self.accounts, self.journaling.clone(), &tx).await;
        }
        drop(tx);
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    /// Someone else (not this TUI) puts `profile` on an instance of the
    /// harness's account: a replace of its active association.
    pub async fn replace_behind_the_tui(&self, region: &str, instance_id: &str, profile: &str) {
        use rolecall::aws::Cloud;
        let now = self.account.associations(region).await.unwrap();
        let a = now
            .iter()
            .find(|a| a.instance_id == instance_id && a.state.is_active())
            .unwrap();
        self.account
            .replace(
                region,
                &a.id,
                &rolecall::aws::ProfileRef::Name(profile.into()),
            )
            .await
            .unwrap();
    }

    /// What is known of the harness's account (identity, profiles).
    pub fn acct(&self) -> &rolecall::tui::app::state::AccountData {
        self.state.inventory.account(&self.key)
    }

    /// The account and region key of the harness's account's `region`.
    pub fn scope(&self, region: &str) -> (String, String) {
        (self.key.clone(), region.to_string())
    }

    /// Applies an action and queues its effects.
    pub fn dispatch(&mut self, action: Action) -> Vec<Effect> {
        let effects = update(&mut self.state, action);
        if effects.contains(&Effect::Quit) {
            self.quit = true;
        }
        self.queue.extend(effects.iter().cloned());
        effects
    }

    /// Runs queued effects (and the ones they cause) until none are left.
    pub async fn settle_effects(&mut self) {
        while let Some(e) = self.queue.pop_front() {
            for a in self.execute(e).await {
                self.dispatch(a);
            }
        }
    }

    pub fn key_event(&mut self, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
        self.dispatch(Action::Key(KeyEvent::new(code, mods)))
    }

    /// Presses a key and runs what it caused.
    pub async fn key(&mut self, code: KeyCode) {
        self.key_event(code, KeyModifiers::NONE);
        self.settle_effects().await;
    }

    pub async fn ctrl(&mut self, c: char) {
        self.key_event(KeyCode::Char(c), KeyModifiers::CONTROL);
        self.settle_effects().await;
    }

    pub async fn type_str(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c)).await;
        }
    }

    /// Moves both clocks (the account's and the UI's) and ticks.
    pub async fn advance(&mut self, by: Duration) {
        self.clock.advance(by);
        let now = self.state.now + by;
        self.dispatch(Action::Tick(now));
        self.settle_effects().await;
    }

    /// Selects the row of an instance by id.
    pub fn select(&mut self, id: &str) {
        let pos = self
            .state
            .list
            .visible
            .iter()
            .position(|&i| self.state.inventory.rows[i].data.instance.id == id)
            .unwrap_or_else(|| panic!("{id} is not visible"));
        self.state.list.selected = pos;
        self.state.clamp_selection();
    }

    /// The row of an instance.
    pub fn row(&self, id: &str) -> &rolecall::tui::app::state::Row {
        self.state
            .inventory
            .rows
            .iter()
            .find(|r| r.data.instance.id == id)
            .unwrap()
    }

    /// The first instance matching a predicate.
    pub fn find(&self, pred: impl Fn(&rolecall::tui::app::state::Row) -> bool) -> String {
        self.state
            .inventory
            .rows
            .iter()
            .find(|r| pred(r))
            .unwrap()
            .data
            .instance
            .id
            .clone()
    }

    /// Selects an instance, opens the picker, types `query` and chooses the best match.
    pub async fn choose(&mut self, id: &str, query: &str) {
        self.select(id);
        self.key(KeyCode::Enter).await;
        self.type_str(query).await;
        self.key(KeyCode::Enter).await;
    }
}
