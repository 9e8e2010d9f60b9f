import { ConfigError } from '../core/errors';
import type { FollowerSpec } from './config';
import { parseDurationMs } from './duration';

const FOLLOWER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * REPLOG_FOLLOWERS lists followers in priority order (the promotion order on ties), comma
 * separated; `id@delay=30s` makes a delayed replica. Example: `follower-1,follower-2,backup@delay=1h`.
 */
export function parseFollowerList(raw: string): FollowerSpec[] {
  const specs: FollowerSpec[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [id, ...options] = part.split('@');
    if (id === undefined || !FOLLOWER_ID.test(id)) {
      throw new ConfigError(`invalid configuration: REPLOG_FOLLOWERS: ${JSON.stringify(id)} is not a follower id (a-z, 0-9, -)`);
    }
    let delayMs = 0;
    for (const option of options) {
      const delay = option.startsWith('delay=') ? parseDurationMs(option.slice('delay='.length)) : undefined;
      if (delay === undefined) {
        throw new ConfigError(`invalid configuration: REPLOG_FOLLOWERS: unknown option ${JSON.stringify(option)} for ${id}`);
      }
      delayMs = delay;
    }
    if (specs.some((s) => s.id === id)) {
      throw new ConfigError(`invalid configuration: REPLOG_FOLLOWERS lists ${id} twice`);
    }
    specs.push({ id, delayMs });
  }
  if (specs.length === 0) throw new ConfigError('invalid configuration: REPLOG_FOLLOWERS lists no follower');
  return specs;
}
