// @ts-check
'use strict';
/**
 * Every table the stack creates: one per replica and the control table. The leader is a role that
 * moves between replicas, so every replica table is leader-shaped: the key schema and the sparse
 * outbox index of src/adapters/dynamodb/table-definitions.ts's leaderTableDefinition, taken from
 * the code itself (bundled by stage-config.js), on-demand instead of its provisioned throughput.
 * All of them: point-in-time recovery, encryption at rest, the stage's deletion policy.
 */
const { replicaEntries } = require('./followers');
const { replogModule, stageSettings, StageConfigError, stopOnRefusal } = require('./stage-config');

/**
 * The SDK's table shapes are plain JSON, so they are CloudFormation values as they stand.
 * @param {unknown} value
 * @returns {import('./types').CfnValue}
 */
const cfn = (value) => /** @type {import('./types').CfnValue} */ (value);

/**
 * A CreateTable definition of the code's, as CloudFormation table properties on demand.
 * @param {import('@aws-sdk/client-dynamodb').CreateTableCommandInput} definition
 * @returns {Record<string, import('./types').CfnValue>}
 */
function onDemand(definition) {
  /** @type {Record<string, import('./types').CfnValue>} */
  const properties = {
    TableName: /** @type {string} */ (definition.TableName),
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: cfn(definition.AttributeDefinitions),
    KeySchema: cfn(definition.KeySchema),
  };
  if (definition.GlobalSecondaryIndexes) {
    properties.GlobalSecondaryIndexes = definition.GlobalSecondaryIndexes.map((index) => ({
      IndexName: /** @type {string} */ (index.IndexName),
      KeySchema: cfn(index.KeySchema),
      Projection: cfn(index.Projection),
    }));
  }
  return properties;
}

/**
 * @param {string} deletionPolicy
 * @param {import('@aws-sdk/client-dynamodb').CreateTableCommandInput} definition
 * @param {{ Key: string; Value: string }[]} tags
 */
function table(deletionPolicy, definition, tags) {
  return {
    Type: 'AWS::DynamoDB::Table',
    DeletionPolicy: deletionPolicy,
    UpdateReplacePolicy: deletionPolicy,
    Properties: {
      ...onDemand(definition),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      Tags: tags,
    },
  };
}

/** @param {import('./types').Resolvers} options */
async function tableDeletionPolicy(options) {
  const policy = await options.resolveVariable('param:tableDeletionPolicy');
  if (policy !== 'Retain' && policy !== 'Delete') throw new StageConfigError('replog deployment settings: tableDeletionPolicy must be Retain or Delete');
  return /** @type {string} */ (policy);
}

module.exports = {
  resources: stopOnRefusal(async (/** @type {import('./types').Resolvers} */ options) => {
    const s = await stageSettings(options);
    const policy = await tableDeletionPolicy(options);
    const { leaderTableDefinition, simpleTableDefinition } = replogModule();
    /** @type {Record<string, import('./types').CfnValue>} */
    const resources = {
      // The replication control state (roles, sync follower, revision, promotions) and the replicas' apply progress.
      ControlTable: table(policy, simpleTableDefinition(s.config.tables.control), [{ Key: 'replog:role', Value: 'control' }]),
    };
    /** @type {Record<string, import('./types').CfnValue>} */
    const outputs = {
      ControlTableName: { Description: 'the replication control table', Value: { Ref: 'ControlTable' } },
    };
    for (const r of replicaEntries(s)) {
      resources[r.tableLogicalId] = table(policy, leaderTableDefinition(r.table), [
        { Key: 'replog:role', Value: 'replica' },
        { Key: 'replog:replica', Value: r.id },
      ]);
      outputs[`${r.tableLogicalId}Name`] = {
        Description: `replica ${r.id}'s table${r.main ? ' (the main replica, leader unless the control state moved the role)' : ''} (consumer group ${r.groupId})`,
        Value: { Ref: r.tableLogicalId },
      };
    }
    return { Resources: resources, Outputs: outputs };
  }),
};
