// Cloudflare's official TypeScript/JavaScript client (the `cloudflare` package on npm) against
// Endure: only the base URL and the token differ from talking to Cloudflare.
// Usage: node cloudflare_npm.mjs http://127.0.0.1:PORT (after `npm install` in this folder).
import Cloudflare from 'cloudflare';
const base = process.argv[2];
const c = new Cloudflare({ apiToken: 'any-token', baseURL: base + '/client/v4', maxRetries: 0 });
const acct = 'acct-1';
const assert = (cond, msg) => { if (!cond) { console.error('FAILED: ' + msg); process.exit(1); } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function wait(wf, id, status) {
  for (let i = 0; i < 1500; i++) {
    const d = await c.workflows.instances.get(id, { account_id: acct, workflow_name: wf });
    if (d.status === status) return d;
    await sleep(20);
  }
  assert(false, `${wf}/${id} never became ${status}`);
}
const names = [];
for await (const w of c.workflows.list({ account_id: acct })) names.push(w.name);
assert(JSON.stringify(names) === JSON.stringify(['approval', 'my-workflow', 'steps']), 'list ' + names);
const created = await c.workflows.instances.create('steps', { account_id: acct, instance_id: 'js-1', params: { steps: 2 } });
assert(created.id === 'js-1' && created.status === 'queued', 'create ' + JSON.stringify(created));
const done = await wait('steps', 'js-1', 'complete');
assert(JSON.stringify(done.output) === '{"steps":2}', 'output ' + JSON.stringify(done.output));
const ids = [];
for await (const i of c.workflows.instances.list('steps', { account_id: acct, per_page: 1 })) ids.push(i.id);
assert(JSON.stringify(ids) === '["js-1"]', 'instances ' + ids);
await c.workflows.instances.create('approval', { account_id: acct, instance_id: 'js-a' });
await wait('approval', 'js-a', 'waiting');
const p = await c.workflows.instances.status.edit('js-a', { account_id: acct, workflow_name: 'approval', status: 'pause' });
assert(p.status === 'paused', 'pause ' + JSON.stringify(p));
await c.workflows.instances.status.edit('js-a', { account_id: acct, workflow_name: 'approval', status: 'resume' });
await c.workflows.instances.events.create('approval', { account_id: acct, workflow_name: 'approval', instance_id: 'js-a', body: { approved: true, by: 'js' } });
const a = await wait('approval', 'js-a', 'complete');
assert(a.output.by === 'js', 'approval ' + JSON.stringify(a.output));
try {
  await c.workflows.instances.create('steps', { account_id: acct, instance_id: 'js-1' });
  assert(false, 'duplicate accepted');
} catch (e) {
  assert(e instanceof Cloudflare.ConflictError, 'duplicate error type ' + e);
}
try {
  await c.workflows.instances.get('nope', { account_id: acct, workflow_name: 'steps' });
  assert(false, 'unknown found');
} catch (e) {
  assert(e instanceof Cloudflare.NotFoundError, 'not found error type ' + e);
}
const up = await c.workflows.update('js-flow', { account_id: acct, class_name: 'StepsWorkflow', script_name: 'js', limits: { steps: 4 } });
assert(up.name === 'js-flow' && up.class_name === 'StepsWorkflow', 'update ' + JSON.stringify(up));
await c.workflows.instances.create('js-flow', { account_id: acct, instance_id: 'jf-1', params: { steps: 1 } });
await wait('js-flow', 'jf-1', 'complete');
await c.workflows.delete('js-flow', { account_id: acct });
console.log('cloudflare npm client: all checks passed');
