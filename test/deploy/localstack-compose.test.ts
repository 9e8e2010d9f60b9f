import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main';
import { repoRoot, STAGES } from './stages';
import { loadTemplate, ofType } from './template';

/**
 * Docker is not available where this runs, so localstack/docker-compose.yml is checked for what
 * the local stage relies on: the broker address its functions use, the network LocalStack puts
 * Lambda containers on, and the replog command its topics job runs.
 */
interface Compose {
  services: Record<string, { environment?: Record<string, string>; command?: string[]; ports?: string[] }>;
  networks: Record<string, { name: string }>;
}

function readCompose(): Compose {
  // PyYAML comes with cfn-lint, which the deploy tests need anyway.
  const run = spawnSync(
    'python3',
    ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(repoRoot, 'localstack', 'docker-compose.yml')],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`cannot read the compose file: ${run.stderr}`);
  return JSON.parse(run.stdout) as Compose;
}

describe('localstack/docker-compose.yml', () => {
  const compose = readCompose();

  it('advertises the broker to containers at the address the local stage gives its functions', () => {
    const kafka = compose.services.kafka?.environment ?? {};
    const internal = kafka.KAFKA_ADVERTISED_LISTENERS?.split(',').find((l) => l.startsWith('INTERNAL://'));
    const [first] = ofType(loadTemplate(STAGES.local.dir), 'AWS::Lambda::Function');
    if (!first) throw new Error('the local template has no function');
    const vars = (first[1].Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(internal).toBe(`INTERNAL://${vars.KAFKA_BROKERS}`);
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('puts LocalStack’s Lambda containers on the compose network', () => {
    expect(compose.services.localstack?.environment?.LAMBDA_DOCKER_NETWORK).toBe(compose.networks.replog?.name);
  });

  it('creates the topics with replog’s own topics command', () => {
    const command = compose.services.topics?.command ?? [];
    expect(command.slice(0, 4)).toEqual(['node', 'bin/replog.js', 'topics', 'create']);
    const topics = buildProgram().commands.find((c) => c.name() === 'topics');
    expect(topics?.commands.map((c) => c.name())).toContain('create');
  });
});
