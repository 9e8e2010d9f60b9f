import { prettyLine, resolveLogFormat } from '../../../src/observability/logger';

const at = new Date(Date.UTC(2024, 4, 1, 12, 0, 1, 234));

describe('readable log lines', () => {
  it('given auto, is pretty for a terminal and JSON for pipes, files and Lambda', () => {
    expect(resolveLogFormat('auto', { isTTY: true }, false)).toBe('pretty');
    expect(resolveLogFormat('auto', { isTTY: false }, false)).toBe('json');
    expect(resolveLogFormat('auto', { isTTY: true }, true)).toBe('json');
    expect(resolveLogFormat('pretty', { isTTY: false }, false)).toBe('pretty');
    expect(resolveLogFormat('json', { isTTY: true }, false)).toBe('json');
  });

  it('given a warning with an Error and its cause, writes one line with time, level, component, message and fields', () => {
    const error = new Error('The coordinator is not aware of this member', { cause: new Error('UNKNOWN_MEMBER_ID') });
    error.name = 'KafkaJSNonRetriableError';
    expect(prettyLine('WARN', 'follower:follower-2', 'follower consumer failed; rejoining its group', { groupId: 'replog-follower-2', attempt: 1, error }, at)).toBe(
      '12:00:01.234  WARN   follower:follower-2  follower consumer failed; rejoining its group  groupId=replog-follower-2  attempt=1  error=KafkaJSNonRetriableError: The coordinator is not aware of this member ← Error: UNKNOWN_MEMBER_ID',
    );
  });

  it('given an error, adds its stack below the line; strings with spaces are quoted', () => {
    const line = prettyLine('ERROR', 'http', 'request failed', { route: 'PUT /items/{key}', error: new TypeError('x is not a function') }, at);
    const [first, ...stack] = line.split('\n');
    expect(first).toBe('12:00:01.234  ERROR  http  request failed  route="PUT /items/{key}"  error=TypeError: x is not a function');
    expect(stack.length).toBeGreaterThan(0);
    expect(stack.every((l) => l.startsWith('    at '))).toBe(true);
  });
});
