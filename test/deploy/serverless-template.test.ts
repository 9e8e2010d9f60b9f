import { leaderTableDefinition, simpleTableDefinition } from '../../src/adapters/dynamodb/table-definitions';
import { WATCH_REPORT_KEY } from '../../src/adapters/dynamodb/watch-report-table';
import { loadConfig } from '../../src/config/config';
import { Runtime } from '../../src/functions/runtime';
import { SCHEDULE_MS } from '../../src/functions/scheduled-watchdog';
import { EXAMPLE_BROKERS, EXAMPLE_KAFKA_SECRET_ARN, STAGES } from './stages';
import { actionsOf, arnsOf, loadTemplate, ofType, type Resource, resourceIds, roleOf, type Statement, statementsOf, type Template } from './template';

/**
 * What `serverless package` produced for each stage (test/deploy/package-stages.ts ran it): the
 * functions, routes, tables, roles and event source mappings the deploy guide promises.
 */
const FOLLOWERS = ['follower-1', 'follower-2', 'follower-3'];
/** Every replica consumes the log, the main one (whose table is `<prefix>-leader`) included. */
const REPLICAS = ['main', ...FOLLOWERS];
const HTTP_FUNCTIONS: Record<string, string> = {
  putItem: 'src/functions/http/put-item.handler',
  deleteItem: 'src/functions/http/delete-item.handler',
  getItem: 'src/functions/http/get-item.handler',
  listItems: 'src/functions/http/list-items.handler',
  replicationStatus: 'src/functions/http/replication-status.handler',
  setSyncFollower: 'src/functions/http/set-sync-follower.handler',
  setLeader: 'src/functions/http/set-leader.handler',
  dashboard: 'src/functions/http/dashboard.handler',
  healthz: 'src/functions/http/healthz.handler',
  authorizer: 'src/functions/http/authorizer.handler',
  relay: 'src/functions/relay.handler',
  leaderWatchdog: 'src/functions/scheduled-watchdog.handler',
};
/** DESIGN.md's HTTP API, plus GET /items; the key-guarded routes go through the authorizer. */
const ROUTES: Record<string, 'authorizer' | 'open'> = {
  'PUT /items/{key}': 'authorizer',
  'DELETE /items/{key}': 'authorizer',
  'GET /items/{key}': 'open',
  'GET /items': 'open',
  'GET /replication/status': 'open',
  'POST /replication/sync-follower': 'authorizer',
  'POST /replication/leader': 'authorizer',
  'GET /dashboard': 'open',
  'GET /healthz': 'open',
};
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
/** The leader's item actions, on every replica table: the leader is a role any replica may hold. */
const LEADER_ITEMS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'];
/** The roles of the functions that may act as the leader, on whichever replica holds the role. */
const LEADER_ROLES = ['DeleteItemRole', 'PutItemRole', 'RelayRole', 'SetLeaderRole'];
const CONTROL_ITEM_ONLY = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['control'] } };
const WATCH_REPORT_ONLY = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [WATCH_REPORT_KEY] } };
const pascal = (id: string) => id.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
const tableIdOf = (replica: string) => (replica === 'main' ? 'LeaderTable' : `FollowerTable${pascal(replica)}`);
/** Where the packaging put the stack (test/deploy/stages.ts's packaging environment). */
const STACK_REGION = 'us-east-1';
/** serverless.yml's custom.replicaEnvironment: each variable, the param it comes from, and that param's default. */
const REPLICA_ENVIRONMENT: [variable: string, param: string, fallback: string][] = [
  ['REPLOG_LEADER_REPLICA', 'leaderReplica', 'main'],
  ['REPLOG_REPLICA_REGIONS', 'replicaRegions', ''],
  ['REPLOG_REPLICA_ENDPOINTS', 'replicaEndpoints', ''],
  ['REPLOG_CONTROL_REGION', 'controlRegion', ''],
  ['REPLOG_CONTROL_ENDPOINT', 'controlEndpoint', ''],
  ['REPLOG_CONTROL_TTL_MS', 'controlTtlMs', ''],
  ['REPLOG_LEADER_WAIT_MS', 'leaderWaitMs', ''],
];
/** The functions that touch a replica table or the control table, and so get the replica environment. */
const REPLICA_TOUCHING = ['putItem', 'deleteItem', 'getItem', 'listItems', 'replicationStatus', 'setSyncFollower', 'setLeader', 'relay', 'leaderWatchdog', ...REPLICAS.map((r) => `apply-${r}`)];
const variablesOf = (r: Resource) => (r.Properties.Environment as { Variables: Record<string, string> }).Variables;

