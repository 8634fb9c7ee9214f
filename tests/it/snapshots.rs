//! Whole-screen snapshots at 120x32 on `TestBackend`, fed by the in-memory
//! account on a manual clock. Review changes with `cargo insta review`.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rolecall::aws::InstanceState;
use rolecall::aws::faults::{FaultPlan, Op};

use crate::harness::Harness;

pub(crate) fn screen(h: &Harness, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| rolecall::tui::ui::view(&h.state, f))
        .unwrap();
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn full(h: &Harness) -> String {
    screen(h, 120, 32)
}

/// A running instance with a profile, in us-east-1.
fn running_with_profile(h: &Harness) -> String {
    h.find(|r| {
        r.data.instance.region == "us-east-1"
            && r.data.instance.state == InstanceState::Running
            && r.data.association.is_some()
    })
}

#[tokio::test]
async fn main_screen() {
    let h = Harness::demo().await;
    insta::assert_snapshot!("main_screen", full(&h));
}

#[tokio::test]
async fn picker_with_a_query() {
    let mut h = Harness::demo().await;
    let id = running_with_profile(&h);
    h.select(&id);
    h.key(KeyCode::Enter).await;
    h.type_str("ops").await;
    insta::assert_snapshot!("picker_with_query", full(&h));
}

#[tokio::test]
async fn confirm_dialog() {
    let mut h = Harness::demo().await;
    let id = running_with_profile(&h);
    h.choose(&id, "readonly").await;
    insta::assert_snapshot!("confirm_dialog", full(&h));
}

#[tokio::test]
async fn associating_row() {
    let mut h = Harness::demo().await;
    let id = running_with_profile(&h);
    h.choose(&id, "readonly").await;
    h.key(KeyCode::Char('y')).await;
    insta::assert_snapshot!("associating_row", full(&h));
}

#[tokio::test]
async fn help_overlay() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('?')).await;
    insta::assert_snapshot!("help_overlay", full(&h));
}

#[tokio::test]
async fn error_in_the_footer() {
    let mut h = Harness::demo().await;
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Replace, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    });
    let id = running_with_profile(&h);
    h.choose(&id, "breakglass").await;
    h.key(KeyCode::Char('y')).await;
    let m = h.state.message.as_ref().unwrap();
    assert!(m.text.contains("UnauthorizedOperation"), "{}", m.text);
    insta::assert_snapshot!("error_in_footer", full(&h));
}

#[tokio::test]
async fn poll_error_in_the_header() {
    let mut h = Harness::demo().await;
    h.account.set_faults(FaultPlan {
        unreachable: Some((
            std::time::Duration::ZERO,
            std::time::Duration::from_secs(3600),
        )),
        ..FaultPlan::default()
    });
    h.advance(std::time::Duration::from_secs(10)).await;
    assert!(!rolecall::tui::app::layout::problems(&h.state).is_empty());
    insta::assert_snapshot!("poll_error_in_header", full(&h));
}

#[tokio::test]
async fn too_small_terminal() {
    let mut h = Harness::demo().await;
    h.dispatch(rolecall::tui::app::Action::Resize(70, 15));
    insta::assert_snapshot!("too_small", screen(&h, 70, 15));
}

#[tokio::test]
async fn confirm_dialog_for_a_stopped_instance_warns() {
    let mut h = Harness::demo().await;
    let id =
        h.find(|r| r.data.instance.state == InstanceState::Stopped && r.data.association.is_some());
    h.choose(&id, "bastion").await;
    let s = full(&h);
    assert!(s.contains("y / Enter: yes"), "the answer line fits:\n{s}");
    insta::assert_snapshot!("confirm_dialog_stopped", s);
}

