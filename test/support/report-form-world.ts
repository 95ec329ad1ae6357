/**
 * The web app for tests of the public report form and the reporter's page (issue 13): a small
 * REPORT_MAX_BYTES (an oversized report is quick to send), an active maintainer for triage (enrolled
 * through the admin pages), a GnuPG home for reporters, and the steps a reporter's browser takes.
 * Call it at the top of a describe: it starts everything before the tests and stops it after.
 */
import request from 'supertest';
import { DeliveryWorker } from '@cordon/delivery';
import { ReportQueries } from '@cordon/reports';
import { loginAgent } from './admin-login';
import { csrfFrom, pathOf } from './forms';
import { GpgHome } from './gpg';
import { aReport } from './reports-testbed';
import { RunningWebApp, startWebApp } from './web-app';

export type Agent = ReturnType<typeof request.agent>;
export interface FileToSend {
  /** The form's file field: `attachments` unless given (`keyFile` for a key). */
  field?: string;
  name: string;
  bytes: Buffer;
}

export const XSS = '<script>alert(1)</script>';
export const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
/** REPORT_MAX_BYTES here: small, so that an oversized report is quick to send. */
export const MAX_BYTES = 64 * 1024;

export function reportFormWorld() {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let maintainerId: string;
  let clients = 0;

  beforeAll(async () => {
    // Each request comes from an address of its own (behind a trusted proxy), so that the
    // per-address throttle of the public forms (10 a minute) counts the tests' reporters apart.
    web = await startWebApp({ TRUST_PROXY: 'loopback', REPORT_MAX_BYTES: String(MAX_BYTES) });
    gpg = GpgHome.create();
    maintainerId = (await loginAgent(web)).maintainer.id;
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  const db = () => web.runtime.database.dataSource;
  const count = async (table: string) => Number((await db().query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const from = () => `192.0.2.${++clients}`;

  /** Fills in /report as a browser does: multipart, with the page's CSRF token first (unless `csrf` is false). */
  async function fileReport(overrides: Record<string, string> = {}, files: FileToSend[] = [], csrf = true) {
    const agent = request.agent(web.url);
    const page = await agent.get('/report').set('X-Forwarded-For', from()).expect(200);
    const post = agent.post('/report').set('X-Forwarded-For', from());
    if (csrf) void post.field('_csrf', csrfFrom(page.text));
    // The form as a careful reporter fills it in (the testbed's report), with `overrides`.
    for (const [name, value] of Object.entries({ ...aReport().content, ...overrides })) void post.field(name, value);
    for (const file of files) void post.attach(file.field ?? 'attachments', file.bytes, file.name);
    return post;
  }

  /** Follows a reporter's link in a fresh browser, which then holds the reporter's session. */
  async function openLink(link: string): Promise<Agent> {
    const agent = request.agent(web.url);
    const res = await agent.get(pathOf(link)).set('X-Forwarded-For', from());
    expect({ status: res.status, location: res.headers.location }).toEqual({ status: 303, location: '/report/status' });
    return agent;
  }

  /** Files a report without a key and opens its page from the link shown once. */
  async function filedAndOpened(overrides: Record<string, string> = {}) {
    const res = await fileReport(overrides);
    expect(res.status).toBe(201);
    const reference = referenceIn(res.text);
    const reportId = (await web.app.get(ReportQueries).queue()).find((r) => r.reference === reference)!.id;
    return { reference, reportId, reporter: await openLink(accessLinkIn(res.text)) };
  }

  return {
    web: () => web,
    gpg: () => gpg,
    maintainerId: () => maintainerId,
    db,
    from,
    /** What the form may change: the reports' rows and the mail queued. */
    snapshot: async () => ({
      reports: await count('report'),
      attachments: await count('report_attachment'),
      events: await count('report_event'),
      mail: await count('outbound_message'),
    }),
    deliver: () => web.app.get(DeliveryWorker).drain(),
    fileReport,
    openLink,
    filedAndOpened,
  };
}

export function referenceIn(html: string): string {
  const reference = /id="reference">(REP-\d+)</.exec(html)?.[1];
  if (!reference) throw new Error('no report reference on the page');
  return reference;
}

/** The link the answer page shows once, when no key was given. */
export function accessLinkIn(html: string): string {
  const link = /id="access-link"[^>]*>([^<]+)</.exec(html)?.[1];
  if (!link) throw new Error('no access link on the page');
  return link;
}
