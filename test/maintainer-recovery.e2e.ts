/**
 * Maintainers come and go (issue 11): recovery codes and resetting another maintainer's
 * authenticator, over HTTP as a maintainer's browser and scripts use them.
 *
 * - The authenticator set-up is answered with ten recovery codes, shown that once: no later page
 *   shows them. A recovery code logs in in place of the 6-digit code once, never twice, and the
 *   maintainer is told by mail (opened with its real `gpg`) how many are left.
 * - Maintainer A resets B's authenticator with a fresh code of its own: B's open session and API
 *   token stop working at once, and B comes back through the enrolment link mailed encrypted to
 *   its key, opened with B's `gpg`. Resetting oneself is refused, and so is a wrong code, and
 *   neither changes anything. Over the API, the same.
 */
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { createWebApp } from '../apps/cordon/src/web/create-web-app';
import {
  Agent,
  agentLogin,
  addMaintainer,
  MaintainerAccount,
  MAINTAINER_PASSWORD,
  nextCode,
  recoveryCodesIn,
  totpOf,
} from './support/admin-login';
import { csrfFrom } from './support/forms';
import { GpgHome } from './support/gpg';
import { armoredPart, linkIn } from './support/mailbox';
import { RunningRelay, startRelay } from './support/relay-app';
import { RunningWebApp } from './support/web-app';

