import { mergeMapping } from '../../../src/adapters/lambda/kafka-mappings';

/** The template properties infra/followers.js generates for a self-managed follower mapping. */
const TEMPLATE = {
  FunctionName: { 'Fn::GetAtt': ['ApplyDashfollowerDash1LambdaFunction', 'Arn'] },
  Topics: ['replog.changes'],
  StartingPosition: 'TRIM_HORIZON',
  BatchSize: 100,
  MaximumBatchingWindowInSeconds: 0,
  Enabled: true,
  SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: ['b-1.example:9096', 'b-2.example:9096'] } },
  SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'replog-follower-1' },
};
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:replog-local-apply-follower-1';

describe('mergeMapping', () => {
  it('takes every setting from the Lambda API when it returns them (as AWS does)', () => {
    const m = mergeMapping(
      'FollowerEventSourceFollower1',
      'uuid-1',
      {
        FunctionArn: FUNCTION_ARN,
        Topics: ['live.topic'],
        StartingPosition: 'LATEST',
        BatchSize: 7,
        MaximumBatchingWindowInSeconds: 2,
        State: 'Disabled',
        SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['live:9092'] } },
        SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'live-group' },
      },
      TEMPLATE,
    );
    expect(m).toMatchObject({
      topic: 'live.topic',
      groupId: 'live-group',
      bootstrapServers: ['live:9092'],
      batchSize: 7,
      batchingWindowSeconds: 2,
      startingPosition: 'LATEST',
      state: 'Disabled',
      source: { kind: 'self-managed' },
    });
    expect(Object.values(m.settingsFrom)).toEqual(['lambda', 'lambda', 'lambda', 'lambda', 'lambda', 'lambda']);
  });

  it('fills what an emulator’s Lambda API drops from the stack template, and says so', () => {
    // What ministack 1.5.33 returns: no Topics, endpoints or consumer group.
    const m = mergeMapping(
      'FollowerEventSourceFollower1',
      'uuid-1',
      { FunctionArn: FUNCTION_ARN, StartingPosition: 'TRIM_HORIZON', BatchSize: 100, State: 'Enabled', EventSourceArn: '' },
      TEMPLATE,
    );
    expect(m).toMatchObject({ topic: 'replog.changes', groupId: 'replog-follower-1', bootstrapServers: ['b-1.example:9096', 'b-2.example:9096'] });
    expect(m.settingsFrom).toMatchObject({ topic: 'template', groupId: 'template', bootstrapServers: 'template', batchSize: 'lambda', state: 'lambda' });
  });

  it('reads an MSK mapping’s cluster and consumer group', () => {
    const arn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/replog/abc-1';
    const m = mergeMapping(
      'FollowerEventSourceFollower2',
      'uuid-2',
      { FunctionArn: FUNCTION_ARN, EventSourceArn: arn, Topics: ['t'], StartingPosition: 'TRIM_HORIZON', AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'g2' } },
      {},
    );
    expect(m).toMatchObject({ source: { kind: 'msk', clusterArn: arn }, groupId: 'g2', bootstrapServers: [], batchSize: 100 });
  });

  it('uses the mapping’s UUID as its consumer group when none is configured, as Lambda does', () => {
    const m = mergeMapping('M', 'uuid-3', { FunctionArn: FUNCTION_ARN }, { ...TEMPLATE, SelfManagedKafkaEventSourceConfig: undefined });
    expect(m.groupId).toBe('uuid-3');
    expect(m.settingsFrom.groupId).toBe('default');
  });

  it('refuses a mapping that is missing what a poller needs, naming it', () => {
    expect(() => mergeMapping('M', 'uuid-4', { FunctionArn: FUNCTION_ARN }, { ...TEMPLATE, Topics: undefined, StartingPosition: undefined })).toThrow(
      /lacks exactly one topic \(Topics\), a StartingPosition/,
    );
    expect(() => mergeMapping('Q', 'uuid-5', { FunctionArn: FUNCTION_ARN, EventSourceArn: 'arn:aws:sqs:us-east-1:1:q' }, {})).toThrow(/not a Kafka mapping/);
  });
});
