import { type CloudFormationClient, GetTemplateCommand, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { type EventSourceMappingConfiguration, GetEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ConfigError, NotFoundError, ReplogError, UnavailableError } from '../../core/errors';

/**
 * A deployed Kafka event source mapping, with the settings a poller needs. AWS's Lambda API
 * returns all of them; an emulator may keep fewer (ministack 1.5 drops Topics, the endpoints and
 * the consumer group), so what the Lambda API lacks is read from the stack's own template, and
 * `settingsFrom` says which source each setting came from.
 */
export interface KafkaMapping {
  uuid: string;
  /** The mapping's logical id in the stack. */
  logicalId: string;
  functionArn: string;
  /** Lambda's State: only `Enabled` polls. */
  state: string;
  topic: string;
  groupId: string;
  bootstrapServers: string[];
  source: { kind: 'self-managed' } | { kind: 'msk'; clusterArn: string };
  batchSize: number;
  batchingWindowSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  /** Epoch seconds, for AT_TIMESTAMP. */
  startingPositionTimestamp: number | undefined;
  settingsFrom: Record<'topic' | 'groupId' | 'bootstrapServers' | 'batchSize' | 'startingPosition' | 'state', SettingSource>;
}

export type SettingSource = 'lambda' | 'template' | 'default';

const STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'] as const;
/** Lambda's default BatchSize for Kafka sources. */
const DEFAULT_KAFKA_BATCH_SIZE = 100;

type TemplateProperties = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;

/** The first source that has the setting, and which one it was. */
function pick<T>(lambda: T | undefined, template: T | undefined, fallback?: T): [T | undefined, SettingSource] {
  if (lambda !== undefined) return [lambda, 'lambda'];
  if (template !== undefined) return [template, 'template'];
  return [fallback, 'default'];
}

/** Merges the Lambda API's view of one mapping with its template properties; exported for unit tests. */
export function mergeMapping(logicalId: string, uuid: string, api: EventSourceMappingConfiguration, props: TemplateProperties): KafkaMapping {
  const problems: string[] = [];
  const apiSelfManaged = strings(obj(obj(api.SelfManagedEventSource).Endpoints).KAFKA_BOOTSTRAP_SERVERS);
  const templateSelfManaged = strings(obj(obj(props.SelfManagedEventSource).Endpoints).KafkaBootstrapServers);
  const clusterArn = str(api.EventSourceArn) ?? str(props.EventSourceArn);
  const isMsk = clusterArn !== undefined && /^arn:aws[a-z-]*:kafka:/.test(clusterArn);
  if (!isMsk && apiSelfManaged === undefined && templateSelfManaged === undefined) {
    throw new ConfigError(`event source mapping ${logicalId} (${uuid}) is not a Kafka mapping: it has neither an MSK cluster ARN nor self-managed endpoints`);
  }
  const [topics, topicFrom] = pick(strings(api.Topics), strings(props.Topics));
  const [groupId, groupFrom] = pick(
    str(api.SelfManagedKafkaEventSourceConfig?.ConsumerGroupId) ?? str(api.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId),
    str(obj(props.SelfManagedKafkaEventSourceConfig).ConsumerGroupId) ?? str(obj(props.AmazonManagedKafkaEventSourceConfig).ConsumerGroupId),
    // Lambda's own default: the mapping's UUID is its consumer group.
    uuid,
  );
  const [servers, serversFrom] = pick(apiSelfManaged, templateSelfManaged, []);
  const [batchSize, batchFrom] = pick(num(api.BatchSize), num(props.BatchSize), DEFAULT_KAFKA_BATCH_SIZE);
  const [window] = pick(num(api.MaximumBatchingWindowInSeconds), num(props.MaximumBatchingWindowInSeconds), 0);
  const [position, positionFrom] = pick(str(api.StartingPosition), str(props.StartingPosition));
  const [state, stateFrom] = pick(
    str(api.State),
    typeof props.Enabled === 'boolean' ? (props.Enabled ? 'Enabled' : 'Disabled') : undefined,
    'Enabled',
  );
  const functionArn = str(api.FunctionArn);
  if (topics?.length !== 1) problems.push('exactly one topic (Topics)');
  if (!functionArn) problems.push('its function (FunctionArn)');
  if (!STARTING_POSITIONS.includes(position as (typeof STARTING_POSITIONS)[number])) problems.push('a StartingPosition (TRIM_HORIZON, LATEST or AT_TIMESTAMP)');
  const timestamp = api.StartingPositionTimestamp ? api.StartingPositionTimestamp.getTime() / 1000 : num(props.StartingPositionTimestamp);
  if (position === 'AT_TIMESTAMP' && timestamp === undefined) problems.push('a StartingPositionTimestamp');
  if (!isMsk && (servers ?? []).length === 0) problems.push('bootstrap servers');
  if (problems.length > 0) {
    throw new ConfigError(`event source mapping ${logicalId} (${uuid}) lacks ${problems.join(', ')} in both the Lambda API and the stack template`);
  }
  return {
    uuid,
    logicalId,
    functionArn: functionArn as string,
    state: state as string,
    topic: (topics as string[])[0] as string,
    groupId: groupId as string,
    bootstrapServers: servers ?? [],
    source: isMsk ? { kind: 'msk', clusterArn: clusterArn as string } : { kind: 'self-managed' },
    batchSize: batchSize as number,
    batchingWindowSeconds: window as number,
    startingPosition: position as KafkaMapping['startingPosition'],
    startingPositionTimestamp: timestamp,
    settingsFrom: { topic: topicFrom, groupId: groupFrom, bootstrapServers: serversFrom, batchSize: batchFrom, startingPosition: positionFrom, state: stateFrom },
  };
}

function awsFailure(error: unknown, what: string): ReplogError {
  if (error instanceof ReplogError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const message = `${what} failed: ${e.message ?? e.name ?? String(error)}`;
  // CloudFormation answers a missing stack with a ValidationError "Stack with id … does not exist".
  if (/does not exist/i.test(e.message ?? '')) return new NotFoundError(message);
  // Throttling, 5xx and network failures may pass; a refusal (missing stack, no permission) will not.
  if (status === undefined || status >= 500 || status === 429 || /Throttl|TooManyRequests/.test(e.name ?? '')) {
    return new UnavailableError(message, { cause: error });
  }
  return new ReplogError('CONFIG', 400, message, { cause: error, retriable: false });
}

/**
 * Every Kafka event source mapping of one CloudFormation stack: the stack's resources say which
 * mappings are its own, the Lambda API gives their live settings and state, the template fills
 * in what the Lambda API did not return.
 */
export async function stackKafkaMappings(clients: { lambda: LambdaClient; cloudformation: CloudFormationClient }, stackName: string): Promise<KafkaMapping[]> {
  const owned: { logicalId: string; uuid: string }[] = [];
  try {
    for await (const page of paginateListStackResources({ client: clients.cloudformation }, { StackName: stackName })) {
      for (const r of page.StackResourceSummaries ?? []) {
        if (r.ResourceType === 'AWS::Lambda::EventSourceMapping' && r.PhysicalResourceId && r.LogicalResourceId) {
          owned.push({ logicalId: r.LogicalResourceId, uuid: r.PhysicalResourceId });
        }
      }
    }
  } catch (error) {
    throw awsFailure(error, `listing the resources of stack ${stackName}`);
  }
  if (owned.length === 0) return [];
  let resources: Record<string, { Type?: string; Properties?: TemplateProperties }> = {};
  try {
    const template = await clients.cloudformation.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Processed' }));
    resources = (JSON.parse(template.TemplateBody ?? '{}') as { Resources?: typeof resources }).Resources ?? {};
  } catch (error) {
    // A YAML template (not serverless's) has no fallback here; the Lambda API must then say everything.
    if (!(error instanceof SyntaxError)) throw awsFailure(error, `reading the template of stack ${stackName}`);
  }
  return Promise.all(
    owned.map(async ({ logicalId, uuid }) => {
      let api: EventSourceMappingConfiguration;
      try {
        api = await clients.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      } catch (error) {
        throw awsFailure(error, `reading event source mapping ${uuid}`);
      }
      return mergeMapping(logicalId, uuid, api, resources[logicalId]?.Properties ?? {});
    }),
  );
}

/** Everything that changes how a mapping polls or what it invokes (for core/mapping-reconcile.ts). */
export function mappingSettings(m: KafkaMapping, bootstrapOverride: readonly string[] | undefined): string {
  return JSON.stringify([
    m.functionArn,
    m.topic,
    m.groupId,
    bootstrapOverride ?? m.bootstrapServers,
    m.source,
    m.batchSize,
    m.batchingWindowSeconds,
    m.startingPosition,
    m.startingPositionTimestamp,
  ]);
}
