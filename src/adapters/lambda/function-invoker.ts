import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { ReplogError, UnavailableError } from '../../core/errors';

/** The function ran and failed (it threw, timed out or ran out of memory): the same batch is retried. */
export class FunctionInvocationError extends ReplogError {
  constructor(functionName: string, functionError: string, errorType: string | undefined, errorMessage: string | undefined) {
    super('UNAVAILABLE', 503, `${functionName} failed (${functionError}${errorType ? `, ${errorType}` : ''}): ${errorMessage ?? 'no error message'}`, {
      retriable: true,
      details: { functionName, functionError, errorType, errorMessage },
    });
  }
}

function parsed(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A synchronous Lambda Invoke, as an event source mapping makes it: success is a 200 without
 * FunctionError; anything else is an error the caller retries (the mapping never skips a batch).
 */
export class LambdaFunctionInvoker {
  constructor(private readonly client: LambdaClient) {}

  async invoke(functionName: string, payload: unknown): Promise<unknown> {
    let out: InvokeCommandOutput;
    try {
      out = await this.client.send(
        new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) }),
      );
    } catch (error) {
      const e = error as { name?: string; message?: string };
      throw new UnavailableError(`Lambda Invoke of ${functionName} failed: ${e.message ?? e.name ?? String(error)}`, { cause: error });
    }
    const body = parsed(out.Payload ? Buffer.from(out.Payload).toString('utf8') : '');
    if (out.FunctionError) {
      const b = (body !== null && typeof body === 'object' ? body : {}) as { errorType?: unknown; errorMessage?: unknown };
      throw new FunctionInvocationError(
        functionName,
        out.FunctionError,
        typeof b.errorType === 'string' ? b.errorType : undefined,
        typeof b.errorMessage === 'string' ? b.errorMessage : typeof body === 'string' ? body : undefined,
      );
    }
    if (out.StatusCode !== 200) throw new UnavailableError(`Lambda Invoke of ${functionName} answered status ${out.StatusCode}`);
    return body;
  }
}
