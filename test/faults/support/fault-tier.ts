/**
 * The fault suite runs in two tiers: CI's (`npm run test:faults`) repeats each fault a few times,
 * enough to exercise every path of the case, and the long tier (`npm run test:faults:long`,
 * REPLOG_FAULT_TIER=long) repeats it many times to shake out the rare interleavings. CI has a time
 * budget; the long tier does not.
 */
export const longTier = process.env.REPLOG_FAULT_TIER === 'long';

/**
 * How many times a case repeats its fault: `variable` (a whole number ≥ 1) when set, else the
 * tier's count. A bad value fails the file at load rather than running a case that proves nothing.
 */
export function faultRepeats(variable: string, counts: { ci: number; long: number }): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return longTier ? counts.long : counts.ci;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${variable} must be a whole number ≥ 1, got ${JSON.stringify(raw)}`);
  return n;
}
