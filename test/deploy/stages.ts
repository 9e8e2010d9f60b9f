import { join } from 'node:path';

/**
 * The stages the deploy tests package, with the deployment settings a user would export. The ARN
 * and brokers are examples: packaging only renders them into the template, nothing connects.
 */
export const repoRoot = join(__dirname, '..', '..');

export const EXAMPLE_KAFKA_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:replog/aws/kafka-AbCdEf';
export const EXAMPLE_BROKERS = ['b-1.kafka.example.com:9096', 'b-2.kafka.example.com:9096'];

export interface PackagedStage {
  stage: 'aws' | 'local';
  /** Where `serverless package --package` writes the template and the zips. */
  dir: string;
  env: Record<string, string>;
  /** Given as `--param="name=value"`. */
  params: Record<string, string>;
}

/**
 * The aws stage is packaged as a three-region deploy: the stack in us-east-1 with main,
 * follower-1 and follower-2, follower-3 in us-east-2 (at an explicit endpoint), the control store
 * in us-west-2 as the witness. The local stage keeps every default (one region, one emulator).
 */
export const AWS_PLACEMENT = {
  replicaRegions: 'follower-3=us-east-2',
  replicaEndpoints: 'follower-3=https://dynamodb.us-east-2.amazonaws.com',
  controlRegion: 'us-west-2',
  controlEndpoint: 'https://dynamodb.us-west-2.amazonaws.com',
  controlTtlMs: '1000',
  leaderWaitMs: '2000',
};

export const STAGES: Record<'aws' | 'local', PackagedStage> = {
  aws: {
    stage: 'aws',
    dir: join(repoRoot, '.serverless-aws'),
    env: { REPLOG_KAFKA_BROKERS: EXAMPLE_BROKERS.join(','), REPLOG_KAFKA_SECRET_ARN: EXAMPLE_KAFKA_SECRET_ARN },
    params: AWS_PLACEMENT,
  },
  local: { stage: 'local', dir: join(repoRoot, '.serverless-local'), env: {}, params: {} },
};

/** Offline packaging: fake credentials, no telemetry, nothing inherited that could point at a real account. */
export function packagingEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(AWS_|REPLOG_|KAFKA_|SLS_|SERVERLESS_)/.test(k)) env[k] = v;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPACKAGING',
    AWS_SECRET_ACCESS_KEY: 'offline-packaging-only',
    AWS_REGION: 'us-east-1',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    ...extra,
  };
}
