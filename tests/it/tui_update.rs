//! Every TUI flow as a sequence of actions, with asserted state and effects.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use rolecall::aws::faults::{FaultPlan, Op};
use rolecall::aws::{AssociationState, Cloud, InstanceState};
use rolecall::tui::app::layout;
use rolecall::tui::app::state::{Focus, Overlay, Tone};
use rolecall::tui::app::{Action, Effect, MutationKind};

use crate::backends::{fleet_from_spec, standard_spec};
use crate::harness::Harness;

async fn standard() -> Harness {
    Harness::start(
        &fleet_from_spec(&standard_spec()),
        &["eu-west-1", "us-east-1"],
        false,
    )
    .await
}

fn id_of(h: &Harness, name: &str) -> String {
    h.find(|r| r.data.instance.name.as_deref() == Some(name))
}

fn profile_shown(h: &Harness, id: &str) -> Option<(String, AssociationState)> {
    h.row(id)
        .data
        .association
        .as_ref()
        .map(|a| (a.profile.name.clone(), a.state))
}

fn message(h: &Harness) -> (Tone, String) {
    let m = h.state.message.as_ref().expect("a footer message");
    (m.tone, m.text.clone())
}

#[tokio::test]
async fn start_up_loads_identity_profiles_instances_and_associations() {
    let h = Harness::demo().await;
    assert_eq!(h.state.inventory.rows.len(), 80);
    assert_eq!(h.state.list.visible.len(), 80);
    assert_eq!(h.acct().identity.as_ref().unwrap().account, "210987654321");
    assert_eq!(h.state.inventory.profiles.len(), 21);
    for d in h.state.inventory.region_data.values() {
        assert!(d.associations_src.last_ok.is_some() && d.instances_src.loaded);
    }
    assert!(h.acct().profiles_src.loaded && h.acct().identity_src.loaded);
    assert!(layout::problems(&h.state).is_empty());
    assert!(!h.state.busy());
}

#[tokio::test]
async fn selection_moves_pages_and_stays_in_bounds() {
    let mut h = Harness::demo().await;
    let page = h.state.page_rows();
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Down).await;
    assert_eq!(h.state.list.selected, 2);
    h.key(KeyCode::Char('k')).await;
    assert_eq!(h.state.list.selected, 1);
    h.key(KeyCode::Char('G')).await;
    assert_eq!(h.state.list.selected, 79);
    assert_eq!(h.state.list.offset, 80 - page, "the last row is on screen");
    h.key(KeyCode::Char('j')).await;
    assert_eq!(h.state.list.selected, 79);
    h.key(KeyCode::Char('g')).await;
    assert_eq!((h.state.list.selected, h.state.list.offset), (0, 0));
    h.key(KeyCode::PageDown).await;
    assert_eq!(h.state.list.selected, page);
    h.key(KeyCode::PageUp).await;
    assert_eq!(h.state.list.selected, 0);
    // 120 columns and three regions: the detail pane is folded away; Tab
    // (like i) shows it over the list, and closes it again.
    assert!(rolecall::tui::app::layout::detail_folded(&h.state));
    h.key(KeyCode::Tab).await;
    assert!(matches!(h.state.overlay, Overlay::Detail));
    h.key(KeyCode::Tab).await;
    assert!(matches!(h.state.overlay, Overlay::None));
    h.key(KeyCode::Char('i')).await;
    assert!(matches!(h.state.overlay, Overlay::Detail));
    h.key(KeyCode::Esc).await;
    assert!(matches!(h.state.overlay, Overlay::None));
    // Wide enough for both: Tab moves the focus.
    h.dispatch(Action::Resize(160, 45));
    assert!(!rolecall::tui::app::layout::detail_folded(&h.state));
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.list.focus, Focus::Detail);
    h.key_event(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(h.state.list.focus, Focus::List);
}

#[tokio::test]
async fn filter_narrows_as_you_type_enter_keeps_esc_clears() {
    let mut h = standard().await;
    h.key(KeyCode::Char('/')).await;
    assert!(h.state.list.filter_editing);
    h.type_str("web-2").await;
    let names: Vec<&str> = h
        .state
        .list
        .visible
        .iter()
        .map(|&i| {
            h.state.inventory.rows[i]
                .data
                .instance
                .name
                .as_deref()
                .unwrap()
        })
        .collect();
    assert_eq!(names, ["web-2"]);
    h.key(KeyCode::Backspace).await;
    assert_eq!(
        h.state.list.visible.len(),
        2,
        "web-1 and web-2 match 'web-'"
    );
    h.key(KeyCode::Enter).await;
    assert!(!h.state.list.filter_editing);
    assert_eq!(h.state.list.filter, "web-");
    // Keys act on the list again; q would quit, j moves.
    h.key(KeyCode::Char('j')).await;
    assert_eq!(h.state.list.selected, 1);
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.list.filter, "");
    assert_eq!(h.state.list.visible.len(), 4);
    // Filter by profile name and by state.
    h.key(KeyCode::Char('/')).await;
    h.type_str("stopped").await;
    assert_eq!(h.state.list.visible.len(), 1);
    h.key(KeyCode::Esc).await;
    assert!(!h.state.list.filter_editing);
    assert_eq!(h.state.list.visible.len(), 4);
}

#[tokio::test]
async fn picker_fuzzy_query_confirm_no_changes_nothing() {
    let mut h = standard().await;
    let web2 = id_of(&h, "web-2");
    h.select(&web2);
    h.key(KeyCode::Enter).await;
    let Overlay::Picker(p) = &h.state.overlay else {
        panic!("picker not open")
    };
    assert_eq!(p.list.matches.len(), 3);
    h.type_str("btch").await;
    let Overlay::Picker(p) = &h.state.overlay else {
        panic!()
    };
    assert_eq!(h.state.inventory.profiles[p.list.matches[0]].name, "batch");
    h.key(KeyCode::Enter).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("no confirm dialog")
    };
    assert_eq!(
        rolecall::tui::ui::confirm::title(c),
        "Associate instance profile"
    );
    let text = rolecall::tui::ui::confirm::lines(&h.state, c).join("\n");
    assert!(text.contains(&web2) && text.contains("web-2"), "{text}");
    assert!(text.contains("us-east-1"), "{text}");
    assert!(text.contains("— (no profile)"), "{text}");
    assert!(text.contains("batch (role batch-role)"), "{text}");
    assert!(text.contains("AssociateIamInstanceProfile"), "{text}");
    // Any other key leaves the dialog up; n says no.
    let effects = h.key_event(KeyCode::Char('x'), KeyModifiers::NONE);
    assert!(effects.is_empty());
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    let effects = h.key_event(KeyCode::Char('n'), KeyModifiers::NONE);
    assert!(effects.is_empty());
    assert_eq!(h.state.overlay, Overlay::None);
    assert!(h.state.changes.pending.is_empty());
    assert_eq!(profile_shown(&h, &web2), None);
}

#[tokio::test]
async fn associate_shows_associating_then_settles() {
    let mut h = standard().await;
    let web2 = id_of(&h, "web-2");
    h.choose(&web2, "batch").await;
    let effects = h.key_event(KeyCode::Char('y'), KeyModifiers::NONE);
    let [Effect::Mutate(m)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(matches!(m.change.kind, MutationKind::Associate { .. }));
    // At once, before AWS answered: the row shows the transition.
    let p = h.state.pending_for("us-east-1", &web2).unwrap();
    assert_eq!(p.shows(), AssociationState::Associating);
    assert!(h.state.busy());
    h.settle_effects().await;
    assert!(h.state.changes.pending.is_empty());
    assert_eq!(
        profile_shown(&h, &web2),
        Some(("batch".into(), AssociationState::Associating))
    );
    assert_eq!(message(&h).0, Tone::Success);
    // Fast polling while it is transitional.
    h.advance(Duration::from_secs(1)).await;
    assert_eq!(
        profile_shown(&h, &web2),
        Some(("batch".into(), AssociationState::Associating))
    );
    let next_poll = |h: &Harness| {
        h.state.inventory.region_data[&h.scope("us-east-1")]
            .associations_src
            .next_at
    };
    assert_eq!(next_poll(&h), h.state.now + Duration::from_secs(1));
    h.advance(Duration::from_secs(4)).await;
    assert_eq!(
        profile_shown(&h, &web2),
        Some(("batch".into(), AssociationState::Associated))
    );
    // Settled: back to the slow cadence.
    assert_eq!(next_poll(&h), h.state.now + Duration::from_secs(10));
}

#[tokio::test]
async fn choosing_on_an_associated_running_instance_replaces() {
    let mut h = standard().await;
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "api").await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!()
    };
    assert!(matches!(c.changes[0].kind, MutationKind::Replace { .. }));
    assert!(
        rolecall::tui::ui::confirm::lines(&h.state, c)
            .join("\n")
            .contains("from      web (role web-role)")
    );
    assert!(
        rolecall::tui::ui::confirm::lines(&h.state, c)
            .join("\n")
            .contains("ReplaceIamInstanceProfileAssociation iip-assoc-")
    );
    assert!(rolecall::tui::ui::confirm::warning(c).is_none());
    h.key(KeyCode::Enter).await; // Enter says yes
    assert_eq!(
        profile_shown(&h, &web1),
        Some(("api".into(), AssociationState::Associating))
    );
    h.advance(Duration::from_secs(5)).await;
    assert_eq!(
        profile_shown(&h, &web1),
        Some(("api".into(), AssociationState::Associated))
    );
}

#[tokio::test]
async fn stopped_instance_swap_warns_and_detaches_then_associates() {
    let mut h = standard().await;
    let stopped = id_of(&h, "stopped-1");
    h.choose(&stopped, "web").await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!()
    };
    assert!(matches!(
        c.changes[0].kind,
        MutationKind::DetachThenAssociate { .. }
    ));
    assert!(
        rolecall::tui::ui::confirm::warning(c)
            .as_ref()
            .unwrap()
            .contains("stopped instance")
    );
    h.key(KeyCode::Char('y')).await;
    assert_eq!(message(&h).0, Tone::Success, "{:?}", h.state.message);
    h.advance(Duration::from_secs(10)).await;
    assert_eq!(
        profile_shown(&h, &stopped),
        Some(("web".into(), AssociationState::Associated))
    );
}

#[tokio::test]
async fn choosing_the_current_profile_does_nothing() {
    let mut h = standard().await;
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "web").await;
    assert_eq!(h.state.overlay, Overlay::None);
    assert!(message(&h).1.contains("already has instance profile web"));
    assert!(h.state.changes.pending.is_empty());
}

