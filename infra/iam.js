// @ts-check
'use strict';
/**
 * One role per HTTP, authorizer, relay and watchdog function, each allowed the table actions its code
 * performs (the table below) on the stage's own table ARNs, wherever those tables live
 * (stage-config.js's placement). Replica apply roles are in followers.js.
 */
const { replicaEntries } = require('./followers');
const { normalizedFunctionName, stageSettings, stopOnRefusal, tableArn } = require('./stage-config');
const { lambdaTrustPolicy, logStatement, networkStatement } = require('./iam-statements');

/**
 * The leader's item actions. The leader is a role that any replica may hold (the control state
 * says which), so a function that acts as the leader gets them on every replica table, and
 * Query on every replica's outbox index: the writes (commit, publish state, outbox mark, undoing
 * a deposed term's commits: src/adapters/dynamodb/leader-table.ts), the relay (the current
 * leader's marks) and setLeader (draining the old leader's outbox before the fence).
 */
const LEADER_ITEMS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'];
/** Reads of any replica: replica=leader|any|<id>, one item or a page. */
const REPLICA_READS = ['GetItem', 'Scan'];

/**
 * What each function does to which table:
 * - replicas / outboxIndex: DynamoDB actions on every replica table (or its outbox GSI);
 * - control: reads of the control table (control state, apply progress, fences, consumer reports);
 * - controlItem: writes of the single `control` item (src/adapters/dynamodb/control-table.ts):
 *   the first read of the roster on a new stack creates it, promotion, designation and every
 *   step of a switchover replace it by CAS.
 * Nothing here writes a replica's progress, fences or applied records (`progress#<id>#…`,
 * `fences#<id>#…`, `applied#<id>#…`): only
 * that replica's own apply role may (followers.js). replicationStatus serves an open route and
 * reads no replica table (StatusDeps: the control state, progress, Kafka offsets), so it gets none.
 */
/** @type {Record<string, Access>} */
const ACCESS = {
  putItem: { replicas: LEADER_ITEMS, outboxIndex: ['Query'], control: true, controlItem: true },
  deleteItem: { replicas: LEADER_ITEMS, outboxIndex: ['Query'], control: true, controlItem: true },
  getItem: { replicas: REPLICA_READS, control: true, controlItem: true },
  listItems: { replicas: REPLICA_READS, control: true, controlItem: true },
  replicationStatus: { control: true, controlItem: true },
  setSyncFollower: { control: true, controlItem: true },
  // The switchover's steps are CAS on the control item; it drains the old leader's outbox like the
  // relay and writes the fence records to Kafka (with the Kafka credentials, as the leader does).
  setLeader: { replicas: LEADER_ITEMS, outboxIndex: ['Query'], control: true, controlItem: true },
  dashboard: {},
  healthz: {},
  authorizer: {},
  relay: { replicas: LEADER_ITEMS, outboxIndex: ['Query'], control: true, controlItem: true },
  // The leader's watchdog and the failover it may run: a probe of a replica's store is one
  // GetItem on its table (the leader's, and each candidate's before the election); the election
  // reads the control state, progress and consumer reports; each step is a CAS of the control
  // item; its report is the `leader-watch` item. The fence goes to Kafka with the SASL credentials.
  leaderWatchdog: { replicas: ['GetItem'], control: true, controlItem: true, watchReport: true },
};

/** The watchdog's report item in the control table (src/adapters/dynamodb/watch-report-table.ts, WATCH_REPORT_KEY). */
const WATCH_REPORT_KEY = 'leader-watch';

/** @typedef {{ replicas?: string[]; outboxIndex?: string[]; control?: boolean; controlItem?: boolean; watchReport?: boolean }} Access */

/** @param {string[]} names */
const actions = (names) => names.map((n) => `dynamodb:${n}`);

/**
 * @param {import('./types').StageSettings} s
 * @param {string} key
 * @param {Access} access
 * @returns {import('./types').IamStatement[]}
 */
function statementsFor(s, key, access) {
  /** @type {import('./types').IamStatement[]} */
  const statements = [logStatement(s.functionName(key))];
  const replicas = replicaEntries(s);
  const controlArn = tableArn(s.placement.control, 'ControlTable', s.config.tables.control);
  if (access.replicas) {
    statements.push({ Sid: 'ReplicaTables', Effect: 'Allow', Action: actions(access.replicas), Resource: replicas.map((r) => r.tableArn) });
  }
  if (access.outboxIndex) {
    statements.push({
      Sid: 'OutboxIndexes',
      Effect: 'Allow',
      Action: actions(access.outboxIndex),
      Resource: replicas.map((r) => ({ 'Fn::Join': ['', [r.tableArn, '/index/outbox']] })),
    });
  }
  if (access.control) {
    statements.push({ Sid: 'ControlRead', Effect: 'Allow', Action: actions(['GetItem', 'BatchGetItem']), Resource: controlArn });
  }
  if (access.controlItem) {
    statements.push({
      Sid: 'ControlItemWrite',
      Effect: 'Allow',
      Action: actions(['PutItem']),
      Resource: controlArn,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['control'] } },
    });
  }
  if (access.watchReport) {
    statements.push({
      Sid: 'WatchReportWrite',
      Effect: 'Allow',
      Action: actions(['PutItem']),
      Resource: controlArn,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [WATCH_REPORT_KEY] } },
    });
  }
  if (s.kafka.vpc) statements.push(networkStatement());
  return statements;
}

module.exports = {
  ACCESS,
  WATCH_REPORT_KEY,

  resources: stopOnRefusal(async (/** @type {import('./types').Resolvers} */ options) => {
    const s = await stageSettings(options);
    /** @type {Record<string, import('./types').CfnValue>} */
    const resources = {};
    for (const [key, access] of Object.entries(ACCESS)) {
      resources[`${normalizedFunctionName(key)}Role`] = {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: `replog ${key} (${s.stage})`,
          AssumeRolePolicyDocument: lambdaTrustPolicy(),
          Policies: [{ PolicyName: `replog-${key}`, PolicyDocument: { Version: '2012-10-17', Statement: statementsFor(s, key, access) } }],
        },
      };
    }
    return { Resources: resources };
  }),
};
