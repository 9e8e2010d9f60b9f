import { InvalidArgumentError } from 'commander';

/** commander argument parsers: CLI input is validated like any other external input. */
export function portOption(raw: string): number {
  const n = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return n;
}

export function followerIdOption(raw: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(raw)) throw new InvalidArgumentError('a follower id: a-z, 0-9 and -');
  return raw;
}

export function positiveIntOption(raw: string): number {
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new InvalidArgumentError('a positive whole number');
  return Number(raw);
}

export function nonNegativeIntOption(raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) throw new InvalidArgumentError('a whole number (0 or more)');
  return Number(raw);
}
