import { maintenanceTarget } from '../../../src/cli/command-runtime';

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