#[tokio::test]
async fn detach_confirms_then_disassociates() {
    let mut h = standard().await;
    let api1 = id_of(&h, "api-1");
    h.select(&api1);
    h.key(KeyCode::Char('d')).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!()
    };
    assert_eq!(
        rolecall::tui::ui::confirm::title(c),
        "Detach instance profile"
    );
    assert!(
        rolecall::tui::ui::confirm::lines(&h.state, c)
            .join("\n")
            .contains("to        — (no profile)")
    );
    assert!(
        rolecall::tui::ui::confirm::lines(&h.state, c)
            .join("\n")
            .contains("DisassociateIamInstanceProfile")
    );
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.overlay, Overlay::None);
    h.key(KeyCode::Char('d')).await;
    h.key_event(KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(
        h.state.pending_for("eu-west-1", &api1).unwrap().shows(),
        AssociationState::Disassociating
    );
    h.settle_effects().await;
    assert_eq!(
        profile_shown(&h, &api1),
        Some(("api".into(), AssociationState::Disassociating))
    );
    h.advance(Duration::from_secs(5)).await;
    h.advance(Duration::from_secs(5)).await;
    assert_eq!(profile_shown(&h, &api1), None);
    // Nothing to detach now.
    h.key(KeyCode::Char('d')).await;
    assert_eq!(h.state.overlay, Overlay::None);
    assert!(message(&h).1.contains("no instance profile to detach"));
}

#[tokio::test]
async fn read_only_refuses_every_mutation_key() {
    let mut h = Harness::start(&fleet_from_spec(&standard_spec()), &["us-east-1"], true).await;
    for key in [KeyCode::Enter, KeyCode::Char('d')] {
        h.state.message = None;
        let effects = h.key_event(key, KeyModifiers::NONE);
        assert!(effects.is_empty());
        assert_eq!(h.state.overlay, Overlay::None);
        assert!(
            message(&h).1.starts_with("read-only mode"),
            "{:?}",
            h.state.message
        );
    }
}

#[tokio::test]
async fn refuses_instances_that_are_not_running_or_stopped() {
    let mut h = Harness::demo().await;
    let term = h.find(|r| r.data.instance.state == InstanceState::Terminated);
    h.choose(&term, "bastion").await;
    assert_eq!(h.state.overlay, Overlay::None);
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(text.contains("is terminated"), "{text}");
}

#[tokio::test]
async fn a_failed_change_returns_the_row_to_its_real_state() {
    let mut h = standard().await;
    let web1 = id_of(&h, "web-1");
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Replace, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    });
    h.choose(&web1, "batch").await;
    h.key(KeyCode::Char('y')).await;
    assert!(h.state.changes.pending.is_empty());
    assert_eq!(
        profile_shown(&h, &web1),
        Some(("web".into(), AssociationState::Associated))
    );
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(
        text.contains("UnauthorizedOperation")
            && text.contains("ec2:ReplaceIamInstanceProfileAssociation"),
        "{text}"
    );
}

#[tokio::test]
async fn a_stale_view_error_triggers_a_refresh() {
    let mut h = standard().await;
    let web2 = id_of(&h, "web-2");
    // Someone else associates a profile behind our back.
    h.account
        .associate(
            "us-east-1",
            &web2,
            &rolecall::aws::ProfileRef::Name("api".into()),
        )
        .await
        .unwrap();
    h.select(&web2);
    assert_eq!(profile_shown(&h, &web2), None, "our view is stale");
    h.key(KeyCode::Enter).await;
    h.type_str("batch").await;
    h.key(KeyCode::Enter).await;
    let effects = h.key_event(KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(effects.len(), 1);
    let mutation = h.queue.pop_front().unwrap();
    let done = h.execute(mutation).await;
    h.queue.clear();
    let mut follow_up = Vec::new();
    for a in done {
        follow_up.extend(h.dispatch(a));
    }
    assert!(
        follow_up
            .iter()
            .any(|e| matches!(e, Effect::LoadAssociations { .. })),
        "{follow_up:?}"
    );
    assert!(
        follow_up
            .iter()
            .any(|e| matches!(e, Effect::LoadInstances { .. })),
        "{follow_up:?}"
    );
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(
        text.contains("IncorrectState") && text.contains("refreshing"),
        "{text}"
    );
    h.settle_effects().await;
    assert_eq!(
        profile_shown(&h, &web2).unwrap().0,
        "api",
        "the refresh shows the truth"
    );
}

#[tokio::test]
async fn stale_poll_results_are_dropped() {
    let mut h = standard().await;
    let web2 = id_of(&h, "web-2");
    // A poll round starts and its answer is held back...
    h.dispatch(Action::Tick(h.state.now + Duration::from_secs(10)));
    let old_round: Vec<Effect> = h.queue.drain(..).collect();
    assert!(
        old_round
            .iter()
            .any(|e| matches!(e, Effect::LoadAssociations { .. }))
    );
    let mut old_answers = Vec::new();
    for e in old_round {
        old_answers.extend(h.execute(e).await);
    }
    // ...while a change goes through.
    h.choose(&web2, "batch").await;
    h.key(KeyCode::Char('y')).await;
    assert_eq!(profile_shown(&h, &web2).unwrap().0, "batch");
    // The old answer (asked before the change) must not undo it on screen.
    for a in old_answers {
        h.dispatch(a);
    }
    assert_eq!(profile_shown(&h, &web2).unwrap().0, "batch");

    // Results for a region set that is no longer shown are dropped too.
    let rows_before = h.state.inventory.rows.len();
    h.dispatch(Action::InstancesLoaded {
        generation: h.state.inventory.generation - 1,
        account: h.key.clone(),
        region: "us-east-1".into(),
        result: Ok(vec![]),
    });
    assert_eq!(h.state.inventory.rows.len(), rows_before);
}

#[tokio::test]
async fn poll_errors_back_off_and_recover_by_themselves() {
    let mut h = standard().await;
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Associations, "RequestLimitExceeded".into())],
        ..FaultPlan::default()
    });
    let before = h.state.message.clone();
    h.advance(Duration::from_secs(10)).await;
    let src = |h: &Harness| {
        h.state.inventory.region_data[&h.scope("us-east-1")]
            .associations_src
            .clone()
    };
    let e = src(&h).error.expect("the failure is kept for the screen");
    let (short, err) = (e.short(), e.sentence());
    assert_eq!(short, "RequestLimitExceeded");
    assert!(err.contains("throttling"), "{err}");
    let problems = layout::problems(&h.state);
    assert_eq!(problems.len(), 1, "both regions, one line: {problems:?}");
    assert_eq!(
        problems[0].regions,
        [
            (None, "eu-west-1".to_string()),
            (None, "us-east-1".to_string())
        ]
    );
    assert_eq!(
        h.state.message, before,
        "polls leave the footer to the operator"
    );
    assert_eq!(src(&h).next_at, h.state.now + Duration::from_secs(2));
    h.advance(Duration::from_secs(2)).await;
    assert_eq!(src(&h).failures, 2);
    assert_eq!(src(&h).next_at, h.state.now + Duration::from_secs(4));
    assert_eq!(
        h.state.inventory.rows.len(),
        4,
        "the last good data stays on screen"
    );
    h.account.set_faults(FaultPlan::default());
    h.advance(Duration::from_secs(4)).await;
    assert_eq!(src(&h).error, None);
    assert_eq!(src(&h).failures, 0);
    assert_eq!(src(&h).last_ok, Some(h.state.now));
    assert!(layout::problems(&h.state).is_empty());
}

#[tokio::test]
async fn region_picker_toggles_and_applies() {
    let mut h = standard().await;
    h.key(KeyCode::Char('r')).await;
    let Overlay::Regions(rp) = &h.state.overlay else {
        panic!()
    };
    assert_eq!(rp.all.as_ref().unwrap().len(), 2);
    h.type_str("eu").await;
    h.key(KeyCode::Char(' ')).await; // un-choose eu-west-1
    h.key(KeyCode::Esc).await;
    assert_eq!(
        h.state.inventory.regions,
        ["eu-west-1", "us-east-1"],
        "Esc cancels"
    );

    h.key(KeyCode::Char('r')).await;
    h.type_str("eu").await;
    h.key(KeyCode::Char(' ')).await;
    let generation = h.state.inventory.generation;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.inventory.regions, ["us-east-1"]);
    assert_eq!(h.state.inventory.generation, generation + 1);
    assert_eq!(h.state.inventory.rows.len(), 3);
    assert!(
        h.state
            .inventory
            .rows
            .iter()
            .all(|r| r.data.instance.region == "us-east-1")
    );
}

#[tokio::test]
async fn help_refresh_and_quit() {
    let mut h = standard().await;
    h.key(KeyCode::Char('?')).await;
    assert_eq!(h.state.overlay, Overlay::Help(0));
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.overlay, Overlay::None);
    let effects = h.key_event(KeyCode::Char('r'), KeyModifiers::CONTROL);
    assert!(effects.contains(&Effect::LoadProfiles {
        account: h.key.clone()
    }));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadInstances { .. }))
    );
    h.settle_effects().await;
    assert!(!h.quit);
    h.key(KeyCode::Char('q')).await;
    assert!(h.quit);
    let mut h = standard().await;
    h.key(KeyCode::Enter).await; // in the picker q is text, Ctrl-c still quits
    h.key(KeyCode::Char('q')).await;
    assert!(!h.quit);
    h.ctrl('c').await;
    assert!(h.quit);
}

#[tokio::test]
async fn the_changed_instance_stays_selected_when_the_filter_no_longer_matches() {
    let mut h = standard().await;
    let stopped = id_of(&h, "stopped-1");
    h.key(KeyCode::Char('/')).await;
    h.type_str("api").await; // api-1 by name, stopped-1 by its profile
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.list.visible.len(), 2);
    h.choose(&stopped, "batch").await;
    h.key(KeyCode::Char('y')).await;
    h.advance(Duration::from_secs(10)).await;
    let row = h.state.selected_row().unwrap();
    assert_eq!(
        row.data.instance.id, stopped,
        "the cursor stays on the instance acted on"
    );
    assert_eq!(row.data.association.as_ref().unwrap().profile.name, "batch");
    // Once the operator moves away and edits the filter, it applies to it again.
    h.key(KeyCode::Char('g')).await;
    h.key(KeyCode::Char('/')).await;
    h.key(KeyCode::Char('x')).await;
    h.key(KeyCode::Backspace).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.list.visible.len(), 1);
}

