/**
 * The maintainers' report pages over HTTP (issue 13): the queue shows each report's clocks, a report
 * shows everything it holds with hostile text escaped, and each triage form comes back to it with a
 * notice or with its refusal beside the field. Reports are filed as the form files them (FileReport).
 * The whole journey in a browser is test/browser's.
 */
import request from 'supertest';
import { FiledReport, FileReport } from '@cordon/reports';
import { Agent, loginAgent, MaintainerAccount } from './support/admin-login';
import { csrfFrom } from './support/forms';
import { aReport } from './support/reports-testbed';
import { RunningWebApp, startWebApp } from './support/web-app';

const HOSTILE = '<script>alert("pwned")</script>';
const DAY = 86_400_000;

describe('admin report pages', () => {
  let web: RunningWebApp;
  let agent: Agent;
  let lead: MaintainerAccount;
  const file = (overrides: Parameters<typeof aReport>[0] = {}, now?: Date) =>
    web.app.get(FileReport).execute(aReport(overrides), 'form', now);
  /** Posts a report page's form as the page gives it (with its CSRF token). */
  const post = async (report: FiledReport, action: string, fields: Record<string, string> = {}) => {
    const page = await agent.get(`/admin/reports/${report.id}`).expect(200);
    return agent
      .post(`/admin/reports/${report.id}/${action}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  };

  beforeAll(async () => {
    web = await startWebApp({ PROJECT_TIME_ZONE: 'Europe/Berlin' });
    ({ agent, maintainer: lead } = await loginAgent(web, { name: 'Lea Lead' }));
  });

  afterAll(async () => {
    await web?.close();
  });

  it('is only for a logged-in maintainer', async () => {
    const report = await file();
    const anonymous = request.agent(web.url);
    for (const path of ['/admin/reports', `/admin/reports/${report.id}`]) {
      const res = await anonymous.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/admin\/login/);
    }
    const home = await agent.get('/admin').expect(200);
    expect(home.text).toContain('<a href="/admin/reports">Reports</a>');
  });

  it('shows the queue with each clock: overdue, met, stopped', async () => {
    const overdue = await file({ component: 'overdue-lib' }, new Date(Date.now() - 8 * DAY));
    const rejected = await file({ component: 'rejected-lib' }, new Date(Date.now() - 8 * DAY));
    expect((await post(rejected, 'reject', { reason: 'Works as documented, not a vulnerability.' })).status).toBe(303);

    const queue = await agent.get('/admin/reports').expect(200);
    const row = (reference: string) => {
      const match = new RegExp(`<tr class="report" id="report-${reference}">([\\s\\S]*?)</tr>`).exec(queue.text);
      if (!match) throw new Error(`${reference} is not in the queue`);
      return match[1];
    };
    const late = row(overdue.reference);
    expect(late).toContain('overdue-lib');
    expect(late).toMatch(/class="ack"><span class="clock clock-overdue">overdue<\/span>/);
    expect(late).toMatch(/\d{4}-\d{2}-\d{2} 24:00 Europe\/Berlin \(23:00 UTC\)/);
    expect(late).toMatch(/class="status new">new</);
    const closed = row(rejected.reference);
    // Answered late (by the rejection, 8 days on), and the fix clock stops with it.
    expect(closed).toMatch(/class="ack"><span class="clock clock-met late">met \(late\)<\/span>/);
    expect(closed).toMatch(/class="fix"><span class="clock clock-stopped">stopped<\/span>/);
    expect(queue.text.indexOf(overdue.reference)).toBeLessThan(queue.text.indexOf(rejected.reference));
  });

  it('shows a report with every field escaped, its files and the reporter key', async () => {
    const report = await file({
      component: `frob ${HOSTILE}`,
      description: `Line one\n${HOSTILE}\nline three`,
      reporterName: HOSTILE,
      attachments: [{ filename: `${HOSTILE}.html`, contentType: 'text/html', bytes: Buffer.from(HOSTILE) }],
    });
    const page = await agent.get(`/admin/reports/${report.id}`).expect(200);
    expect(page.text).not.toContain(HOSTILE);
    expect(page.text).not.toMatch(/<script/i);
    expect(page.text).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(page.text).toMatch(/<dd class="evidence" id="description">Line one\n&lt;script&gt;/);
    expect(page.text).toContain('none: messages to the reporter carry only the link to its page');
    // The accept form starts from the report: its component as the title, a date in the project's zone.
    expect(page.text).toMatch(/id="title" name="title" type="text" value="frob &lt;script&gt;/);
    expect(page.text).toMatch(
      /id="publicAt" name="publicAt" type="datetime-local" value="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"/,
    );
    expect(page.text).toMatch(/id="timeZone" name="timeZone" type="text" value="Europe\/Berlin"/);

    const href = /<a href="(\/admin\/reports\/[^"]+\/attachments\/[^"]+)" download>/.exec(page.text)![1];
    const download = await agent.get(href).expect(200);
    expect(download.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    await request(web.url).get(href).expect(303);
  });

  it('takes each step with a notice, shows a refusal beside its field, and links the embargo', async () => {
    const report = await file({ creditName: 'Rita R.', creditConsent: true });
    const refused = await post(report, 'reject', { reason: 'short' });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(
      /<p class="field-error" id="reason-error">The reason needs at least 10 characters.<\/p>/,
    );
    expect(refused.text).toContain('>short</textarea>');

    const acknowledged = await post(report, 'acknowledge');
    expect(acknowledged.status).toBe(303);
    expect(acknowledged.headers.location).toBe(`/admin/reports/${report.id}?done=acknowledge#report-status`);
    const after = await agent.get(acknowledged.headers.location).expect(200);
    expect(after.text).toContain('Acknowledged: the reporter was told.');
    expect(after.text).toMatch(/id="report-status">acknowledged</);
    expect(after.text).not.toContain('id="acknowledge-report"');

    expect((await post(report, 'comment', { comment: `Internal: ${HOSTILE}` })).status).toBe(303);
    expect((await post(report, 'handler', { handlerId: lead.id })).status).toBe(303);
    const message = await post(report, 'message', { partyKind: 'outsider', message: 'hello' });
    expect(message.status).toBe(400);
    expect(message.text).toMatch(/id="partyKey-error">Paste the party&#39;s OpenPGP public key, armored.</);
    const badZone = await post(report, 'accept', {
      title: 'libfrob',
      publicAt: '2027-01-05T14:00',
      timeZone: 'Nowhere/City',
    });
    expect(badZone.status).toBe(400);
    expect(badZone.text).toMatch(/id="timeZone-error">Choose a time zone by its IANA name/);

    const page = await agent.get(`/admin/reports/${report.id}`).expect(200);
    expect(page.text).toMatch(
      /<strong>Lea Lead<\/strong>, [\d-]+ \d\d:\d\d Europe\/Berlin \([\d-]*\s?\d\d:\d\d UTC\): Internal comment <span class="status internal">internal<\/span>/,
    );
    expect(page.text).toContain('Internal: &lt;script&gt;');
    expect(page.text).toMatch(/id="handler">Lea Lead</);
    expect(page.text).toMatch(/<strong>Lea Lead<\/strong>, [^<]+: Handler: Lea Lead </);

    const publicAt = /id="publicAt" name="publicAt" type="datetime-local" value="([^"]+)"/.exec(page.text)![1];
    const accepted = await post(report, 'accept', { title: 'libfrob', publicAt, timeZone: 'Europe/Berlin' });
    expect(accepted.status).toBe(303);
    const done = await agent.get(accepted.headers.location).expect(200);
    expect(done.text).toMatch(/id="report-embargo"><a href="\/admin\/embargoes\/[0-9a-f-]{36}">EMB-\d+<\/a>/);
    expect(done.text).not.toContain('id="accept-report"');
    const again = await post(report, 'reject', { reason: 'Changed our minds about it.' });
    expect(again.status).toBe(409);
  });

  it('refuses a form without its CSRF token, and a step it does not know', async () => {
    const report = await file();
    const forged = await agent.post(`/admin/reports/${report.id}/acknowledge`).type('form').send({});
    expect(forged.status).toBe(403);
    const page = await agent.get(`/admin/reports/${report.id}`).expect(200);
    expect(page.text).toMatch(/id="report-status">new</);
    await agent
      .post(`/admin/reports/${report.id}/delete`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(404);
  });
});
