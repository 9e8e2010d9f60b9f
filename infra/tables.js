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
    const resources = {};
    /** @type {Record<string, import('./types').CfnValue>} */
    const outputs = {};
    // A table in another region is not this (regional) stack's to create: its output names it and
    // where it must exist (docs/DEPLOY.md, "Replicas, regions and the control store").
    const elsewhere = (/** @type {import('./types').TablePlace} */ place) => `; in ${place.region}, not created by this stack`;
    const control = s.placement.control;
    if (control.inStack) {
      // The replication control state (roles, sync follower, revision, promotions) and the replicas' apply progress.
      resources.ControlTable = table(policy, simpleTableDefinition(s.config.tables.control), [{ Key: 'replog:role', Value: 'control' }]);
    }
    outputs.ControlTableName = {
      Description: `the replication control table${control.inStack ? '' : elsewhere(control)}`,
      Value: control.inStack ? { Ref: 'ControlTable' } : s.config.tables.control,
    };
    for (const r of replicaEntries(s)) {
      if (r.place.inStack) {
        resources[r.tableLogicalId] = table(policy, leaderTableDefinition(r.table), [
          { Key: 'replog:role', Value: 'replica' },
          { Key: 'replog:replica', Value: r.id },
        ]);
      }
      outputs[`${r.tableLogicalId}Name`] = {
        Description: `replica ${r.id}'s table${r.main ? ' (the main replica)' : ''}, consumer group ${r.groupId}${r.place.inStack ? '' : elsewhere(r.place)}`,
        Value: r.place.inStack ? { Ref: r.tableLogicalId } : r.table,
      };
    }
    return { Resources: resources, Outputs: outputs };
  }),
};
