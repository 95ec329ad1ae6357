/**
 * A fire drill in a real browser (issue 14): a maintainer starts one from /admin/drills; a member
 * reads its drill mail with its own gpg, signs in and answers with the button at /member/drill;
 * the maintainer's report shows who answered (how) and who has not. Every page is watched for
 * console errors, CSP violations and dialogs (test/support/browser.ts).
 */
import { DeliveryWorker } from '@cordon/delivery';
import { addMaintainer, enrolInBrowser } from '../support/admin-login';
import { screenshot, submit, textOf, visit } from '../support/browser';
import { browserWorld } from '../support/browser-world';
import { GpgHome } from '../support/gpg';
import { linkIn, mailTo, openMail } from '../support/mailbox';
import { RunningWebApp } from '../support/web-app';

jest.setTimeout(180_000);

const ANSWERS = 'security@distro-w.example';
const SILENT = 'security@distro-x.example';

describe('a fire drill in the browser', () => {
  const world = browserWorld();
  let web: RunningWebApp;
  let gpg: GpgHome;

  beforeAll(async () => {
    ({ web, gpg } = world);
    await world.member(ANSWERS, 'Distro W');
    await world.member(SILENT, 'Distro X');
  });

  const visitor = async () => (await world.visitor()).page;

  it('starts a drill, a member answers with the button, and the report shows who answered and who has not', async () => {
    const admin = await visitor();
    await enrolInBrowser(admin, await addMaintainer(web, { gpg, name: 'Dora Drill', email: 'dora@example.org' }));
    await submit(admin, admin.getByRole('navigation').getByRole('link', { name: 'Drills' }));
    expect(await textOf(admin.locator('#no-drills'))).toBe('No drill yet.');
    await submit(admin, admin.getByRole('button', { name: 'Start a drill' }));
    expect(new URL(admin.url()).pathname).toBe('/admin/drills/1');
    expect(await textOf(admin.locator('#answer-rate'))).toBe('0 of 2 (0%)');
    expect(await textOf(admin.locator('#not-answered'))).toMatch(/Distro W[\s\S]*Distro X/);
    await screenshot(admin, 'drill-started');

    // The drill mail, read with the member's own gpg: signed by the list key, saying how to answer.
    await web.app.get(DeliveryWorker).drain();
    const drillMail = await openMail(gpg, mailTo(web.settings.dataDir, ANSWERS).at(-1)!);
    expect(drillMail.goodSignature).toBe(true);
    expect(drillMail.text).toContain('Drill 1 received');
    expect(drillMail.text).toContain(`${web.url}/member/drill`);

    const member = await visitor();
    await visit(member, '/member');
    await member.locator('#email').fill(ANSWERS);
    await submit(member, member.getByRole('button', { name: 'Mail me a link' }));
    await web.app.get(DeliveryWorker).drain();
    const link = new URL(
      linkIn((await openMail(gpg, mailTo(web.settings.dataDir, ANSWERS).at(-1)!)).text, '/member/sign-in/'),
    );
    await visit(member, link.pathname);
    await submit(member, member.getByRole('button', { name: 'Sign in' }));
    await submit(
      member,
      member.getByRole('navigation', { name: 'Member pages' }).getByRole('link', { name: 'Fire drill' }),
    );
    expect(new URL(member.url()).pathname).toBe('/member/drill');
    await screenshot(member, 'member-drill');
    // An answer forged for another drill (the form's hidden number changed) changes nothing.
    await member
      .locator('#drill-1 input[name="number"]')
      .evaluate((input) => ((input as unknown as { value: string }).value = '2'));
    const forged = await submit(member, member.getByRole('button', { name: 'I received drill 1' }));
    expect(forged.status()).toBe(404);
    expect(await textOf(member.locator('#error-summary'))).toContain('There is no running drill 2 sent to you');
    await visit(admin, '/admin/drills/1');
    expect(await textOf(admin.locator('#answer-rate'))).toBe('0 of 2 (0%)');
    await submit(member, member.getByRole('button', { name: 'I received drill 1' }));
    expect(await textOf(member.locator('#drill-1 .status'))).toMatch(/^answered .* UTC \(here\)$/);
    expect(await member.getByRole('button', { name: 'I received drill 1' }).count()).toBe(0);

    await visit(admin, '/admin/drills/1');
    expect(await textOf(admin.locator('#answer-rate'))).toBe('1 of 2 (50%)');
    expect(await textOf(admin.locator('#answered tbody'))).toMatch(
      /Distro W <security@distro-w\.example>.*self-service/,
    );
    expect(await textOf(admin.locator('#not-answered'))).toBe('Distro X <security@distro-x.example>');
    expect(await textOf(admin.locator('#no-failed-copies'))).toBe('No copy failed or bounced.');
    await screenshot(admin, 'drill-report');
    await visit(admin, '/admin/drills');
    expect(await textOf(admin.locator('#drills tbody tr'))).toMatch(/Drill 1.*running\s+2\s+1 \(50%\)/);
    world.expectNoProblems();
  });
});
