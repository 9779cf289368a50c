// The seeds' parent/child sample (parent.js) with a child workflow for it to start.
import { WorkflowEntrypoint } from "cloudflare:workers";
export { ParentWorkflow } from "./parent.js";

export class ChildWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    return await step.do("process file", async () => ({ processed: event.payload.fileKey }));
  }
}
