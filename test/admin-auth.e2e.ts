/**
 * The admin login end to end, over real HTTP against the whole web app: enrolment link, password,
 * TOTP set-up and login, the slow-down of failing addresses and its notices, throttling, CSRF,
 * session fixation, and API tokens.
 */
import { simpleParser } from 'mailparser';
import { decrypt, readMessage } from 'openpgp';
import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import { hashToken, openpgpConfig } from '@cordon/crypto';
import { AddMaintainer } from '@cordon/maintainers';
import { anOpenpgpKey } from './support/keys';
import { armoredPart } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

const PASSWORD = 'correct horse battery staple';
type Agent = ReturnType<typeof request.agent>;

function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1];
}

/** Awaits a response and checks its status (and redirect target), as supertest's expect would. */
async function answered(response: Promise<request.Response>, status: number, location?: string) {
  const res = await response;
  expect({ status: res.status, location: res.headers.location }).toEqual({
    status,
    location: location ?? res.headers.location,
  });
  return res;
}

const totpFor = (secret: string) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

let counter = 0;

/**
 * A browser with its own cookie jar and its own address. The app is started as behind a reverse
 * proxy on the same host (TRUST_PROXY=loopback), so each test is a separate client for the
 * per-address login throttle, which has a test of its own below.
 */
function aClient(web: RunningWebApp): Agent {
  return request.agent(web.url).set('X-Forwarded-For', `198.51.100.${++counter % 250}`);
}

/** A maintainer as `cordon maintainer add` makes one, through the app's own use case. */
async function aMaintainer(web: RunningWebApp) {
  const email = `maintainer${++counter}@example.org`;
  const key = await anOpenpgpKey(email, `Maintainer ${counter}`);
  const added = await web.runtime.database.dataSource.transaction((manager) =>
    web.app.get(AddMaintainer).execute({ email, name: `Maintainer ${counter}`, keyArmored: key.publicKey }, manager),
  );
  const enrolPath = new URL(added.enrolmentUrl).pathname;
  return { id: added.maintainerId, email, fingerprint: key.fingerprint, enrolPath, token: enrolPath.split('/').pop()! };
}

async function setPassword(agent: Agent, enrolPath: string, password = PASSWORD) {
  const page = await agent.get(enrolPath).expect(200);
  return agent
    .post(enrolPath)
    .type('form')
    .send({ _csrf: csrfOf(page.text), password, confirm: password });
}

async function submitPassword(agent: Agent, email: string, password = PASSWORD) {
  const page = await agent.get('/admin/login').expect(200);
  return agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfOf(page.text), email, password });
}

async function submitCode(agent: Agent, code: string) {
  const page = await agent.get('/admin/login/totp').expect(200);
  return agent
    .post('/admin/login/totp')
    .type('form')
    .send({ _csrf: csrfOf(page.text), code });
}

/** Enrolment link, password, TOTP set-up: returns a logged-in agent and the maintainer's authenticator. */
async function anActiveMaintainer(web: RunningWebApp) {
  const maintainer = await aMaintainer(web);
  const agent = aClient(web);
  await answered(setPassword(agent, maintainer.enrolPath), 303);
  await answered(submitPassword(agent, maintainer.email), 303, '/admin/login/totp');
  const page = await agent.get('/admin/login/totp').expect(200);
  const secret = /class="secret"><code>([A-Z2-7 ]+)<\/code>/.exec(page.text)![1].replace(/ /g, '');
  const totp = totpFor(secret);
  const usedCode = totp.generate();
  await agent
    .post('/admin/login/totp')
    .type('form')
    .send({ _csrf: csrfOf(page.text), code: usedCode })
    .expect(200); // the recovery codes, shown once (test/maintainer-recovery.e2e.ts)
  return { ...maintainer, agent, secret, totp, usedCode };
}