describe('maintainer recovery codes and authenticator reset', () => {
  let relay: RunningRelay;
  let web: RunningWebApp;
  let aGpg: GpgHome;
  let bGpg: GpgHome;
  let a: { account: MaintainerAccount; agent: Agent };
  let b: { account: MaintainerAccount; agent: Agent };
  const query = (sql: string, params: unknown[] = []) =>
    relay.runtime.database.dataSource.query(sql, params) as Promise<Record<string, unknown>[]>;

  beforeAll(async () => {
    relay = await startRelay();
    const app = await createWebApp(relay.runtime);
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    relay.runtime.settings.publicUrl = url;
    web = { app, runtime: relay.runtime, settings: relay.runtime.settings, url, close: () => app.close() };
    const listArmored = await relay.app.get(ListKey).armoredPublicKey();
    [aGpg, bGpg] = [GpgHome.create(), GpgHome.create()];
    for (const home of [aGpg, bGpg]) await home.importKey(listArmored);
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    await relay?.close();
    for (const home of [aGpg, bGpg]) await home?.cleanup();
  });

  /** The newest mail to `to` with this inner subject, opened by `gpg` in `home`. */
  async function mailFor(to: string, subject: RegExp, home: GpgHome) {
    await relay.settle();
    for (const mail of [...relay.sink.to(to)].reverse()) {
      const opened = await home.decrypt(armoredPart(mail.raw.toString('utf8')));
      if (!opened.decrypted) continue;
      const inner = await simpleParser(opened.plaintext);
      if (subject.test(inner.subject ?? '')) return { subject: inner.subject ?? '', text: inner.text ?? '' };
    }
    throw new Error(`no mail to ${to} matching ${subject} that this GnuPG home can decrypt`);
  }

  /** Password, then `code` at the second step, in a fresh client; the answer to the code. */
  async function loginWith(account: MaintainerAccount, code: string) {
    const agent = request.agent(web.url);
    const login = await agent.get('/admin/login').expect(200);
    await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: account.email, password: account.password })
      .expect(303)
      .expect('Location', '/admin/login/totp');
    const step = await agent.get('/admin/login/totp').expect(200);
    const answer = await agent
      .post('/admin/login/totp')
      .type('form')
      .send({ _csrf: csrfFrom(step.text), code });
    return { agent, answer };
  }

  /** A wrong 6-digit code for `account`: one from long ago. */
  const wrongCode = (account: MaintainerAccount) => totpOf(account.totpSecret!).generate({ timestamp: 0 });

  async function resetPage(agent: Agent, id: string) {
    return agent.get(`/admin/maintainers/${id}/reset-totp`);
  }

  async function postReset(agent: Agent, id: string, code: string) {
    const page = await resetPage(agent, id).then((r) => r);
    return agent
      .post(`/admin/maintainers/${id}/reset-totp`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), code });
  }

  it('shows the recovery codes once, at the authenticator set-up', async () => {
    const account = await addMaintainer(web, { email: 'alice@project.example', name: 'Alice', gpg: aGpg });
    const agent = await agentLogin(web, account);
    a = { account, agent };
    const codes = account.recoveryCodes!;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    // The set-up page does not come back, and no page shows the codes again.
    await agent.get('/admin/login/totp').expect(303).expect('Location', '/admin');
    const page = await agent.get('/admin/recovery-codes').expect(200);
    expect(page.text).toContain('<strong>10</strong> unused recovery codes');
    for (const path of ['/admin/recovery-codes', '/admin/maintainers', '/admin/tokens']) {
      const text = (await agent.get(path).expect(200)).text;
      for (const code of codes) expect(text).not.toContain(code);
    }
    // Only their hashes are kept.
    const stored = JSON.stringify(await query('SELECT * FROM maintainer_recovery_code'));
    for (const code of codes) expect(stored).not.toContain(code.replace(/-/g, ''));

    // Alone, Alice learns that nobody in the UI can reset her authenticator, and what the operator runs.
    const list = await agent.get('/admin/maintainers').expect(200);
    expect(list.text).toContain('You are the only active maintainer');
    expect(list.text).toContain('cordon maintainer reset-totp alice@project.example');
  });

  it('logs in with a recovery code once, not twice, and tells the maintainer how many are left', async () => {
    const code = a.account.recoveryCodes![0];
    const first = await loginWith(a.account, code.toUpperCase());
    expect({ status: first.answer.status, location: first.answer.headers.location }).toEqual({
      status: 303,
      location: '/admin',
    });
    await first.agent.get('/admin/maintainers').expect(200);

    const second = await loginWith(a.account, code);
    expect(second.answer.status).toBe(401);
    expect(second.answer.text).toContain('each code works once');
    await second.agent.get('/admin/maintainers').expect(303).expect('Location', '/admin/login');

    const mail = await mailFor(a.account.email, /recovery code was used/, aGpg);
    expect(mail.text).toContain('9 of your recovery codes are left');
    expect(
      await query(`SELECT actor, details FROM audit_entry WHERE action = 'maintainer.recovery_code_used'`),
    ).toEqual([{ actor: `maintainer:${a.account.id}`, details: expect.objectContaining({ remaining: 9 }) }]);
  });

  it('makes new recovery codes only with a current code; the old ones stop working', async () => {
    const page = await a.agent.get('/admin/recovery-codes').expect(200);
    expect(page.text).toContain('<strong>9</strong> unused recovery codes');
    const post = (code: string) =>
      a.agent
        .post('/admin/recovery-codes')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), code });
    const refused = await post(wrongCode(a.account));
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('That code is not right');

    const made = await post(await nextCode(a.account));
    expect(made.status).toBe(201);
    expect(made.headers['cache-control']).toBe('no-store');
    const fresh = recoveryCodesIn(made.text);
    expect(fresh).toHaveLength(10);
    expect((await loginWith(a.account, a.account.recoveryCodes![1])).answer.status).toBe(401);
    a.account.recoveryCodes = fresh;
  });

  it("resets another maintainer's authenticator: its session and token stop at once, it re-enrols by mail", async () => {
    const account = await addMaintainer(web, { email: 'bob@project.example', name: 'Bob', gpg: bGpg });
    b = { account, agent: await agentLogin(web, account) };
    const tokens = await b.agent.get('/admin/tokens').expect(200);
    const created = await b.agent
      .post('/admin/tokens')
      .type('form')
      .send({ _csrf: csrfFrom(tokens.text), name: 'release script' })
      .expect(201);
    const token = /class="token-once"><code>([^<]+)<\/code>/.exec(created.text)![1];
    const bearer = () => request(web.url).get('/api/me').set('Authorization', `Bearer ${token}`);
    await bearer().expect(200);
    await b.agent.get('/admin/maintainers').expect(200);

    // The maintainers page offers the reset of Bob, not of Alice herself.
    const list = await a.agent.get('/admin/maintainers').expect(200);
    expect(list.text).toContain('Reset the authenticator of Bob');
    expect(list.text).not.toContain('Reset the authenticator of Alice');
    const before = await query('SELECT * FROM maintainer WHERE id = $1', [b.account.id]);

    // Alice's own: refused before any code is looked at (this one is wrong, and not counted).
    const own = await postReset(a.agent, a.account.id, wrongCode(a.account));
    expect(own.status).toBe(403);
    expect(own.text).toContain('ask another maintainer');
    // A wrong code: refused, and Bob is untouched.
    const wrong = await postReset(a.agent, b.account.id, wrongCode(a.account));
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That code is not right');
    expect(await query('SELECT * FROM maintainer WHERE id = $1', [b.account.id])).toEqual(before);
    await b.agent.get('/admin/maintainers').expect(200);
    await bearer().expect(200);

    const done = await postReset(a.agent, b.account.id, await nextCode(a.account));
    expect(done.status).toBe(200);
    expect(done.text).toContain('is reset');
    // At once: Bob's open session and his token.
    await b.agent.get('/admin/maintainers').expect(303).expect('Location', '/admin/login');
    await bearer().expect(401);
    // Neither his old password nor his recovery codes open anything now.
    const login = await request(web.url).get('/admin/login').expect(200);
    const refusedPassword = await request
      .agent(web.url)
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: b.account.email, password: b.account.password });
    expect(refusedPassword.status).not.toBe(303);
    expect(await query(`SELECT actor FROM audit_entry WHERE action = 'maintainer.totp_reset'`)).toEqual([
      { actor: `maintainer:${a.account.id}` },
    ]);

    // Bob opens the mail with his own key and enrols again: a new password, a new authenticator, new codes.
    const mail = await mailFor(b.account.email, /authenticator .* was reset/, bGpg);
    expect(mail.text).toContain('Alice reset the second login factor');
    const link = linkIn(mail.text, '/admin/enrol/');
    const oldCodes = b.account.recoveryCodes!;
    b.account = {
      ...b.account,
      password: `${MAINTAINER_PASSWORD} again`,
      enrolmentUrl: link,
      enrolPath: new URL(link).pathname,
      totpSecret: undefined,
      lastStep: undefined,
    };
    b.agent = await agentLogin(web, b.account);
    await b.agent.get('/admin/maintainers').expect(200);
    expect(b.account.recoveryCodes!.filter((c) => oldCodes.includes(c))).toEqual([]);
    expect((await loginWith(b.account, oldCodes[0])).answer.status).toBe(401);
    // The enrolment link worked once.
    await request(web.url).get(b.account.enrolPath).expect(410);
  }, 180_000); // fresh codes for Alice and Bob's new authenticator may wait for the next 30-second step

  it('resets over the API with a fresh code of the caller, never its own', async () => {
    const tokens = await a.agent.get('/admin/tokens').expect(200);
    const created = await a.agent
      .post('/admin/tokens')
      .type('form')
      .send({ _csrf: csrfFrom(tokens.text), name: 'ops script' })
      .expect(201);
    const token = /class="token-once"><code>([^<]+)<\/code>/.exec(created.text)![1];
    const reset = (id: string, totpCode: string) =>
      request(web.url)
        .post(`/api/maintainers/${id}/reset-totp`)
        .set('Authorization', `Bearer ${token}`)
        .send({ totpCode });

    expect((await reset(a.account.id, wrongCode(a.account))).status).toBe(403);
    expect((await reset(b.account.id, wrongCode(a.account))).status).toBe(401);
    await b.agent.get('/admin/maintainers').expect(200);

    const done = await reset(b.account.id, await nextCode(a.account));
    expect({ status: done.status, body: done.body }).toEqual({
      status: 200,
      body: { id: b.account.id, status: 'invited', tokensRevoked: 0 },
    });
    await b.agent.get('/admin/maintainers').expect(303);
  }, 120_000);
});
