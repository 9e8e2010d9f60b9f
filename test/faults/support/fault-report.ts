import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const artifacts = join(__dirname, '..', '..', '..', 'test-artifacts');

/**
 * Prints what a fault case did and checked, one line of counts per case, and appends it to
 * test-artifacts/faults.jsonl so CI can quote the numbers in its closing note.
 */
export function reportCase(name: string, counts: Record<string, number | string | boolean>): void {
  const line = Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  process.stdout.write(`\n[fault] ${name}: ${line}\n`);
  mkdirSync(artifacts, { recursive: true });
  appendFileSync(join(artifacts, 'faults.jsonl'), `${JSON.stringify({ case: name, at: new Date().toISOString(), ...counts })}\n`);
}
