// @ts-check
'use strict';
/**
 * One role per HTTP, authorizer and relay function, each allowed exactly the table actions its
 * code performs (the table below), on the stage's own table ARNs. Follower roles are in followers.js.
 */
const { replicaEntries } = require('./followers');
const { normalizedFunctionName, stageSettings, stopOnRefusal, tableArn } = require('./stage-config');
const { lambdaTrustPolicy, logStatement, networkStatement } = require('./iam-statements');

/**
 * What each function does to which table:
 * - leader / followers / outboxIndex: DynamoDB actions on those tables (or the outbox GSI);
 * - control: reads of the control table (control state, follower progress);
 * - controlItem: writes of the single `control` item (src/adapters/dynamodb/control-table.ts):
 *   the first request on a new stack initializes it, promotion and designation replace it by CAS.
 */
/** @type {Record<string, Access>} */
const ACCESS = {
  putItem: { leader: ['GetItem', 'UpdateItem'], control: true, controlItem: true },
  deleteItem: { leader: ['GetItem', 'UpdateItem'], control: true, controlItem: true },
  getItem: { leader: ['GetItem', 'Scan'], followers: ['GetItem', 'Scan'], control: true, controlItem: true },
  listItems: { leader: ['GetItem', 'Scan'], followers: ['GetItem', 'Scan'], control: true, controlItem: true },
  replicationStatus: { control: true, controlItem: true },
  setSyncFollower: { control: true, controlItem: true },
  dashboard: {},
  healthz: {},
  authorizer: {},
  relay: { leader: ['GetItem', 'UpdateItem'], outboxIndex: ['Query'] },
};

/** @typedef {{ leader?: string[]; followers?: string[]; outboxIndex?: string[]; control?: boolean; controlItem?: boolean }} Access */

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
  const main = replicas.find((r) => r.main);
  if (!main) throw new Error('no main replica');
  const controlArn = tableArn(s.placement.control, 'ControlTable', s.config.tables.control);
  if (access.leader) statements.push({ Sid: 'LeaderTable', Effect: 'Allow', Action: actions(access.leader), Resource: main.tableArn });
  if (access.outboxIndex) {
    statements.push({
      Sid: 'OutboxIndex',
      Effect: 'Allow',
      Action: actions(access.outboxIndex),
      Resource: { 'Fn::Join': ['', [main.tableArn, '/index/outbox']] },
    });
  }
  if (access.followers) {
    statements.push({
      Sid: 'FollowerTablesRead',
      Effect: 'Allow',
      Action: actions(access.followers),
      Resource: replicas.filter((f) => !f.main).map((f) => f.tableArn),
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
  if (s.kafka.vpc) statements.push(networkStatement());
  return statements;
}

module.exports = {
  ACCESS,

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
