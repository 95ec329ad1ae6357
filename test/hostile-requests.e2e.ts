/**
 * Requests built to break the web app rather than use it (issue 10, item 5): oversized and
 * malformed application forms, inherited property names as admin actions, JSON nested thousands
 * of levels deep. Each must get a 4xx with a message that says what was wrong, change nothing,
 * and leave the service answering everyone else.
 */
import { generateKey } from 'openpgp';
import request from 'supertest';
import { openpgpConfig } from '@cordon/crypto';
import { CreateApiToken } from '@cordon/maintainers';
import { ImportMember, SubmitApplication } from '@cordon/membership';
import { Agent, loginAgent } from './support/admin-login';
import { csrfFrom } from './support/forms';
import { GpgHome } from './support/gpg';
import { anOpenpgpKey } from './support/keys';
import { RunningWebApp, startWebApp } from './support/web-app';

const VOUCHER = 'security@voucher.example';
const KB = 1024;

let client = 0;
/** Each test is its own client for the per-address throttles (the app trusts X-Forwarded-For from loopback here). */
const aClient = (web: RunningWebApp) =>
  request.agent(web.url).set('X-Forwarded-For', `203.0.113.${(++client % 250) + 1}`);

function applicationFields(email: string, key: string) {
  return {
    organisation: `Org of ${email}`,
    distribution: 'Hostile Linux',
    website: 'https://hostile.example',
    contactName: 'Hal',
    contactEmail: email,
    key,
    evidence1: 'We ship it.',
    evidence2: 'Many users.',
    evidence3: 'Advisories every month.',
    evidence4: 'Own builds.',
    evidence5: 'Patches upstream.',
    acceptPolicy: 'yes',
    policyVersion: '1',
    voucherEmail: VOUCHER,
  };
}

/**
 * The application form as a browser sends it: multipart, `_csrf` first. `files` are attached
 * after the fields, each as `keyFile` unless named.
 */
async function postApplication(
  agent: Agent,
  fields: Record<string, string>,
  files: { buffer: Buffer; name?: string }[] = [],
) {
  const page = await agent.get('/apply').expect(200);
  let post = agent.post('/apply').field('_csrf', csrfFrom(page.text));
  for (const [name, value] of Object.entries(fields)) post = post.field(name, value);
  for (const file of files) post = post.attach(file.name ?? 'keyFile', file.buffer, 'key.asc');
  return post;
}

/** An application submitted through the use case, as the form would. */
async function submitted(web: RunningWebApp, email: string) {
  return web.app.get(SubmitApplication).execute({
    ...applicationFields(email, (await anOpenpgpKey(email)).publicKey),
    evidence: { '1': 'a', '2': 'b', '3': 'c', '4': 'd', '5': 'e' },
    acceptedPolicyVersion: 1,
  });
}

/** A real key of about `kb` KB, armored: a Curve25519 key with many user IDs, as long-lived keys grow. */
async function aKeyOfAbout(email: string, kb: number): Promise<string> {
  const userIDs = [{ name: 'Security Team', email }];
  for (let i = 0; userIDs.length < (kb * KB) / 340; i++)
    userIDs.push({ name: `Alias ${i}`, email: `a${i}@hostile.example` });
  const { publicKey } = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs,
    format: 'armored',
    config: openpgpConfig,
  });
  return publicKey;
}

