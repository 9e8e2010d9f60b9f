/**
 * infra/'s generators, called as serverless calls them (resolveVariable, resolveConfigurationProperty),
 * for the settings the packaged stages do not cover: MSK, a VPC, a delayed follower, and refusals.
 */
import { join } from 'node:path';
import { WATCH_REPORT_KEY } from '../../../src/adapters/dynamodb/watch-report-table';

interface Resolvers {
  resolveVariable: (address: string) => Promise<unknown>;
  resolveConfigurationProperty: (path: string[]) => Promise<unknown>;
}
type InfraGenerator = (r: Resolvers) => Promise<Record<string, unknown>>;
interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

const infra = join(__dirname, '..', '..', '..', 'infra');
const followers = require(join(infra, 'followers.js')) as { functions: InfraGenerator; resources: InfraGenerator };
const iam = require(join(infra, 'iam.js')) as { resources: InfraGenerator };
const tables = require(join(infra, 'tables.js')) as { resources: InfraGenerator };
const stageConfig = require(join(infra, 'stage-config.js')) as { vpc: InfraGenerator; kafkaSaslUsername: (r: Resolvers) => Promise<string> };

const MSK_ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/replog/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab-1';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_replog-AbCdEf';

let stageCounter = 0;

/** serverless.yml's custom.replicaEnvironment, as its params render it. */
const REPLICA_ENV_PARAMS: Record<string, string> = {
  REPLOG_LEADER_REPLICA: 'leaderReplica',
  REPLOG_REPLICA_REGIONS: 'replicaRegions',
  REPLOG_REPLICA_ENDPOINTS: 'replicaEndpoints',
  REPLOG_CONTROL_REGION: 'controlRegion',
  REPLOG_CONTROL_ENDPOINT: 'controlEndpoint',
  REPLOG_CONTROL_TTL_MS: 'controlTtlMs',
  REPLOG_LEADER_WAIT_MS: 'leaderWaitMs',
};

function resolvers(params: Record<string, string>, env: Record<string, string> = {}): Resolvers {
  // The generators cache per stage, so every case gets a stage of its own.
  const stage = `t${++stageCounter}`;
  const all: Record<string, string> = {
    kafkaEventSource: 'msk',
    kafkaBrokers: 'b-1.msk.example:9096,b-2.msk.example:9096',
    kafkaSaslMechanism: 'scram-sha-512',
    kafkaSecretArn: SECRET_ARN,
    mskClusterArn: MSK_ARN,
    vpcSubnetIds: 'subnet-a,subnet-b',
    vpcSecurityGroupIds: 'sg-1',
    followerBatchSize: '50',
    asyncBatchingWindowSeconds: '2',
    followerLagAlarmThreshold: '500',
    tableDeletionPolicy: 'Retain',
    apiKeySecret: '',
    kafkaSecretVersionId: '',
    leaderReplica: 'main',
    replicaRegions: '',
    replicaEndpoints: '',
    controlRegion: '',
    controlEndpoint: '',
    controlTtlMs: '',
    leaderWaitMs: '',
    leaderFailureMs: '',
    leaderProbeMs: '',
    autoFailover: 'true',
    ...params,
  };
  return {
    resolveVariable: async (address) => {
      if (address === 'sls:stage') return stage;
      if (address.startsWith('param:')) return all[address.slice(6)];
      throw new Error(`unexpected variable ${address}`);
    },
    resolveConfigurationProperty: async (path) => {
      if (path.join('.') === 'service') return 'replog';
      if (path.join('.') === 'provider.region') return 'eu-west-1';
      if (path.join('.') === 'custom.replicaEnvironment') {
        return Object.fromEntries(Object.entries(REPLICA_ENV_PARAMS).map(([variable, param]) => [variable, all[param]]));
      }
      if (path.join('.') === 'custom.watchdogEnvironment') {
        return { REPLOG_LEADER_FAILURE_MS: all.leaderFailureMs, REPLOG_LEADER_PROBE_MS: all.leaderProbeMs, REPLOG_AUTO_FAILOVER: all.autoFailover };
      }
      if (path.join('.') === 'provider.environment') {
        return {
          REPLOG_TABLE_PREFIX: `replog-${stage}`,
          REPLOG_FOLLOWERS: 'follower-1,follower-2,archive@delay=1h',
          KAFKA_BROKERS: all.kafkaBrokers,
          KAFKA_SASL_MECHANISM: all.kafkaSaslMechanism,
          KAFKA_SASL_USERNAME: 'from-secret',
          KAFKA_SASL_PASSWORD: 'from-secret',
          ...env,
        };
      }
      throw new Error(`unexpected property ${path.join('.')}`);
    },
  };
}

