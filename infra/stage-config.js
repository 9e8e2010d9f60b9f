// @ts-check
'use strict';
/**
 * A stage's deployment settings for serverless.yml: its params plus the resolved function
 * environment, validated by replog's own configuration module (src/config/config.ts, bundled on
 * the fly with esbuild). Follower ids, table names and consumer-group ids therefore come from the
 * very parser and naming rules the functions use at run time: a follower list the runtime would
 * reject fails the deploy, and the names in the template cannot drift from the names in the code.
 *
 * serverless resolves `${file(./infra/<file>.js):<name>}` by calling the exported function with
 * { resolveVariable, resolveConfigurationProperty }.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildSync } = require('esbuild');

const EVENT_SOURCES = ['self-managed', 'msk', 'none'];
/** Lambda's SourceAccessConfiguration type for each KAFKA_SASL_MECHANISM replog's clients speak. */
const SASL_ACCESS_TYPES = { plain: 'BASIC_AUTH', 'scram-sha-256': 'SASL_SCRAM_256_AUTH', 'scram-sha-512': 'SASL_SCRAM_512_AUTH' };
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const MSK_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/.+$/;

class StageConfigError extends Error {}

/**
 * Run by the serverless CLI (v3 or osls), a refused setting ends the command with one line naming
 * it: serverless would otherwise wrap the error, with its stack, once per variable that uses it.
 * Called any other way (the unit tests), the generators reject with the error as usual.
 */
const RUN_BY_SERVERLESS_CLI = /[\\/](serverless|sls|osls)(\.js)?$/.test(process.argv[1] ?? '');

/**
 * @template T
 * @param {import('./types').Generator<T>} generator
 * @returns {import('./types').Generator<T>}
 */