describe('admin login', () => {
  let web: RunningWebApp;
  const query = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await web.runtime.database.dataSource.query(sql, params)) as T[];
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

describe('admin login under attack', () => {
  let web: RunningWebApp;
  const query = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await web.runtime.database.dataSource.query(sql, params)) as T[];
  const pairOf = async (id: string, address: string) =>
    (
      await query<{ failures: number; not_before: Date | null; last_failed_at: Date }>(
        'SELECT failures, not_before, last_failed_at FROM login_throttle WHERE maintainer_id = $1 AND address = $2',
        [id, address],
      )
    )[0];
  const notices = (id: string) =>
    query<{ raw: Buffer }>(
      `SELECT o.raw FROM outbound_message o JOIN maintainer m ON lower(m.email) = lower(o.recipient)
       WHERE o.purpose = 'maintainer.login_failures' AND m.id = $1 ORDER BY o.created_at`,
      [id],
    );
  /** A browser at a given address, as the reverse proxy in front (TRUST_PROXY=loopback) names it. */
  const clientAt = (address: string) => request.agent(web.url).set('X-Forwarded-For', address);
  async function attempts(agent: Agent, email: string, passwords: string[]) {
    const csrf = csrfOf((await agent.get('/admin/login').expect(200)).text);
    const statuses: number[] = [];
    for (const password of passwords) {
      statuses.push((await agent.post('/admin/login').type('form').send({ _csrf: csrf, email, password })).status);
    }
    return statuses;
  }
  /** The notice as the maintainer reads it: decrypted with its own key. */
  async function opened(raw: Buffer, email: string) {
    const { privateKey } = await anOpenpgpKey(email);
    const message = await readMessage({ armoredMessage: armoredPart(raw.toString('utf8')) });
    const { data } = await decrypt({ message, decryptionKeys: privateKey, config: openpgpConfig });
    const inner = await simpleParser(data as string);
    return { subject: inner.subject ?? '', text: inner.text ?? '' };
  }

  beforeAll(async () => {
    web = await startWebApp({ LOGIN_MAX_ATTEMPTS: '3', TRUST_PROXY: 'loopback' });
  });
  afterAll(() => web?.close());

  it('does not let a stranger lock a maintainer out: its address is slowed down, the maintainer logs in from its own at once', async () => {
    const maintainer = await anActiveMaintainer(web);
    const stranger = clientAt('203.0.113.9');
    const wrong = ['wrong password one', 'wrong password two', 'wrong password three'];
    expect(await attempts(stranger, maintainer.email, wrong)).toEqual([401, 401, 401]);
    const third = (await pairOf(maintainer.id, '203.0.113.9'))!;
    expect(third.failures).toBe(3);
    expect(third.not_before!.getTime() - third.last_failed_at.getTime()).toBe(1000);
    // As after a long run of guesses: the address waits minutes (its first wait, 1 s, may pass during a request).
    await query(`UPDATE login_throttle SET not_before = now() + interval '10 minutes' WHERE maintainer_id = $1`, [
      maintainer.id,
    ]);
    const slowed = (await pairOf(maintainer.id, '203.0.113.9'))!;

    // While it waits, the stranger's next attempt is not checked: even the right password is refused,
    // with the same words as a wrong one, and neither counts nor makes the wait longer.
    const csrf = csrfOf((await stranger.get('/admin/login').expect(200)).text);
    const refused = await stranger
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrf, email: maintainer.email, password: PASSWORD })
      .expect(401);
    expect(refused.text).toContain('is not right');
    await stranger.get('/admin/login/totp').expect(303).expect('Location', '/admin/login');
    expect(await pairOf(maintainer.id, '203.0.113.9')).toEqual(slowed);

    // The maintainer, from its own address, gets in at once: password, then code.
    const own = clientAt('198.51.100.201');
    await answered(submitPassword(own, maintainer.email), 303, '/admin/login/totp');
    await answered(submitCode(own, maintainer.totp.generate({ timestamp: Date.now() + 30_000 })), 303, '/admin');
    await own.get('/admin/applications').expect(200);
    expect(await pairOf(maintainer.id, '198.51.100.201')).toBeUndefined();
    expect((await query('SELECT status FROM maintainer WHERE id = $1', [maintainer.id]))[0]).toEqual({
      status: 'active',
    });
  });

  it('tells the maintainer of failed logins, encrypted, with addresses and counts, at most once an hour', async () => {
    const maintainer = await anActiveMaintainer(web);
    expect(await attempts(clientAt('203.0.113.21'), maintainer.email, ['guess one!!!', 'guess two!!!'])).toEqual([
      401, 401,
    ]);
    expect(await notices(maintainer.id)).toHaveLength(0); // two failures: perhaps its own typing
    expect(await attempts(clientAt('203.0.113.22'), maintainer.email, ['guess three!!'])).toEqual([401]);
    const [first] = await notices(maintainer.id);
    expect(first).toBeDefined();
    expect(first.raw.toString('utf8')).not.toContain('203.0.113.2');
    const notice = await opened(first.raw, maintainer.email);
    expect(notice.subject).toMatch(/^Failed logins to your account/);
    expect(notice.text).toMatch(/203\.0\.113\.21: 2 wrong passwords/);
    expect(notice.text).toMatch(/203\.0\.113\.22: 1 wrong password,/);
    expect(notice.text).toContain('Your account was not locked');

    // More guessing within the hour makes no more mail; it goes in the next notice.
    expect(await attempts(clientAt('203.0.113.23'), maintainer.email, ['guess four!!', 'guess five!!'])).toEqual([
      401, 401,
    ]);
    expect(await notices(maintainer.id)).toHaveLength(1);
    await query(`UPDATE maintainer SET failed_logins_reported_at = now() - interval '61 minutes' WHERE id = $1`, [
      maintainer.id,
    ]);
    expect(await attempts(clientAt('203.0.113.24'), maintainer.email, ['guess six!!!'])).toEqual([401]);
    const all = await notices(maintainer.id);
    expect(all).toHaveLength(2);
    const second = await opened(all[1].raw, maintainer.email);
    expect(second.text).toMatch(/203\.0\.113\.23: 2 wrong passwords/);
    expect(second.text).toMatch(/203\.0\.113\.24: 1 wrong password,/);
    expect(second.text).not.toContain('203.0.113.21');
  });

  it('throttles the address before its attempts reach any account', async () => {
    const maintainer = await aMaintainer(web);
    await answered(setPassword(aClient(web), maintainer.enrolPath), 303);
    // 10 login posts a minute per address; the 11th is refused before it reaches the account.
    const passwords = Array.from({ length: 12 }, (_, i) => `guess ${i} guess ${i}`);
    const statuses = await attempts(clientAt('203.0.113.40'), maintainer.email, passwords);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // The attempts let through while the address waited were not checked, so only three counted.
    expect((await pairOf(maintainer.id, '203.0.113.40'))?.failures).toBeLessThan(10);
  });
});
