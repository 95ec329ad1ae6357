/**
 * After the embargo (issue 6): an ended embargo's advisory is exported as OSV and as CSAF 2.0,
 * from the admin UI (as a file) and the JSON API, and every document passes the published schemas
 * (OSV: the OpenSSF schema; CSAF: the OASIS schema and the standard's mandatory tests, run by BSI's
 * Secvisogram validator; test/fixtures/schemas). An active embargo's advisory never leaves.
 */
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { AdvisorySource, ChangeEmbargo, csafAdvisory, Embargoes, EmbargoInput, osvAdvisory } from '@cordon/embargo';
import { CreateApiToken } from '@cordon/maintainers';
import { Agent, loginAgent, MaintainerAccount } from './support/admin-login';
import { RunningWebApp, startWebApp } from './support/web-app';
import { closeCsafValidator, csafVerdict, osvErrors } from './fixtures/schemas/advisory-schemas';

const LIST_NAME = 'Example Project distros';
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

/** Both documents pass their schemas (and, for CSAF, every mandatory test). */
async function expectValid(osv: unknown, csaf: unknown) {
  expect(osvErrors(osv)).toEqual([]);
  const verdict = await csafVerdict(csaf);
  expect(verdict.failures).toEqual([]);
  expect(verdict.ran).toBeGreaterThan(40);
}

afterAll(closeCsafValidator);

