import { type Command, InvalidArgumentError } from 'commander';
import { stackMappingRunner, stackMappingSource } from '../../adapters/lambda/kafka-mapping-runner';
import type { KafkaMapping } from '../../adapters/lambda/kafka-mappings';
import { loadConfig } from '../../config/config';
import { namespacedLogger } from '../../observability/logger';
import { brokerListOption, durationOption } from '../cli-options';
import { stopOnSignals } from '../process-lifecycle';

interface MappingsOptions {
  stack: string;
  endpoint?: string;
  region?: string;
  brokers?: string;
  refresh: number;
}

function urlOption(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new InvalidArgumentError('an http(s) URL');
  return url.toString().replace(/\/$/, '');
}

export function renderMappings(mappings: readonly KafkaMapping[]): string {
  if (mappings.length === 0) return 'no Kafka event source mappings in this stack\n';
  return mappings
    .map((m) => {
      const fromTemplate = Object.entries(m.settingsFrom)
        .filter(([, from]) => from === 'template')
        .map(([name]) => name);
      return [
        `${m.logicalId}  ${m.uuid}  ${m.state}`,
        `  function   ${m.functionArn}`,
        `  topic      ${m.topic} (${m.source.kind === 'msk' ? `MSK ${m.source.clusterArn}` : `self-managed ${m.bootstrapServers.join(',')}`})`,
        `  group      ${m.groupId}`,
        `  batch      ${m.batchSize} records, window ${m.batchingWindowSeconds} s, from ${m.startingPosition}`,
        ...(fromTemplate.length > 0 ? [`  note       the Lambda API did not return ${fromTemplate.join(', ')}; read from the stack template`] : []),
      ].join('\n');
    })
    .join('\n')
    .concat('\n');
}

function withStackOptions(command: Command): Command {
  return command
    .requiredOption('--stack <name>', 'the CloudFormation stack (serverless names it <service>-<stage>, e.g. replog-local)')
    .option('--endpoint <url>', 'an emulator’s endpoint for the Lambda and CloudFormation APIs (default: AWS)', urlOption)
    .option('--region <region>', 'the stack’s region (default: AWS_REGION, us-east-1)');
}

/**
 * `replog mappings`: the stack's Kafka event source mappings, and a stand-in that polls Kafka for
 * them and invokes the deployed functions, for emulators that store mappings but never poll.
 */
export function registerMappings(program: Command): void {
  const mappings = program.command('mappings').description('the Kafka event source mappings of a deployed stack');
  withStackOptions(mappings.command('list').description('show the stack’s Kafka event source mappings as a poller reads them')).action(
    async (opts: MappingsOptions) => {
      const config = loadConfig();
      const { discover, close } = stackMappingSource(opts.stack, { region: opts.region ?? config.aws.region, endpoint: opts.endpoint });
      try {
        process.stdout.write(renderMappings(await discover()));
      } finally {
        close();
      }
    },
  );
  withStackOptions(
    mappings
      .command('run')
      .description(
        'poll Kafka for every enabled mapping of the stack and invoke its deployed function through the Lambda Invoke API, committing offsets only after a successful invocation (what Lambda does for Kafka sources; for emulators that do not)',
      ),
  )
    .option('--brokers <list>', 'bootstrap servers to use instead of the mappings’ own (host:port,…)', brokerListOption)
    .option('--refresh <duration>', 'how often the mappings are re-read (disabled, changed, new)', durationOption, 5000)
    .action(async (opts: MappingsOptions) => {
      const config = loadConfig();
      const log = namespacedLogger('mappings', config.logLevel);
      const { runner, close } = stackMappingRunner({
        stackName: opts.stack,
        aws: { region: opts.region ?? config.aws.region, endpoint: opts.endpoint },
        kafka: config.kafka,
        bootstrapOverride: opts.brokers?.split(','),
        refreshMs: opts.refresh,
        log,
        kafkaLog: namespacedLogger('kafkajs', config.logLevel),
      });
      stopOnSignals(async () => {
        await runner.stop();
        close();
      });
      const found = await runner.start();
      process.stdout.write(renderMappings(found));
      process.stdout.write(`replog mappings: polling ${runner.active().length} of ${found.length} mappings of ${opts.stack}; Ctrl-C stops\n`);
    });
}
