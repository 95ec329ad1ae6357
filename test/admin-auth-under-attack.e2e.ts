/**
 * The admin login under attack, over real HTTP against the whole web app: a stranger cannot lock a
 * maintainer out (the failing address is slowed down, not the account), the maintainer is told of
 * failed logins, encrypted, and an address is throttled before its attempts reach any account.
 */
import { simpleParser } from 'mailparser';
import { decrypt, readMessage } from 'openpgp';
import request from 'supertest';
import { openpgpConfig } from '@cordon/crypto';
import {
  PASSWORD,
  Agent,
  csrfOf,
  answered,
  aClient,
  aMaintainer,
  setPassword,
  submitPassword,
  submitCode,
  anActiveMaintainer,
  queryOn,
} from './support/admin-auth-steps';
import { anOpenpgpKey } from './support/keys';
import { armoredPart } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('admin login under attack', () => {
  let web: RunningWebApp;
  const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => queryOn<T>(web, sql, params);
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
