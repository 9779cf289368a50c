"""Cloudflare's official Python client (the `cloudflare` package on PyPI) against Endure.

Only the base URL and the token differ from talking to Cloudflare. Exits non-zero, with the
failing check, if anything does not behave as it does against Cloudflare's API.
Usage: python3 cloudflare_python.py http://127.0.0.1:PORT
"""

import sys
import time

import cloudflare

base = sys.argv[1]
c = cloudflare.Cloudflare(api_token="any-token", base_url=base + "/client/v4", max_retries=0)
acct = "acct-1"


def wait(workflow, instance_id, status):
    for _ in range(1500):
        d = c.workflows.instances.get(instance_id, account_id=acct, workflow_name=workflow)
        if d.status == status:
            return d
        time.sleep(0.02)
    raise AssertionError(f"{workflow}/{instance_id} never became {status}, last {d.status}")


names = [w.name for w in c.workflows.list(account_id=acct)]
assert names == ["approval", "my-workflow", "steps"], names
assert c.workflows.get("steps", account_id=acct).name == "steps"
versions = list(c.workflows.versions.list("steps", account_id=acct))
assert len(versions) == 1 and versions[0].workflow_id == "steps", versions
assert c.workflows.versions.get(versions[0].id, account_id=acct, workflow_name="steps").id == versions[0].id

created = c.workflows.instances.create("steps", account_id=acct, instance_id="py-1", params={"steps": 2})
assert created.id == "py-1" and created.status == "queued", created
done = wait("steps", "py-1", "complete")
assert done.output == {"steps": 2}, done.output
assert len(done.steps) == 2, done.steps
assert done.trigger.source == "api", done.trigger

bulk = c.workflows.instances.bulk("steps", account_id=acct, body=[{"instance_id": "py-2", "params": {"steps": 1}}])
assert [i.id for i in bulk] == ["py-2"], bulk
listed = [i.id for i in c.workflows.instances.list("steps", account_id=acct, per_page=1)]
assert sorted(listed) == ["py-1", "py-2"], listed

c.workflows.instances.create("approval", account_id=acct, instance_id="py-a")
wait("approval", "py-a", "waiting")
assert c.workflows.instances.status.edit("py-a", account_id=acct, workflow_name="approval", status="pause").status == "paused"
c.workflows.instances.status.edit("py-a", account_id=acct, workflow_name="approval", status="resume")
c.workflows.instances.events.create("approval", account_id=acct, workflow_name="approval", instance_id="py-a", body={"approved": True, "by": "py"})
d = wait("approval", "py-a", "complete")
assert d.output["outcome"] == "carried out" and d.output["by"] == "py", d.output

try:
    c.workflows.instances.create("steps", account_id=acct, instance_id="py-1")
    raise AssertionError("a duplicate id was accepted")
except cloudflare.ConflictError as e:
    assert e.status_code == 409
try:
    c.workflows.instances.get("nope", account_id=acct, workflow_name="steps")
    raise AssertionError("an unknown instance was found")
except cloudflare.NotFoundError as e:
    assert e.status_code == 404
try:
    c.workflows.instances.create("steps", account_id=acct, instance_id="bad id")
    raise AssertionError("an invalid id was accepted")
except cloudflare.BadRequestError as e:
    assert e.status_code == 400

# Create or update a workflow (PUT), then delete it.
up = c.workflows.update(
    "py-flow", account_id=acct, class_name="StepsWorkflow", script_name="py",
    limits={"steps": 4}, default_retention={"success_retention": "2 days"},
)
assert up.name == "py-flow" and up.class_name == "StepsWorkflow" and up.script_name == "py", up
assert "py-flow" in [w.name for w in c.workflows.list(account_id=acct)]
v = list(c.workflows.versions.list("py-flow", account_id=acct))[0]
assert v.limits.steps == 4, v
c.workflows.instances.create("py-flow", account_id=acct, instance_id="pf-1", params={"steps": 1})
assert wait("py-flow", "pf-1", "complete").output == {"steps": 1}
try:
    c.workflows.update("py-flow", account_id=acct, class_name="NoSuchClass", script_name="py")
    raise AssertionError("an unknown class was accepted")
except cloudflare.BadRequestError as e:
    assert e.status_code == 400
c.workflows.delete("py-flow", account_id=acct)
assert "py-flow" not in [w.name for w in c.workflows.list(account_id=acct)]

print("cloudflare python client: all checks passed")
