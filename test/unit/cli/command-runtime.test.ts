import { maintenanceTarget, sharedStoreTarget } from '../../../src/cli/command-runtime';
import { statusBaseUrl } from '../../../src/cli/commands/status';

const dev = { pid: 1, dynamodb: 'http://127.0.0.1:4567', kafka: '127.0.0.1:9092' };

describe('where maintenance commands connect', () => {
  it('given an explicit DynamoDB endpoint, uses the configuration as it is', () => {
    expect(maintenanceTarget({ DYNAMODB_ENDPOINT: 'http://x:1', KAFKA_BROKERS: 'b:1' }, dev)).toBe('configured');
  });

  it('given a running replog dev and no broker or the same broker configured, uses its store and broker', () => {
    expect(maintenanceTarget({}, dev)).toBe('running-dev');
    expect(maintenanceTarget({ KAFKA_BROKERS: '127.0.0.1:9092' }, dev)).toBe('running-dev');
  });

  it('given nothing configured and no replog dev running, opens the store replog dev keeps on disk', () => {
    expect(maintenanceTarget({}, undefined)).toBe('local-disk');
  });

  it('given a broker but no endpoint (and no replog dev on that broker), uses AWS DynamoDB', () => {
    expect(maintenanceTarget({ KAFKA_BROKERS: 'b-1.msk:9096' }, undefined)).toBe('aws');
    expect(maintenanceTarget({ KAFKA_BROKERS: 'b-1.msk:9096' }, dev)).toBe('aws');
  });
});

describe('where replog serve and replog follower find their store', () => {
  it('given an explicit DynamoDB endpoint, uses it', () => {
    expect(sharedStoreTarget({ DYNAMODB_ENDPOINT: 'http://x:1' }, undefined)).toBe('configured');
  });

  it('given a replog dev running here on the configured broker (or none configured), joins its store', () => {
    expect(sharedStoreTarget({}, dev)).toBe('running-dev');
    expect(sharedStoreTarget({ KAFKA_BROKERS: '127.0.0.1:9092' }, dev)).toBe('running-dev');
  });

  it('given no endpoint and no replog dev to join, refuses: a private in-memory store could confirm writes the leader never sees', () => {
    expect(sharedStoreTarget({}, undefined)).toBe('refuse');
    expect(sharedStoreTarget({ KAFKA_BROKERS: 'b-1.msk:9096' }, undefined)).toBe('refuse');
    expect(sharedStoreTarget({ KAFKA_BROKERS: 'b-1.msk:9096' }, dev)).toBe('refuse');
  });
});

describe('which replog `replog status` asks', () => {
  const running = { ...dev, url: 'http://127.0.0.1:41234' };
  it('given --url or REPLOG_URL, uses that', () => {
    expect(statusBaseUrl('http://a:1', { REPLOG_URL: 'http://b:2' }, running)).toBe('http://a:1');
    expect(statusBaseUrl(undefined, { REPLOG_URL: 'http://b:2' }, running)).toBe('http://b:2');
  });

  it('given a replog dev running here, uses the URL it advertises, whatever its port', () => {
    expect(statusBaseUrl(undefined, { PORT: '3000' }, running)).toBe('http://127.0.0.1:41234');
  });

  it('given nothing running, asks PORT on localhost', () => {
    expect(statusBaseUrl(undefined, { PORT: '3100' }, undefined)).toBe('http://127.0.0.1:3100');
    expect(statusBaseUrl(undefined, {}, undefined)).toBe('http://127.0.0.1:3000');
  });
});