#[tokio::test]
async fn the_cursor_starts_at_the_top_whatever_order_regions_answer_in() {
    use rolecall::tui::app::state::AppConfig;
    use rolecall::tui::app::update::init;
    let fleet = rolecall::aws::fleet::Fleet::builtin().unwrap();
    let h = Harness::start(&fleet, &["us-east-1"], false).await;
    let mut state = rolecall::tui::app::State::new(
        AppConfig {
            ..h.state.config.clone()
        },
        vec!["ap-southeast-2".into(), "us-east-1".into()],
    );
    let mut effects = init(&mut state);
    // us-east-1 answers first, then ap-southeast-2 (which sorts first).
    effects.sort_by_key(|e| match e {
        Effect::LoadInstances { region, .. } | Effect::LoadAssociations { region, .. } => {
            if region == "us-east-1" { 0 } else { 1 }
        }
        _ => 2,
    });
    for e in effects {
        for a in h.execute(e).await {
            rolecall::tui::app::update(&mut state, a);
        }
    }
    assert_eq!(state.list.selected, 0);
    assert_eq!(
        state.selected_row().unwrap().data.instance.region,
        "ap-southeast-2"
    );
}

#[tokio::test]
async fn applying_the_regions_already_shown_reloads_nothing() {
    // Regions as the user gave them, not sorted.
    let mut h = Harness::start(
        &fleet_from_spec(&standard_spec()),
        &["us-east-1", "eu-west-1"],
        false,
    )
    .await;
    h.key(KeyCode::Char('r')).await;
    let generation = h.state.inventory.generation;
    let effects = h.key_event(KeyCode::Enter, KeyModifiers::NONE);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(h.state.inventory.generation, generation);
    assert_eq!(h.state.overlay, Overlay::None);
}

#[tokio::test]
async fn a_failed_second_step_of_a_stopped_swap_says_the_instance_has_no_profile() {
    let mut h = standard().await;
    let stopped = id_of(&h, "stopped-1");
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Associate, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    });
    h.choose(&stopped, "web").await;
    h.key(KeyCode::Char('y')).await;
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(text.contains("ec2:AssociateIamInstanceProfile"), "{text}");
    assert!(text.contains("now has no profile"), "{text}");
    h.account.set_faults(FaultPlan::default());
    h.advance(Duration::from_secs(10)).await;
    assert_eq!(
        profile_shown(&h, &stopped),
        None,
        "the view shows the truth: no profile"
    );
}

#[tokio::test]
async fn starting_with_the_endpoint_down_recovers_everything() {
    let fleet = fleet_from_spec(&standard_spec());
    let clock = std::sync::Arc::new(rolecall::aws::memory::ManualClock::new());
    let account = std::sync::Arc::new(rolecall::aws::memory::MemoryAccount::new(
        &fleet,
        rolecall::aws::memory::MemoryOptions::test(clock.clone()),
    ));
    account.set_faults(FaultPlan {
        unreachable: Some((Duration::ZERO, Duration::from_secs(30))),
        ..FaultPlan::default()
    });
    let mut h = Harness::with_account(account, clock, &["eu-west-1", "us-east-1"]).await;
    assert!(h.acct().identity.is_none() && !h.acct().profiles_src.loaded);
    assert_eq!(
        layout::problems(&h.state).len(),
        4,
        "identity, profiles, instances and associations each say they failed"
    );
    h.advance(Duration::from_secs(31)).await;
    h.advance(Duration::from_secs(60)).await;
    assert!(layout::problems(&h.state).is_empty());
    assert!(h.acct().identity.is_some(), "identity reloaded on recovery");
    assert!(
        h.acct().profiles_src.loaded,
        "profiles reloaded on recovery"
    );
    assert_eq!(h.state.inventory.rows.len(), 4);
}

/// The harness on the standard fleet with faults in place from the first call.
async fn standard_with_faults(faults: FaultPlan) -> Harness {
    let fleet = fleet_from_spec(&standard_spec());
    let clock = std::sync::Arc::new(rolecall::aws::memory::ManualClock::new());
    let account = std::sync::Arc::new(rolecall::aws::memory::MemoryAccount::new(
        &fleet,
        rolecall::aws::memory::MemoryOptions::test(clock.clone()),
    ));
    account.set_faults(faults);
    Harness::with_account(account, clock, &["eu-west-1", "us-east-1"]).await
}

#[tokio::test]
async fn a_denied_association_read_is_unknown_not_none_and_blocks_changes() {
    let mut h = standard_with_faults(FaultPlan {
        fail: vec![(Op::Associations, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    })
    .await;
    assert_eq!(h.state.inventory.rows.len(), 4, "the instances are known");
    assert!(matches!(
        h.state.associations_knowledge(&h.key, "us-east-1"),
        rolecall::tui::app::state::Knowledge::Unknown(_)
    ));
    let web1 = id_of(&h, "web-1");
    // Enter offers no associate; d does not say "nothing to detach".
    h.select(&web1);
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.overlay, Overlay::None);
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(
        text.contains("is unknown")
            && text.contains("ec2:DescribeIamInstanceProfileAssociations")
            && text.contains("UnauthorizedOperation"),
        "{text}"
    );
    h.key(KeyCode::Char('d')).await;
    assert_eq!(h.state.overlay, Overlay::None);
    assert!(
        message(&h).1.contains("is unknown"),
        "{:?}",
        h.state.message
    );
    // Once the read works, the truth appears and changes are possible again.
    h.account.set_faults(FaultPlan::default());
    h.advance(Duration::from_secs(3)).await;
    assert_eq!(
        profile_shown(&h, &web1),
        Some(("web".into(), AssociationState::Associated))
    );
    h.key(KeyCode::Char('d')).await;
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
}

#[tokio::test]
async fn a_failing_instance_read_stays_on_screen_while_associations_succeed() {
    let mut h = standard_with_faults(FaultPlan {
        fail: vec![(Op::Instances, "AccessDenied".into())],
        ..FaultPlan::default()
    })
    .await;
    for _ in 0..5 {
        h.advance(Duration::from_secs(10)).await;
        let problems = layout::problems(&h.state);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].feed, layout::Feed::Instances);
        assert!(problems[0].unknown);
        assert_eq!(problems[0].error.action, "ec2:DescribeInstances");
    }
    assert!(h.state.message.is_none(), "{:?}", h.state.message);
    h.account.set_faults(FaultPlan::default());
    h.advance(Duration::from_secs(60)).await;
    assert!(layout::problems(&h.state).is_empty());
    assert_eq!(h.state.inventory.rows.len(), 4);
}

#[tokio::test]
async fn a_failed_profile_list_is_retried_and_the_picker_says_why() {
    let mut h = standard_with_faults(FaultPlan {
        fail: vec![(Op::Profiles, "AccessDenied".into())],
        ..FaultPlan::default()
    })
    .await;
    assert!(!h.acct().profiles_src.loaded);
    let e = h.acct().profiles_src.error.clone().unwrap();
    assert_eq!(e.action, "iam:ListInstanceProfiles");
    let web2 = id_of(&h, "web-2");
    h.select(&web2);
    h.key(KeyCode::Enter).await;
    assert!(matches!(h.state.overlay, Overlay::Picker(_)));
    // Ctrl-r in the picker retries at once; it fails again, and says so.
    let effects = h.key_event(KeyCode::Char('r'), KeyModifiers::CONTROL);
    assert_eq!(
        effects,
        vec![Effect::LoadProfiles {
            account: h.key.clone()
        }]
    );
    h.settle_effects().await;
    assert_eq!(h.acct().profiles_src.failures, 2);
    h.account.set_faults(FaultPlan::default());
    h.advance(Duration::from_secs(4)).await;
    assert!(
        h.acct().profiles_src.loaded,
        "retried by itself after the backoff"
    );
    let Overlay::Picker(p) = &h.state.overlay else {
        panic!("the picker stays open")
    };
    assert_eq!(p.list.matches.len(), 3);
}

#[tokio::test]
async fn a_lost_answer_is_reread_and_reported_as_what_the_reread_shows() {
    let mut h = standard_with_faults(FaultPlan {
        lose: vec![Op::Replace],
        ..FaultPlan::default()
    })
    .await;
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "api").await;
    h.key(KeyCode::Char('y')).await;
    let (tone, text) = message(&h);
    assert!(
        text.contains("the answer to ec2:ReplaceIamInstanceProfileAssociation was lost"),
        "{text}"
    );
    assert!(
        text.contains(&format!("re-reading shows instance {web1} has profile api")),
        "{text}"
    );
    assert_eq!(tone, Tone::Success, "the re-read shows it done");
    assert_eq!(
        profile_shown(&h, &web1).map(|p| p.0),
        Some("api".to_string())
    );
    assert!(h.state.changes.pending.is_empty());
}

/// A cloud whose mutations and association reads panic (a bug in a task).
struct Panicking;

