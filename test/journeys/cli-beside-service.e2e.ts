/**
 * Issue 11, item 1: every CLI command works beside a running `npm start` (`cordon serve`), as the
 * README's next steps have it, from a fresh data directory, touching only what the operator
 * touches: the service and the CLI as child processes, files in the operator's own directory,
 * SMTP, HTTP. On the embedded database the service runs the CLI's commands (over DATA_DIR's
 * socket); on PostgreSQL (DATABASE_URL set) the CLI opens its own connection, and all of this holds
 * the same. Only `restore` wants the service stopped, and says so.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { readKey } from 'openpgp';
import { thunderbirdPost } from '../support/client-mail';
import { eventually } from '../support/eventually';
import { anOpenpgpKey } from '../support/keys';
import { mailTo } from '../support/mailbox';
import { freePort } from '../support/ports';
import { cordon, emptyLocation, Location, Run, Service, serviceEnv, startService } from '../support/service';

const LIST = 'distributors@example.org';

describe('the CLI beside a running service', () => {
  jest.setTimeout(240_000);
  let location: Location;
  let operator: string; // the operator's working directory, not the service's
  let env: NodeJS.ProcessEnv;
  let httpPort: number;
  let smtpPort: number;
  let service: Service | undefined;

  const cli = (...args: string[]) => cordon(args, { cwd: operator, env });
  const socket = () => join(location.dataDir, 'cordon.sock');
  const oneLine = (run: Run) => run.stderr.trim().split('\n');
  const start = async () => (service = await startService(env, httpPort));

  beforeAll(async () => {
    location = await emptyLocation();
    operator = mkdtempSync(join(tmpdir(), 'cordon-operator-'));
    httpPort = await freePort();
    smtpPort = await freePort();
    env = serviceEnv(location, { httpPort, smtpPort }, { LIST_ADDRESS: LIST, DELIVERY_POLL_MS: '200' });
    await start();
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
    rmSync(operator, { recursive: true, force: true });
    await location?.remove();
  });

  it('adds a maintainer and exports the list key while the service runs (the README after `npm start`)', async () => {
    writeFileSync(join(operator, 'you.asc'), (await anOpenpgpKey('lead@project.example')).publicKey);
    // A relative --key: found in the operator's directory, not the service's.
    const added = await cli(...'maintainer add --email lead@project.example --name Lead --key you.asc'.split(' '));
    expect(added.code).toBe(0);
    const link = /^http:\/\/127\.0\.0\.1:\d+\/admin\/enrol\/[A-Za-z0-9_-]{40,}$/m.exec(added.stdout)?.[0];
    expect(link).toBeDefined();
    // The running service knows the maintainer at once: its enrolment page opens.
    expect((await fetch(link!)).status).toBe(200);

    const exported = await cli('list-key', 'export');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const init = await cli('init');
    expect(init.code).toBe(0);
    const fingerprint = (await readKey({ armoredKey: exported.stdout })).getFingerprint().toUpperCase();
    expect(init.stdout).toBe(`${fingerprint}\n`);
    if (!location.databaseUrl) expect(existsSync(socket())).toBe(true);
  });

  it('adopts a list key and a member beside the service, which then relays a post encrypted to that key', async () => {
    const listKey = await anOpenpgpKey(LIST, 'Adopted list key');
    writeFileSync(join(operator, 'list.sec.asc'), listKey.privateKey.armor(), { mode: 0o600 });
    const adopted = await cli('list-key', 'import', 'list.sec.asc', '--replace');
    expect([adopted.code, adopted.stderr]).toEqual([0, '']);
    expect(adopted.stdout).toBe(`${listKey.fingerprint}\n`);

    const member = await anOpenpgpKey('sec@alpha.example');
    writeFileSync(join(operator, 'alpha.asc'), member.publicKey);
    const imported = await cli(
      'member',
      'import',
      '--email',
      'sec@alpha.example',
      '--org',
      'Alpha',
      '--key',
      'alpha.asc',
      '--acknowledged',
    );
    expect(imported.code).toBe(0);

    // The maintainer posts as a mail client does: to the key `list-key export` gives now.
    const exported = await cli('list-key', 'export');
    const post = await thunderbirdPost({
      from: { name: 'Lead', address: 'lead@project.example' },
      to: LIST,
      subject: 'Parser overflow',
      text: 'Please keep this until Tuesday.',
      signer: (await anOpenpgpKey('lead@project.example')).privateKey,
      listKey: await readKey({ armoredKey: exported.stdout }),
    });
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: 'lead@project.example', to: [LIST] }, raw: post });
    } finally {
      transport.close();
    }
    // The service opened it with the adopted key (the one it made at start would not) and relayed it.
    const copies = await eventually(() => {
      const sent = mailTo(location.dataDir, 'sec@alpha.example');
      return sent.length ? sent : undefined;
    });
    expect(copies).toHaveLength(1);
  });

  it('runs commands given at the same time, each with its own output and exit code', async () => {
    writeFileSync(join(operator, 'second.asc'), (await anOpenpgpKey('second@project.example')).publicKey);
    const [exported, verified, added, refused] = await Promise.all([
      cli('list-key', 'export'),
      cli('audit', 'verify'),
      cli('maintainer', 'add', '--email', 'second@project.example', '--name', 'Second', '--key', 'second.asc'),
      cli('maintainer', 'add', '--email', 'third@project.example', '--name', 'Third', '--key', 'second.asc'),
    ]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----[^]*-----END PGP PUBLIC KEY BLOCK-----\n$/);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^audit log intact: \d+ entries/);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/\/admin\/enrol\//);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(oneLine(refused)).toEqual([expect.stringMatching(/^KEY_NO_MATCHING_USER_ID: /)]);
  });

  it('a failing command says why in one line and exits non-zero, and the service goes on', async () => {
    const missingOption = await cli('maintainer', 'add', '--email', 'x@project.example', '--name', 'X');
    expect(missingOption.code).toBe(1);
    expect(oneLine(missingOption)).toEqual(["error: required option '--key <file>' not specified"]);
    const missingFile = await cli('member', 'import', '--email', 'a@b.example', '--org', 'B', '--key', 'nothere.asc');
    expect(missingFile.code).toBe(1);
    expect(oneLine(missingFile)).toEqual([
      expect.stringMatching(/^ENOENT: no such file or directory, open '.*nothere\.asc'$/),
    ]);
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
  });

  it('backs up beside the service, into the operator’s directory', async () => {
    writeFileSync(join(operator, 'pass.txt'), 'a long passphrase for the test\n', { mode: 0o600 });
    const backup = await cli('backup', 'list.cordon', '--passphrase-file', 'pass.txt');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toBe(`${join(operator, 'list.cordon')}\n`);
    expect(existsSync(join(operator, 'list.cordon'))).toBe(true);
  });

  it('refuses restore beside the running service, in one line saying to stop it first', async () => {
    const restore = await cli('restore', 'list.cordon', '--passphrase-file', 'pass.txt');
    expect(restore.code).toBe(1);
    expect(oneLine(restore)).toHaveLength(1);
    if (!location.databaseUrl) {
      expect(restore.stderr).toBe(
        `WRONG_STATE: restore needs the embedded database to itself: stop the running service (process ${service!.child.pid}) first, then run it again.\n`,
      );
    }
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
  });

  it('runs the CLI by itself once the service stops, or was killed, and beside it again after a restart', async () => {
    await service!.stop('SIGTERM');
    expect(existsSync(socket())).toBe(false);
    expect((await cli('audit', 'verify')).code).toBe(0);

    await start();
    await service!.stop('SIGKILL'); // leaves its socket behind, and nobody listening on it
    const alone = await cli('audit', 'verify');
    expect([alone.code, alone.stderr]).toEqual([0, '']);

    await start(); // replaces the stale socket
    const beside = await cli('audit', 'verify');
    expect([beside.code, beside.stderr]).toEqual([0, '']);
    if (!location.databaseUrl) expect(existsSync(socket())).toBe(true);
  });
});
