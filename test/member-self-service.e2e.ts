/**
 * Member self-service end to end over HTTP, on a real database, with GnuPG as the member and as
 * its team: a sign-in link mailed encrypted to the member's key (holding the key is the login),
 * acknowledging the policy, registering a team member who acknowledges through its own encrypted
 * one-time link, replacing the key (only once the new key has proven itself), answering an
 * embargo's date (shown to the maintainers), and the hostile cases, each changing nothing.
 */
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { ChangeEmbargo } from '@cordon/embargo';
import { ChangeMemberStatus, ImportMember, MEMBER_LINKS_PER_HOUR } from '@cordon/membership';
import { PublishPolicy } from '@cordon/policy';
import { Agent, loginAgent } from './support/admin-login';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { linkIn, mailTo, openMail, OpenedMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

jest.setTimeout(120_000);

const MEMBER = 'security@distro-m.example';
const SUSPENDED = 'security@distro-s.example';
const REMOVED = 'security@distro-r.example';
const OTHER = 'security@distro-o.example';
const TEAMMATE = 'alice@distro-m.example';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
/** "YYYY-MM-DDTHH:MM" `days` from now, in UTC. */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
let client = 0;
/**
 * The public forms are throttled per client address (10 a minute), and this file signs in more
 * often than that: each sign-in comes from its own address, as the proxy header tells the app
 * (started with TRUST_PROXY=loopback, it trusts the loopback proxy).
 */
const fromNewClient = () => ({ 'X-Forwarded-For': `192.0.2.${++client % 250}` });

describe('member self-service', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let teamGpg: GpgHome;
  let memberId: string;
  let memberFpr: string;
  let sharedKey: string;
  let teamKey: string;

  const db = () => web.runtime.database.dataSource;
  const deliver = () => web.app.get(DeliveryWorker).drain();
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number((await db().query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params))[0].n);
  const snapshot = async () => ({
    outbound: await count('outbound_message'),
    audit: await count('audit_entry'),
    team: await count('team_member'),
    proposals: await count('member_key_proposal'),
    member: (
      await db().query(`SELECT key_fingerprint, acknowledged_policy_version FROM member WHERE id = $1`, [memberId])
    )[0],
  });

  beforeAll(async () => {
    // As behind a reverse proxy on the same host (TRUST_PROXY=loopback): see fromNewClient.
    web = await startWebApp({ TRUST_PROXY: 'loopback' });
    gpg = GpgHome.create();
    teamGpg = GpgHome.create();
    const listKey = await web.app.get(ListKey).armoredPublicKey();
    await gpg.importKey(listKey);
    await teamGpg.importKey(listKey);
    const importMember = web.app.get(ImportMember);
    // Not acknowledged: the member does that in its session.
    memberFpr = await gpg.generateKey(MEMBER);
    memberId = (
      await importMember.execute({
        email: MEMBER,
        organisation: 'Distro M',
        key: await gpg.exportPublic(memberFpr),
        acknowledged: false,
      })
    ).id;
    // Another member's key that also carries a user ID for MEMBER: the key policy alone would take it.
    const sharedFpr = await gpg.generateKey(OTHER);
    await gpg.must(['--quick-add-uid', sharedFpr, `Test <${MEMBER}>`]);
    sharedKey = await gpg.exportPublic(sharedFpr);
    await importMember.execute({ email: OTHER, organisation: 'Distro O', key: sharedKey, acknowledged: true });
    const suspended = await importMember.execute({
      email: SUSPENDED,
      organisation: 'Distro S',
      key: await gpg.exportPublic(await gpg.generateKey(SUSPENDED)),
      acknowledged: true,
    });
    const removed = await importMember.execute({
      email: REMOVED,
      organisation: 'Distro R',
      key: await gpg.exportPublic(await gpg.generateKey(REMOVED)),
      acknowledged: true,
    });
    const maintainer = '00000000-0000-4000-8000-000000000001';
    await web.app.get(ChangeMemberStatus).execute(suspended.id, 'suspend', 'Testing suspension.', maintainer);
    await web.app.get(ChangeMemberStatus).execute(removed.id, 'remove', 'Testing removal.', maintainer);
    teamKey = await teamGpg.exportPublic(await teamGpg.generateKey(TEAMMATE, { userId: `Alice <${TEAMMATE}>` }));
    await deliver();
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
    await teamGpg?.cleanup();
  });

  /** The newest mail to `address` with this subject, opened by `home` (failing if it cannot decrypt it). */
  async function newestMail(address: string, subject: RegExp, home = gpg): Promise<OpenedMail> {
    await deliver();
    const mails = mailTo(web.settings.dataDir, address);
    for (const mail of mails.reverse()) {
      const opened = await openMail(home, mail).catch(() => null);
      if (opened && subject.test(opened.subject)) {
        expect(opened.goodSignature).toBe(true);
        expect(opened.recipients).toHaveLength(1);
        return opened;
      }
    }
    throw new Error(`no mail to ${address} matching ${subject} that this key can read`);
  }

  async function askForLink(agent: Agent, email: string) {
    // At most MEMBER_LINKS_PER_HOUR links a member an hour: this file signs in more often than that.
    await db().query(
      `UPDATE one_time_token SET created_at = now() - interval '2 hours' WHERE purpose = 'member_session'`,
    );
    const page = await agent.get('/member').expect(200);
    return agent
      .post('/member/link')
      .set(fromNewClient())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email });
  }

  /** Asks for a link, reads it with gpg, follows it: returns the agent (signed in) and the link. */
  async function signIn(email = MEMBER, home = gpg) {
    const agent = request.agent(web.url);
    expect((await askForLink(agent, email)).status).toBe(200);
    const mail = await newestMail(email, /sign-in link/, home);
    const link = pathOf(linkIn(mail.text, '/member/sign-in/'));
    const confirm = await agent.get(link).expect(200);
    const signedIn = await agent
      .post(link)
      .set(fromNewClient())
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text) });
    expect({ status: signedIn.status, location: signedIn.headers.location }).toEqual({
      status: 303,
      location: '/member/home',
    });
    return { agent, link };
  }

  async function postForm(agent: Agent, formPath: string, action: string, form: Record<string, string>) {
    const page = await agent.get(formPath).expect(200);
    return agent
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  it('mails a sign-in link encrypted to the member key; the link opens a session once', async () => {
    const { agent, link } = await signIn();
    const home = await agent.get('/member/home').expect(200);
    expect(home.text).toContain('Distro M');
    expect(home.text).toContain('You have not acknowledged the current version');
    // The mail's outer form says nothing: the link is inside the encryption only.
    const raw = mailTo(web.settings.dataDir, MEMBER).at(-1)!.raw;
    expect(raw).not.toContain('/member/sign-in/');

    const again = request.agent(web.url);
    const page = await again.get(link).expect(200);
    const reused = await again
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(reused.status).toBe(410);
    expect(reused.text).toContain('not valid');
    expect((await again.get('/member/home')).headers.location).toBe('/member?expired=1');
    expect(await count('audit_entry', `action = 'member.signed_in' AND subject = $1`, [`member:${memberId}`])).toBe(1);
  });

  it('answers a non-member, a removed member and a member alike, and mails only the member', async () => {
    const texts: string[] = [];
    for (const address of [MEMBER, 'nobody@elsewhere.example', REMOVED]) {
      const before = await count('outbound_message');
      const res = await askForLink(request.agent(web.url), address);
      expect(res.status).toBe(200);
      texts.push(res.text.replaceAll(address, 'ADDRESS').replace(/name="_csrf" value="[^"]*"/g, ''));
      expect(await count('outbound_message')).toBe(before + (address === MEMBER ? 1 : 0));
    }
    expect(texts[1]).toBe(texts[0]);
    expect(texts[2]).toBe(texts[0]);
    await deliver();
    expect(mailTo(web.settings.dataDir, 'nobody@elsewhere.example')).toHaveLength(0);
    expect(
      await count(
        'one_time_token',
        `purpose = 'member_session' AND subject_id IN (SELECT id FROM member WHERE email = $1)`,
        [REMOVED],
      ),
    ).toBe(0);
  });

  it('lets the member acknowledge the current policy, recorded with version, hash and how', async () => {
    const { agent } = await signIn();
    const home = await agent.get('/member/home').expect(200);
    const [policy] = await db().query(`SELECT version, sha256 FROM policy_version ORDER BY version DESC LIMIT 1`);
    expect(home.text).toContain(policy.sha256);
    const ack = await agent
      .post('/member/policy/acknowledge')
      .type('form')
      .send({ _csrf: csrfFrom(home.text), version: String(policy.version) });
    expect({ status: ack.status, location: ack.headers.location }).toEqual({
      status: 303,
      location: '/member/home?acknowledged=1',
    });
    const after = await agent.get('/member/home?acknowledged=1').expect(200);
    expect(after.text).toContain('You have acknowledged the current version.');
    expect(after.text).toMatch(/<td>1<\/td><td class="fpr">[0-9a-f]{16}…<\/td><td>self service<\/td>/);
    const [row] = await db().query(
      `SELECT policy_version, policy_sha256, how FROM policy_acknowledgement WHERE member_id = $1`,
      [memberId],
    );
    expect(row).toEqual({ policy_version: policy.version, policy_sha256: policy.sha256, how: 'self_service' });
    const [audit] = await db().query(
      `SELECT actor, details FROM audit_entry WHERE action = 'policy.acknowledged' AND subject = $1`,
      [`member:${memberId}`],
    );
    expect(audit.actor).toBe(`member:${memberId}`);
    expect(audit.details).toMatchObject({ version: policy.version, sha256: policy.sha256, how: 'self_service' });
  });

  it('registers a team member, who acknowledges through its own encrypted one-time link; the member sees it', async () => {
    const { agent } = await signIn();
    const added = await postForm(agent, '/member/team', '/member/team', {
      name: 'Alice Example',
      email: TEAMMATE,
      key: teamKey,
    });
    expect({ status: added.status, location: added.headers.location }).toEqual({
      status: 303,
      location: '/member/team?done=registered',
    });
    // Only the team member's own key opens the link: the member's gpg cannot.
    await expect(newestMail(TEAMMATE, /Acknowledge the Embargo Policy/, gpg)).rejects.toThrow(/no mail/);
    const mail = await newestMail(TEAMMATE, /Acknowledge the Embargo Policy/, teamGpg);
    expect(mail.text).toContain('Distro M');
    const link = pathOf(linkIn(mail.text, '/team/acknowledge/'));

    const teammate = request.agent(web.url);
    const page = await teammate.get(link).expect(200);
    const [policy] = await db().query(`SELECT version, sha256 FROM policy_version ORDER BY version DESC LIMIT 1`);
    expect(page.text).toContain(policy.sha256);
    expect(page.text).toContain('Hello Alice Example');
    const agreed = await teammate
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: String(policy.version) });
    expect(agreed.status).toBe(200);
    expect(agreed.text).toContain('is recorded');
    const reused = await teammate
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: String(policy.version) });
    expect(reused.status).toBe(410);

    const [row] = await db().query(
      `SELECT a.policy_version, a.policy_sha256, a.how FROM team_member_acknowledgement a
       JOIN team_member t ON t.id = a.team_member_id WHERE t.email = $1`,
      [TEAMMATE],
    );
    expect(row).toEqual({ policy_version: policy.version, policy_sha256: policy.sha256, how: 'one_time_link' });
    const [audit] = await db().query(
      `SELECT details FROM audit_entry WHERE action = 'team_member.acknowledged' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit.details).toMatchObject({ memberId, email: TEAMMATE, version: policy.version, sha256: policy.sha256 });
    const team = await agent.get('/member/team').expect(200);
    expect(team.text).toMatch(new RegExp(`Alice Example[\\s\\S]*?version ${policy.version} \\(`));
    expect((await agent.get('/member/home')).text).toMatch(/Alice Example[\s\S]*?version 1, \d{4}-/);
  });

  it('withdraws a team member: its open link stops working', async () => {
    const { agent } = await signIn();
    const bob = 'bob@distro-m.example';
    const bobKey = await teamGpg.exportPublic(await teamGpg.generateKey(bob));
    expect(
      (await postForm(agent, '/member/team', '/member/team', { name: 'Bob', email: bob, key: bobKey })).status,
    ).toBe(303);
    const link = pathOf(linkIn((await newestMail(bob, /Acknowledge/, teamGpg)).text, '/team/acknowledge/'));
    const [{ id }] = await db().query(`SELECT id FROM team_member WHERE email = $1`, [bob]);
    const page = await agent.get('/member/team').expect(200);
    const withdrawn = await agent
      .post(`/member/team/${id}/withdraw`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(withdrawn.status).toBe(303);
    expect((await request(web.url).get(link)).status).toBe(410);
    expect((await agent.get('/member/team')).text).toMatch(/Withdrawn[\s\S]*Bob/);
  });

  it('replaces the key only after the link mailed to the new key is followed', async () => {
    const newGpg = GpgHome.create();
    try {
      await newGpg.importKey(await web.app.get(ListKey).armoredPublicKey());
      const newFpr = await newGpg.generateKey(MEMBER);
      const { agent } = await signIn();
      const [{ key_fingerprint: oldFpr }] = await db().query(`SELECT key_fingerprint FROM member WHERE id = $1`, [
        memberId,
      ]);
      const uploaded = await postForm(agent, '/member/key', '/member/key', { key: await newGpg.exportPublic(newFpr) });
      expect(uploaded.status).toBe(200);
      expect(uploaded.text).toContain(newFpr);
      // Nothing changed yet.
      expect(
        (await db().query(`SELECT key_fingerprint FROM member WHERE id = $1`, [memberId]))[0].key_fingerprint,
      ).toBe(oldFpr);
      expect((await agent.get('/member/key')).text).toContain('waits for you to follow the link');
      // The proof is readable with the new key only.
      await expect(newestMail(MEMBER, /Confirm your new key/, gpg)).rejects.toThrow(/no mail/);
      const proof = await newestMail(MEMBER, /Confirm your new key/, newGpg);
      const link = pathOf(linkIn(proof.text, '/member/key/confirm/'));
      const page = await request.agent(web.url).get(link).expect(200);
      expect(page.text).toContain(newFpr);
      expect(
        (await db().query(`SELECT key_fingerprint FROM member WHERE id = $1`, [memberId]))[0].key_fingerprint,
      ).toBe(oldFpr);
      const confirmer = request.agent(web.url);
      const confirmPage = await confirmer.get(link).expect(200);
      const confirmed = await confirmer
        .post(link)
        .type('form')
        .send({ _csrf: csrfFrom(confirmPage.text) });
      expect(confirmed.status).toBe(200);
      const [member] = await db().query(
        `SELECT key_fingerprint, key_algorithm, key_armored FROM member WHERE id = $1`,
        [memberId],
      );
      expect(member.key_fingerprint).toBe(newFpr);
      expect(member.key_armored).toContain('BEGIN PGP PUBLIC KEY BLOCK');
      const [audit] = await db().query(
        `SELECT details FROM audit_entry WHERE action = 'member.key_replaced' AND subject = $1`,
        [`member:${memberId}`],
      );
      expect(audit.details).toMatchObject({ previousKeyFingerprint: oldFpr, keyFingerprint: newFpr });
      expect(JSON.stringify(audit.details)).not.toContain('BEGIN PGP');
      // The old key is told, and the next sign-in link is readable with the new key only.
      expect((await newestMail(MEMBER, /was replaced/, gpg)).text).toContain(newFpr);
      const reused = await confirmer
        .post(link)
        .type('form')
        .send({ _csrf: csrfFrom(confirmPage.text) });
      expect(reused.status).toBe(410);
      await signIn(MEMBER, newGpg);
    } finally {
      // Later tests sign in with the first key again.
      await db().query(`UPDATE member SET key_armored = $2, key_fingerprint = $3 WHERE id = $1`, [
        memberId,
        await gpg.exportPublic(memberFpr),
        memberFpr,
      ]);
      await newGpg.cleanup();
    }
  });

  it('records the date answer to an embargo and shows it, escaped, on the admin embargo page', async () => {
    const embargo = await web.app.get(ChangeEmbargo).create(
      {
        title: 'Parser overflow',
        cveIds: [],
        cvssVector: '',
        affectedVersions: '',
        fixedVersions: '',
        reporterCredit: '',
        publicAt: inDays(5),
        timeZone: 'UTC',
        overLimitReason: '',
      },
      '00000000-0000-4000-8000-000000000001',
    );
    const { agent } = await signIn();
    const list = await agent.get('/member/embargoes').expect(200);
    expect(list.text).toContain('Parser overflow');
    const objected = await agent
      .post(`/member/embargoes/${embargo.id}/answer`)
      .type('form')
      .send({ _csrf: csrfFrom(list.text), answer: 'object', comment: `Too soon for our QA ${XSS}` });
    expect(objected.status).toBe(303);
    const accepted = await agent
      .post(`/member/embargoes/${embargo.id}/answer`)
      .type('form')
      .send({ _csrf: csrfFrom(list.text), answer: 'accept', comment: '' });
    expect(accepted.status).toBe(303);
    const objectedAgain = await agent
      .post(`/member/embargoes/${embargo.id}/answer`)
      .type('form')
      .send({ _csrf: csrfFrom(list.text), answer: 'object', comment: `Please move it a week ${XSS}` });
    expect(objectedAgain.status).toBe(303);
    expect(await count('embargo_date_answer', 'embargo_id = $1', [embargo.id])).toBe(1);
    expect(
      await count('audit_entry', `action = 'embargo.date_answered' AND subject = $1`, [`embargo:${embargo.id}`]),
    ).toBe(3);

    const { agent: admin } = await loginAgent(web);
    const page = await admin.get(`/admin/embargoes/${embargo.id}`).expect(200);
    expect(page.text).toMatch(
      /id="date-answers"[\s\S]*Distro M[\s\S]*objects[\s\S]*Please move it a week &lt;script&gt;/,
    );
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).not.toContain('Too soon for our QA');

    // An objection needs a reason; a comment over 2000 characters is refused; nothing changes.
    const before = await snapshot();
    for (const [form, error] of [
      [{ answer: 'object', comment: '' }, /Say why you object/],
      [{ answer: 'accept', comment: 'x'.repeat(2001) }, /at most 2000 characters/],
      [{ answer: 'maybe', comment: '' }, /accept or object/],
    ] as const) {
      const refused = await agent
        .post(`/member/embargoes/${embargo.id}/answer`)
        .type('form')
        .send({ _csrf: csrfFrom(list.text), ...form });
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(error);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('files a leak report as the member, naming the embargo; a bad one changes nothing', async () => {
    const [embargo] = await db().query(`SELECT id FROM embargo WHERE status = 'active' LIMIT 1`);
    const { agent } = await signIn();
    const form = await agent.get('/member/leaks').expect(200);
    expect(form.text).toContain(`<option value="${embargo.id}"`);
    const before = await count('leak_report');
    const refused = await agent
      .post('/member/leaks')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), embargoId: embargo.id, whatLeaked: '', leakedTo: 'x', leakedAt: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Say what leaked.');
    expect(await count('leak_report')).toBe(before);
    const filed = await agent
      .post('/member/leaks')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        embargoId: embargo.id,
        whatLeaked: `The patch ${XSS}`,
        leakedTo: 'A public CI log',
        leakedAt: new Date(Date.now() - 3_600_000).toISOString().slice(0, 16),
        evidence: 'https://ci.example/job/1',
        selfReported: 'yes',
      });
    expect(filed.status).toBe(201);
    expect(filed.text).not.toContain('<script>alert(1)</script>');
    const [report] = await db().query(
      `SELECT embargo_id, reporter_kind, reporter_member_id, self_reported, what_leaked FROM leak_report
       WHERE id = $1`,
      [/id="leak-reference">([0-9a-f-]{36})</.exec(filed.text)![1]],
    );
    expect(report).toEqual({
      embargo_id: embargo.id,
      reporter_kind: 'member',
      reporter_member_id: memberId,
      self_reported: true,
      what_leaked: `The patch ${XSS}`,
    });
    expect(await count('audit_entry', `action = 'leak.reported' AND actor = $1`, [`member:${memberId}`])).toBe(1);
  });

  it('shows a suspended member that it is suspended and lets it change nothing', async () => {
    const { agent } = await signIn(SUSPENDED);
    const home = await agent.get('/member/home').expect(200);
    expect(home.text).toContain('Your membership is suspended');
    expect(home.text).not.toContain('action="/member/policy/acknowledge"');
    const before = await count('team_member');
    const refused = await agent
      .post('/member/team')
      .type('form')
      .send({ _csrf: csrfFrom(home.text), name: 'Carol', email: 'carol@distro-s.example', key: teamKey });
    expect(refused.status).toBe(403);
    expect(await count('team_member')).toBe(before);
    expect((await agent.get('/member/embargoes')).text).toContain('While your membership is suspended');
    // It must still report a leak, but is not shown the embargoes.
    const leakForm = await agent.get('/member/leaks').expect(200);
    expect(leakForm.text).not.toContain('Parser overflow');
    const filed = await agent
      .post('/member/leaks')
      .type('form')
      .send({
        _csrf: csrfFrom(leakForm.text),
        embargoId: '',
        whatLeaked: 'Something',
        leakedTo: 'not known',
        leakedAt: '',
      });
    expect(filed.status).toBe(201);
  });

  it('ends the session on sign-out and when the member is removed meanwhile', async () => {
    const { agent } = await signIn();
    const home = await agent.get('/member/home').expect(200);
    const out = await agent
      .post('/member/logout')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) });
    expect(out.headers.location).toBe('/member?signedOut=1');
    expect((await agent.get('/member/home')).headers.location).toBe('/member?expired=1');
    expect(await count('audit_entry', `action = 'member.signed_out' AND subject = $1`, [`member:${memberId}`])).toBe(1);

    const suspended = await signIn(SUSPENDED);
    await suspended.agent.get('/member/home').expect(200);
    const [{ id }] = await db().query(`SELECT id FROM member WHERE email = $1`, [SUSPENDED]);
    await web.app
      .get(ChangeMemberStatus)
      .execute(id, 'remove', 'Testing removal.', '00000000-0000-4000-8000-000000000001');
    expect((await suspended.agent.get('/member/home')).headers.location).toBe('/member?expired=1');
  });

  it(`mails a member at most ${MEMBER_LINKS_PER_HOUR} links an hour, answering the same`, async () => {
    await db().query(
      `UPDATE one_time_token SET created_at = now() - interval '2 hours' WHERE purpose = 'member_session'`,
    );
    const before = await count('outbound_message', 'recipient = $1', [OTHER]);
    const answers = new Set<string>();
    for (let i = 0; i <= MEMBER_LINKS_PER_HOUR; i++) {
      const agent = request.agent(web.url);
      const form = await agent.get('/member').expect(200);
      const res = await agent
        .post('/member/link')
        .set(fromNewClient())
        .type('form')
        .send({ _csrf: csrfFrom(form.text), email: OTHER });
      expect(res.status).toBe(200);
      answers.add(res.text.replace(/name="_csrf" value="[^"]*"/g, ''));
    }
    expect(answers.size).toBe(1);
    expect(await count('outbound_message', 'recipient = $1', [OTHER])).toBe(before + MEMBER_LINKS_PER_HOUR);
  });

  it('ends a session that outlived MEMBER_SESSION_TTL_MINUTES', async () => {
    const { agent } = await signIn();
    await agent.get('/member/home').expect(200);
    await db().query(
      `UPDATE web_session
       SET data = jsonb_set(data, '{member,expiresAt}', to_jsonb((extract(epoch from now()) * 1000 - 1000)::bigint))
       WHERE data->'member'->>'memberId' = $1`,
      [memberId],
    );
    expect((await agent.get('/member/home')).headers.location).toBe('/member?expired=1');
  });

  it('asks a team member again after a new policy version; the member sees who agreed to which', async () => {
    const [{ version, body }] = await db().query(
      `SELECT version, body FROM policy_version ORDER BY version DESC LIMIT 1`,
    );
    const { policy } = await web.app
      .get(PublishPolicy)
      .execute(
        `${body}\n7. Team members acknowledge each new version.\n`,
        version,
        '00000000-0000-4000-8000-000000000001',
      );
    const { agent } = await signIn();
    expect((await agent.get('/member/home')).text).toMatch(/Alice Example[\s\S]*?\(not the current version\)/);
    const team = await agent.get('/member/team').expect(200);
    const [{ id }] = await db().query(`SELECT id FROM team_member WHERE email = $1`, [TEAMMATE]);
    expect(team.text).toContain(`action="/member/team/${id}/remind"`);
    const reminded = await agent
      .post(`/member/team/${id}/remind`)
      .type('form')
      .send({ _csrf: csrfFrom(team.text) });
    expect(reminded.headers.location).toBe('/member/team?done=reminded');

    const mail = await newestMail(TEAMMATE, /Acknowledge the Embargo Policy/, teamGpg);
    expect(mail.text).toContain(`version ${policy.version} (SHA-256 ${policy.sha256})`);
    const link = pathOf(linkIn(mail.text, '/team/acknowledge/'));
    const teammate = request.agent(web.url);
    const page = await teammate.get(link).expect(200);
    expect(page.text).toContain('7. Team members acknowledge each new version.');
    // The page showed this version; a form claiming an older one records nothing.
    const stale = await teammate
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: String(version) });
    expect(stale.status).toBe(400);
    expect(stale.text).toContain('A new version of the Embargo Policy was published while you were reading');
    const agreed = await teammate
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: String(policy.version) });
    expect(agreed.status).toBe(200);
    const after = await agent.get('/member/team').expect(200);
    expect(after.text).toMatch(
      new RegExp(`Alice Example[\\s\\S]*?version ${policy.version} \\([\\s\\S]*?version ${version} \\(`),
    );
    expect(after.text).not.toContain(`action="/member/team/${id}/remind"`);
    expect(await count('audit_entry', `action = 'team_member.link_sent' AND subject = $1`, [`team_member:${id}`])).toBe(
      1,
    );
  });

  describe('hostile input', () => {
    let agent: Agent;

    beforeAll(async () => {
      ({ agent } = await signIn());
    });

    it('refuses a form without a CSRF token and changes nothing', async () => {
      const before = await snapshot();
      const res = await agent
        .post('/member/team')
        .type('form')
        .send({ name: 'Eve', email: 'eve@distro-m.example', key: teamKey });
      expect(res.status).toBe(403);
      const link = await request(web.url).post('/member/link').type('form').send({ email: MEMBER });
      expect(link.status).toBe(403);
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      [
        'hostile HTML in the name',
        { name: `Eve ${XSS}`, email: 'eve@distro-m.example' },
        'name',
        /may not contain &lt; or &gt;/,
      ],
      [
        'a key that is not a key',
        { name: 'Eve', email: 'eve@distro-m.example', key: 'not a key' },
        'key',
        /not an OpenPGP key/,
      ],
      [
        'a key without a user ID for the address',
        { name: 'Eve', email: 'eve@distro-m.example' },
        'key',
        /no valid user ID for eve@distro-m.example/,
      ],
      ['no key at all', { name: 'Eve', email: 'eve@distro-m.example', key: '' }, 'key', /Paste the OpenPGP public key/],
      [
        'an address that is not one',
        { name: 'Eve', email: 'eve at distro', key: '' },
        'email',
        /not an e-mail address/,
      ],
    ])('refuses a team member with %s, beside the field, changing nothing', async (_name, form, field, message) => {
      const before = await snapshot();
      const res = await postForm(agent, '/member/team', '/member/team', { key: teamKey, ...form });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
      expect(res.text).toMatch(new RegExp(`class="invalid"[\\s\\S]*?id="${field}"`));
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      ['another member’s key', () => sharedKey, /cannot be used for your membership/],
      [
        'a key without a user ID for the member address',
        () => teamKey,
        /no valid user ID for security@distro-m.example/,
      ],
      [
        'garbage',
        () => '-----BEGIN PGP PUBLIC KEY BLOCK-----\nxx\n-----END PGP PUBLIC KEY BLOCK-----',
        /not an OpenPGP key/,
      ],
    ])('refuses to replace the key with %s, sending nothing', async (_name, key, message) => {
      const before = await snapshot();
      const res = await postForm(agent, '/member/key', '/member/key', { key: key() });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a banned key fingerprint', async () => {
      const banned = GpgHome.create();
      try {
        const fpr = await banned.generateKey(MEMBER);
        await db().query(
          `INSERT INTO ban (id, kind, value, reason) VALUES (gen_random_uuid(), 'fingerprint', $1, 'test')`,
          [fpr],
        );
        const before = await snapshot();
        const res = await postForm(agent, '/member/key', '/member/key', { key: await banned.exportPublic(fpr) });
        expect(res.status).toBe(400);
        expect(res.text).toMatch(/cannot be used for your membership/);
        expect(await snapshot()).toEqual(before);
      } finally {
        await banned.cleanup();
      }
    });

    it('keeps another member’s team out of reach', async () => {
      const [{ id }] = await db().query(`SELECT id FROM team_member WHERE email = $1`, [TEAMMATE]);
      const other = await signIn(OTHER);
      const page = await other.agent.get('/member/team').expect(200);
      expect(page.text).not.toContain(TEAMMATE);
      const before = await snapshot();
      const res = await other.agent
        .post(`/member/team/${id}/withdraw`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) });
      expect(res.status).toBe(404);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses member pages without a session, and a made-up sign-in link', async () => {
      for (const path of ['/member/home', '/member/team', '/member/key', '/member/embargoes']) {
        expect((await request(web.url).get(path)).headers.location).toBe('/member?expired=1');
      }
      const stranger = request.agent(web.url);
      const page = await stranger.get('/member/sign-in/made-up-token').expect(200);
      const res = await stranger
        .post('/member/sign-in/made-up-token')
        .type('form')
        .send({ _csrf: csrfFrom(page.text) });
      expect(res.status).toBe(410);
    });
  });
  describe('a member leaves the list itself', () => {
    const LEAVER = 'security@distro-l.example';

    it('refuses without the organisation typed, then leaves: session ended, told by mail, nothing banned', async () => {
      await web.app.get(ImportMember).execute({
        email: LEAVER,
        organisation: 'Distro L',
        key: await gpg.exportPublic(await gpg.generateKey(LEAVER)),
        acknowledged: true,
      });
      const { agent } = await signIn(LEAVER);
      const page = await agent.get('/member/leave').expect(200);
      expect(page.text).toContain('Leave the list');

      const before = await snapshot();
      const refused = await agent
        .post('/member/leave')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), organisation: 'Distro M' });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('Type your organisation’s name, Distro L');
      expect(await snapshot()).toEqual(before);
      expect((await agent.get('/member/home')).status).toBe(200);

      const left = await agent
        .post('/member/leave')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), organisation: '  distro-l ' });
      expect({ status: left.status, location: left.headers.location }).toEqual({
        status: 303,
        location: '/member/left',
      });
      expect((await agent.get('/member/left').expect(200)).text).toContain('Your membership has ended');
      // The session is over, and no new one can be opened.
      expect((await agent.get('/member/home')).headers.location).toBe('/member?expired=1');
      const [row] = await db().query(`SELECT status, status_reason FROM member WHERE email = $1`, [LEAVER]);
      expect(row).toEqual({ status: 'removed', status_reason: 'Left the list at its own request.' });
      expect(await db().query(`SELECT 1 FROM ban WHERE value = $1`, [LEAVER])).toEqual([]);
      const goodbye = await newestMail(LEAVER, /You have left/);
      expect(goodbye.text).toContain('No more list mail will reach you');
      const [audit] = await db().query(`SELECT actor FROM audit_entry WHERE action = 'member.left'`);
      expect(audit.actor).toMatch(/^member:/);
    });
  });
});
