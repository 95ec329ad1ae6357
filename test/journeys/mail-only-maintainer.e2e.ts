/**
 * Issue 11, item 4: a maintainer the operator adds may post at once. A list moved in from
 * Schleuder, or run by mail alone, has maintainers who never sign in to the admin UI: posting
 * rights come from the operator's act of adding the key. As a user does it, from a fresh data
 * directory: `cordon serve` runs, and beside it `cordon maintainer add` and `cordon member import`
 * (the README's commands); the maintainer's gpg signs and encrypts a post to the list key (from
 * `-sendkey`), sends it over SMTP, and the member's gpg opens its copy.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { gpgPost } from '../support/client-mail';
import { freshDatabaseLocation } from '../support/database';
import { GpgHome } from '../support/gpg';
import { eventually } from '../support/eventually';
import { freePort, waitForPort } from '../support/ports';
import { SmtpSink } from '../support/smtp-sink';

const root = join(__dirname, '..', '..');
const cordon = join(root, 'bin', 'cordon');
const LIST = 'distributors@example.org';

describe('a maintainer added with `cordon maintainer add`', () => {
  jest.setTimeout(180_000);
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let sink: SmtpSink;
  let server: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let smtpPort: number;
  const lead = GpgHome.create();
  const member = GpgHome.create();

  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [cordon, ...args], { cwd: root, env }).catch(
      (error: { stdout: string; stderr: string }) => {
        throw new Error(`cordon ${args.join(' ')} failed: ${error.stderr}`);
      },
    );

  beforeAll(async () => {
    location = await freshDatabaseLocation();
    sink = new SmtpSink();
    const sinkPort = await sink.start();
    smtpPort = await freePort();
    env = {
      ...process.env,
      DATA_DIR: location.dataDir,
      ...(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : {}),
      LIST_ADDRESS: LIST,
      LOG_LEVEL: 'warn',
      HTTP_PORT: String(await freePort()),
      SMTP_PORT: String(smtpPort),
      OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
      DELIVERY_POLL_MS: '200',
      UNTAGGED_POSTS: 'relay',
    };
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await sink?.stop();
    await location?.remove();
    await lead.cleanup();
    await member.cleanup();
  });

  it('may post at once, without enrolling in the admin UI, and the member reads the post with gpg', async () => {
    const leadFpr = await lead.generateKey('lead@project.example');
    const memberFpr = await member.generateKey('security@distro.example');
    const leadKey = join(location.dataDir, '..', `lead-${process.pid}.asc`);
    const memberKey = join(location.dataDir, '..', `member-${process.pid}.asc`);
    writeFileSync(leadKey, await lead.exportPublic(leadFpr));
    writeFileSync(memberKey, await member.exportPublic(memberFpr));

    // As the README has it: the service runs, and the operator's commands go beside it.
    server = spawn(process.execPath, [cordon, 'serve'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitForPort(smtpPort, server, () => stderr);

    const added = await run([
      'maintainer',
      'add',
      '--email',
      'lead@project.example',
      '--name',
      'Lead',
      '--key',
      leadKey,
    ]);
    expect(added.stderr).toContain('lead@project.example may post to the list now');
    expect(added.stderr).toContain(leadFpr.toUpperCase());
    expect(added.stdout.trim()).toMatch(/\/admin\/enrol\/[A-Za-z0-9_-]{40,}$/);
    await run([
      'member',
      'import',
      '--email',
      'security@distro.example',
      '--org',
      'Distro',
      '--key',
      memberKey,
      '--acknowledged',
    ]);

    // The maintainer fetches the list key from -sendkey, as the README says.
    await smtp('lead@project.example', 'distributors-sendkey@example.org', Buffer.from('Subject: key\r\n\r\nkey?\r\n'));
    // Maintainer mail reaches the lead too now (it is a maintainer); the key comes in the plain answer.
    const listKey = await eventually(async () => {
      for (const mail of sink.received.filter((m) => m.envelope.to[0] === 'lead@project.example')) {
        const keys = (await simpleParser(mail.raw)).attachments.find((a) => a.contentType === 'application/pgp-keys');
        if (keys) return keys;
      }
      return undefined;
    });
    await lead.importKey(listKey.content.toString());
    await member.importKey(listKey.content.toString());
    const listFpr = /fpr:+([0-9A-F]{40}):/.exec(
      (await lead.must(['--with-colons', '--fingerprint', LIST])).stdout.toString(),
    )![1];

    const subject = `Mail-only maintainer ${process.pid}`;
    const post = await gpgPost({
      gpg: lead,
      signerFingerprint: leadFpr,
      listFingerprint: listFpr,
      from: { name: 'Lead', address: 'lead@project.example' },
      to: LIST,
      subject,
      text: 'Relayed without ever signing in to the admin UI.\n',
    });
    await smtp('lead@project.example', LIST, post);

    const copy = await eventually(() => sink.received.find((m) => m.envelope.to[0] === 'security@distro.example'));
    const armored = /-----BEGIN PGP MESSAGE-----[^]*?-----END PGP MESSAGE-----/.exec(copy.raw.toString('latin1'))![0];
    const opened = await member.decrypt(armored);
    expect(opened).toMatchObject({ decrypted: true, goodSignature: true });
    const inner = await simpleParser(opened.plaintext);
    expect(inner.subject).toBe(subject);
    expect(inner.text).toContain('Relayed without ever signing in to the admin UI.');
  });

  async function smtp(from: string, to: string, raw: Buffer): Promise<void> {
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from, to: [to] }, raw });
    } finally {
      transport.close();
    }
  }
});
