// @ts-check
'use strict';
/**
 * Every replica consumes the log: the main replica (`main`, the table `<prefix>-leader`) and one
 * follower per entry of the stage's `followers` param (REPLOG_FOLLOWERS syntax). The leader is a
 * role one replica holds at a time (the control state says which), and the replica holding it
 * skips what it already committed. Each replica gets its apply function, its role (it may write
 * only its own table, and only its own progress items in the control table), its Kafka event
 * source mapping with its own consumer group, and its alarms; its table is in tables.js.
 * Its role: its own table, its own progress and fence items in the control table, the control
 * item's creation on a fresh stack, reads of the control table, its Kafka source.
 * serverless v3 has no loops, so serverless.yml includes `functions` and `resources` from here.
 * The logical ids are those of the followers-only template (FollowerRole<Id>, …), with `Main` for
 * the main replica, so a redeploy replaces nothing.
 */
const { normalizedFunctionName, pascal, stageSettings, StageConfigError, stopOnRefusal, tableArn } = require('./stage-config');
const { lambdaTrustPolicy, logStatement, networkStatement } = require('./iam-statements');

/** The longest Lambda function name AWS accepts. */
const MAX_FUNCTION_NAME = 64;

/** @param {string} id */
const functionKey = (id) => `apply-${id}`;

/**
 * The main replica first, then the followers in priority order: the config's replica ids (its
 * loadConfig refused a follower called `main`).
 * @param {import('./types').StageSettings} s
 * @returns {import('./types').ReplicaEntry[]}
 */
function replicaEntries(s) {
  /** @type {Map<string, string>} */
  const seen = new Map();
  const [main, ...followers] = s.config.replicas.ids;
  const replicas = [
    { id: /** @type {string} */ (main), delayMs: 0, main: true },
    ...followers.map((id) => ({ id, delayMs: s.config.followers.find((f) => f.id === id)?.delayMs ?? 0, main: false })),
  ];
  return replicas.map((r) => {
    const logical = pascal(r.id);
    if (seen.has(logical)) {
      throw new StageConfigError(`replog deployment settings: replicas ${seen.get(logical)} and ${r.id} would share CloudFormation ids; rename one`);
    }
    seen.set(logical, r.id);
    const key = functionKey(r.id);
    const name = s.functionName(key);
    if (name.length > MAX_FUNCTION_NAME) {
      throw new StageConfigError(`replog deployment settings: function name ${name} is longer than ${MAX_FUNCTION_NAME} characters; use a shorter follower id`);
    }
    const table = s.config.tables.replica(r.id);
    const tableLogicalId = r.main ? 'LeaderTable' : `FollowerTable${logical}`;
    const place = s.placement.replicas[r.id];
    if (!place) throw new Error(`no placement for replica ${r.id}`);
    return {
      id: r.id,
      main: r.main,
      syncCapable: r.delayMs === 0,
      key,
      name,
      logical,
      functionLogicalId: `${normalizedFunctionName(key)}LambdaFunction`,
      logGroupLogicalId: `${normalizedFunctionName(key)}LogGroup`,
      table,
      tableLogicalId,
      place,
      tableArn: tableArn(place, tableLogicalId, table),
      groupId: s.config.groupId(r.id),
    };
  });
}

/**
 * @param {import('./types').StageSettings} s
 * @param {import('./types').ReplicaEntry} f
 */
function applyFunction(s, f) {
  return {
    handler: 'src/functions/follower-apply.handler',
    description: `replog replica ${f.id}: applies ${s.config.topic} into ${f.table} (consumer group ${f.groupId})`,
    role: `FollowerRole${f.logical}`,
    timeout: 120,
    environment: { ...s.replicaEnvironment, REPLOG_FOLLOWER_ID: f.id, REPLOG_FOLLOWER_TABLE: f.table },
  };
}

/**
 * @param {import('./types').StageSettings} s
 * @param {import('./types').ReplicaEntry} f
 */
