/**
 * Editing an embargo (issue 14): every field checked before any is written, each change audited by
 * field (free text by its length only), the audience told, encrypted, of what it must know (CVE
 * IDs, versions, mitigations); the same over the JSON API (PATCH /api/embargoes/:id) and the admin
 * form, where hostile input is refused naming the field, with nothing changed or mailed. A leak
 * that breaks an embargo tells its audience at once.
 */
import request from 'supertest';
import { DomainError } from '@cordon/errors';
import { OutboundMessage } from '@cordon/delivery';
import { ChangeEmbargo, ConfirmLeak, Embargo, EmbargoEdit, FileLeakReport } from '@cordon/embargo';
import { CreateApiToken } from '@cordon/maintainers';
import { Agent, loginAgent, MaintainerAccount } from './support/admin-login';
import { aMember } from './support/factories';
import { anOpenpgpKey, TestKey } from './support/keys';
import { decryptedText } from './support/reports-testbed';
import { RunningWebApp, startWebApp } from './support/web-app';
import { onAWeekday } from './support/working-days';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

describe('editing an embargo', () => {
  let web: RunningWebApp;
  let agent: Agent;
  let maintainer: MaintainerAccount;
  let token: string;
  let memberKey: TestKey;
  let memberId: string;
  const MEMBER = 'sec@distro.example';

  beforeAll(async () => {
    web = await startWebApp();
    ({ agent, maintainer } = await loginAgent(web));
    token = (await web.app.get(CreateApiToken).execute(maintainer.id, 'embargo edits')).token;
    memberKey = await anOpenpgpKey(MEMBER);
    memberId = (await aMember(web.app, { email: MEMBER, key: memberKey.publicKey })).id;
  });
  afterAll(() => web?.close());

  const db = () => web.runtime.database.dataSource;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const queued = async () =>
    (await db().manager.find(OutboundMessage, { where: { recipient: MEMBER }, order: { createdAt: 'ASC' } })).map(
      (row) => ({ purpose: row.purpose, raw: Buffer.from(row.raw).toString('utf8') }),
    );
  const change = () => web.app.get(ChangeEmbargo);
  const anEmbargo = () =>
    change().create(
      {
        title: 'Frame parser overflow',
        cveIds: ['CVE-2026-1000'],
        description: 'A long frame overflows.',
        references: 'https://example.org/bug/1',
        publicAt: inDays(7),
        timeZone: 'Europe/Berlin',
        // Whichever day the test runs on: the weekend warning has its own tests (api-holidays.e2e.ts).
        acceptNonWorkingDay: true,
      },
      maintainer.id,
    );
  const edits = async (id: string) =>
    (await db().query(
      `SELECT actor, details FROM audit_entry WHERE action = 'embargo.edited' AND subject = $1 ORDER BY seq`,
      [`embargo:${id}`],
    )) as { actor: string; details: Record<string, unknown> }[];
  const noticesOf = async (purpose: string, embargo: Embargo) => {
    const mail = (await queued()).filter((m) => m.purpose === purpose);
    const texts = await Promise.all(mail.map((m) => decryptedText(m.raw, memberKey)));
    return texts.filter((text) => text.includes(`EMB-${embargo.number}`));
  };
  const stored = (id: string) => db().getRepository(Embargo).findOneByOrFail({ id });

  it('records the description and references given at creation', async () => {
    const embargo = await anEmbargo();
    expect(await stored(embargo.id)).toMatchObject({
      description: 'A long frame overflows.',
      mitigations: '',
      referenceUrls: ['https://example.org/bug/1'],
    });
  });

  it('audits a change of title, description and references, and mails nothing for them', async () => {
    const embargo = await anEmbargo();
    const result = await change().edit(
      embargo.id,
      {
        title: 'Frame parser heap overflow',
        description: 'A frame longer than 64 KiB overflows the heap.',
        references: ['https://example.org/bug/1', 'https://example.org/advisories/EX-1'],
        cveIds: ['cve-2026-1000'], // the same, once normalised: not a change
      },
      maintainer.id,
    );
    expect(result).toMatchObject({ changed: ['title', 'description', 'references'], membersTold: 0 });
    expect(await edits(embargo.id)).toEqual([
      {
        actor: `maintainer:${maintainer.id}`,
        details: {
          number: embargo.number,
          status: 'active',
          fields: ['title', 'description', 'references'],
          references: 2,
          lengths: { title: 26, description: 46 },
        },
      },
    ]);
    expect(await noticesOf('embargo.changed', embargo)).toEqual([]);
  });

  it('tells the audience, encrypted, of new CVE IDs, versions and mitigations', async () => {
    const embargo = await anEmbargo();
    const result = await change().edit(
      embargo.id,
      { cveIds: 'CVE-2026-1000, CVE-2026-1001', fixedVersions: '2.4.2', mitigations: 'Set max_frame = 4096.' },
      maintainer.id,
    );
    expect(result).toMatchObject({ changed: ['cveIds', 'fixedVersions', 'mitigations'], membersTold: 1 });
    const [entry] = await edits(embargo.id);
    expect(entry.details).toEqual({
      number: embargo.number,
      status: 'active',
      fields: ['cveIds', 'fixedVersions', 'mitigations'],
      cveIds: { from: ['CVE-2026-1000'], to: ['CVE-2026-1000', 'CVE-2026-1001'] },
      lengths: { fixedVersions: 5, mitigations: 21 },
    });
    // Free text is embargoed information: the audit log holds its length only.
    expect(JSON.stringify(entry)).not.toContain('max_frame');
    const [text, ...more] = await noticesOf('embargo.changed', embargo);
    expect(more).toEqual([]);
    expect(text).toContain('CVE: CVE-2026-1000, CVE-2026-1001');
    expect(text).toContain('Fixed in: 2.4.2');
    expect(text).toContain('Mitigations:\nSet max_frame = 4096.');
    expect(text).not.toContain('Affected versions');
    expect((await queued()).some((m) => m.raw.includes('max_frame'))).toBe(false);
  });

  it('changes nothing and records nothing when nothing differs', async () => {
    const embargo = await anEmbargo();
    const result = await change().edit(embargo.id, { title: ' Frame parser overflow ' }, maintainer.id);
    expect(result).toMatchObject({ changed: [], membersTold: 0 });
    expect(await edits(embargo.id)).toEqual([]);
  });

  it.each<[string, EmbargoEdit, string]>([
    ['a malformed CVE ID', { cveIds: ['CVE-2026-1001', 'CVE-26-1'] }, 'cveIds'],
    ['a javascript: reference', { references: ['javascript:alert(1)'] }, 'references'],
    ['a reference that is no URL', { references: 'example.org/bug' }, 'references'],
    ['a reference with credentials', { references: 'https://u:p@example.org/' }, 'references'],
    ['21 references', { references: [...Array(21).keys()].map((i) => `https://example.org/${i}`) }, 'references'],
    ['a control character', { mitigations: 'Block it\u0007' }, 'mitigations'],
    ['an over-long description', { description: 'x'.repeat(10_001) }, 'description'],
    ['a title of two lines', { title: 'One\nTwo' }, 'title'],
    ['a blank title', { title: '  ' }, 'title'],
  ])('refuses %s, naming the field, with nothing changed, audited or mailed', async (_what, bad, field) => {
    const embargo = await anEmbargo();
    const mailBefore = (await queued()).length;
    // A valid member-relevant change alongside: it must not happen either.
    const error = await change()
      .edit(embargo.id, { mitigations: 'Valid advice.', ...bad }, maintainer.id)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(await stored(embargo.id)).toMatchObject({ mitigations: '', cveIds: ['CVE-2026-1000'] });
    expect(await edits(embargo.id)).toEqual([]);
    expect((await queued()).length).toBe(mailBefore);
  });

  it('edits an ended embargo for its advisory, and mails nothing', async () => {
    const embargo = await anEmbargo();
    await change().lift(embargo.id, maintainer.id);
    const result = await change().edit(
      embargo.id,
      { mitigations: 'Upgrade.', references: 'https://example.org/advisories/EX-2' },
      maintainer.id,
    );
    expect(result).toMatchObject({ changed: ['mitigations', 'references'], membersTold: 0 });
    expect((await edits(embargo.id))[0].details).toMatchObject({ status: 'lifted' });
  });

  it('tells the audience at once when a confirmed leak breaks the embargo, with the moment', async () => {
    const embargo = await anEmbargo();
    const report = await web.app.get(FileLeakReport).execute(
      {
        embargoId: embargo.id,
        whatLeaked: 'The whole advisory draft.',
        leakedTo: 'A public forum.',
        leakedAt: null,
        evidence: '',
        selfReported: false,
      },
      { kind: 'maintainer', maintainerId: maintainer.id },
    );
    const confirmed = await web.app
      .get(ConfirmLeak)
      .execute(report.id, memberId, 'The draft was posted by their staff.', maintainer.id, {
        embargoBroken: true,
      });
    expect(confirmed.membersTold).toBe(1);
    const broken = await stored(embargo.id);
    expect(broken.status).toBe('broken');
    const [text, ...more] = await noticesOf('embargo.broken', embargo);
    expect(more).toEqual([]);
    const local = broken.endedAt!.toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' }).slice(0, 16);
    const utc = broken.endedAt!.toISOString().slice(11, 16);
    expect(text).toContain(`Broken at:`);
    expect(text).toContain(`${local} Europe/Berlin (`);
    expect(text).toContain(`${utc} UTC)`);
    expect(text).toContain('you may publish your fixes and advisories now');
  });

  it('PATCH /api/embargoes/:id changes the given fields and says who was told', async () => {
    const embargo = await anEmbargo();
    const patched = await request(web.url)
      .patch(`/api/embargoes/${embargo.id}`)
      .set(auth())
      .send({ cveIds: ['CVE-2026-1000', 'CVE-2026-2000'], mitigations: 'Disable frames.' })
      .expect(200);
    expect(patched.body).toMatchObject({
      id: embargo.id,
      cveIds: ['CVE-2026-1000', 'CVE-2026-2000'],
      mitigations: 'Disable frames.',
      description: 'A long frame overflows.',
      references: ['https://example.org/bug/1'],
      changed: ['cveIds', 'mitigations'],
      membersTold: 1,
    });
    const read = await request(web.url).get(`/api/embargoes/${embargo.id}`).set(auth()).expect(200);
    expect(read.body).toMatchObject({ cveIds: ['CVE-2026-1000', 'CVE-2026-2000'], mitigations: 'Disable frames.' });
    const doc = await request(web.url).get('/api/docs').expect(200);
    expect(doc.body.paths['/api/embargoes/{id}']).toHaveProperty('patch');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a bad CVE ID', { cveIds: ['CVE-1-1'] }, 'cveIds'],
    ['a javascript: URL', { references: ['javascript:alert(document.cookie)'] }, 'references'],
    ['control characters', { description: 'a\u001b[31mred' }, 'description'],
    ['over-long mitigations', { mitigations: 'm'.repeat(5001) }, 'mitigations'],
    ['a field it does not know', { publicAt: '2030-01-01T00:00' }, 'publicAt'],
    ['a list where text belongs', { title: ['x'] }, 'title'],
  ])('PATCH refuses %s as a problem naming the field, changing and mailing nothing', async (_what, body, field) => {
    const embargo = await anEmbargo();
    const mailBefore = (await queued()).length;
    const problem = await request(web.url)
      .patch(`/api/embargoes/${embargo.id}`)
      .set(auth())
      .send({ fixedVersions: '9.9', ...body })
      .expect(400);
    expect(problem.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(problem.body)).toContain(field);
    expect(await stored(embargo.id)).toMatchObject({ fixedVersions: '', mitigations: '' });
    expect(await edits(embargo.id)).toEqual([]);
    expect((await queued()).length).toBe(mailBefore);
  });

  it('POST /api/embargoes takes the description, mitigations and references too, and refuses a javascript: one', async () => {
    const given = {
      title: 'Recorded with advice',
      publicAt: onAWeekday(inDays(8)),
      timeZone: 'UTC',
      description: 'What it is.',
      mitigations: 'What to do.',
      references: ['https://example.org/advisories/EX-9'],
    };
    // A weekday, whichever day the test runs: the weekend warning has its own tests (api-holidays.e2e.ts).
    const recorded = await request(web.url).post('/api/embargoes').set(auth()).send(given);
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({
      description: 'What it is.',
      mitigations: 'What to do.',
      references: ['https://example.org/advisories/EX-9'],
    });
    const refused = await request(web.url)
      .post('/api/embargoes')
      .set(auth())
      .send({ ...given, title: 'Never recorded', references: ['javascript:alert(1)'] });
    expect(refused.status).not.toBe(201);
    expect(JSON.stringify(refused.body)).toContain('references');
    const titles = (
      (await request(web.url).get('/api/embargoes').set(auth())).body.embargoes as { title: string }[]
    ).map((e) => e.title);
    expect(titles).not.toContain('Never recorded');
  });

  it('PATCH answers 404 for an unknown embargo and 401 without a token', async () => {
    await request(web.url)
      .patch('/api/embargoes/6f1c1b7e-2d1a-4c55-9a65-0c1f3f0a1b2c')
      .set(auth())
      .send({ title: 'x' })
      .expect(404);
    const embargo = await anEmbargo();
    await request(web.url).patch(`/api/embargoes/${embargo.id}`).send({ title: 'x' }).expect(401);
    expect((await stored(embargo.id)).title).toBe('Frame parser overflow');
  });

  it('the admin form refuses a javascript: reference naming the field, and the page escapes what it shows', async () => {
    const embargo = await anEmbargo();
    const page = await agent.get(`/admin/embargoes/${embargo.id}`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const form = {
      _csrf: csrf,
      title: 'Frame parser overflow',
      cveIds: 'CVE-2026-1000',
      affectedVersions: '',
      fixedVersions: '',
      description: '<script>alert(1)</script>',
      mitigations: '',
      references: 'https://example.org/bug/1\njavascript:alert(1)',
    };
    const refused = await agent.post(`/admin/embargoes/${embargo.id}/edit`).type('form').send(form).expect(400);
    expect(refused.text).toContain('id="references-error"');
    expect(refused.text).toContain('javascript:alert(1) is not an http(s) URL.');
    expect(refused.text).not.toContain('href="javascript:');
    expect(await stored(embargo.id)).toMatchObject({ description: 'A long frame overflows.' });

    await agent
      .post(`/admin/embargoes/${embargo.id}/edit`)
      .type('form')
      .send({ ...form, references: 'https://example.org/bug/1' })
      .expect(303);
    const shown = await agent.get(`/admin/embargoes/${embargo.id}`).expect(200);
    expect(shown.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(shown.text).not.toContain('<script>alert(1)');
    expect(shown.text).toContain('<a href="https://example.org/bug/1" rel="noopener noreferrer nofollow">');
    expect((await edits(embargo.id))[0].details).toMatchObject({ fields: ['description'] });
  });
});
