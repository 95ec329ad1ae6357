/**
 * The admin login end to end, over real HTTP against the whole web app: enrolment link, password,
 * TOTP set-up and login, CSRF, session fixation, expired and used links, and API tokens. Attacks on
 * the login (the slow-down of failing addresses, its notices, throttling) are in
 * test/admin-auth-under-attack.e2e.ts.
 */
import request from 'supertest';
import { hashToken } from '@cordon/crypto';
import {
  PASSWORD,
  Agent,
  csrfOf,
  answered,
  totpFor,
  aClient,
  aMaintainer,
  setPassword,
  submitPassword,
  submitCode,
  anActiveMaintainer,
  queryOn,
} from './support/admin-auth-steps';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('admin login', () => {
  let web: RunningWebApp;
  const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => queryOn<T>(web, sql, params);
  const maintainerRow = async (id: string) => (await query('SELECT * FROM maintainer WHERE id = $1', [id]))[0];
  const auditCount = async () => Number((await query<{ n: string }>('SELECT count(*) AS n FROM audit_entry'))[0].n);
  /** Failed logins counted against the maintainer, over every address they came from. */
  const failures = async (id: string) =>
    Number(
      (
        await query<{ n: string }>(
          'SELECT coalesce(sum(failures), 0) AS n FROM login_throttle WHERE maintainer_id = $1',
          [id],
        )
      )[0].n,
    );

  beforeAll(async () => {
    web = await startWebApp({ TRUST_PROXY: 'loopback' });
  });
  afterAll(() => web?.close());

  it('takes a new maintainer from the enrolment link through password and TOTP set-up to the admin pages', async () => {
    const maintainer = await aMaintainer(web);
    const agent = aClient(web);

    const enrolPage = await agent.get(maintainer.enrolPath).expect(200);
    expect(enrolPage.text).toContain(maintainer.email);
    await answered(setPassword(agent, maintainer.enrolPath), 303, '/admin/login?enrolled=1');
    expect((await maintainerRow(maintainer.id)).password_hash).toMatch(/^\$argon2id\$/);

    await answered(submitPassword(agent, maintainer.email), 303, '/admin/login/totp');
    // Not logged in yet: the password alone opens nothing.
    await agent.get('/admin/maintainers').expect(303).expect('Location', '/admin/login');

    const setup = await agent.get('/admin/login/totp').expect(200);
    expect(setup.text).toMatch(/<img class="qr" src="data:image\/png;base64,/);
    const secret = /class="secret"><code>([A-Z2-7 ]+)<\/code>/.exec(setup.text)![1].replace(/ /g, '');
    const sealed = (await maintainerRow(maintainer.id)).totp_secret_sealed as string;
    expect(sealed).toBeTruthy();
    expect(sealed).not.toContain(secret);

    // Answered with the recovery codes, shown this once (test/maintainer-recovery.e2e.ts), and logged in.
    const codes = await agent
      .post('/admin/login/totp')
      .type('form')
      .send({ _csrf: csrfOf(setup.text), code: totpFor(secret).generate() })
      .expect(200);
    expect(codes.text).toContain('Save your recovery codes');
    expect(await maintainerRow(maintainer.id)).toMatchObject({ status: 'active' });
    expect(await failures(maintainer.id)).toBe(0);

    // The admin home: what waits for the maintainers (README "What waits for the maintainers").
    expect((await agent.get('/admin').expect(200)).text).toContain('<h1>What waits for you</h1>');
    const list = await agent.get('/admin/maintainers').expect(200);
    expect(list.text).toContain(maintainer.email);
    expect(list.text.replace(/ /g, '')).toContain(maintainer.fingerprint);
    expect(list.text).toContain('Log out Maintainer');
    await agent.get('/admin/tokens').expect(200);
  });

  it('asks an active maintainer for the code, not for a new set-up, at the next login', async () => {
    const { agent, email, totp } = await anActiveMaintainer(web);
    const logoutPage = await agent.get('/admin/tokens').expect(200);
    await agent
      .post('/admin/logout')
      .type('form')
      .send({ _csrf: csrfOf(logoutPage.text) })
      .expect(303);
    await agent.get('/admin/tokens').expect(303).expect('Location', '/admin/login');

    await answered(submitPassword(agent, email), 303);
    const page = await agent.get('/admin/login/totp').expect(200);
    expect(page.text).not.toContain('class="qr"');
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    await agent
      .post('/admin/login/totp')
      .type('form')
      .send({ _csrf: csrfOf(page.text), code: next })
      .expect(303);
    await agent.get('/admin/tokens').expect(200);
  });

  it('refuses a wrong password, keeps the address and never echoes the password', async () => {
    const { id, email } = await anActiveMaintainer(web);
    const agent = aClient(web);
    const refused = await answered(submitPassword(agent, email, 'not my password at all'), 401);
    expect(refused.text).toContain('is not right');
    expect(refused.text).toContain(`value="${email}"`);
    expect(refused.text).not.toContain('not my password at all');
    expect(await failures(id)).toBe(1);
    await agent.get('/admin/login/totp').expect(303).expect('Location', '/admin/login');
  });

  it('gives an unknown address the same refusal as a wrong password', async () => {
    const refused = await answered(submitPassword(aClient(web), 'nobody@example.org'), 401);
    expect(refused.text).toContain('is not right');
  });

  it('refuses a wrong TOTP code and counts it', async () => {
    const { id, email, totp } = await anActiveMaintainer(web);
    const agent = aClient(web);
    await answered(submitPassword(agent, email), 303);
    const wrong = String((Number(totp.generate()) + 500_000) % 1_000_000).padStart(6, '0');
    const refused = await answered(submitCode(agent, wrong), 401);
    expect(refused.text).toContain('That code is not right');
    expect(await failures(id)).toBe(1);
    await agent.get('/admin/maintainers').expect(303);
  });

  it('refuses a replayed TOTP code', async () => {
    const { email, usedCode, agent: first } = await anActiveMaintainer(web);
    const agent = aClient(web);
    await answered(submitPassword(agent, email), 303);
    const refused = await answered(submitCode(agent, usedCode), 401);
    expect(refused.text).toContain('used already');
    await agent.get('/admin/maintainers').expect(303);
    await first.get('/admin/maintainers').expect(200);
  });

  it('gives a new session id at each login step, so a planted session id is worthless', async () => {
    const { email, totp } = await anActiveMaintainer(web);
    const agent = aClient(web);
    const page = await agent.get('/admin/login').expect(200);
    const planted = /cordon=([^;]+)/.exec(String(page.headers['set-cookie']))![1];
    const afterPassword = await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfOf(page.text), email, password: PASSWORD });
    const fresh = /cordon=([^;]+)/.exec(String(afterPassword.headers['set-cookie']))![1];
    expect(fresh).not.toBe(planted);
    await request(web.url)
      .get('/admin/login/totp')
      .set('Cookie', `cordon=${planted}`)
      .expect(303)
      .expect('Location', '/admin/login');
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    const loggedIn = await answered(submitCode(agent, next), 303);
    const final = /cordon=([^;]+)/.exec(String(loggedIn.headers['set-cookie']))![1];
    expect(final).not.toBe(fresh);
    await request(web.url).get('/admin/maintainers').set('Cookie', `cordon=${fresh}`).expect(303);
    await request(web.url).get('/admin/maintainers').set('Cookie', `cordon=${final}`).expect(200);
  });

  it('refuses a login form without or with a wrong CSRF token, and changes nothing', async () => {
    const { id, email } = await anActiveMaintainer(web);
    const agent = aClient(web);
    await agent.get('/admin/login').expect(200);
    const before = await auditCount();
    await agent.post('/admin/login').type('form').send({ email, password: 'wrong password here' }).expect(403);
    await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: 'forged', email, password: 'wrong password here' })
      .expect(403);
    await agent.post('/admin/login').type('form').send({ _csrf: 'forged', email, password: PASSWORD }).expect(403);
    expect(await failures(id)).toBe(0);
    expect(await auditCount()).toBe(before);
    await agent.get('/admin/login/totp').expect(303).expect('Location', '/admin/login');
  });

  it('refuses a logout without or with a wrong CSRF token, and stays logged in', async () => {
    const { agent } = await anActiveMaintainer(web);
    const before = await auditCount();
    await agent.post('/admin/logout').type('form').send({}).expect(403);
    await agent.post('/admin/logout').type('form').send({ _csrf: 'forged' }).expect(403);
    expect(await auditCount()).toBe(before);
    await agent.get('/admin/maintainers').expect(200);
  });

  it('refuses a used enrolment link and changes nothing', async () => {
    const maintainer = await aMaintainer(web);
    const agent = aClient(web);
    await answered(setPassword(agent, maintainer.enrolPath), 303);
    const hash = (await maintainerRow(maintainer.id)).password_hash;
    const gone = await agent.get(maintainer.enrolPath).expect(410);
    expect(gone.text).toContain('LINK_INVALID');
    const csrf = csrfOf((await agent.get('/admin/login')).text);
    await agent
      .post(maintainer.enrolPath)
      .type('form')
      .send({ _csrf: csrf, password: 'a takeover password', confirm: 'a takeover password' })
      .expect(410);
    expect((await maintainerRow(maintainer.id)).password_hash).toBe(hash);
  });

  it('refuses an expired enrolment link and changes nothing', async () => {
    const maintainer = await aMaintainer(web);
    await query(`UPDATE one_time_token SET expires_at = now() - interval '1 minute' WHERE hash = $1`, [
      hashToken(maintainer.token),
    ]);
    const agent = aClient(web);
    const before = await auditCount();
    expect((await agent.get(maintainer.enrolPath).expect(410)).text).toContain('LINK_INVALID');
    const csrf = csrfOf((await agent.get('/admin/login')).text);
    await agent
      .post(maintainer.enrolPath)
      .type('form')
      .send({ _csrf: csrf, password: PASSWORD, confirm: PASSWORD })
      .expect(410);
    expect((await maintainerRow(maintainer.id)).password_hash).toBeNull();
    expect(await auditCount()).toBe(before);
  });

  it('refuses a short or mistyped password at enrolment, beside the field, and keeps the link', async () => {
    const maintainer = await aMaintainer(web);
    const agent = aClient(web);
    const short = await answered(setPassword(agent, maintainer.enrolPath, 'short'), 400);
    expect(short.text).toMatch(/class="field-error" id="password-error">Choose a password of 12 to 200/);
    const csrf = csrfOf(short.text);
    const differ = await agent
      .post(maintainer.enrolPath)
      .type('form')
      .send({ _csrf: csrf, password: PASSWORD, confirm: `${PASSWORD}!` })
      .expect(400);
    expect(differ.text).toMatch(/id="confirm-error">The two passwords differ/);
    expect(differ.text).not.toContain(PASSWORD);
    expect((await maintainerRow(maintainer.id)).password_hash).toBeNull();
    await answered(setPassword(agent, maintainer.enrolPath), 303);
  });

  it('sends visitors who are not logged in to the login page, and JSON clients a 401', async () => {
    for (const path of ['/admin', '/admin/maintainers', '/admin/tokens']) {
      await request(web.url).get(path).expect(303).expect('Location', '/admin/login');
    }
    await request(web.url).get('/admin/maintainers').set('Accept', 'application/json').expect(401);
  });

  it('ends the session of a maintainer disabled while logged in', async () => {
    const { id, agent } = await anActiveMaintainer(web);
    await query(`UPDATE maintainer SET status = 'disabled' WHERE id = $1`, [id]);
    await agent.get('/admin/maintainers').expect(303).expect('Location', '/admin/login');
    await query(`UPDATE maintainer SET status = 'active' WHERE id = $1`, [id]);
    await agent.get('/admin/maintainers').expect(303);
  });

  describe('the JSON API', () => {
    async function createToken(agent: Agent, name: string) {
      const page = await agent.get('/admin/tokens').expect(200);
      const created = await agent
        .post('/admin/tokens')
        .type('form')
        .send({ _csrf: csrfOf(page.text), name })
        .expect(201);
      expect(created.headers['cache-control']).toBe('no-store');
      return /class="token-once"><code>(cordon_[A-Za-z0-9_-]+)<\/code>/.exec(created.text)![1];
    }

    it('refuses a request without a token with an RFC 9457 problem and a Bearer challenge', async () => {
      const res = await request(web.url).get('/api/me').expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ status: 401, code: 'NOT_AUTHENTICATED' });
    });

    it('refuses unknown and malformed tokens', async () => {
      await request(web.url)
        .get('/api/me')
        .set('Authorization', `Bearer cordon_${'A'.repeat(43)}`)
        .expect(401);
      await request(web.url).get('/api/me').set('Authorization', 'Bearer not-a-token').expect(401);
      await request(web.url).get('/api/me').set('Authorization', 'Basic dXNlcjpwYXNz').expect(401);
    });

    it('accepts a token made on the tokens page, shows it once, stores only its hash, and refuses it once revoked', async () => {
      const { id, email, agent } = await anActiveMaintainer(web);
      const token = await createToken(agent, 'release script');
      const stored = await query<{ id: string; hash: string }>(
        'SELECT id, hash FROM api_token WHERE maintainer_id = $1',
        [id],
      );
      expect(stored).toEqual([{ id: expect.any(String), hash: hashToken(token) }]);

      const me = await request(web.url).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
      expect(me.body).toEqual({ id, email, name: expect.any(String) });

      const page = await agent.get('/admin/tokens').expect(200);
      expect(page.text).toContain('release script');
      expect(page.text).not.toContain(token);
      await agent
        .post(`/admin/tokens/${stored[0].id}/revoke`)
        .type('form')
        .send({ _csrf: csrfOf(page.text) })
        .expect(303);
      await request(web.url).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
    });

    it('publishes an OpenAPI 3 document with bearer authentication at /api/docs', async () => {
      for (const path of ['/api/docs', '/api/docs.json']) {
        const res = await request(web.url).get(path).expect(200).expect('Content-Type', /json/);
        expect(res.body.openapi).toMatch(/^3\./);
        expect(res.body.info.title).toBe('Cordon API');
        expect(res.body.paths['/api/me']).toBeDefined();
        expect(Object.keys(res.body.paths).every((p: string) => p.startsWith('/api/'))).toBe(true);
        expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      }
    });
  });
});
