// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- the host's entry points
  function receive(text) {
    const m = JSON.parse(text);
    switch (m.op) {
      case 'resolve': {
        const c = calls.get(m.id);
        if (!c) return;
        calls.delete(m.id);
        if (m.ok) c.resolve(m.value); else c.reject(toError(m.error));
        return;
      }
      case 'attempt': runAttempt(m); return;
      case 'delay': runDelay(m); return;
      case 'env': setupEnv(m); return;
      case 'start': startWorkflow(m); return;
      case 'fetch': startFetch(m); return;
      default: throw new Error(`unknown message ${m.op}`);
    }
  }

  const globals = {
    console, setTimeout, setInterval, clearTimeout, clearInterval: clearTimeout, queueMicrotask,
    structuredClone, TextEncoder, TextDecoder, atob, btoa, crypto, URL, URLSearchParams, Headers,
    Request, Response, fetch, AbortController, AbortSignal, ReadableStream, DOMException,
    NonRetryableError, process,
  };
  for (const k of Object.keys(globals)) {
    Object.defineProperty(globalThis, k, { value: globals[k], writable: true, configurable: true, enumerable: false });
  }
  globalThis.self = globalThis;
  Object.defineProperty(globalThis, '__endure_rt', {
    value: Object.freeze({
      receive, fireTimers, idleState: () => [nextTimer(), waitingUntil + calls.size], WorkflowEntrypoint, WorkerEntrypoint, DurableObject,
      NonRetryableError, EmailMessage, env, encode, decode, requireFile, cjsNames,
      node: { os: nodeOs, path: nodePath },
    }),
  });
})();
