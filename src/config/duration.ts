const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `500ms`, `30s`, `5m`, `1h` → milliseconds; undefined when the text is not such a duration. */
export function parseDurationMs(raw: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h)$/.exec(raw.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * UNITS[match[2] as keyof typeof UNITS];
}
