import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { AccessDeniedError } from '../../core/errors';
import type { Log } from '../../core/ports';
import { defaultRuntime } from '../runtime';
import { type Access, requireAccess } from './api-key';

export interface AuthorizerDeps {
  auth: () => { apiKey: string | undefined; readsRequireKey: boolean };
  log: () => Log;
}

/**
 * Which access a route needs. Anything that is not a read and not a known item write is treated
 * as admin, so a route added later without thought is guarded, not open.
 */
export function accessForRoute(routeKey: string): Access {
  const [method = '', path = ''] = routeKey.split(' ');
  if (method === 'GET' || method === 'HEAD') return 'read';
  if ((method === 'PUT' || method === 'DELETE') && path === '/items/{key}') return 'write';
  return 'admin';
}

/**
 * The HTTP API's Lambda REQUEST authorizer (simple responses): the same constant-time API-key
 * check the functions run (api-key.ts), done at the edge so a request without a valid key never
 * reaches a function that would touch DynamoDB or Kafka.
 */
export function createAuthorizer(deps: AuthorizerDeps) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerResult> => {
    const access = accessForRoute(event.routeKey);
    try {
      requireAccess(event, deps.auth(), access);
      return { isAuthorized: true };
    } catch (error) {
      if (!(error instanceof AccessDeniedError)) throw error;
      deps.log().info('request denied', {
        route: event.routeKey,
        access,
        requestId: event.requestContext?.requestId,
        code: error.code,
      });
      return { isAuthorized: false };
    }
  };
}

export const handler = createAuthorizer({
  auth: () => defaultRuntime().config.auth,
  log: () => defaultRuntime().log('auth'),
});
