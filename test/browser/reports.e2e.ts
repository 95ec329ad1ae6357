/**
 * Issue 13's journey, as README "Vulnerability reports" tells it, in a real browser against a real
 * `cordon serve` on a fresh data directory, with GnuPG as the reporter's own tool. The operator
 * adds a maintainer with the CLI, who enrols in the browser (password, then TOTP). A reporter
 * files a report on /report with a proof of concept and its key (pasted from `gpg --armor
 * --export`); the link to its page comes mailed encrypted, and its gpg reads it. The maintainer
 * finds the report in /admin/reports with its clocks, opens it, downloads the file, acknowledges
 * it and asks for information; the reporter answers on its page; the maintainer accepts it, and
 * the embargo exists with the report's versions, the credit the reporter agreed to and its limit
 * counted from the report's date. The reporter's gpg reads every message it was sent. A second
 * reporter, without a key, sees its link once; its report is rejected with a reason, which its
 * page shows and the plain notice mailed to it does not.
 */
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { enrolInBrowser } from '../support/admin-login';
import {
  clearScreenshots,
  launchBrowser,
  newVisitor,
  screenshot,
  submit,
  textOf,
  visit,
  Visitor,
} from '../support/browser';
import { queryBetweenRuns } from '../support/cordon-process';
import { eventually } from '../support/eventually';
import { GpgHome } from '../support/gpg';
import { linkIn, mailTo, openMail, OpenedMail } from '../support/mailbox';
import { maintainerByCli, OperatedService, startOperatedService } from '../support/operated-service';
import { onAWeekday } from '../support/working-days';
import {
  ackDueDay,
  bareFingerprint,
  download,
  fillReportForm,
  fingerprintOfKey,
  fixDueDay,
  journeySteps,
  openEach,
  openPlainMail,
  ReportFormFields,
  runningUntil,
} from '../support/report-journey';

jest.setTimeout(180_000);

const ZONE = 'Europe/Berlin';
const LEAD = 'lead@project.example';
const ROSA = 'rosa@researcher.example';
const ANON = 'anon@mailbox.example';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const CREDIT = 'Rosa R. (Example Security Lab)';
const QUESTION = 'Which build flags did you use, and does the 2.4.1 release tarball crash too?';
const ANSWER = 'The default ./configure flags; yes, the 2.4.1 tarball crashes the same way. A trace is attached.';
const REASON =
  'Account lockout is left out on purpose: it lets anyone lock maintainers out. Logins are slowed per address instead.';
/** A proof of concept with bytes no text transfer would keep: the download must give them back exactly. */
const POC = Buffer.concat([Buffer.from('#!/usr/bin/env python3\n# frob PNG chunk overflow\n'), randomBytes(48)]);
const TRACE = Buffer.from('==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011\n');

