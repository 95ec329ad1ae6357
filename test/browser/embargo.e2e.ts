/**
 * Embargoes in a real browser, as a maintainer records, extends and lifts one; the member's own
 * gpg reads the notices. Script in a title stays text (every page is watched for dialogs, console
 * errors and CSP violations by test/support/browser.ts).
 */
import { DeliveryWorker } from '@cordon/delivery';
import { addMaintainer, enrolInBrowser, MaintainerAccount } from '../support/admin-login';
import { screenshot, submit, textOf } from '../support/browser';
import { browserWorld } from '../support/browser-world';
import { GpgHome } from '../support/gpg';
import { mailTo, openMail } from '../support/mailbox';
import { RunningWebApp } from '../support/web-app';
import { onAWeekday } from '../support/working-days';

jest.setTimeout(180_000);

const MEMBER = 'security@distro-b.example';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
/** "YYYY-MM-DDTHH:MM" `days` from now, in UTC: what a datetime-local field takes. */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

describe('embargoes in the browser', () => {
  const world = browserWorld();
  let web: RunningWebApp;
  let gpg: GpgHome;
  let maintainer: MaintainerAccount;

  beforeAll(async () => {
    ({ web, gpg } = world);
    await world.member(MEMBER, 'Distro B');
    maintainer = await addMaintainer(web, { gpg, name: 'Emil Embargo', email: 'emil@example.org' });
  });

  async function memberReads(): Promise<{ subject: string; text: string }> {
    await web.app.get(DeliveryWorker).drain();
    const mail = mailTo(web.settings.dataDir, MEMBER).at(-1)!;
    const opened = await openMail(gpg, mail);
    expect(opened.goodSignature).toBe(true);
    expect(opened.recipients).toHaveLength(1);
    return opened;
  }

  it('records an embargo (errors beside the fields, input kept), extends it and lifts it, telling the member', async () => {
    const admin = await world.visitor();
    const { page } = admin;
    await enrolInBrowser(page, maintainer);
    await submit(page, page.getByRole('navigation').getByRole('link', { name: 'Embargoes' }));
    expect(new URL(page.url()).pathname).toBe('/admin/embargoes');

    await page.locator('#title').fill(`Parser overflow ${XSS}`);
    await page.locator('#cveIds').fill('CVE-2026-31337');
    await page.locator('#cvssVector').fill('CVSS:3.1/AV:N');
    const recorded = onAWeekday(inDays(7));
    await page.locator('#publicAt').fill(recorded);
    const refused = await submit(page, page.getByRole('button', { name: 'Record embargo' }));
    expect(refused.status()).toBe(400);
    expect(await textOf(page.locator('#cvssVector-error'))).toMatch(/base metrics .* missing/);
    expect(await page.locator('#title').inputValue()).toBe(`Parser overflow ${XSS}`);
    await screenshot(page, 'embargo-refused');

    await page.locator('#cvssVector').fill('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
    await page.locator('#publicAt').fill(recorded);
    await submit(page, page.getByRole('button', { name: 'Record embargo' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/embargoes\/[0-9a-f-]{36}$/);
    expect(await textOf(page.locator('h1'))).toContain(`Parser overflow ${XSS}`);
    expect(await textOf(page.locator('main'))).toContain('9.3 Critical');
    // A week ahead is five business days; four if midnight (UTC) passed since the form was filled;
    // six when run on a weekend (the moment moved to Monday).
    expect(await textOf(page.locator('#clock'))).toMatch(/^[456] business days left$/);
    const tag = /^(EMB-\d+):/.exec(await textOf(page.locator('h1')))![1];
    await screenshot(page, 'embargo-recorded');

    // Two days after the recorded moment, on a weekday: always later (a Saturday run moves both
    // "in 7 days" and "in 9 days" to the same Monday).
    const later = onAWeekday(new Date(Date.parse(`${recorded}:00Z`) + 2 * 86_400_000).toISOString().slice(0, 16));
    await page.locator('#publicAt').fill(later);
    await page.locator('#reason').fill('Two distributions need two more days to test.');
    await submit(page, page.getByRole('button', { name: 'Extend and tell the members' }));
    expect(await textOf(page.locator('#embargo-status'))).toBe('active');
    expect(await textOf(page.locator('#public-at'))).toContain(`${later.replace('T', ' ')} UTC`);
    const extended = await memberReads();
    expect(extended.subject).toBe(`[${tag}] Embargo extended: Parser overflow ${XSS}`);
    expect(extended.text).toContain('Two distributions need two more days to test.');

    await submit(page, page.getByRole('button', { name: 'Lift the embargo' }));
    expect(await textOf(page.locator('#embargo-status'))).toBe('lifted');
    expect(await page.getByRole('button', { name: 'Lift the embargo' }).count()).toBe(0);
    expect((await memberReads()).text).toMatch(/is lifted: the information is public now/);
    await screenshot(page, 'embargo-lifted');

    await submit(page, page.getByRole('navigation').getByRole('link', { name: 'Embargoes' }));
    const row = page.locator('tbody tr', { hasText: tag });
    expect(await textOf(row.locator('.status'))).toBe('lifted');
  });
});
