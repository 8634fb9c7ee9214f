//! The TUI over several accounts (the demo's three: main, staging, and the
//! production payments account), driven through `update` with the runtime's
//! own effect code on in-memory accounts.

use crossterm::event::KeyCode;
use rolecall::aws::faults::{FaultPlan, Op};
use rolecall::tui::app::state::{Overlay, Tone};

use crate::harness::Harness;

const MAIN: &str = "210987654321";
const STAGING: &str = "310987654321";
const PAYMENTS: &str = "410987654321";

fn id_named(h: &Harness, name: &str) -> String {
    h.find(|r| r.data.instance.name.as_deref() == Some(name))
}

fn message(h: &Harness) -> (Tone, String) {
    let m = h.state.message.as_ref().expect("a message");
    (m.tone, m.text.clone())
}

/// The profile an account's memory says an instance has now (through its API).
async fn profile_in(h: &Harness, account: &str, region: &str, id: &str) -> Option<String> {
    use rolecall::aws::Cloud;
    let all = h.memory(account).associations(region).await.unwrap();
    rolecall::core::plan::current_association(&all, id).map(|a| a.profile.name.clone())
}

#[tokio::test]
async fn every_account_is_listed_and_each_instance_knows_its_own() {
    let h = Harness::demo_accounts().await;
    assert!(h.state.several_accounts());
    assert_eq!(h.state.inventory.rows.len(), 92);
    let staging = id_named(&h, "web-staging-us11");
    assert_eq!(h.row(&staging).data.instance.account, STAGING);
    assert_eq!(h.state.account_label(STAGING), "demo-staging");
    // Rows come account by account, in the session's order.
    let accounts: Vec<&str> = h
        .state
        .inventory
        .rows
        .iter()
        .map(|r| r.data.instance.account.as_str())
        .collect();
    let first_staging = accounts.iter().position(|a| *a == STAGING).unwrap();
    assert!(accounts[..first_staging].iter().all(|a| *a == MAIN));
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("ACCOUNT"), "{screen}");
    assert!(screen.contains("3 accounts of 3"), "{screen}");
    assert!(screen.contains("PRODUCTION 1/3"), "{screen}");
}

#[tokio::test]
async fn the_picker_offers_the_instances_own_account_and_a_swap_changes_only_it() {
    let mut h = Harness::demo_accounts().await;
    let staging = id_named(&h, "api-staging-us12");
    h.select(&staging);
    h.key(KeyCode::Enter).await;
    let Overlay::Picker(p) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    // Staging has five profiles; the main account's many are not offered.
    let lines = p.lines(&h.state.inventory.profiles);
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines.iter().all(|l| !l.starts_with("ml-training")));
    h.type_str("web-frontend").await;
    h.key(KeyCode::Enter).await;
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    h.key(KeyCode::Char('y')).await;
    assert_eq!(
        profile_in(&h, STAGING, "us-east-1", &staging)
            .await
            .as_deref(),
        Some("web-frontend")
    );
    // The journal names staging and its caller, not the first account.
    let path = h.journal_dir.path().join("journal.jsonl");
    let (entries, _) = rolecall::core::journal::read_path(&path).unwrap();
    assert_eq!(entries.len(), 2);
    assert!(
        entries
            .iter()
            .all(|e| e.account.as_deref() == Some(STAGING))
    );
    assert!(entries[0].caller_arn.as_deref().unwrap().contains(STAGING));
}

