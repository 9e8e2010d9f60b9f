import { faultBrokers, resetFaultBroker, startFaultBroker } from './fault-broker';

/** Starts the fault suite's broker from empty data; every fault test talks to it, never to 9092. */
export default async function faultSetup(): Promise<void> {
  await resetFaultBroker();
  const ms = await startFaultBroker();
  process.stdout.write(`\n[faults] broker ${faultBrokers} started in ${(ms / 1000).toFixed(1)} s\n`);
  process.env.KAFKA_BROKERS = faultBrokers;
  process.env.REPLOG_FAULT_SUITE = '1';
}
