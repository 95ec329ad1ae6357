/**
 * Membership in a real browser (Debian's chromium through playwright-core), as the people involved
 * see it: a distributor applies and follows the confirmation link it decrypted with GnuPG, a member
 * vouches from the link in its own encrypted mail, a maintainer enrols (password, TOTP) and
 * approves, and the new member is on the members page. Every page visited is saved under
 * test/artifacts/ for a person to look at; every page is watched for console errors, CSP
 * violations and dialogs (test/support/browser.ts); every mail sent is opened by `gpg`.
 */
import type { Browser, Page } from 'playwright-core';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { ImportMember } from '@cordon/membership';
import { addMaintainer, enrolInBrowser, loginInBrowser, MaintainerAccount } from '../support/admin-login';
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
import { pathOf } from '../support/forms';
import { GpgHome } from '../support/gpg';
import { linkIn, mailTo, openMail, SentMail, sentMail } from '../support/mailbox';
import { RunningWebApp, startWebApp } from '../support/web-app';

// Key generation, argon2 and a browser: well over jest's default minute on a slow CI machine.
jest.setTimeout(180_000);

const VOUCHER = 'security@distro-a.example';
const APPLICANT = 'security@newdistro.example';
const HOSTILE = 'security@hostile.example';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

describe('membership in the browser', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let browser: Browser;
  let listFingerprint: string;
  let maintainer: MaintainerAccount;
  const keys: Record<string, string> = {};
  const visitors: Visitor[] = [];

  beforeAll(async () => {
    clearScreenshots();
    // One after the other: if the app fails to start, afterAll still knows the browser to close.
    browser = await launchBrowser();
    web = await startWebApp();
    gpg = GpgHome.create();
    const voucherFpr = await gpg.generateKey(VOUCHER);
    for (const address of [APPLICANT, HOSTILE]) keys[address] = await gpg.exportPublic(await gpg.generateKey(address));
    await web.app.get(ImportMember).execute({
      email: VOUCHER,
      organisation: 'Distro A',
      key: await gpg.exportPublic(voucherFpr),
      acknowledged: true,
    });
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    listFingerprint = (await web.app.get(ListKey).public()).getFingerprint().toUpperCase();
    // Its key made by gpg here, so whatever Cordon mails the maintainer is readable here too.
    maintainer = await addMaintainer(web, { gpg, name: 'Mara Maintainer', email: 'mara@example.org' });
  });

  afterAll(async () => {
    await Promise.allSettled(visitors.map((v) => v.close()));
    await browser?.close();
    await web?.close();
    await gpg?.cleanup();
  });

  /** A new person at the keyboard: own cookies, own page, watched for problems. */
  async function aVisitor(): Promise<Visitor> {
    const visitor = await newVisitor(browser, web.url);
    visitors.push(visitor);
    return visitor;
  }

  /** The delivery worker writes the queued mail out; the newest message to `address`. */
  async function lastMailTo(address: string): Promise<SentMail> {
    await web.app.get(DeliveryWorker).drain();
    const mails = mailTo(web.settings.dataDir, address);
    if (!mails.length) throw new Error(`no mail to ${address}`);
    return mails[mails.length - 1];
  }

  /** Opens a mail with gpg and checks it came from the list, to one recipient. */
  async function decrypted(mail: SentMail) {
    const opened = await openMail(gpg, mail);
    expect({
      file: mail.file,
      good: opened.goodSignature,
      signer: opened.signerFingerprint,
      recipients: opened.recipients.length,
    }).toEqual({
      file: mail.file,
      good: true,
      signer: listFingerprint,
      recipients: 1,
    });
    return opened;
  }

  /** Fills the application form as the applicant would (the key pasted into the text box). */
  async function fillApplication(page: Page, fields: Record<string, string>) {
    for (const [name, value] of Object.entries(fields)) await page.locator(`#${name}`).fill(value);
    await page.getByLabel('I accept the Embargo Policy').check();
  }

  function applicationFields(email: string, text: (s: string) => string = (s) => s): Record<string, string> {
    return {
      organisation: text('New Distro'),
      distribution: text('NewDistro Linux'),
      website: 'https://newdistro.example',
      contactName: text('Nadia Example'),
      contactEmail: email,
      key: keys[email],
      evidence1: text('We ship the project in our main repository since 2019: https://newdistro.example/pkgs'),
      evidence2: text('About 40,000 installations, mostly outside our organisation.'),
      evidence3: text('Advisories: https://newdistro.example/security (latest last month).'),
      evidence4: text('We build from upstream sources with our own patches.'),
      evidence5: text('We send patches upstream and answer on the project forum.'),
      voucherEmail: VOUCHER,
    };
  }

  /** Apply, then confirm from the decrypted mail: returns the private status path. */
  async function applyAndConfirm(applicant: Visitor, email: string, fields: Record<string, string>, shots: boolean) {
    const { page } = applicant;
    const shoot = (name: string) => (shots ? screenshot(page, name) : Promise.resolve());
    await visit(page, '/apply');
    expect(await textOf(page.locator('h1'))).toBe('Apply for membership');
    await fillApplication(page, fields);
    await shoot('apply-form');
    const applied = await submit(page, page.getByRole('button', { name: 'Apply' }));
    expect({ status: applied.status(), errors: await page.locator('.field-error').allInnerTexts() }).toEqual({
      status: 201,
      errors: [],
    });
    expect(await textOf(page.locator('h1'))).toBe('Application received');
    expect(await textOf(page.locator('.notice.ok'))).toContain(`We sent a confirmation link to ${email}`);
    const statusUrl = await textOf(page.locator('#status-link'));
    expect(statusUrl).toMatch(new RegExp(`^${web.url}/apply/status/\\S+$`));
    const statusPath = pathOf(statusUrl);
    await shoot('applied');

    const mail = await lastMailTo(email);
    // The link and the application are inside the encryption only.
    expect(mail.raw).not.toContain('/apply/confirm/');
    expect(mail.raw).not.toContain(fields.organisation);
    const confirmation = await decrypted(mail);
    expect(confirmation.subject).toMatch(/Confirm your application/);
    // The mail repeats the private status link the page showed.
    expect(linkIn(confirmation.text, '/apply/status/')).toBe(`${web.url}${statusPath}`);
    const link = linkIn(confirmation.text, '/apply/confirm/');
    expect(link.startsWith(`${web.url}/apply/confirm/`)).toBe(true);
    await visit(page, pathOf(link));
    expect(await textOf(page.locator('h1'))).toBe('Confirm your application');
    await shoot('confirm');
    const confirmed = await submit(page, page.getByRole('button', { name: 'Confirm my application' }));
    expect(confirmed.status()).toBe(200);
    expect(await textOf(page.locator('h1'))).toBe('Application confirmed');
    expect(await textOf(page.locator('.notice.ok'))).toContain(
      `The application of ${fields.organisation} is confirmed.`,
    );
    await shoot('confirmed');
    return statusPath;
  }

  /** The voucher follows the link in its decrypted mail, and answers. */
  async function vouch(voucher: Visitor, organisation: string, comment: string, shots: boolean) {
    const { page } = voucher;
    const request = await decrypted(await lastMailTo(VOUCHER));
    await visit(page, pathOf(linkIn(request.text, '/vouch/')));
    expect(await textOf(page.locator('h1'))).toBe(`Vouch for ${organisation}`);
    await page.getByLabel('I vouch for them').check();
    await page.locator('#comment').fill(comment);
    if (shots) await screenshot(page, 'vouch');
    const answered = await submit(page, page.getByRole('button', { name: 'Send' }));
    expect(answered.status()).toBe(200);
    expect(await textOf(page.locator('h1'))).toBe('Thank you');
    expect(await textOf(page.locator('.notice.ok'))).toContain('Your vouch is recorded');
    if (shots) await screenshot(page, 'vouched');
  }

  async function statusShown(page: Page, statusPath: string): Promise<string> {
    await visit(page, statusPath);
    return textOf(page.locator('#application-status'));
  }

  it('takes a distributor from the form to the members page, with every mail opened by gpg', async () => {
    const applicant = await aVisitor();
    const statusPath = await applyAndConfirm(applicant, APPLICANT, applicationFields(APPLICANT), true);
    expect(await statusShown(applicant.page, statusPath)).toBe('Waiting for your voucher');
    await screenshot(applicant.page, 'status-awaiting-vouch');

    const voucher = await aVisitor();
    await vouch(voucher, 'New Distro', 'I know their security team.', true);
    expect(await statusShown(applicant.page, statusPath)).toBe('With the maintainers for review');
    await screenshot(applicant.page, 'status-in-review');

    const admin = await aVisitor();
    const { page } = admin;
    await enrolInBrowser(page, maintainer, screenshot);
    expect(new URL(page.url()).pathname).toBe('/admin');
    // The home page lists what waits: the vouched application among it.
    expect(await textOf(page.locator('#waiting'))).toContain('The application of New Distro waits for review');
    await visit(page, '/admin/applications');
    expect(await textOf(page.getByRole('button', { name: /^Log out/ }))).toBe('Log out Mara Maintainer');
    const row = page.locator('tbody tr', { hasText: 'New Distro' });
    expect(await row.count()).toBe(1);
    expect(await textOf(row.locator('.status'))).toBe('in review');
    await screenshot(page, 'application-queue');

    await submit(page, row.getByRole('link', { name: 'New Distro' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/applications\/[0-9a-f-]{36}$/);
    expect(await textOf(page.locator('h1'))).toContain('New Distro');
    expect(await textOf(page.locator('#application-status'))).toBe('in review');
    const main = await textOf(page.locator('main'));
    expect(main).toContain('We ship the project in our main repository since 2019');
    expect(main).toContain('Vouched by Distro A (security@distro-a.example)');
    expect(main).toContain('I know their security team.');
    await screenshot(page, 'review');

    const approved = await submit(page, page.locator('#approve'));
    expect(approved.status()).toBe(200);
    expect(await textOf(page.locator('#application-status'))).toBe('approved');
    expect(await page.locator('#approve').count()).toBe(0);
    await screenshot(page, 'approved');

    await submit(page, page.getByRole('navigation').getByRole('link', { name: 'Members' }));
    expect(new URL(page.url()).pathname).toBe('/admin/members');
    const member = page.locator('tbody tr', { hasText: 'New Distro' });
    expect(await member.count()).toBe(1);
    expect(await textOf(member)).toContain(APPLICANT);
    expect(await textOf(member.locator('.status'))).toBe('active');
    expect(await textOf(page.locator('tbody tr', { hasText: 'Distro A' }).locator('.status'))).toBe('active');
    await screenshot(page, 'members');

    expect(await statusShown(applicant.page, statusPath)).toBe('Approved: you are a member');
    await screenshot(applicant.page, 'status-approved');

    // Every message of the flow: to whom, about what, all opened by gpg, signed by the list.
    await web.app.get(DeliveryWorker).drain();
    const mails = sentMail(web.settings.dataDir);
    const opened = [];
    for (const mail of mails) opened.push({ to: mail.to, subject: (await decrypted(mail)).subject });
    expect(opened).toEqual([
      { to: APPLICANT, subject: expect.stringMatching(/Confirm your application/) },
      { to: VOUCHER, subject: expect.stringMatching(/vouch/i) },
      { to: APPLICANT, subject: expect.stringMatching(/Welcome/) },
      // An approval is a decision the audit log is anchored after: a signed checkpoint to the maintainer.
      { to: 'mara@example.org', subject: expect.stringMatching(/^Audit checkpoint of /) },
    ]);
    for (const visitor of [applicant, voucher, admin]) visitor.expectNoProblems();
  });

  describe('hostile input', () => {
    it('shows script and markup from an applicant and its voucher escaped on the admin review page, and runs none of it', async () => {
      const applicant = await aVisitor();
      const hostile: Record<string, string> = {
        ...applicationFields(HOSTILE, (s) => `${s} ${XSS}`),
        organisation: `Hostile Distro ${XSS}`,
      };
      await applyAndConfirm(applicant, HOSTILE, hostile, false);
      const voucher = await aVisitor();
      await vouch(voucher, hostile.organisation, `Vouch ${XSS}`, false);

      const admin = await aVisitor();
      const { page } = admin;
      // A second login of the maintainer the first test enrolled (or its first, if run alone).
      if (maintainer.totpSecret) await loginInBrowser(page, maintainer, screenshot);
      else await enrolInBrowser(page, maintainer, screenshot);
      // The home page names the organisation as typed, escaped; the queue shows the contact too.
      expect(await textOf(page.locator('#waiting'))).toContain(`The application of ${hostile.organisation} waits`);
      await visit(page, '/admin/applications');
      const row = page.locator('tbody tr', { hasText: HOSTILE });
      expect(await textOf(row.getByRole('link'))).toBe(hostile.organisation);
      await screenshot(page, 'hostile-queue');
      const review = await submit(page, row.getByRole('link'));
      expect(review.status()).toBe(200);
      // Give an injected onerror handler every chance to run before looking.
      await page.waitForLoadState('networkidle');

      const comment = `Comment ${XSS}`;
      await page.locator('#body').fill(comment);
      await submit(page, page.getByRole('button', { name: 'Comment' }));
      await page.waitForLoadState('networkidle');
      await screenshot(page, 'hostile-review');

      // The text appears literally, as the applicant typed it...
      expect(await textOf(page.locator('h1'))).toContain(hostile.organisation);
      expect(await page.title()).toContain(hostile.organisation);
      const main = await textOf(page.locator('main'));
      for (const value of [hostile.distribution, hostile.contactName, `Vouch ${XSS}`, comment])
        expect(main).toContain(value);
      const evidence = await page.locator('p.evidence').allInnerTexts();
      for (const n of [1, 2, 3, 4, 5]) expect(evidence).toContain(hostile[`evidence${n}`]);
      // ...and none of it became markup: no injected element, no dialog (watched by the visitor).
      expect(await page.locator('main script, main img[src="x"], main [onerror]').count()).toBe(0);
      for (const visitor of [applicant, voucher, admin]) visitor.expectNoProblems();

      // The CSP that would stop an injected script even if escaping failed is on the admin pages.
      const csp = review.headers()['content-security-policy'];
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      const pages = { '/admin/applications': admin, '/admin/members': admin, '/admin/login': applicant };
      for (const [path, visitor] of Object.entries(pages)) {
        const response = await visitor.page.request.get(path, { maxRedirects: 0 });
        expect({ path, status: response.status(), csp: response.headers()['content-security-policy'] }).toEqual({
          path,
          status: 200,
          csp,
        });
      }
    });
  });
});
