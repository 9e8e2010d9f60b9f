import { resetFaultBroker } from './fault-broker';
import { clusterCommand } from './fault-cluster';

/**
 * Stops the fault broker and the fault cluster (if a case started it and did not get to stop it)
 * and removes their data, unless REPLOG_KEEP_FAULT_BROKER=1 (for debugging).
 */
export default async function faultTeardown(): Promise<void> {
  if (process.env.REPLOG_KEEP_FAULT_BROKER === '1') return;
  await resetFaultBroker();
  await clusterCommand('reset');
}
