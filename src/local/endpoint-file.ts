import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * `replog dev` serves its embedded store on a port chosen at start. It writes where it can be
 * reached to `<dataDir>/endpoints.json`, so maintenance commands run beside it (`replog replay`,
 * `verify`, `follower add|remove`) talk to the very same store and broker.
 */
const FILE = 'endpoints.json';

const endpointsSchema = z.object({
  pid: z.number().int().positive(),
  dynamodb: z.string().min(1),
  kafka: z.string().min(1),
  url: z.string().optional(),
});

export type LocalEndpoints = z.infer<typeof endpointsSchema>;

export function writeEndpointFile(dataDir: string, endpoints: LocalEndpoints): void {
  writeFileSync(join(dataDir, FILE), `${JSON.stringify(endpoints, null, 2)}\n`);
}

export function removeEndpointFile(dataDir: string, pid: number): void {
  if (readEndpointFile(dataDir)?.pid === pid) rmSync(join(dataDir, FILE), { force: true });
}

/** The endpoints of a `replog dev` that is still running, or undefined. */
export function readEndpointFile(dataDir: string): LocalEndpoints | undefined {
  let parsed: LocalEndpoints;
  try {
    parsed = endpointsSchema.parse(JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')));
  } catch {
    return undefined;
  }
  try {
    process.kill(parsed.pid, 0);
  } catch {
    return undefined;
  }
  return parsed;
}