const resourcesOf = async (r: Resolvers) => (await followers.resources(r)).Resources as Record<string, CfnResource>;

describe('infra generators', () => {
  it('given MSK, maps each follower to the cluster ARN with its own consumer group and SASL/SCRAM', async () => {
    const resources = await resourcesOf(resolvers({}));
    expect(resources.FollowerEventSourceFollower2?.Properties).toMatchObject({
      EventSourceArn: MSK_ARN,
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'replog-follower-2' },
      SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: SECRET_ARN }],
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 50,
    });
    expect(resources.FollowerEventSourceFollower2?.Properties.SelfManagedEventSource).toBeUndefined();
  });

  it('given a delayed follower, only the sync-capable followers skip the batching window', async () => {
    const resources = await resourcesOf(resolvers({}));
    expect(resources.FollowerEventSourceFollower1?.Properties.MaximumBatchingWindowInSeconds).toBe(0);
    expect(resources.FollowerEventSourceFollower2?.Properties.MaximumBatchingWindowInSeconds).toBe(0);
    expect(resources.FollowerEventSourceArchive?.Properties.MaximumBatchingWindowInSeconds).toBe(2);
  });

  it('given MSK in a VPC, lets the follower role describe the cluster and manage network interfaces', async () => {
    const resources = await resourcesOf(resolvers({}));
    const policies = resources.FollowerRoleArchive?.Properties.Policies as { PolicyDocument: { Statement: { Sid: string; Resource: unknown }[] } }[];
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.find((s) => s.Sid === 'MskCluster')?.Resource).toBe(MSK_ARN);
    expect(statements.find((s) => s.Sid === 'KafkaCredentials')?.Resource).toBe(SECRET_ARN);
    expect(statements.map((s) => s.Sid)).toContain('VpcNetworking');
    expect(await stageConfig.vpc(resolvers({}))).toEqual({ subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] });
  });

  it('given self-managed brokers in a VPC, puts the subnets and security groups on the mapping', async () => {
    const resources = await resourcesOf(resolvers({ kafkaEventSource: 'self-managed' }));
    expect(resources.FollowerEventSourceFollower1?.Properties.SourceAccessConfigurations).toEqual([
      { Type: 'SASL_SCRAM_512_AUTH', URI: SECRET_ARN },
      { Type: 'VPC_SUBNET', URI: 'subnet:subnet-a' },
      { Type: 'VPC_SUBNET', URI: 'subnet:subnet-b' },
      { Type: 'VPC_SECURITY_GROUP', URI: 'security_group:sg-1' },
    ]);
  });

  it('given kafkaEventSource none, generates followers without event source mappings', async () => {
    const resources = await resourcesOf(resolvers({ kafkaEventSource: 'none' }));
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')).toEqual([]);
    expect(Object.keys(await followers.functions(resolvers({ kafkaEventSource: 'none' })))).toEqual([
      'apply-main',
      'apply-follower-1',
      'apply-follower-2',
      'apply-archive',
    ]);
  });

  it('gives every HTTP role network permissions only when the functions join a VPC', async () => {
    const sids = async (r: Resolvers) => {
      const roles = (await iam.resources(r)).Resources as Record<string, CfnResource>;
      const policies = roles.PutItemRole?.Properties.Policies as { PolicyDocument: { Statement: { Sid: string }[] } }[];
      return policies.flatMap((p) => p.PolicyDocument.Statement.map((s) => s.Sid));
    };
    expect(await sids(resolvers({}))).toContain('VpcNetworking');
    expect(await sids(resolvers({ vpcSubnetIds: '', vpcSecurityGroupIds: '' }))).not.toContain('VpcNetworking');
  });

  it.each([
    [{ kafkaBrokers: '' }, /kafkaBrokers is empty/],
    [{ kafkaSecretArn: 'replog/kafka' }, /kafkaSecretArn must be the full ARN/],
    [{ mskClusterArn: '' }, /mskClusterArn must be an MSK cluster ARN/],
    [{ kafkaSaslMechanism: 'plain' }, /MSK event sources authenticate with scram-sha-512/],
    [{ kafkaEventSource: 'kinesis' }, /kafkaEventSource must be one of/],
    [{ vpcSecurityGroupIds: '' }, /go together/],
    [{ followerBatchSize: '0' }, /followerBatchSize/],
  ])('refuses %j with a message naming the setting', async (params, message) => {
    await expect(resourcesOf(resolvers(params))).rejects.toThrow(message);
  });

  it('refuses a table deletion policy other than Retain or Delete', async () => {
    await expect(tables.resources(resolvers({ tableDeletionPolicy: 'Snapshot' }))).rejects.toThrow(/tableDeletionPolicy/);
  });

  it('given a follower and the control store in other regions, creates neither table and names their ARNs there', async () => {
    const r = () => resolvers({ replicaRegions: 'follower-2=us-east-2', controlRegion: 'us-west-2', controlEndpoint: 'https://dynamodb.us-west-2.amazonaws.com' });
    const { Resources: tableResources, Outputs: outputs } = (await tables.resources(r())) as { Resources: Record<string, CfnResource>; Outputs: Record<string, unknown> };
    expect(Object.keys(tableResources).sort()).toEqual(['FollowerTableArchive', 'FollowerTableFollower1', 'LeaderTable']);
    expect(outputs.ControlTableName).toEqual({ Description: expect.stringMatching(/in us-west-2, not created by this stack/), Value: 'replog-t' + stageCounter + '-control' });
    expect(outputs.FollowerTableFollower2Name).toMatchObject({ Value: `replog-t${stageCounter}-follower-follower-2` });
    const arnIn = (region: string, table: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:${region}:`, { Ref: 'AWS::AccountId' }, `:table/replog-t${stageCounter}-${table}`]],
    });
    const roles = (await resourcesOf(r())) as Record<string, CfnResource>;
    const statements = (id: string) => {
      const policies = (roles[id]?.Properties.Policies ?? []) as { PolicyDocument: { Statement: { Sid: string; Resource: unknown }[] } }[];
      return policies.flatMap((p) => p.PolicyDocument.Statement);
    };
    expect(statements('FollowerRoleFollower2').find((st) => st.Sid === 'OwnTableOnly')?.Resource).toEqual(arnIn('us-east-2', 'follower-follower-2'));
    expect(statements('FollowerRoleFollower2').find((st) => st.Sid === 'ReadControl')?.Resource).toEqual(arnIn('us-west-2', 'control'));
    expect(statements('FollowerRoleFollower1').find((st) => st.Sid === 'OwnTableOnly')?.Resource).toEqual({ 'Fn::GetAtt': ['FollowerTableFollower1', 'Arn'] });
    const iamRoles = (await iam.resources(r())).Resources as Record<string, CfnResource>;
    const putPolicies = (iamRoles.PutItemRole?.Properties.Policies ?? []) as { PolicyDocument: { Statement: { Sid: string; Resource: unknown }[] } }[];
    const put = putPolicies.flatMap((p) => p.PolicyDocument.Statement);
    expect(put.find((st) => st.Sid === 'ReplicaTables')?.Resource).toEqual([
      { 'Fn::GetAtt': ['LeaderTable', 'Arn'] },
      { 'Fn::GetAtt': ['FollowerTableFollower1', 'Arn'] },
      arnIn('us-east-2', 'follower-follower-2'),
      { 'Fn::GetAtt': ['FollowerTableArchive', 'Arn'] },
    ]);
    expect(put.find((st) => st.Sid === 'ControlRead')?.Resource).toEqual(arnIn('us-west-2', 'control'));
    const fns = (await followers.functions(r())) as Record<string, { environment: Record<string, string> }>;
    expect(fns['apply-follower-2']?.environment).toMatchObject({
      REPLOG_FOLLOWER_ID: 'follower-2',
      REPLOG_REPLICA_REGIONS: 'follower-2=us-east-2',
      REPLOG_CONTROL_REGION: 'us-west-2',
      REPLOG_CONTROL_ENDPOINT: 'https://dynamodb.us-west-2.amazonaws.com',
      REPLOG_LEADER_REPLICA: 'main',
    });
  });

  it('keeps a replica named in replicaRegions with the stack’s own region in the stack', async () => {
    const { Resources: tableResources } = (await tables.resources(resolvers({ replicaRegions: 'main=eu-west-1', controlRegion: 'eu-west-1' }))) as {
      Resources: Record<string, CfnResource>;
    };
    expect(Object.keys(tableResources)).toEqual(expect.arrayContaining(['LeaderTable', 'ControlTable']));
  });

  // The runtime's config module reads the placement (src/config/replica-settings.ts), so the deploy refuses what the functions would.
  it.each([
    [{ replicaRegions: 'follower-9=us-east-2' }, /REPLOG_REPLICA_REGIONS: follower-9 is not a replica \(replicas: main, follower-1, follower-2, archive\)/],
    [{ replicaRegions: 'follower-1' }, /REPLOG_REPLICA_REGIONS: follower-1 has no value/],
    [{ replicaRegions: 'follower-1=us-east-2,follower-1=us-west-2' }, /REPLOG_REPLICA_REGIONS names follower-1 twice/],
    [{ replicaRegions: 'follower-1=Frankfurt' }, /REPLOG_REPLICA_REGIONS: follower-1: must be an AWS region name/],
    [{ replicaEndpoints: 'main=dynamodb.local' }, /REPLOG_REPLICA_ENDPOINTS: main: must be an http\(s\) URL/],
    [{ controlRegion: 'witness' }, /REPLOG_CONTROL_REGION/],
    [{ controlEndpoint: 'not a url' }, /REPLOG_CONTROL_ENDPOINT/],
    [{ leaderReplica: 'follower-7' }, /REPLOG_LEADER_REPLICA: follower-7 is not a replica/],
    [{ leaderReplica: 'archive' }, /REPLOG_LEADER_REPLICA: archive is a delayed replica/],
    [{ controlTtlMs: '5' }, /REPLOG_CONTROL_TTL_MS/],
    [{ leaderWaitMs: '60000' }, /REPLOG_LEADER_WAIT_MS/],
  ])('refuses the replica placement %j with the config module’s message', async (params, message) => {
    await expect(resourcesOf(resolvers(params))).rejects.toThrow(/^replog deployment settings: the function environment is not valid: /);
    await expect(resourcesOf(resolvers(params))).rejects.toThrow(message);
  });

  it('refuses a follower called main, the main replica’s id', async () => {
    await expect(resourcesOf(resolvers({}, { REPLOG_FOLLOWERS: 'follower-1,main' }))).rejects.toThrow(/REPLOG_FOLLOWERS: main is the leader table's replica/);
  });

  it('refuses an environment the runtime would refuse, with the config module’s message', async () => {
    await expect(resourcesOf(resolvers({}, { REPLOG_FOLLOWERS: 'Bad_Id' }))).rejects.toThrow(/REPLOG_FOLLOWERS/);
  });

  it.each([
    [{ leaderFailureMs: '50' }, /REPLOG_LEADER_FAILURE_MS: must be a whole number from 200 to 600000, got "50"/],
    [{ autoFailover: 'maybe' }, /REPLOG_AUTO_FAILOVER/],
  ])('refuses watchdog settings %j the watchdog would refuse', async (params, message) => {
    await expect(resourcesOf(resolvers(params))).rejects.toThrow(message);
  });

  it('gives the watchdog role GetItem on the replica tables, and of the control table only reads and its two items', async () => {
    const roles = (await iam.resources(resolvers({ vpcSubnetIds: '', vpcSecurityGroupIds: '' }))).Resources as Record<string, CfnResource>;
    const policies = roles.LeaderWatchdogRole?.Properties.Policies as { PolicyDocument: { Statement: { Sid: string; Action: string[]; Condition?: unknown }[] } }[];
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.map((st) => [st.Sid, st.Action, st.Condition])).toEqual([
      ['OwnLogGroup', ['logs:CreateLogStream', 'logs:PutLogEvents'], undefined],
      ['ReplicaTables', ['dynamodb:GetItem'], undefined],
      ['ControlRead', ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], undefined],
      ['ControlItemWrite', ['dynamodb:PutItem'], { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['control'] } }],
      ['WatchReportWrite', ['dynamodb:PutItem'], { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [WATCH_REPORT_KEY] } }],
    ]);
  });

  it('reads the Kafka credentials through CloudFormation dynamic references, never itself', async () => {
    expect(await stageConfig.kafkaSaslUsername(resolvers({}))).toBe(`{{resolve:secretsmanager:${SECRET_ARN}:SecretString:username}}`);
    expect(await stageConfig.kafkaSaslUsername(resolvers({ kafkaSaslMechanism: '', kafkaEventSource: 'self-managed' }))).toBe('');
    expect(await stageConfig.kafkaSaslUsername(resolvers({ kafkaSecretVersionId: 'v-2' }))).toBe(
      `{{resolve:secretsmanager:${SECRET_ARN}:SecretString:username::v-2}}`,
    );
  });
});
