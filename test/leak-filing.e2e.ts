/**
 * Filing leak reports (issue 5, "Leak reports"; docs/architecture.md, flow "Leak"), end to end on a
 * real database with GnuPG as the maintainer: by the public form, the admin UI, the API, a member
 * in self-service and signed mail, each audited and told to the maintainers encrypted; hostile
 * input stays text and changes nothing, and the public form is throttled.
 */
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { DomainError } from '@cordon/errors';
import { Agent, MaintainerAccount } from './support/admin-login';
import { csrfFrom } from './support/forms';
import { MAINTAINER, XSS, leaksWorld } from './support/leaks-world';
import { mailTo } from './support/mailbox';
import { RunningWebApp } from './support/web-app';

jest.setTimeout(120_000);

describe('leak reports: filing', () => {
  const world = leaksWorld();
  const { reports, db, api, count, snapshot, auditOf, file, maintainerReads } = world;
  let web: RunningWebApp;
  let admin: Agent;
  let maintainer: MaintainerAccount;
  let leaky: { id: string; fingerprint: string; key: string };
  let other: { id: string };
  let embargoId: string;

  beforeAll(async () => {
    ({ web, admin, maintainer, leaky, other, embargoId } = world.state());
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
