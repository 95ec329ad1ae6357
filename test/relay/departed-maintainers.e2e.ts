/**
 * Maintainers come and go (issue 11): from the moment a maintainer is disabled (in the admin UI)
 * or removed (through the API), a post signed with its real `gpg` key is refused, its admin
 * session ends, its API token stops working, and it hears no more maintainer mail. The last
 * active maintainer cannot leave, and that refusal changes nothing.
 */
import { createTransport } from 'nodemailer';
import { readKey } from 'openpgp';
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { CreateApiToken } from '@cordon/maintainers';
import { createWebApp } from '../../apps/cordon/src/web/create-web-app';
import { Agent, agentLogin, addMaintainer, MaintainerAccount } from '../support/admin-login';
import { gpgPost } from '../support/client-mail';
import { csrfFrom } from '../support/forms';
import { GpgHome } from '../support/gpg';
import { RunningRelay, startRelay } from '../support/relay-app';
import { RunningWebApp } from '../support/web-app';

const LIST = 'distributors@example.org';

interface Departing {
  account: MaintainerAccount;
  agent: Agent;
  token: string;
}

describe('a departed maintainer', () => {
  let relay: RunningRelay;
  let web: RunningWebApp;
  let gpg: GpgHome;
  let listFpr: string;
  let lead: { account: MaintainerAccount; agent: Agent; token: string };
  const db = () => relay.runtime.database.dataSource;
  const query = (sql: string, params: unknown[] = []) => db().query(sql, params) as Promise<Record<string, unknown>[]>;

  /** The relay and the admin UI on one runtime (one database), as `cordon serve` runs them. */
  beforeAll(async () => {
    relay = await startRelay();
    const app = await createWebApp(relay.runtime);
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    relay.runtime.settings.publicUrl = url;
    web = { app, runtime: relay.runtime, settings: relay.runtime.settings, url, close: () => app.close() };
    gpg = GpgHome.create();
    const listArmored = await relay.app.get(ListKey).armoredPublicKey();
    await gpg.importKey(listArmored);
    listFpr = (await readKey({ armoredKey: listArmored })).getFingerprint().toUpperCase();
    lead = await aLoggedInMaintainer('lead@project.example');
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    await relay?.close();
    await gpg?.cleanup();
  });

  async function aLoggedInMaintainer(email: string): Promise<Departing> {
    const account = await addMaintainer(web, { email, gpg });
    const agent = await agentLogin(web, account);
    const { token } = await web.app.get(CreateApiToken).execute(account.id, 'release script');
    return { account, agent, token };
  }

  async function send(raw: Buffer, from: string): Promise<void> {
    const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from, to: [LIST] }, raw });
    } finally {
      transport.close();
    }
  }

  /** A real post: `gpg --sign --encrypt` by the maintainer's own key, sent over SMTP; its inbound row after the pipeline. */
  async function postSignedBy(m: MaintainerAccount, subject: string) {
    const raw = await gpgPost({
      gpg,
      signerFingerprint: m.fingerprint,
      listFingerprint: listFpr,
      from: { name: m.name, address: m.email },
      to: LIST,
      subject,
      text: `Signed by ${m.email}.\n`,
    });
    await send(raw, m.email);
    await relay.settle();
    const [inbound] = await query(
      `SELECT id, status, refusal_code FROM inbound_message WHERE mail_from = $1 ORDER BY received_at DESC LIMIT 1`,
      [m.email],
    );
    return inbound;
  }

  const posts = async () => Number((await query('SELECT count(*) AS n FROM post'))[0].n);
  const maintainerMailTo = async (email: string, purpose: string) =>
    Number(
      (
        await query('SELECT count(*) AS n FROM outbound_message WHERE recipient = $1 AND purpose = $2', [
          email,
          purpose,
        ])
      )[0].n,
    );

  async function expectGone(departed: Departing, postsBefore: number) {
    // Its session ends: the next admin page is the login page.
    const page = await departed.agent.get('/admin/posts');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/admin/login');
    // Its API token stops working.
    await request(web.url).get('/api/posts').set('Authorization', `Bearer ${departed.token}`).expect(401);
    // Its signed post is refused, and the refusal report goes to the lead, not to it.
    const inbound = await postSignedBy(departed.account, 'After leaving');
    expect(inbound).toMatchObject({ status: 'refused', refusal_code: 'SIGNER_NOT_MAINTAINER' });
    expect(await posts()).toBe(postsBefore);
    expect(await maintainerMailTo(lead.account.email, 'relay.refusal_report')).toBeGreaterThan(0);
    expect(await maintainerMailTo(departed.account.email, 'relay.refusal_report')).toBe(0);
  }

  it('refuses a post signed by a disabled maintainer, ends its session and revokes its tokens', async () => {
    const leaving = await aLoggedInMaintainer('leaving@project.example');
    expect(await postSignedBy(leaving.account, 'Before leaving')).toMatchObject({ status: 'processed' });
    const postsBefore = await posts();

    const page = await lead.agent.get('/admin/maintainers').expect(200);
    await lead.agent
      .post(`/admin/maintainers/${leaving.account.id}/standing`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), change: 'disable' })
      .expect(303);
    expect((await query('SELECT status FROM maintainer WHERE id = $1', [leaving.account.id]))[0]).toEqual({
      status: 'disabled',
    });
    await expectGone(leaving, postsBefore);
  });

  it('refuses a post signed by a removed maintainer, ends its session and revokes its tokens', async () => {
    const leaving = await aLoggedInMaintainer('removed@project.example');
    const postsBefore = await posts();
    const removed = await request(web.url)
      .post(`/api/maintainers/${leaving.account.id}/remove`)
      .set('Authorization', `Bearer ${lead.token}`)
      .expect(200);
    expect(removed.body).toEqual({ id: leaving.account.id, status: 'removed', tokensRevoked: 1 });
    await expectGone(leaving, postsBefore);
    // Removed for good: enabling it again is refused.
    await request(web.url)
      .post(`/api/maintainers/${leaving.account.id}/enable`)
      .set('Authorization', `Bearer ${lead.token}`)
      .expect(409);
  });

  it('refuses to let the last active maintainer step down or be disabled, and changes nothing', async () => {
    const before = await query('SELECT id, status FROM maintainer ORDER BY id');
    const stepDown = await request(web.url)
      .post('/api/maintainers/step-down')
      .set('Authorization', `Bearer ${lead.token}`)
      .expect(409);
    expect(stepDown.body).toMatchObject({ code: 'LAST_ACTIVE_MAINTAINER' });
    const page = await lead.agent.get('/admin/maintainers').expect(200);
    const csrf = csrfFrom(page.text);
    const refused = await lead.agent.post('/admin/maintainers/step-down').type('form').send({ _csrf: csrf });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('last active maintainer');
    expect(await query('SELECT id, status FROM maintainer ORDER BY id')).toEqual(before);
    // Still in: its session and token work, and its post is relayed.
    await lead.agent.get('/admin/posts').expect(200);
    await request(web.url).get('/api/posts').set('Authorization', `Bearer ${lead.token}`).expect(200);
    expect(await postSignedBy(lead.account, 'Still here')).toMatchObject({ status: 'processed' });
  });

  it('lets a maintainer step down in the admin UI when another remains, and logs it out', async () => {
    const second = await aLoggedInMaintainer('second@project.example');
    const page = await second.agent.get('/admin/maintainers').expect(200);
    const res = await second.agent
      .post('/admin/maintainers/step-down')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    await expectGone(second, await posts());
    const audit = await query(`SELECT action FROM audit_entry WHERE subject = $1 ORDER BY seq`, [
      `maintainer:${second.account.id}`,
    ]);
    expect(audit.map((a) => a.action)).toContain('maintainer.stepped_down');
  });
});
