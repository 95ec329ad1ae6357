/**
 * Annual re-attestation (issue 6, "Watch it") end to end, on a real database, with GnuPG as the
 * members: a member whose last attestation (here: its joining) is older than REATTESTATION_DAYS is
 * asked once, encrypted, however often and by however many workers the check runs; silent for the
 * grace period, it is suspended and told; it signs in through self-service, confirms criteria 1–5
 * and is active again, with the attestation and every step in the audit log. A member a maintainer
 * suspended for another reason stays suspended. The maintainers see who is due, asked, overdue or
 * suspended. The hostile cases change nothing.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AuditLog } from '@cordon/audit';
import { parseSettings } from '@cordon/config';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker, Outbox } from '@cordon/delivery';
import {
  ChangeMemberStatus,
  ImportMember,
  NOT_REATTESTED_REASON,
  ReattestationQueries,
  ReattestationRequests,
} from '@cordon/membership';
import { Agent, loginAgent } from './support/admin-login';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { linkIn, mailTo, openMail, OpenedMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

jest.setTimeout(120_000);

const DUE = 'security@distro-due.example';
const OTHER = 'security@distro-other.example';
const FRESH = 'security@distro-fresh.example';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
let client = 0;
/** The sign-in form is throttled per client address: each sign-in comes from its own. */
const fromNewClient = () => ({ 'X-Forwarded-For': `198.51.100.${++client % 250}` });

