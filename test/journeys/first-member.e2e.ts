/**
 * Issue 11, item 2: a new list can take its first member. Approval needs a member's vouch, and a
 * new list has none. As the README tells it ("Two commands"), from an empty data directory:
 * `npm start` (`cordon serve`: it migrates and makes the list key), then, in another terminal with
 * the service running, `cordon maintainer add`; the maintainer enrols from the link it printed
 * (password, then TOTP at the first login); a distributor applies at /apply in a browser and
 * confirms from the link its gpg decrypted; its status page and the maintainer's review page say
 * why it waits; approving without a reason is refused and changes nothing; approving with one
 * makes the first member. From then on, approval needs a vouch again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { enrolInBrowser, MaintainerAccount, MAINTAINER_PASSWORD } from '../support/admin-login';
import { launchBrowser, newVisitor, submit, textOf, visit, Visitor } from '../support/browser';
import { eventually } from '../support/eventually';
import { pathOf } from '../support/forms';
import { GpgHome } from '../support/gpg';
import { linkIn, mailTo, openMail } from '../support/mailbox';
import { freePort } from '../support/ports';
import { cordon, emptyLocation, Location, Service, serviceEnv, startService } from '../support/service';

const LEAD = 'lead@project.example';
const FIRST = 'security@first.example';
const SECOND = 'security@second.example';
const FIRST_MEMBERS = 'This list has no members yet: a maintainer approves the first ones without a vouch';

describe('the first member of a new list', () => {
  jest.setTimeout(300_000);
  let location: Location;
  let operator: string; // the operator's working directory, where its key file is
  let service: Service | undefined;
  let browser: Browser;
  let env: NodeJS.ProcessEnv;
  let url: string;
  const gpg = GpgHome.create();
  const visitors: Visitor[] = [];

  let httpPort: number;

  /** `cordon <args>` in the operator's directory, beside the running service; fails on exit ≠ 0. */
  const run = async (args: string[]) => {
    const done = await cordon(args, { cwd: operator, env });
    if (done.code !== 0) throw new Error(`cordon ${args.join(' ')} failed: ${done.stderr}`);
    return done;
  };

  beforeAll(async () => {
    location = await emptyLocation();
    operator = mkdtempSync(join(tmpdir(), 'cordon-operator-'));
    httpPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    env = serviceEnv(
      location,
      { httpPort, smtpPort: await freePort() },
      { LIST_ADDRESS: 'distributors@example.org', DELIVERY_POLL_MS: '200' },
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await Promise.allSettled(visitors.map((v) => v.close()));
    await browser?.close();
    await service?.stop('SIGKILL');
    rmSync(operator, { recursive: true, force: true });
    await location?.remove();
    await gpg.cleanup();
  });

  async function aVisitor(): Promise<Visitor> {
    const visitor = await newVisitor(browser, url);
    visitors.push(visitor);
    return visitor;
  }

  /** The newest mail to `address` the service wrote under DATA_DIR/outbox, opened by gpg. */
  async function lastMail(address: string, count: number) {
    const mails = await eventually(() => {
      const all = mailTo(location.dataDir, address);
      return all.length >= count ? all : undefined;
    });
    return openMail(gpg, mails[mails.length - 1]);
  }

  async function applyAndConfirm(page: Visitor['page'], email: string, organisation: string): Promise<string> {
    await visit(page, '/apply');
    const fields: Record<string, string> = {
      organisation,
      distribution: `${organisation} Linux`,
      website: 'https://distro.example',
      contactName: 'Nadia Example',
      contactEmail: email,
      key: await gpg.exportPublic(await gpg.generateKey(email)),
      evidence1: 'We ship the project since 2019.',
      evidence2: 'About 40,000 installations.',
      evidence3: 'Advisories: https://distro.example/security',
      evidence4: 'We build from upstream sources.',
      evidence5: 'We send patches upstream.',
      voucherEmail: LEAD,
    };
    for (const [name, value] of Object.entries(fields)) await page.locator(`#${name}`).fill(value);
    await page.getByLabel('I accept the Embargo Policy').check();
    expect((await submit(page, page.getByRole('button', { name: 'Apply' }))).status()).toBe(201);
    const statusPath = pathOf(await textOf(page.locator('#status-link')));
    const confirmation = await lastMail(email, 1);
    await visit(page, pathOf(linkIn(confirmation.text, '/apply/confirm/')));
    expect((await submit(page, page.getByRole('button', { name: 'Confirm my application' }))).status()).toBe(200);
    return statusPath;
  }

  it('is approved without a vouch, with a reason; the next one needs a vouch again', async () => {
    // `npm start` on an empty data directory; then, with the service running, the maintainer.
    service = await startService(env, httpPort);
    const leadFpr = await gpg.generateKey(LEAD);
    writeFileSync(join(operator, 'you.asc'), await gpg.exportPublic(leadFpr));
    const added = await run(['maintainer', 'add', '--email', LEAD, '--name', 'Lead', '--key', 'you.asc']);
    const enrolmentUrl = added.stdout.trim();
    await gpg.importKey((await run(['list-key', 'export'])).stdout);

    // The applicant: the form explains that nobody can vouch yet, and so does the status page.
    const applicant = await aVisitor();
    await visit(applicant.page, '/apply');
    expect(await textOf(applicant.page.locator('#first-members'))).toContain('This list has no members yet');
    const statusPath = await applyAndConfirm(applicant.page, FIRST, 'First Distro');
    await visit(applicant.page, statusPath);
    expect(await textOf(applicant.page.locator('#application-status'))).toBe(FIRST_MEMBERS);

    // The maintainer enrols from the link the CLI printed, and opens the application.
    const account: MaintainerAccount = {
      id: '',
      email: LEAD,
      name: 'Lead',
      password: MAINTAINER_PASSWORD,
      fingerprint: leadFpr,
      enrolmentUrl,
      enrolPath: pathOf(enrolmentUrl),
    };
    const maintainer = await aVisitor();
    const { page } = maintainer;
    await enrolInBrowser(page, account);
    await submit(page, page.getByRole('link', { name: 'First Distro' }));
    const reviewPath = new URL(page.url()).pathname;
    expect(await page.locator('#approve').isDisabled()).toBe(true);
    expect(await textOf(page.locator('#first-member-note'))).toContain('This list has no members yet');

    // Without a reason: refused, and nothing changed.
    const refused = await submit(page, page.locator('#approve-without-vouch'));
    expect(refused.status()).toBe(400);
    expect(await textOf(page.locator('#firstMemberReason-error'))).toContain('A reason');
    await visit(applicant.page, statusPath);
    expect(await textOf(applicant.page.locator('#application-status'))).toBe(FIRST_MEMBERS);

    // With one: the first member, told encrypted; the reason is on the page.
    await page.locator('#firstMemberReason').fill('Known to the security team for years; founding member.');
    const approved = await submit(page, page.locator('#approve-without-vouch'));
    expect(approved.status()).toBe(200);
    expect(await textOf(page.locator('#application-status'))).toBe('approved');
    expect(await textOf(page.locator('main'))).toContain('Known to the security team for years; founding member.');
    expect(await textOf(page.locator('#without-vouch'))).toContain('without a vouch');
    const welcome = await lastMail(FIRST, 2);
    expect(welcome.subject).toBeTruthy();
    await visit(applicant.page, statusPath);
    expect(await textOf(applicant.page.locator('#application-status'))).toBe('Approved: you are a member');

    // The list has a member now: the next applicant waits for a vouch, as the form says.
    const second = await aVisitor();
    await visit(second.page, '/apply');
    expect(await second.page.locator('#first-members').count()).toBe(0);
    const secondStatus = await applyAndConfirm(second.page, SECOND, 'Second Distro');
    await visit(second.page, secondStatus);
    expect(await textOf(second.page.locator('#application-status'))).toBe('Waiting for your voucher');
    await visit(page, '/admin/applications');
    await submit(page, page.getByRole('link', { name: 'Second Distro' }));
    expect(await page.locator('#approve-without-vouch').count()).toBe(0);
    expect(new URL(page.url()).pathname).not.toBe(reviewPath);
  });
});
