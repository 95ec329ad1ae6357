/**
 * Maintainers come and go (issue 11): a maintainer adds another in the admin UI only with a fresh
 * code from its authenticator app (none, a wrong one or a used one adds no one); the new
 * maintainer gets its enrolment link encrypted to its key. A maintainer replaces its own key: the
 * link mailed encrypted to the NEW key is opened with the real `gpg` that holds only that key,
 * followed, and from then on a post signed with the new key is relayed and one signed with the old
 * key is refused. Over the API, adding needs the code too, and a key in use is refused.
 */
import { createTransport } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { readKey } from 'openpgp';
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { CreateApiToken } from '@cordon/maintainers';
import { createWebApp } from '../apps/cordon/src/web/create-web-app';
import {
  Agent,
  agentLogin,
  addMaintainer,
  MaintainerAccount,
  MAINTAINER_PASSWORD,
  nextCode,
  totpOf,
} from './support/admin-login';
import { gpgPost } from './support/client-mail';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { armoredPart, linkIn } from './support/mailbox';
import { RunningRelay, startRelay } from './support/relay-app';
import { RunningWebApp } from './support/web-app';

const LIST = 'distributors@example.org';
const NEWCOMER = 'newcomer@project.example';

describe('maintainer credentials', () => {
  let relay: RunningRelay;
  let web: RunningWebApp;
  let listArmored: string;
  let listFpr: string;
  /** The lead's keys; the newcomer's first key; the newcomer's new key, each in a GnuPG home of its own. */
  let leadGpg: GpgHome;
  let newcomerGpg: GpgHome;
  let newKeyGpg: GpgHome;
  let lead: { account: MaintainerAccount; agent: Agent; token: string };
  let newcomer: { account: MaintainerAccount; agent: Agent } | undefined;
  const query = (sql: string, params: unknown[] = []) =>
    relay.runtime.database.dataSource.query(sql, params) as Promise<Record<string, unknown>[]>;

  beforeAll(async () => {
    relay = await startRelay();
    const app = await createWebApp(relay.runtime);
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    relay.runtime.settings.publicUrl = url;
    web = { app, runtime: relay.runtime, settings: relay.runtime.settings, url, close: () => app.close() };
    listArmored = await relay.app.get(ListKey).armoredPublicKey();
    listFpr = (await readKey({ armoredKey: listArmored })).getFingerprint().toUpperCase();
    [leadGpg, newcomerGpg, newKeyGpg] = [GpgHome.create(), GpgHome.create(), GpgHome.create()];
    for (const home of [leadGpg, newcomerGpg, newKeyGpg]) await home.importKey(listArmored);
    const account = await addMaintainer(web, { email: 'lead@project.example', name: 'Lead', gpg: leadGpg });
    const agent = await agentLogin(web, account);
    const { token } = await web.app.get(CreateApiToken).execute(account.id, 'release script');
    lead = { account, agent, token };
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    await relay?.close();
    for (const home of [leadGpg, newcomerGpg, newKeyGpg]) await home?.cleanup();
  });

  const maintainers = async () => (await query('SELECT email FROM maintainer ORDER BY email')).map((r) => r.email);
  const audit = (action: string) =>
    query('SELECT actor, subject, details FROM audit_entry WHERE action = $1 ORDER BY seq', [action]);

  /** The newest mail the sink got for `to` with this inner subject, opened by `gpg` in `home`. */
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

  async function postSignedBy(home: GpgHome, fingerprint: string, from: string, subject: string) {
    const raw = await gpgPost({
      gpg: home,
      signerFingerprint: fingerprint,
      listFingerprint: listFpr,
      from: { name: 'Newcomer', address: from },
      to: LIST,
      subject,
      text: `Signed by ${fingerprint}.\n`,
    });
    const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from, to: [LIST] }, raw });
    } finally {
      transport.close();
    }
    await relay.settle();
    const [inbound] = await query(
      `SELECT status, refusal_code FROM inbound_message WHERE mail_from = $1 ORDER BY received_at DESC LIMIT 1`,
      [from],
    );
    return inbound;
  }

  /** The add form as a browser sends it: multipart, the key as a file. */
  async function submitAdd(fields: Record<string, string>, keyFile?: string) {
    const page = await lead.agent.get('/admin/maintainers').expect(200);
    let req = lead.agent.post('/admin/maintainers/add').field('_csrf', csrfFrom(page.text));
    for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
    if (keyFile) req = req.attach('keyFile', Buffer.from(keyFile), 'key.asc');
    return req;
  }

  let newcomerFpr: string;
  let newcomerKey: string;

  it('adds a maintainer in the admin UI only with a fresh code from the acting maintainer', async () => {
    newcomerFpr = await newcomerGpg.generateKey(NEWCOMER, { userId: `Newcomer <${NEWCOMER}>` });
    newcomerKey = await newcomerGpg.exportPublic(newcomerFpr);
    const form = { name: 'Newcomer', email: NEWCOMER };
    const before = await maintainers();

    // No code, a wrong code: refused beside the code field, and no one is added.
    const noCode = await submitAdd(form, newcomerKey);
    expect(noCode.status).toBe(401);
    expect(noCode.text).toMatch(/id="code-error">Enter the current code/);
    const wrong = totpOf(lead.account.totpSecret!).generate({ timestamp: 0 });
    const wrongCode = await submitAdd({ ...form, code: wrong }, newcomerKey);
    expect(wrongCode.status).toBe(401);
    expect(wrongCode.text).toContain('That code is not right');
    expect(await maintainers()).toEqual(before);

    // The right code adds it; the page says where the enrolment link went, not what it is.
    const code = await nextCode(lead.account);
    const added = await submitAdd({ ...form, code }, newcomerKey);
    expect(added.status).toBe(201);
    expect(added.text).toContain('id="maintainer-added"');
    expect(added.text).not.toContain('/admin/enrol/');
    expect(await maintainers()).toEqual([...before, NEWCOMER].sort());
    const [entry] = (await audit('maintainer.added')).filter(
      (e) => (e.details as { email: string }).email === NEWCOMER,
    );
    expect(entry.actor).toBe(`maintainer:${lead.account.id}`);

    // The same code again: refused as used, even for another address, and no one is added.
    const replayed = await submitAdd({ name: 'Other', email: 'other@project.example', code }, newcomerKey);
    expect(replayed.status).toBe(401);
    expect(replayed.text).toContain('That code has been used already');
    expect(await maintainers()).toEqual([...before, NEWCOMER].sort());
    const refusals = (await audit('maintainer.login_failed')).filter(
      (e) => e.subject === `maintainer:${lead.account.id}`,
    );
    expect(refusals.map((e) => (e.details as { reason: string; step: string }).reason)).toEqual([
      'wrong_code',
      'replayed_code',
    ]);

    // The newcomer alone can read its enrolment link, and enrols with it.
    const invitation = await mailFor(NEWCOMER, /You are a maintainer/, newcomerGpg);
    const enrolmentUrl = linkIn(invitation.text, '/admin/enrol/');
    const [row] = await query('SELECT id FROM maintainer WHERE email = $1', [NEWCOMER]);
    const account: MaintainerAccount = {
      id: String(row.id),
      email: NEWCOMER,
      name: 'Newcomer',
      password: MAINTAINER_PASSWORD,
      fingerprint: newcomerFpr,
      enrolmentUrl,
      enrolPath: pathOf(enrolmentUrl),
    };
    newcomer = { account, agent: await agentLogin(web, account) };
  }, 120_000);

  it('replaces a maintainer key only once the link mailed encrypted to the new key is followed', async () => {
    if (!newcomer) throw new Error('the newcomer was not added');
    const newFpr = await newKeyGpg.generateKey(NEWCOMER, { userId: `Newcomer <${NEWCOMER}>` });
    const page = await newcomer.agent.get('/admin/key').expect(200);
    expect(page.text).toContain(newcomerFpr);
    const sent = await newcomer.agent
      .post('/admin/key')
      .field('_csrf', csrfFrom(page.text))
      .field('key', await newKeyGpg.exportPublic(newFpr));
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('id="key-sent"');
    const [proposed] = await audit('maintainer.key_proposed');
    expect(proposed).toMatchObject({ actor: `maintainer:${newcomer.account.id}`, details: { keyFingerprint: newFpr } });

    // Until the link is followed the old key is in force.
    expect(await postSignedBy(newcomerGpg, newcomerFpr, NEWCOMER, 'Old key, before')).toMatchObject({
      status: 'processed',
    });

    // Only the new key opens the proof mail; the link in it survives gpg --decrypt whole.
    await expect(mailFor(NEWCOMER, /Confirm your new maintainer key/, newcomerGpg)).rejects.toThrow();
    const proof = await mailFor(NEWCOMER, /Confirm your new maintainer key/, newKeyGpg);
    const link = pathOf(linkIn(proof.text, '/admin/key/confirm/'));
    const visitor = request.agent(web.url);
    const confirmPage = await visitor.get(link).expect(200);
    expect(confirmPage.text).toContain(newFpr);
    // GET changed nothing.
    expect((await query('SELECT key_fingerprint FROM maintainer WHERE email = $1', [NEWCOMER]))[0]).toEqual({
      key_fingerprint: newcomerFpr,
    });
    // Without its CSRF token the POST is refused and changes nothing.
    await visitor.post(link).type('form').send({}).expect(403);
    const confirmed = await visitor
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(confirmPage.text) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('id="key-confirmed"');
    await visitor
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(confirmPage.text) })
      .expect(410);
    const [changed] = await audit('maintainer.key_changed');
    expect(changed).toMatchObject({
      actor: `maintainer:${newcomer.account.id}`,
      details: { previousKeyFingerprint: newcomerFpr, keyFingerprint: newFpr },
    });

    // From now on: the new key posts, the old one is refused.
    expect(await postSignedBy(newKeyGpg, newFpr, NEWCOMER, 'New key')).toMatchObject({ status: 'processed' });
    expect(await postSignedBy(newcomerGpg, newcomerFpr, NEWCOMER, 'Old key, after')).toMatchObject({
      status: 'refused',
      refusal_code: 'SIGNER_NOT_MAINTAINER',
    });
    // The old key is told.
    expect((await mailFor(NEWCOMER, /was replaced/, newcomerGpg)).text).toContain(newFpr);
  }, 180_000);

  it('over the API: adding needs a fresh code, and a key already in use is refused', async () => {
    const api = (path: string) => request(web.url).post(path).set('Authorization', `Bearer ${lead.token}`);
    const email = 'api-added@project.example';
    const fpr = await leadGpg.generateKey(email, { userId: `Api Added <${email}>` });
    const key = await leadGpg.exportPublic(fpr);
    const before = await maintainers();
    const noCode = await api('/api/maintainers').send({ name: 'Api Added', email, key });
    expect(noCode.status).toBe(400);
    const wrong = totpOf(lead.account.totpSecret!).generate({ timestamp: 0 });
    const wrongCode = await api('/api/maintainers').send({ name: 'Api Added', email, key, totpCode: wrong });
    expect(wrongCode.status).toBe(401);
    expect(await maintainers()).toEqual(before);

    // The lead's own key, with the newcomer's address added to it, is already in use.
    await leadGpg.must(['--quick-add-uid', lead.account.fingerprint, `Newcomer <${NEWCOMER}>`]);
    const taken = await request(web.url)
      .post('/api/maintainers/me/key')
      .set('Authorization', `Bearer ${(await web.app.get(CreateApiToken).execute(newcomer!.account.id, 'cli')).token}`)
      .send({ key: await leadGpg.exportPublic(lead.account.fingerprint) });
    expect(taken.status).toBe(400);
    expect(taken.body.detail ?? taken.body.message).toMatch(/already in use/);

    const added = await api('/api/maintainers').send({
      name: 'Api Added',
      email,
      key,
      totpCode: await nextCode(lead.account),
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email, keyFingerprint: fpr });
    expect(await maintainers()).toEqual([...before, email].sort());
  }, 120_000);
});
