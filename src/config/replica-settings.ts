import { ConfigError } from '../core/errors';

/** The replica that holds `<prefix>-leader`: the first term's leader unless REPLOG_LEADER_REPLICA names another. */
export const MAIN_REPLICA = 'main';

const REPLICA_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A per-replica setting list, `id=value,id=value` (REPLOG_REPLICA_ENDPOINTS, REPLOG_REPLICA_REGIONS):
 * each replica may live at its own DynamoDB endpoint or region, so one replica's store failing is
 * a fault of that replica alone. Every id must be a replica this deployment has.
 */
export function parseReplicaMap(
  variable: string,
  raw: string | undefined,
  replicas: readonly string[],
  check: (value: string) => string | undefined,
): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  if (raw === undefined) return map;
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    const id = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? '' : part.slice(at + 1).trim();
    if (!REPLICA_ID.test(id)) throw new ConfigError(`invalid configuration: ${variable}: ${JSON.stringify(id)} is not a replica id (a-z, 0-9, -)`);
    if (!replicas.includes(id)) throw new ConfigError(`invalid configuration: ${variable}: ${id} is not a replica (replicas: ${replicas.join(', ')})`);
    if (map.has(id)) throw new ConfigError(`invalid configuration: ${variable} names ${id} twice`);
    if (value === '') throw new ConfigError(`invalid configuration: ${variable}: ${id} has no value (id=value)`);
    const problem = check(value);
    if (problem !== undefined) throw new ConfigError(`invalid configuration: ${variable}: ${id}: ${problem}, got ${JSON.stringify(value)}`);
    map.set(id, value);
  }
  return map;
}

export function urlProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'must be an http(s) URL';
  } catch {
    return 'must be an http(s) URL';
  }
}

export function regionProblem(value: string): string | undefined {
  return /^[a-z]{2}(-[a-z]+)+-\d$/.test(value) ? undefined : 'must be an AWS region name such as eu-west-1';
}
