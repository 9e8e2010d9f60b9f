import { unmarshall } from '@aws-sdk/util-dynamodb';
import { translateDynamoError } from './dynamo-errors';

/** How a conditional write ended: applied, or refused with what the item held if the store said so. */
export type ConditionalOutcome<O> = { applied: true; output: O } | { applied: false; held: Record<string, unknown> | undefined };

/** Requests that need to know why their condition failed ask for the item in the refusal itself. */
export const HELD_ON_REFUSAL = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;

export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * Runs one conditional write: the only place a failed condition is told apart from a failure.
 * A request built with HELD_ON_REFUSAL gets the item as it was (DynamoDB and moto send it; dynalite
 * ignores the parameter, and `held` is then undefined: the caller reads the item instead).
 */
export async function conditionally<O>(send: () => Promise<O>, operation: string, table: string): Promise<ConditionalOutcome<O>> {
  try {
    return { applied: true, output: await send() };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw translateDynamoError(error, operation, table);
    const item = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
    return { applied: false, held: item === undefined ? undefined : unmarshall(item) };
  }
}

/** True when the write was applied, false when its condition did not hold. */
export async function conditionalWrite(send: () => Promise<unknown>, operation: string, table: string): Promise<boolean> {
  return (await conditionally(send, operation, table)).applied;
}
