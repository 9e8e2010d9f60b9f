import { resetFaultBroker } from './fault-broker';

/** Stops the fault broker and removes its data, unless REPLOG_KEEP_FAULT_BROKER=1 (for debugging). */
export default async function faultTeardown(): Promise<void> {
  if (process.env.REPLOG_KEEP_FAULT_BROKER === '1') return;
  await resetFaultBroker();
}
