import type { Readiness } from '../../api/status-schemas';
import type { Log } from '../../core/ports';
import { defaultRuntime } from '../runtime';
import { json, withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';

/** How long one dependency may take before it counts as down (kafkajs and the SDK would retry for longer). */
const CHECK_TIMEOUT_MS = 2000;

/** What readiness asks: the store writes commit to (found through the control store's view of who leads), and the broker. */
export interface ReadinessDeps {
  probeStore: () => Promise<unknown>;
  probeBroker: () => Promise<unknown>;
  log: (namespace: string) => Log;
}

type Check = Readiness['checks']['store'];

class CheckTimeout extends Error {}

async function probe(run: () => Promise<unknown>): Promise<{ check: Check; error?: unknown }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { check: { ok: true, ms: Date.now() - started } };
  } catch (error) {
    // The answer says what kind of failure it was, never the SDK's text (hosts, table names): the log has that.
    const why = error instanceof CheckTimeout ? error.message : `it failed (${error instanceof Error ? error.name : 'error'})`;
    return { check: { ok: false, ms: Date.now() - started, error: why }, error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /readyz: 200 when the store and the broker both answer, 503 naming which did not. Unlike
 * /healthz (liveness: the process runs, it touches nothing) it asks both, so a load balancer or
 * Kubernetes stops sending requests to a process that cannot commit or publish, without
 * restarting it.
 */
export const createReadyzHandler = (rt: () => ReadinessDeps): HttpHandler =>
  withHttpEdge(() => rt().log('http'), 'GET /readyz', async () => {
    const deps = rt();
    const [store, broker] = await Promise.all([probe(deps.probeStore), probe(deps.probeBroker)]);
    const down = (['store', 'broker'] as const).filter((d) => !(d === 'store' ? store : broker).check.ok);
    if (down.length > 0) deps.log('http').warn('not ready', { down, storeError: store.error, brokerError: broker.error });
    const body: Readiness = { ready: down.length === 0, checks: { store: store.check, broker: broker.check }, down: [...down] };
    return json(down.length === 0 ? 200 : 503, body, { 'cache-control': 'no-store' });
  });

/** The runtime's probes: a consistent read on the leading replica's table, and the topic's offsets from the broker. */
export const readinessOf = (rt: {
  currentLeaderStore: () => Promise<{ get: (key: string) => Promise<unknown> }>;
  admin: { endOffsets: () => Promise<unknown> };
  log: (namespace: string) => Log;
}): ReadinessDeps => ({
  probeStore: async () => (await rt.currentLeaderStore()).get('replog-readyz-probe'),
  probeBroker: () => rt.admin.endOffsets(),
  log: (namespace) => rt.log(namespace),
});

export const handler = createReadyzHandler(() => readinessOf(defaultRuntime()));