#[tokio::test]
async fn hostile_names_are_cleaned_and_truncated() {
    let long = format!("evil\x1b[31m\x07{}\nend", "x".repeat(500));
    let spec = serde_json::json!({
        "profiles": [{"name": "web", "role": "web-role"}],
        "regions": {"us-east-1": [{"name": long, "profile": "web"}, {"name": "ok-1"}]}
    });
    let fleet = crate::backends::fleet_from_spec(&spec);
    let h = Harness::start(&fleet, &["us-east-1"], false).await;
    let s = full(&h);
    assert!(!s.contains('\x1b') && !s.contains('\x07'), "{s}");
    let row = s
        .lines()
        .find(|l| l.contains("evil"))
        .expect("the row is drawn");
    assert!(
        row.contains("evil[31mxxx"),
        "control characters removed: {row}"
    );
    assert!(row.contains('…'), "cut with an ellipsis: {row}");
    assert!(
        row.contains("associated"),
        "the columns after NAME survive: {row}"
    );
    assert_eq!(row.chars().count(), 120, "one line, no wrap: {row}");
    let next = s
        .lines()
        .skip_while(|l| !l.contains("evil"))
        .nth(1)
        .unwrap();
    assert!(
        next.contains("ok-1"),
        "the next row is the next instance: {next}"
    );
}

/// The demo fleet with faults in place from the first call.
async fn demo_with_faults(faults: FaultPlan) -> Harness {
    let clock = std::sync::Arc::new(rolecall::aws::memory::ManualClock::new());
    let account = std::sync::Arc::new(rolecall::aws::memory::MemoryAccount::new(
        &rolecall::aws::fleet::Fleet::builtin().unwrap(),
        rolecall::aws::memory::MemoryOptions::test(clock.clone()),
    ));
    account.set_faults(faults);
    Harness::with_account(
        account,
        clock,
        &["ap-southeast-2", "eu-west-1", "us-east-1"],
    )
    .await
}

#[tokio::test]
async fn denied_association_reads_are_unknown_on_screen() {
    let h = demo_with_faults(FaultPlan {
        fail: vec![(Op::Associations, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    })
    .await;
    let s = full(&h);
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("│") && l.contains(" i-0"))
        .collect();
    assert!(!rows.is_empty(), "{s}");
    for row in &rows {
        assert!(row.contains("unknown"), "a row drawn as a guess: {row}");
        assert!(!row.contains('—'), "unknown drawn as none: {row}");
    }
    assert!(!s.contains("no instance profile"), "{s}");
    assert!(s.contains("UnauthorizedOperation"), "{s}");
    insta::assert_snapshot!("associations_unknown", s);
}

#[tokio::test]
async fn denied_instance_and_profile_reads_are_said_on_screen() {
    let mut h = demo_with_faults(FaultPlan {
        fail: vec![
            (Op::Instances, "AccessDenied".into()),
            (Op::Profiles, "AccessDenied".into()),
        ],
        ..FaultPlan::default()
    })
    .await;
    let s = full(&h);
    assert!(s.contains("instances unknown"), "{s}");
    assert!(!s.contains("no instances in these regions"), "{s}");
    assert!(s.contains("iam:ListInstanceProfiles: AccessDenied"), "{s}");
    insta::assert_snapshot!("instances_and_profiles_unknown", s);
    // With instances back but profiles still denied, the picker says why it is empty.
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Profiles, "AccessDenied".into())],
        ..FaultPlan::default()
    });
    h.advance(std::time::Duration::from_secs(3)).await;
    h.key(KeyCode::Enter).await;
    let s = full(&h);
    assert!(s.contains("cannot list the instance profiles"), "{s}");
    assert!(!s.contains("loading the instance profiles"), "{s}");
    insta::assert_snapshot!("picker_profiles_unknown", s);
}

#[tokio::test]
async fn the_header_shows_production_and_a_batch_in_progress() {
    let mut h = Harness::demo().await;
    h.state.config.file = rolecall::core::config::load(Some(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/config.toml"
    ))))
    .unwrap();
    let s = full(&h);
    assert!(
        s.lines().next().unwrap().contains(" PRODUCTION demo-prod "),
        "{s}"
    );
    // Mark two instances with a profile and quarantine them; hold the calls back.
    let ids: Vec<String> = h
        .state
        .inventory
        .rows
        .iter()
        .filter(|r| r.data.association.is_some() && r.data.instance.state == InstanceState::Running)
        .take(2)
        .map(|r| r.data.instance.id.clone())
        .collect();
    for id in &ids {
        h.select(id);
        h.key(KeyCode::Char(' ')).await;
    }
    h.key(KeyCode::Char('Q')).await;
    for c in "demo-prod".chars() {
        h.key(KeyCode::Char(c)).await;
    }
    let effects = h.key_event(KeyCode::Enter, crossterm::event::KeyModifiers::NONE);
    assert_eq!(effects.len(), 2);
    h.queue.clear();
    let s = full(&h);
    assert!(s.lines().next().unwrap().contains("swap 0/2"), "{s}");
}

