import { createHash } from 'node:crypto';
import { DASHBOARD_CSP, DASHBOARD_HTML } from '../../../src/functions/http/dashboard-page';

const inline = (tag: string) => {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(DASHBOARD_HTML);
  if (!m?.[1]) throw new Error(`no inline ${tag}`);
  return m[1];
};
const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('dashboard page', () => {
  it('given the page, its CSP allows exactly its own inline script and style and nothing from elsewhere', () => {
    expect(DASHBOARD_CSP).toContain(`script-src ${hashOf(inline('script'))}`);
    expect(DASHBOARD_CSP).toContain(`style-src ${hashOf(inline('style'))}`);
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
  });

  it('given the page, loads nothing from the network but its own status route', () => {
    expect(DASHBOARD_HTML).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(inline('script')).toContain("new URL('replication/status', location.href)");
  });

  it('given server data, the script writes it as text, never as HTML', () => {
    expect(inline('script')).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
