/**
 * What a signed-in member does for itself (issue 5, member self-service), end to end over HTTP with
 * GnuPG as the member: acknowledging the policy, replacing the key (only once the new key has
 * proven itself), answering an embargo's date (shown to the maintainers), reporting a leak, what a
 * suspended member may still do, and leaving the list.
 */
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { ChangeEmbargo } from '@cordon/embargo';
import { ImportMember } from '@cordon/membership';
import { loginAgent } from './support/admin-login';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { linkIn } from './support/mailbox';
import {
  MEMBER,
  SUSPENDED,
  XSS,
  A_MAINTAINER,
  inDays,
  memberSelfServiceWorld,
} from './support/member-self-service-world';
import { RunningWebApp } from './support/web-app';

jest.setTimeout(120_000);

describe('member self-service: the account', () => {
  const world = memberSelfServiceWorld();
  const { db, count, snapshot, newestMail, signIn, postForm } = world;
  let web: RunningWebApp;
  let gpg: GpgHome;
  let memberId: string;
  let memberFpr: string;
  let teamKey: string;

  beforeAll(() => {
    ({ web, gpg, memberId, memberFpr, teamKey } = world.state());
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
        acceptNonWorkingDay: true,
      },
      A_MAINTAINER,
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
