/**
 * Vulnerability reports over the JSON API (issue 13, "API for all of it"): the queue with its clocks,
 * a report's detail and files, every triage step from the first acknowledgement to the embargo,
 * and the refusals as RFC 9457 problems. Reports are filed as the form files them (FileReport);
 * what the reporter and an outside party are sent is read with a real gpg.
 */
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { CreateApiToken } from '@cordon/maintainers';
import { FiledReport, FileReport } from '@cordon/reports';
import { loginAgent, MaintainerAccount } from './support/admin-login';
import { GpgHome } from './support/gpg';
import { mailTo, openMail } from './support/mailbox';
import { aReport } from './support/reports-testbed';
import { RunningWebApp, startWebApp } from './support/web-app';

const REPORTER = 'rita@reporter.example';
const UPSTREAM = 'security@upstream.example';

describe('reports API', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let token: string;
  let lead: MaintainerAccount;
  let upstreamKey: string;
  let main: FiledReport;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const api = (path: string) => `/api/reports${path}`;
  const file = (overrides: Parameters<typeof aReport>[0] = {}, now?: Date) =>
    web.app.get(FileReport).execute(aReport(overrides), 'form', now);
  const sentTo = async (address: string) => {
    await web.app.get(DeliveryWorker).drain();
    return mailTo(web.settings.dataDir, address);
  };

  beforeAll(async () => {
    web = await startWebApp();
    gpg = GpgHome.create();
    // The list key signs what Cordon sends: the peer checks the signatures with it.
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    ({ maintainer: lead } = await loginAgent(web, { name: 'Lea Lead' }));
    token = (await web.app.get(CreateApiToken).execute(lead.id, 'triage script')).token;
    const reporterKey = (await gpg.exportPublic(await gpg.generateKey(REPORTER))) as string;
    upstreamKey = (await gpg.exportPublic(await gpg.generateKey(UPSTREAM))) as string;
    main = await file({
      reporterKey,
      creditName: 'Rita R.',
      creditConsent: true,
      attachments: [{ filename: 'poc.html', contentType: 'text/html', bytes: Buffer.from('<script>boom()</script>') }],
    });
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  it('refuses every route without a valid token, as a problem document', async () => {
    const attempts = [
      request(web.url).get(api('')),
      request(web.url)
        .get(api(`/${main.id}`))
        .set({ Authorization: 'Bearer cordon_not-a-real-token' }),
      request(web.url).post(api(`/${main.id}/acknowledge`)),
      request(web.url)
        .post(api(`/${main.id}/comments`))
        .set({ Authorization: 'Basic eDp5' })
        .send({ text: 'x' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'NOT_AUTHENTICATED' });
    }
    const detail = await request(web.url)
      .get(api(`/${main.id}`))
      .set(auth())
      .expect(200);
    expect(detail.body.status).toBe('new');
  });

  it('lists the queue with both clocks, open reports first', async () => {
    // Filed a week ago: its acknowledgement is overdue, whatever day the test runs.
    const old = await file({ component: 'oldlib' }, new Date(Date.now() - 7 * 86_400_000));
    const res = await request(web.url).get(api('')).set(auth()).expect(200);
    const rows = res.body.reports as {
      id: string;
      reference: string;
      ack: { state: string };
      fix: { state: string };
    }[];
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining([main.id, old.id]));
    expect(rows.findIndex((r) => r.id === old.id)).toBeLessThan(rows.findIndex((r) => r.id === main.id));
    expect(rows.find((r) => r.id === old.id)).toMatchObject({
      reference: old.reference,
      component: 'oldlib',
      status: 'new',
      ack: { state: 'overdue', dueAt: expect.any(String), late: true },
      fix: { state: 'running' },
    });
    expect(rows.find((r) => r.id === main.id)).toMatchObject({
      ack: { state: expect.stringMatching(/running|due_soon/) },
    });
  });

  it('gives a report with its content, its files as downloads, and no armored key', async () => {
    const res = await request(web.url)
      .get(api(`/${main.id}`))
      .set(auth())
      .expect(200);
    expect(res.body).toMatchObject({
      reference: main.reference,
      content: { component: 'libfrob', versions: '2.0 to 2.4.1', creditName: 'Rita R.' },
      creditConsent: true,
      reporterKeyFingerprint: expect.stringMatching(/^[0-9A-F]{40}$/),
      attachments: [{ filename: 'poc.html', contentType: 'text/html', size: 23 }],
    });
    expect(JSON.stringify(res.body)).not.toMatch(/BEGIN PGP/);
    const fileId = res.body.attachments[0].id as string;
    const download = await request(web.url)
      .get(api(`/${main.id}/attachments/${fileId}`))
      .set(auth())
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(download.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-disposition': expect.stringMatching(/^attachment; filename="?poc\.html"?$/),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    expect((download.body as Buffer).toString()).toBe('<script>boom()</script>');
    await request(web.url)
      .get(api(`/${main.id}/attachments/${randomUUID()}`))
      .set(auth())
      .expect(404);
    await request(web.url)
      .get(api(`/${main.id}/attachments/${fileId}`))
      .expect(401);
  });

  it('triages a report from acknowledgement to an embargo made from it', async () => {
    const ack = await request(web.url)
      .post(api(`/${main.id}/acknowledge`))
      .set(auth())
      .expect(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', ack: { state: 'met', late: false } });
    await request(web.url)
      .post(api(`/${main.id}/acknowledge`))
      .set(auth())
      .expect(409);

    const question = 'Which build flags does the crash need?';
    const asked = await request(web.url)
      .post(api(`/${main.id}/ask`))
      .set(auth())
      .send({ question })
      .expect(200);
    expect(asked.body.status).toBe('needs_information');
    const toReporter = await Promise.all((await sentTo(REPORTER)).map((mail) => openMail(gpg, mail)));
    expect(toReporter.find((mail) => mail.text.includes(question))).toMatchObject({ goodSignature: true });

    const handled = await request(web.url)
      .post(api(`/${main.id}/handler`))
      .set(auth())
      .send({ handlerId: lead.id })
      .expect(200);
    expect(handled.body.handler).toEqual({ id: lead.id, name: 'Lea Lead' });

    const commented = await request(web.url)
      .post(api(`/${main.id}/comments`))
      .set(auth())
      .send({ text: 'Reproduced on 2.4.1; 2.5 unaffected.' })
      .expect(201);
    expect(commented.body.history.at(-1)).toMatchObject({
      kind: 'comment',
      actor: `maintainer:${lead.id}`,
      actorName: 'Lea Lead',
      shownToReporter: false,
      text: 'Reproduced on 2.4.1; 2.5 unaffected.',
    });

    const publicAt = businessDaysAhead(5);
    const proposed = await request(web.url)
      .post(api(`/${main.id}/public-date`))
      .set(auth())
      .send({ publicAt, timeZone: 'Europe/Berlin' })
      .expect(200);
    expect(proposed.body).toMatchObject({ proposedTimeZone: 'Europe/Berlin', reporterDateAnswer: null });

    const told = await request(web.url)
      .post(api(`/${main.id}/messages`))
      .set(auth())
      .send({ to: 'outsider', name: 'Upstream security', email: UPSTREAM, key: upstreamKey, text: 'Your parser too?' })
      .expect(201);
    expect(told.body.history.at(-1)).toMatchObject({
      kind: 'message_to_outsider',
      shownToReporter: false,
      to: { name: 'Upstream security', email: UPSTREAM },
      text: 'Your parser too?',
    });
    const upstream = await sentTo(UPSTREAM);
    expect(upstream).toHaveLength(1);
    const opened = await openMail(gpg, upstream[0]);
    expect(opened.text).toContain('Your parser too?');
    expect(opened.goodSignature).toBe(true);

    const accepted = await request(web.url)
      .post(api(`/${main.id}/accept`))
      .set(auth())
      .send({ publicAt, timeZone: 'Europe/Berlin', cveIds: ['CVE-2026-4242'], fixedVersions: '2.4.2' })
      .expect(200);
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      embargo: { tag: expect.stringMatching(/^EMB-\d+$/), status: 'active' },
    });
    const embargo = await request(web.url).get(`/api/embargoes/${accepted.body.embargo.id}`).set(auth()).expect(200);
    expect(embargo.body).toMatchObject({
      title: 'libfrob',
      affectedVersions: '2.0 to 2.4.1',
      fixedVersions: '2.4.2',
      reporterCredit: 'Rita R.',
      cveIds: ['CVE-2026-4242'],
      timeZone: 'Europe/Berlin',
    });
    await request(web.url)
      .post(api(`/${main.id}/reject`))
      .set(auth())
      .send({ reason: 'Too late for this.' })
      .expect(409);
  });

  it('rejects a report with its reason, and marks another a duplicate', async () => {
    const second = await file({ component: 'libfrob-extras', reporterName: 'Sam' });
    const reason = 'This is the documented behaviour of --unsafe-parse, not a vulnerability.';
    const rejected = await request(web.url)
      .post(api(`/${second.id}/reject`))
      .set(auth())
      .send({ reason })
      .expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', fix: { state: 'stopped' } });
    expect(rejected.body.history.map((h: { text: string | null }) => h.text)).toContain(reason);

    const third = await file();
    const duplicate = await request(web.url)
      .post(api(`/${third.id}/duplicate`))
      .set(auth())
      .send({ of: main.reference })
      .expect(200);
    expect(duplicate.body).toMatchObject({
      status: 'duplicate',
      duplicateOf: { id: main.id, reference: main.reference },
    });
  });

  it('refuses bad input with a 400 problem naming the field, and changes nothing', async () => {
    const fresh = await file();
    const before = (
      await request(web.url)
        .get(api(`/${fresh.id}`))
        .set(auth())
        .expect(200)
    ).body;
    const bad: [string, object, RegExp][] = [
      ['/reject', { reason: 'too short' }, /reason/],
      ['/ask', {}, /question/],
      ['/ask', { question: 'x', extra: 1 }, /extra/],
      ['/handler', { handlerId: 'not-a-uuid' }, /handlerId/],
      ['/duplicate', { of: 'the other one' }, /of must be/],
      ['/comments', { text: 'x'.repeat(20001) }, /text/],
      ['/messages', { to: 'outsider', text: 'hi' }, /name|email|key/],
      ['/messages', { to: 'everyone', text: 'hi' }, /to must be/],
      ['/accept', { publicAt: businessDaysAhead(3) }, /timeZone/],
    ];
    for (const [path, body, field] of bad) {
      const res = await request(web.url)
        .post(api(`/${fresh.id}${path}`))
        .set(auth())
        .send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toMatch(field);
    }
    // The domain's refusals carry the field as a member of the problem.
    const zone = await request(web.url)
      .post(api(`/${fresh.id}/accept`))
      .set(auth())
      .send({ publicAt: businessDaysAhead(3), timeZone: 'Mars/Olympus_Mons' })
      .expect(400);
    expect(zone.body).toMatchObject({ code: 'INVALID_INPUT', field: 'timeZone' });
    const key = await request(web.url)
      .post(api(`/${fresh.id}/messages`))
      .set(auth())
      .send({ to: 'outsider', name: 'Up', email: UPSTREAM, key: 'not a key', text: 'hi' })
      .expect(400);
    expect(key.body).toMatchObject({ field: 'key' });
    const after = await request(web.url)
      .get(api(`/${fresh.id}`))
      .set(auth())
      .expect(200);
    expect(after.body).toMatchObject({ status: 'new', history: before.history });
  });

  it('answers 404 for an unknown report, and 400 for one that is not an id', async () => {
    const unknown = randomUUID();
    for (const res of [
      await request(web.url)
        .get(api(`/${unknown}`))
        .set(auth()),
      await request(web.url)
        .post(api(`/${unknown}/acknowledge`))
        .set(auth()),
      await request(web.url)
        .post(api(`/${unknown}/comments`))
        .set(auth())
        .send({ text: 'hello' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    await request(web.url).get(api('/REP-1')).set(auth()).expect(400);
  });

  it('describes every reports operation in the OpenAPI document', async () => {
    const doc = await request(web.url).get('/api/docs').expect(200);
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/reports',
        '/api/reports/{id}',
        '/api/reports/{id}/attachments/{fileId}',
        ...[
          'acknowledge',
          'ask',
          'accept',
          'reject',
          'duplicate',
          'handler',
          'comments',
          'public-date',
          'messages',
        ].map((step) => `/api/reports/{id}/${step}`),
      ]),
    );
    expect(paths['/api/reports/{id}/accept'].post).toMatchObject({ tags: ['reports'], security: [{ bearer: [] }] });
  });
});

/** A local date and time `n` business days from today, as a datetime-local field takes it. */
function businessDaysAhead(n: number): string {
  const day = new Date();
  for (let counted = 0; counted < n;) {
    day.setUTCDate(day.getUTCDate() + 1);
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) counted++;
  }
  return `${day.toISOString().slice(0, 10)}T14:00`;
}
