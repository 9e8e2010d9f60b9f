import { json } from './http-edge';
import type { HttpHandler } from './http-types';

/** Liveness only: it answers without touching DynamoDB or Kafka, so it never flaps with them. */
export const handler: HttpHandler = async () => json(200, { ok: true });
