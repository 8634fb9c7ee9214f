//! One behaviour suite, two backends: every test here runs on the SDK adapter
//! against moto and on the in-memory account, so the two cannot drift apart.

use rolecall::aws::{AssociationState, ProfileRef};
use rolecall::cli;
use rolecall::core::error::Error as CliError;
use rolecall::core::inventory;
use rolecall::core::session::Session;

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