function stopOnRefusal(generator) {
  return async (resolvers) => {
    try {
      return await generator(resolvers);
    } catch (error) {
      if (!(error instanceof StageConfigError) || !RUN_BY_SERVERLESS_CLI) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
  };
}

/** @typedef {typeof import('../src/config/config') & typeof import('../src/adapters/dynamodb/table-definitions')} ReplogModules */

/** @type {ReplogModules | undefined} */
let replogModules;

/**
 * src/config/config.ts and src/adapters/dynamodb/table-definitions.ts, bundled with their
 * dependencies by esbuild into a scratch file and loaded by Node's own require: no private Module
 * API, and nothing left behind once it is loaded. The configuration rules and the table shapes in
 * the template are therefore the code's own.
 * @returns {ReplogModules}
 */
function replogModule() {
  if (!replogModules) {
    const src = path.join(__dirname, '..', 'src');
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'replog-config-'));
    const outfile = path.join(scratch, 'replog-modules.js');
    try {
      buildSync({
        stdin: {
          contents: "export * from './config/config';\nexport * from './adapters/dynamodb/table-definitions';\n",
          resolveDir: src,
          loader: 'ts',
        },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        outfile,
        logLevel: 'silent',
      });
      replogModules = /** @type {ReplogModules} */ (require(outfile));
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return replogModules;
}

/** @param {unknown} raw */
const list = (raw) =>
  String(raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * @template {string} N
 * @param {import('./types').Resolvers['resolveVariable']} resolveVariable
 * @param {readonly N[]} names
 * @returns {Promise<Record<N, string>>}
 */
async function params(resolveVariable, names) {
  const values = /** @type {Record<N, string>} */ ({});
  for (const name of names) {
    const value = await resolveVariable(`param:${name}`);
    values[name] = value === null || value === undefined ? '' : String(value);
  }
  return values;
}

/**
 * Kafka access as the event source mappings need it; only params, so the environment can use it.
 * @param {import('./types').Resolvers['resolveVariable']} resolveVariable
 * @returns {Promise<import('./types').KafkaAccess>}
 */
async function kafkaAccess(resolveVariable) {
  const p = await params(resolveVariable, [
    'kafkaEventSource',
    'kafkaBrokers',
    'kafkaSaslMechanism',
    'kafkaSecretArn',
    'kafkaSecretVersionId',
    'mskClusterArn',
    'vpcSubnetIds',
    'vpcSecurityGroupIds',
  ]);
  /** @type {string[]} */
  const problems = [];
  if (!EVENT_SOURCES.includes(p.kafkaEventSource)) problems.push(`kafkaEventSource must be one of ${EVENT_SOURCES.join(', ')}`);
  if (list(p.kafkaBrokers).length === 0) {
    problems.push('kafkaBrokers is empty (export REPLOG_KAFKA_BROKERS=b-1.example:9096,b-2.example:9096 or --param="kafkaBrokers=…")');
  }
  const mechanism = p.kafkaSaslMechanism;
  const accessType = /** @type {Record<string, string>} */ (SASL_ACCESS_TYPES)[mechanism];
  if (mechanism !== '' && accessType === undefined) {
    problems.push(`kafkaSaslMechanism must be empty or one of ${Object.keys(SASL_ACCESS_TYPES).join(', ')}`);
  }
  if (mechanism !== '' && !SECRET_ARN.test(p.kafkaSecretArn)) {
    problems.push(
      'kafkaSecretArn must be the full ARN of a Secrets Manager secret {"username","password"} when kafkaSaslMechanism is set (export REPLOG_KAFKA_SECRET_ARN=arn:aws:secretsmanager:… or --param="kafkaSecretArn=…")',
    );
  }
  if (p.kafkaEventSource === 'msk') {
    if (!MSK_ARN.test(p.mskClusterArn)) problems.push('mskClusterArn must be an MSK cluster ARN when kafkaEventSource is msk');
    if (mechanism !== '' && mechanism !== 'scram-sha-512') problems.push('MSK event sources authenticate with scram-sha-512 (or none)');
  }
  const subnets = list(p.vpcSubnetIds);
  const securityGroups = list(p.vpcSecurityGroupIds);
  if ((subnets.length === 0) !== (securityGroups.length === 0)) problems.push('vpcSubnetIds and vpcSecurityGroupIds go together');
  if (problems.length > 0) throw new StageConfigError(`replog deployment settings: ${problems.join('; ')}; see docs/DEPLOY.md`);
  return {
    eventSource: /** @type {import('./types').KafkaAccess['eventSource']} */ (p.kafkaEventSource),
    brokers: list(p.kafkaBrokers),
    saslMechanism: mechanism,
    saslAccessType: mechanism === '' ? undefined : accessType,
    secretArn: mechanism === '' ? undefined : p.kafkaSecretArn,
    secretVersionId: p.kafkaSecretVersionId,
    mskClusterArn: p.kafkaEventSource === 'msk' ? p.mskClusterArn : undefined,
    vpc: subnets.length > 0 ? { subnetIds: subnets, securityGroupIds: securityGroups } : undefined,
  };
}

/**
 * A CloudFormation dynamic reference: CloudFormation reads the secret when it creates or updates
 * the function, serverless never does. Pinning a version makes a rotation an explicit deploy.
 * @param {string} secretArn
 * @param {'username' | 'password'} field
 * @param {string} versionId
 */
function secretField(secretArn, field, versionId) {
  return `{{resolve:secretsmanager:${secretArn}:SecretString:${field}${versionId ? `::${versionId}` : ''}}}`;
}

/**
 * Where each replica table and the control table live, as the runtime's config reads the replica
 * environment (REPLOG_REPLICA_REGIONS, REPLOG_REPLICA_ENDPOINTS, REPLOG_CONTROL_*, with the
 * stack's region as AWS_REGION, which Lambda sets). A table is in the stack when it is in the
 * stack's region (a replica not named in replicaRegions is); an endpoint only changes where the
 * functions connect. Tables in another region are not created here (a stack is regional): the
 * roles name their ARNs there.
 * @param {import('../src/config/config').Config} config
 * @param {string} stackRegion
 * @returns {import('./types').Placement}
 */
function placement(config, stackRegion) {
  /** @param {import('../src/config/config').StoreLocation} at @returns {import('./types').TablePlace} */
  const place = (at) => ({ region: at.region, endpoint: at.endpoint, inStack: at.region === stackRegion });
  return {
    stackRegion,
    leaderReplica: config.replicas.firstLeader,
    replicas: Object.fromEntries(config.replicas.ids.map((id) => [id, place(config.replicas.location(id))])),
    control: place(config.replicas.control),
  };
}

/**
 * A table's ARN: from the stack's own resource, or built for a table this stack does not create
 * (Fn::Join, not Fn::Sub: serverless would take ${...} for its own variables).
 * @param {{ region: string; inStack: boolean }} where
 * @param {string} logicalId
 * @param {string} tableName
 * @returns {import('./types').CfnValue}
 */
function tableArn(where, logicalId, tableName) {
  if (where.inStack) return { 'Fn::GetAtt': [logicalId, 'Arn'] };
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:${where.region}:`, { Ref: 'AWS::AccountId' }, `:table/${tableName}`]] };
}

/** @type {Map<string, Promise<import('./types').StageSettings>>} */
const cache = new Map();

/**
 * Everything the generated parts need, validated once per stage.
 * @param {import('./types').Resolvers} resolvers
 * @returns {Promise<import('./types').StageSettings>}
 */
async function stageSettings({ resolveVariable, resolveConfigurationProperty }) {
  const stage = String(await resolveVariable('sls:stage'));
  if (!cache.has(stage)) {
    cache.set(
      stage,
      (async () => {
        const service = String(await resolveConfigurationProperty(['service']));
        const environment = /** @type {Record<string, string | undefined>} */ (await resolveConfigurationProperty(['provider', 'environment']));
        // What the functions that touch a replica or the control table get besides (serverless.yml's custom.replicaEnvironment).
        const replicaEnvironment = /** @type {Record<string, string>} */ (await resolveConfigurationProperty(['custom', 'replicaEnvironment']));
        // The leader watchdog's own settings (custom.watchdogEnvironment), validated with the rest though only it reads them.
        const watchdogEnvironment = /** @type {Record<string, string> | undefined} */ (await resolveConfigurationProperty(['custom', 'watchdogEnvironment']));
        const region = String(await resolveConfigurationProperty(['provider', 'region']));
        const kafka = await kafkaAccess(resolveVariable);
        const p = await params(resolveVariable, ['followerBatchSize', 'asyncBatchingWindowSeconds', 'followerLagAlarmThreshold']);
        let config;
        try {
          // Lambda sets AWS_REGION to the stack's region; a replica or control store without a region of its own is there.
          config = replogModule().loadConfig({ ...environment, ...replicaEnvironment, ...watchdogEnvironment, AWS_REGION: region });
        } catch (error) {
          throw new StageConfigError(`replog deployment settings: the function environment is not valid: ${error instanceof Error ? error.message : String(error)}`);
        }
        const batchSize = Number(p.followerBatchSize);
        const asyncWindow = Number(p.asyncBatchingWindowSeconds);
        const lagThreshold = Number(p.followerLagAlarmThreshold);
        if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) {
          throw new StageConfigError('replog deployment settings: followerBatchSize must be a whole number from 1 to 10000');
        }
        if (!Number.isInteger(asyncWindow) || asyncWindow < 0 || asyncWindow > 300) {
          throw new StageConfigError('replog deployment settings: asyncBatchingWindowSeconds must be a whole number from 0 to 300');
        }
        if (!Number.isInteger(lagThreshold) || lagThreshold < 1) {
          throw new StageConfigError('replog deployment settings: followerLagAlarmThreshold must be a positive whole number');
        }
        const where = placement(config, region);
        return {
          service,
          stage,
          region,
          kafka,
          config,
          replicaEnvironment: Object.fromEntries(Object.entries(replicaEnvironment).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)])),
          placement: where,
          metricsNamespace: environment.REPLOG_METRICS_NAMESPACE || 'replog',
          functionName: (/** @type {string} */ key) => `${service}-${stage}-${key}`,
          follower: { batchSize, asyncWindow, lagThreshold },
        };
      })().catch((error) => {
        // serverless resolves in phases and asks again once a missing dependency is available.
        cache.delete(stage);
        throw error;
      }),
    );
  }
  return /** @type {Promise<import('./types').StageSettings>} */ (cache.get(stage));
}

/**
 * serverless's logical ids: `apply-follower-1` → `ApplyDashfollowerDash1LambdaFunction`.
 * @param {string} key
 */
function normalizedFunctionName(key) {
  const n = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return n.charAt(0).toUpperCase() + n.slice(1);
}

/**
 * follower-1 → Follower1, for the logical ids of a follower's own resources.
 * @param {string} id
 */
function pascal(id) {
  return id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

module.exports = {
  stageSettings,
  replogModule,
  tableArn,
  kafkaAccess,
  normalizedFunctionName,
  pascal,
  StageConfigError,
  stopOnRefusal,

  /** KAFKA_SASL_USERNAME / _PASSWORD: dynamic references into the Kafka secret, or empty without SASL. */
  kafkaSaslUsername: stopOnRefusal(async ({ resolveVariable }) => {
    const kafka = await kafkaAccess(resolveVariable);
    return kafka.secretArn ? secretField(kafka.secretArn, 'username', kafka.secretVersionId) : '';
  }),
  kafkaSaslPassword: stopOnRefusal(async ({ resolveVariable }) => {
    const kafka = await kafkaAccess(resolveVariable);
    return kafka.secretArn ? secretField(kafka.secretArn, 'password', kafka.secretVersionId) : '';
  }),

  /** REPLOG_API_KEY: the secret named by the apiKeySecret param (its whole SecretString), or empty (keys off). */
  apiKey: async (/** @type {import('./types').Resolvers} */ { resolveVariable }) => {
    const { apiKeySecret } = await params(resolveVariable, ['apiKeySecret']);
    return apiKeySecret === '' ? '' : `{{resolve:secretsmanager:${apiKeySecret}}}`;
  },

  /** provider.vpc: the functions join the brokers' VPC when subnets are given. */
  vpc: stopOnRefusal(async ({ resolveVariable }) => (await kafkaAccess(resolveVariable)).vpc ?? null),
};
