/**
 * Leak reports in a real browser: someone files one on the public form; a maintainer files one,
 * triages both (errors beside the fields), and reads the member's history. Script in a report stays
 * text (every page is watched for dialogs, console errors and CSP violations by test/support/browser.ts).
 */
import type { Browser } from 'playwright-core';
import { ListKey } from '@cordon/crypto';
import { ChangeEmbargo } from '@cordon/embargo';
import { ImportMember } from '@cordon/membership';
import { addMaintainer, enrolInBrowser, MaintainerAccount } from '../support/admin-login';
import { launchBrowser, newVisitor, screenshot, submit, textOf, visit, Visitor } from '../support/browser';
import { GpgHome } from '../support/gpg';
import { RunningWebApp, startWebApp } from '../support/web-app';

jest.setTimeout(180_000);

const MEMBER = 'security@distro-l.example';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

describe('leak reports in the browser', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let browser: Browser;
  let maintainer: MaintainerAccount;
  let memberId: string;
  let embargoTag: string;
  const visitors: Visitor[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    web = await startWebApp();
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    memberId = (
      await web.app.get(ImportMember).execute({
        email: MEMBER,
        organisation: `Distro L ${XSS}`,
        key: await gpg.exportPublic(await gpg.generateKey(MEMBER)),
        acknowledged: true,
      })
    ).id;
    maintainer = await addMaintainer(web, { gpg, name: 'Lea Leaks', email: 'lea@example.org' });
    const publicAt = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
    const embargo = await web.app
      .get(ChangeEmbargo)
      .create({ title: 'Heap overflow', publicAt, timeZone: 'UTC', acceptNonWorkingDay: true }, maintainer.id);
    embargoTag = `EMB-${embargo.number}`;
  });

  afterAll(async () => {
    for (const visitor of visitors) await visitor.close();
    await browser?.close();
    await web?.close();
    await gpg?.cleanup();
  });

  it('takes a report from anyone with the link, and answers with a reference only', async () => {
    const visitor = await newVisitor(browser, web.url);
    visitors.push(visitor);
    const { page } = visitor;
    await visit(page, '/leaks/report');
    await page.locator('#whatLeaked').fill(`The heap overflow details ${XSS}`);
    await page.locator('#leakedTo').fill('A paste site');
    await page.locator('#contact').fill('not an address');
    const refused = await submit(page, page.getByRole('button', { name: 'Send the report' }));
    expect(refused.status()).toBe(400);
    expect(await textOf(page.locator('#contact-error'))).toMatch(/e-mail address/);
    expect(await page.locator('#whatLeaked').inputValue()).toBe(`The heap overflow details ${XSS}`);

    await page.locator('#contact').fill('');
    await page.getByLabel('I leaked it myself').check();
    const filed = await submit(page, page.getByRole('button', { name: 'Send the report' }));
    expect(filed.status()).toBe(201);
    expect(await textOf(page.locator('h1'))).toBe('Thank you');
    expect(await textOf(page.locator('#reference'))).toMatch(/^[0-9a-f-]{36}$/);
    expect(await textOf(page.locator('main'))).not.toContain('heap overflow');
    await screenshot(page, 'leak-public-thanks');
    visitor.expectNoProblems();
  });

  it('lets a maintainer file a report, and triage reports: confirm against a member, dismiss, each once', async () => {
    const admin = await newVisitor(browser, web.url);
    visitors.push(admin);
    const { page } = admin;
    await enrolInBrowser(page, maintainer);
    await submit(page, page.getByRole('navigation').getByRole('link', { name: 'Leaks' }));
    expect(new URL(page.url()).pathname).toBe('/admin/leaks');
    const rows = page.locator('#leak-reports tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await textOf(rows.first())).toMatch(/open\s+—\s+public\s+yes/);

    // File one, naming the embargo and a suspect; a date in the future is refused beside its field.
    await page.locator('#embargoId').selectOption({ label: `${embargoTag}: Heap overflow (active)` });
    await page.locator('#whatLeaked').fill(`Exploit code ${XSS}`);
    await page.locator('#leakedTo').fill('A security conference talk');
    await page.locator('#leakedAt').fill(new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 16));
    await page.locator('#suspectedMemberId').selectOption(memberId);
    const future = await submit(page, page.getByRole('button', { name: 'File the report' }));
    expect(future.status()).toBe(400);
    expect(await textOf(page.locator('#leakedAt-error'))).toMatch(/future/);
    expect(await page.locator('#suspectedMemberId').inputValue()).toBe(memberId);
    await page.locator('#leakedAt').fill('2026-01-10T08:00');
    await submit(page, page.getByRole('button', { name: 'File the report' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/leaks\/[0-9a-f-]{36}$/);
    expect(await textOf(page.locator('#what-leaked'))).toBe(`Exploit code ${XSS}`);
    expect(await textOf(page.locator('#reporter'))).toBe('maintainer: Lea Leaks');

    // Confirm it: the picker starts at the suspect; the reason is too short at first.
    expect(await page.locator('#confirm-memberId').inputValue()).toBe(memberId);
    await page.locator('#confirm-reason').fill('short');
    const short = await submit(page, page.getByRole('button', { name: 'Confirm and add a strike' }));
    expect(short.status()).toBe(400);
    expect(await textOf(page.locator('#confirm-reason-error'))).toMatch(/at least 10 characters/);
    await page.locator('#confirm-reason').fill('The talk slides quote their internal advisory.');
    await page.getByLabel('The embargo is broken (it ends now)').check();
    await submit(page, page.getByRole('button', { name: 'Confirm and add a strike' }));
    expect(await textOf(page.locator('#leak-status'))).toBe('confirmed');
    expect(await textOf(page.locator('#attributed-to'))).toBe(`Distro L ${XSS} active`);
    expect(await page.locator('#confirm-leak').count()).toBe(0);
    await screenshot(page, 'leak-confirmed');

    // The public report: shown as text; dismissed once.
    await page.goto('/admin/leaks');
    await submit(page, page.locator('#leak-reports a[href^="/admin/leaks/"]').first());
    expect(await textOf(page.locator('#what-leaked'))).toBe(`The heap overflow details ${XSS}`);
    await page.locator('#dismiss-reason').fill('The paste holds only the public advisory.');
    await submit(page, page.getByRole('button', { name: 'Dismiss' }));
    expect(await textOf(page.locator('#leak-status'))).toBe('dismissed');
    expect(await page.locator('#dismiss-leak').count()).toBe(0);

    // The member's page shows the steps.
    await page.goto(`/admin/members/${memberId}`);
    expect(await textOf(page.locator('#strikes'))).toBe('1');
    const history = await textOf(page.locator('#member-history'));
    const steps = [
      'Was brought over as a member',
      'Acknowledged the Embargo Policy',
      'A leak report',
      'A leak report against it was confirmed',
      'A confirmed leak counted against it',
    ];
    const at = steps.map((step) => history.indexOf(step));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    await screenshot(page, 'leak-member-history');
    admin.expectNoProblems();
  });
});
