import type { z } from 'zod';
import { ValidationError } from '../../core/errors';
import { bodyText } from './http-edge';
import type { HttpEvent } from './http-types';

/**
 * An admin route's JSON body, checked against its schema before anything else happens: a 400
 * names the expected shape (`shape`, e.g. `{"to": "<replica>"}`) and says what was wrong.
 */
export function adminBody<S extends z.ZodType>(event: HttpEvent, schema: S, shape: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(bodyText(event) ?? '');
  } catch (cause) {
    throw new ValidationError('BAD_BODY', `the body must be JSON: ${shape}`, { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('BAD_BODY', `the body must be ${shape}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