describe('annual re-attestation', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let admin: Agent;
  let dueId: string;
  let otherId: string;
  let freshId: string;

  const db = () => web.runtime.database.dataSource;
  const deliver = () => web.app.get(DeliveryWorker).drain();
  const check = () => web.app.get(ReattestationRequests);
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number((await db().query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params))[0].n);
  const statusOf = async (id: string) =>
    (await db().query(`SELECT status, status_reason FROM member WHERE id = $1`, [id]))[0] as {
      status: string;
      status_reason: string | null;
    };
  const snapshot = async () => ({
    outbound: await count('outbound_message'),
    audit: await count('audit_entry'),
    attestations: await count('member_attestation'),
    requests: await db().query(
      `SELECT member_id, basis_at, requested_at, reattested_at, suspended_at FROM reattestation_request ORDER BY member_id`,
    ),
    members: await db().query(`SELECT id, status, status_reason, updated_at FROM member ORDER BY id`),
  });

  /** The mails to `address` this home can open, newest last. */
  async function mailsTo(address: string): Promise<OpenedMail[]> {
    await deliver();
    const opened: OpenedMail[] = [];
    for (const mail of mailTo(web.settings.dataDir, address)) {
      const one = await openMail(gpg, mail);
      expect(one.goodSignature).toBe(true);
      expect(one.recipients).toHaveLength(1);
      opened.push(one);
    }
    return opened;
  }

  /** Signs in through self-service (link mailed encrypted, read with gpg): a supertest agent. */
  async function signIn(email: string): Promise<Agent> {
    await db().query(
      `UPDATE one_time_token SET created_at = now() - interval '2 hours' WHERE purpose = 'member_session'`,
    );
    const agent = request.agent(web.url);
    const page = await agent.get('/member').expect(200);
    await agent
      .post('/member/link')
      .set(fromNewClient())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email })
      .expect(200);
    const mail = (await mailsTo(email)).reverse().find((m) => /sign-in link/.test(m.subject));
    if (!mail) throw new Error(`no sign-in link for ${email}`);
    const link = pathOf(linkIn(mail.text, '/member/sign-in/'));
    const confirm = await agent.get(link).expect(200);
    const signedIn = await agent
      .post(link)
      .set(fromNewClient())
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text) });
    expect(signedIn.status).toBe(303);
    return agent;
  }

  const allConfirmed = {
    confirm1: 'yes',
    confirm2: 'yes',
    confirm3: 'yes',
    confirm4: 'yes',
    confirm5: 'yes',
    evidence1: 'We ship it in our stable release since 2019: https://distro-due.example/pkg',
    evidence2: 'About 40,000 installations outside our organisation.',
    evidence3: 'https://distro-due.example/security/2026',
    evidence4: 'We build and patch from upstream sources ourselves.',
    evidence5: 'Bug reports and patches upstream.',
  };

  async function reattest(agent: Agent, form: Record<string, string>) {
    const page = await agent.get('/member/reattest').expect(200);
    return agent
      .post('/member/reattest')
      .set(fromNewClient())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  beforeAll(async () => {
    // As behind a reverse proxy on the same host (TRUST_PROXY=loopback): see fromNewClient.
    web = await startWebApp({ TRUST_PROXY: 'loopback' });
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    const importMember = web.app.get(ImportMember);
    const add = async (email: string, organisation: string) =>
      (
        await importMember.execute({
          email,
          organisation,
          key: await gpg.exportPublic(await gpg.generateKey(email)),
          acknowledged: true,
        })
      ).id;
    dueId = await add(DUE, 'Distro Due');
    otherId = await add(OTHER, 'Distro Other');
    freshId = await add(FRESH, 'Distro Fresh');
    await db().query(`UPDATE member SET joined_at = now() - interval '400 days' WHERE id = ANY($1::uuid[])`, [
      [dueId, otherId],
    ]);
    // Distro Due joined through an application (by SQL: no use case backdates one), shown when it re-attests.
    const [policy] = await db().query(`SELECT version, sha256 FROM policy_version ORDER BY version DESC LIMIT 1`);
    const applicationId = randomUUID();
    await db().query(
      `INSERT INTO application (id, status, organisation, distribution, website, contact_name, contact_email,
         key_armored, key_fingerprint, key_algorithm, evidence, policy_version, policy_sha256, voucher_email,
         status_token_hash, member_id)
       SELECT $2, 'approved', organisation, 'Due Linux', 'https://distro-due.example', 'Dee', email, key_armored,
              key_fingerprint, key_algorithm, $3::jsonb, $4, $5, 'voucher@example.org', $6, id
       FROM member WHERE id = $1`,
      [
        dueId,
        applicationId,
        JSON.stringify({
          '1': 'Original evidence one',
          '2': 'Original evidence two',
          '3': 'Original evidence three',
          '4': 'Original evidence four',
          '5': 'Original evidence five',
        }),
        policy.version,
        policy.sha256,
        randomUUID(),
      ],
    );
    await db().query(`UPDATE member SET application_id = $2 WHERE id = $1`, [dueId, applicationId]);
    ({ agent: admin } = await loginAgent(web));
    await deliver();
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  it('asks each member due once, encrypted, even when several checks run at the same time', async () => {
    const rounds = await Promise.all([check().runOnce(), check().runOnce()]);
    expect(rounds.reduce((sum, r) => sum + r.asked, 0)).toBe(2);
    expect(await check().runOnce()).toEqual({ asked: 0, suspended: 0 });

    for (const address of [DUE, OTHER]) {
      const asks = (await mailsTo(address)).filter((m) => /Please confirm your membership/.test(m.subject));
      expect(asks).toHaveLength(1);
      expect(asks[0].text).toContain(`${web.url}/member`);
      expect(asks[0].text).toContain('within 30 days');
    }
    expect((await mailsTo(FRESH)).filter((m) => /Please confirm/.test(m.subject))).toHaveLength(0);
    expect(await count('reattestation_request')).toBe(2);
    expect(await count('reattestation_request', 'member_id = $1', [freshId])).toBe(0);
    expect(
      await count('audit_entry', `action = 'member.reattestation_requested' AND subject = $1`, [`member:${dueId}`]),
    ).toBe(1);
    // The outer mail says nothing of it: the request is inside the encryption only.
    const raw = mailTo(web.settings.dataDir, DUE).at(-1)!.raw;
    expect(raw).not.toContain('criteria');
    expect(raw).not.toContain('Distro Due');

    const list = await admin.get('/admin/members').expect(200);
    const section = list.text.slice(list.text.indexOf('id="reattestation-list"'));
    expect(section).toMatch(/Distro Due[\s\S]*?>asked</);
    expect(section).not.toContain('Distro Fresh');
  });

  it('suspends a member silent for the grace period, tells it and the maintainers, once', async () => {
    // A maintainer suspends Distro Other for something else meanwhile: that stands.
    await web.app
      .get(ChangeMemberStatus)
      .execute(otherId, 'suspend', 'Unrelated: asked to pause.', '00000000-0000-4000-8000-000000000001');
    expect(await check().runOnce()).toEqual({ asked: 0, suspended: 0 });
    await db().query(`UPDATE reattestation_request SET requested_at = now() - interval '31 days'`);

    const list = await admin.get('/admin/members').expect(200);
    expect(list.text.slice(list.text.indexOf('id="reattestation-list"'))).toMatch(/Distro Due[\s\S]*?>overdue</);

    expect(await check().runOnce()).toEqual({ asked: 0, suspended: 1 });
    expect(await check().runOnce()).toEqual({ asked: 0, suspended: 0 });
    expect(await statusOf(dueId)).toEqual({ status: 'suspended', status_reason: NOT_REATTESTED_REASON });
    expect(await statusOf(otherId)).toEqual({ status: 'suspended', status_reason: 'Unrelated: asked to pause.' });

    const told = (await mailsTo(DUE)).filter((m) => /suspended until you re-attest/.test(m.subject));
    expect(told).toHaveLength(1);
    expect(told[0].text).toContain(`${web.url}/member`);
    const [audit] = await db().query(
      `SELECT actor, details FROM audit_entry WHERE action = 'member.suspended' AND subject = $1`,
      [`member:${dueId}`],
    );
    expect(audit).toMatchObject({
      actor: 'system',
      details: { from: 'active', to: 'suspended', reason: 'not_reattested' },
    });
    expect(await count('outbound_message', `purpose = 'member.reattestation_suspended'`)).toBe(1);

    const after = await admin.get('/admin/members').expect(200);
    expect(after.text.slice(after.text.indexOf('id="reattestation-list"'))).toMatch(/Distro Due[\s\S]*?>suspended</);
    const page = await admin.get(`/admin/members/${dueId}`).expect(200);
    expect(page.text).toMatch(/id="last-attested">never/);
    expect(page.text).toMatch(/for not re-attesting/);
  });

  it('shows the criteria and the original evidence in self-service', async () => {
    const agent = await signIn(DUE);
    const page = await agent.get('/member/reattest').expect(200);
    expect(page.text).toContain('An active distributor of the project');
    expect(page.text).toContain('Taking part in the project’s community');
    expect(page.text).toContain('Original evidence three');
    expect(page.text).toContain('id="reattest-suspended"');
    expect(page.text).toContain('reinstates it at once');
    expect((page.text.match(/type="checkbox" name="confirm[1-5]"/g) ?? []).length).toBe(5);
  });

  it('refuses an attestation with a box left unticked, and changes nothing', async () => {
    const agent = await signIn(DUE);
    const before = await snapshot();
    const { confirm3: _dropped, ...missing } = allConfirmed;
    void _dropped;
    const res = await reattest(agent, missing);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Confirm that criterion 3 still holds');
    expect(res.text).toContain('Nothing was recorded');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses markup in the evidence, shows it escaped, and changes nothing', async () => {
    const agent = await signIn(DUE);
    const before = await snapshot();
    const res = await reattest(agent, { ...allConfirmed, evidence2: XSS });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Evidence for criterion 2 may not contain HTML markup.');
    expect(res.text).not.toContain('<script>alert(1)');
    expect(res.text).toContain('&lt;script&gt;');
    const tooLong = await reattest(agent, { ...allConfirmed, evidence4: 'x'.repeat(5001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('Evidence for criterion 4 must be at most 5000 characters.');
    const noCsrf = await agent
      .post('/member/reattest')
      .type('form')
      .send({ ...allConfirmed });
    expect(noCsrf.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it('reinstates a member suspended only for not re-attesting once it does; all of it audited and told', async () => {
    const agent = await signIn(DUE);
    const res = await reattest(agent, allConfirmed);
    expect({ status: res.status, location: res.headers.location }).toEqual({
      status: 303,
      location: '/member/reattest?done=reinstated',
    });
    const done = await agent.get('/member/reattest?done=reinstated').expect(200);
    expect(done.text).toContain('your membership is active again');
    expect(done.text).not.toContain('id="suspended"');
    expect((await statusOf(dueId)).status).toBe('active');

    const [attestation] = await db().query(
      `SELECT evidence, attested_by, attested_at FROM member_attestation WHERE member_id = $1`,
      [dueId],
    );
    expect(attestation.attested_by).toBe(`member:${dueId}`);
    expect(attestation.evidence).toEqual({
      '1': allConfirmed.evidence1,
      '2': allConfirmed.evidence2,
      '3': allConfirmed.evidence3,
      '4': allConfirmed.evidence4,
      '5': allConfirmed.evidence5,
    });
    expect(await count('reattestation_request', 'member_id = $1 AND reattested_at IS NOT NULL', [dueId])).toBe(1);
    const audit = await db().query(
      `SELECT action, actor, details FROM audit_entry WHERE subject = $1 AND action IN ('member.reattested', 'member.reinstated')
       ORDER BY seq`,
      [`member:${dueId}`],
    );
    expect(audit).toEqual([
      {
        action: 'member.reattested',
        actor: `member:${dueId}`,
        details: {
          criteria: ['1', '2', '3', '4', '5'],
          evidenceChanged: ['1', '2', '3', '4', '5'],
          answeredRequest: true,
        },
      },
      {
        action: 'member.reinstated',
        actor: `member:${dueId}`,
        details: { from: 'suspended', to: 'active', reason: 'reattested' },
      },
    ]);
    expect((await mailsTo(DUE)).filter((m) => /active again/.test(m.subject))).toHaveLength(1);
    expect(await count('outbound_message', `purpose = 'member.reattestation_reinstated'`)).toBe(1);

    // Not due again for a year: the next checks ask nobody and suspend nobody.
    expect(await check().runOnce()).toEqual({ asked: 0, suspended: 0 });
    const list = await admin.get('/admin/members').expect(200);
    expect(list.text.slice(list.text.indexOf('id="reattestation"'))).not.toContain('Distro Due');
    const page = await admin.get(`/admin/members/${dueId}`).expect(200);
    expect(page.text).toContain(`id="last-attested">${new Date(attestation.attested_at).toISOString().slice(0, 10)}`);
    // The form starts from the evidence just given.
    expect((await agent.get('/member/reattest').expect(200)).text).toContain('About 40,000 installations');
  });

  it('records the attestation of a member suspended for another reason, which stays suspended', async () => {
    const agent = await signIn(OTHER);
    const page = await agent.get('/member/reattest').expect(200);
    expect(page.text).toContain('only they can reinstate it');
    const res = await reattest(agent, allConfirmed);
    expect({ status: res.status, location: res.headers.location }).toEqual({
      status: 303,
      location: '/member/reattest?done=1',
    });
    expect(await statusOf(otherId)).toEqual({ status: 'suspended', status_reason: 'Unrelated: asked to pause.' });
    expect(await count('member_attestation', 'member_id = $1', [otherId])).toBe(1);
    expect(await count('audit_entry', `action = 'member.reinstated' AND subject = $1`, [`member:${otherId}`])).toBe(0);
  });

  it('does nothing when REATTESTATION_DAYS is 0', async () => {
    await db().query(`UPDATE member SET joined_at = now() - interval '400 days' WHERE id = $1`, [freshId]);
    const off = { ...web.settings, REATTESTATION_DAYS: 0 };
    const offCheck = new ReattestationRequests(db(), web.app.get(Outbox), web.app.get(AuditLog), off);
    const before = await snapshot();
    expect(await offCheck.runOnce()).toEqual({ asked: 0, suspended: 0 });
    expect(await snapshot()).toEqual(before);
    const overview = await new ReattestationQueries(db(), off).overview();
    expect(overview.enabled).toBe(false);
    expect(overview.rows.map((r) => r.organisation)).not.toContain('Distro Fresh');
    await offCheck.onModuleDestroy();
    // The same member with the setting on is asked: the case above proved something.
    expect(await check().runOnce()).toEqual({ asked: 1, suspended: 0 });
  });

  it('does not suspend a member that re-attested within the grace period', async () => {
    // Distro Fresh was asked by the last case; it confirms while still active.
    const agent = await signIn(FRESH);
    const page = await agent.get('/member/reattest').expect(200);
    expect(page.text).toMatch(/id="asked">[0-9-]{10}: please confirm by/);
    const res = await reattest(agent, allConfirmed);
    expect(res.headers.location).toBe('/member/reattest?done=1');
    await db().query(
      `UPDATE reattestation_request SET requested_at = now() - interval '31 days' WHERE member_id = $1`,
      [freshId],
    );
    expect(await check().runOnce()).toEqual({ asked: 0, suspended: 0 });
    expect(await statusOf(freshId)).toEqual({ status: 'active', status_reason: null });
    expect(await count('reattestation_request', 'member_id = $1 AND reattested_at IS NOT NULL', [freshId])).toBe(1);
  });

  it('validates the settings', () => {
    const cwd = process.cwd();
    expect(parseSettings({}, cwd)).toMatchObject({ REATTESTATION_DAYS: 365, REATTESTATION_GRACE_DAYS: 30 });
    expect(() => parseSettings({ REATTESTATION_DAYS: '-1' }, cwd)).toThrow(/REATTESTATION_DAYS/);
    expect(() => parseSettings({ REATTESTATION_GRACE_DAYS: '0' }, cwd)).toThrow(/REATTESTATION_GRACE_DAYS/);
  });
});