#[tokio::test]
async fn a_batch_across_accounts_skips_where_the_profile_does_not_exist_and_asks_for_production() {
    let mut h = Harness::demo_accounts().await;
    let main = id_named(&h, "api-prod-us04");
    let staging = id_named(&h, "api-staging-us12");
    let payments = id_named(&h, "payments-api-prod-us21");
    for id in [&main, &staging, &payments] {
        h.select(id);
        h.key(KeyCode::Char(' ')).await;
    }
    // incident-quarantine exists in all three; web-frontend only in main and staging.
    h.key(KeyCode::Enter).await;
    h.type_str("web-frontend").await;
    h.key(KeyCode::Enter).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("{:?} {:?}", h.state.overlay, h.state.message)
    };
    // Each account's own web-frontend; payments has none: skipped.
    let accounts: Vec<&str> = c.changes.iter().map(|c| c.account.as_str()).collect();
    assert_eq!(accounts, [MAIN, STAGING], "{c:?}");
    let to: Vec<&str> = c
        .changes
        .iter()
        .map(|c| c.to.as_ref().unwrap().arn.as_str())
        .collect();
    assert!(to[0].contains(MAIN) && to[1].contains(STAGING), "{to:?}");
    let reasons: Vec<String> = c
        .skipped
        .iter()
        .map(|s| rolecall::tui::app::derive::why_text(&s.why))
        .collect();
    assert_eq!(
        reasons,
        ["account payments-prod has no instance profile web-frontend"]
    );
    // The confirmation names each instance's account.
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(
        screen.contains(&format!("demo-staging us-east-1 {staging}")),
        "{screen}"
    );
    h.key(KeyCode::Esc).await;

    // Q on all three: the payments account is production: its name is typed.
    let mut config = h.state.config.file.clone();
    config.quarantine_profile = Some("incident-quarantine".into());
    h.state.config.file = config;
    h.key(KeyCode::Char('Q')).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("{:?} {:?}", h.state.overlay, h.state.message)
    };
    assert_eq!(c.changes.len(), 3);
    h.key(KeyCode::Char('y')).await;
    assert!(
        matches!(h.state.overlay, Overlay::Confirm(_)),
        "y alone changes nothing in production"
    );
    h.key(KeyCode::Backspace).await;
    h.type_str("payments-prod").await;
    h.key(KeyCode::Enter).await;
    assert!(matches!(h.state.overlay, Overlay::None));
    for (account, region, id) in [
        (MAIN, "us-east-1", &main),
        (STAGING, "us-east-1", &staging),
        (PAYMENTS, "us-east-1", &payments),
    ] {
        assert_eq!(
            profile_in(&h, account, region, id).await.as_deref(),
            Some("incident-quarantine"),
            "{account}"
        );
    }
    // J: the journal names each change's account.
    h.key(KeyCode::Char('J')).await;
    assert!(matches!(h.state.overlay, Overlay::Journal(_)));
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(
        screen.contains("ACCOUNT")
            && screen.contains("payments-prod")
            && screen.contains("demo-staging"),
        "{screen}"
    );
}

#[tokio::test]
async fn one_account_failing_leaves_the_others_and_says_which() {
    let mut h = Harness::demo_accounts().await;
    h.memory(STAGING).set_faults(FaultPlan {
        fail: vec![(Op::Instances, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    });
    // Ctrl-r: everything is read again; staging's instances are refused.
    h.ctrl('r').await;
    let failing = rolecall::tui::app::derive::failing(&h.state, STAGING).expect("staging fails");
    assert_eq!(failing.code(), Some("UnauthorizedOperation"));
    assert!(rolecall::tui::app::derive::failing(&h.state, MAIN).is_none());
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("(1 failing)"), "{screen}");
    assert!(
        screen.contains("instances (demo-staging: every region)"),
        "{screen}"
    );
    assert!(
        screen.contains("ec2:DescribeInstances: UnauthorizedOperation"),
        "{screen}"
    );
    // The other accounts' rows are all there.
    assert!(
        h.state
            .inventory
            .rows
            .iter()
            .any(|r| r.data.instance.account == PAYMENTS)
    );
}

#[tokio::test]
async fn a_picks_the_accounts_shown() {
    let mut h = Harness::demo_accounts().await;
    h.key(KeyCode::Char('a')).await;
    let Overlay::Accounts(ap) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    assert_eq!(ap.keys.len(), 3);
    let lines = rolecall::tui::app::derive::account_lines(&h.state, &ap.keys);
    assert!(lines[2].contains("PRODUCTION"), "{lines:?}");
    // Untoggle the main account (first line), apply.
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Enter).await;
    assert!(matches!(h.state.overlay, Overlay::None));
    assert_eq!(h.state.inventory.shown, [STAGING, PAYMENTS]);
    assert_eq!(h.state.inventory.rows.len(), 12);
    assert!(message(&h).1.contains("demo-staging"), "{:?}", message(&h));
    // None chosen is refused.
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(message(&h).0, Tone::Error);
    assert!(matches!(h.state.overlay, Overlay::Accounts(_)));
    // Back to all three: main's rows are read again.
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('a')).await;
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.inventory.rows.len(), 92);
}