#[async_trait::async_trait]
impl Cloud for Panicking {
    async fn regions(&self) -> Result<Vec<String>, rolecall::aws::ApiError> {
        Ok(vec![])
    }
    async fn instances(
        &self,
        _: &str,
    ) -> Result<Vec<rolecall::aws::Instance>, rolecall::aws::ApiError> {
        Ok(vec![])
    }
    async fn associations(
        &self,
        _: &str,
    ) -> Result<Vec<rolecall::aws::Association>, rolecall::aws::ApiError> {
        panic!("boom in a read")
    }
    async fn instance_profiles(
        &self,
    ) -> Result<Vec<rolecall::aws::InstanceProfile>, rolecall::aws::ApiError> {
        Ok(vec![])
    }
    async fn associate(
        &self,
        _: &str,
        _: &str,
        _: &rolecall::aws::ProfileRef,
    ) -> Result<rolecall::aws::Association, rolecall::aws::ApiError> {
        panic!("boom in a change")
    }
    async fn replace(
        &self,
        _: &str,
        _: &str,
        _: &rolecall::aws::ProfileRef,
    ) -> Result<rolecall::aws::Association, rolecall::aws::ApiError> {
        panic!("boom in a change")
    }
    async fn disassociate(
        &self,
        _: &str,
        _: &str,
    ) -> Result<rolecall::aws::Association, rolecall::aws::ApiError> {
        panic!("boom in a change")
    }
    async fn caller_identity(
        &self,
    ) -> Result<rolecall::aws::CallerIdentity, rolecall::aws::ApiError> {
        Ok(rolecall::aws::CallerIdentity {
            account: "1".into(),
            arn: "a".into(),
        })
    }
    async fn role_policies(
        &self,
        _: &str,
    ) -> Result<Vec<rolecall::core::policy::Policy>, rolecall::aws::ApiError> {
        Ok(vec![])
    }
    async fn put_role_policy(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<(), rolecall::aws::ApiError> {
        panic!("boom in a change")
    }
    async fn instance_profiles_for_role(
        &self,
        _: &str,
    ) -> Result<Vec<rolecall::aws::InstanceProfile>, rolecall::aws::ApiError> {
        Ok(vec![])
    }
}

#[tokio::test]
async fn a_task_that_panics_comes_back_as_an_action_and_is_shown() {
    let mut h = standard().await;
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "api").await;
    let effects = h.key_event(KeyCode::Char('y'), KeyModifiers::NONE);
    h.queue.clear();
    let [Effect::Mutate(m)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    // The runtime's own task body, on a cloud that panics.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cloud: std::sync::Arc<dyn Cloud> = std::sync::Arc::new(Panicking);
    tokio::spawn(rolecall::tui::run_mutation(
        cloud.clone(),
        (**m).clone(),
        None,
        tx,
    ))
    .await
    .unwrap();
    let done = rx.recv().await.expect("the dead task still answers");
    h.dispatch(done);
    assert!(h.state.changes.pending.is_empty(), "the row stops spinning");
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(
        text.contains("internal error") && text.contains("boom in a change"),
        "{text}"
    );
    // A read that panics comes back as that read's failure.
    let effect = Effect::LoadAssociations {
        generation: h.state.inventory.generation,
        round: h.state.poll.round + 1,
        account: h.key.clone(),
        region: "us-east-1".into(),
    };
    let panicking = [crate::harness::session_account(&h.key, h.account.clone())];
    let panicking = [rolecall::core::session::Account {
        cloud,
        ..panicking[0].clone()
    }];
    let action = rolecall::tui::poller::fetch_guarded(&panicking, effect)
        .await
        .expect("an answer");
    let Action::AssociationsLoaded { result: Err(e), .. } = action else {
        panic!("{action:?}")
    };
    assert!(e.message.contains("boom in a read"), "{e:?}");
}

#[tokio::test]
async fn a_change_error_is_not_overwritten_by_polls() {
    let mut h = standard().await;
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Replace, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    });
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "api").await;
    h.key(KeyCode::Char('y')).await;
    let error = h.state.message.clone().unwrap();
    assert_eq!(error.tone, Tone::Error);
    assert!(
        error.text.contains("grant it in IAM"),
        "the what-to-do: {}",
        error.text
    );
    // Polls, failing or not, leave it alone.
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Associations, "RequestLimitExceeded".into())],
        ..FaultPlan::default()
    });
    h.advance(Duration::from_secs(1)).await;
    h.advance(Duration::from_secs(10)).await;
    h.account.set_faults(FaultPlan::default());
    h.advance(Duration::from_secs(60)).await;
    assert_eq!(h.state.message.as_ref(), Some(&error));
    // And the footer has room for all of it.
    let lines = layout::message_text(&h.state);
    assert!(
        lines.join(" ").ends_with("(see assets/iam-policy.json)"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_region_named_at_start_is_checked_in_the_background() {
    let mut h = standard().await;
    h.state.message = None;
    let effects = h.dispatch(Action::RegionsChecked(Ok(vec!["us-east-1".into()])));
    assert!(effects.is_empty());
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(
        text.contains("unknown region 'eu-west-1'") && text.contains("us-east-1"),
        "{text}"
    );
    // Known names, or no answer (denied, unreachable), say nothing.
    h.state.message = None;
    h.dispatch(Action::RegionsChecked(Ok(vec![
        "eu-west-1".into(),
        "us-east-1".into(),
    ])));
    h.dispatch(Action::RegionsChecked(Err(
        rolecall::aws::ApiError::service("ec2:DescribeRegions", "UnauthorizedOperation", "no"),
    )));
    assert_eq!(h.state.message, None);
}

#[test]
fn init_checks_named_regions_without_waiting_for_them() {
    let mut config = crate::harness::config(false);
    config.check_regions = true;
    let mut state = rolecall::tui::app::State::new(config, vec!["us-east-1".into()]);
    let effects = rolecall::tui::app::update::init(&mut state);
    assert!(effects.contains(&Effect::CheckRegions), "{effects:?}");
    assert!(effects.contains(&Effect::LoadInstances {
        generation: state.inventory.generation,
        account: crate::harness::DEMO_ACCOUNT.into(),
        region: "us-east-1".into()
    }));
}

#[tokio::test]
async fn every_change_is_journaled_sent_then_done() {
    let mut h = standard().await;
    let web2 = id_of(&h, "web-2");
    h.choose(&web2, "batch").await;
    h.key(KeyCode::Char('y')).await;
    let path = h.journal_dir.path().join("journal.jsonl");
    let (entries, problems) = rolecall::core::journal::read_path(&path).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let phases: Vec<&str> = entries.iter().map(|e| e.phase.as_str()).collect();
    assert_eq!(phases, ["sent", "done"]);
    let (sent, done) = (&entries[0], &entries[1]);
    assert_eq!(sent.id, done.id);
    assert_eq!(sent.instance_id, web2);
    assert_eq!(sent.instance_name.as_deref(), Some("web-2"));
    assert_eq!(sent.action, "associate");
    assert_eq!(sent.from_profile_arn, None);
    assert!(sent.to_profile_arn.as_deref().unwrap().ends_with("/batch"));
    assert_eq!(
        sent.account.as_deref(),
        Some(h.acct().identity.as_ref().unwrap().account.as_str())
    );
    assert!(
        sent.aws_cli[0].starts_with("aws ec2 associate-iam-instance-profile --region us-east-1")
    );
    assert_eq!(done.outcome.as_deref(), Some("ok"));
    assert!(
        done.association_id_after
            .as_deref()
            .unwrap()
            .starts_with("iip-assoc-")
    );
}

#[tokio::test]
async fn an_unwritable_journal_sends_nothing() {
    let mut h = standard().await;
    // A directory where the journal file should be.
    let dir = h.journal_dir.path().join("journal-dir");
    std::fs::create_dir(&dir).unwrap();
    h.journaling = Some(std::sync::Arc::new(rolecall::tui::Journaling {
        journal: rolecall::core::journal::Journal::new(dir),
        run_id: "test".into(),
    }));
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "api").await;
    // (The confirmation read the roles' policies; nothing after it may call.)
    let calls = h.account.calls();
    h.key(KeyCode::Char('y')).await;
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(text.contains("nothing was sent"), "{text}");
    assert_eq!(h.account.calls(), calls, "no call reached the account");
    assert_eq!(
        profile_shown(&h, &web1),
        Some(("web".into(), AssociationState::Associated))
    );
}

#[tokio::test]
async fn a_production_account_needs_its_name_typed_to_confirm() {
    let mut h = standard().await;
    let account = h.acct().identity.as_ref().unwrap().account.clone();
    h.state.config.file = rolecall::core::config::parse(
        &format!("[[account]]\nid = \"{account}\"\nname = \"payments-prod\"\nproduction = true\n"),
        "test",
    )
    .unwrap();
    assert_eq!(
        h.state.production_guard(&h.key).as_deref(),
        Some("payments-prod")
    );
    let web2 = id_of(&h, "web-2");
    h.choose(&web2, "batch").await;
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    // y alone, or Enter on a wrong name, changes nothing.
    assert!(
        h.key_event(KeyCode::Char('y'), KeyModifiers::NONE)
            .is_empty()
    );
    assert!(h.key_event(KeyCode::Enter, KeyModifiers::NONE).is_empty());
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    assert!(message(&h).1.contains("type payments-prod exactly"));
    h.key_event(KeyCode::Backspace, KeyModifiers::NONE);
    for c in "payments-prod".chars() {
        assert!(h.key_event(KeyCode::Char(c), KeyModifiers::NONE).is_empty());
    }
    let effects = h.key_event(KeyCode::Enter, KeyModifiers::NONE);
    assert!(
        matches!(effects.as_slice(), [Effect::Mutate(_)]),
        "{effects:?}"
    );
    h.settle_effects().await;
    assert_eq!(profile_shown(&h, &web2).map(|p| p.0), Some("batch".into()));
    // Tab opens the permission diff (p would type); Esc comes back.
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "api").await;
    h.key(KeyCode::Tab).await;
    assert!(
        matches!(h.state.overlay, Overlay::Diff(..)),
        "{:?}",
        h.state.overlay
    );
    h.key(KeyCode::Esc).await;
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    h.key(KeyCode::Esc).await;
    // Esc still says no.
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "api").await;
    assert!(h.key_event(KeyCode::Esc, KeyModifiers::NONE).is_empty());
    assert_eq!(h.state.overlay, Overlay::None);
}

#[tokio::test]
async fn marks_make_one_batch_that_reports_as_a_whole() {
    let mut h = standard().await;
    let (web1, web2, stopped) = (
        id_of(&h, "web-1"),
        id_of(&h, "web-2"),
        id_of(&h, "stopped-1"),
    );
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Associate, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    });
    for id in [&web1, &web2] {
        h.select(id);
        h.key(KeyCode::Char(' ')).await;
    }
    assert_eq!(h.state.list.marks.len(), 2);
    // Marks survive filtering and polling.
    h.key(KeyCode::Char('/')).await;
    h.type_str("api").await;
    h.key(KeyCode::Enter).await;
    h.advance(Duration::from_secs(10)).await;
    assert_eq!(h.state.list.marks.len(), 2);
    h.key(KeyCode::Esc).await;
    // Enter: one picker for both; the confirmation lists each.
    h.key(KeyCode::Enter).await;
    let Overlay::Picker(p) = &h.state.overlay else {
        panic!("no picker")
    };
    assert_eq!(p.targets.len(), 2);
    h.type_str("batch").await;
    h.key(KeyCode::Enter).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("no confirm")
    };
    assert_eq!(c.changes.len(), 2);
    let text = rolecall::tui::ui::confirm::lines(&h.state, c).join("\n");
    assert!(
        text.contains("associate (1):") && text.contains("replace (1):"),
        "{text}"
    );
    assert_eq!(
        rolecall::tui::ui::confirm::title(c),
        "Change the profile of 2 instances"
    );
    let effects = h.key_event(KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(effects.len(), 2, "one change per instance");
    h.settle_effects().await;
    // web-1's replace worked; web-2's associate was refused and stays marked.
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(
        text.starts_with(
            "1 changed, 1 failed: UnauthorizedOperation ec2:AssociateIamInstanceProfile"
        ),
        "{text}"
    );
    assert_eq!(
        h.state
            .list
            .marks
            .iter()
            .map(|(_, i)| i.clone())
            .collect::<Vec<_>>(),
        vec![web2.clone()]
    );
    assert_eq!(profile_shown(&h, &web1).map(|p| p.0), Some("batch".into()));
    // A retries with the same keys once the fault is gone; A twice unmarks all.
    h.account.set_faults(FaultPlan::default());
    h.key(KeyCode::Char('A')).await;
    assert_eq!(h.state.list.marks.len(), 4);
    h.key(KeyCode::Char('A')).await;
    assert!(h.state.list.marks.is_empty());
    // Q without a quarantine profile says how to set one.
    h.select(&stopped);
    h.key(KeyCode::Char('Q')).await;
    assert!(
        message(&h).1.contains("quarantine_profile"),
        "{:?}",
        h.state.message
    );
    h.state.config.file.quarantine_profile = Some("batch".into());
    h.key(KeyCode::Char('Q')).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("no confirm")
    };
    assert!(matches!(
        c.changes[0].kind,
        MutationKind::DetachThenAssociate { .. }
    ));
    assert!(c.quarantine);
}

