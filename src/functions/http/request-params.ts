import { IfMatchHeader, WriteIdHeader } from '../../api/item-schemas';
import { parseAckMode, type AckMode } from '../../core/ack-mode';
import { ReplogError, ValidationError } from '../../core/errors';
import { validateItemKey } from '../../core/item-key';
import type { HttpEvent } from './http-types';
import { header } from './http-edge';

/** Parsing of path, query and header values shared by the item routes. */
export function itemKeyOf(event: HttpEvent): string {
  return validateItemKey(event.pathParameters?.key);
}

export function query(event: HttpEvent, name: string): string | undefined {
  const value = event.queryStringParameters?.[name];
  // API Gateway joins repeated parameters with commas; a repeated parameter is ambiguous, so refuse it.
  if (value !== undefined && event.rawQueryString?.split('&').filter((p) => p.split('=')[0] === name).length > 1) {
    throw new ValidationError('BAD_QUERY', `query parameter ${name} is given more than once`);
  }
  return value;
}

export function ackModeOf(event: HttpEvent, fallback: AckMode): AckMode {
  const raw = query(event, 'ack');
  return raw === undefined ? fallback : parseAckMode(raw);
}

/** If-Match: "<version>" (strong or weak ETag syntax) → the version the write expects. */
export function expectedVersionOf(event: HttpEvent): number | undefined {
  const raw = header(event, 'if-match');
  if (raw === undefined) return undefined;
  const m = IfMatchHeader.safeParse(raw).success ? /([1-9][0-9]*)/.exec(raw) : null;
  if (!m?.[1]) throw new ValidationError('BAD_QUERY', 'If-Match must be a quoted item version, for example "3"');
  return Number(m[1]);
}

/** A whole-number query parameter within [min, max]; every refusal names the same range the check uses. */
export function intQuery(event: HttpEvent, name: string, range: { min: number; max: number }): number | undefined {
  const raw = query(event, name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,16}$/.test(raw) || Number(raw) < range.min || Number(raw) > range.max) {
    throw new ValidationError('BAD_QUERY', `${name} must be a whole number from ${range.min} to ${range.max}`, {
      details: { parameter: name, min: range.min, max: range.max },
    });
  }
  return Number(raw);
}

/** Idempotency-Key → the write's id (api/item-schemas.ts WriteIdHeader); absent: the server makes one up. */
export function writeIdOf(event: HttpEvent): string | undefined {
  const raw = header(event, 'idempotency-key');
  if (raw === undefined) return undefined;
  if (!WriteIdHeader.safeParse(raw).success) {
    throw new ValidationError('BAD_QUERY', 'Idempotency-Key must be 1 to 128 of A-Z a-z 0-9 . _ : - starting with a letter or digit');
  }
  return raw;
}

export function etag(version: number): string {
  return `"${version}"`;
}

export class MethodNotAllowedError extends ReplogError {
  constructor(message: string, allow: string) {
    super('METHOD_NOT_ALLOWED', 405, message, { details: { allow } });
  }
}