describe('a vulnerability report, from the form to the embargo (browser)', () => {
  let cordon: OperatedService;
  let browser: Browser;
  const rosaGpg = GpgHome.create();
  const leadGpg = GpgHome.create();
  const visitors: Visitor[] = [];

  let admin: Visitor;
  let rosa: Visitor;
  let anon: Visitor;
  let listKeyFingerprint: string;
  let rosaKeyFingerprint: string;
  let firstRef: string;
  let firstPath: string; // the report's admin page
  let filedBetween: Date[];
  let publicLocal: string; // "YYYY-MM-DDTHH:MM" in ZONE, as the accept form takes it
  let anonLink: string;

  const step = journeySteps(async (name) => {
    for (const visitor of visitors) await screenshot(visitor.page, `failed ${name}`);
  });

  const aVisitor = async () => {
    const visitor = await newVisitor(browser, cordon.url);
    visitors.push(visitor);
    return visitor;
  };

  /** Every mail to the reporter so far (at least `count`), opened by its own gpg. */
  async function rosaReads(count: number): Promise<OpenedMail[]> {
    const mails = await cordon.mailsTo(ROSA, count);
    // Nothing the reporter wrote travels outside the encryption.
    for (const mail of mails) expect(mail.raw).not.toContain('frob image decoder');
    return openEach(rosaGpg, mails, listKeyFingerprint);
  }

  const facts = (page: Page, term: string) => page.locator(`dt:text-is("${term}") + dd`);

  beforeAll(async () => {
    clearScreenshots();
    browser = await launchBrowser();
    cordon = await startOperatedService({ PROJECT_TIME_ZONE: ZONE });
  }, 180_000);

  afterAll(async () => {
    // Each in turn, whatever the one before did: a step that timed out may have left any of them running.
    const stops: (() => Promise<unknown> | undefined)[] = [
      ...visitors.map((visitor) => () => visitor.close()),
      () => browser?.close(),
      () => cordon?.remove(),
      () => rosaGpg.cleanup(),
      () => leadGpg.cleanup(),
    ];
    for (const stop of stops)
      await Promise.resolve()
        .then(stop)
        .catch(() => undefined);
  }, 60_000);

  step('the operator adds a maintainer with the CLI, who enrols in the browser', async () => {
    const lead = await maintainerByCli(cordon, leadGpg, { email: LEAD, name: 'Lead' });
    await leadGpg.importKey(await cordon.cli('list-key', 'export'));
    admin = await aVisitor();
    await enrolInBrowser(admin.page, lead);
    admin.expectNoProblems();
  });

  step('a reporter files a report with a proof of concept and its key; the link is mailed encrypted', async () => {
    rosa = await aVisitor();
    const { page } = rosa;
    await visit(page, '/report');
    expect(await textOf(page.locator('h1'))).toBe('Report a vulnerability');
    expect(await textOf(page.locator('#report-address'))).toBe('distributors-report@example.org');
    // The reporter takes the list key from the page, checks it is the one shown, and keeps it.
    const listKey = await download(page, page.getByRole('link', { name: 'download the list key' }));
    listKeyFingerprint = await fingerprintOfKey(rosaGpg, listKey.bytes.toString('utf8'));
    expect(bareFingerprint(await textOf(page.locator('#list-key-fingerprint')))).toBe(listKeyFingerprint);
    await rosaGpg.importKey(listKey.bytes);

    rosaKeyFingerprint = await rosaGpg.generateKey(ROSA, { userId: `Rosa <${ROSA}>` });
    const report: ReportFormFields = {
      reporterName: 'Rosa',
      contact: ROSA,
      key: await rosaGpg.exportPublic(rosaKeyFingerprint),
      component: 'frob image decoder',
      versions: '2.3.0 up to 2.4.1',
      description: `A heap overflow in the PNG chunk parser ${XSS}`,
      reproduction: 'Run frob-convert on the attached file under ASan.',
      impact: 'Code execution for anyone who converts an untrusted image.',
      thirdParty: 'zlib 1.3 is linked in, but not at fault.',
      alreadyPublic: 'No, as far as I know',
      creditName: CREDIT,
      creditConsent: true,
      attachments: [{ name: 'poc.py', mimeType: 'text/x-python', buffer: POC }],
    };
    await fillReportForm(page, report);
    const before = new Date();
    const filed = await submit(page, page.getByRole('button', { name: 'Send the report' }));
    filedBetween = [before, new Date()];
    expect(filed.status()).toBe(201);
    expect(await textOf(page.locator('h1'))).toBe('Report received');
    firstRef = await textOf(page.locator('#reference'));
    expect(firstRef).toMatch(/^REP-\d+$/);
    // With a key, the link is mailed, never shown.
    expect(await textOf(page.locator('#link-mailed'))).toContain(ROSA);
    expect(bareFingerprint(await textOf(page.locator('#reporter-key-fingerprint')))).toBe(rosaKeyFingerprint);
    expect(await page.locator('#access-link').count()).toBe(0);
    await screenshot(page, 'report-filed-with-key');

    const [receipt, ...more] = await rosaReads(1);
    expect(more).toEqual([]);
    expect(receipt.subject).toBe(`Your vulnerability report ${firstRef}`);
    expect(receipt.text).toContain(`We received your report ${firstRef} about frob image decoder.`);
    linkIn(receipt.text, '/report/access/');
    rosa.expectNoProblems();
  });

  step('the maintainer is told, finds it in the queue with its clocks, and opens it with its file', async () => {
    // Its own gpg reads the notice, among whatever else was mailed to it.
    await eventually(async () => {
      for (const mail of mailTo(cordon.location.dataDir, LEAD)) {
        if ((await openMail(leadGpg, mail)).subject === `New vulnerability report ${firstRef}`) return true;
      }
      return undefined;
    });

    const { page } = admin;
    await submit(page, page.getByRole('navigation').getByRole('link', { name: 'Reports' }));
    expect(new URL(page.url()).pathname).toBe('/admin/reports');
    const row = page.locator(`#report-${firstRef}`);
    expect(await textOf(row.locator('.status'))).toBe('new');
    // README: the first answer is due at the end of the 3rd business day after the day the report
    // came in, the fix 60 days later, both in PROJECT_TIME_ZONE (either day, should midnight pass).
    expect(await textOf(row.locator('td.ack'))).toMatch(runningUntil(filedBetween.map((at) => ackDueDay(at, ZONE))));
    expect(await textOf(row.locator('td.fix'))).toMatch(runningUntil(filedBetween.map((at) => fixDueDay(at, ZONE))));
    await screenshot(page, 'reports-queue');

    await submit(page, row.getByRole('link', { name: firstRef }));
    firstPath = new URL(page.url()).pathname;
    expect(firstPath).toMatch(/^\/admin\/reports\/[0-9a-f-]{36}$/);
    expect(await textOf(page.locator('#report-status'))).toBe('new');
    expect(await textOf(page.locator('#description'))).toBe(`A heap overflow in the PNG chunk parser ${XSS}`);
    expect(await textOf(page.locator('#versions'))).toBe('2.3.0 up to 2.4.1');
    expect(bareFingerprint(await textOf(page.locator('#reporter-key')))).toBe(rosaKeyFingerprint);
    expect(await textOf(page.locator('#credit'))).toBe(`as “${CREDIT}”`);
    const poc = await download(page, page.locator('#report-files').getByRole('link', { name: 'poc.py' }));
    expect(poc.filename).toBe('poc.py');
    expect(poc.bytes.equals(POC)).toBe(true);
    await screenshot(page, 'report-new');
    admin.expectNoProblems();
  });

  step('the maintainer acknowledges it and asks for information; the reporter’s gpg reads both', async () => {
    const { page } = admin;
    await submit(page, page.getByRole('button', { name: 'Acknowledge' }));
    expect(await textOf(page.locator('#done'))).toBe('Acknowledged: the reporter was told.');
    expect(await textOf(page.locator('#report-status'))).toBe('acknowledged');
    expect(await textOf(page.locator('#clock-ack'))).toMatch(/^met /);

    const ask = page.locator('#ask-reporter');
    await ask.getByLabel('Question').fill(QUESTION);
    await submit(page, ask.getByRole('button', { name: 'Ask' }));
    expect(await textOf(page.locator('#done'))).toBe('Your question was sent to the reporter.');
    expect(await textOf(page.locator('#report-status'))).toBe('needs information');
    expect(await textOf(page.locator('#report-history'))).toContain(QUESTION);

    const [, acknowledged, question] = await rosaReads(3);
    expect(acknowledged.text).toContain(`The project's maintainers have acknowledged your report ${firstRef}.`);
    expect(question.text).toContain(`The project's maintainers have a question about your report ${firstRef}:`);
    expect(question.text).toContain(QUESTION);
    admin.expectNoProblems();
  });

  step('the reporter opens its link and answers on its page, with a file', async () => {
    const [, , question] = await rosaReads(3);
    const { page } = rosa;
    await visit(page, linkIn(question.text, '/report/access/'));
    // The token does not stay in the address bar.
    expect(new URL(page.url()).pathname).toBe('/report/status');
    expect(await textOf(page.locator('h1'))).toBe(`Your report ${firstRef}`);
    expect(await textOf(page.locator('#report-status'))).toBe(
      'The maintainers need more information from you: answer below',
    );
    expect(await textOf(page.locator('#history'))).toContain(QUESTION);

    const reply = page.locator('#reply-form');
    await reply.getByLabel('Your message').fill(ANSWER);
    await reply.getByLabel('Attachments').setInputFiles([{ name: 'asan.txt', mimeType: 'text/plain', buffer: TRACE }]);
    await submit(page, reply.getByRole('button', { name: 'Send' }));
    expect(await textOf(page.locator('#notice'))).toBe('Your message was sent to the maintainers.');
    const mine = page.locator('#history li.from-reporter', { hasText: ANSWER });
    expect(await mine.getByRole('link', { name: 'asan.txt' }).count()).toBe(1);
    // The answer gives the report back to the maintainers.
    expect(await textOf(page.locator('#report-status'))).toBe('Acknowledged: the maintainers are looking into it');
    await screenshot(page, 'reporter-answered');
    rosa.expectNoProblems();
  });

  step('the maintainer reads the answer and accepts the report: the embargo exists as agreed', async () => {
    const { page } = admin;
    await visit(page, firstPath);
    expect(await textOf(page.locator('#report-history'))).toContain(ANSWER);
    const trace = await download(page, page.locator('#report-history').getByRole('link', { name: 'asan.txt' }));
    expect(trace.bytes.equals(TRACE)).toBe(true);

    const accept = page.locator('#accept-report');
    // Pre-filled from the report: its component as the title, the project's time zone.
    expect(await accept.getByLabel('Embargo title').inputValue()).toBe('frob image decoder');
    expect(await accept.getByLabel('Time zone').inputValue()).toBe(ZONE);
    // On a working day, whichever day the test runs: a weekend would meet the non-working-day warning.
    publicLocal = onAWeekday(
      DateTime.now().setZone(ZONE).plus({ days: 10 }).set({ hour: 14, minute: 0 }).toFormat("yyyy-MM-dd'T'HH:mm"),
    );
    await accept.getByLabel('Public date and time').fill(publicLocal);
    await accept.getByLabel('Fixed versions').fill('2.4.2');
    await submit(page, accept.getByRole('button', { name: 'Accept and make the embargo' }));
    expect(await textOf(page.locator('#done'))).toBe('Accepted: the embargo is made, and the reporter was told.');
    expect(await textOf(page.locator('#report-status'))).toBe('accepted');
    await screenshot(page, 'report-accepted');

    await submit(page, page.locator('#report-embargo').getByRole('link', { name: /^EMB-\d+$/ }));
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/embargoes\/[0-9a-f-]{36}$/);
    expect(await textOf(page.locator('h1'))).toMatch(/^EMB-\d+: frob image decoder active$/);
    expect(await textOf(page.locator('#public-at'))).toContain(`${publicLocal.replace('T', ' ')} ${ZONE}`);
    expect(await textOf(facts(page, 'Affected'))).toBe('2.3.0 up to 2.4.1');
    expect(await textOf(facts(page, 'Fixed in'))).toBe('2.4.2');
    expect(await textOf(facts(page, 'Reporter'))).toBe(CREDIT);
    // The embargo names the report it was made from, whose date its business-day limit counts from.
    const fromReport = page.locator('#from-report');
    expect(await textOf(fromReport)).toMatch(
      new RegExp(
        `^${firstRef}, received \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC: the business-day limit counts from then$`,
      ),
    );
    expect(await fromReport.getByRole('link', { name: firstRef }).getAttribute('href')).toBe(firstPath);
    await screenshot(page, 'embargo-from-report');
    admin.expectNoProblems();
  });

  step('the reporter’s gpg reads every message it was sent, and its page shows the date and credit', async () => {
    const [receipt, acknowledged, question, accepted, ...more] = await rosaReads(4);
    expect(more).toEqual([]);
    expect([receipt, acknowledged, question, accepted].map((m) => m.subject)).toEqual(
      Array(4).fill(`Your vulnerability report ${firstRef}`),
    );
    expect(accepted.text).toContain(`have accepted your report ${firstRef} as a vulnerability`);
    expect(accepted.text).toContain(`${publicLocal.replace('T', ' ')} ${ZONE}`);
    expect(accepted.text).toContain(`You will be credited as “${CREDIT}”`);
    // Each carries the same way back to the page.
    const links = [receipt, acknowledged, question, accepted].map((m) => linkIn(m.text, '/report/access/'));
    expect(new Set(links).size).toBe(1);

    const { page } = rosa;
    await visit(page, '/report/status');
    expect(await textOf(page.locator('#report-status'))).toBe(
      'Accepted: the maintainers are preparing a fix and its public announcement',
    );
    expect(await textOf(page.locator('#proposed-date'))).toBe(`${publicLocal.replace('T', ' ')} (${ZONE})`);
    expect(await textOf(page.locator('#credit-state'))).toBe(`You are credited as ${CREDIT}.`);
    await screenshot(page, 'reporter-accepted');
    rosa.expectNoProblems();
  });

  step('a reporter without a key sees its link once; its report is rejected with a reason', async () => {
    anon = await aVisitor();
    await visit(anon.page, '/report');
    await fillReportForm(anon.page, {
      reporterName: 'A. Nonymous',
      contact: ANON,
      key: null,
      component: 'frob web console',
      versions: 'all',
      description: 'The login page does not lock an account after failed logins.',
      reproduction: '',
      impact: '',
      thirdParty: '',
      alreadyPublic: 'I am not sure',
      creditName: '',
      creditConsent: false,
      attachments: [],
    });
    expect((await submit(anon.page, anon.page.getByRole('button', { name: 'Send the report' }))).status()).toBe(201);
    const secondRef = await textOf(anon.page.locator('#reference'));
    expect(secondRef).not.toBe(firstRef);
    expect(await textOf(anon.page.locator('#save-link-note'))).toContain('it is shown only this once');
    anonLink = await textOf(anon.page.locator('#access-link'));
    expect(anonLink).toMatch(new RegExp(`^${cordon.url}/report/access/\\S+$`));
    await screenshot(anon.page, 'report-filed-without-key');

    const { page } = admin;
    await visit(page, '/admin/reports');
    const row = page.locator(`#report-${secondRef}`);
    expect(await textOf(row.locator('.status'))).toBe('new');
    await submit(page, row.getByRole('link', { name: secondRef }));
    expect(await textOf(page.locator('#reporter-key'))).toMatch(/^none/);
    const reject = page.locator('#reject-report');
    await reject.getByLabel('Reason').fill('Not a bug');
    const short = await submit(page, reject.getByRole('button', { name: 'Reject' }));
    expect(short.status()).toBe(400);
    expect(await textOf(page.locator('#reason-error'))).toMatch(/at least 10 characters/);
    await page.locator('#reject-report').getByLabel('Reason').fill(REASON);
    await submit(page, page.locator('#reject-report').getByRole('button', { name: 'Reject' }));
    expect(await textOf(page.locator('#done'))).toBe('Rejected: the reason was sent to the reporter.');
    expect(await textOf(page.locator('#report-status'))).toBe('rejected');
    admin.expectNoProblems();
  });

  step('its page shows the rejected reporter the reason; the plain notice carries only the link', async () => {
    const { page } = anon;
    await visit(page, anonLink);
    expect(new URL(page.url()).pathname).toBe('/report/status');
    expect(await textOf(page.locator('#report-status'))).toBe(
      'Not accepted as a vulnerability: see the maintainers’ reason below',
    );
    expect(await textOf(page.locator('#history'))).toContain(REASON);
    expect(await page.locator('#reply-closed').count()).toBe(1);
    await screenshot(page, 'reporter-rejected');

    // Filing without a key mailed nothing (the page showed the link); the rejection, one notice.
    const [mail, ...more] = await cordon.mailsTo(ANON, 1);
    expect(more).toEqual([]);
    const notice = await openPlainMail(mail);
    expect(notice.subject).toMatch(/^News about your vulnerability report REP-\d+$/);
    expect(linkIn(notice.text, '/report/access/')).toBe(anonLink);
    for (const secret of ['Account lockout', 'frob web console', 'does not lock']) {
      expect(mail.raw).not.toContain(secret);
    }
    anon.expectNoProblems();
  });

  step('the embargo’s business-day limit counts from the report’s date', async () => {
    // The embargo's page names the report (above) to the minute; the stored instant, to the
    // microsecond, is read once the service is stopped (the embedded database opens in one process
    // at a time).
    await cordon.service.stop('SIGTERM');
    const [row] = await queryBetweenRuns(
      cordon.location,
      `SELECT r.received_at, e.limit_counted_from FROM report r JOIN embargo e ON e.id = r.embargo_id
        WHERE r.number = $1`,
      [Number(firstRef.slice('REP-'.length))],
    );
    const instant = (at: unknown) => new Date(at as string).toISOString();
    expect(instant(row.limit_counted_from)).toBe(instant(row.received_at));
  });
});