#[tokio::test]
async fn u_puts_the_latest_batch_back_and_j_shows_both() {
    let mut h = standard().await;
    let (web1, api1) = (id_of(&h, "web-1"), id_of(&h, "api-1"));
    for id in [&web1, &api1] {
        h.select(id);
        h.key(KeyCode::Char(' ')).await;
    }
    h.key(KeyCode::Enter).await;
    h.type_str("batch").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    assert_eq!(profile_shown(&h, &web1).map(|p| p.0), Some("batch".into()));
    h.advance(Duration::from_secs(30)).await;
    // Someone else puts api-1 on a third profile meanwhile: undo skips it
    // and says so.
    h.replace_behind_the_tui("eu-west-1", &api1, "web").await;
    h.advance(Duration::from_secs(30)).await;
    h.key(KeyCode::Char('u')).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("no undo confirmation: {:?}", h.state.message)
    };
    assert!(c.undo_of.is_some());
    assert_eq!(c.changes.len(), 1);
    assert_eq!(c.changes[0].instance_id, web1);
    assert_eq!(c.skipped.len(), 1);
    assert!(
        rolecall::tui::app::derive::why_text(&c.skipped[0].why).contains("changed since"),
        "{:?}",
        c.skipped
    );
    h.key(KeyCode::Char('y')).await;
    assert_eq!(profile_shown(&h, &web1).map(|p| p.0), Some("web".into()));
    // The journal has the batch and its undo.
    h.key(KeyCode::Char('J')).await;
    let Overlay::Journal(j) = &h.state.overlay else {
        panic!("no journal overlay: {:?}", h.state.message)
    };
    assert_eq!(j.entries.len(), 3, "two changes, then one undo");
    assert!(j.entries[0].undo_of.is_some() && j.entries[0].outcome.as_deref() == Some("ok"));
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.overlay, Overlay::None);
}

// Paused tokio time: the executor's throttling backoff passes at once.
#[tokio::test(start_paused = true)]
async fn a_throttled_batch_pauses_and_goes_on_dropping_nothing() {
    let mut h = standard().await;
    h.account.set_faults(FaultPlan {
        throttle_every: Some(2),
        ..FaultPlan::default()
    });
    h.key(KeyCode::Char('A')).await;
    let marked = h.state.list.marks.len();
    h.key(KeyCode::Enter).await;
    h.type_str("batch").await;
    h.key(KeyCode::Enter).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("no confirm: {:?}", h.state.message)
    };
    let planned = c.changes.len();
    assert!(planned >= 3, "{planned} of {marked}");
    h.key(KeyCode::Char('y')).await;
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Success, "{text}");
    // The count, then the roles left behind that K can revoke.
    assert!(
        text.starts_with(&format!("{planned} changed — credentials issued under")),
        "{text}"
    );
}

#[tokio::test]
async fn a_change_made_by_someone_else_is_listed_in_e_and_our_own_is_not() {
    let mut h = standard().await;
    let (web1, web2) = (id_of(&h, "web-1"), id_of(&h, "web-2"));
    // Our own change: not an outside change.
    h.choose(&web2, "batch").await;
    h.key(KeyCode::Char('y')).await;
    h.advance(Duration::from_secs(10)).await;
    assert!(
        h.state.changes.outside.is_empty(),
        "{:?}",
        h.state.changes.outside
    );
    // Someone else replaces web-1's profile behind the TUI.
    h.replace_behind_the_tui("us-east-1", &web1, "api").await;
    h.advance(Duration::from_secs(10)).await;
    let outside = &h.state.changes.outside;
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert_eq!(outside[0].instance_id, web1);
    assert!(
        outside[0]
            .from_profile_arn
            .as_deref()
            .unwrap()
            .ends_with("/web")
    );
    assert!(
        outside[0]
            .to_profile_arn
            .as_deref()
            .unwrap()
            .ends_with("/api")
    );
    assert!(
        h.state
            .changes
            .changed_outside_lately(h.state.now, "us-east-1", &web1)
    );
    h.key(KeyCode::Char('e')).await;
    assert_eq!(h.state.overlay, Overlay::Outside(0));
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.overlay, Overlay::None);
}

#[tokio::test]
async fn b_lists_every_instance_running_with_the_role_through_any_profile() {
    let mut h = Harness::demo().await;
    let id = h.find(|r| {
        r.data
            .association
            .as_ref()
            .is_some_and(|a| a.profile.name == "bastion")
    });
    h.select(&id);
    h.key(KeyCode::Char('b')).await;
    let names: Vec<String> = h
        .state
        .list
        .visible
        .iter()
        .map(|&i| {
            h.state.inventory.rows[i]
                .data
                .association
                .as_ref()
                .unwrap()
                .profile
                .name
                .clone()
        })
        .collect();
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n == "bastion"), "{names:?}");
    assert!(message(&h).1.contains("run with role BastionSSMRole"));
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.list.visible.len(), 80);
}

#[tokio::test]
async fn k_after_a_swap_revokes_the_old_roles_sessions_once_its_name_is_typed() {
    let mut h = standard().await;
    let web1 = id_of(&h, "web-1");
    h.choose(&web1, "api").await;
    h.key(KeyCode::Char('y')).await;
    let (_, text) = message(&h);
    assert!(
        text.contains("credentials issued under web-role stay valid") && text.contains("K revokes"),
        "{text}"
    );
    h.key(KeyCode::Char('K')).await;
    let Overlay::Revoke(r) = &h.state.overlay else {
        panic!("no revoke confirmation")
    };
    assert_eq!(r.role, "web-role", "the role just left, not the new one");
    // Enter without the name does nothing; the name, then Enter, revokes.
    assert!(h.key_event(KeyCode::Enter, KeyModifiers::NONE).is_empty());
    h.type_str("web-role").await;
    h.key(KeyCode::Enter).await;
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Success, "{text}");
    let policies = h.account.role_policies("web-role").await.unwrap();
    let revoke = policies
        .iter()
        .find(|p| p.name == "AWSRevokeOlderSessions")
        .expect("the policy is on the role");
    assert!(revoke.document.contains("aws:TokenIssueTime"));
    let (entries, _) =
        rolecall::core::journal::read_path(&h.journal_dir.path().join("journal.jsonl")).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "revoke_sessions" && e.outcome.as_deref() == Some("ok"))
    );
    // J names the role of a revoke and what it put on it.
    h.key(KeyCode::Char('J')).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(
        screen.contains("role web-role") && screen.contains("+ AWSRevokeOlderSessions"),
        "{screen}"
    );
    h.key(KeyCode::Esc).await;
    // u takes the swap, not the revoke; its summary says the revocation is
    // still on the role web-1 goes back to.
    h.advance(Duration::from_secs(20)).await;
    h.key(KeyCode::Char('u')).await;
    assert!(
        matches!(h.state.overlay, Overlay::Confirm(_)),
        "{:?}",
        message(&h)
    );
    h.key(KeyCode::Char('y')).await;
    h.advance(Duration::from_secs(30)).await;
    let (_, text) = message(&h);
    assert!(
        text.contains("role web-role still has AWSRevokeOlderSessions (added 0 min ago)"),
        "{text}"
    );
}

#[tokio::test]
async fn a_long_batch_confirmation_keeps_the_footer_in_sight() {
    let mut h = Harness::demo_accounts().await;
    h.key(KeyCode::Char('A')).await;
    h.key(KeyCode::Enter).await;
    h.type_str("incident-quarantine").await;
    h.key(KeyCode::Enter).await;
    assert!(
        matches!(h.state.overlay, Overlay::Confirm(_)),
        "{:?}",
        h.state.message
    );
    h.state.size = (100, 30);
    let screen = crate::snapshots::screen(&h, 100, 30);
    // The dialog fills the screen above the footer, whose keys stay whole.
    let footer = screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    assert!(footer.starts_with("type the account's name"), "{screen}");
    assert!(!footer.contains('└'), "{screen}");
}

#[tokio::test]
async fn a_message_goes_once_the_view_it_describes_is_gone() {
    let mut h = standard().await;
    let web1 = id_of(&h, "web-1");
    h.select(&web1);
    h.key(KeyCode::Char('b')).await;
    let (_, text) = message(&h);
    assert!(text.contains("run with role"), "{text}");
    // Moving within the view keeps it; leaving the view lets it go.
    h.key(KeyCode::Char('j')).await;
    assert!(h.state.message.is_some());
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.message, None);
    // A key that says something new keeps its own message.
    h.key(KeyCode::Char('P')).await;
    h.key(KeyCode::Enter).await;
    let (_, text) = message(&h);
    assert!(text.contains("on profile"), "{text}");
}

#[tokio::test]
async fn the_batch_confirmation_repeats_the_filter_that_chose_the_rows() {
    let mut h = standard().await;
    h.key(KeyCode::Char('/')).await;
    h.type_str("profile:api").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('A')).await;
    h.key(KeyCode::Char('d')).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("{:?}", message(&h))
    };
    assert_eq!(
        c.chosen_by.as_deref(),
        Some("marked with A under profile=api"),
        "{c:?}"
    );
    let screen = crate::snapshots::screen(&h, 100, 30);
    assert!(
        screen.contains("chosen: marked with A under profile=api"),
        "{screen}"
    );
    // The batch's permission line per from -> to, and p opens its full view.
    assert!(screen.contains("perms  api → —: +0 gained"), "{screen}");
    h.key(KeyCode::Char('p')).await;
    assert!(
        matches!(h.state.overlay, Overlay::Diff(..)),
        "{:?}",
        h.state.overlay
    );
    let full = crate::snapshots::screen(&h, 100, 30);
    assert!(full.contains("api → —") && full.contains("lost"), "{full}");
    h.key(KeyCode::Esc).await;
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    h.key(KeyCode::Esc).await;
    // One more marked by hand: said so.
    h.key(KeyCode::Esc).await;
    let web1 = id_of(&h, "web-1");
    h.select(&web1);
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Char('d')).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("{:?}", message(&h))
    };
    assert_eq!(
        c.chosen_by.as_deref(),
        Some("marked with A under profile=api, and by hand")
    );
}

