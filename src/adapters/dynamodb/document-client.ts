import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Agent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface DynamoConnection {
  region: string;
  endpoint: string | undefined;
}

/**
 * Keep-alive sockets matter: a new TCP connection per write would cost more than the write
 * itself against a local store. Explicit local credentials only when an endpoint is given, so
 * the cloud path always uses the Lambda role.
 */
export function createDocumentClient(conn: DynamoConnection): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: conn.region,
    maxAttempts: 3,
    ...(conn.endpoint
      ? {
          endpoint: conn.endpoint,
          credentials: {
            accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
            secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
          },
          requestHandler: new NodeHttpHandler({
            httpAgent: new Agent({ keepAlive: true, maxSockets: 128 }),
            connectionTimeout: 2000,
            requestTimeout: 10_000,
          }),
        }
      : {}),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
