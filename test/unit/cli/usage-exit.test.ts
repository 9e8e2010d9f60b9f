import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..');
const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 60_000,
  });

describe('how the replog command exits', () => {
  it('given a command called wrongly (verify without --follower, an unknown command), exits 2 for usage, never 1 ("differ")', () => {
    const verify = cli(['verify']);
    expect(verify.status).toBe(2);
    expect(verify.stderr).toContain("required option '--follower <id>' not specified");
    expect(cli(['no-such-command']).status).toBe(2);
    expect(cli(['--help']).status).toBe(0);
  });

  it('given a failure a retry may cure (no replog answers where status asks), exits 75 and says it is temporary', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const status = cli(['status', '--url', `http://127.0.0.1:${closed}`]);
    expect(status.status).toBe(75);
    expect(status.stderr).toBe(`replog: no replog answers at http://127.0.0.1:${closed}: is replog dev (or serve) running? (temporary: the same command may succeed when run again)\n`);
  });

  it('given the package bin without a build, says what to run instead of printing a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replog-bin-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(repoRoot, 'bin', 'replog.js'), join(dir, 'bin', 'replog.js'));
      const run = spawnSync(process.execPath, [join(dir, 'bin', 'replog.js'), 'status'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe('replog: not built yet (no dist/cli/main.js). Run `npm run build` first, or `npm start`, which builds and runs replog dev.\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