describe.each(Object.values(STAGES))('serverless package --stage $stage', (stage) => {
  let t: Template;
  const config = loadConfig({ REPLOG_TABLE_PREFIX: `replog-${stage.stage}` });
  // Where this stage's packaging params put each table (the local stage: all in the stack).
  const regions = new Map((stage.params.replicaRegions ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
  const regionOf = (replica: string) => regions.get(replica) ?? STACK_REGION;
  const inStack = (replica: string) => regionOf(replica) === STACK_REGION;
  const tableName = (replica: string) => (replica === 'main' ? config.tables.leader : config.tables.follower(replica));
  const builtArn = (region: string, table: string) => `arn:<partition>:dynamodb:${region}:<account>:table/${table}`;
  /** A replica table as arnsOf renders it in a statement: its logical id, or its ARN in its own region. */
  const tableRef = (replica: string) => (inStack(replica) ? tableIdOf(replica) : builtArn(regionOf(replica), tableName(replica)));
  const controlRegion = stage.params.controlRegion ?? STACK_REGION;
  const controlInStack = controlRegion === STACK_REGION;
  const controlRef = controlInStack ? 'ControlTable' : builtArn(controlRegion, config.tables.control);
  const functions = () => new Map(ofType(t, 'AWS::Lambda::Function').map(([, r]) => [String(r.Properties.FunctionName), r]));
  const fn = (key: string): Resource => {
    const found = functions().get(`replog-${stage.stage}-${key}`);
    if (!found) throw new Error(`no function ${key}`);
    return found;
  };

  /** The schedule rule whose target is the function with this logical id. */
  const ruleOf = (functionId: string) =>
    ofType(t, 'AWS::Events::Rule')
      .map(([, r]) => r)
      .find((r) => (r.Properties.Targets as { Arn: unknown }[]).some((target) => resourceIds(target.Arn)[0] === functionId));

  beforeAll(() => {
    t = loadTemplate(stage.dir);
  });

  it('has every HTTP function, the authorizer, the relay, the leader’s watchdog and one apply function per replica (main included), on nodejs22.x', () => {
    const expected = [...Object.keys(HTTP_FUNCTIONS), ...REPLICAS.map((f) => `apply-${f}`)].map((k) => `replog-${stage.stage}-${k}`);
    expect([...functions().keys()].sort()).toEqual(expected.sort());
    for (const [key, handler] of Object.entries(HTTP_FUNCTIONS)) expect(fn(key).Properties.Handler).toBe(handler);
    for (const f of REPLICAS) {
      const props = fn(`apply-${f}`).Properties;
      expect(props.Handler).toBe('src/functions/follower-apply.handler');
      expect(roleOf(fn(`apply-${f}`))).toBe(`FollowerRole${pascal(f)}`);
      expect((props.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
        REPLOG_FOLLOWER_ID: f,
        REPLOG_FOLLOWER_TABLE: f === 'main' ? config.tables.leader : config.tables.follower(f),
      });
    }
    for (const r of functions().values()) expect(r.Properties.Runtime).toBe('nodejs22.x');
  });

  it('maps the stage params onto an environment the config module accepts', () => {
    const vars = (fn('putItem').Properties.Environment as { Variables: Record<string, string> }).Variables;
    const c = loadConfig(vars);
    expect(c.tables.leader).toBe(`replog-${stage.stage}-leader`);
    expect(c.followers.map((f) => f.id)).toEqual(FOLLOWERS);
    expect(c.topic).toBe('replog.changes');
    if (stage.stage === 'aws') {
      expect(c.kafka.brokers).toEqual(EXAMPLE_BROKERS);
      expect(c.kafka.ssl).toBe(true);
      expect(vars.KAFKA_SASL_PASSWORD).toBe(`{{resolve:secretsmanager:${EXAMPLE_KAFKA_SECRET_ARN}:SecretString:password}}`);
      expect(vars.REPLOG_API_KEY).toBe('{{resolve:secretsmanager:replog/aws/api-key}}');
    } else {
      expect(c.kafka.brokers).toEqual(['kafka:29092']);
      expect(c.kafka.sasl).toBeUndefined();
      expect(c.aws.dynamodbEndpoint).toBe('http://localhost.localstack.cloud:4566');
    }
    for (const key of ['apply-follower-1', 'relay', 'dashboard', 'healthz']) {
      expect((fn(key).Properties.Environment as { Variables: Record<string, string> }).Variables.REPLOG_API_KEY).toBeUndefined();
    }
  });

  it('passes the replica and control-store params to every function that touches a replica or the control table, and to no other', () => {
    const expected = Object.fromEntries(REPLICA_ENVIRONMENT.map(([variable, param, fallback]) => [variable, stage.params[param] ?? fallback]));
    for (const key of REPLICA_TOUCHING) {
      const vars = variablesOf(fn(key));
      expect({ key, vars: Object.fromEntries(REPLICA_ENVIRONMENT.map(([variable]) => [variable, vars[variable]])) }).toEqual({ key, vars: expected });
      // The whole environment is one the runtime's config accepts.
      expect(() => loadConfig(vars)).not.toThrow();
    }
    for (const key of ['dashboard', 'healthz', 'authorizer']) {
      const vars = variablesOf(fn(key));
      for (const [variable] of REPLICA_ENVIRONMENT) expect({ key, [variable]: vars[variable] }).toEqual({ key, [variable]: undefined });
    }
    if (stage.stage === 'aws') {
      expect(variablesOf(fn('putItem'))).toMatchObject({ REPLOG_REPLICA_REGIONS: 'follower-3=us-east-2', REPLOG_CONTROL_REGION: 'us-west-2' });
    } else {
      expect(variablesOf(fn('putItem'))).toMatchObject({ REPLOG_LEADER_REPLICA: 'main', REPLOG_REPLICA_REGIONS: '', REPLOG_CONTROL_ENDPOINT: '' });
    }
  });

  it('has one Kafka event source mapping per replica (main included): own consumer group, the topic, TRIM_HORIZON, no batching wait for sync-capable replicas', () => {
    const mappings = ofType(t, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
    expect(mappings).toHaveLength(REPLICAS.length);
    const groups = mappings.map((m) => (m.SelfManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId);
    expect(groups.sort()).toEqual(REPLICAS.map((f) => config.groupId(f)).sort());
    expect(groups).toContain('replog-main');
    expect(t.Resources.FollowerEventSourceMain?.DependsOn).toEqual(['FollowerRoleMain']);
    for (const f of REPLICAS) {
      const m = mappings.find((p) => resourceIds(p.FunctionName)[0] === `ApplyDash${f.replace(/-/g, 'Dash')}LambdaFunction`);
      expect(m).toMatchObject({
        Topics: ['replog.changes'],
        StartingPosition: 'TRIM_HORIZON',
        MaximumBatchingWindowInSeconds: 0,
        SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: config.groupId(f) },
      });
      if (stage.stage === 'aws') {
        expect(m?.SelfManagedEventSource).toEqual({ Endpoints: { KafkaBootstrapServers: EXAMPLE_BROKERS } });
        expect(m?.SourceAccessConfigurations).toEqual([{ Type: 'SASL_SCRAM_512_AUTH', URI: EXAMPLE_KAFKA_SECRET_ARN }]);
      } else {
        expect(m?.SelfManagedEventSource).toEqual({ Endpoints: { KafkaBootstrapServers: ['kafka:29092'] } });
        expect(m?.SourceAccessConfigurations).toBeUndefined();
      }
    }
  });

  it('has the tables of the replicas and the control store in the stack’s region: on-demand, point-in-time recovery, every replica table leader-shaped as the code defines it', () => {
    const tables = new Map(ofType(t, 'AWS::DynamoDB::Table').map(([id, r]) => [String(r.Properties.TableName), { id, r }]));
    const replicaTables = REPLICAS.filter(inStack).map(tableName);
    expect([...tables.keys()].sort()).toEqual([...(controlInStack ? [config.tables.control] : []), ...replicaTables].sort());
    for (const { r } of tables.values()) {
      expect(r.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(r.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(r.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      expect(r.DeletionPolicy).toBe(stage.stage === 'aws' ? 'Retain' : 'Delete');
      expect(r.UpdateReplacePolicy).toBe(r.DeletionPolicy);
    }
    // Any replica may become the leader, so every replica table has the leader's key and outbox index.
    for (const name of replicaTables) {
      const code = leaderTableDefinition(name);
      const props = tables.get(name)?.r.Properties ?? {};
      expect(props.KeySchema).toEqual(code.KeySchema);
      expect(new Set(props.AttributeDefinitions as unknown[])).toEqual(new Set(code.AttributeDefinitions));
      const [codeIndex] = code.GlobalSecondaryIndexes ?? [];
      expect(props.GlobalSecondaryIndexes).toEqual([{ IndexName: codeIndex?.IndexName, KeySchema: codeIndex?.KeySchema, Projection: codeIndex?.Projection }]);
      expect(props.GlobalSecondaryIndexes).toEqual([
        {
          IndexName: 'outbox',
          KeySchema: [
            { AttributeName: 'outboxShard', KeyType: 'HASH' },
            { AttributeName: 'outboxAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]);
    }
    for (const r of REPLICAS.filter(inStack)) expect(tables.get(tableName(r))?.id).toBe(tableIdOf(r));
    if (controlInStack) {
      const control = tables.get(config.tables.control);
      expect(control?.id).toBe('ControlTable');
      expect(control?.r.Properties.KeySchema).toEqual(simpleTableDefinition('x').KeySchema);
      expect(control?.r.Properties.GlobalSecondaryIndexes).toBeUndefined();
    }
    // A table this stack does not create is still named in the outputs, with where it must exist.
    const outputs = t.Outputs as Record<string, { Description: string; Value: unknown }>;
    for (const r of REPLICAS) {
      const output = outputs[`${tableIdOf(r)}Name`];
      if (inStack(r)) expect(output?.Value).toEqual({ Ref: tableIdOf(r) });
      else expect(output).toEqual({ Value: tableName(r), Description: expect.stringContaining(`in ${regionOf(r)}, not created by this stack`) });
    }
    if (controlInStack) expect(outputs.ControlTableName?.Value).toEqual({ Ref: 'ControlTable' });
    else expect(outputs.ControlTableName).toEqual({ Value: config.tables.control, Description: expect.stringContaining(`in ${controlRegion}, not created by this stack`) });
    if (stage.stage === 'aws') {
      expect(inStack('follower-3')).toBe(false);
      expect(controlInStack).toBe(false);
    }
  });

  it('gives every function its own role, and lets a replica apply function write only its own table and its own progress items', () => {
    const roles = [...functions().values()].map(roleOf);
    expect(new Set(roles).size).toBe(roles.length);
    for (const f of REPLICAS) {
      const statements = statementsOf(t.Resources[`FollowerRole${pascal(f)}`] as Resource);
      const writes = statements.filter((s) => actionsOf(s).some((a) => WRITE_ACTIONS.includes(a)));
      expect(writes.map((s) => arnsOf(s.Resource))).toEqual([[tableRef(f)], [controlRef], [controlRef]]);
      // Applying is a conditional put or update of its own table.
      expect(actionsOf(writes[0] as Statement).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
      expect(writes[0]?.Condition).toBeUndefined();
      // In the control table: its own progress and fence items, and creating the control item on a fresh stack.
      expect(writes.slice(1).map((s) => s.Condition)).toEqual([
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`progress#${f}#*`, `fences#${f}#*`, `applied#${f}#*`] } },
        CONTROL_ITEM_ONLY,
      ]);
    }
  });

  it('lets the functions that may act as the leader use the leader’s items on every replica table and its outbox index', () => {
    const replicaTables = REPLICAS.map(tableRef);
    const outboxIndexes = replicaTables.map((ref) => `${ref}/index/outbox`);
    for (const id of LEADER_ROLES) {
      const statements = statementsOf(t.Resources[id] as Resource);
      const tables = statements.find((s) => s.Sid === 'ReplicaTables');
      expect({ id, actions: tables && actionsOf(tables).sort(), arns: tables && arnsOf(tables.Resource) }).toEqual({ id, actions: [...LEADER_ITEMS].sort(), arns: replicaTables });
      const index = statements.find((s) => s.Sid === 'OutboxIndexes');
      expect({ id, actions: index && actionsOf(index), arns: index && arnsOf(index.Resource) }).toEqual({ id, actions: ['dynamodb:Query'], arns: outboxIndexes });
      // The control table: reads and the single control item; never a replica's progress or fences.
      const controlWrites = statements.filter((s) => arnsOf(s.Resource).includes(controlRef) && actionsOf(s).some((a) => WRITE_ACTIONS.includes(a)));
      expect({ id, conditions: controlWrites.map((s) => s.Condition) }).toEqual({ id, conditions: [CONTROL_ITEM_ONLY] });
      expect(statements.some((s) => s.Sid === 'ControlRead' && arnsOf(s.Resource)[0] === controlRef)).toBe(true);
    }
    for (const id of ['GetItemRole', 'ListItemsRole']) {
      const tables = statementsOf(t.Resources[id] as Resource).find((s) => s.Sid === 'ReplicaTables');
      expect({ id, actions: tables && actionsOf(tables), arns: tables && arnsOf(tables.Resource) }).toEqual({
        id,
        actions: ['dynamodb:GetItem', 'dynamodb:Scan'],
        arns: replicaTables,
      });
    }
    // Status (an open route) and the sync designation touch the control table only.
    for (const id of ['ReplicationStatusRole', 'SetSyncFollowerRole']) {
      const arns = statementsOf(t.Resources[id] as Resource).flatMap((s) => arnsOf(s.Resource));
      expect({ id, arns: arns.filter((a) => !a.includes(':log-group:')) }).toEqual({ id, arns: [controlRef, controlRef] });
    }
  });

  it('scopes every DynamoDB statement to the right table ARNs', () => {
    const writersOf = (table: string) =>
      Object.entries(t.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role')
        .filter(([, r]) => statementsOf(r).some((s) => !s.Condition && actionsOf(s).some((a) => WRITE_ACTIONS.includes(a)) && arnsOf(s.Resource).includes(table)))
        .map(([id]) => id)
        .sort();
    // Each replica table: the leader's writers (any replica may be the leader) and its own apply role.
    for (const f of REPLICAS) expect(writersOf(tableRef(f))).toEqual([...LEADER_ROLES, `FollowerRole${pascal(f)}`].sort());
    expect(writersOf(controlRef)).toEqual([]);
    for (const [id, r] of ofType(t, 'AWS::IAM::Role')) {
      for (const s of statementsOf(r)) {
        if (!actionsOf(s).some((a) => a.startsWith('dynamodb:'))) continue;
        expect({ role: id, resource: s.Resource }).not.toEqual({ role: id, resource: '*' });
        // Every DynamoDB ARN is one of the stage's tables (or its outbox index), wherever it lives.
        const allowed = [...REPLICAS.flatMap((r) => [tableRef(r), `${tableRef(r)}/index/outbox`]), controlRef];
        expect({ role: id, arns: arnsOf(s.Resource).filter((a) => !allowed.includes(a)) }).toEqual({ role: id, arns: [] });
        expect(arnsOf(s.Resource).length).toBeGreaterThan(0);
      }
    }
    const readOnly = ['GetItemRole', 'ListItemsRole', 'ReplicationStatusRole', 'SetSyncFollowerRole', 'LeaderWatchdogRole'];
    for (const id of readOnly) {
      const writes = statementsOf(t.Resources[id] as Resource).filter((s) => actionsOf(s).some((a) => WRITE_ACTIONS.includes(a)));
      // Reads only, except the single control item (initialized on a new stack, replaced by CAS), and the watchdog's report.
      expect(writes.map((s) => s.Condition)).toEqual(id === 'LeaderWatchdogRole' ? [CONTROL_ITEM_ONLY, WATCH_REPORT_ONLY] : [CONTROL_ITEM_ONLY]);
    }
    const none = ['HealthzRole', 'AuthorizerRole', 'DashboardRole'];
    for (const id of none) {
      expect(statementsOf(t.Resources[id] as Resource).flatMap(actionsOf).filter((a) => !a.startsWith('logs:'))).toEqual([]);
    }
  });

  it('serves the HTTP routes of DESIGN.md, with the authorizer on writes, deletes and admin', () => {
    const routes = new Map(ofType(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => [String(r.Properties.RouteKey), r.Properties]));
    expect([...routes.keys()].sort()).toEqual(Object.keys(ROUTES).sort());
    for (const [key, guard] of Object.entries(ROUTES)) {
      const props = routes.get(key);
      if (guard === 'authorizer') expect(props).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'HttpApiAuthorizerApiKey' } });
      else expect(props?.AuthorizationType).toBeUndefined();
    }
    // The switchover: its own role, the API key, and a timeout beyond API Gateway's 30 s so a move is never cut off halfway.
    expect(roleOf(fn('setLeader'))).toBe('SetLeaderRole');
    expect(variablesOf(fn('setLeader')).REPLOG_API_KEY).toBe(stage.stage === 'aws' ? '{{resolve:secretsmanager:replog/aws/api-key}}' : '');
    expect(fn('setLeader').Properties.Timeout).toBe(120);
    expect(t.Resources.HttpApiAuthorizerApiKey?.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: [],
    });
  });

  it('runs the relay on a schedule and alarms on each replica’s lag, failing batches and dead letters', () => {
    const rule = ruleOf('RelayLambdaFunction');
    expect(rule?.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const alarms = ofType(t, 'AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, metric: r.Properties.MetricName }));
    for (const f of REPLICAS) {
      expect(alarms).toContainEqual({ id: `FollowerLagAlarm${pascal(f)}`, metric: 'OffsetLag' });
      expect(alarms).toContainEqual({ id: `FollowerErrorsAlarm${pascal(f)}`, metric: 'Errors' });
      expect(alarms).toContainEqual({ id: `DeadLetterAlarm${pascal(f)}`, metric: 'RecordsDeadLettered' });
    }
  });

  it('runs the leader’s watchdog every minute, each invocation watching past the next one’s start with a failover’s time to spare', () => {
    const props = fn('leaderWatchdog').Properties;
    expect(roleOf(fn('leaderWatchdog'))).toBe('LeaderWatchdogRole');
    expect(ruleOf('LeaderWatchdogLambdaFunction')?.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const vars = variablesOf(fn('leaderWatchdog'));
    const c = loadConfig(vars);
    expect({ auto: c.failover.auto, failureMs: c.failover.failureMs, probeMs: c.failover.probeMs }).toEqual({ auto: true, failureMs: 3000, probeMs: 250 });
    for (const key of ['putItem', 'relay', 'setLeader']) expect({ key, auto: variablesOf(fn(key)).REPLOG_AUTO_FAILOVER }).toEqual({ key, auto: undefined });
    // The loop stops when a whole tick's bound is left: what it watches must outlast the schedule's
    // minute by more than the failure time, so a failure that starts as one invocation ends is seen
    // whole by the next.
    const tickBoundMs = new Runtime(c).watchdogTickBoundMs;
    const watchedMs = Number(props.Timeout) * 1000 - tickBoundMs;
    expect(watchedMs - SCHEDULE_MS).toBeGreaterThan(c.failover.failureMs + c.failover.probeMs);
    expect(props).toMatchObject({ Timeout: 130, MemorySize: 512, ReservedConcurrentExecutions: 2 });
    // No retries of a failed or throttled run: the next minute's is on its way.
    const [[, invokeConfig] = []] = ofType(t, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfig?.Properties.FunctionName).toEqual({ Ref: 'LeaderWatchdogLambdaFunction' });
    expect(invokeConfig?.Properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    const alarm = ofType(t, 'AWS::CloudWatch::Alarm').find(([id]) => id === 'WatchdogErrorsAlarm')?.[1];
    expect(alarm?.Properties).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
  });

  it('lets the watchdog probe every replica’s store, read the control table, and write only the control item and its own report', () => {
    const statements = statementsOf(t.Resources.LeaderWatchdogRole as Resource);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => ({ sid: s.Sid, actions: actionsOf(s), arns: arnsOf(s.Resource), condition: s.Condition }))).toEqual([
      // A probe is one consistent GetItem of a key no item has, on the leader's table and each candidate's.
      { sid: 'ReplicaTables', actions: ['dynamodb:GetItem'], arns: REPLICAS.map(tableRef), condition: undefined },
      // The control state, apply progress and consumer reports the election reads.
      { sid: 'ControlRead', actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'], arns: [controlRef], condition: undefined },
      // Every step of a failover (and a call-off) is a CAS of the control item.
      { sid: 'ControlItemWrite', actions: ['dynamodb:PutItem'], arns: [controlRef], condition: CONTROL_ITEM_ONLY },
      { sid: 'WatchReportWrite', actions: ['dynamodb:PutItem'], arns: [controlRef], condition: WATCH_REPORT_ONLY },
    ]);
    // Kafka is not IAM here (the fence goes out with the SASL credentials of the environment); no secret, no MSK, nothing else.
    expect(statements.flatMap(actionsOf).filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:'))).toEqual([]);
  });
});
