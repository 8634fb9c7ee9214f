#!/usr/bin/env python3
"""Writes assets/demo/fleet.json: the demo account rolecall --demo starts with.

Deterministic (fixed seed), so re-running it gives the same file.
"""
import json
import random
import pathlib

rng = random.Random(20261122)

profiles = [
    ("web-frontend", "/", "web-frontend-role"),
    ("api-server", "/", "api-server"),
    ("payments-api", "/service/", "PaymentsServiceRole"),
    ("ledger-writer", "/service/", "LedgerWriterRole"),
    ("batch-worker", "/", "batch-worker"),
    ("etl-runner", "/data/", "DataPipelineRole"),
    ("kafka-broker", "/", "kafka-broker"),
    ("search-node", "/", "OpenSearchNodeRole"),
    ("bastion", "/ops/", "BastionSSMRole"),
    ("ci-runner", "/ci/", "GitHubActionsRunnerRole"),
    ("monitoring-agent", "/", "CloudWatchAgentServerRole"),
    ("ssm-managed", "/", "AmazonSSMRoleForInstancesQuickSetup"),
    ("readonly-debug", "/ops/", "ReadOnlyDebugRole"),
    ("break-glass-admin", "/ops/", "BreakGlassAdmin"),
    ("image-builder", "/", "EC2ImageBuilderRole"),
    ("ml-training", "/data/", "SageMakerStyleTrainingRole"),
    ("legacy-app", "/", "legacy-app"),
    ("cache-node", "/", "cache-node"),
    ("mail-relay", "/service/", "SESRelayRole"),
    ("empty-profile", "/", None),
    # Q in the TUI puts instances here during an incident (its role denies everything).
    ("incident-quarantine", "/security/", "IncidentQuarantineDenyAll"),
]

apps = [
    ("web", "web-frontend", "t3.large"),
    ("api", "api-server", "m6i.large"),
    ("payments-api", "payments-api", "m6i.xlarge"),
    ("ledger", "ledger-writer", "r6i.large"),
    ("batch", "batch-worker", "c6i.2xlarge"),
    ("etl", "etl-runner", "m6i.2xlarge"),
    ("kafka", "kafka-broker", "r6i.xlarge"),
    ("search", "search-node", "r6g.large"),
    ("bastion", "bastion", "t3.micro"),
    ("ci-runner", "ci-runner", "c6i.large"),
    ("grafana", "monitoring-agent", "t3.medium"),
    ("ml-train", "ml-training", "g5.xlarge"),
    ("legacy-crm", "legacy-app", "m5.large"),
    ("redis", "cache-node", "r6g.large"),
    ("smtp", "mail-relay", "t3.small"),
]

regions = {"us-east-1": 36, "eu-west-1": 28, "ap-southeast-2": 16}
envs = ["prod", "prod", "prod", "staging", "dev"]

out = {
    "account": "210987654321",
    "caller_arn": "arn:aws:sts::210987654321:assumed-role/OnCallOperator/alex@example.com",
    "profiles": [
        {"name": n, "path": p, "role": r} for (n, p, r) in profiles
    ],
    "regions": {},
}
counter = 0
special = {5: "pending", 17: "terminated"}
for region, count in regions.items():
    items = []
    for k in range(count):
        app, profile, itype = apps[rng.randrange(len(apps))]
        env = envs[rng.randrange(len(envs))]
        state = "stopped" if rng.random() < 0.12 else "running"
        state = special.get(counter, state)
        iid = "i-0" + "".join(rng.choice("0123456789abcdef") for _ in range(16))
        has_profile = rng.random() < 0.62 and state != "terminated"
        if has_profile and rng.random() < 0.1:
            profile = rng.choice(["ssm-managed", "readonly-debug", "monitoring-agent"])
        items.append({
            "id": iid,
            "name": f"{app}-{env}-{region.split('-')[0]}{k % 9 + 1:02d}" if rng.random() > 0.05 else None,
            "state": state,
            "type": itype,
            "profile": profile if has_profile else None,
            "tags": {"env": env, "team": app.split("-")[0]},
        })
        counter += 1
    out["regions"][region] = items

path = pathlib.Path(__file__).resolve().parent.parent / "assets" / "demo" / "fleet.json"
path.write_text(json.dumps(out, indent=1) + "\n")
n = sum(len(v) for v in out["regions"].values())
a = sum(1 for v in out["regions"].values() for i in v if i["profile"])
print(f"wrote {path}: {n} instances, {a} associated, {len(profiles)} profiles")
