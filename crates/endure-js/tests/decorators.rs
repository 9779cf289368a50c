//! TC39 (standard) decorators in a Worker written in TypeScript without
//! `experimentalDecorators`: class, method, getter, field, static field and auto-accessor
//! decorators, `addInitializer`, `context.access`, metadata, class replacement, decorated
//! classes as default exports, and a workflow whose steps go through a decorated method.

mod common;

use common::{Js, files};
use endure_js::Limits;
use serde_json::json;

const INDEX: &str = r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
import Tagged from './tagged';

const log: string[] = [];

function logged<T extends (...a: any[]) => any>(fn: T, ctx: ClassMethodDecoratorContext) {
  return function (this: unknown, ...args: any[]) {
    log.push(`call ${String(ctx.name)}`);
    return fn.apply(this, args);
  } as T;
}
function bound(fn: Function, ctx: ClassMethodDecoratorContext) {
  ctx.addInitializer(function (this: any) { this[ctx.name] = fn.bind(this); });
}
function doubled(_: undefined, ctx: ClassFieldDecoratorContext) {
  return (v: number) => v * 2;
}
function tag(label: string) {
  return (_: unknown, ctx: DecoratorContext) => { (ctx.metadata as any)[ctx.name as string] = label; };
}
function upper(get: () => string, ctx: ClassGetterDecoratorContext) {
  return function (this: unknown) { return get.call(this).toUpperCase(); };
}
function clamp(target: ClassAccessorDecoratorTarget<any, number>, ctx: ClassAccessorDecoratorContext) {
  return {
    set(this: any, v: number) { target.set.call(this, Math.min(v, 10)); },
    init(v: number) { return Math.min(v, 10); },
  };
}
function sealed<T extends new (...a: any[]) => any>(cls: T, ctx: ClassDecoratorContext) {
  log.push(`class ${ctx.name}`);
  return class Sealed extends cls { sealedBy = 'sealed'; };
}
function registered(cls: Function, ctx: ClassDecoratorContext) {
  ctx.addInitializer(function (this: Function) { log.push(`registered ${this.name}`); });
}

@sealed
@registered
class Counter {
  @doubled @tag('count') count: number = 5;
  @clamp accessor level = 50;
  @doubled static base = 21;
  private name: string;
  constructor(name: string) { this.name = name; }
  // Applied last to first: `bound` binds what `logged` made.
  @bound @logged
  describe(): string { return `${this.name}:${this.count}`; }
  @upper get shout(): string { return this.name; }
}

export class MyWorkflow extends WorkflowEntrypoint<any, any> {
  @logged
  async label(step: WorkflowStep, n: number) {
    return step.do(`label ${n}`, async () => `n=${n}`);
  }
  async run(event: WorkflowEvent<any>, step: WorkflowStep) {
    return [await this.label(step, 1), await this.label(step, 2)];
  }
}

export default {
  async fetch(): Promise<Response> {
    try {
      const c = new Counter('ann');
      const describe = c.describe;
      c.level = 99;
      const meta = (Counter as any)[Symbol.metadata];
      return Response.json({
        count: c.count,
        describeUnbound: describe(),
        level: c.level,
        levelInitial: new Counter('bo').level,
        base: (Counter as any).base,
        shout: c.shout,
        sealedBy: (c as any).sealedBy,
        metadata: meta && meta.count,
        tagged: new Tagged().hello(),
        taggedName: Tagged.name,
        log,
      });
    } catch (e) {
      return new Response(String((e as Error).stack || e), { status: 500 });
    }
  },
};
"#;

const TAGGED: &str = r#"
function greet(fn: Function, ctx: ClassMethodDecoratorContext) {
  return function (this: unknown) { return 'hello ' + fn.call(this); };
}
function named(cls: Function, ctx: ClassDecoratorContext) {
  ctx.metadata.kind = 'tagged';
}
export default @named class Tagged {
  @greet hello() { return 'world'; }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_decorators_in_a_worker_and_a_workflow() {
    let d = files(&[
        (
            "p/wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.ts",
                "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"}]}"#,
        ),
        (
            "p/tsconfig.json",
            r#"{"compilerOptions": {"target": "es2022"}}"#,
        ),
        ("p/src/index.ts", INDEX),
        ("p/src/tagged.ts", TAGGED),
    ]);
    let js = Js::start(d, "p", vec![], Limits::default()).await;
    let out = js.get_json("/").await;
    assert_eq!(
        out,
        json!({
            "count": 10, "describeUnbound": "ann:10", "level": 10, "levelInitial": 10,
            "base": 42, "shout": "ANN", "sealedBy": "sealed", "metadata": "count",
            "tagged": "hello world", "taggedName": "Tagged",
            // The class initializer sees the final class (the one `sealed` made).
            "log": ["class Counter", "registered Sealed", "call describe"],
        })
    );
    js.create("wf", "dec-1", json!({})).await;
    let doc = js.finish("wf", "dec-1", 1000).await;
    assert_eq!(doc["status"], "complete", "{doc}");
    assert_eq!(doc["output"], json!(["n=1", "n=2"]));
}
