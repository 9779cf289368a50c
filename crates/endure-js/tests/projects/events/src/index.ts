export default {
async fetch(req: Request, env: Env) {
let someEvent = { url: req.url, createdTimestamp: Date.now() }
// Trigger our Workflow
// Pass our event as the second parameter to the `create` method
// on our Workflow binding.
let instance = await env.MY_WORKFLOW.create({
id: await crypto.randomUUID(),
params: someEvent
});
return Response.json({
id: instance.id,
details: await instance.status(),
});
return Response.json({ result });
},
};
