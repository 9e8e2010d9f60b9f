import { createReadyzHandler } from '../../../src/functions/http/readyz';
import type { HttpEvent } from '../../../src/functions/http/http-types';
import { silentLog } from '../../support/in-memory-stores';

const event = { requestContext: { requestId: 'r-1' } } as unknown as HttpEvent;
const ready = (probeStore: () => Promise<unknown>, probeBroker: () => Promise<unknown>) =>
  createReadyzHandler(() => ({ probeStore, probeBroker, log: () => silentLog }))(event);

describe('GET /readyz', () => {
  it('given the store and the broker answer, is 200 ready with nothing down', async () => {
    const res = await ready(async () => undefined, async () => new Map());
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '')).toMatchObject({ ready: true, down: [], checks: { store: { ok: true }, broker: { ok: true } } });
  });

  it('given the broker refuses, is 503 naming the broker, with no text of the failure', async () => {
    const res = await ready(async () => undefined, async () => Promise.reject(new Error('Connection error: ECONNREFUSED 127.0.0.1:9800')));
    expect(res.statusCode).toBe(503);
    const body = JSON.parse(res.body ?? '');
    expect(body).toMatchObject({ ready: false, down: ['broker'], checks: { store: { ok: true }, broker: { ok: false, error: 'it failed (Error)' } } });
    expect(res.body).not.toContain('ECONNREFUSED');
  });

  it('given the store does not answer within the check timeout, is 503 naming the store', async () => {
    jest.useFakeTimers();
    try {
      const pending = ready(() => new Promise(() => undefined), async () => undefined);
      await jest.advanceTimersByTimeAsync(2001);
      const res = await pending;
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(res.body ?? '')).toMatchObject({ down: ['store'], checks: { store: { ok: false, error: 'no answer within 2000 ms' } } });
    } finally {
      jest.useRealTimers();
    }
  });
});
