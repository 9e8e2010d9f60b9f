import { formatAckMode, parseAckMode } from '../../../src/core/ack-mode';
import { ValidationError } from '../../../src/core/errors';

describe('ack modes', () => {
  it.each(['async', 'semi-sync', 'sync', 'quorum:1', 'quorum:2', 'quorum:12'])('parses and formats %s', (raw) => {
    expect(formatAckMode(parseAckMode(raw))).toBe(raw);
  });

  it.each(['', 'SYNC', 'semisync', 'quorum', 'quorum:0', 'quorum:-1', 'quorum:1.5', 'quorum:1000', 'quorum:01'])('rejects %j', (raw) => {
    expect(() => parseAckMode(raw)).toThrow(ValidationError);
  });
});