describe('advisories after the embargo', () => {
  let web: RunningWebApp;
  let agent: Agent;
  let maintainer: MaintainerAccount;
  let token: string;
  const db = () => web.runtime.database.dataSource;
  const auth = () => ({ Authorization: `Bearer ${token}` });

  const anEmbargo = (input: Partial<EmbargoInput>) =>
    web.app
      .get(ChangeEmbargo)
      .create(
        { title: 'An issue', publicAt: inDays(7), timeZone: 'UTC', acceptNonWorkingDay: true, ...input },
        maintainer.id,
      );
  const lifted = async (input: Partial<EmbargoInput>) => {
    const embargo = await anEmbargo(input);
    await web.app.get(ChangeEmbargo).lift(embargo.id, maintainer.id);
    const [row] = (await db().query('SELECT ended_at FROM embargo WHERE id = $1', [embargo.id])) as {
      ended_at: Date;
    }[];
    return { ...embargo, endedAt: row.ended_at };
  };
  const exports = async (embargoId: string) =>
    (await db().query(
      `SELECT actor, details FROM audit_entry WHERE action = 'embargo.advisory_exported' AND subject = $1 ORDER BY seq`,
      [`embargo:${embargoId}`],
    )) as { actor: string; details: Record<string, unknown> }[];
  const download = (id: string, format: 'osv' | 'csaf') =>
    agent
      .get(`/admin/embargoes/${id}/advisory.${format}.json`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      });

  beforeAll(async () => {
    web = await startWebApp({ LIST_NAME });
    ({ agent, maintainer } = await loginAgent(web));
    token = (await web.app.get(CreateApiToken).execute(maintainer.id, 'advisory export')).token;
  });

  afterAll(async () => {
    await web?.close();
  });

  it('exports a lifted embargo with CVEs, a v3.1 vector, versions and a credit, valid OSV and CSAF', async () => {
    const embargo = await lifted({
      title: 'Heap overflow in the frame parser',
      cveIds: ['CVE-2026-12345'],
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      affectedVersions: '1.2.0, 1.2.1 1.3.0-rc1',
      fixedVersions: '1.2.2, 1.3.0',
      reporterCredit: 'Jane Doe (Example Research)',
    });
    const page = await agent.get(`/admin/embargoes/${embargo.id}`).expect(200);
    expect(page.text).toContain(`href="/admin/embargoes/${embargo.id}/advisory.osv.json"`);
    expect(page.text).toContain(`href="/admin/embargoes/${embargo.id}/advisory.csaf.json"`);

    const osvFile = await download(embargo.id, 'osv').expect(200);
    expect(osvFile.headers['content-type']).toMatch(/^application\/json/);
    expect(osvFile.headers['content-disposition']).toBe(`attachment; filename=x_EMB-${embargo.number}.json`);
    const csafFile = await download(embargo.id, 'csaf').expect(200);
    expect(csafFile.headers['content-type']).toMatch(/^application\/json/);
    expect(csafFile.headers['content-disposition']).toBe(`attachment; filename=emb-${embargo.number}.json`);
    const osv = JSON.parse(osvFile.body as string);
    const csaf = JSON.parse(csafFile.body as string);
    await expectValid(osv, csaf);

    const released = embargo.endedAt.toISOString();
    expect(osv).toEqual({
      schema_version: '1.7.5',
      id: `x_EMB-${embargo.number}`,
      modified: released,
      published: released,
      aliases: ['CVE-2026-12345'],
      summary: 'Heap overflow in the frame parser',
      details: expect.stringContaining('Fixed in: 1.2.2, 1.3.0'),
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [{ versions: ['1.2.0', '1.2.1', '1.3.0-rc1'] }],
      credits: [{ name: 'Jane Doe (Example Research)', type: 'REPORTER' }],
      database_specific: {
        publisher: LIST_NAME,
        publisher_url: web.url,
        embargo: `EMB-${embargo.number}`,
        embargo_status: 'lifted',
        affected_versions_text: '1.2.0, 1.2.1 1.3.0-rc1',
        fixed_versions_text: '1.2.2, 1.3.0',
        fixed_versions: ['1.2.2', '1.3.0'],
        cvss_score: 9.8,
        cvss_severity: 'Critical',
      },
    });

    expect(csaf.document).toMatchObject({
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      title: 'Heap overflow in the frame parser',
      publisher: { category: 'vendor', name: LIST_NAME, namespace: web.url },
      tracking: {
        id: `EMB-${embargo.number}`,
        status: 'final',
        version: '1',
        initial_release_date: released,
        current_release_date: released,
        revision_history: [{ date: released, number: '1' }],
      },
    });
    expect(csaf.product_tree.full_product_names).toEqual([
      { name: '1.2.0', product_id: 'CSAFPID-AFFECTED-1' },
      { name: '1.2.1', product_id: 'CSAFPID-AFFECTED-2' },
      { name: '1.3.0-rc1', product_id: 'CSAFPID-AFFECTED-3' },
      { name: '1.2.2', product_id: 'CSAFPID-FIXED-1' },
      { name: '1.3.0', product_id: 'CSAFPID-FIXED-2' },
    ]);
    expect(csaf.vulnerabilities).toHaveLength(1);
    const affected = ['CSAFPID-AFFECTED-1', 'CSAFPID-AFFECTED-2', 'CSAFPID-AFFECTED-3'];
    expect(csaf.vulnerabilities[0]).toMatchObject({
      cve: 'CVE-2026-12345',
      title: 'Heap overflow in the frame parser',
      release_date: released,
      product_status: { known_affected: affected, fixed: ['CSAFPID-FIXED-1', 'CSAFPID-FIXED-2'] },
      scores: [
        {
          cvss_v3: {
            version: '3.1',
            vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
            baseScore: 9.8,
            baseSeverity: 'CRITICAL',
          },
          products: affected,
        },
      ],
      remediations: [{ category: 'vendor_fix', details: 'Fixed in: 1.2.2, 1.3.0', product_ids: affected }],
      acknowledgments: [{ names: ['Jane Doe (Example Research)'] }],
    });

    // The API gives the same documents (the CSAF generator date aside).
    const apiOsv = await request(web.url).get(`/api/embargoes/${embargo.id}/osv`).set(auth()).expect(200);
    expect(apiOsv.headers['content-type']).toMatch(/^application\/json/);
    expect(apiOsv.body).toEqual(osv);
    const apiCsaf = await request(web.url).get(`/api/embargoes/${embargo.id}/csaf`).set(auth()).expect(200);
    expect({ ...apiCsaf.body.document.tracking, generator: null }).toEqual({
      ...csaf.document.tracking,
      generator: null,
    });
    expect(apiCsaf.body.vulnerabilities).toEqual(csaf.vulnerabilities);

    // Every export is audited, with ids only.
    const actor = `maintainer:${maintainer.id}`;
    expect(await exports(embargo.id)).toEqual([
      { actor, details: { number: embargo.number, format: 'osv' } },
      { actor, details: { number: embargo.number, format: 'csaf' } },
      { actor, details: { number: embargo.number, format: 'osv' } },
      { actor, details: { number: embargo.number, format: 'csaf' } },
    ]);
  });

  it('exports an embargo with a v4.0 vector, no CVE and versions in words, still valid', async () => {
    const embargo = await lifted({
      title: 'Authentication bypass',
      cvssVector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
      affectedVersions: 'all releases before 2.4.1',
      fixedVersions: '2.4.1',
    });
    const osv = (await request(web.url).get(`/api/embargoes/${embargo.id}/osv`).set(auth()).expect(200)).body;
    const csaf = (await request(web.url).get(`/api/embargoes/${embargo.id}/csaf`).set(auth()).expect(200)).body;
    await expectValid(osv, csaf);

    expect(osv.severity).toEqual([
      { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
    ]);
    expect(osv).not.toHaveProperty('aliases');
    expect(osv).not.toHaveProperty('credits');
    // Not a list of versions: no `affected[].versions` is invented; the text is kept as written.
    expect(osv).not.toHaveProperty('affected');
    expect(osv.database_specific).toMatchObject({
      affected_versions_text: 'all releases before 2.4.1',
      fixed_versions: ['2.4.1'],
    });

    expect(csaf.document.category).toBe('csaf_security_advisory');
    expect(csaf.product_tree.full_product_names).toEqual([
      { name: 'all releases before 2.4.1', product_id: 'CSAFPID-AFFECTED' },
      { name: '2.4.1', product_id: 'CSAFPID-FIXED-1' },
    ]);
    const [vulnerability] = csaf.vulnerabilities;
    expect(csaf.vulnerabilities).toHaveLength(1);
    expect(vulnerability).not.toHaveProperty('cve');
    expect(vulnerability.ids).toEqual([{ system_name: `${LIST_NAME} embargo`, text: `EMB-${embargo.number}` }]);
    // CSAF 2.0 has no place for CVSS v4.0: it is stated in a note, not in scores.
    expect(vulnerability).not.toHaveProperty('scores');
    expect(vulnerability.notes).toContainEqual({
      category: 'other',
      title: 'CVSS v4.0',
      text: 'CVSS v4.0 CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N: base score 9.3 (Critical).',
    });
  });

  it('exports an embargo ended early by a leak, saying so', async () => {
    const embargo = await anEmbargo({ title: 'Leaked one', cveIds: ['CVE-2026-0001', 'CVE-2026-0002'] });
    await db().transaction((manager) =>
      web.app
        .get(Embargoes)
        .markBroken(manager, embargo.id, 'Posted on a public forum.', `maintainer:${maintainer.id}`),
    );
    const osv = (await request(web.url).get(`/api/embargoes/${embargo.id}/osv`).set(auth()).expect(200)).body;
    const csaf = (await request(web.url).get(`/api/embargoes/${embargo.id}/csaf`).set(auth()).expect(200)).body;
    await expectValid(osv, csaf);
    // Two CVEs in one embargo are not aliases of one record: they are related.
    expect(osv.related).toEqual(['CVE-2026-0001', 'CVE-2026-0002']);
    expect(osv).not.toHaveProperty('aliases');
    expect(osv.details).toMatch(/ended early on .* because of a leak/);
    expect(csaf.document.category).toBe('csaf_base');
    expect(csaf.vulnerabilities.map((v: { cve: string }) => v.cve)).toEqual(['CVE-2026-0001', 'CVE-2026-0002']);
    expect(csaf.document.notes[0].text).toMatch(/ended early on .* because of a leak/);
  });

  it('refuses to export an active embargo, in the admin UI and the API, and records nothing', async () => {
    const embargo = await anEmbargo({ title: 'Still secret', cveIds: ['CVE-2026-99999'], affectedVersions: '1.0' });
    const auditBefore = (await db().query('SELECT count(*)::int AS n FROM audit_entry'))[0].n;

    const page = await agent.get(`/admin/embargoes/${embargo.id}`).expect(200);
    expect(page.text).not.toContain('advisory.osv.json');
    expect(page.text).not.toContain('advisory.csaf.json');
    for (const format of ['osv', 'csaf'] as const) {
      const refused = await agent.get(`/admin/embargoes/${embargo.id}/advisory.${format}.json`).expect(409);
      expect(refused.headers['content-type']).toMatch(/^text\/html/);
      expect(refused.headers['content-disposition']).toBeUndefined();
      expect(refused.text).toContain(`EMB-${embargo.number} is still under embargo until`);
      const problem = await request(web.url).get(`/api/embargoes/${embargo.id}/${format}`).set(auth()).expect(409);
      expect(problem.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(problem.body).toMatchObject({ status: 409, code: 'WRONG_STATE' });
      expect(problem.body.detail).toMatch(/only once the embargo is lifted/);
      expect(JSON.stringify(problem.body)).not.toContain('CVE-2026-99999');
    }
    // Unknown, malformed, and without credentials.
    await agent.get(`/admin/embargoes/${randomUUID()}/advisory.osv.json`).expect(404);
    await agent.get('/admin/embargoes/not-an-id/advisory.csaf.json').expect(400);
    await request(web.url).get(`/api/embargoes/${randomUUID()}/csaf`).set(auth()).expect(404);
    await request(web.url).get('/api/embargoes/not-an-id/osv').set(auth()).expect(400);
    await request(web.url).get(`/api/embargoes/${embargo.id}/osv`).expect(401);
    const anonymous = await request(web.url).get(`/admin/embargoes/${embargo.id}/advisory.osv.json`);
    expect(anonymous.status).not.toBe(200);
    expect(anonymous.text).not.toContain('Still secret');

    expect((await db().query('SELECT count(*)::int AS n FROM audit_entry'))[0].n).toBe(auditBefore);
  });

  it('keeps hostile text (HTML, quotes, Markdown) as data in both documents', async () => {
    const title = `<script>alert("x")</script> & 'quoted' "title"`;
    const credit = `</script><img src=x onerror=alert(1)> "Eve"`;
    const affectedVersions = '[click](javascript:alert(1))\n# heading\n- item';
    const embargo = await lifted({ title, reporterCredit: credit, affectedVersions, fixedVersions: '<b>2.0</b>' });

    const osvFile = await download(embargo.id, 'osv').expect(200);
    const csafFile = await download(embargo.id, 'csaf').expect(200);
    for (const file of [osvFile, csafFile]) {
      // Nothing a sniffing browser could take for markup is in the bytes; the values are intact.
      expect(file.body).not.toMatch(/[<>]/);
      expect(file.headers['x-content-type-options']).toBe('nosniff');
    }
    const osv = JSON.parse(osvFile.body as string);
    const csaf = JSON.parse(csafFile.body as string);
    await expectValid(osv, csaf);
    expect(osv.summary).toBe(title);
    expect(osv.credits).toEqual([{ name: credit, type: 'REPORTER' }]);
    expect(osv.database_specific.affected_versions_text).toBe(affectedVersions);
    // `details` is Markdown: the text is escaped so that a renderer shows it, not runs it.
    expect(osv.details).toContain(`\\<script\\>alert("x")\\</script\\> \\& 'quoted' "title"`);
    expect(osv.details).toContain('\\[click\\](javascript:alert(1))\n\\# heading\n\\- item');
    expect(csaf.document.title).toBe(title);
    expect(csaf.vulnerabilities[0].acknowledgments).toEqual([{ names: [credit] }]);
    expect(csaf.product_tree.full_product_names).toContainEqual({
      name: affectedVersions,
      product_id: 'CSAFPID-AFFECTED',
    });

    const api = await request(web.url).get(`/api/embargoes/${embargo.id}/osv`).set(auth()).expect(200);
    expect(api.body).toEqual(osv);
  });

  it('publishes the export operations in the OpenAPI document', async () => {
    const doc = await request(web.url).get('/api/docs').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/embargoes/{id}/osv', '/api/embargoes/{id}/csaf']),
    );
    expect(doc.body.paths['/api/embargoes/{id}/osv'].get.responses).toHaveProperty('409');
  });
});