#[tokio::test]
async fn the_confirmation_shows_the_permission_diff_to_quarantine() {
    let mut h = Harness::demo().await;
    let id = running_with_profile(&h);
    h.choose(&id, "incident-quarantine").await;
    let s = full(&h);
    // A Deny grants nothing: quarantine only loses.
    assert!(s.contains("+0 gained (0 risky), −"), "{s}");
    insta::assert_snapshot!("confirm_permission_diff", s);
}

#[tokio::test]
async fn a_swap_that_drops_a_permissions_boundary_says_what_it_gains() {
    let mut h = Harness::demo().await;
    let id = running_with_profile(&h);
    h.choose(&id, "break-glass-admin").await;
    h.key(KeyCode::Char('y')).await;
    h.advance(std::time::Duration::from_secs(30)).await;
    // From the admin role under OpsBoundary (which denies iam:CreateUser and
    // organizations:*) to the same power without a boundary.
    h.choose(&id, "ml-training").await;
    let s = full(&h);
    assert!(s.contains("−0 lost"), "{s}");
    assert!(s.contains("every action of 1 service"), "{s}");
    let rolecall::tui::app::state::Overlay::Confirm(c) = h.state.overlay.clone() else {
        panic!("no confirmation")
    };
    let ch = &c.changes[0];
    let d = h
        .state
        .access_diff(
            ch.from.as_ref().map(|p| p.arn.as_str()),
            ch.to.as_ref().map(|p| p.arn.as_str()),
        )
        .unwrap()
        .unwrap();
    let gained: Vec<&str> = d.gained.iter().map(|a| a.action.as_str()).collect();
    assert!(gained.contains(&"iam:CreateUser"), "{gained:?}");
    assert!(
        gained
            .iter()
            .all(|a| *a == "iam:CreateUser" || a.starts_with("organizations:"))
    );
    assert_eq!(d.whole_services, ["organizations"]);
    insta::assert_snapshot!("confirm_boundary_dropped", s);
}

#[tokio::test]
async fn p_shows_the_role_permissions_risky_ones_marked() {
    let mut h = Harness::demo().await;
    let id = h.find(|r| {
        r.data
            .association
            .as_ref()
            .is_some_and(|a| a.profile.name == "ci-runner")
    });
    h.select(&id);
    h.key(KeyCode::Char('p')).await;
    let s = full(&h);
    assert!(
        s.contains("Permissions of role GitHubActionsRunnerRole"),
        "{s}"
    );
    // Risks as the risk catalogue ranks them: ecr:* can fetch registry
    // credentials; PassRole on app-* with no service to pass them to is not
    // an escalation.
    assert!(
        s.contains("ecr:*  on *  ⚠ credentials exposure") && s.contains("iam:PassRole"),
        "{s}"
    );
    // The trust policy apart, never as a permission.
    assert!(
        s.contains(
            "who can assume this role (trust policy, not a permission): Service ec2.amazonaws.com"
        ),
        "{s}"
    );
    insta::assert_snapshot!("permissions_overlay", s);
    // Typing filters; Esc closes.
    for c in "passrole".chars() {
        h.key(KeyCode::Char(c)).await;
    }
    let rolecall::tui::app::state::Overlay::Permissions(pv) = &h.state.overlay else {
        panic!("no permissions overlay")
    };
    let rolecall::tui::app::state::RoleRows::Loaded(rows) =
        &h.state.inventory.role_rows[&h.scope("GitHubActionsRunnerRole")]
    else {
        panic!("not loaded")
    };
    let lines = rolecall::tui::app::state::permission_lines(rows);
    assert!(pv.list.matches.len() < lines.len(), "the query narrows");
    assert!(
        lines[pv.list.matches[0]].contains("iam:PassRole"),
        "best match first"
    );
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.overlay, rolecall::tui::app::state::Overlay::None);
}

