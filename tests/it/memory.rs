//! The in-memory account's own behaviour: transitions on its clock, AWS's rules
//! that moto does not emulate, latency and injected faults.

use std::sync::Arc;
use std::time::Duration;

use rolecall::aws::faults::{FaultPlan, Op};
use rolecall::aws::memory::{Latency, ManualClock, MemoryAccount, MemoryOptions};
use rolecall::aws::{AssociationState, Cloud, ErrorKind, InstanceState, ProfileRef};
use rolecall::core::plan::current_association;

use crate::backends::{fleet_from_spec, standard_spec};

struct Fixture {
    account: MemoryAccount,
    clock: Arc<ManualClock>,
    web1: String,
    web2: String,
    stopped: String,
}

fn fixture() -> Fixture {
    let fleet = fleet_from_spec(&standard_spec());
    let clock = Arc::new(ManualClock::new());
    let account = MemoryAccount::new(&fleet, MemoryOptions::test(clock.clone()));
    let id = |n: &str| {
        fleet.regions["us-east-1"]
            .iter()
            .find(|i| i.name.as_deref() == Some(n))
            .unwrap()
            .id
            .clone()
    };
    Fixture {
        web1: id("web-1"),
        web2: id("web-2"),
        stopped: id("stopped-1"),
        account,
        clock,
    }
}

fn web() -> ProfileRef {
    ProfileRef::Name("web".into())
}

async fn state_of(f: &Fixture, instance: &str) -> Vec<(String, AssociationState)> {
    f.account
        .associations("us-east-1")
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.instance_id == instance)
        .map(|a| (a.id, a.state))
        .collect()
}

#[tokio::test]
async fn associate_settles_after_the_delay() {
    let f = fixture();
    let a = f
        .account
        .associate("us-east-1", &f.web2, &web())
        .await
        .unwrap();
    assert_eq!(a.state, AssociationState::Associating);
    assert!(a.timestamp.is_some());
    f.clock.advance(Duration::from_secs(3));
    assert_eq!(
        state_of(&f, &f.web2).await,
        vec![(a.id.clone(), AssociationState::Associating)]
    );
    f.clock.advance(Duration::from_secs(1));
    assert_eq!(
        state_of(&f, &f.web2).await,
        vec![(a.id, AssociationState::Associated)]
    );
}

#[tokio::test]
async fn replace_answers_a_new_id_and_retires_the_old_one() {
    let f = fixture();
    let old = state_of(&f, &f.web1).await[0].0.clone();
    let new = f
        .account
        .replace("us-east-1", &old, &ProfileRef::Name("batch".into()))
        .await
        .unwrap();
    assert_ne!(new.id, old, "AWS answers a new association id");
    assert_eq!(new.state, AssociationState::Associating);
    let now = state_of(&f, &f.web1).await;
    assert!(
        now.contains(&(old.clone(), AssociationState::Disassociating)),
        "{now:?}"
    );
    assert!(
        now.contains(&(new.id.clone(), AssociationState::Associating)),
        "{now:?}"
    );
    let all = f.account.associations("us-east-1").await.unwrap();
    assert_eq!(current_association(&all, &f.web1).unwrap().id, new.id);
    f.clock.advance(Duration::from_secs(4));
    let now = state_of(&f, &f.web1).await;
    assert!(
        now.contains(&(old.clone(), AssociationState::Disassociated)),
        "{now:?}"
    );
    assert!(
        now.contains(&(new.id.clone(), AssociationState::Associated)),
        "{now:?}"
    );
    f.clock.advance(Duration::from_secs(3));
    assert_eq!(
        state_of(&f, &f.web1).await,
        vec![(new.id, AssociationState::Associated)]
    );
}

#[tokio::test]
async fn disassociate_goes_through_disassociated_then_away() {
    let f = fixture();
    let id = state_of(&f, &f.web1).await[0].0.clone();
    let a = f.account.disassociate("us-east-1", &id).await.unwrap();
    assert_eq!(a.state, AssociationState::Disassociating);
    f.clock.advance(Duration::from_secs(4));
    assert_eq!(
        state_of(&f, &f.web1).await,
        vec![(id.clone(), AssociationState::Disassociated)]
    );
    f.clock.advance(Duration::from_secs(3));
    assert_eq!(state_of(&f, &f.web1).await, vec![]);
    let e = f.account.disassociate("us-east-1", &id).await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidAssociationID.NotFound"));
}