#[tokio::test]
async fn p_capital_lists_profiles_and_enter_lists_the_instances_on_one() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('P')).await;
    let Overlay::Profiles(list) = &h.state.overlay else {
        panic!("no profiles view")
    };
    assert_eq!(list.matches.len(), 21);
    let lines = rolecall::tui::app::derive::profile_view_lines(&h.state);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("empty-profile") && l.contains("(no role")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("incident-quarantine") && l.ends_with("unused")),
        "{lines:?}"
    );
    h.type_str("bastion").await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.overlay, Overlay::None);
    let profiles: Vec<&str> = h
        .state
        .list
        .visible
        .iter()
        .map(|&i| {
            h.state.inventory.rows[i]
                .data
                .association
                .as_ref()
                .unwrap()
                .profile
                .name
                .as_str()
        })
        .collect();
    assert!(
        !profiles.is_empty() && profiles.iter().all(|p| *p == "bastion"),
        "{profiles:?}"
    );
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.list.visible.len(), 80);
}

#[tokio::test]
async fn p_shows_a_policy_it_cannot_read_raw_with_why() {
    let mut h = standard().await;
    h.account
        .put_role_policy("web-role", "broken", "not json {")
        .await
        .unwrap();
    let web1 = id_of(&h, "web-1");
    h.select(&web1);
    h.key(KeyCode::Char('p')).await;
    let lines = rolecall::tui::app::derive::permission_view_lines(&h.state, &h.scope("web-role"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("broken: cannot read it") && l.contains("not json {")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn s_cycles_the_sort_column_s_reverses_and_the_cursor_keeps_its_instance() {
    use rolecall::tui::app::sort::SortColumn;
    let mut h = Harness::demo().await;
    let names = |h: &Harness| -> Vec<String> {
        h.state
            .list
            .visible
            .iter()
            .map(|&i| h.state.inventory.rows[i].name.clone())
            .collect()
    };
    // The cursor on an instance somewhere in the middle.
    let web = h.find(|r| r.name == "web-prod-us02");
    h.select(&web);
    h.key(KeyCode::Char('s')).await;
    assert_eq!(h.state.list.sort.column, SortColumn::Name);
    let by_name = names(&h);
    let named: Vec<&String> = by_name.iter().filter(|n| !n.is_empty()).collect();
    let mut sorted = named.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(named, sorted, "named instances first, by name");
    assert!(by_name.last().unwrap().is_empty(), "unnamed ones last");
    assert_eq!(h.state.selected_row().unwrap().data.instance.id, web);
    assert!(message(&h).1.contains("sorted by name"));

    h.key(KeyCode::Char('S')).await;
    assert!(h.state.list.sort.descending);
    let reversed = names(&h);
    let named_rev: Vec<&String> = reversed.iter().filter(|n| !n.is_empty()).collect();
    let mut expected = sorted.clone();
    expected.reverse();
    assert_eq!(named_rev, expected);
    assert_eq!(h.state.selected_row().unwrap().data.instance.id, web);
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("NAME▼"), "{screen}");

    // s again: state, ascending; then profile, association, launch time, and back.
    h.key(KeyCode::Char('s')).await;
    assert_eq!(h.state.list.sort.column, SortColumn::State);
    assert!(!h.state.list.sort.descending);
    for expected in [
        SortColumn::Profile,
        SortColumn::Association,
        SortColumn::LaunchTime,
        SortColumn::Place,
    ] {
        h.key(KeyCode::Char('s')).await;
        assert_eq!(h.state.list.sort.column, expected);
        assert_eq!(h.state.selected_row().unwrap().data.instance.id, web);
    }
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("INSTANCE▲"), "{screen}");

    // Sorted by profile, a swap moves the row and the cursor follows it.
    for _ in 0..3 {
        h.key(KeyCode::Char('s')).await;
    }
    assert_eq!(h.state.list.sort.column, SortColumn::Profile);
    h.choose(&web, "batch-worker").await;
    h.key(KeyCode::Char('y')).await;
    h.advance(std::time::Duration::from_secs(6)).await;
    assert_eq!(h.state.selected_row().unwrap().data.instance.id, web);
    let profiles: Vec<Option<String>> = h
        .state
        .list
        .visible
        .iter()
        .map(|&i| {
            h.state.inventory.rows[i]
                .data
                .association
                .as_ref()
                .filter(|a| a.state.is_active())
                .map(|a| a.profile.name.clone())
        })
        .collect();
    let mut sorted = profiles.clone();
    sorted.sort();
    assert_eq!(profiles, sorted);
}

#[tokio::test]
async fn c_copies_the_instance_id_c_the_profile_arn_r_the_role_arn_over_osc52() {
    let mut h = Harness::demo().await;
    let id = h.find(|r| r.name == "web-prod-us02");
    h.select(&id);
    let effects = h.key_event(KeyCode::Char('c'), KeyModifiers::NONE);
    assert_eq!(effects, vec![Effect::Copy(id.clone())]);
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Success);
    assert!(
        text.contains(&format!("copied the instance id {id}")),
        "{text}"
    );
    let arn = h
        .row(&id)
        .data
        .association
        .as_ref()
        .unwrap()
        .profile
        .arn
        .clone();
    assert_eq!(
        h.key_event(KeyCode::Char('C'), KeyModifiers::NONE),
        vec![Effect::Copy(arn.clone())]
    );
    let role = h.state.role_of(&arn).unwrap().arn.clone();
    assert!(role.contains(":role/"), "{role}");
    assert_eq!(
        h.key_event(KeyCode::Char('R'), KeyModifiers::NONE),
        vec![Effect::Copy(role)]
    );
    // No profile: nothing is copied, and the footer says why.
    let bare = h.find(|r| r.data.association.is_none());
    h.select(&bare);
    assert!(
        h.key_event(KeyCode::Char('C'), KeyModifiers::NONE)
            .is_empty()
    );
    assert!(message(&h).1.contains("has no instance profile ARN"));
    // What the terminal receives: OSC 52, the clipboard, the text in base64, ST.
    assert_eq!(
        rolecall::tui::osc52("i-0123456789abcdef0"),
        "\u{1b}]52;c;aS0wMTIzNDU2Nzg5YWJjZGVmMA==\u{1b}\\"
    );
}

#[tokio::test]
async fn the_mouse_selects_scrolls_and_double_click_opens_the_picker_and_chooses() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut h = Harness::demo().await;
    h.state.size = (160, 45);
    h.state.clamp_selection();
    let mouse = |kind, column, row| {
        Action::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let click = mouse(MouseEventKind::Down(MouseButton::Left), 10, 7);
    // Header (1), the list's border and column titles (2): row 3 is the
    // first instance, row 7 the fifth.
    h.dispatch(click.clone());
    h.settle_effects().await;
    assert_eq!(h.state.list.selected, 4);
    assert!(matches!(h.state.overlay, Overlay::None));
    // The wheel moves three rows at a time.
    h.dispatch(mouse(MouseEventKind::ScrollDown, 10, 7));
    assert_eq!(h.state.list.selected, 7);
    h.dispatch(mouse(MouseEventKind::ScrollUp, 10, 7));
    assert_eq!(h.state.list.selected, 4);
    // A click on the detail pane or the header selects nothing.
    h.dispatch(mouse(MouseEventKind::Down(MouseButton::Left), 150, 7));
    h.dispatch(mouse(MouseEventKind::Down(MouseButton::Left), 10, 0));
    assert_eq!(h.state.list.selected, 4);
    // A double click (two within half a second) opens the picker on it.
    h.dispatch(click.clone());
    h.dispatch(click.clone());
    h.settle_effects().await;
    let Overlay::Picker(p) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    let target = p.targets[0].1.clone();
    assert_eq!(h.state.selected_row().unwrap().data.instance.id, target);
    // In the picker: its area is centred; a click selects an entry, a double click chooses.
    let area =
        rolecall::tui::app::layout::profile_picker_area(ratatui::layout::Rect::new(0, 0, 160, 45));
    let entry = mouse(
        MouseEventKind::Down(MouseButton::Left),
        area.x + 5,
        area.y + 2 + 3,
    );
    h.dispatch(entry.clone());
    let Overlay::Picker(p) = &h.state.overlay else {
        panic!()
    };
    assert_eq!(p.list.selected, 3);
    let chosen = h.state.inventory.profiles[p.offered[p.list.matches[3]]]
        .name
        .clone();
    h.dispatch(entry.clone());
    h.settle_effects().await;
    match &h.state.overlay {
        Overlay::Confirm(c) => assert!(
            c.changes[0]
                .to
                .as_ref()
                .unwrap()
                .arn
                .ends_with(&format!("/{chosen}")),
            "{c:?}"
        ),
        other => {
            let text = message(&h).1;
            assert!(
                text.contains(&format!("already has instance profile {chosen}")),
                "{other:?} {text}"
            );
        }
    }
}

#[tokio::test]
async fn a_terminal_too_small_to_draw_on_takes_no_key_but_q() {
    let mut h = Harness::demo().await;
    let id = h.find(|r| r.data.association.is_some() && r.data.instance.region == "us-east-1");
    h.select(&id);
    h.dispatch(Action::Resize(60, 15));
    // Enter, a choice and y, all blind: nothing opens, nothing is sent.
    for code in [
        KeyCode::Enter,
        KeyCode::Enter,
        KeyCode::Char('y'),
        KeyCode::Char('d'),
    ] {
        assert!(h.key_event(code, KeyModifiers::NONE).is_empty());
    }
    assert!(matches!(h.state.overlay, Overlay::None));
    assert!(h.state.changes.pending.is_empty());
    // With a confirmation already open, typing cannot answer it either.
    h.dispatch(Action::Resize(120, 32));
    h.key(KeyCode::Char('d')).await;
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    h.dispatch(Action::Resize(60, 15));
    assert!(
        h.key_event(KeyCode::Char('y'), KeyModifiers::NONE)
            .is_empty()
    );
    assert!(matches!(h.state.overlay, Overlay::Confirm(_)));
    assert_eq!(
        h.key_event(KeyCode::Char('q'), KeyModifiers::NONE),
        vec![Effect::Quit]
    );
}

