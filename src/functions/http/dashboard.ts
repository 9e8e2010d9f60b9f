import { defaultRuntime, type Runtime } from '../runtime';
import { withHttpEdge } from './http-edge';
import type { HttpHandler } from './http-types';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard-page';

/**
 * GET /dashboard: the static page. It carries no data, so it needs no API key; the status it polls
 * is protected like any other read (the page asks for a key when status answers 401/403).
 */
export const createDashboardHandler = (rt: () => Runtime): HttpHandler =>
  withHttpEdge(
    () => rt().log('http'),
    'GET /dashboard',
    async () => ({
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': DASHBOARD_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
      body: DASHBOARD_HTML,
    }),
  );

export const handler = createDashboardHandler(defaultRuntime);
