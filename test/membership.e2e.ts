/**
 * Membership end to end over HTTP, on a real database, with GnuPG as applicant and voucher:
 * apply, prove mailbox and key through the encrypted link, vouch, approve.
 */
import request from 'supertest';
import { ImportMember, DecideApplication } from '@cordon/membership';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { GpgHome } from './support/gpg';
import { csrfFrom, pathOf } from './support/forms';
import { linkIn, mailTo, openMail, sentMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

const VOUCHER = 'security@distro-a.example';
const APPLICANT = 'security@newdistro.example';

describe('membership: apply, confirm, vouch, approve', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let applicantKey: string;
  let listFingerprint: string;

  beforeAll(async () => {
    // Each application comes from an address of its own (behind a trusted proxy), so that the
    // per-address throttle of /apply (10 a minute) counts the tests' applicants apart.
    web = await startWebApp({ TRUST_PROXY: 'loopback' });
    gpg = GpgHome.create();
    const voucherFpr = await gpg.generateKey(VOUCHER);
    applicantKey = await gpg.exportPublic(await gpg.generateKey(APPLICANT));
    await web.app.get(ImportMember).execute({
      email: VOUCHER,
      organisation: 'Distro A',
      key: await gpg.exportPublic(voucherFpr),
      acknowledged: true,
    });
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    listFingerprint = (await web.runtime.database.dataSource.query('SELECT fingerprint FROM list_key'))[0].fingerprint;
    expect(listFingerprint).toBe((await web.app.get(ListKey).public()).getFingerprint().toUpperCase());
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  const deliver = () => web.app.get(DeliveryWorker).drain();
  /** A contact of its own (one open application per contact is taken), with a gpg key for it. */
  const anApplicant = async (email: string) => ({
    contactEmail: email,
    key: await gpg.exportPublic(await gpg.generateKey(email)),
  });
  const count = async (table: string) =>
    Number((await web.runtime.database.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  function validForm(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      organisation: 'New Distro',
      distribution: 'NewDistro Linux',
      website: 'https://newdistro.example',
      contactName: 'Nadia Example',
      contactEmail: APPLICANT,
      key: applicantKey,
      evidence1: 'We ship the project in our main repository since 2019: https://newdistro.example/pkgs',
      evidence2: 'About 40,000 installations, mostly outside our organisation.',
      evidence3: 'Advisories: https://newdistro.example/security (latest last month).',
      evidence4: 'We build from upstream sources with our own patches.',
      evidence5: 'We send patches upstream and answer on the project forum.',
      acceptPolicy: 'yes',
      policyVersion: '1',
      voucherEmail: VOUCHER,
      ...overrides,
    };
  }

  let applicants = 0;
  async function apply(agent: ReturnType<typeof request.agent>, form: Record<string, string>) {
    const page = await agent.get('/apply').expect(200);
    return agent
      .post('/apply')
      .set('X-Forwarded-For', `192.0.2.${++applicants}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  async function confirmThroughMail(agent: ReturnType<typeof request.agent>, address: string) {
    await deliver();
    const mails = mailTo(web.settings.dataDir, address);
    const opened = await openMail(gpg, mails[mails.length - 1]);
    const link = linkIn(opened.text, '/apply/confirm/');
    const page = await agent.get(pathOf(link)).expect(200);
    return {
      link,
      response: await agent
        .post(pathOf(link))
        .type('form')
        .send({ _csrf: csrfFrom(page.text) }),
    };
  }

  it('takes an applicant through to membership, every mail decryptable by gpg and signed by the list', async () => {
    const agent = request.agent(web.url);
    const applied = await apply(agent, validForm());
    expect(applied.status).toBe(201);
    const statusPath = pathOf(/id="status-link"[^>]*>([^<]+)</.exec(applied.text)![1]);

    await deliver();
    const [confirmMail] = mailTo(web.settings.dataDir, APPLICANT);
    expect(confirmMail.raw).not.toContain('/apply/confirm/');
    expect(confirmMail.raw).not.toContain('New Distro');
    const confirmation = await openMail(gpg, confirmMail);
    expect(confirmation.goodSignature).toBe(true);
    expect(confirmation.signerFingerprint).toBe(listFingerprint);
    expect(confirmation.recipients).toHaveLength(1);
    expect(confirmation.subject).toMatch(/Confirm your application/);

    const { response: confirmed } = await confirmThroughMail(agent, APPLICANT);
    expect(confirmed.status).toBe(200);
    expect((await agent.get(statusPath).expect(200)).text).toContain('Waiting for your voucher');

    await deliver();
    const [vouchMail] = mailTo(web.settings.dataDir, VOUCHER);
    const vouchRequest = await openMail(gpg, vouchMail);
    expect(vouchRequest.goodSignature).toBe(true);
    const vouchPath = pathOf(linkIn(vouchRequest.text, '/vouch/'));
    const vouchPage = await agent.get(vouchPath).expect(200);
    expect(vouchPage.text).toContain('We ship the project in our main repository');
    await agent
      .post(vouchPath)
      .type('form')
      .send({ _csrf: csrfFrom(vouchPage.text), decision: 'vouched', comment: 'I know their security team.' })
      .expect(200);
    expect((await agent.get(statusPath).expect(200)).text).toContain('With the maintainers for review');

    const [{ id }] = await web.runtime.database.dataSource.query(
      `SELECT id FROM application WHERE contact_email = $1`,
      [APPLICANT],
    );
    await web.app.get(DecideApplication).execute(id, { kind: 'approve' }, '00000000-0000-4000-8000-000000000001');
    const [member] = await web.runtime.database.dataSource.query(
      `SELECT status, acknowledged_policy_version FROM member WHERE email = $1`,
      [APPLICANT],
    );
    expect(member).toEqual({ status: 'active', acknowledged_policy_version: 1 });
    expect((await agent.get(statusPath).expect(200)).text).toContain('Approved');

    await deliver();
    const welcome = await openMail(gpg, mailTo(web.settings.dataDir, APPLICANT).at(-1)!);
    expect(welcome.subject).toMatch(/Welcome/);
    // Every message the flow sent is PGP/MIME that gpg decrypts, to one recipient each.
    for (const mail of sentMail(web.settings.dataDir)) {
      const opened = await openMail(gpg, mail);
      expect(opened.recipients).toHaveLength(1);
      expect(opened.goodSignature).toBe(true);
    }
  });

  it('refuses a reused confirmation link and changes nothing', async () => {
    const agent = request.agent(web.url);
    const applicant = await anApplicant('security@reuse.example');
    const form = validForm({ organisation: 'Reuse Distro', ...applicant });
    expect((await apply(agent, form)).status).toBe(201);
    const { link } = await confirmThroughMail(agent, applicant.contactEmail);
    const before = await count('audit_entry');
    const page = await agent.get('/apply').expect(200);
    const again = await agent
      .post(pathOf(link))
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(again.status).toBe(410);
    expect(again.text).toContain('not valid');
    expect(await count('audit_entry')).toBe(before);
  });

  it('refuses an expired confirmation link', async () => {
    const agent = request.agent(web.url);
    const applicant = await anApplicant('security@late.example');
    expect((await apply(agent, validForm({ organisation: 'Late Distro', ...applicant }))).status).toBe(201);
    await web.runtime.database.dataSource.query(
      `UPDATE one_time_token SET expires_at = now() - interval '1 minute' WHERE purpose = 'confirm_application' AND used_at IS NULL`,
    );
    const { response } = await confirmThroughMail(agent, applicant.contactEmail).catch(async () => {
      throw new Error('confirmation page should still render');
    });
    expect(response.status).toBe(410);
    const [row] = await web.runtime.database.dataSource.query(
      `SELECT status FROM application WHERE organisation = 'Late Distro'`,
    );
    expect(row.status).toBe('unconfirmed');
  });

  it('asks no one when the voucher is not a member, and tells the applicant the same as when it is', async () => {
    const agent = request.agent(web.url);
    const applicant = await anApplicant('security@unvouched.example');
    const applied = await apply(
      agent,
      validForm({ organisation: 'Unvouched Distro', voucherEmail: 'nobody@elsewhere.example', ...applicant }),
    );
    expect(applied.status).toBe(201);
    const statusPath = pathOf(/id="status-link"[^>]*>([^<]+)</.exec(applied.text)![1]);
    const { response } = await confirmThroughMail(agent, applicant.contactEmail);
    expect(response.status).toBe(200);
    expect(response.text).toContain('If the address you named belongs to a member');
    expect((await agent.get(statusPath)).text).toContain('Waiting for your voucher');
    await deliver();
    expect(mailTo(web.settings.dataDir, 'nobody@elsewhere.example')).toHaveLength(0);
  });

  it('refuses a second application while its organisation has one open, and mails the open one a new status link', async () => {
    const first = await anApplicant('security@second.example');
    const agent = request.agent(web.url);
    const applied = await apply(agent, validForm({ organisation: 'Second Distro', ...first }));
    expect(applied.status).toBe(201);
    const oldStatusPath = pathOf(/id="status-link"[^>]*>([^<]+)</.exec(applied.text)![1]);
    await confirmThroughMail(agent, first.contactEmail);
    await deliver();
    const mailsBefore = mailTo(web.settings.dataDir, first.contactEmail).length;
    const before = { apps: await count('application'), tokens: await count('one_time_token') };

    // Another contact of the same organisation, written another way.
    const colleague = await anApplicant('admin@second.example');
    const again = await apply(request.agent(web.url), validForm({ organisation: '  SECOND-distro ', ...colleague }));
    expect(again.status).toBe(409);
    expect(again.text).toContain('already open');
    expect(again.text).toContain('mailed again');
    expect({ apps: await count('application'), tokens: await count('one_time_token') }).toEqual(before);

    // The open application's contact gets a fresh status link, encrypted; the old link stops working.
    await deliver();
    const mails = mailTo(web.settings.dataDir, first.contactEmail);
    expect(mails).toHaveLength(mailsBefore + 1);
    const reminder = await openMail(gpg, mails.at(-1)!);
    expect(reminder.subject).toMatch(/open application/);
    const statusPage = await agent.get(pathOf(linkIn(reminder.text, '/apply/status/'))).expect(200);
    expect(statusPage.text).toContain('Second Distro');
    expect((await agent.get(oldStatusPath)).status).not.toBe(200);

    // The same contact trying again within the hour is refused too, and mailed no more.
    const third = await apply(request.agent(web.url), validForm({ organisation: 'Second Distro', ...first }));
    expect(third.status).toBe(409);
    await deliver();
    expect(mailTo(web.settings.dataDir, first.contactEmail)).toHaveLength(mailsBefore + 1);
    expect(await count('application')).toBe(before.apps);
  });

  it('takes an application from an organisation whose only other application is unconfirmed by someone else', async () => {
    // An unconfirmed application proves nobody's mailbox: it must not keep the real contact out.
    const squatter = await anApplicant('squatter@elsewhere.example');
    expect(
      (await apply(request.agent(web.url), validForm({ organisation: 'Squatted Distro', ...squatter }))).status,
    ).toBe(201);
    const real = await anApplicant('security@squatted.example');
    expect((await apply(request.agent(web.url), validForm({ organisation: 'Squatted Distro', ...real }))).status).toBe(
      201,
    );
  });

  describe('hostile input', () => {
    it('refuses a form without a CSRF token and stores nothing', async () => {
      const before = await count('application');
      const res = await request(web.url).post('/apply').type('form').send(validForm());
      expect(res.status).toBe(403);
      expect(await count('application')).toBe(before);
    });

    it('shows field errors next to the fields, keeps the input, stores nothing', async () => {
      const before = await count('application');
      const agent = request.agent(web.url);
      const res = await apply(
        agent,
        validForm({ evidence2: 'x'.repeat(5001), website: 'javascript:alert(1)', acceptPolicy: '' }),
      );
      expect(res.status).toBe(400);
      expect(res.text).toContain('Evidence for criterion 2 must be at most 5000 characters.');
      expect(res.text).toContain('Website must be an http:// or https:// address.');
      expect(res.text).toContain('You must accept the Embargo Policy');
      expect(res.text).toContain('value="New Distro"');
      expect(await count('application')).toBe(before);
    });

    it('refuses a body far over the form limit with 413', async () => {
      const agent = request.agent(web.url);
      const page = await agent.get('/apply');
      const res = await agent
        .post('/apply')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), ...validForm({ evidence1: 'y'.repeat(400_000) }) });
      expect(res.status).toBe(413);
    });

    it.each([
      ['an expired key', { expire: '1d', madeAt: '20200101T000000' }, /expired/],
      ['a 2048-bit RSA key', { algo: 'rsa2048' as const }, /at least 3072 bits/],
      ['a key that cannot encrypt', { encrypt: false }, /no valid encryption subkey/],
    ])('refuses %s at the key field and sends nothing', async (_name, options, message) => {
      const email = `bad-${Math.abs(JSON.stringify(options).length)}-${Date.now()}@newdistro.example`;
      const key = await gpg.exportPublic(await gpg.generateKey(email, options));
      const before = { apps: await count('application'), mail: await count('outbound_message') };
      const res = await apply(request.agent(web.url), validForm({ contactEmail: email, key }));
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
      expect(res.text).toMatch(/class="invalid"[\s\S]*?id="key"/);
      expect({ apps: await count('application'), mail: await count('outbound_message') }).toEqual(before);
    });

    it('refuses a key without a user ID for the contact address', async () => {
      const res = await apply(request.agent(web.url), validForm({ contactEmail: 'someone-else@newdistro.example' }));
      expect(res.status).toBe(400);
      expect(res.text).toContain('no valid user ID for someone-else@newdistro.example');
    });

    it('escapes HTML and script in every free-text field where the voucher reads them', async () => {
      const agent = request.agent(web.url);
      const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const applicant = await anApplicant('security@xss.example');
      const form = validForm({
        ...applicant,
        organisation: `Org ${xss}`,
        distribution: `Dist ${xss}`,
        contactName: `Name ${xss}`,
        evidence1: `E1 ${xss}`,
        evidence2: `E2 ${xss}`,
        evidence3: `E3 ${xss}`,
        evidence4: `E4 ${xss}`,
        evidence5: `E5 ${xss}`,
      });
      expect((await apply(agent, form)).status).toBe(201);
      await confirmThroughMail(agent, applicant.contactEmail);
      await deliver();
      const vouchMail = await openMail(gpg, mailTo(web.settings.dataDir, VOUCHER).at(-1)!);
      const page = await agent.get(pathOf(linkIn(vouchMail.text, '/vouch/'))).expect(200);
      expect(page.text).not.toContain('<script>alert(1)</script>');
      expect(page.text).not.toContain('<img src=x');
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    });
  });
});
