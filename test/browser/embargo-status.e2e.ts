/**
 * Each member's status per embargo in a real browser (issue 14): a member in the embargo's
 * audience states it on its embargoes page (a version with markup is refused beside its field,
 * the input kept, nothing changed), and a maintainer sees the matrix on the embargo's page: who
 * answered what, and who has not. Every page is watched for console errors, CSP violations and
 * dialogs (test/support/browser.ts).
 */
import { ChangeEmbargo, Embargo } from '@cordon/embargo';
import { ImportMember } from '@cordon/membership';
import { addMaintainer, enrolInBrowser } from '../support/admin-login';
import { screenshot, submit, textOf, visit } from '../support/browser';
import { browserWorld } from '../support/browser-world';
import { GpgHome } from '../support/gpg';
import { anOpenpgpKey } from '../support/keys';
import { signInMemberInBrowser } from '../support/member-browser';
import { RunningWebApp } from '../support/web-app';

jest.setTimeout(180_000);

const ANSWERING = 'security@distro-a.example';
const SILENT = 'security@distro-b.example';

describe('member statuses per embargo in the browser', () => {
  const world = browserWorld();
  let web: RunningWebApp;
  let gpg: GpgHome;
  let embargo: Embargo;
  const ids = { answering: '', silent: '' };

  beforeAll(async () => {
    ({ web, gpg } = world);
    ids.answering = await world.member(ANSWERING, 'Distro A');
    // A key made in-process: this member never reads its mail here.
    const other = (await anOpenpgpKey(SILENT)).publicKey;
    ids.silent = (
      await web.app
        .get(ImportMember)
        .execute({ email: SILENT, organisation: 'Distro B', key: other, acknowledged: true })
    ).id;
    const publicAt = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
    const input = { title: 'Overflow in libfoo', publicAt, timeZone: 'Europe/Berlin' };
    const maintainer = '00000000-0000-4000-8000-000000000001';
    embargo = await web.app
      .get(ChangeEmbargo)
      .create({ ...input, acceptNonWorkingDay: true } as typeof input, maintainer);
  });

  const visitor = async () => (await world.visitor()).page;

  it('a member in the audience states its status; a bad version is refused beside its field', async () => {
    const page = await visitor();
    await signInMemberInBrowser(page, web, gpg, ANSWERING);
    await visit(page, '/member/embargoes');
    const section = page.locator(`#embargo-${embargo.id}`);
    expect(await textOf(section.locator('.your-status'))).toBe('Now: no answer yet');

    await section.getByLabel('Fixed in the version below').check();
    await section.locator(`#fixed-${embargo.id}`).fill('<b>1.2</b>');
    const refused = await submit(page, section.getByRole('button', { name: 'Save my status' }));
    expect(refused.status()).toBe(400);
    expect(await textOf(section.locator('.status-form .field-error'))).toMatch(/version that fixes it/);
    expect(await section.locator(`#fixed-${embargo.id}`).inputValue()).toBe('<b>1.2</b>');
    await screenshot(page, 'member-status-refused');

    await section.locator(`#fixed-${embargo.id}`).fill('1.2.4-1');
    await submit(page, section.getByRole('button', { name: 'Save my status' }));
    expect(new URL(page.url()).search).toBe(`?stated=${embargo.id}`);
    expect(await textOf(section.locator('.your-status'))).toMatch(/^Now: fixed in 1\.2\.4-1 \(/);
    await screenshot(page, 'member-status-saved');

    await section.getByLabel('Will publish at the moment below').check();
    await section.locator(`#publish-${embargo.id}`).fill('2031-01-10T14:00');
    await submit(page, section.getByRole('button', { name: 'Save my status' }));
    expect(await textOf(section.locator('.your-status'))).toMatch(
      /^Now: will publish at 2031-01-10 14:00 Europe\/Berlin/,
    );
  });

  it('a maintainer sees who answered what, and who has not', async () => {
    const page = await visitor();
    await enrolInBrowser(page, await addMaintainer(web, { name: 'Mia Matrix' }));
    await visit(page, `/admin/embargoes/${embargo.id}`);
    const matrix = page.locator('#status-matrix');
    expect(await textOf(matrix.locator('#status-counts'))).toMatch(/^1 answered, 1 not yet\./);
    const rows = matrix.locator('#statuses tbody tr');
    // Whom to chase first.
    expect(await rows.first().getAttribute('data-member')).toBe(ids.silent);
    expect(await textOf(rows.first().locator('td').nth(1))).toBe('no answer');
    const answered = matrix.locator(`tr[data-member="${ids.answering}"]`);
    expect(await textOf(answered.locator('td').nth(1))).toBe('will publish at 2031-01-10 13:00 UTC');
    expect(await textOf(answered.locator('td').nth(2))).toBe('self service');
    await screenshot(page, 'admin-status-matrix');
  });
});