#[tokio::test]
async fn replace_on_a_stopped_instance_is_refused_like_aws() {
    let f = fixture();
    let id = state_of(&f, &f.stopped).await[0].0.clone();
    let e = f
        .account
        .replace("us-east-1", &id, &web())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("IncorrectState"));
    assert!(
        e.message.contains("is not the active association"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn associate_needs_a_running_or_stopped_instance() {
    let f = fixture();
    f.account
        .set_instance_state("us-east-1", &f.web2, InstanceState::Pending);
    let e = f
        .account
        .associate("us-east-1", &f.web2, &web())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("IncorrectInstanceState"));
    f.account
        .set_instance_state("us-east-1", &f.web2, InstanceState::Stopped);
    assert!(
        f.account
            .associate("us-east-1", &f.web2, &web())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn unknown_profile_is_invalid_parameter_value() {
    let f = fixture();
    let e = f
        .account
        .associate("us-east-1", &f.web2, &ProfileRef::Name("ghost".into()))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterValue"));
    assert!(
        e.message.contains("Invalid IAM Instance Profile name"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn throttles_every_nth_call() {
    let f = fixture();
    f.account.set_faults(FaultPlan {
        throttle_every: Some(3),
        ..FaultPlan::default()
    });
    let before = f.account.calls();
    let mut results = Vec::new();
    for _ in 0..6 {
        results.push(
            f.account
                .regions()
                .await
                .map_err(|e| e.code().map(str::to_string)),
        );
    }
    let throttled: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.as_ref().err() == Some(&Some("RequestLimitExceeded".to_string())))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(throttled.len(), 2, "{results:?}");
    assert_eq!(f.account.calls() - before, 6);
    let e = {
        f.account.set_faults(FaultPlan {
            throttle_every: Some(1),
            ..FaultPlan::default()
        });
        f.account.instances("us-east-1").await.unwrap_err()
    };
    assert!(e.is_throttling());
    assert!(e.sentence().contains("throttling"), "{}", e.sentence());
}

#[tokio::test]
async fn fails_a_named_operation_with_a_code() {
    let f = fixture();
    f.account.set_faults(FaultPlan {
        fail: vec![(Op::Associate, "UnauthorizedOperation".into())],
        ..FaultPlan::default()
    });
    let e = f
        .account
        .associate("us-east-1", &f.web2, &web())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnauthorizedOperation"));
    assert!(
        e.sentence().contains("ec2:AssociateIamInstanceProfile"),
        "{}",
        e.sentence()
    );
    assert!(
        f.account.instances("us-east-1").await.is_ok(),
        "other operations still work"
    );
}

#[tokio::test]
async fn unreachable_for_a_window_on_the_clock() {
    let f = fixture();
    f.account.set_faults(FaultPlan {
        unreachable: Some((Duration::from_secs(10), Duration::from_secs(5))),
        ..FaultPlan::default()
    });
    assert!(f.account.regions().await.is_ok());
    f.clock.advance(Duration::from_secs(11));
    let e = f.account.regions().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unreachable);
    f.clock.advance(Duration::from_secs(5));
    assert!(
        f.account.regions().await.is_ok(),
        "recovers when the window ends"
    );
}

// Paused tokio time: the sleeps are measured on tokio's clock, which only
// moves as they finish, so the test neither waits nor depends on the machine.
#[tokio::test(start_paused = true)]
async fn latency_delays_every_call() {
    let fleet = fleet_from_spec(&standard_spec());
    let mut options = MemoryOptions::test(Arc::new(ManualClock::new()));
    options.latency = Latency {
        min: Duration::from_millis(20),
        max: Duration::from_millis(40),
        seed: 7,
    };
    let account = MemoryAccount::new(&fleet, options);
    let start = tokio::time::Instant::now();
    account.regions().await.unwrap();
    account.regions().await.unwrap();
    let waited = start.elapsed();
    // Each call waited between min and max, on tokio's clock.
    assert!(
        waited >= Duration::from_millis(40) && waited <= Duration::from_millis(80),
        "{waited:?}"
    );
}
