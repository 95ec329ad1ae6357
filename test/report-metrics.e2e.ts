/**
 * /metrics on vulnerability reports (issue 13, "Clocks"): reports by state, every state even at 0,
 * and the overdue clocks, counted in PROJECT_TIME_ZONE. Nothing a reporter wrote is in the output.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { FileReport, NewReport } from '@cordon/reports';
import { aMaintainer } from './support/factories';
import { anOpenpgpKey } from './support/keys';
import { RunningWebApp, startWebApp } from './support/web-app';

const DAY = 86_400_000;

describe('GET /metrics on vulnerability reports', () => {
  let web: RunningWebApp;
  const canary = `canary-${randomUUID()}`;

  const aReport = (receivedAt: Date): Promise<unknown> => {
    const report: NewReport = {
      content: {
        reporterName: 'Ada',
        contact: 'ada@reporter.example',
        component: `libwidget ${canary}`,
        versions: '< 2.4.1',
        description: `A heap overflow in the header parser ${canary}`,
        reproduction: '',
        impact: '',
        thirdParty: '',
        alreadyPublic: 'no',
        creditName: '',
      },
      reporterKey: null,
      creditConsent: false,
      attachments: [],
    };
    return web.app.get(FileReport).execute(report, 'form', receivedAt);
  };

  const scrape = async () => (await request(web.url).get('/metrics').expect(200)).text;

  beforeAll(async () => {
    web = await startWebApp({ PROJECT_TIME_ZONE: 'Europe/Berlin' });
    const lead = await anOpenpgpKey('lead@project.example');
    await aMaintainer(web.app, { email: 'lead@project.example', key: lead.publicKey });
  });
  afterAll(() => web?.close());

  it('gives every state at 0 and no clock overdue before any report came in', async () => {
    const text = await scrape();
    for (const state of ['new', 'acknowledged', 'needs_information', 'accepted', 'rejected', 'duplicate']) {
      expect(text).toMatch(new RegExp(`^cordon_reports\\{state="${state}"\\} 0$`, 'm'));
    }
    expect(text).toMatch(/^cordon_reports_overdue\{clock="acknowledgement"\} 0$/m);
    expect(text).toMatch(/^cordon_reports_overdue\{clock="fix"\} 0$/m);
    expect(text).toMatch(/^# HELP cordon_reports \S/m);
    expect(text).toMatch(/^# TYPE cordon_reports gauge$/m);
    expect(text).toMatch(/^# HELP cordon_reports_overdue \S/m);
    expect(text).toMatch(/^# TYPE cordon_reports_overdue gauge$/m);
  });

  it('counts reports by state, and the clocks past due: the acknowledgement after 3 business days, the fix after 60 days', async () => {
    await aReport(new Date()); // neither clock due yet
    await aReport(new Date(Date.now() - 10 * DAY)); // acknowledgement overdue
    await aReport(new Date(Date.now() - 70 * DAY)); // both overdue
    const text = await scrape();
    expect(text).toMatch(/^cordon_reports\{state="new"\} 3$/m);
    expect(text).toMatch(/^cordon_reports\{state="accepted"\} 0$/m);
    expect(text).toMatch(/^cordon_reports_overdue\{clock="acknowledgement"\} 2$/m);
    expect(text).toMatch(/^cordon_reports_overdue\{clock="fix"\} 1$/m);
    expect(text).not.toContain(canary);
    expect(text).not.toContain('libwidget');
  });
});