#[tokio::test]
async fn the_help_scrolls_on_a_short_terminal_and_never_past_its_end() {
    let mut h = Harness::demo().await;
    h.dispatch(Action::Resize(80, 24));
    h.key(KeyCode::Char('?')).await;
    let lines = rolecall::tui::app::keymap::HELP.len();
    // The screen less the footer (keys and message lines), a line above and
    // below, and the border.
    let rows = 24 - 2 - 4;
    for _ in 0..5 {
        h.key(KeyCode::PageDown).await;
    }
    assert_eq!(h.state.overlay, Overlay::Help(lines - rows));
    let screen = crate::snapshots::screen(&h, 80, 24);
    assert!(screen.contains("q, Ctrl-c"), "{screen}");
    assert!(screen.contains("↑ more"), "{screen}");
    h.key(KeyCode::Up).await;
    assert_eq!(h.state.overlay, Overlay::Help(lines - rows - 1));
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.overlay, Overlay::None);
}

#[tokio::test]
async fn a_batch_under_a_filter_keeps_its_rows_listed_until_the_filter_changes() {
    let mut h = standard().await;
    let stopped = id_of(&h, "stopped-1");
    let api1 = id_of(&h, "api-1");
    h.key(KeyCode::Char('/')).await;
    h.type_str("api").await; // api-1 by name, stopped-1 by its profile
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.list.visible.len(), 2);
    h.key(KeyCode::Char('A')).await;
    h.key(KeyCode::Enter).await;
    h.type_str("batch").await;
    h.key(KeyCode::Enter).await;
    assert!(
        matches!(h.state.overlay, Overlay::Confirm(_)),
        "{:?}",
        h.state.message
    );
    h.key(KeyCode::Char('y')).await;
    h.advance(Duration::from_secs(10)).await;
    // The cursor moves off; polls rebuild the rows: both stay listed, though
    // stopped-1 (now on batch) no longer matches "api".
    h.key(KeyCode::Char('g')).await;
    h.advance(Duration::from_secs(30)).await;
    let listed: Vec<String> = h
        .state
        .list
        .visible
        .iter()
        .map(|&i| h.state.inventory.rows[i].data.instance.id.clone())
        .collect();
    assert!(
        listed.contains(&stopped) && listed.contains(&api1),
        "{listed:?}"
    );
    assert_eq!(
        profile_shown(&h, &stopped).map(|p| p.0),
        Some("batch".into())
    );
    // A new filter applies to them again.
    h.key(KeyCode::Char('/')).await;
    h.key(KeyCode::Char('x')).await;
    h.key(KeyCode::Backspace).await;
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.list.visible.len(), 1);
}

#[tokio::test]
async fn q_during_a_batch_asks_and_w_starts_nothing_more() {
    let mut h = standard().await;
    let web2 = id_of(&h, "web-2");
    h.select(&web2);
    h.key(KeyCode::Enter).await;
    h.type_str("batch").await;
    h.key(KeyCode::Enter).await;
    // Confirm without running the change: it stays pending.
    let effects = h.key_event(KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(effects.iter().any(|e| matches!(e, Effect::Mutate(_))));
    assert_eq!(h.state.changes.pending.len(), 1);
    // Not started yet: the row keeps its profile and says it waits its turn.
    let screen = crate::snapshots::screen(&h, 160, 45);
    let row = crate::e2e::row(&screen, "web-2");
    assert!(
        row.contains("queued") && !row.contains("associating"),
        "{row}"
    );
    // q asks instead of quitting; Esc keeps going.
    let effects = h.key_event(KeyCode::Char('q'), KeyModifiers::NONE);
    assert!(!effects.contains(&Effect::Quit), "{effects:?}");
    assert_eq!(h.state.overlay, Overlay::QuitBatch);
    h.key_event(KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(h.state.overlay, Overlay::None);
    // Ctrl-c asks too; a second Ctrl-c (or w) stops starting changes and waits.
    h.key_event(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(h.state.overlay, Overlay::QuitBatch);
    let effects = h.key_event(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(effects, vec![Effect::StopChanges]);
    assert!(h.state.changes.stopping);
    // The change comes back not started: nothing pending, so rolecall quits,
    // and what was left is said.
    let Some(op_id) = h.state.changes.pending.values().next().map(|p| p.op_id) else {
        panic!("no pending change")
    };
    let change = h
        .state
        .changes
        .pending
        .values()
        .next()
        .unwrap()
        .change
        .clone();
    let effects = h.dispatch(Action::MutationDone {
        op_id,
        outcome: Box::new(rolecall::core::exec::Outcome {
            change,
            steps: vec![],
            result: Err(rolecall::core::exec::ExecError::NotStarted),
            journal_error: None,
        }),
    });
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
    let left = h.state.changes.left_undone().unwrap();
    assert!(
        left.contains("1 not started") && left.contains(&web2),
        "{left}"
    );
}

/// The filter's grammar on the standard fleet: web-1 (web, us-east-1),
/// web-2 (no profile), stopped-1 (api, stopped), api-1 (api, eu-west-1).
#[rstest::rstest]
#[case::a_substring_of_one_field("web", &["web-1", "web-2"])]
#[case::letters_scattered_across_fields_match_nothing("w-1", &[])]
#[case::words_are_anded("api stopped", &["stopped-1"])]
#[case::fuzzy_only_when_asked("~wb2", &["web-2"])]
#[case::exact_profile("profile:web", &["web-1"])]
#[case::exact_profile_is_not_a_substring("profile:we", &[])]
#[case::no_profile("profile:none", &["web-2"])]
#[case::a_role_through_any_profile("role:api-server-role", &["api-1", "stopped-1"])]
#[case::state("state:stopped", &["stopped-1"])]
#[case::region("region:eu-west-1", &["api-1"])]
#[case::a_name_glob("name:web-*", &["web-1", "web-2"])]
#[case::an_unknown_field_matches_nothing("colour:red", &[])]
#[tokio::test]
async fn the_filter_as_a_table(#[case] query: &str, #[case] want: &[&str]) {
    let mut h = standard().await;
    h.state.list.filter = query.to_string();
    h.state.apply_filter(false);
    let mut names: Vec<String> = h
        .state
        .list
        .visible
        .iter()
        .filter_map(|&i| h.state.inventory.rows[i].data.instance.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, want, "{query}");
}

#[tokio::test]
async fn u_on_a_row_of_the_journal_undoes_that_rows_batch() {
    let mut h = standard().await;
    let (web1, api1) = (id_of(&h, "web-1"), id_of(&h, "api-1"));
    // Two batches: web-1 to batch, then api-1 to batch.
    for id in [&web1, &api1] {
        h.choose(id, "batch").await;
        h.key(KeyCode::Char('y')).await;
        h.advance(Duration::from_secs(30)).await;
    }
    h.key(KeyCode::Char('J')).await;
    let Overlay::Journal(j) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    // Newest first: api-1's batch on top, web-1's below.
    assert_eq!(j.entries[1].instance_id, web1);
    let older = j.entries[1].batch.clone();
    assert_ne!(j.entries[0].batch, older);
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Char('u')).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("no undo confirmation: {:?}", h.state.message)
    };
    assert_eq!(c.undo_of.as_deref(), Some(older.as_str()));
    assert_eq!(c.changes.len(), 1);
    assert_eq!(c.changes[0].instance_id, web1);
}

#[tokio::test]
async fn k_offers_every_role_a_batch_left_until_each_is_revoked() {
    let mut h = standard().await;
    // web-1 (web-role) and stopped-1 (api-server-role), both to batch.
    let (web1, stopped) = (id_of(&h, "web-1"), id_of(&h, "stopped-1"));
    for id in [&web1, &stopped] {
        h.select(id);
        h.key(KeyCode::Char(' ')).await;
    }
    h.key(KeyCode::Enter).await;
    h.type_str("batch").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await;
    h.advance(Duration::from_secs(30)).await;
    let (_, text) = message(&h);
    assert!(
        text.contains("K revokes them") && text.contains("1 more role"),
        "{text}"
    );
    // Other keys do not lose the offer, and the selection does not decide it:
    // the row selected now runs with no role to speak of.
    h.key(KeyCode::Char('g')).await;
    h.key(KeyCode::Char('j')).await;
    let mut revoked = Vec::new();
    for _ in 0..2 {
        h.key(KeyCode::Char('K')).await;
        let Overlay::Revoke(r) = &h.state.overlay else {
            panic!("no revoke confirmation: {:?}", h.state.message)
        };
        let role = r.role.clone();
        h.type_str(&role).await;
        h.key(KeyCode::Enter).await;
        revoked.push(role);
    }
    revoked.sort();
    assert_eq!(revoked, ["api-server-role", "web-role"]);
    assert!(h.state.changes.moved_off.is_empty());
}

#[tokio::test]
async fn b_keeps_the_cursor_on_the_instance_it_was_pressed_on() {
    let mut h = Harness::demo().await;
    // The first instance of a role that others share, not at the top of the
    // whole list: filtered, it moves up (an index kept as it was would land
    // on another instance).
    let rows = &h.state.inventory.rows;
    let role_at = |i: usize| {
        rows[i]
            .data
            .association
            .as_ref()
            .and_then(|a| h.state.role_of(&a.profile.arn))
            .map(|r| r.name.clone())
    };
    let chosen = (1..rows.len())
        .find(|&i| {
            let Some(role) = role_at(i) else { return false };
            (0..i).all(|j| role_at(j).as_ref() != Some(&role))
                && (i + 1..rows.len()).any(|j| role_at(j).as_ref() == Some(&role))
        })
        .map(|i| rows[i].data.instance.id.clone())
        .unwrap();
    h.select(&chosen);
    h.key(KeyCode::Char('b')).await;
    assert!(h.state.list.visible.len() > 1);
    assert_eq!(h.state.selected_row().unwrap().data.instance.id, chosen);
}

#[tokio::test]
async fn pgdn_in_a_batch_confirmation_pages_by_what_it_shows() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('A')).await;
    h.key(KeyCode::Enter).await;
    h.type_str("bastion").await;
    h.key(KeyCode::Enter).await;
    assert!(
        matches!(h.state.overlay, Overlay::Confirm(_)),
        "{:?}",
        h.state.message
    );
    h.key(KeyCode::PageDown).await;
    let Overlay::Confirm(c) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    assert_eq!(c.scroll, h.state.size.1 as usize - 8);
}

#[tokio::test]
async fn x_contains_the_selected_instance_after_listing_every_step() {
    contain_list_and_release(Harness::demo().await).await;
}

#[tokio::test]
async fn containment_cases_work_the_same_on_a_team_journal_in_s3() {
    use rolecall::aws::Cloud;
    use rolecall::core::journal::s3::{Location, S3Journal};
    let mut h = Harness::demo().await;
    let store = h.account.object_store("demo").await.unwrap();
    let location = Location::parse("s3://demo/team/").unwrap().unwrap();
    h.journaling = Some(std::sync::Arc::new(rolecall::tui::Journaling {
        journal: rolecall::core::journal::Journal::s3(S3Journal::new(location, store, None)),
        run_id: "t".into(),
    }));
    contain_list_and_release(h).await;
}

