import { z } from 'zod';
import { ERROR_CODES } from '../core/errors';

/**
 * The error answer every route gives (functions/http/error-body.ts): a stable code, a message
 * for people, the facts a client can act on, and on a 5xx whether sending the same request again
 * can succeed. `details.committedOnLeader` says what happened to a failed write: false (nothing
 * was written), true (written, not confirmed), null (not known).
 */
export const ErrorCode = z.enum(ERROR_CODES).meta({ id: 'ErrorCode' });

export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z
        .looseObject({
          committedOnLeader: z.boolean().nullable().optional(),
          published: z.boolean().optional(),
          key: z.string().optional(),
          version: z.number().int().optional(),
        })
        .optional(),
      retriable: z.boolean().optional().meta({ description: 'On a 5xx: whether sending the same request again can succeed.' }),
      requestId: z.string(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof ErrorBody>;
