/**
 * The JSON API for maintainers' tools: the same review operations as the admin UI, behind
 * per-maintainer bearer tokens, with RFC 9457 problems for every refusal.
 */
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { ImportMember, SubmitApplication } from '@cordon/membership';
import { AddMaintainer, CreateApiToken } from '@cordon/maintainers';
import { DeliveryWorker } from '@cordon/delivery';
import { ListKey } from '@cordon/crypto';
import { GpgHome } from './support/gpg';
import { mailTo, openMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('JSON API', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let token: string;
  let applicationId: string;
  let memberId: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const db = () => web.runtime.database.dataSource;

  beforeAll(async () => {
    web = await startWebApp();
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    const maintainerKey = await gpg.exportPublic(await gpg.generateKey('lead@project.example'));
    const { maintainerId } = await web.app
      .get(AddMaintainer)
      .execute({ email: 'lead@project.example', name: 'Lead', keyArmored: maintainerKey });
    // Enrolment (password + TOTP) is covered by admin-auth.e2e.ts; here the maintainer is simply active.
    await db().query(`UPDATE maintainer SET status = 'active' WHERE id = $1`, [maintainerId]);
    token = (await web.app.get(CreateApiToken).execute(maintainerId, 'review script')).token;

    const member = await web.app.get(ImportMember).execute({
      email: 'sec@member.example',
      organisation: 'Member Org',
      key: await gpg.exportPublic(await gpg.generateKey('sec@member.example')),
      acknowledged: true,
    });
    memberId = member.id;
    const applicantKey = await gpg.exportPublic(await gpg.generateKey('sec@applicant.example'));
    applicationId = (
      await web.app.get(SubmitApplication).execute({
        organisation: 'Applicant Org',
        distribution: 'Applix',
        website: 'https://applicant.example',
        contactName: 'Ann',
        contactEmail: 'sec@applicant.example',
        key: applicantKey,
        evidence: { '1': 'a', '2': 'b', '3': 'c', '4': 'd', '5': 'e' },
        acceptedPolicyVersion: 1,
        voucherEmail: 'sec@member.example',
      })
    ).applicationId;
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  it('refuses requests without a valid token, as a problem document', async () => {
    for (const headers of [{}, { Authorization: 'Bearer cordon_not-a-real-token' }, { Authorization: 'Basic eDp5' }]) {
      const res = await request(web.url).get('/api/applications').set(headers);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'NOT_AUTHENTICATED' });
    }
  });

  it('lists applications by status, without keys or token hashes', async () => {
    const res = await request(web.url).get('/api/applications?status=unconfirmed').set(auth()).expect(200);
    expect(res.body.applications).toEqual([expect.objectContaining({ id: applicationId, status: 'unconfirmed' })]);
    const one = await request(web.url).get(`/api/applications/${applicationId}`).set(auth()).expect(200);
    expect(one.body.application).toMatchObject({ organisation: 'Applicant Org', keyFingerprint: expect.any(String) });
    expect(JSON.stringify(one.body)).not.toMatch(/statusTokenHash|BEGIN PGP/);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const before = (await db().query('SELECT count(*)::int AS n FROM audit_entry'))[0].n;
    const cases = [
      request(web.url).get('/api/applications?status=bogus').set(auth()),
      request(web.url).get('/api/applications/not-a-uuid').set(auth()),
      request(web.url).post(`/api/applications/${applicationId}/decision`).set(auth()).send({ decision: 'reject' }),
      request(web.url)
        .post(`/api/applications/${applicationId}/decision`)
        .set(auth())
        .send({ decision: 'approve', extra: 1 }),
      request(web.url).post(`/api/applications/${applicationId}/decision`).set(auth()).send({ decision: 'delete' }),
      request(web.url)
        .post(`/api/applications/${applicationId}/comments`)
        .set(auth())
        .send({ body: 'x'.repeat(5001) }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await db().query('SELECT count(*)::int AS n FROM audit_entry'))[0].n).toBe(before);
  });

  it('answers 404 for an unknown application and 409 for approving one neither confirmed nor vouched', async () => {
    await request(web.url).get(`/api/applications/${randomUUID()}`).set(auth()).expect(404);
    const res = await request(web.url)
      .post(`/api/applications/${applicationId}/decision`)
      .set(auth())
      .send({ decision: 'approve' });
    expect(res.status).toBe(409);
    // The first thing it lacks: the applicant has not proved its mailbox and key (then a vouch).
    expect(res.body.detail).toMatch(/has not confirmed the application/);
  });

  it('comments and rejects, and the applicant is told the reason, encrypted', async () => {
    await request(web.url)
      .post(`/api/applications/${applicationId}/comments`)
      .set(auth())
      .send({ body: 'Looks thin.' })
      .expect(201);
    const res = await request(web.url)
      .post(`/api/applications/${applicationId}/decision`)
      .set(auth())
      .send({ decision: 'reject', reason: 'No public security track record yet.' })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'rejected' });
    await web.app.get(DeliveryWorker).drain();
    const opened = await openMail(gpg, mailTo(web.settings.dataDir, 'sec@applicant.example').at(-1)!);
    expect(opened.text).toContain('No public security track record yet.');
    expect(opened.goodSignature).toBe(true);
  });

  it('suspends and reinstates a member', async () => {
    const suspended = await request(web.url)
      .post(`/api/members/${memberId}/status`)
      .set(auth())
      .send({ action: 'suspend', reason: 'Key compromise suspected' })
      .expect(200);
    expect(suspended.body.status).toBe('suspended');
    const list = await request(web.url).get('/api/members?status=suspended').set(auth()).expect(200);
    expect(list.body.members.map((m: { id: string }) => m.id)).toEqual([memberId]);
    await request(web.url)
      .post(`/api/members/${memberId}/status`)
      .set(auth())
      .send({ action: 'suspend', reason: 'again' })
      .expect(409);
    await request(web.url)
      .post(`/api/members/${memberId}/status`)
      .set(auth())
      .send({ action: 'reinstate', reason: 'Cleared' })
      .expect(200);
  });

  describe('embargoes', () => {
    // A public moment two weeks of business days ahead at most, whatever day the test runs.
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

    it('records an embargo with its scored CVSS and its clock, and lists it', async () => {
      const created = await request(web.url)
        .post('/api/embargoes')
        .set(auth())
        .send({
          title: 'Heap overflow in libwidget <script>',
          cveIds: ['CVE-2026-12345'],
          cvssVector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
          publicAt: inDays(7),
          acceptNonWorkingDay: true,
          timeZone: 'UTC',
        })
        .expect(201);
      expect(created.body).toMatchObject({
        tag: expect.stringMatching(/^EMB-\d+$/),
        title: 'Heap overflow in libwidget <script>',
        cvss: { score: 9.3, severity: 'Critical' },
        status: 'active',
        timeZone: 'UTC',
      });
      expect(created.body.businessDaysLeft).toBeGreaterThanOrEqual(4);
      expect(created.body.businessDaysLeft).toBeLessThanOrEqual(6);
      const list = await request(web.url).get('/api/embargoes?status=active').set(auth()).expect(200);
      expect(list.body.embargoes.map((e: { id: string }) => e.id)).toContain(created.body.id);
      await request(web.url).get(`/api/embargoes/${created.body.id}`).set(auth()).expect(200);
      const posts = await request(web.url).get(`/api/embargoes/${created.body.id}/posts`).set(auth()).expect(200);
      expect(posts.body).toEqual({ posts: [], recipients: [] });
      await request(web.url).get(`/api/embargoes/${randomUUID()}/posts`).set(auth()).expect(404);
      const [entry] = await db().query(`SELECT actor FROM audit_entry WHERE action = 'embargo.created'`);
      expect(entry.actor).toMatch(/^maintainer:/);
    });

    it('extends and lifts an embargo, telling each member, encrypted, and no one else', async () => {
      const { body: embargo } = await request(web.url)
        .post('/api/embargoes')
        .set(auth())
        .send({
          title: 'Auth bypass in libgate',
          cveIds: ['CVE-2026-20000'],
          publicAt: inDays(7),
          timeZone: 'UTC',
          acceptNonWorkingDay: true,
        })
        .expect(201);
      const reason = 'Two distributions need two more days to test.';
      const earlier = await request(web.url)
        .post(`/api/embargoes/${embargo.id}/extend`)
        .set(auth())
        .send({ publicAt: inDays(5), timeZone: 'UTC', reason, acceptNonWorkingDay: true })
        .expect(400);
      expect(earlier.body.field).toBe('publicAt');
      const extended = await request(web.url)
        .post(`/api/embargoes/${embargo.id}/extend`)
        .set(auth())
        .send({ publicAt: inDays(9), timeZone: 'UTC', reason, acceptNonWorkingDay: true })
        .expect(200);
      expect(extended.body).toMatchObject({ membersTold: 1, status: 'active' });
      expect(new Date(extended.body.publicAt).getTime()).toBeGreaterThan(new Date(embargo.publicAt).getTime());
      await web.app.get(DeliveryWorker).drain();
      const extendedMail = await openMail(gpg, mailTo(web.settings.dataDir, 'sec@member.example').at(-1)!);
      expect(extendedMail.goodSignature).toBe(true);
      expect(extendedMail.subject).toBe(`[${embargo.tag}] Embargo extended: Auth bypass in libgate`);
      expect(extendedMail.text).toContain(reason);

      const lifted = await request(web.url).post(`/api/embargoes/${embargo.id}/lift`).set(auth()).expect(200);
      expect(lifted.body).toMatchObject({ membersTold: 1, status: 'lifted', businessDaysLeft: null });
      await web.app.get(DeliveryWorker).drain();
      const liftedMail = await openMail(gpg, mailTo(web.settings.dataDir, 'sec@member.example').at(-1)!);
      expect(liftedMail.text).toMatch(/is lifted: the information is public now/);
      expect(liftedMail.text).toContain('CVE-2026-20000');
      await request(web.url).post(`/api/embargoes/${embargo.id}/lift`).set(auth()).expect(409);

      // Only members who receive list mail: not the applicant, not a maintainer.
      const told = await db().query(`SELECT DISTINCT recipient FROM outbound_message WHERE purpose LIKE 'embargo.%'`);
      expect(told).toEqual([{ recipient: 'sec@member.example' }]);
    });

    it('refuses a bad vector, a long embargo without a reason, and unknown fields, as problems naming the field', async () => {
      const before = Number((await db().query('SELECT count(*) AS n FROM embargo'))[0].n);
      const bad = await request(web.url)
        .post('/api/embargoes')
        .set(auth())
        .send({ title: 'x', cvssVector: 'CVSS:3.1/AV:N', publicAt: inDays(3), timeZone: 'UTC' })
        .expect(400);
      expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(bad.body).toMatchObject({ field: 'cvssVector', detail: expect.stringMatching(/base metrics .* missing/) });
      const long = await request(web.url)
        .post('/api/embargoes')
        .set(auth())
        .send({ title: 'x', publicAt: inDays(40), timeZone: 'UTC' })
        .expect(400);
      expect(long.body).toMatchObject({ field: 'overLimitReason', detail: expect.stringMatching(/business days/) });
      await request(web.url)
        .post('/api/embargoes')
        .set(auth())
        .send({ title: 'x', publicAt: inDays(3), timeZone: 'UTC', status: 'lifted' })
        .expect(400);
      await request(web.url).get('/api/embargoes?status=secret').set(auth()).expect(400);
      await request(web.url).get(`/api/embargoes/${randomUUID()}`).set(auth()).expect(404);
      await request(web.url).post('/api/embargoes').send({ title: 'x' }).expect(401);
      expect(Number((await db().query('SELECT count(*) AS n FROM embargo'))[0].n)).toBe(before);
    });
  });

  it('publishes an OpenAPI document describing these operations', async () => {
    const doc = await request(web.url).get('/api/docs').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/applications',
        '/api/applications/{id}/decision',
        '/api/members/{id}/status',
        '/api/embargoes',
        '/api/reports',
        '/api/reports/{id}/accept',
      ]),
    );
  });
});
