import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../core/ports';

/**
 * Structured JSON logs (Powertools) with a `namespace` per component, kafkajs-style, so one
 * process's leader, followers and relay can be told apart and filtered. On a terminal the same
 * lines are written for people instead (REPLOG_LOG_FORMAT=pretty, or `auto` on a TTY).
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
export type LogFormat = 'auto' | 'json' | 'pretty';

const roots = new Map<LogLevel, Logger>();

function rootLogger(level: LogLevel): Logger {
  let root = roots.get(level);
  if (!root) {
    root = new Logger({ serviceName: 'replog', logLevel: level });
    roots.set(level, root);
  }
  return root;
}

const ORDER: Record<Exclude<LogLevel, 'SILENT'>, number> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };

/** `auto` is pretty only for a person at a terminal; pipes, files and Lambda get JSON. */
export function resolveLogFormat(format: LogFormat, stream: { isTTY?: boolean }, inLambda: boolean): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return stream.isTTY === true && !inLambda ? 'pretty' : 'json';
}

function describeError(error: Error): string {
  let text = `${error.name}: ${error.message}`;
  let cause = error.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    text += cause instanceof Error ? ` ← ${cause.name}: ${cause.message}` : ` ← ${String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

function show(value: unknown): string {
  if (value instanceof Error) return describeError(value);
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? String(value);
}

/** One log line for a person: time, level, component, message, then key=value pairs; an error's stack follows at ERROR. */
export function prettyLine(level: Exclude<LogLevel, 'SILENT'>, namespace: string, message: string, extra: Record<string, unknown>, at: Date): string {
  const time = at.toISOString().slice(11, 23);
  const fields = Object.entries(extra)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${show(v)}`);
  const line = [time, level.padEnd(5), namespace, message, ...fields].join('  ');
  const error = Object.values(extra).find((v): v is Error => v instanceof Error);
  if (level !== 'ERROR' || error?.stack === undefined) return line;
  const stack = error.stack.split('\n').slice(1).map((l) => `    ${l.trim()}`);
  return [line, ...stack].join('\n');
}

export function namespacedLogger(namespace: string, level: LogLevel = 'INFO', format: 'json' | 'pretty' = 'json'): Log {
  if (format === 'pretty') {
    const at = (l: Exclude<LogLevel, 'SILENT'>) => (message: string, extra?: Record<string, unknown>) => {
      if (level === 'SILENT' || ORDER[l] < ORDER[level]) return;
      process.stderr.write(`${prettyLine(l, namespace, message, extra ?? {}, new Date())}\n`);
    };
    return { debug: at('DEBUG'), info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
  }
  const logger = rootLogger(level).createChild({ persistentKeys: { namespace } });
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}
