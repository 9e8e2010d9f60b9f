import startBroker from '../support/global-setup';
import packageStages from './package-stages';

/**
 * The deploy suite: every stage packaged once for the template tests, and the local broker (reused
 * when one already answers on KAFKA_PORT) for the stage deployed into the emulator.
 */
export default function deploySetup(): void {
  startBroker();
  packageStages();
}
