#!/usr/bin/env python3
"""The oracle for rolecall's risk ranking: cloudsplaining scans every AWS
managed policy moto ships (moto.iam.aws_managed_policies) and prints, as JSON,
each policy with a finding: its document, the privilege-escalation methods
cloudsplaining finds (each a list of actions, lowercase) and the actions that
expose credentials. Both are findings on `Resource: *` (cloudsplaining's
"unrestricted" actions)."""
import json
import logging

logging.disable(logging.CRITICAL)

from cloudsplaining.scan.policy_document import PolicyDocument
from moto.iam.aws_managed_policies import aws_managed_policies_data

out = []
policies = json.loads(aws_managed_policies_data)
for name, p in sorted(policies.items()):
    doc = p["Document"]
    pd = PolicyDocument(doc)
    privesc = [e["actions"] for e in pd.allows_privilege_escalation]
    creds = [a.lower() for a in pd.credentials_exposure]
    if privesc or creds:
        out.append({"name": name, "document": json.dumps(doc), "privesc": privesc, "credentials": creds})
print(json.dumps({"scanned": len(policies), "flagged": out}))
