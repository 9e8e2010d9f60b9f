import { type EmbeddedDynamo, startDynalite } from '../../src/local/dynalite-server';
import { dynamoContracts } from './dynamo-contracts';

/** The DynamoDB port contracts against dynalite, the embedded store `replog dev` uses. */
let dynamo: EmbeddedDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

describe('dynalite', () => {
  dynamoContracts(() => dynamo.endpoint);
});