function followerRole(s, f) {
  const kafka = s.kafka;
  const controlArn = tableArn(s.placement.control, 'ControlTable', s.config.tables.control);
  /** @type {import('./types').IamStatement[]} */
  const statements = [
    logStatement(f.name),
    {
      // Applying is a version-conditional put (src/adapters/dynamodb/follower-table.ts); UpdateItem
      // for an apply that updates in place.
      Sid: 'OwnTableOnly',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: f.tableArn,
    },
    {
      // The control state (terms and their fences, the roster), apply progress, fences passed.
      Sid: 'ReadControl',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      Resource: controlArn,
    },
    {
      // A replica's own items in the control table: its apply progress, progress#<id>#<partition>
      // (src/adapters/dynamodb/progress-table.ts), the fences it passed, fences#<id>#<partition>
      // (fence-table.ts), and its applied records, applied#<id>#<partition>
      // (applied-record-table.ts, REPLOG_CONFIRM_FROM=applied-record). A replica may write its own
      // items only: no apply role can confirm for another follower.
      Sid: 'OwnProgressOnly',
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: controlArn,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`progress#${f.id}#*`, `fences#${f.id}#*`, `applied#${f.id}#*`] } },
    },
    {
      // Reading the roster creates the control item on a fresh stack (core/sync-roster.ts, a
      // put only if absent), and a replica's first batch may come before the first request.
      Sid: 'ControlItemWrite',
      Effect: 'Allow',
      Action: ['dynamodb:PutItem'],
      Resource: controlArn,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['control'] } },
    },
  ];
  if (kafka.secretArn && kafka.eventSource !== 'none') {
    // The event source mapping reads the Kafka credentials with the function's role.
    statements.push({ Sid: 'KafkaCredentials', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: kafka.secretArn });
  }
  if (kafka.eventSource === 'msk') {
    statements.push({
      Sid: 'MskCluster',
      Effect: 'Allow',
      Action: ['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      Resource: /** @type {string} */ (kafka.mskClusterArn),
    });
  }
  if (kafka.vpc || kafka.eventSource === 'msk') statements.push(networkStatement());
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `replog replica ${f.id} (${s.stage}): its own table, its own progress and fence items, its Kafka source`,
      AssumeRolePolicyDocument: lambdaTrustPolicy(),
      Policies: [{ PolicyName: `replog-follower-${f.id}`, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}

/**
 * @param {import('./types').StageSettings} s
 * @param {import('./types').ReplicaEntry} f
 */
function eventSourceMapping(s, f) {
  const kafka = s.kafka;
  /** @type {{ Type: string; URI: string | undefined }[]} */
  const access = [];
  if (kafka.saslAccessType) access.push({ Type: kafka.saslAccessType, URI: kafka.secretArn });
  const common = {
    FunctionName: { 'Fn::GetAtt': [f.functionLogicalId, 'Arn'] },
    Topics: [s.config.topic],
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: s.follower.batchSize,
    // A sync-capable follower's commit is what a waiting write is acknowledged on: never batch-wait.
    MaximumBatchingWindowInSeconds: f.syncCapable ? 0 : s.follower.asyncWindow,
    Enabled: true,
  };
  /** @type {import('./types').CfnValue} */
  let source;
  if (kafka.eventSource === 'msk') {
    source = { EventSourceArn: kafka.mskClusterArn, AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: f.groupId } };
  } else {
    if (kafka.vpc) {
      for (const subnet of kafka.vpc.subnetIds) access.push({ Type: 'VPC_SUBNET', URI: `subnet:${subnet}` });
      for (const group of kafka.vpc.securityGroupIds) access.push({ Type: 'VPC_SECURITY_GROUP', URI: `security_group:${group}` });
    }
    source = {
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: kafka.brokers } },
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: f.groupId },
    };
  }
  return {
    Type: 'AWS::Lambda::EventSourceMapping',
    // The mapping validates its access with the role as soon as it is created.
    DependsOn: [`FollowerRole${f.logical}`],
    Properties: { ...common, ...source, ...(access.length > 0 ? { SourceAccessConfigurations: access } : {}) },
  };
}

/**
 * @param {import('./types').StageSettings} _s
 * @param {Record<string, import('./types').CfnValue>} props
 */
function alarm(_s, props) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ActionsEnabled: true,
      AlarmActions: [{ Ref: 'AlarmTopic' }],
      OKActions: [{ Ref: 'AlarmTopic' }],
      TreatMissingData: 'notBreaching',
      ...props,
    },
  };
}

/**
 * @param {import('./types').StageSettings} s
 * @param {import('./types').ReplicaEntry} f
 */
function followerAlarms(s, f) {
  return {
    [`FollowerLagAlarm${f.logical}`]: alarm(s, {
      AlarmDescription: `replog ${s.stage}: ${f.id} is more than ${s.follower.lagThreshold} records behind ${s.config.topic} (OffsetLag of its event source mapping)`,
      Namespace: 'AWS/Lambda',
      MetricName: 'OffsetLag',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: f.functionLogicalId } }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Threshold: s.follower.lagThreshold,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
    [`FollowerErrorsAlarm${f.logical}`]: alarm(s, {
      AlarmDescription: `replog ${s.stage}: ${f.id} keeps failing batches; its partitions do not advance until it succeeds`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: f.functionLogicalId } }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
    [`DeadLetterAlarm${f.logical}`]: alarm(s, {
      AlarmDescription: `replog ${s.stage}: ${f.id} sent records to ${s.config.deadLetterTopic} (replog dlq list shows them)`,
      Namespace: s.metricsNamespace,
      MetricName: 'RecordsDeadLettered',
      // Powertools Metrics adds the service dimension (src/observability/emf-metrics.ts).
      Dimensions: [
        { Name: 'service', Value: 'replog' },
        { Name: 'FollowerId', Value: f.id },
      ],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  };
}

module.exports = {
  replicaEntries,

  functions: stopOnRefusal(async (/** @type {import('./types').Resolvers} */ options) => {
    const s = await stageSettings(options);
    return Object.fromEntries(replicaEntries(s).map((f) => [f.key, applyFunction(s, f)]));
  }),

  resources: stopOnRefusal(async (/** @type {import('./types').Resolvers} */ options) => {
    const s = await stageSettings(options);
    /** @type {Record<string, import('./types').CfnValue>} */
    const resources = {};
    for (const f of replicaEntries(s)) {
      resources[`FollowerRole${f.logical}`] = followerRole(s, f);
      if (s.kafka.eventSource !== 'none') resources[`FollowerEventSource${f.logical}`] = eventSourceMapping(s, f);
      Object.assign(resources, followerAlarms(s, f));
    }
    return { Resources: resources };
  }),
};
