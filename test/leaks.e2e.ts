/**
 * Leak reports end to end (issue 5, "Leak reports"; docs/architecture.md, flow "Leak"), on a real database with
 * GnuPG as members and maintainer: filing by every path, triage that is final, and the second
 * confirmed leak removing a member for good: its mail stops, its own gpg reads why, and its
 * organisation, addresses and key cannot apply again. Hostile input stays text and changes nothing.
 */
import request from 'supertest';
import { randomBytes, randomUUID } from 'node:crypto';
import { AUDIT_CHAIN_KEY, AuditLog, verifyAuditChain } from '@cordon/audit';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker, Outbox } from '@cordon/delivery';
import { ChangeEmbargo, LeakReports } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { CreateApiToken } from '@cordon/maintainers';
import { DecideApplication, ImportMember, SubmitApplication } from '@cordon/membership';
import { Agent, loginAgent, MaintainerAccount } from './support/admin-login';
import { csrfFrom } from './support/forms';
import { GpgHome } from './support/gpg';
import { mailTo, openMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

jest.setTimeout(120_000);

const LEAKY = 'security@leaky.example';
const LEAKY_SECOND_UID = 'new-team@leaky-two.example';
const OTHER = 'security@other.example';
const MAINTAINER = 'lena@project.example';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const BANNED = 'This application cannot be accepted. Contact the maintainers.';

describe('leak reports', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let admin: Agent;
  let maintainer: MaintainerAccount;
  let token: string;
  let leaky: { id: string; fingerprint: string; key: string };
  let other: { id: string };
  let embargoId: string;
  /** Reports filed below, by path. */
  const reports: Record<string, string> = {};

  const db = () => web.runtime.database.dataSource;
  const api = () => ({ Authorization: `Bearer ${token}` });
  const deliver = () => web.app.get(DeliveryWorker).drain();
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number((await db().query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params))[0].n);
  /** Every table a refused request must leave as it was. */
  const snapshot = async () => ({
    reports: await count('leak_report'),
    audit: await count('audit_entry'),
    mail: await count('outbound_message'),
    applications: await count('application'),
    members: await count('member'),
    tokens: await count('one_time_token'),
  });
  const auditOf = (subject: string) =>
    db().query('SELECT actor, action, details FROM audit_entry WHERE subject = $1 ORDER BY seq', [subject]) as Promise<
      { actor: string; action: string; details: Record<string, unknown> }[]
    >;
  const file = (input: Partial<Parameters<LeakReports['file']>[1]>, reporter: Parameters<LeakReports['file']>[2]) =>
    db().transaction((manager) =>
      web.app.get(LeakReports).file(
        manager,
        {
          embargoId: null,
          whatLeaked: 'The patch for the parser overflow',
          leakedTo: 'A public bug tracker',
          leakedAt: null,
          evidence: '',
          selfReported: false,
          ...input,
        },
        reporter,
      ),
    );
  /** What a maintainer reads when a report comes in: the newest notice, opened by gpg. */
  const maintainerReads = async () => {
    await deliver();
    const opened = await openMail(gpg, mailTo(web.settings.dataDir, MAINTAINER).at(-1)!);
    expect(opened.goodSignature).toBe(true);
    expect(opened.recipients).toHaveLength(1);
    return opened;
  };

  beforeAll(async () => {
    web = await startWebApp();
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    ({ agent: admin, maintainer } = await loginAgent(web, { gpg, email: MAINTAINER, name: 'Lena Lead' }));
    token = (await web.app.get(CreateApiToken).execute(maintainer.id, 'leak script')).token;

    // The leaky member's key carries a second user ID, so that the same key can apply under another address.
    const leakyFpr = await gpg.generateKey(LEAKY);
    await gpg.must(['--quick-add-uid', leakyFpr, `New Team <${LEAKY_SECOND_UID}>`]);
    const leakyKey = await gpg.exportPublic(leakyFpr);
    const imported = await web.app
      .get(ImportMember)
      .execute({ email: LEAKY, organisation: 'Leaky Org', key: leakyKey, acknowledged: true });
    leaky = { id: imported.id, fingerprint: leakyFpr, key: leakyKey };
    other = await web.app.get(ImportMember).execute({
      email: OTHER,
      organisation: 'Other Org',
      key: await gpg.exportPublic(await gpg.generateKey(OTHER)),
      acknowledged: true,
    });
    const publicAt = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
    embargoId = (
      await web.app.get(ChangeEmbargo).create({ title: 'Parser overflow', publicAt, timeZone: 'UTC' }, maintainer.id)
    ).id;
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  describe('filing', () => {
    it('takes a report from the public form, answers with a reference only, audits it and tells the maintainers, encrypted', async () => {
      const visitor = request.agent(web.url);
      const form = await visitor.get('/leaks/report').expect(200);
      const res = await visitor
        .post('/leaks/report')
        .type('form')
        .send({
          _csrf: csrfFrom(form.text),
          whatLeaked: `The advisory draft ${XSS}`,
          leakedTo: 'A journalist at the Daily Example',
          leakedAt: '2026-01-15T09:30',
          evidence: 'https://news.example/story (since taken down)',
          contact: 'tipster@press.example',
        });
      expect(res.status).toBe(201);
      const reference = /id="reference"[^>]*>([0-9a-f-]{36})</.exec(res.text)?.[1];
      expect(reference).toBeDefined();
      reports.public = reference!;
      // A thank-you and a reference: nothing of the report, no embargo, no member.
      expect(res.text).not.toContain('advisory draft');
      expect(res.text).not.toContain('Parser overflow');

      const [row] = await db().query('SELECT * FROM leak_report WHERE id = $1', [reference]);
      expect(row).toMatchObject({
        reporter_kind: 'public',
        reporter_contact: 'tipster@press.example',
        status: 'open',
        self_reported: false,
        what_leaked: `The advisory draft ${XSS}`,
      });
      expect(new Date(row.leaked_at).toISOString()).toBe('2026-01-15T09:30:00.000Z');
      const [entry] = await auditOf(`leak_report:${reference}`);
      expect(entry).toMatchObject({ actor: 'anonymous', action: 'leak.reported', details: { via: 'public' } });
      // The audit log is not encrypted: the report's text never goes there.
      expect(JSON.stringify(entry)).not.toMatch(/advisory draft|journalist|tipster/);

      const notice = await maintainerReads();
      expect(notice.subject).toBe('Leak report filed');
      expect(notice.text).toContain(`The advisory draft ${XSS}`);
      expect(notice.text).toContain('A journalist at the Daily Example');
      expect(notice.text).toContain('tipster@press.example');
      expect(notice.text).toContain(`/admin/leaks/${reference}`);
      const raw = mailTo(web.settings.dataDir, MAINTAINER).at(-1)!.raw;
      expect(raw).not.toMatch(/advisory draft|journalist/);
    });

    it('refuses bad public reports beside the field, keeping the input, and changes nothing', async () => {
      const visitor = request.agent(web.url);
      const form = await visitor.get('/leaks/report').expect(200);
      const valid = { _csrf: csrfFrom(form.text), whatLeaked: 'Something', leakedTo: 'Someone' };
      const before = await snapshot();
      // Each post counts against the form's throttle (ten a minute): the rest of the hostile cases
      // are put to the domain directly below.
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ whatLeaked: 'x'.repeat(5001) }, 'whatLeaked', /At most 5000/],
        [{ contact: 'not an address' }, 'contact', /e-mail address/],
        [{ leakedAt: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16) }, 'leakedAt', /future/],
        [{ whatLeaked: 'bell \u0007 here' }, 'whatLeaked', /Control characters/],
      ];
      for (const [fields, field, message] of cases) {
        const res = await visitor
          .post('/leaks/report')
          .type('form')
          .send({ ...valid, ...fields });
        expect({ field, status: res.status }).toEqual({ field, status: 400 });
        expect(new RegExp(`id="${field}-error">[^<]*${message.source}`).test(res.text)).toBe(true);
      }
      const kept = await visitor
        .post('/leaks/report')
        .type('form')
        .send({ ...valid, leakedTo: '', whatLeaked: XSS });
      expect(kept.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(kept.text).not.toContain('<script>alert(1)');
      // Without the form's token: refused before anything is read.
      await request(web.url).post('/leaks/report').type('form').send({ whatLeaked: 'a', leakedTo: 'b' }).expect(403);
      expect(await snapshot()).toEqual(before);
    });

    it('takes a report from a maintainer in the admin UI, naming the embargo and a suspected member', async () => {
      const page = await admin.get('/admin/leaks').expect(200);
      expect(page.text).toContain('EMB-');
      const before = await snapshot();
      const unknown = await admin
        .post('/admin/leaks')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), embargoId: randomUUID(), whatLeaked: 'x', leakedTo: 'y' });
      expect(unknown.status).toBe(400);
      expect(unknown.text).toMatch(/id="embargoId-error">There is no such embargo/);
      expect(await snapshot()).toEqual(before);

      const res = await admin
        .post('/admin/leaks')
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          embargoId,
          whatLeaked: 'The fix commit, pushed to a public mirror',
          leakedTo: 'Anyone watching the mirror',
          leakedAt: '',
          evidence: 'https://mirror.example/commit/abc',
          suspectedMemberId: leaky.id,
        });
      expect(res.status).toBe(303);
      const id = /^\/admin\/leaks\/([0-9a-f-]{36})$/.exec(res.headers.location)![1];
      reports.admin = id;
      expect(
        await db().query(
          'SELECT reporter_kind, reporter_maintainer_id, suspected_member_id FROM leak_report WHERE id = $1',
          [id],
        ),
      ).toEqual([
        { reporter_kind: 'maintainer', reporter_maintainer_id: maintainer.id, suspected_member_id: leaky.id },
      ]);
      expect((await auditOf(`leak_report:${id}`))[0]).toMatchObject({
        actor: `maintainer:${maintainer.id}`,
        details: { via: 'maintainer', embargoId, suspectedMemberId: leaky.id },
      });
      const notice = await maintainerReads();
      expect(notice.subject).toMatch(/^\[EMB-\d+\] Leak report filed$/);
      expect(notice.text).toContain('The fix commit, pushed to a public mirror');
    });

    it('takes a report through the API, with RFC 9457 problems for bad input', async () => {
      const before = await snapshot();
      await request(web.url)
        .post('/api/leaks')
        .send({ whatLeaked: 'a', leakedTo: 'b', selfReported: false })
        .expect(401);
      const bad = [
        { whatLeaked: 'a', leakedTo: 'b', selfReported: false, evidence: 'e'.repeat(20001) },
        { whatLeaked: 'a'.repeat(5001), leakedTo: 'b', selfReported: false },
        { whatLeaked: 'a', leakedTo: 'b', selfReported: 'yes' },
        { whatLeaked: 'a', leakedTo: 'b', selfReported: false, leakedAt: 'last week' },
        { whatLeaked: 'a', leakedTo: 'b', selfReported: false, extra: 1 },
      ];
      for (const body of bad) {
        const res = await request(web.url).post('/api/leaks').set(api()).send(body);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      }
      const unknown = await request(web.url)
        .post('/api/leaks')
        .set(api())
        .send({ embargoId: randomUUID(), whatLeaked: 'a', leakedTo: 'b', selfReported: false });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ code: 'INVALID_INPUT', field: 'embargoId' });
      expect(await snapshot()).toEqual(before);

      const res = await request(web.url)
        .post('/api/leaks')
        .set(api())
        .send({
          embargoId,
          whatLeaked: 'The CVE description',
          leakedTo: 'A vendor outside the list',
          leakedAt: '2026-02-01T10:00:00Z',
          selfReported: false,
        })
        .expect(201);
      expect(res.body).toMatchObject({
        status: 'open',
        reporterKind: 'maintainer',
        embargoId,
        embargoTag: expect.stringMatching(/^EMB-\d+$/),
        leakedAt: '2026-02-01T10:00:00.000Z',
        reporter: { maintainerId: maintainer.id, name: 'Lena Lead' },
      });
      reports.api = res.body.id;
      await request(web.url).get(`/api/leaks/${res.body.id}`).set(api()).expect(200);
      await request(web.url).get(`/api/leaks/${randomUUID()}`).set(api()).expect(404);
      const docs = await request(web.url).get('/api/docs').expect(200);
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining(['/api/leaks', '/api/leaks/{id}', '/api/leaks/{id}/dismiss', '/api/leaks/{id}/confirm']),
      );
      expect(docs.body.components.schemas.FileLeakReportDto.required).toEqual(
        expect.arrayContaining(['whatLeaked', 'leakedTo', 'selfReported']),
      );
    });

    it('takes a report from a member (self-service) and by signed mail, and refuses one that is not a member', async () => {
      const own = await file({ selfReported: true, embargoId }, { kind: 'member', memberId: leaky.id });
      reports.member = own.id;
      expect((await auditOf(`leak_report:${own.id}`))[0]).toMatchObject({
        actor: `member:${leaky.id}`,
        details: { via: 'member', memberId: leaky.id, selfReported: true },
      });
      const mailed = await file({}, { kind: 'mail', memberId: other.id });
      reports.mail = mailed.id;
      expect((await auditOf(`leak_report:${mailed.id}`))[0]).toMatchObject({
        actor: `member:${other.id}`,
        details: { via: 'mail', memberId: other.id },
      });
      const notice = await maintainerReads();
      expect(notice.text).toContain('member Other Org (signed mail)');

      const before = await snapshot();
      const refusals: [() => Promise<unknown>, string, string | undefined][] = [
        [() => file({}, { kind: 'member', memberId: randomUUID() }), 'FORBIDDEN', undefined],
        [() => file({}, { kind: 'mail', memberId: 'not-a-uuid' }), 'FORBIDDEN', undefined],
        [() => file({}, { kind: 'maintainer', maintainerId: randomUUID() }), 'FORBIDDEN', undefined],
        [
          () => file({ suspectedMemberId: leaky.id }, { kind: 'public', contact: null }),
          'INVALID_INPUT',
          'suspectedMemberId',
        ],
        [() => file({ whatLeaked: '   ' }, { kind: 'public', contact: null }), 'INVALID_INPUT', 'whatLeaked'],
        [() => file({ leakedTo: 'y'.repeat(5001) }, { kind: 'public', contact: null }), 'INVALID_INPUT', 'leakedTo'],
        [() => file({ evidence: 'e'.repeat(20001) }, { kind: 'public', contact: null }), 'INVALID_INPUT', 'evidence'],
        [() => file({ embargoId: randomUUID() }, { kind: 'public', contact: null }), 'INVALID_INPUT', 'embargoId'],
        [
          () => file({ leakedAt: new Date('nonsense') }, { kind: 'public', contact: null }),
          'INVALID_INPUT',
          'leakedAt',
        ],
        [
          () => file({ leakedAt: new Date(Date.now() + 86_400_000) }, { kind: 'public', contact: null }),
          'INVALID_INPUT',
          'leakedAt',
        ],
        [
          () => file({ whatLeaked: 'nul \u0000 byte' }, { kind: 'public', contact: null }),
          'INVALID_INPUT',
          'whatLeaked',
        ],
        [() => file({}, { kind: 'public', contact: 'a@b.example, c@d.example' }), 'INVALID_INPUT', 'contact'],
      ];
      for (const [attempt, code, field] of refusals) {
        const error = await attempt().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DomainError);
        expect({ code: (error as DomainError).code, field: (error as DomainError).field }).toEqual({ code, field });
      }
      expect(await snapshot()).toEqual(before);
    });
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

  it('throttles the public form', async () => {
    const visitor = request.agent(web.url);
    const form = await visitor.get('/leaks/report').expect(200);
    const before = await count('leak_report');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await visitor
        .post('/leaks/report')
        .type('form')
        .send({ _csrf: csrfFrom(form.text), whatLeaked: `flood ${i}`, leakedTo: 'everyone' });
      statuses.push(res.status);
    }
    // Ten a minute per address (some of them spent by the tests above); then 429, and nothing filed.
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(await count('leak_report')).toBe(before + statuses.filter((s) => s === 201).length);
  });
});
