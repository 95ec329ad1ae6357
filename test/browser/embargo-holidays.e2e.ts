/**
 * Public moments people can live with, in a real browser (issue 14; README, PUBLIC_HOLIDAYS): the
 * form to record an embargo questions a Saturday and offers the Monday after at the same local time,
 * which one click takes; extending to a listed holiday can be kept anyway, and the page says so.
 */
import { addMaintainer, enrolInBrowser, MaintainerAccount } from '../support/admin-login';
import { screenshot, submit, textOf } from '../support/browser';
import { browserWorld } from '../support/browser-world';
import { RunningWebApp } from '../support/web-app';

jest.setTimeout(180_000);

describe('non-working public moments in the browser', () => {
  const world = browserWorld({ PUBLIC_HOLIDAYS: 'DE' });
  let web: RunningWebApp;
  let maintainer: MaintainerAccount;

  beforeAll(async () => {
    web = world.web;
    maintainer = await addMaintainer(web, { gpg: world.gpg, name: 'Hanna Holiday', email: 'hanna@example.org' });
  });

  it('warns on a Saturday, takes the Monday offered, and keeps a holiday when told to', async () => {
    const admin = await world.visitor();
    const { page } = admin;
    await enrolInBrowser(page, maintainer);
    await page.goto(`${web.url}/admin/embargoes`);

    await page.locator('#title').fill('Overflow in libweekend');
    await page.locator('#publicAt').fill('2099-01-10T14:00'); // a Saturday
    await page.locator('#timeZone').fill('Europe/Berlin');
    await page.locator('#overLimitReason').fill('A release train far away.');
    const warned = await submit(page, page.getByRole('button', { name: 'Record embargo' }));
    expect(warned.status()).toBe(422);
    expect(await textOf(page.locator('#non-working-day p'))).toBe(
      'Saturday 2099-01-10 is a weekend day in Europe/Berlin. The next working day is Monday 2099-01-12 at 14:00; use it, or keep the date anyway.',
    );
    // What was typed is kept, and nothing is recorded yet.
    expect(await page.locator('#title').inputValue()).toBe('Overflow in libweekend');
    expect(await page.locator('#publicAt').inputValue()).toBe('2099-01-10T14:00');
    expect(await page.locator('table tbody tr').count()).toBe(0);
    await screenshot(page, 'embargo-weekend-warning');

    await submit(page, page.getByRole('button', { name: 'Use Monday 2099-01-12 14:00' }));
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/embargoes\/[0-9a-f-]{36}$/);
    expect(await textOf(page.locator('#public-at'))).toBe('2099-01-12 14:00 Europe/Berlin (13:00 UTC)');

    // Christmas Day 2099 is a Friday, a holiday in DE: the extension is questioned, then kept.
    await page.locator('#publicAt').fill('2099-12-25T10:00');
    await page.locator('#reason').fill('The fix needs the whole year.');
    const questioned = await submit(page, page.getByRole('button', { name: 'Extend and tell the members' }));
    expect(questioned.status()).toBe(422);
    expect(await textOf(page.locator('#non-working-day p'))).toContain(
      'Friday 2099-12-25 (Christmas Day) is a public holiday in Europe/Berlin. The next working day is Monday 2099-12-28 at 10:00',
    );
    await submit(page, page.getByRole('button', { name: 'Keep the date anyway' }));
    expect(await textOf(page.locator('#public-at'))).toBe('2099-12-25 10:00 Europe/Berlin (09:00 UTC)');
    expect(await page.locator('#non-working-day').count()).toBe(0);
  });
});
