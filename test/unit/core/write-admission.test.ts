import { parseAckMode } from '../../../src/core/ack-mode';
import { initialControlState } from '../../../src/core/control-state';
import { admitWrite } from '../../../src/core/write-admission';

const state = initialControlState(
  [
    { id: 'f1', delayMs: 0 },
    { id: 'f2', delayMs: 0 },
    { id: 'f3', delayMs: 0 },
    { id: 'backup', delayMs: 3_600_000 },
  ],
  'f1',
  0,
);

describe('write admission against the roster', () => {
  it.each(['async', 'semi-sync', 'sync', 'quorum:1', 'quorum:3'])('given ack=%s and three followers that can confirm, admits the write', (mode) => {
    expect(() => admitWrite(parseAckMode(mode), state)).not.toThrow();
  });

  it('given a quorum larger than the followers that can confirm (a delayed one never does), refuses with 400 before anything is written', () => {
    expect(() => admitWrite(parseAckMode('quorum:4'), state)).toThrow(
      'ack=quorum:4 needs 4 followers that can confirm writes, but only 3 can (delayed followers never confirm); nothing was written',
    );
    expect(() => admitWrite(parseAckMode('quorum:9'), state)).toThrow(expect.objectContaining({ status: 400, code: 'BAD_QUERY' }));
  });
});