#[tokio::test]
async fn the_profiles_view_and_revoke_name_the_account() {
    let mut h = Harness::demo_accounts().await;
    let lines = rolecall::tui::app::derive::profile_view_lines(&h.state);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("demo-staging  web-frontend")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("payments-prod  bastion")),
        "{lines:?}"
    );
    let payments = id_named(&h, "bastion-prod-us24");
    h.select(&payments);
    h.key(KeyCode::Char('K')).await;
    let Overlay::Revoke(r) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    // Every account with a profile holding the role, each with its own
    // holders.
    let accounts: Vec<&str> = r.targets.iter().map(|t| t.account.as_str()).collect();
    let holding: Vec<&str> = [MAIN, STAGING, PAYMENTS]
        .into_iter()
        .filter(|a| {
            h.state
                .inventory
                .profiles
                .iter()
                .any(|p| p.account == *a && p.roles.iter().any(|r| r.name == "BastionSSMRole"))
        })
        .collect();
    assert_eq!(accounts, holding, "{r:?}");
    let t = r.targets.iter().find(|t| t.account == PAYMENTS).unwrap();
    assert_eq!(t.instances, 1, "{r:?}");
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("role BastionSSMRole in"), "{screen}");
    assert!(screen.contains("payments-prod  PRODUCTION"), "{screen}");
    // The production account's name is asked for besides the role's.
    assert!(
        screen.contains("Type BastionSSMRole payments-prod"),
        "{screen}"
    );
}

#[tokio::test]
async fn k_in_the_profiles_view_revokes_its_role_in_every_account_once_production_is_named() {
    use rolecall::aws::Cloud;
    let mut h = Harness::demo_accounts().await;
    h.key(KeyCode::Char('P')).await;
    h.type_str("web-frontend").await;
    h.key(KeyCode::Char('K')).await;
    let Overlay::Revoke(r) = h.state.overlay.clone() else {
        panic!("{:?}", h.state.overlay)
    };
    assert_eq!(r.role, "web-frontend-role");
    let keys: Vec<String> = r.targets.iter().map(|t| t.account.clone()).collect();
    assert_eq!(keys.len(), 2, "{r:?}");
    let guard = rolecall::tui::app::derive::revoke_guard(&h.state, &r);
    // The role's name alone is not enough where a production account is
    // reached; the full answer revokes in each account.
    h.type_str("web-frontend-role").await;
    h.key(KeyCode::Enter).await;
    let production = keys.iter().any(|k| h.state.production_guard(k).is_some());
    if production {
        assert!(matches!(h.state.overlay, Overlay::Revoke(_)), "{guard}");
        h.type_str(&guard["web-frontend-role".len()..]).await;
        h.key(KeyCode::Enter).await;
    }
    let text = h.state.message.clone().unwrap().text;
    assert!(text.contains(" is denied in "), "{text}");
    for (i, key) in [MAIN, STAGING, PAYMENTS].iter().enumerate() {
        let policies = h.memories[i]
            .role_policies("web-frontend-role")
            .await
            .unwrap_or_default();
        let revoked = policies.iter().any(|p| p.name == "AWSRevokeOlderSessions");
        assert_eq!(revoked, keys.iter().any(|k| k == key), "{key}");
    }
}

