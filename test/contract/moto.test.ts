import { type RunningEmulator, startEmulator } from '../support/emulators';
import { dynamoContracts } from './dynamo-contracts';

/**
 * The same DynamoDB port contracts against moto's DynamoDB (moto[server], pinned by
 * scripts/emulators/install.sh), a second implementation, so replog leans on no one emulator.
 */
jest.setTimeout(30_000);

let moto: RunningEmulator;
beforeAll(async () => {
  moto = await startEmulator('moto');
}, 600_000);
afterAll(() => moto?.stop());

describe('moto', () => {
  dynamoContracts(() => moto.endpoint);
});