#[tokio::test]
async fn p_in_a_confirmation_shows_the_full_diff_and_esc_goes_back() {
    let mut h = Harness::demo().await;
    let id = running_with_profile(&h);
    h.choose(&id, "incident-quarantine").await;
    h.key(KeyCode::Char('p')).await;
    let s = full(&h);
    // Quarantine gains nothing (a Deny grants nothing) and loses the rest.
    assert!(s.contains("+0 gained (0 risky), −"), "{s}");
    assert!(s.contains("− ssmmessages:OpenDataChannel on *"), "{s}");
    h.key(KeyCode::Esc).await;
    assert!(matches!(
        h.state.overlay,
        rolecall::tui::app::state::Overlay::Confirm(_)
    ));
}

#[tokio::test]
async fn no_color_draws_no_colour_and_keeps_the_selection_visible() {
    use ratatui::style::{Color, Modifier};
    let mut h = Harness::demo().await;
    // A transitional row and an error in the footer: readable without colour.
    let id = running_with_profile(&h);
    h.choose(&id, "batch-worker").await;
    h.key(KeyCode::Char('y')).await;
    h.state.config.color = false;
    let mut terminal = Terminal::new(TestBackend::new(120, 32)).unwrap();
    terminal
        .draw(|f| rolecall::tui::ui::view(&h.state, f))
        .unwrap();
    let buf = terminal.backend().buffer();
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "a colour was drawn"
    );
    // The selection is reverse video instead of a blue bar.
    assert!(
        buf.content
            .iter()
            .any(|c| c.modifier.contains(Modifier::REVERSED))
    );
    let text = screen(&h, 120, 32);
    assert!(text.contains("associating"), "{text}");
    // And with colour (the default) there is colour.
    h.state.config.color = true;
    terminal
        .draw(|f| rolecall::tui::ui::view(&h.state, f))
        .unwrap();
    assert!(
        terminal
            .backend()
            .buffer()
            .content
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

/// The main screen (three regions), the picker and a confirmation at the
/// sizes operators run rolecall in: a split pane, a laptop, a wide terminal.
#[tokio::test]
async fn whole_screens_at_80x24_100x30_160x45_and_200x60() {
    for (w, h_) in [(80u16, 24u16), (100, 30), (160, 45), (200, 60)] {
        let mut h = Harness::demo().await;
        h.dispatch(rolecall::tui::app::Action::Resize(w, h_));
        let id = running_with_profile(&h);
        h.select(&id);
        let main = screen(&h, w, h_);
        // Every row keeps the instance id, a name, the profile and the state.
        // (The list's part of the line: the detail pane may name the id too.)
        let row = main
            .lines()
            .map(|l| l.split("││").next().unwrap_or(l))
            .find(|l| l.contains(&id))
            .unwrap_or_else(|| panic!("{main}"));
        assert!(row.contains("associated"), "{w}x{h_}: {row}");
        insta::assert_snapshot!(format!("main_{w}x{h_}"), main);
        h.key(KeyCode::Enter).await;
        insta::assert_snapshot!(format!("picker_{w}x{h_}"), screen(&h, w, h_));
        h.type_str("batch-worker").await;
        h.key(KeyCode::Enter).await;
        insta::assert_snapshot!(format!("confirm_{w}x{h_}"), screen(&h, w, h_));
    }
}

/// Between the widths where REGION fits and where it goes, it is short.
#[tokio::test]
async fn region_names_shorten_before_the_column_goes() {
    let mut h = Harness::demo().await;
    let mut seen = Vec::new();
    for w in 80..=120u16 {
        h.dispatch(rolecall::tui::app::Action::Resize(w, 30));
        let s = screen(&h, w, 30);
        let form = if s.contains("│  ap-southeast-2 ") {
            "long"
        } else if s.contains("│  apse2 ") {
            "short"
        } else {
            "none"
        };
        if seen.last() != Some(&form) {
            seen.push(form);
        }
    }
    // Narrowest first: no REGION, then short, then the names in full.
    assert_eq!(seen, ["none", "short", "long"]);
}
