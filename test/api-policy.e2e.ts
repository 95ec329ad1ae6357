/**
 * The Embargo Policy in the JSON API (issue 11: "the API covers policy versions and
 * acknowledgements, as the admin UI does"): every version, one version's text with who
 * acknowledged it (members and the people of their teams), publishing the next version with the
 * admin UI's rules (every member told, encrypted), and the acknowledgements of a version. Every
 * refusal is a problem document and changes nothing.
 */
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { AddMaintainer, CreateApiToken } from '@cordon/maintainers';
import { AcknowledgeCurrentPolicy, ImportMember, RegisterTeamMember } from '@cordon/membership';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { linkIn, mailTo, openMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

const MEMBER = 'sec@member.example';
const TEAMMATE = 'alice@member.example';
const NEXT_TEXT = 'Embargoed information stays within the security team.\nVersion two: ask before sharing.\n';

describe('JSON API: policy versions and acknowledgements', () => {
  jest.setTimeout(120_000);
  let web: RunningWebApp;
  let gpg: GpgHome;
  let token: string;
  let memberId: string;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const api = () => request(web.url);
  const versionCount = async () =>
    Number((await web.runtime.database.dataSource.query('SELECT count(*) AS n FROM policy_version'))[0].n);

  beforeAll(async () => {
    web = await startWebApp();
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    const maintainerKey = await gpg.exportPublic(await gpg.generateKey('lead@project.example'));
    const { maintainerId } = await web.app
      .get(AddMaintainer)
      .execute({ email: 'lead@project.example', name: 'Lead', keyArmored: maintainerKey });
    // Enrolment (password + TOTP) is covered by admin-auth.e2e.ts; here the maintainer is simply active.
    await web.runtime.database.dataSource.query(`UPDATE maintainer SET status = 'active' WHERE id = $1`, [
      maintainerId,
    ]);
    token = (await web.app.get(CreateApiToken).execute(maintainerId, 'policy script')).token;
    memberId = (
      await web.app.get(ImportMember).execute({
        email: MEMBER,
        organisation: 'Member Org',
        key: await gpg.exportPublic(await gpg.generateKey(MEMBER)),
        acknowledged: true,
      })
    ).id;
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  it('refuses every route without a valid token', async () => {
    const routes = [
      api().get('/api/policy/versions'),
      api().get('/api/policy/versions/1'),
      api().post('/api/policy/versions').send({ body: NEXT_TEXT, basedOn: 1 }),
      api().get('/api/acknowledgements'),
    ];
    for (const res of await Promise.all(routes)) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect(await versionCount()).toBe(1);
  });

  it('lists the versions, and gives one with its text and who acknowledged it', async () => {
    const list = await api().get('/api/policy/versions').set(auth()).expect(200);
    expect(list.body.versions).toEqual([
      expect.objectContaining({ version: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), acknowledgedBy: 1 }),
    ]);
    const one = await api().get('/api/policy/versions/1').set(auth()).expect(200);
    expect(one.body).toMatchObject({ version: 1, body: expect.stringContaining('Embargo'), acknowledgedBy: 1 });
    expect(one.body.acknowledgements).toEqual({
      members: [expect.objectContaining({ memberId, organisation: 'Member Org', email: MEMBER, how: 'imported' })],
      teamMembers: [],
    });
  });

  it('refuses a bad publish with a problem naming why, and publishes nothing', async () => {
    const current = (await api().get('/api/policy/versions/1').set(auth()).expect(200)).body.body as string;
    const cases: [object, RegExp][] = [
      [{ body: NEXT_TEXT }, /basedOn/],
      [{ body: '', basedOn: 1 }, /body/],
      [{ body: NEXT_TEXT, basedOn: 1, extra: true }, /extra/],
      [{ body: 'x'.repeat(50_001), basedOn: 1 }, /body/],
      [{ body: NEXT_TEXT, basedOn: 2 }, /Version 1 was published meanwhile/],
      [{ body: current, basedOn: 1 }, /This is the text of version 1/],
      [{ body: '   \n ', basedOn: 1 }, /Write the text/],
    ];
    for (const [body, why] of cases) {
      const res = await api().post('/api/policy/versions').set(auth()).send(body);
      expect({ status: res.status, body }).toEqual({ status: 400, body });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body)).toMatch(why);
    }
    expect(await versionCount()).toBe(1);
  });

  it('publishes the next version; the member is told, encrypted, and asked to acknowledge it', async () => {
    const res = await api().post('/api/policy/versions').set(auth()).send({ body: NEXT_TEXT, basedOn: 1 }).expect(201);
    expect(res.body).toMatchObject({ version: 2, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), membersTold: 1 });
    await web.app.get(DeliveryWorker).drain();
    const notice = await openMail(gpg, mailTo(web.settings.dataDir, MEMBER).at(-1)!);
    expect(notice.subject).toMatch(/version 2 needs your acknowledgement/);
    expect(notice.text).toContain('Version two: ask before sharing.');
    const list = await api().get('/api/policy/versions').set(auth()).expect(200);
    expect(list.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(list.body.versions[0]).toMatchObject({ publishedBy: 'Lead', acknowledgedBy: 0 });
  });

  it('tells who acknowledged a version: the member, and the person of its team from its own link', async () => {
    await web.app.get(AcknowledgeCurrentPolicy).execute(memberId, 2);
    const teamGpg = GpgHome.create();
    try {
      const teamKey = await teamGpg.exportPublic(await teamGpg.generateKey(TEAMMATE));
      await web.app.get(RegisterTeamMember).execute(memberId, { name: 'Alice', email: TEAMMATE, key: teamKey });
      await web.app.get(DeliveryWorker).drain();
      const mail = await openMail(teamGpg, mailTo(web.settings.dataDir, TEAMMATE).at(-1)!);
      const link = pathOf(linkIn(mail.text, '/team/acknowledge/'));
      const visitor = request.agent(web.url);
      const page = await visitor.get(link).expect(200);
      await visitor
        .post(link)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), version: '2' })
        .expect(200);
    } finally {
      await teamGpg.cleanup();
    }

    const one = await api().get('/api/policy/versions/2').set(auth()).expect(200);
    expect(one.body).toMatchObject({ version: 2, body: NEXT_TEXT, acknowledgedBy: 1 });
    expect(one.body.acknowledgements.members).toEqual([
      expect.objectContaining({ memberId, organisation: 'Member Org', how: 'self_service', name: null }),
    ]);
    expect(one.body.acknowledgements.teamMembers).toEqual([
      expect.objectContaining({ memberId, organisation: 'Member Org', name: 'Alice', email: TEAMMATE }),
    ]);
    const current = await api().get('/api/acknowledgements').set(auth()).expect(200);
    expect(current.body).toEqual({ version: 2, ...one.body.acknowledgements });
    const first = await api().get('/api/acknowledgements?version=1').set(auth()).expect(200);
    expect(first.body.members).toEqual([expect.objectContaining({ memberId, how: 'imported' })]);
    expect(first.body.teamMembers).toEqual([]);
  });

  it('answers 404 for a version that does not exist and 400 for one that is not a number', async () => {
    for (const path of ['/api/policy/versions/99', '/api/acknowledgements?version=99']) {
      const res = await api().get(path).set(auth());
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
    }
    for (const path of [
      '/api/policy/versions/two',
      '/api/acknowledgements?version=two',
      '/api/acknowledgements?version=0',
    ]) {
      expect((await api().get(path).set(auth())).status).toBe(400);
    }
  });

  it('describes these operations in the OpenAPI document', async () => {
    const doc = await api().get('/api/docs').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/policy/versions', '/api/policy/versions/{version}', '/api/acknowledgements']),
    );
    expect(doc.body.components.schemas.PublishPolicyDto.required).toEqual(['body', 'basedOn']);
  });
});
