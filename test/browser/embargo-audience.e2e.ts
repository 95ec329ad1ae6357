/**
 * An embargo's audience in a real browser (issue 14, "An audience per embargo"): a member states
 * the products it ships in self-service; a maintainer records an embargo for its affected products'
 * shippers, is warned while nobody is in its audience, names a product and sees who it reaches and
 * why, includes and excludes members by hand, and corrects a member's products. A bad product name
 * is refused beside its field, the input kept and nothing changed. Every page is watched for
 * console errors, CSP violations and dialogs (test/support/browser.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { ListKey } from '@cordon/crypto';
import { ImportMember } from '@cordon/membership';
import { addMaintainer, enrolInBrowser } from '../support/admin-login';
import { launchBrowser, newVisitor, screenshot, submit, textOf, visit, Visitor } from '../support/browser';
import { GpgHome } from '../support/gpg';
import { anOpenpgpKey } from '../support/keys';
import { signInMemberInBrowser } from '../support/member-browser';
import { onAWeekday } from '../support/working-days';
import { RunningWebApp, startWebApp } from '../support/web-app';

jest.setTimeout(180_000);

const SHIPPER = 'security@distro-a.example';
const OTHER = 'security@distro-b.example';
/** "YYYY-MM-DDTHH:MM", UTC, `days` ahead or the Monday after (a weekend is no public moment). */
const weekdayIn = (days: number) => onAWeekday(new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16));

describe("an embargo's audience in the browser", () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let browser: Browser;
  const visitors: Visitor[] = [];
  let shipperId: string;
  let otherId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    web = await startWebApp();
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    const importMember = web.app.get(ImportMember);
    shipperId = (
      await importMember.execute({
        email: SHIPPER,
        organisation: 'Distro A',
        key: await gpg.exportPublic(await gpg.generateKey(SHIPPER)),
        acknowledged: true,
      })
    ).id;
    otherId = (
      await importMember.execute({
        email: OTHER,
        organisation: 'Distro B',
        key: (await anOpenpgpKey(OTHER)).publicKey,
        acknowledged: true,
      })
    ).id;
  });

  afterAll(async () => {
    for (const visitor of visitors) await visitor.close();
    await browser?.close();
    await web?.close();
    await gpg?.cleanup();
  });

  async function visitor(): Promise<Page> {
    const made = await newVisitor(browser, web.url);
    visitors.push(made);
    return made.page;
  }

  /** The member's row in the audience table: in or out, and why. */
  async function row(page: Page, memberId: string): Promise<[string, string]> {
    const tr = page.locator(`#audience-${memberId}`);
    return [await textOf(tr.locator('.in-audience')), await textOf(tr.locator('.why'))];
  }

  it('a member states the products it ships; a bad name is refused beside the field and changes nothing', async () => {
    const page = await visitor();
    await signInMemberInBrowser(page, web, gpg, SHIPPER);
    await submit(page, page.getByRole('navigation', { name: 'Member pages' }).getByRole('link', { name: 'Products' }));
    expect(await textOf(page.locator('h1'))).toBe('Your products');

    await page.locator('#products').fill('OpenSSL\n<script>alert(1)</script>');
    const refused = await submit(page, page.getByRole('button', { name: 'Save my products' }));
    expect(refused.status()).toBe(400);
    expect(await textOf(page.locator('#products-error'))).toMatch(/is not a product name/);
    expect(await page.locator('#products').inputValue()).toBe('OpenSSL\n<script>alert(1)</script>');
    await screenshot(page, 'member-products-refused');

    await page.locator('#products').fill('OpenSSL\nzlib, curl\n');
    await submit(page, page.getByRole('button', { name: 'Save my products' }));
    expect(await textOf(page.locator('#products-saved'))).toMatch(/^Saved/);
    expect(await page.locator('#products').inputValue()).toBe('curl\nopenssl\nzlib');
    await screenshot(page, 'member-products-saved');
  });

  it('a maintainer records an embargo for its shippers, names its products, includes and excludes members', async () => {
    const page = await visitor();
    const maintainer = await addMaintainer(web, { name: 'Ada Audience' });
    await enrolInBrowser(page, maintainer);
    await submit(page, page.getByRole('navigation').getByRole('link', { name: 'Embargoes' }));
    await page.locator('#title').fill('Use after free in the XML parser');
    await page.locator('#publicAt').fill(weekdayIn(7));
    await page.locator('#products').fill('libxml2');
    await page.getByLabel('Only the members that ship an affected product').check();
    await submit(page, page.getByRole('button', { name: 'Record embargo' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/embargoes\/[0-9a-f-]{36}$/);
    const embargoPath = new URL(page.url()).pathname;

    // Nobody ships libxml2: the page says so loudly, before anything is posted.
    expect(await textOf(page.locator('#audience-empty'))).toMatch(/^Nobody is in this embargo's audience/);
    expect(await textOf(page.locator('#audience-products'))).toBe('libxml2');
    expect(await row(page, shipperId)).toEqual(['out', 'ships no affected product']);
    await screenshot(page, 'audience-empty');

    await page.locator('#products').fill('libxml2\nOpenSSL');
    await submit(page, page.getByRole('button', { name: 'Save the audience' }));
    expect(new URL(page.url()).pathname).toBe(embargoPath);
    expect(await page.locator('#audience-empty').count()).toBe(0);
    expect(await textOf(page.locator('#audience-count'))).toBe('1 of 2 members; 1 of them receives list mail now');
    expect(await row(page, shipperId)).toEqual(['in', 'ships openssl']);
    expect(await row(page, otherId)).toEqual(['out', 'ships no affected product']);

    await submit(page, page.locator(`#audience-${otherId}`).getByRole('button', { name: 'Include' }));
    expect(await row(page, otherId)).toEqual(['in', 'included by a maintainer']);
    await submit(page, page.locator(`#audience-${shipperId}`).getByRole('button', { name: 'Exclude' }));
    expect(await row(page, shipperId)).toEqual(['out', 'excluded by a maintainer']);
    await screenshot(page, 'audience-picked');
    await submit(page, page.locator(`#audience-${shipperId}`).getByRole('button', { name: 'Undo the exclusion' }));
    expect(await row(page, shipperId)).toEqual(['in', 'ships openssl']);

    // A bad name: refused beside the field, on the audience's page, the text kept; nothing changed.
    await page.locator('#products').fill('openssl\nnot a product');
    const refused = await submit(page, page.getByRole('button', { name: 'Save the audience' }));
    expect(refused.status()).toBe(400);
    expect(await textOf(page.locator('#products-error'))).toMatch(/is not a product name/);
    expect(await page.locator('#products').inputValue()).toBe('openssl\nnot a product');
    await screenshot(page, 'audience-refused');
    await visit(page, embargoPath);
    expect(await textOf(page.locator('#audience-products'))).toBe('libxml2, openssl');

    // The member's own page shows what it ships, and a maintainer may correct it.
    await visit(page, `/admin/members/${otherId}`);
    expect(await textOf(page.locator('#member-products'))).toMatch(/^None stated/);
    await page.locator('#products').fill('libxml2');
    await submit(page, page.getByRole('button', { name: 'Save the products' }));
    expect(await textOf(page.locator('#member-products'))).toBe('libxml2');
    await visit(page, embargoPath);
    expect(await row(page, otherId)).toEqual(['in', 'included by a maintainer']);
    for (const each of visitors) each.expectNoProblems();
  });
});
