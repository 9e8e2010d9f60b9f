import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { Log } from '../../../src/core/ports';
import { accessForRoute, createAuthorizer } from '../../../src/functions/http/authorizer';

const KEY = 'k'.repeat(32);
const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function authorizerEvent(routeKey: string, headers: Record<string, string> = {}): APIGatewayRequestAuthorizerEventV2 {
  const [, rawPath = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:us-east-1:123456789012:api/$default/${routeKey.replace(' ', '')}`,
    identitySource: [],
    routeKey,
    rawPath,
    rawQueryString: '',
    cookies: [],
    headers,
    requestContext: { requestId: 'r-1' } as APIGatewayRequestAuthorizerEventV2['requestContext'],
  };
}

describe('API Gateway authorizer', () => {
  const authorizer = (readsRequireKey = false, keysOn = true) =>
    createAuthorizer({ auth: () => ({ apiKey: keysOn ? KEY : undefined, readsRequireKey }), log: () => silent });

  it('given a write route, when the x-api-key header holds the key, then it authorizes', async () => {
    await expect(authorizer()(authorizerEvent('PUT /items/{key}', { 'x-api-key': KEY }))).resolves.toEqual({ isAuthorized: true });
  });

  it('given an admin route, when a Bearer token holds the key, then it authorizes', async () => {
    const event = authorizerEvent('POST /replication/sync-follower', { Authorization: `Bearer ${KEY}` });
    await expect(authorizer()(event)).resolves.toEqual({ isAuthorized: true });
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'x'.repeat(32) }],
    ['a prefix of the key', { 'x-api-key': KEY.slice(0, 31) }],
  ])('given a delete route, when the request carries %s, then it denies', async (_label, headers) => {
    await expect(authorizer()(authorizerEvent('DELETE /items/{key}', headers))).resolves.toEqual({ isAuthorized: false });
  });

  it('given reads do not require a key, when a read arrives without one, then it authorizes', async () => {
    await expect(authorizer(false)(authorizerEvent('GET /items/{key}'))).resolves.toEqual({ isAuthorized: true });
  });

  it('given reads require a key, when a read arrives without one, then it denies', async () => {
    await expect(authorizer(true)(authorizerEvent('GET /replication/status'))).resolves.toEqual({ isAuthorized: false });
  });

  it('given no API key is configured, when a write arrives without one, then it authorizes', async () => {
    await expect(authorizer(false, false)(authorizerEvent('PUT /items/{key}'))).resolves.toEqual({ isAuthorized: true });
  });

  it('maps routes to the access they need, treating unknown non-read routes as admin', () => {
    expect(accessForRoute('GET /items/{key}')).toBe('read');
    expect(accessForRoute('GET /dashboard')).toBe('read');
    expect(accessForRoute('PUT /items/{key}')).toBe('write');
    expect(accessForRoute('DELETE /items/{key}')).toBe('write');
    expect(accessForRoute('POST /replication/sync-follower')).toBe('admin');
    expect(accessForRoute('POST /items/{key}')).toBe('admin');
  });
});
