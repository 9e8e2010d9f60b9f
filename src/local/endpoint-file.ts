import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * `replog dev` serves its embedded store on a port chosen at start. It writes where it can be
 * reached to `<dataDir>/endpoints.json`, so maintenance commands run beside it (`replog replay`,
 * `verify`, `follower add|remove`) talk to the very same store and broker. With
 * `--separate-stores`, `dynamodb` is the control store and `stores` names every store with the
 * process serving it (rewritten when a store is restarted under a new pid).
 */
const FILE = 'endpoints.json';

const storeSchema = z.object({ endpoint: z.string().min(1), pid: z.number().int().positive().optional() });

const endpointsSchema = z.object({
  pid: z.number().int().positive(),
  dynamodb: z.string().min(1),
  kafka: z.string().min(1),
  url: z.string().optional(),
  stores: z.object({ control: storeSchema, replicas: z.record(z.string(), storeSchema) }).optional(),
});

export type LocalEndpoints = z.infer<typeof endpointsSchema>;

export function writeEndpointFile(dataDir: string, endpoints: LocalEndpoints): void {
  // Written whole and renamed into place: a reader never sees half a file, also when a store restart rewrites it.
  const path = join(dataDir, FILE);
  const scratch = `${path}.${process.pid}.tmp`;
  writeFileSync(scratch, `${JSON.stringify(endpoints, null, 2)}\n`);
  renameSync(scratch, path);
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
