// A workflow for the seeds' events-and-parameters handler (index.ts, verbatim) to start: it
// reads the event the way the page describes.
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from "cloudflare:workers";

interface YourEventType {
  url: string;
  createdTimestamp: number;
}

export class MyWorkflow extends WorkflowEntrypoint<Env, YourEventType> {
  async run(event: WorkflowEvent<YourEventType>, step: WorkflowStep) {
    const seen = await step.do("my first step", async () => {
      return {
        url: event.payload.url,
        createdTimestamp: event.payload.createdTimestamp,
        eventTimestampIsDate: event.timestamp instanceof Date,
        instanceId: event.instanceId,
      };
    });
    // Changes to the event are not persisted: the payload stays as it was created.
    (event.payload as any).url = "changed";
    return seen;
  }
}
