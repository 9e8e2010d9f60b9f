import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../core/ports';

/**
 * Structured JSON logs (Powertools) with a `namespace` per component, kafkajs-style, so one
 * process's leader, followers and relay can be told apart and filtered.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

const roots = new Map<LogLevel, Logger>();

function rootLogger(level: LogLevel): Logger {
  let root = roots.get(level);
  if (!root) {
    root = new Logger({ serviceName: 'replog', logLevel: level });
    roots.set(level, root);
  }
  return root;
}

export function namespacedLogger(namespace: string, level: LogLevel = 'INFO'): Log {
  const logger = rootLogger(level).createChild({ persistentKeys: { namespace } });
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}
