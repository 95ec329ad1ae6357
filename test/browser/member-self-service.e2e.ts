/**
 * Member self-service in a real browser: a member asks for its link, reads it with its own gpg,
 * signs in, acknowledges the Embargo Policy, objects to an embargo's date and reports a leak.
 * Every page is watched for console errors, CSP violations and dialogs (test/support/browser.ts):
 * script typed into the forms stays text.
 */
import type { Browser } from 'playwright-core';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { ChangeEmbargo } from '@cordon/embargo';
import { ImportMember } from '@cordon/membership';
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
import { GpgHome } from '../support/gpg';
import { linkIn, mailTo, openMail } from '../support/mailbox';
import { RunningWebApp, startWebApp } from '../support/web-app';

jest.setTimeout(180_000);

const MEMBER = 'security@distro-w.example';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

describe('member self-service in the browser', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let browser: Browser;
  let visitor: Visitor | undefined;
  let memberId: string;
  let embargoId: string;

  beforeAll(async () => {
    clearScreenshots();
    browser = await launchBrowser();
    web = await startWebApp();
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    memberId = (
      await web.app.get(ImportMember).execute({
        email: MEMBER,
        organisation: 'Distro W',
        key: await gpg.exportPublic(await gpg.generateKey(MEMBER)),
        acknowledged: false,
      })
    ).id;
    embargoId = (
      await web.app.get(ChangeEmbargo).create(
        {
          title: 'Heap overflow in the parser',
          cveIds: ['CVE-2026-40001'],
          cvssVector: '',
          affectedVersions: '< 2.4',
          fixedVersions: '2.4',
          reporterCredit: '',
          publicAt: inDays(6),
          timeZone: 'UTC',
          overLimitReason: '',
          acceptNonWorkingDay: true,
        },
        '00000000-0000-4000-8000-000000000001',
      )
    ).id;
  });

  afterAll(async () => {
    await visitor?.close();
    await browser?.close();
    await web?.close();
    await gpg?.cleanup();
  });

  it('asks for a link, signs in with it, acknowledges the policy, objects to a date and reports a leak', async () => {
    visitor = await newVisitor(browser, web.url);
    const { page } = visitor;
    const db = web.runtime.database.dataSource;

    await visit(page, '/member');
    expect(await textOf(page.locator('h1'))).toBe('Member sign-in');
    await page.locator('#email').fill(MEMBER);
    await screenshot(page, 'member-sign-in');
    const asked = await submit(page, page.getByRole('button', { name: 'Mail me a link' }));
    expect(asked.status()).toBe(200);
    expect(await textOf(page.locator('#link-sent'))).toContain(`If ${MEMBER} is the address of a member`);

    await web.app.get(DeliveryWorker).drain();
    const mail = await openMail(gpg, mailTo(web.settings.dataDir, MEMBER).at(-1)!);
    expect(mail.goodSignature).toBe(true);
    const link = new URL(linkIn(mail.text, '/member/sign-in/'));
    await visit(page, link.pathname);
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    expect(new URL(page.url()).pathname).toBe('/member/home');
    expect(await textOf(page.locator('h1'))).toBe('Distro W');
    expect(await textOf(page.locator('#policy-state'))).toContain('You have not acknowledged the current version');
    const [policy] = await db.query(`SELECT version, sha256 FROM policy_version ORDER BY version DESC LIMIT 1`);
    expect(await textOf(page.locator('#policy-sha256'))).toBe(policy.sha256);
    await screenshot(page, 'member-home');

    await submit(page, page.getByRole('button', { name: `I acknowledge version ${policy.version} for Distro W` }));
    expect(await textOf(page.locator('#acknowledged-notice'))).toContain(`version ${policy.version} is recorded`);
    expect(await textOf(page.locator('#policy-state'))).toBe('You have acknowledged the current version.');
    expect(await textOf(page.locator('#acknowledgements tbody tr'))).toMatch(/^1\s+[0-9a-f]{16}…\s+self service/);
    await screenshot(page, 'member-acknowledged');

    await submit(
      page,
      page.getByRole('navigation', { name: 'Member pages' }).getByRole('link', { name: 'Embargo dates' }),
    );
    const section = page.locator(`#embargo-${embargoId}`);
    expect(await textOf(section.locator('h2'))).toBe('EMB-1: Heap overflow in the parser');
    await section.getByLabel('I object to this date').check();
    await section.locator('textarea').fill(`Our QA needs two more days ${XSS}`);
    await submit(page, section.getByRole('button', { name: 'Send my answer' }));
    expect(await textOf(page.locator(`#embargo-${embargoId} .your-answer`))).toMatch(/^You object/);
    expect(await page.locator(`#embargo-${embargoId} textarea`).inputValue()).toBe(`Our QA needs two more days ${XSS}`);

    await submit(page, page.getByRole('link', { name: 'Report a leak' }));
    await page.locator('#embargoId').selectOption({ label: 'EMB-1: Heap overflow in the parser' });
    await page.locator('#whatLeaked').fill(`The fix commit ${XSS}`);
    await page.locator('#leakedTo').fill('A public mirror of our build system');
    await page.locator('#evidence').fill('https://mirror.example/commit/abc');
    await page.locator('#selfReported').check();
    await screenshot(page, 'member-leak-form');
    const filed = await submit(page, page.getByRole('button', { name: 'Send the report to the maintainers' }));
    expect(filed.status()).toBe(201);
    const reference = await textOf(page.locator('#leak-reference'));
    await screenshot(page, 'member-leak-filed');

    const [report] = await db.query(
      `SELECT embargo_id, reporter_kind, reporter_member_id, self_reported, what_leaked FROM leak_report WHERE id = $1`,
      [reference],
    );
    expect(report).toEqual({
      embargo_id: embargoId,
      reporter_kind: 'member',
      reporter_member_id: memberId,
      self_reported: true,
      what_leaked: `The fix commit ${XSS}`,
    });
    const [member] = await db.query(`SELECT acknowledged_policy_version FROM member WHERE id = $1`, [memberId]);
    expect(member.acknowledged_policy_version).toBe(policy.version);

    await submit(page, page.getByRole('button', { name: 'Sign out Distro W' }));
    expect(await textOf(page.locator('#signed-out'))).toBe('You are signed out.');
    await visit(page, '/member/home');
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/member?expired=1');
    visitor.expectNoProblems();
  });
});
