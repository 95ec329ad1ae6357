/**
 * Publishing the Embargo Policy from the admin UI, over HTTP on a real database: preview shows the
 * diff against the current version (escaped), publish makes the next version and tells every
 * active member, encrypted (read here by the member's own gpg), that it needs their
 * acknowledgement and how. Refusals (empty, unchanged, not previewed, stale, no CSRF) change nothing.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { ChangeMemberStatus, ImportMember } from '@cordon/membership';
import { Agent, loginAgent } from './support/admin-login';
import { csrfFrom } from './support/forms';
import { GpgHome } from './support/gpg';
import { mailTo, openMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

jest.setTimeout(120_000);

const MEMBERS = ['security@distro-a.example', 'security@distro-b.example'];
const SUSPENDED = 'security@distro-s.example';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('publishing the Embargo Policy', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let admin: Agent;
  let v1: string;

  const db = () => web.runtime.database.dataSource;
  const count = async (table: string, where = 'true') =>
    Number((await db().query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`))[0].n);
  const state = async () => ({
    versions: await count('policy_version'),
    outbound: await count('outbound_message'),
    audit: await count('audit_entry'),
  });

  beforeAll(async () => {
    web = await startWebApp();
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    for (const email of [...MEMBERS, SUSPENDED]) {
      const member = await web.app.get(ImportMember).execute({
        email,
        organisation: email.split('@')[1],
        key: await gpg.exportPublic(await gpg.generateKey(email)),
        acknowledged: true,
      });
      if (email === SUSPENDED) {
        await web.app
          .get(ChangeMemberStatus)
          .execute(member.id, 'suspend', 'Testing.', '00000000-0000-4000-8000-000000000001');
      }
    }
    ({ agent: admin } = await loginAgent(web, { name: 'Petra Policy' }));
    v1 = (await db().query(`SELECT body FROM policy_version WHERE version = 1`))[0].body;
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  async function post(action: string, form: Record<string, string>, agent = admin) {
    const page = await agent.get('/admin/policy').expect(200);
    return agent
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  // A browser sends a textarea's line breaks as CRLF: the server must hash the LF text.
  const asBrowserSends = (text: string) => text.replace(/\n/g, '\r\n');
  const firstLine = () => v1.split('\n')[0];
  const v2 = () => v1.replace(firstLine(), 'A rewritten first line <b>with markup</b>') + '\nA new closing rule.\n';

  it('shows the current version with its hash and text, behind the maintainer login', async () => {
    const page = await admin.get('/admin/policy').expect(200);
    expect(page.text).toContain('<a href="/admin/policy">Policy</a>');
    expect(page.text).toMatch(/id="current-version">1</);
    expect(page.text).toContain(sha256(v1));
    expect(page.text).toMatch(/Acknowledged by<\/dt><dd>3 members/);
    const anonymous = await request(web.url).get('/admin/policy');
    expect({ status: anonymous.status, location: anonymous.headers.location }).toEqual({
      status: 303,
      location: '/admin/login',
    });
  });

  it('previews the diff against the current version, escaped, and publishes nothing', async () => {
    const before = await state();
    const res = await post('/admin/policy/preview', { body: asBrowserSends(v2()), basedOn: '1' });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<del class="line"><span class="mark" aria-hidden="true">-<\/span>[^<]*<\/del>/);
    expect(res.text).toContain(
      '<ins class="line"><span class="mark" aria-hidden="true">+</span>A rewritten first line &lt;b&gt;with markup&lt;/b&gt;</ins>',
    );
    expect(res.text).toContain('A new closing rule.</ins>');
    expect(res.text).not.toContain('<b>with markup</b>');
    expect(res.text).toMatch(new RegExp(`id="preview-sha256">${sha256(v2())}<`));
    expect(res.text).toContain('Publish version 2');
    expect(await state()).toEqual(before);
  });

  it.each([
    ['an empty text', { body: '  \r\n ', basedOn: '1' }, /Write the text of the new version/],
    ['the current text unchanged', { body: 'CURRENT', basedOn: '1' }, /This is the text of version 1 as it stands/],
    ['a text over the limit', { body: 'x'.repeat(50_001), basedOn: '1' }, /at most 50000 characters/],
  ])('refuses to preview or publish %s, beside the field', async (_name, form, message) => {
    const body = form.body === 'CURRENT' ? asBrowserSends(v1) : form.body;
    const before = await state();
    for (const action of ['/admin/policy/preview', '/admin/policy/publish']) {
      const res = await post(action, { ...form, body, previewed: sha256(body.replace(/\r\n/g, '\n')) });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/class="invalid"[\s\S]*?id="body"/);
      expect(res.text).toMatch(message);
    }
    expect(await state()).toEqual(before);
  });

  it('refuses to publish a text other than the one previewed, and a form without CSRF', async () => {
    const before = await state();
    const changed = await post('/admin/policy/publish', { body: v2(), basedOn: '1', previewed: sha256(v1) });
    expect(changed.status).toBe(400);
    expect(changed.text).toContain('The text changed after the preview');
    const noCsrf = await admin
      .post('/admin/policy/publish')
      .type('form')
      .send({ body: v2(), basedOn: '1', previewed: sha256(v2()) });
    expect(noCsrf.status).toBe(403);
    expect(await state()).toEqual(before);
  });

  it('publishes version 2 and tells every active member, encrypted, how to acknowledge it', async () => {
    const published = await post('/admin/policy/publish', {
      body: asBrowserSends(v2()),
      basedOn: '1',
      previewed: sha256(v2()),
    });
    expect({ status: published.status, location: published.headers.location }).toEqual({
      status: 303,
      location: '/admin/policy?published=2&told=2',
    });
    const page = await admin.get(published.headers.location).expect(200);
    expect(page.text).toContain('Version 2 is published. 2 members were told');
    expect(page.text).toMatch(/id="current-version">2</);

    const [row] = await db().query(`SELECT body, sha256, published_by FROM policy_version WHERE version = 2`);
    expect(row.body).toBe(v2());
    expect(row.sha256).toBe(sha256(v2()));
    expect(row.published_by).toMatch(/^maintainer:/);
    const [audit] = await db().query(
      `SELECT actor, details FROM audit_entry WHERE action = 'policy.published' AND subject = 'policy:2'`,
    );
    expect(audit).toEqual({ actor: row.published_by, details: { version: 2, sha256: sha256(v2()) } });

    await web.app.get(DeliveryWorker).drain();
    for (const email of MEMBERS) {
      const mails = mailTo(web.settings.dataDir, email);
      const notice = await openMail(gpg, mails.at(-1)!);
      expect(notice.goodSignature).toBe(true);
      expect(notice.recipients).toHaveLength(1);
      expect(notice.subject).toContain('Embargo Policy version 2 needs your acknowledgement');
      expect(notice.text).toContain(sha256(v2()));
      expect(notice.text).toContain(`${web.url}/member`);
      expect(notice.text).toContain('distributors-ack@example.org');
      expect(notice.text).toContain('A new closing rule.');
      expect(mails.at(-1)!.raw).not.toContain('A new closing rule.');
    }
    expect(await count('outbound_message', `purpose = 'policy.published'`)).toBe(2);
    expect(mailTo(web.settings.dataDir, SUSPENDED).length).toBe(1); // the suspension notice only
    // Nobody has acknowledged version 2 yet: list mail to them is held until they do.
    expect(await count('member', `status = 'active' AND acknowledged_policy_version = 2`)).toBe(0);
  });

  it('refuses a publish based on a version that is no longer current', async () => {
    const before = await state();
    const text = v2() + 'One more line.\n';
    const res = await post('/admin/policy/publish', { body: text, basedOn: '1', previewed: sha256(text) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Version 2 was published meanwhile');
    expect(res.text).toMatch(/name="basedOn" value="2"/);
    expect(await state()).toEqual(before);
  });

  it('lists every version, each viewable with its diff to the one before', async () => {
    const page = await admin.get('/admin/policy').expect(200);
    expect(page.text).toMatch(/id="policy-versions"[\s\S]*Version 2[\s\S]*Petra Policy[\s\S]*Version 1/);
    const second = await admin.get('/admin/policy/2').expect(200);
    expect(second.text).toContain('What changed from version 1');
    expect(second.text).toContain('A rewritten first line &lt;b&gt;with markup&lt;/b&gt;</ins>');
    expect(second.text).toContain(`${firstLine().replace(/&/g, '&amp;')}</del>`);
    expect(second.text).toContain(sha256(v2()));
    const first = await admin.get('/admin/policy/1').expect(200);
    expect(first.text).toContain('The first version');
    expect((await admin.get('/admin/policy/99')).status).toBe(404);
    expect((await admin.get('/admin/policy/abc')).status).toBe(400);
  });
});
