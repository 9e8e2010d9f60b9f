import { loadConfig } from '../../../src/config/config';
import { ConfigError } from '../../../src/core/errors';

describe('configuration', () => {
  it('given no environment, uses the documented defaults', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(3000);
    expect(c.topic).toBe('replog.changes');
    expect(c.deadLetterTopic).toBe('replog.changes.dlq');
    expect(c.followers.map((f) => f.id)).toEqual(['follower-1', 'follower-2', 'follower-3']);
    expect(c.syncFollower).toBe('follower-1');
    expect(c.ack.defaultMode).toEqual({ kind: 'semi-sync' });
    expect(c.ack.onSyncTimeout).toBe('promote');
    expect(c.groupId('follower-2')).toBe('replog-follower-2');
    expect(c.tables).toMatchObject({ leader: 'replog-leader', control: 'replog-control' });
    expect(c.tables.follower('follower-3')).toBe('replog-follower-follower-3');
    expect(c.maxBodyBytes).toBe(256 * 1024);
  });

  it('parses followers with delays and honours an explicit sync follower', () => {
    const c = loadConfig({ REPLOG_FOLLOWERS: 'a,b,backup@delay=30s', REPLOG_SYNC_FOLLOWER: 'b' });
    expect(c.followers).toEqual([
      { id: 'a', delayMs: 0 },
      { id: 'b', delayMs: 0 },
      { id: 'backup', delayMs: 30_000 },
    ]);
    expect(c.syncFollower).toBe('b');
  });

  it('treats empty variables as unset, and says so for the roster', () => {
    expect(loadConfig({ PORT: '', REPLOG_TOPIC: '' }).http.port).toBe(3000);
    expect(loadConfig({ REPLOG_FOLLOWERS: '' }).followersFrom).toBe('default (REPLOG_FOLLOWERS is empty)');
    expect(loadConfig({}).followersFrom).toBe('default');
    expect(loadConfig({ REPLOG_FOLLOWERS: 'a' }).followersFrom).toBe('REPLOG_FOLLOWERS');
  });

  it.each([
    [{ PORT: 'abc' }, 'invalid configuration: PORT: must be a whole number from 0 to 65535, got "abc"'],
    [{ KAFKA_PORT: 'abc' }, 'invalid configuration: KAFKA_PORT: must be a whole number from 1 to 65535, got "abc"'],
    [{ KAFKA_PORT: '70000' }, 'invalid configuration: KAFKA_PORT: must be a whole number from 1 to 65535, got "70000"'],
    [{ REPLOG_STALL_MS: '2.5' }, 'invalid configuration: REPLOG_STALL_MS: must be a whole number of at least 100, got "2.5"'],
  ])('given %j, names the variable and the value given', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never repeats a secret in a message', () => {
    expect(() => loadConfig({ REPLOG_API_KEY: 'short-secret' })).toThrow(/^invalid configuration: REPLOG_API_KEY: [^"]*$/);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ REPLOG_ACK_MODE: 'quorum:0' }, /REPLOG_ACK_MODE/],
    [{ REPLOG_ON_SYNC_TIMEOUT: 'panic' }, /REPLOG_ON_SYNC_TIMEOUT/],
    [{ REPLOG_FOLLOWERS: 'Bad_Id' }, /REPLOG_FOLLOWERS/],
    [{ REPLOG_FOLLOWERS: 'a,a' }, /twice/],
    [{ REPLOG_FOLLOWERS: 'a@delay=soon' }, /unknown option/],
    [{ REPLOG_SYNC_FOLLOWER: 'ghost' }, /REPLOG_SYNC_FOLLOWER/],
    [{ REPLOG_FOLLOWERS: 'a,b@delay=1m', REPLOG_SYNC_FOLLOWER: 'b' }, /non-delayed/],
    [{ DYNAMODB_ENDPOINT: 'not a url' }, /DYNAMODB_ENDPOINT/],
    [{ REPLOG_API_KEY: 'short' }, /REPLOG_API_KEY/],
    [{ KAFKA_SASL_MECHANISM: 'plain' }, /KAFKA_SASL_USERNAME/],
    [{ REPLOG_TOPIC: 'has space' }, /REPLOG_TOPIC/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('progress flush interval', () => {
  it('defaults to a second and stays within a quarter of the stall threshold', () => {
    expect(loadConfig({}).progressFlushMs).toBe(1000);
    expect(loadConfig({ REPLOG_STALL_MS: '1000' }).progressFlushMs).toBe(250);
    expect(loadConfig({ REPLOG_PROGRESS_FLUSH_MS: '0' }).progressFlushMs).toBe(0);
  });
});

describe('outbox relay grace period', () => {
  it('defaults to the publish lease plus its margin, so the relay never takes a mark a writer may still publish', () => {
    expect(loadConfig({}).relay.graceMs).toBe(6000);
    expect(loadConfig({ REPLOG_PUBLISH_TIMEOUT_MS: '2000' }).relay.graceMs).toBe(3000);
    expect(loadConfig({ REPLOG_RELAY_GRACE_MS: '0' }).relay.graceMs).toBe(0);
  });
});
