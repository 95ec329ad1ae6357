/**
 * Triage of leak reports (issue 5, "Leak reports"; docs/architecture.md, flow "Leak"), end to end
 * on a real database with GnuPG as members and maintainer: triage is final, and the second
 * confirmed leak removes a member for good: its mail stops, its own gpg reads why, and its
 * organisation, addresses and key cannot apply again.
 */
import request from 'supertest';
import { randomBytes, randomUUID } from 'node:crypto';
import { AUDIT_CHAIN_KEY, AuditLog, verifyAuditChain } from '@cordon/audit';
import { Outbox } from '@cordon/delivery';
import { DecideApplication, ImportMember, SubmitApplication } from '@cordon/membership';
import { Agent, MaintainerAccount } from './support/admin-login';
import { csrfFrom } from './support/forms';
import { GpgHome } from './support/gpg';
import { LEAKY, LEAKY_SECOND_UID, OTHER, leaksWorld } from './support/leaks-world';
import { mailTo, openMail } from './support/mailbox';
import { RunningWebApp } from './support/web-app';

jest.setTimeout(120_000);

const BANNED = 'This application cannot be accepted. Contact the maintainers.';

describe('leak reports: triage and strikes', () => {
  const world = leaksWorld();
  const { reports, db, api, deliver, count, snapshot, auditOf, fileOneOfEveryKind } = world;
  let web: RunningWebApp;
  let gpg: GpgHome;
  let admin: Agent;
  let maintainer: MaintainerAccount;
  let leaky: { id: string; fingerprint: string; key: string };
  let other: { id: string };
  let embargoId: string;

  beforeAll(async () => {
    ({ web, gpg, admin, maintainer, leaky, other, embargoId } = world.state());
    await fileOneOfEveryKind();
  });

  describe('triage', () => {
    it('lists open reports first, each with its embargo tag, reporter kind and when it was filed', async () => {
      const page = await admin.get('/admin/leaks').expect(200);
      for (const id of Object.values(reports)) expect(page.text).toContain(`/admin/leaks/${id}`);
      expect(page.text).toMatch(/<td>public<\/td>/);
      expect(page.text).toMatch(/<td>mail<\/td>/);
      const open = await request(web.url).get('/api/leaks?status=open').set(api()).expect(200);
      expect(open.body.leakReports).toHaveLength(Object.keys(reports).length);
      const filed = open.body.leakReports.map((r: { createdAt: string }) => r.createdAt);
      expect(filed).toEqual([...filed].sort());
      await request(web.url).get('/api/leaks?status=bogus').set(api()).expect(400);
    });

    it('shows a report with hostile HTML as text', async () => {
      const page = await admin.get(`/admin/leaks/${reports.public}`).expect(200);
      expect(page.text).toContain(
        'The advisory draft &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;',
      );
      expect(page.text).not.toContain('<script>alert(1)');
      expect(page.text).not.toContain('<img src=x');
    });

    it('dismisses once: a triaged report cannot be dismissed or confirmed again', async () => {
      const short = await request(web.url)
        .post(`/api/leaks/${reports.public}/dismiss`)
        .set(api())
        .send({ reason: 'no' });
      expect(short.status).toBe(400);
      const res = await request(web.url)
        .post(`/api/leaks/${reports.public}/dismiss`)
        .set(api())
        .send({ reason: 'The story was about a different project.' })
        .expect(200);
      expect(res.body).toMatchObject({ status: 'dismissed', triageReason: 'The story was about a different project.' });
      const before = await snapshot();
      const again = await request(web.url)
        .post(`/api/leaks/${reports.public}/dismiss`)
        .set(api())
        .send({ reason: 'Dismissing it a second time.' });
      expect(again.status).toBe(409);
      const confirm = await request(web.url)
        .post(`/api/leaks/${reports.public}/confirm`)
        .set(api())
        .send({ memberId: leaky.id, reason: 'Confirming after a dismissal.' });
      expect(confirm.status).toBe(409);
      expect(confirm.body.detail).toMatch(/already dismissed/);
      expect(await snapshot()).toEqual(before);
      expect((await auditOf(`leak_report:${reports.public}`)).map((e) => e.action)).toEqual([
        'leak.reported',
        'leak.dismissed',
      ]);
    });

    it('confirms once in the admin UI: a strike on the member, who is told, encrypted, and stays a member', async () => {
      const page = await admin.get(`/admin/leaks/${reports.admin}`).expect(200);
      // The picker starts at the suspected member.
      expect(page.text).toMatch(new RegExp(`<option value="${leaky.id}" selected>`));
      const csrf = csrfFrom(page.text);
      const unreasoned = await admin
        .post(`/admin/leaks/${reports.admin}/confirm`)
        .type('form')
        .send({ _csrf: csrf, memberId: leaky.id, reason: 'short' });
      expect(unreasoned.status).toBe(400);
      expect(unreasoned.text).toMatch(/id="confirm-reason-error">Give the reason/);
      const res = await admin.post(`/admin/leaks/${reports.admin}/confirm`).type('form').send({
        _csrf: csrf,
        memberId: leaky.id,
        reason: 'Their build bot pushed the fix to a public mirror.',
      });
      expect(res.status).toBe(303);
      const shown = await admin.get(`/admin/leaks/${reports.admin}`).expect(200);
      expect(shown.text).toMatch(/id="leak-status">confirmed/);
      expect(shown.text).toMatch(/id="attributed-to">.*Leaky Org/);
      expect(shown.text).not.toContain('id="confirm-leak"');
      expect(await db().query('SELECT status FROM member WHERE id = $1', [leaky.id])).toEqual([{ status: 'active' }]);
      expect(await count('strike', 'member_id = $1', [leaky.id])).toBe(1);

      await deliver();
      const told = await openMail(gpg, mailTo(web.settings.dataDir, LEAKY).at(-1)!);
      expect(told.subject).toMatch(/a leak was attributed to you/);
      expect(told.text).toContain('This is strike 1; at 2 a member is removed for good');
      expect(told.text).toContain('Their build bot pushed the fix to a public mirror.');

      const before = await snapshot();
      const again = await admin.post(`/admin/leaks/${reports.admin}/confirm`).type('form').send({
        _csrf: csrf,
        memberId: leaky.id,
        reason: 'Confirming the same report twice.',
      });
      expect(again.status).toBe(409);
      expect(again.text).toMatch(/already confirmed; triage is final/);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('the second confirmed leak', () => {
    let pendingApplicationId: string;
    let heldPostIds: string[];

    it('removes the member for good: its mail stops at once, it reads why with its own gpg, and it is banned', async () => {
      // An application from the same organisation, under review before any ban exists.
      const applicantFpr = await gpg.generateKey('security@leaky-subsidiary.example');
      pendingApplicationId = (
        await web.app.get(SubmitApplication).execute({
          organisation: 'LEAKY-org',
          distribution: 'Leaky Lite',
          website: 'https://leaky-subsidiary.example',
          contactName: 'Sub',
          contactEmail: 'security@leaky-subsidiary.example',
          key: await gpg.exportPublic(applicantFpr),
          evidence: { '1': 'a', '2': 'b', '3': 'c', '4': 'd', '5': 'e' },
          acceptedPolicyVersion: 1,
          voucherEmail: OTHER,
        })
      ).applicationId;
      await db().query(`UPDATE application SET status = 'in_review' WHERE id = $1`, [pendingApplicationId]);

      // Copies of a post not yet sent to it (one pending, one held), one to the other member, and
      // an embargo notice still queued for it.
      const postIds = [randomUUID(), randomUUID()];
      for (const postId of postIds) {
        await db().query(
          `INSERT INTO post (id, inbound_message_id, maintainer_id, signature_digest, body_packets)
           VALUES ($1, $2, $3, $4, '\\x00')`,
          [postId, randomUUID(), maintainer.id, randomBytes(16).toString('hex')],
        );
      }
      heldPostIds = [randomUUID(), randomUUID(), randomUUID()];
      for (const [id, postId, member, status] of [
        [heldPostIds[0], postIds[0], leaky.id, 'pending'],
        [heldPostIds[1], postIds[1], leaky.id, 'held'],
        [heldPostIds[2], postIds[0], other.id, 'pending'],
      ]) {
        await db().query(
          `INSERT INTO post_delivery (id, post_id, member_id, recipient, key_packet, status)
           VALUES ($1, $2, $3, 'x@example.org', '\\x00', $4)`,
          [id, postId, member, status],
        );
      }
      // A key it used before (replaced in self-service) is banned too: found in its audit trail.
      const formerKey = 'AB12'.repeat(10);
      await db().transaction((manager) =>
        web.app.get(AuditLog).append(manager, {
          actor: `member:${leaky.id}`,
          action: 'member.key_replaced',
          subject: `member:${leaky.id}`,
          details: { previousKeyFingerprint: formerKey, keyFingerprint: leaky.fingerprint },
        }),
      );
      const noticeId = await db().transaction((manager) =>
        web.app.get(Outbox).send(manager, {
          purpose: 'embargo.extended',
          to: LEAKY,
          recipientKey: leaky.key,
          subject: '[EMB-1] Embargo extended',
          text: 'Embargoed details.',
        }),
      );

      const res = await request(web.url)
        .post(`/api/leaks/${reports.api}/confirm`)
        .set(api())
        .send({ memberId: leaky.id, reason: 'They forwarded the CVE text to a vendor.', embargoBroken: true })
        .expect(200);
      expect(res.body).toMatchObject({
        status: 'confirmed',
        strikes: 2,
        strikeThreshold: 2,
        memberRemoved: true,
        embargoBroken: true,
        attributedTo: { memberId: leaky.id, organisation: 'Leaky Org', status: 'removed' },
      });

      expect(await db().query('SELECT status, status_reason FROM member WHERE id = $1', [leaky.id])).toEqual([
        { status: 'removed', status_reason: 'Removed for good after 2 confirmed leaks (the limit is 2).' },
      ]);
      expect(await db().query('SELECT status FROM embargo WHERE id = $1', [embargoId])).toEqual([{ status: 'broken' }]);
      const copies = await db().query(
        'SELECT id, status, reason FROM post_delivery WHERE id = ANY($1::uuid[]) ORDER BY id',
        [heldPostIds],
      );
      expect(Object.fromEntries(copies.map((c: { id: string }) => [c.id, c]))).toEqual({
        [heldPostIds[0]]: { id: heldPostIds[0], status: 'skipped', reason: 'member_removed' },
        [heldPostIds[1]]: { id: heldPostIds[1], status: 'skipped', reason: 'member_removed' },
        [heldPostIds[2]]: { id: heldPostIds[2], status: 'pending', reason: null },
      });
      expect(await db().query('SELECT status, last_error FROM outbound_message WHERE id = $1', [noticeId])).toEqual([
        { status: 'failed', last_error: 'member_removed' },
      ]);

      // The removal notice is the last mail it gets, and the embargo notice never went out.
      const mailsBefore = mailTo(web.settings.dataDir, LEAKY).length;
      await deliver();
      const mails = mailTo(web.settings.dataDir, LEAKY);
      expect(mails).toHaveLength(mailsBefore + 1);
      const told = await openMail(gpg, mails.at(-1)!);
      expect(told.goodSignature).toBe(true);
      expect(told.recipients).toHaveLength(1);
      expect(told.subject).toMatch(/removed/);
      expect(told.text).toContain('2 confirmed leaks');
      expect(told.text).toContain('They forwarded the CVE text to a vendor.');
      expect(told.text).toContain('cannot apply again');

      const bans = await db().query('SELECT kind, value, member_id FROM ban ORDER BY kind, value');
      expect(bans).toEqual(
        expect.arrayContaining([
          { kind: 'organisation', value: 'leakyorg', member_id: leaky.id },
          { kind: 'email', value: LEAKY, member_id: leaky.id },
          { kind: 'fingerprint', value: leaky.fingerprint, member_id: leaky.id },
          { kind: 'fingerprint', value: formerKey, member_id: leaky.id },
        ]),
      );
      expect(bans).toHaveLength(4);
      const steps = (await auditOf(`member:${leaky.id}`)).map((e) => e.action);
      expect(steps.slice(-4)).toEqual([
        'member.strike_added',
        'member.removed',
        'member.mail_stopped',
        'member.banned',
      ]);
      expect(await verifyAuditChain(db(), web.app.get(AUDIT_CHAIN_KEY))).toMatchObject({ ok: true });
    });

    it('refuses a new application from the same organisation, address or key, saying no more, and changes nothing', async () => {
      const newKey = async (email: string, name = 'Test') =>
        gpg.exportPublic(await gpg.generateKey(email, { userId: `${name} <${email}>` }));
      const form = async (overrides: Record<string, string>): Promise<Record<string, string>> => ({
        organisation: 'Fresh Start Ltd',
        distribution: 'Fresh',
        website: 'https://fresh.example',
        contactName: 'Fay',
        contactEmail: 'security@fresh.example',
        evidence1: 'a',
        evidence2: 'b',
        evidence3: 'c',
        evidence4: 'd',
        evidence5: 'e',
        acceptPolicy: 'yes',
        policyVersion: '1',
        voucherEmail: OTHER,
        ...overrides,
      });
      const attempts = {
        organisation: await form({ organisation: '  leaky   ORG ', key: await newKey('security@fresh.example') }),
        address: await form({ contactEmail: LEAKY, key: await newKey(LEAKY, 'Second') }),
        key: await form({ contactEmail: LEAKY_SECOND_UID, key: leaky.key }),
      };
      const visitor = request.agent(web.url);
      for (const [what, fields] of Object.entries(attempts)) {
        const page = await visitor.get('/apply').expect(200);
        const before = await snapshot();
        const res = await visitor
          .post('/apply')
          .type('form')
          .send({ _csrf: csrfFrom(page.text), ...fields });
        expect({ what, status: res.status }).toEqual({ what, status: 403 });
        expect(res.text).toContain(BANNED);
        expect(res.text).not.toMatch(/ban|leak|strike|removed/i);
        expect(await snapshot()).toEqual(before);
      }
      // The same form, clean, goes through: the refusals were the ban's.
      const page = await visitor.get('/apply').expect(200);
      const clean = await visitor
        .post('/apply')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), ...(await form({ key: attempts.organisation.key })) });
      expect(clean.status).toBe(201);
    });

    it('refuses importing the banned organisation and approving an application that was waiting', async () => {
      const before = await snapshot();
      const imported = web.app.get(ImportMember).execute({
        email: 'ops@leaky-three.example',
        organisation: 'Leaky, Org.',
        key: await gpg.exportPublic(await gpg.generateKey('ops@leaky-three.example')),
        acknowledged: true,
      });
      await expect(imported).rejects.toMatchObject({
        code: 'BANNED',
        message: expect.stringMatching(/organisation is banned/),
      });
      const approved = web.app.get(DecideApplication).execute(pendingApplicationId, { kind: 'approve' }, maintainer.id);
      await expect(approved).rejects.toMatchObject({ code: 'BANNED' });
      expect(
        await db().query('SELECT status, member_id FROM application WHERE id = $1', [pendingApplicationId]),
      ).toEqual([{ status: 'in_review', member_id: null }]);
      expect(await snapshot()).toEqual(before);
    });

    it("shows the member's whole history in time order on its page", async () => {
      const page = await admin.get(`/admin/members/${leaky.id}`).expect(200);
      const history = page.text.slice(page.text.indexOf('id="member-history"'));
      // In sentences (issue 11): what happened, in order, as a maintainer reads it.
      const order = [
        'Was brought over as a member',
        'Acknowledged the Embargo Policy',
        'A leak report named it', // filed by the admin naming it as the suspect
        'Reported a leak of its own', // its own, self-reported
        'A leak report against it was confirmed',
        'A confirmed leak counted against it (strike 1)',
        'A leak report against it was confirmed',
        'A confirmed leak counted against it (strike 2)',
        'Was removed from the list',
        'Mail to it was stopped',
        'Was banned',
      ];
      let at = 0;
      for (const sentence of order) {
        const next = history.indexOf(sentence, at);
        expect({ sentence, found: next >= 0 }).toEqual({ sentence, found: true });
        at = next + 1;
      }
      expect(page.text).toMatch(/id="strikes">2</);
      expect(page.text).toContain(`/admin/leaks/${reports.member}`);
      expect(page.text).toContain('Lena Lead');
      expect(page.text).toMatch(/id="member-status">removed/);
    });
  });
});
