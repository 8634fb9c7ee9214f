#!/usr/bin/env python3
"""Seeds a moto server with boto3, from a JSON spec on stdin; prints what it made.

spec: {"account": "111111111111" (optional: seed that account, through AssumeRole),
       "buckets": ["team-journal"] (optional: S3 buckets to create),
       "organization": ["dev", "prod"] (optional: create an organization and
                        these member accounts; their ids are printed as "accounts"),
       "profiles": [{"name": "web", "role": "web-role", "path": "/"}],
       "regions": {"us-east-1": [{"name": "web-1", "profile": "web", "state": "stopped"}]}}
prints: {"profiles": {"web": "arn:..."}, "instances": {"us-east-1": ["i-..."]}}

With a second argument `fleet`, reads instead, through boto3 (the check of an
end-to-end test): spec {"account": (optional), "regions": ["us-east-1"],
"roles": ["web-role"]}; prints {"profiles": {"i-...": "web" or null},
"role_policies": {"web-role": ["inline policy names"]}}.
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
spec = json.load(sys.stdin)
kw = dict(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
out = {"profiles": {}, "instances": {}}
if spec.get("organization") is not None:
    org = boto3.client("organizations", region_name="us-east-1", **kw)
    try:
        org.create_organization(FeatureSet="ALL")
    except org.exceptions.AlreadyInOrganizationException:
        pass
    out["accounts"] = {}
    for name in spec["organization"]:
        status = org.create_account(Email=name + "@example.com", AccountName=name)["CreateAccountStatus"]
        out["accounts"][name] = status["AccountId"]
if spec.get("account"):
    # moto scopes the credentials AssumeRole returns to the role's account.
    sts = boto3.client("sts", region_name="us-east-1", **kw)
    creds = sts.assume_role(RoleArn="arn:aws:iam::%s:role/seed" % spec["account"],
                            RoleSessionName="seed")["Credentials"]
    kw = dict(endpoint_url=endpoint, aws_access_key_id=creds["AccessKeyId"],
              aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
iam = boto3.client("iam", region_name="us-east-1", **kw)
if len(sys.argv) > 2 and sys.argv[2] == "objects":
    # The team journal's objects: {"bucket": B, "prefix": P} -> {"records": [...]}.
    s3 = boto3.client("s3", region_name="us-east-1", **kw)
    records = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=spec["bucket"], Prefix=spec.get("prefix", "")):
        for o in page.get("Contents", []):
            body = s3.get_object(Bucket=spec["bucket"], Key=o["Key"])["Body"].read()
            records.append({"key": o["Key"], "record": json.loads(body)})
    json.dump({"records": records}, sys.stdout)
    sys.exit(0)
if len(sys.argv) > 2 and sys.argv[2] == "fleet":
    fleet = {"profiles": {}, "role_policies": {}}
    for region in spec["regions"]:
        ec2 = boto3.client("ec2", region_name=region, **kw)
        for r in ec2.describe_instances()["Reservations"]:
            for i in r["Instances"]:
                fleet["profiles"][i["InstanceId"]] = None
        for a in ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"]:
            if a["State"] == "associated":
                fleet["profiles"][a["InstanceId"]] = a["IamInstanceProfile"]["Arn"].rsplit("/", 1)[-1]
    for role in spec.get("roles", []):
        fleet["role_policies"][role] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    json.dump(fleet, sys.stdout)
    sys.exit(0)
for b in spec.get("buckets", []):
    boto3.client("s3", region_name="us-east-1", **kw).create_bucket(Bucket=b)
for p in spec.get("profiles", []):
    path = p.get("path", "/")
    arn = iam.create_instance_profile(InstanceProfileName=p["name"], Path=path)["InstanceProfile"]["Arn"]
    if p.get("role"):
        iam.create_role(RoleName=p["role"], Path=path, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }))
        iam.add_role_to_instance_profile(InstanceProfileName=p["name"], RoleName=p["role"])
        # Optional policies: {"managed": {NAME: DOC}, "inline": {NAME: DOC}, "boundary": DOC}
        for name, doc in p.get("managed", {}).items():
            arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=p["role"], PolicyArn=arn)
        for name, doc in p.get("inline", {}).items():
            iam.put_role_policy(RoleName=p["role"], PolicyName=name, PolicyDocument=json.dumps(doc))
        if p.get("boundary"):
            arn = iam.create_policy(PolicyName=p["role"] + "-boundary",
                                   PolicyDocument=json.dumps(p["boundary"]))["Policy"]["Arn"]
            iam.put_role_permissions_boundary(RoleName=p["role"], PermissionsBoundary=arn)
    out["profiles"][p["name"]] = arn
for region, instances in spec.get("regions", {}).items():
    ec2 = boto3.client("ec2", region_name=region, **kw)
    ids = []
    remaining = len(instances)
    while remaining > 0:
        n = min(remaining, 100)
        r = ec2.run_instances(ImageId="ami-12c6146b", MinCount=n, MaxCount=n, InstanceType="t3.micro")
        ids.extend(i["InstanceId"] for i in r["Instances"])
        remaining -= n
    for iid, inst in zip(ids, instances):
        if inst.get("name") is not None:
            ec2.create_tags(Resources=[iid], Tags=[{"Key": "Name", "Value": inst["name"]}])
        if inst.get("profile"):
            ec2.associate_iam_instance_profile(InstanceId=iid, IamInstanceProfile={"Name": inst["profile"]})
        if inst.get("state") == "stopped":
            ec2.stop_instances(InstanceIds=[iid])
    # Instances in an Auto Scaling group ("group": NAME): the group is made
    # empty, then they are attached to it.
    groups = {}
    for iid, inst in zip(ids, instances):
        if inst.get("group"):
            groups.setdefault(inst["group"], []).append(iid)
    if groups:
        asg = boto3.client("autoscaling", region_name=region, **kw)
        for name, members in groups.items():
            asg.create_launch_configuration(LaunchConfigurationName=name + "-lc",
                                            ImageId="ami-12c6146b", InstanceType="t3.micro")
            asg.create_auto_scaling_group(AutoScalingGroupName=name, LaunchConfigurationName=name + "-lc",
                                          MinSize=0, MaxSize=10, DesiredCapacity=0,
                                          AvailabilityZones=[region + "a"])
            asg.attach_instances(InstanceIds=members, AutoScalingGroupName=name)
    out["instances"][region] = ids
json.dump(out, sys.stdout)
