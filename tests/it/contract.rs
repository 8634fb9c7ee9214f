//! One behaviour suite, two backends: every test here runs on the SDK adapter
//! against moto and on the in-memory account, so the two cannot drift apart.

use rolecall::aws::{AssociationState, ProfileRef};
use rolecall::cli;
use rolecall::core::error::Error as CliError;
use rolecall::core::inventory;
use rolecall::core::session::Session;
use serde_json::json;

use crate::backends::{World, standard_spec};
use crate::contract;

fn regions() -> Vec<String> {
    vec!["eu-west-1".to_string(), "us-east-1".to_string()]
}

fn session(w: &World) -> Session {
    Session::on(w.cloud.clone(), regions())
}

async fn profile_of(w: &World, name: &str) -> Option<(String, AssociationState)> {
    let rows = inventory::fetch(w.cloud.as_ref(), &regions())
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.instance.id == w.id(name)).unwrap();
    row.association
        .as_ref()
        .map(|a| (a.profile.name.clone(), a.state))
}

async fn list_joins_instances_and_associations(w: World) {
    let rows = inventory::fetch(w.cloud.as_ref(), &regions())
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.instance.region.clone(), r.instance.id.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "rows are sorted by region, then id");
    let by_name = |n: &str| {
        rows.iter()
            .find(|r| r.instance.name.as_deref() == Some(n))
            .unwrap()
    };
    assert_eq!(
        by_name("web-1").association.as_ref().unwrap().profile.name,
        "web"
    );
    assert_eq!(
        by_name("web-1").association.as_ref().unwrap().profile.arn,
        w.profiles["web"]
    );
    assert!(by_name("web-2").association.is_none());
    assert_eq!(by_name("api-1").instance.region, "eu-west-1");
    assert_eq!(by_name("stopped-1").instance.state.as_str(), "stopped");
    assert_eq!(
        by_name("api-1").association.as_ref().unwrap().state,
        AssociationState::Associated
    );
}
contract!(list_joins_instances_and_associations, standard_spec());

async fn profiles_carry_roles_and_paths(w: World) {
    let profiles = w.cloud.instance_profiles().await.unwrap();
    let api = profiles.iter().find(|p| p.name == "api").unwrap();
    assert_eq!(api.path, "/service/");
    assert_eq!(api.arn, w.profiles["api"]);
    assert_eq!(api.roles.len(), 1);
    assert_eq!(api.roles[0].name, "api-server-role");
    assert!(
        api.roles[0].arn.ends_with(":role/service/api-server-role"),
        "{}",
        api.roles[0].arn
    );
}
contract!(profiles_carry_roles_and_paths, standard_spec());

async fn associate_attaches_a_profile(w: World) {
    let a = w
        .cloud
        .associate(
            "us-east-1",
            &w.id("web-2"),
            &ProfileRef::Name("batch".into()),
        )
        .await
        .unwrap();
    assert_eq!(a.state, AssociationState::Associating);
    assert_eq!(a.profile.arn, w.profiles["batch"]);
    w.settle();
    assert_eq!(
        profile_of(&w, "web-2").await,
        Some(("batch".into(), AssociationState::Associated))
    );
}
contract!(associate_attaches_a_profile, standard_spec());

