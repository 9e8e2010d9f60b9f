import startBroker from '../support/global-setup';
import packageStages from './package-stages';

/**
 * The deploy suite: every stage packaged once for the template tests, and the local broker (reused
 * when one already answers on KAFKA_PORT) for the stage deployed into the emulator.
 */
export default async function deploySetup(): Promise<void> {
  // Awaited: the broker's start comes after the run store's, and an unawaited setup left the
  // emulator test without a broker (fresh-clone CI, 2026-12-07).
  await startBroker();
  packageStages();
}
