/** What an operator's tooling sees: health, Prometheus metrics, and the security headers on every page. */
import request from 'supertest';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('operations endpoints', () => {
  let web: RunningWebApp;
  beforeAll(async () => {
    web = await startWebApp();
  });
  afterAll(() => web?.close());

  it('GET /healthz answers with the database checked', async () => {
    const res = await request(web.url).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('GET /metrics speaks the Prometheus text format with Cordon gauges', async () => {
    await web.runtime.database.dataSource.query(
      `INSERT INTO outbound_message (id, purpose, sender, recipient, raw, status) VALUES (gen_random_uuid(), 't', 'a@b.c', 'd@e.f', '\\x00', 'pending')`,
    );
    const res = await request(web.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(/^cordon_outbound_messages\{status="pending"\} 1$/m);
    expect(res.text).toMatch(/^cordon_outbound_oldest_pending_seconds \d/m);
    expect(res.text).toContain('# TYPE cordon_applications gauge');
    expect(res.text).toContain('cordon_process_cpu_user_seconds_total');
  });

  it('serves pages with a strict CSP, no framing, no referrer, and no sniffing', async () => {
    const res = await request(web.url).get('/apply').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers an unknown page with a 404 page that reveals nothing', async () => {
    const res = await request(web.url).get('/no/such/page').expect(404);
    expect(res.text).toContain('Not found');
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});
