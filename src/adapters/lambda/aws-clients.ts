import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';

export interface AwsConnection {
  region: string;
  /** An emulator's URL (ministack, LocalStack); undefined for AWS itself. */
  endpoint: string | undefined;
}

/**
 * Against an emulator, explicit placeholder credentials unless real ones are exported (emulators
 * accept any); against AWS, the SDK's own credential chain.
 */
function clientOptions(conn: AwsConnection) {
  return {
    region: conn.region,
    maxAttempts: 3,
    ...(conn.endpoint
      ? {
          endpoint: conn.endpoint,
          credentials: {
            accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
            secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
          },
        }
      : {}),
  };
}

export function createLambdaClient(conn: AwsConnection): LambdaClient {
  // A follower batch may run up to the function's timeout (120 s); the SDK must not give up first.
  return new LambdaClient({ ...clientOptions(conn), maxAttempts: 1 });
}

export function createCloudFormationClient(conn: AwsConnection): CloudFormationClient {
  return new CloudFormationClient(clientOptions(conn));
}