async fn second_association_is_refused(w: World) {
    let e = w
        .cloud
        .associate(
            "us-east-1",
            &w.id("web-1"),
            &ProfileRef::Name("batch".into()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("IncorrectState"));
    assert!(e.message.contains("existing association"), "{}", e.message);
    assert!(e.means_stale_view());
}
contract!(second_association_is_refused, standard_spec());

async fn replace_swaps_the_profile(w: World) {
    let rows = inventory::fetch(w.cloud.as_ref(), &regions())
        .await
        .unwrap();
    let current = rows
        .iter()
        .find(|r| r.instance.id == w.id("web-1"))
        .unwrap()
        .association
        .clone()
        .unwrap();
    let a = w
        .cloud
        .replace(
            "us-east-1",
            &current.id,
            &ProfileRef::Arn(w.profiles["api"].clone()),
        )
        .await
        .unwrap();
    assert_eq!(a.state, AssociationState::Associating);
    assert_eq!(a.instance_id, w.id("web-1"));
    w.settle();
    assert_eq!(
        profile_of(&w, "web-1").await,
        Some(("api".into(), AssociationState::Associated))
    );
}
contract!(replace_swaps_the_profile, standard_spec());

async fn disassociate_removes_the_profile(w: World) {
    let rows = inventory::fetch(w.cloud.as_ref(), &regions())
        .await
        .unwrap();
    let current = rows
        .iter()
        .find(|r| r.instance.id == w.id("api-1"))
        .unwrap()
        .association
        .clone()
        .unwrap();
    let a = w
        .cloud
        .disassociate("eu-west-1", &current.id)
        .await
        .unwrap();
    assert_eq!(a.id, current.id);
    w.settle();
    assert_eq!(profile_of(&w, "api-1").await, None);
}
contract!(disassociate_removes_the_profile, standard_spec());

async fn unknown_ids_get_aws_codes(w: World) {
    let e = w
        .cloud
        .disassociate("us-east-1", "iip-assoc-0123456789abcdef0")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidAssociationID.NotFound"));
    let e = w
        .cloud
        .replace(
            "us-east-1",
            "iip-assoc-0123456789abcdef0",
            &ProfileRef::Name("web".into()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidAssociationID.NotFound"));
    let e = w
        .cloud
        .associate(
            "us-east-1",
            "i-0123456789abcdef0",
            &ProfileRef::Name("web".into()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidInstanceID.NotFound"));
}
contract!(unknown_ids_get_aws_codes, standard_spec());

async fn set_associates_or_replaces(w: World) {
    let s = session(&w);
    let c = cli::set(&s, None, &w.id("web-2"), &ProfileRef::Name("web".into()))
        .await
        .unwrap();
    assert_eq!(c.action, "associate");
    assert_eq!(c.previous_profile_arn, None);
    let c = cli::set(&s, None, &w.id("web-1"), &ProfileRef::Name("batch".into()))
        .await
        .unwrap();
    assert_eq!(c.action, "replace");
    assert_eq!(
        c.previous_profile_arn.as_deref(),
        Some(w.profiles["web"].as_str())
    );
    assert_eq!(c.region, "us-east-1");
    w.settle();
    assert_eq!(profile_of(&w, "web-2").await.unwrap().0, "web");
    assert_eq!(profile_of(&w, "web-1").await.unwrap().0, "batch");
    // Nothing else changed.
    assert_eq!(profile_of(&w, "api-1").await.unwrap().0, "api");
    assert_eq!(profile_of(&w, "stopped-1").await.unwrap().0, "api");
}
contract!(set_associates_or_replaces, standard_spec());

async fn set_on_a_stopped_instance_detaches_then_associates(w: World) {
    let s = session(&w);
    let c = cli::set(
        &s,
        None,
        &w.id("stopped-1"),
        &ProfileRef::Name("web".into()),
    )
    .await
    .unwrap();
    assert_eq!(c.action, "associate");
    assert_eq!(
        c.previous_profile_arn.as_deref(),
        Some(w.profiles["api"].as_str())
    );
    w.settle();
    assert_eq!(profile_of(&w, "stopped-1").await.unwrap().0, "web");
}
contract!(
    set_on_a_stopped_instance_detaches_then_associates,
    standard_spec()
);

async fn set_to_the_current_profile_does_nothing(w: World) {
    let s = session(&w);
    let c = cli::set(&s, None, &w.id("web-1"), &ProfileRef::Name("web".into()))
        .await
        .unwrap();
    assert_eq!(c.action, "none");
    assert_eq!(profile_of(&w, "web-1").await.unwrap().0, "web");
}
contract!(set_to_the_current_profile_does_nothing, standard_spec());

async fn detach_removes_exactly_one_profile(w: World) {
    let s = session(&w);
    let c = cli::detach(&s, None, &w.id("web-1")).await.unwrap();
    assert_eq!(c.action, "disassociate");
    w.settle();
    assert_eq!(profile_of(&w, "web-1").await, None);
    assert_eq!(profile_of(&w, "api-1").await.unwrap().0, "api");
    let e = cli::detach(&s, None, &w.id("web-2")).await.unwrap_err();
    assert!(matches!(e, CliError::Usage(_)), "{e}");
    assert!(e.to_string().contains("no instance profile"), "{e}");
}
contract!(detach_removes_exactly_one_profile, standard_spec());

async fn bad_input_is_a_usage_error(w: World) {
    let s = session(&w);
    let e = cli::set(
        &s,
        None,
        "i-0123456789abcdef0",
        &ProfileRef::Name("web".into()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string()
            .contains("was not found in eu-west-1, us-east-1"),
        "{e}"
    );
    let e = cli::set(&s, None, &w.id("web-2"), &ProfileRef::Name("ghost".into()))
        .await
        .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string()
            .contains("instance profile 'ghost' does not exist"),
        "{e}"
    );
    assert_eq!(profile_of(&w, "web-2").await, None, "nothing changed");
}
contract!(bad_input_is_a_usage_error, standard_spec());

async fn a_roles_trust_policy_and_its_profiles_are_read(w: World) {
    let policies = w.cloud.role_policies("web-role").await.unwrap();
    let trust = policies
        .iter()
        .find(|p| p.kind == rolecall::core::policy::PolicyKind::Trust)
        .expect("the trust policy");
    let parsed = rolecall::core::policy::parse(trust);
    assert_eq!(parsed.unreadable, None, "{}", parsed.text);
    assert!(parsed.text.contains("ec2.amazonaws.com"), "{}", parsed.text);
    // The trust policy is not a permission.
    assert!(rolecall::core::policy::rows_of(&[parsed]).is_empty());
    let holders = w
        .cloud
        .instance_profiles_for_role("web-role")
        .await
        .unwrap();
    let names: Vec<&str> = holders.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web"]);
    let e = w.cloud.role_policies("no-such-role").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchEntity"), "{e:?}");
    assert_eq!(e.action, "iam:GetRole");
}
contract!(
    a_roles_trust_policy_and_its_profiles_are_read,
    standard_spec()
);

/// Containment and its release, on both backends: two instances of one role
/// contained (one in an Auto Scaling group, with --standby and --imdsv2),
/// the third on the role untouched; `release` puts every one back exactly.
async fn contain_and_release_put_everything_back(w: World) {
    use rolecall::core::contain;
    let s = session(&w);
    let cloud = w.cloud.clone();
    let (w1, w2, w3) = (w.id("c-1"), w.id("c-2"), w.id("c-3"));
    let region = "us-east-1";
    let names = |p: &[rolecall::aws::Policy]| -> Vec<String> {
        let mut n: Vec<String> = p
            .iter()
            .filter(|p| p.kind == rolecall::aws::PolicyKind::Inline)
            .map(|p| p.name.clone())
            .collect();
        n.sort();
        n
    };
    let before_policies = names(&cloud.role_policies("web-role").await.unwrap());
    let tags = |id: String| {
        let cloud = cloud.clone();
        async move {
            cloud
                .instances(region)
                .await
                .unwrap()
                .into_iter()
                .find(|i| i.id == id)
                .unwrap()
                .tags
        }
    };
    let tags_before = tags(w1.clone()).await;
    assert_eq!(cloud.http_tokens(region, &w1).await.unwrap(), "optional");
    let group = cloud.scaling_group(region, &w1).await.unwrap();
    assert_eq!(
        group,
        Some(("web-asg".to_string(), "InService".to_string()))
    );
    assert_eq!(cloud.scaling_group(region, &w2).await.unwrap(), None);

    let dir = tempfile::tempdir().unwrap();
    let journal = rolecall::core::journal::Journal::new(dir.path().join("j.jsonl"));
    let to = ProfileRef::parse("quarantine");
    let plan = contain::plan(
        &s,
        &[w1.clone(), w2.clone()],
        &contain::Options {
            case: "IR-T1",
            to: Some(&to),
            imdsv2: true,
            standby: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(plan.denies.len(), 1);
    assert_eq!(
        plan.denies[0].others,
        std::slice::from_ref(&w3),
        "c-3 keeps working"
    );
    let never = std::sync::atomic::AtomicBool::new(false);
    let steps = contain::run(&s, &plan, Some(&journal), &never).await;
    assert!(steps.iter().all(|st| st.ok), "{steps:#?}");
    // The deny names exactly the two contained instances.
    let policies = cloud.role_policies("web-role").await.unwrap();
    let deny = policies.iter().find(|p| p.name == contain::POLICY).unwrap();
    let arns = &contain::cases_in(&deny.document)[0].1;
    assert_eq!(arns.len(), 2);
    assert!(arns.iter().any(|a| a.ends_with(&w1)) && arns.iter().any(|a| a.ends_with(&w2)));
    assert!(!arns.iter().any(|a| a.ends_with(&w3)));
    if let Some(c) = &w.clock {
        c.advance(std::time::Duration::from_secs(60));
    }
    assert_eq!(profile_of(&w, "c-1").await.unwrap().0, "quarantine");
    assert_eq!(profile_of(&w, "c-2").await.unwrap().0, "quarantine");
    assert_eq!(profile_of(&w, "c-3").await.unwrap().0, "web");
    assert!(
        tags(w1.clone())
            .await
            .contains(&(contain::CASE_TAG.into(), "IR-T1".into()))
    );
    assert_eq!(cloud.http_tokens(region, &w1).await.unwrap(), "required");
    assert_eq!(
        cloud.scaling_group(region, &w1).await.unwrap().unwrap().1,
        "Standby"
    );
    // cases lists both.
    let (entries, _) = journal.read().await.unwrap();
    let cases = contain::cases(&entries);
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].instances.len(), 2);
    assert!(!cases[0].released);

    // release: every one back exactly.
    let steps = contain::release(
        &s,
        &journal,
        "IR-T1",
        false,
        false,
        std::time::Duration::from_secs(3),
    )
    .await
    .unwrap();
    assert!(steps.iter().all(|st| st.ok), "{steps:#?}");
    if let Some(c) = &w.clock {
        c.advance(std::time::Duration::from_secs(60));
    }
    for name in ["c-1", "c-2", "c-3"] {
        assert_eq!(profile_of(&w, name).await.unwrap().0, "web", "{name}");
    }
    assert_eq!(tags(w1.clone()).await, tags_before);
    assert_eq!(cloud.http_tokens(region, &w1).await.unwrap(), "optional");
    assert_eq!(
        cloud.scaling_group(region, &w1).await.unwrap(),
        Some(("web-asg".to_string(), "InService".to_string()))
    );
    assert_eq!(
        names(&cloud.role_policies("web-role").await.unwrap()),
        before_policies
    );
    let (entries, _) = journal.read().await.unwrap();
    assert!(contain::cases(&entries)[0].released);
    // A second release finds nothing left to do, and says so without error.
    let again = contain::release(
        &s,
        &journal,
        "IR-T1",
        false,
        false,
        std::time::Duration::from_secs(3),
    )
    .await
    .unwrap();
    assert!(again.iter().all(|st| st.ok), "{again:#?}");
}
contract!(
    contain_and_release_put_everything_back,
    json!({
        "profiles": [
            {"name": "web", "role": "web-role"},
            {"name": "quarantine", "role": "deny-role"}
        ],
        "regions": {"us-east-1": [
            {"name": "c-1", "profile": "web", "group": "web-asg"},
            {"name": "c-2", "profile": "web"},
            {"name": "c-3", "profile": "web"}
        ], "eu-west-1": []}
    })
);
