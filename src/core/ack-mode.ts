import { ValidationError } from './errors';

/**
 * How much replication a write waits for before it is acknowledged (DESIGN.md's table).
 * `quorum` counts followers only; the leader's own copy is implied by every mode.
 */
export type AckMode =
  | { kind: 'async' }
  | { kind: 'semi-sync' }
  | { kind: 'sync' }
  | { kind: 'quorum'; k: number };

export function parseAckMode(raw: string): AckMode {
  switch (raw) {
    case 'async':
    case 'semi-sync':
    case 'sync':
      return { kind: raw };
  }
  const quorum = /^quorum:([1-9][0-9]{0,2})$/.exec(raw);
  if (quorum?.[1]) return { kind: 'quorum', k: Number(quorum[1]) };
  throw new ValidationError('BAD_QUERY', `ack must be async, semi-sync, sync or quorum:K (K ≥ 1), not ${JSON.stringify(raw)}`);
}

export function formatAckMode(mode: AckMode): string {
  return mode.kind === 'quorum' ? `quorum:${mode.k}` : mode.kind;
}
