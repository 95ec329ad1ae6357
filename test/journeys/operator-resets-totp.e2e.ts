/**
 * Issue 11, the README's "Recovery codes and a lost authenticator", on a list with a single
 * maintainer: nobody in the admin UI can reset its authenticator (the maintainers page says so and
 * names the command), so the operator runs `cordon maintainer reset-totp ADDRESS` beside the
 * running service. The maintainer's open session ends at once, and it comes back through the
 * enrolment link mailed to it, opened with its own `gpg`. An unknown address is refused and
 * changes nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { agentLogin, MaintainerAccount, MAINTAINER_PASSWORD } from '../support/admin-login';
import { eventually } from '../support/eventually';
import { GpgHome } from '../support/gpg';
import { linkIn, mailTo, openMail } from '../support/mailbox';
import { freePort } from '../support/ports';
import { cordon, emptyLocation, Location, Service, serviceEnv, startService } from '../support/service';

const LEAD = 'lead@project.example';

describe('the operator resets the authenticator of a lone maintainer', () => {
  jest.setTimeout(240_000);
  let location: Location;
  let operator: string;
  let env: NodeJS.ProcessEnv;
  let url: string;
  let service: Service | undefined;
  let gpg: GpgHome | undefined;

  const cli = (...args: string[]) => cordon(args, { cwd: operator, env });

  beforeAll(async () => {
    location = await emptyLocation();
    operator = mkdtempSync(join(tmpdir(), 'cordon-operator-'));
    const httpPort = await freePort();
    const smtpPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    env = serviceEnv(
      location,
      { httpPort, smtpPort },
      { LIST_ADDRESS: 'distributors@example.org', DELIVERY_POLL_MS: '200' },
    );
    service = await startService(env, httpPort);
  }, 180_000);

  afterAll(async () => {
    await service?.stop('SIGKILL');
    await gpg?.cleanup();
    rmSync(operator, { recursive: true, force: true });
    await location?.remove();
  }, 60_000);

  it('resets it with the CLI; the maintainer re-enrols from the link mailed to its key', async () => {
    gpg = GpgHome.create();
    const fingerprint = await gpg.generateKey(LEAD);
    writeFileSync(join(operator, 'lead.asc'), await gpg.exportPublic(fingerprint));
    const added = await cli('maintainer', 'add', '--email', LEAD, '--name', 'Lead', '--key', 'lead.asc');
    expect(added.code).toBe(0);
    const account: MaintainerAccount = {
      id: '',
      email: LEAD,
      name: 'Lead',
      password: MAINTAINER_PASSWORD,
      fingerprint,
      enrolmentUrl: added.stdout.trim(),
      enrolPath: new URL(added.stdout.trim()).pathname,
    };
    const session = await agentLogin({ url }, account);
    const page = await session.get('/admin/maintainers');
    expect(page.text).toContain('You are the only active maintainer');
    expect(page.text).toContain(`cordon maintainer reset-totp ${LEAD}`);
    await gpg.importKey((await cli('list-key', 'export')).stdout);

    const unknown = await cli('maintainer', 'reset-totp', 'nobody@project.example');
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toContain('There is no such maintainer');
    expect((await session.get('/admin/maintainers')).status).toBe(200);

    const reset = await cli('maintainer', 'reset-totp', LEAD);
    expect([reset.code, reset.stdout, reset.stderr]).toEqual([
      0,
      `${LEAD}: authenticator reset. A new enrolment link was mailed, encrypted to its key.\n`,
      '',
    ]);
    expect(await session.get('/admin/maintainers')).toMatchObject({
      status: 303,
      headers: { location: '/admin/login' },
    });

    const mails = await eventually(() => {
      const all = mailTo(location.dataDir, LEAD);
      return all.length ? all : undefined;
    });
    const opened = await openMail(gpg, mails[mails.length - 1]);
    expect(opened.subject).toMatch(/authenticator .* was reset/);
    expect(opened.text).toContain('The operator reset the second login factor');
    const link = linkIn(opened.text, '/admin/enrol/');
    const again = await agentLogin(
      { url },
      { ...account, enrolmentUrl: link, enrolPath: new URL(link).pathname, totpSecret: undefined },
    );
    expect((await again.get('/admin/maintainers')).status).toBe(200);
    await request(url).get(new URL(link).pathname).expect(410);
  });
});