describe('hostile requests to the web app', () => {
  let web: RunningWebApp;
  const db = () => web.runtime.database.dataSource;
  const count = async (table: string) => Number((await db().query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  /** What a refused request must leave as it was. */
  const snapshot = async () => ({
    applications: await count('application'),
    comments: await count('application_comment'),
    mail: await count('outbound_message'),
    audit: await count('audit_entry'),
  });
  /** Another visitor, from another address, still gets the form and the service answers its probe. */
  async function stillServing() {
    await aClient(web).get('/apply').expect(200);
    await request(web.url).get('/healthz').expect(200);
  }

  /** An application submitted through the use case, as the form would; returns its id. */
  async function anApplication(email: string): Promise<string> {
    return (await submitted(web, email)).applicationId;
  }

  beforeAll(async () => {
    web = await startWebApp({ TRUST_PROXY: 'loopback' });
    await web.app.get(ImportMember).execute({
      email: VOUCHER,
      organisation: 'Voucher Org',
      key: (await anOpenpgpKey(VOUCHER)).publicKey,
      acknowledged: true,
    });
  });
  afterAll(() => web?.close());

  describe('the application form', () => {
    it('takes a legitimate 37 KB pasted key, which the schema allows and the parser used to refuse', async () => {
      const email = 'big-key@hostile.example';
      const key = await aKeyOfAbout(email, 37);
      expect(key.length).toBeGreaterThan(36 * KB);
      expect(key.length).toBeLessThan(64 * KB);
      const before = await count('application');
      const res = await postApplication(aClient(web), applicationFields(email, key));
      expect(res.status).toBe(201);
      expect(await count('application')).toBe(before + 1);
    });

    it('refuses a pasted key over 64 KB with 413 and the form, keeping what was typed, and stores nothing', async () => {
      const before = await snapshot();
      const fields = applicationFields('too-big@hostile.example', 'A'.repeat(64 * KB + 1));
      const res = await postApplication(aClient(web), fields);
      expect(res.status).toBe(413);
      expect(res.text).toContain('<form method="post" action="/apply"');
      expect(res.text).toMatch(/id="key-error">The key must be at most 64 KB\./);
      expect(res.text).toContain('value="Org of too-big@hostile.example"');
      expect(await snapshot()).toEqual(before);
      await stillServing();
    });

    it('refuses a key file over 64 KB with 413 and the form, and stores nothing', async () => {
      const before = await snapshot();
      const fields = applicationFields('big-file@hostile.example', '');
      const res = await postApplication(aClient(web), fields, [{ buffer: Buffer.alloc(64 * KB + 1, 0x41) }]);
      expect(res.status).toBe(413);
      expect(res.text).toMatch(/id="key-error">The key file must be at most 64 KB\./);
      expect(await snapshot()).toEqual(before);
      await stillServing();
    });

    it('refuses two key files, or a file in another field, with 400 and the form, and stores nothing', async () => {
      const before = await snapshot();
      const key = Buffer.from((await anOpenpgpKey('two-files@hostile.example')).publicKey);
      const fields = applicationFields('two-files@hostile.example', '');
      for (const files of [[{ buffer: key }, { buffer: key }], [{ buffer: key, name: 'evidence1' }]]) {
        const res = await postApplication(aClient(web), fields, files);
        expect(res.status).toBe(400);
        expect(res.text).toMatch(/id="key-error">Upload one key file, in the key file field, or paste the key\./);
      }
      expect(await snapshot()).toEqual(before);
      await stillServing();
    });

    it('refuses a form with hundreds of extra fields with 400 and the form, and stores nothing', async () => {
      const before = await snapshot();
      const fields: Record<string, string> = applicationFields('many-fields@hostile.example', 'x');
      for (let i = 0; i < 200; i++) fields[`extra${i}`] = 'x';
      const res = await postApplication(aClient(web), fields);
      expect(res.status).toBe(400);
      expect(res.text).toContain('The form has more fields than this page sends.');
      expect(res.text).toContain('<form method="post" action="/apply"');
      expect(await snapshot()).toEqual(before);
      await stillServing();
    });

    it('refuses a multipart body cut off in the middle with 400 and the form, and stores nothing', async () => {
      const before = await snapshot();
      const agent = aClient(web);
      const csrf = csrfFrom((await agent.get('/apply').expect(200)).text);
      const boundary = 'cordonboundary';
      const body = [
        `--${boundary}`,
        'Content-Disposition: form-data; name="_csrf"',
        '',
        csrf,
        `--${boundary}`,
        'Content-Disposition: form-data; name="organisation"',
        '',
        'Cut Off Org',
      ].join('\r\n');
      const res = await agent
        .post('/apply')
        .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
        .send(body);
      expect(res.status).toBe(400);
      expect(res.text).toContain('The form could not be read.');
      expect(await snapshot()).toEqual(before);
      await stillServing();
    });
  });

  describe('keys on curves Cordon cannot use', () => {
    let gpg: GpgHome;
    beforeAll(() => {
      gpg = GpgHome.create();
    });
    afterAll(() => gpg?.cleanup());

    it.each(['brainpoolP256r1', 'secp256k1'] as const)(
      'refuses a %s key at /apply naming the curve, not "no valid self-signature", and stores nothing',
      async (curve) => {
        const email = `${curve.toLowerCase()}@hostile.example`;
        const key = await gpg.exportPublic(await gpg.generateKey(email, { algo: curve }));
        const before = await snapshot();
        const res = await postApplication(aClient(web), applicationFields(email, key));
        expect(res.status).toBe(400);
        expect(res.text).toContain(`uses the ${curve} curve, which Cordon does not support.`);
        expect(res.text).not.toMatch(/self-signature/);
        expect(await snapshot()).toEqual(before);
        await stillServing();
      },
    );
  });

  describe('admin actions named after inherited properties', () => {
    let agent: Agent;
    let applicationId: string;

    beforeAll(async () => {
      ({ agent } = await loginAgent(web));
      applicationId = await anApplication('reviewed@hostile.example');
    });

    it('answers POST /admin/applications/:id/constructor (and __proto__, toString, …) with 404, and changes nothing', async () => {
      const before = await snapshot();
      const status = async () =>
        ((await db().query('SELECT status FROM application WHERE id = $1', [applicationId])) as { status: string }[])[0]
          .status;
      const statusBefore = await status();
      for (const action of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
        const page = await agent.get(`/admin/applications/${applicationId}`).expect(200);
        const res = await agent
          .post(`/admin/applications/${applicationId}/${action}`)
          .type('form')
          .send({ _csrf: csrfFrom(page.text), reason: 'x'.repeat(20) });
        expect({ action, status: res.status }).toEqual({ action, status: 404 });
        expect(res.text).toContain('There is no such action.');
      }
      expect(await status()).toBe(statusBefore);
      expect(await snapshot()).toEqual(before);
      const page = await agent.get(`/admin/applications/${applicationId}?done=constructor`).expect(200);
      expect(page.text).not.toMatch(/function|native code/);
      await stillServing();
    });

    it('answers an admin path whose id is not an id with 400, not a database error', async () => {
      for (const id of ['constructor', '__proto__', "1' OR '1'='1", 'x'.repeat(300)]) {
        const res = await agent.get(`/admin/applications/${encodeURIComponent(id)}`);
        expect({ id, status: res.status }).toEqual({ id, status: 400 });
      }
      await agent.get(`/admin/applications/${applicationId}`).expect(200);
    });
  });

  describe('the JSON API', () => {
    let token: string;
    let applicationId: string;
    const auth = () => ({ Authorization: `Bearer ${token}` });
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

    beforeAll(async () => {
      const { maintainer } = await loginAgent(web);
      token = (await web.app.get(CreateApiToken).execute(maintainer.id, 'hostile test')).token;
      applicationId = await anApplication('api-reviewed@hostile.example');
    });

    it('refuses JSON nested 5,000 levels deep with a 400 problem before validation, and changes nothing', async () => {
      const before = await snapshot();
      for (const body of [nested(5000), `${'['.repeat(5000)}${']'.repeat(5000)}`, `{"body":${nested(40)}}`]) {
        for (const headers of [auth(), {}]) {
          const res = await request(web.url)
            .post(`/api/applications/${applicationId}/comments`)
            .set(headers)
            .set('Content-Type', 'application/json')
            .send(body);
          expect(res.status).toBe(400);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.body).toMatchObject({ status: 400, code: 'JSON_TOO_DEEP' });
          expect(res.body.detail).toMatch(/nests deeper than 32 levels/);
        }
      }
      expect(await snapshot()).toEqual(before);
      // Brackets and quotes inside strings are text, not nesting.
      await request(web.url)
        .post(`/api/applications/${applicationId}/comments`)
        .set(auth())
        .send({ body: `${'[{'.repeat(100)} "quoted \\" ${'}]'.repeat(100)}` })
        .expect(201);
      expect(await count('application_comment')).toBe(before.comments + 1);
      await stillServing();
    });

    it('refuses JSON in another charset than UTF-8 with a 415 problem', async () => {
      const res = await request(web.url)
        .post(`/api/applications/${applicationId}/comments`)
        .set(auth())
        .set('Content-Type', 'application/json; charset=utf-16le')
        .send(Buffer.from('{"body":"hello"}', 'utf16le'));
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_CHARSET' });
    });
  });

  describe('caches', () => {
    it('marks admin, member, status and API answers no-store, so no shared cache keeps them', async () => {
      const { agent, maintainer } = await loginAgent(web);
      const token = (await web.app.get(CreateApiToken).execute(maintainer.id, 'cache test')).token;
      const { statusToken } = await submitted(web, 'cached@hostile.example');
      const bearer = { Authorization: `Bearer ${token}` };
      const answers: [string, request.Response][] = [
        ['/admin/applications', await agent.get('/admin/applications').expect(200)],
        ['/admin/tokens', await agent.get('/admin/tokens').expect(200)],
        ['/admin/login', await request(web.url).get('/admin/login').expect(200)],
        ['/member', await request(web.url).get('/member').expect(200)],
        ['/member/home', await request(web.url).get('/member/home')],
        ['/apply/status/:token', await request(web.url).get(`/apply/status/${statusToken}`).expect(200)],
        ['/apply/status/not-a-token', await request(web.url).get('/apply/status/not-a-token')],
        ['/api/me', await request(web.url).get('/api/me').set(bearer).expect(200)],
        ['/api/applications', await request(web.url).get('/api/applications').set(bearer).expect(200)],
        ['/api/me without a token', await request(web.url).get('/api/me').expect(401)],
      ];
      for (const [path, res] of answers) {
        expect({ path, cacheControl: res.headers['cache-control'] }).toEqual({ path, cacheControl: 'no-store' });
      }
      // The stylesheet is the same for everyone and may be cached.
      const css = await request(web.url).get('/assets/cordon.css').expect(200);
      expect(css.headers['cache-control']).toMatch(/max-age=3600/);
    });
  });

  it('believes X-Forwarded-For from the proxy TRUST_PROXY names: one client throttled, the next not', async () => {
    const agent = request.agent(web.url);
    const csrf = csrfFrom((await agent.get('/apply').expect(200)).text);
    const post = (address: string) =>
      agent.post('/apply').set('X-Forwarded-For', address).field('_csrf', csrf).field('organisation', 'x');
    for (let i = 0; i < 10; i++) expect((await post('198.51.100.77')).status).toBe(400);
    expect((await post('198.51.100.77')).status).toBe(429);
    expect((await post('198.51.100.78')).status).toBe(400);
  });
});

describe('with TRUST_PROXY left off (the default)', () => {
  let web: RunningWebApp;
  const auditCount = async () =>
    Number((await web.runtime.database.dataSource.query('SELECT count(*) AS n FROM audit_entry'))[0].n);

  beforeAll(async () => {
    web = await startWebApp();
  });
  afterAll(() => web?.close());

  /** Posts `form` to `path` twelve times, each claiming another address in X-Forwarded-For; returns the statuses. */
  async function rotating(path: string, form: Record<string, string>, type: 'form' | 'multipart') {
    const agent = request.agent(web.url);
    const csrf = csrfFrom((await agent.get(path).expect(200)).text);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      let post = agent.post(path).set('X-Forwarded-For', `192.0.2.${i + 1}, 198.51.100.${i + 1}`);
      if (type === 'form') post = post.type('form').send({ _csrf: csrf, ...form });
      else for (const [name, value] of Object.entries({ _csrf: csrf, ...form })) post = post.field(name, value);
      statuses.push((await post).status);
    }
    return statuses;
  }

  it('does not let a rotated X-Forwarded-For from 127.0.0.1 escape the /apply throttle', async () => {
    const before = await web.runtime.database.dataSource.query('SELECT count(*) AS n FROM application');
    const statuses = await rotating('/apply', { organisation: 'Rotating Org' }, 'multipart');
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(await web.runtime.database.dataSource.query('SELECT count(*) AS n FROM application')).toEqual(before);
    await request(web.url).get('/apply').expect(200);
  });

  it('does not let a rotated X-Forwarded-For from 127.0.0.1 escape the login throttle', async () => {
    const audited = await auditCount();
    const statuses = await rotating('/admin/login', { email: 'nobody@example.org', password: 'a guess, long' }, 'form');
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // One failed login recorded for each attempt let through; the throttled two never reached an account.
    expect(await auditCount()).toBe(audited + 10);
    await request(web.url).get('/admin/login').expect(200);
  });
});