/// X on the selected instance, every step listed, y; I lists the case; R, y
/// releases it; read-only refuses X.
async fn contain_list_and_release(mut h: Harness) {
    use rolecall::aws::Cloud;
    h.state.config.file.quarantine_profile = Some("incident-quarantine".into());
    let id = h.find(|r| {
        r.data
            .association
            .as_ref()
            .is_some_and(|a| a.profile.name == "web-frontend")
    });
    h.select(&id);
    h.key(KeyCode::Char('X')).await;
    let Overlay::Contain(d) = &h.state.overlay else {
        panic!("{:?}", h.state.message)
    };
    assert!(d.case.starts_with("IR-"), "a default case id: {}", d.case);
    // A case id of one's own.
    for _ in 0..d.case.len() {
        h.key(KeyCode::Backspace).await;
    }
    h.type_str("IR-drill").await;
    h.key(KeyCode::Enter).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(
        screen.contains("Contain 1 instance (case IR-drill)?"),
        "{screen}"
    );
    assert!(
        screen.contains("deny on role web-frontend-role"),
        "{screen}"
    );
    assert!(
        screen.contains("2. swap: ReplaceIamInstanceProfileAssociation"),
        "{screen}"
    );
    assert!(
        screen.contains("3. tag: ec2:CreateTags rolecall:case=IR-drill"),
        "{screen}"
    );
    h.key(KeyCode::Char('y')).await;
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Success, "{text}");
    assert!(
        text.contains("case IR-drill:") && text.contains("rolecall release IR-drill"),
        "{text}"
    );
    let policies = h.account.role_policies("web-frontend-role").await.unwrap();
    let deny = policies
        .iter()
        .find(|p| p.name == "rolecall-contain")
        .unwrap();
    assert!(deny.document.contains(&id));
    let instance = h
        .account
        .instances(&h.row(&id).data.instance.region.clone())
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.id == id)
        .unwrap();
    assert!(
        instance
            .tags
            .contains(&("rolecall:case".into(), "IR-drill".into()))
    );
    // I lists the case and the deny on the role; R, y releases it.
    h.advance(Duration::from_secs(30)).await;
    h.key(KeyCode::Char('I')).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("IR-drill  OPEN"), "{screen}");
    assert!(
        screen.contains("web-frontend-role  rolecall-contain  RolecallContainIRdrill"),
        "{screen}"
    );
    h.key(KeyCode::Char('R')).await;
    h.key(KeyCode::Char('y')).await;
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Success, "{text}");
    assert!(text.contains("case IR-drill released"), "{text}");
    let policies = h.account.role_policies("web-frontend-role").await.unwrap();
    assert!(!policies.iter().any(|p| p.name == "rolecall-contain"));
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("IR-drill  released"), "{screen}");
    h.key(KeyCode::Esc).await;
    // Read-only refuses it like every change.
    h.state.config.read_only = true;
    h.key(KeyCode::Char('X')).await;
    assert!(!matches!(h.state.overlay, Overlay::Contain(_)));
    assert!(message(&h).1.contains("read-only"));
}

#[tokio::test]
async fn the_detail_pane_says_when_the_role_was_last_used() {
    let mut h = Harness::demo().await;
    let id = h.find(|r| {
        r.data
            .association
            .as_ref()
            .is_some_and(|a| a.profile.name == "web-frontend")
    });
    h.select(&id);
    // Read once the row is shown (on the next tick).
    h.advance(Duration::from_secs(1)).await;
    h.key(KeyCode::Char('i')).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    let at = screen
        .find("last use ")
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(screen[at..].contains("in us-east-1"), "{screen}");
}

#[tokio::test]
async fn h_shows_who_changed_the_profile_and_the_detail_pane_says_by_whom() {
    let mut h = Harness::demo().await;
    let id = id_of(&h, "ml-train-prod-us08");
    h.select(&id);
    // Nothing is read while the detail pane is folded away (120 columns).
    h.advance(Duration::from_secs(1)).await;
    assert!(h.state.inventory.history.is_empty());
    // Shown: its region's history is read on the next tick.
    h.key(KeyCode::Char('i')).await;
    h.advance(Duration::from_secs(1)).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    h.key(KeyCode::Esc).await;
    let at = screen.find("  by ").unwrap_or_else(|| panic!("{screen}"));
    assert!(
        screen[at..].contains("svc-legacy-deploy (from 203.0.113.66)"),
        "{screen}"
    );
    h.key(KeyCode::Char('h')).await;
    assert!(matches!(h.state.overlay, Overlay::History(_)));
    let screen = crate::snapshots::screen(&h, 160, 45);
    for want in [
        "batch-worker → ml-training",
        "refused (Client.UnauthorizedOperation)",
        "arn:aws:iam::210987654321:user/svc-legacy-deploy from 203.0.113.66",
        "assumed-role/PlatformDeploy/terraform-ci (role arn:aws:iam::210987654321:role/PlatformDeploy)",
    ] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.overlay, Overlay::None);

    // Our own change: once read again, known as rolecall's by the journal.
    let ci = id_of(&h, "ci-runner-dev-us01");
    h.choose(&ci, "web-front").await;
    h.key(KeyCode::Char('y')).await;
    h.advance(Duration::from_secs(10)).await;
    h.select(&ci);
    h.key(KeyCode::Char('i')).await;
    h.advance(Duration::from_secs(1)).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    h.key(KeyCode::Esc).await;
    assert!(screen.contains("not yet in CloudTrail"), "{screen}");
    h.key(KeyCode::Char('h')).await;
    h.key(KeyCode::Char('r')).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("rolecall (journal)"), "{screen}");
    assert!(screen.contains("ci-runner → web-frontend"), "{screen}");
}

#[tokio::test]
async fn a_refused_history_is_said_with_the_action_to_grant_never_as_no_changes() {
    let mut h = Harness::demo().await;
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::History, "AccessDeniedException".into())],
        ..FaultPlan::default()
    });
    let id = id_of(&h, "ml-train-prod-us08");
    h.select(&id);
    h.key(KeyCode::Char('h')).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("cloudtrail:LookupEvents"), "{screen}");
    assert!(screen.contains("grant it in IAM"), "{screen}");
    assert!(!screen.contains("no profile changes"), "{screen}");
    // Fixed: r reads again.
    h.account.set_faults(FaultPlan::default());
    h.key(KeyCode::Char('r')).await;
    let screen = crate::snapshots::screen(&h, 160, 45);
    assert!(screen.contains("svc-legacy-deploy"), "{screen}");
}

#[tokio::test]
async fn e_names_who_made_an_outside_change_once_cloudtrail_has_it() {
    let mut h = Harness::demo().await;
    let id = id_of(&h, "web-prod-us02");
    h.select(&id);
    h.key(KeyCode::Char('i')).await;
    h.advance(Duration::from_secs(1)).await;
    h.key(KeyCode::Esc).await;
    // Someone else's change after the history was read: pending at first.
    h.replace_behind_the_tui("us-east-1", &id, "api-server")
        .await;
    h.advance(Duration::from_secs(10)).await;
    assert_eq!(h.state.changes.outside.len(), 1);
    h.key(KeyCode::Char('e')).await;
    let screen = crate::snapshots::screen(&h, 200, 45);
    assert!(screen.contains("actor pending"), "{screen}");
    // With e open, CloudTrail is asked again after a minute.
    h.advance(Duration::from_secs(61)).await;
    let screen = crate::snapshots::screen(&h, 200, 45);
    assert!(
        screen.contains("by OnCallOperator/alex@example.com (from 192.0.2.44)"),
        "{screen}"
    );
}

#[tokio::test]
async fn j_reads_the_journal_again_while_open_and_names_each_responder() {
    let mut h = Harness::demo().await;
    let ci = id_of(&h, "ci-runner-dev-us01");
    h.choose(&ci, "web-front").await;
    h.key(KeyCode::Char('y')).await;
    h.advance(Duration::from_secs(10)).await;
    h.key(KeyCode::Char('J')).await;
    let Overlay::Journal(v) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    assert_eq!(v.entries.len(), 1);
    // Another responder's change lands in the (shared) journal.
    let path = h.journal_dir.path().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let theirs: String = text
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"] = "c-theirs".into();
            v["batch"] = "b-theirs".into();
            v["caller_arn"] =
                "arn:aws:sts::210987654321:assumed-role/OnCallOperator/sam@example.com".into();
            v["time"] = "2099-01-01T00:00:00Z".into();
            format!("{v}\n")
        })
        .collect();
    std::fs::write(&path, text + &theirs).unwrap();
    // Within one poll interval, J shows it, and who made each.
    h.advance(Duration::from_secs(10)).await;
    let Overlay::Journal(v) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    assert_eq!(v.entries.len(), 2, "{:?}", v.entries);
    let screen = crate::snapshots::screen(&h, 200, 40);
    assert!(screen.contains("WHO"), "{screen}");
    assert!(
        screen.contains("OnCallOperator/sam@example.com"),
        "{screen}"
    );
    assert!(
        screen.contains("OnCallOperator/alex@example.com"),
        "{screen}"
    );
}

#[tokio::test]
async fn an_s3_journal_that_refuses_the_record_sends_nothing() {
    use rolecall::core::journal::s3::{Location, S3Journal};
    let mut h = Harness::demo().await;
    h.account.set_faults(FaultPlan {
        fail: vec![(Op::Journal, "AccessDenied".into())],
        ..FaultPlan::default()
    });
    let store = h.account.object_store("demo").await.unwrap();
    let location = Location::parse("s3://demo/team/").unwrap().unwrap();
    h.journaling = Some(std::sync::Arc::new(rolecall::tui::Journaling {
        journal: rolecall::core::journal::Journal::s3(S3Journal::new(location, store, None)),
        run_id: "t".into(),
    }));
    let ci = id_of(&h, "ci-runner-dev-us01");
    let calls = h.account.calls();
    h.choose(&ci, "web-front").await;
    h.key(KeyCode::Char('y')).await;
    h.advance(Duration::from_secs(10)).await;
    assert_eq!(
        profile_shown(&h, &ci).map(|p| p.0).as_deref(),
        Some("ci-runner"),
        "the change was not sent"
    );
    let (tone, text) = message(&h);
    assert_eq!(tone, Tone::Error);
    assert!(
        text.contains("s3:PutObject") || text.contains("journal"),
        "{text}"
    );
    // Only reads went out meanwhile (the poll), no change.
    assert!(h.account.calls() > calls);
}