#[tokio::test]
async fn a_read_that_fails_while_the_account_picker_is_open_shows_in_it() {
    let mut h = Harness::demo_accounts().await;
    h.key(KeyCode::Char('a')).await;
    let keys = match &h.state.overlay {
        Overlay::Accounts(ap) => ap.keys.clone(),
        other => panic!("{other:?}"),
    };
    let before = rolecall::tui::app::derive::account_lines(&h.state, &keys);
    assert!(!before[1].contains('⚠'), "{before:?}");
    h.dispatch(rolecall::tui::app::Action::IdentityLoaded {
        account: keys[1].clone(),
        result: Err(rolecall::aws::ApiError::service(
            "sts:GetCallerIdentity",
            "AccessDenied",
            "denied",
        )),
    });
    let after = rolecall::tui::app::derive::account_lines(&h.state, &keys);
    assert!(after[1].contains("⚠ AccessDenied"), "{after:?}");
}

#[tokio::test]
async fn b_and_the_profiles_view_span_every_account_shown() {
    let mut h = Harness::demo_accounts().await;
    let accounts_listed = |h: &Harness| {
        h.state
            .list
            .visible
            .iter()
            .map(|&i| h.state.inventory.rows[i].data.instance.account.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    // An instance on web-frontend, whose name is in two accounts.
    let web = h.find(|r| {
        r.data
            .association
            .as_ref()
            .is_some_and(|a| a.profile.name == "web-frontend")
    });
    h.select(&web);
    h.key(KeyCode::Char('b')).await;
    assert_eq!(accounts_listed(&h).len(), 2, "{:?}", accounts_listed(&h));
    let (_, text) = h.state.message.clone().map(|m| (m.tone, m.text)).unwrap();
    assert!(text.contains("in 2 accounts"), "{text}");
    h.key(KeyCode::Esc).await;
    // P, then Enter on web-frontend: every account's instances on it.
    h.key(KeyCode::Char('P')).await;
    h.type_str("web-frontend").await;
    h.key(KeyCode::Enter).await;
    assert_eq!(accounts_listed(&h).len(), 2, "{:?}", accounts_listed(&h));
    let text = h.state.message.clone().unwrap().text;
    assert!(
        text.contains("on profile web-frontend in 2 accounts"),
        "{text}"
    );
}

#[tokio::test]
async fn containing_and_releasing_in_a_production_account_ask_for_its_name() {
    let mut h = Harness::demo_accounts().await;
    h.state.config.file.quarantine_profile = Some("incident-quarantine".into());
    let id = h.find(|r| r.data.instance.account == PAYMENTS && r.data.association.is_some());
    h.select(&id);
    h.key(KeyCode::Char('X')).await;
    h.key(KeyCode::Enter).await;
    let Overlay::Contain(d) = &h.state.overlay else {
        panic!("{:?}", h.state.message)
    };
    assert!(
        matches!(d.phase, rolecall::tui::app::state::ContainPhase::Confirm(_)),
        "{:?} {:?}",
        d.phase,
        h.state.message
    );
    // y alone does nothing in production; the name does.
    h.key(KeyCode::Char('y')).await;
    assert!(matches!(h.state.overlay, Overlay::Contain(_)));
    h.key(KeyCode::Backspace).await;
    h.type_str("payments-prod").await;
    h.key(KeyCode::Enter).await;
    let text = h.state.message.clone().unwrap().text;
    assert!(text.contains("steps done"), "{text}");
    h.advance(std::time::Duration::from_secs(30)).await;
    h.key(KeyCode::Char('I')).await;
    h.key(KeyCode::Char('R')).await;
    h.key(KeyCode::Char('y')).await;
    // Still asking: the production account's name is needed.
    let Overlay::Cases(v) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    assert!(v.releasing, "{v:?}");
    h.key(KeyCode::Backspace).await;
    h.type_str("payments-prod").await;
    h.key(KeyCode::Enter).await;
    let text = h.state.message.clone().unwrap().text;
    assert!(text.contains("released"), "{text}");
}
