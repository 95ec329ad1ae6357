/**
 * Editing an embargo in a real browser (issue 14): a maintainer adds the CVE IDs assigned later and
 * the mitigations on the embargo's page; a hostile reference is refused beside its field with the
 * input kept; the page shows what was saved as text, references as links only when http(s); the
 * member's own gpg reads the encrypted notice of the change. Every page is watched for dialogs,
 * console errors and CSP violations by test/support/browser.ts.
 */
import { DeliveryWorker } from '@cordon/delivery';
import { ChangeEmbargo } from '@cordon/embargo';
import { addMaintainer, enrolInBrowser, MaintainerAccount } from '../support/admin-login';
import { screenshot, submit, textOf, visit } from '../support/browser';
import { browserWorld } from '../support/browser-world';
import { GpgHome } from '../support/gpg';
import { mailTo, openMail } from '../support/mailbox';
import { RunningWebApp } from '../support/web-app';

jest.setTimeout(180_000);

const MEMBER = 'security@distro-e.example';
const HOSTILE = '<img src=x onerror=alert(1)>';
/** Thursday at least a week ahead, 10:00: no weekend or holiday warning to meet. */
const aThursday = () => {
  const day = new Date(Date.now() + 7 * 86_400_000);
  day.setUTCDate(day.getUTCDate() + ((4 - day.getUTCDay() + 7) % 7));
  return `${day.toISOString().slice(0, 10)}T10:00`;
};

describe('editing an embargo in the browser', () => {
  const world = browserWorld();
  let web: RunningWebApp;
  let gpg: GpgHome;
  let maintainer: MaintainerAccount;

  beforeAll(async () => {
    ({ web, gpg } = world);
    await world.member(MEMBER, 'Distro E');
    maintainer = await addMaintainer(web, { gpg, name: 'Edda Editor', email: 'edda@example.org' });
  });

  it('adds CVE IDs and mitigations; the page shows them, and the member is told', async () => {
    const embargo = await web.app
      .get(ChangeEmbargo)
      .create({ title: 'Frame parser overflow', publicAt: aThursday(), timeZone: 'Europe/Berlin' }, maintainer.id);
    const admin = await world.visitor();
    const { page } = admin;
    await enrolInBrowser(page, maintainer);
    await visit(page, `/admin/embargoes/${embargo.id}`);
    const form = page.locator('#edit');
    expect(await form.locator('#title').inputValue()).toBe('Frame parser overflow');

    await form.locator('#cveIds').fill('CVE-2026-31337, CVE-2026-31338');
    await form.locator('#mitigations').fill(`Set frob.max_frame = 4096 ${HOSTILE}`);
    await form.locator('#references').fill('https://frob.example/advisories/1\njavascript:alert(document.domain)');
    const refused = await submit(page, form.getByRole('button', { name: 'Save the changes' }));
    expect(refused.status()).toBe(400);
    expect(await textOf(page.locator('#references-error'))).toBe(
      'javascript:alert(document.domain) is not an http(s) URL.',
    );
    expect(await page.locator('#edit #cveIds').inputValue()).toBe('CVE-2026-31337, CVE-2026-31338');
    expect(await textOf(page.locator('#mitigations').first())).toBe('—'); // nothing was saved
    await screenshot(page, 'embargo-edit-refused');

    await page.locator('#edit #references').fill('https://frob.example/advisories/1');
    await submit(page, page.locator('#edit').getByRole('button', { name: 'Save the changes' }));
    expect(new URL(page.url()).pathname).toBe(`/admin/embargoes/${embargo.id}`);
    const facts = await textOf(page.locator('#embargo-facts'));
    expect(facts).toContain('CVE-2026-31337, CVE-2026-31338');
    expect(await textOf(page.locator('dd#mitigations'))).toBe(`Set frob.max_frame = 4096 ${HOSTILE}`);
    expect(await page.locator('dd#mitigations img').count()).toBe(0);
    const link = page.locator('dd#references a');
    expect(await link.getAttribute('href')).toBe('https://frob.example/advisories/1');
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    await screenshot(page, 'embargo-edited');

    await web.app.get(DeliveryWorker).drain();
    const notice = await openMail(gpg, mailTo(web.settings.dataDir, MEMBER).at(-1)!);
    expect(notice.goodSignature).toBe(true);
    expect(notice.recipients).toHaveLength(1);
    expect(notice.subject).toBe(`[EMB-${embargo.number}] Embargo changed: Frame parser overflow`);
    expect(notice.text).toContain('CVE: CVE-2026-31337, CVE-2026-31338');
    expect(notice.text).toContain(`Mitigations:\nSet frob.max_frame = 4096 ${HOSTILE}`);
  });
});