describe('advisory documents from every shape of embargo', () => {
  const publisher = { name: 'Example distros', namespace: 'https://lists.example.org' };
  const base: AdvisorySource = {
    tag: 'EMB-7',
    title: 'An issue',
    cveIds: [],
    cvss: null,
    affectedVersions: '',
    fixedVersions: '',
    reporterCredit: '',
    description: '',
    mitigations: '',
    references: [],
    status: 'lifted',
    releasedAt: new Date('2026-12-08T13:00:00.000Z'),
    modifiedAt: new Date('2026-12-08T13:00:00.000Z'),
  };
  const v31 = {
    version: '3.1' as const,
    // Threat and environmental metrics lower the overall score; CSAF's baseScore stays the base one.
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/CR:L',
    baseScore: 9.8,
    baseSeverity: 'Critical' as const,
    score: 9,
    severity: 'Critical' as const,
  };
  const shapes: [string, AdvisorySource][] = [
    ['nothing but a title', base],
    ['only fixed versions', { ...base, fixedVersions: '3.0.1' }],
    ['a v3.1 vector but no affected versions', { ...base, cvss: v31, fixedVersions: '3.0.1' }],
    [
      'a v3.1 vector with threat metrics',
      { ...base, cvss: v31, affectedVersions: '2.0 2.1', cveIds: ['CVE-2026-10001'] },
    ],
    [
      'versions in words on both sides',
      { ...base, affectedVersions: 'libfoo 2.x', fixedVersions: 'libfoo 3 and later' },
    ],
    [
      'three CVEs and a credit',
      { ...base, cveIds: ['CVE-2026-10001', 'CVE-2026-10002', 'CVE-2026-10003'], reporterCredit: 'A' },
    ],
    ['a broken embargo', { ...base, status: 'broken', affectedVersions: '1.0' }],
    [
      'a broken embargo with a description, mitigations and references (issue 14)',
      {
        ...base,
        status: 'broken',
        affectedVersions: '1.0 1.1',
        fixedVersions: '1.2',
        description: 'A *crafted* frame\n\noverflows the <heap>.',
        mitigations: 'Set max_frame = 4096.',
        references: ['https://example.org/advisories/EX-1', 'https://example.org/bug/9'],
      },
    ],
    [
      'mitigations and references but no affected product',
      { ...base, mitigations: 'Block port 1234.', references: ['http://example.org/x'] },
    ],
  ];

  it('checks against the schemas for real: a wrong document fails', async () => {
    const osv = osvAdvisory(base, publisher);
    expect(osvErrors({ ...osv, id: 'EMB-7' }).join('\n')).toMatch(/\/id must match pattern/);
    expect(osvErrors({ ...osv, severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N' }] })).not.toEqual([]);
    const csaf = csafAdvisory({ ...base, affectedVersions: '1.0' }, publisher);
    const wrong = { ...csaf, document: { ...csaf.document, tracking: { ...csaf.document.tracking, version: '2' } } };
    expect((await csafVerdict(wrong)).failures.join('\n')).toMatch(/mandatoryTest_6_1_/);
  });

  it('passes both schemas for each', async () => {
    for (const [name, source] of shapes) {
      expect({ name, errors: osvErrors(osvAdvisory(source, publisher)) }).toEqual({ name, errors: [] });
    }
    for (const [name, source] of shapes) {
      const { failures } = await csafVerdict(csafAdvisory(source, publisher));
      expect({ name, failures }).toEqual({ name, failures: [] });
    }
  });

  it('gives CSAF the base score and OSV the whole vector', () => {
    const source = { ...base, cvss: v31, affectedVersions: '2.0' };
    const csaf = csafAdvisory(source, publisher);
    expect(csaf.vulnerabilities[0].scores).toEqual([
      {
        cvss_v3: { version: '3.1', vectorString: v31.vector, baseScore: 9.8, baseSeverity: 'CRITICAL' },
        products: ['CSAFPID-AFFECTED-1'],
      },
    ]);
    expect(osvAdvisory(source, publisher).severity).toEqual([{ type: 'CVSS_V3', score: v31.vector }]);
  });

  it('puts a v3.1 vector in a note when no affected product could carry its score', () => {
    const csaf = csafAdvisory({ ...base, cvss: v31, fixedVersions: '3.0.1' }, publisher);
    expect(csaf.vulnerabilities[0]).not.toHaveProperty('scores');
    expect(csaf.vulnerabilities[0].notes).toContainEqual(expect.objectContaining({ title: 'CVSS v3.1' }));
  });
});
