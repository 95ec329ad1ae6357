/**
 * Issue 11: the README's "Moving from Schleuder", from start to end, as an operator runs it: a
 * fresh data directory, `cordon serve` running, and beside it only what the README has the
 * operator touch. On the old side, a GnuPG home like Schleuder's keeps a list key made by gpg with
 * SHA-1 self-signatures (as older GnuPG made them) and the members' public keys; `schleuder-cli
 * subscriptions list` is stood in for by the file it prints. The operator exports with gpg, builds
 * the CSV with the README's awk line, and on the Cordon side runs init, the dry run (refused:
 * organisations left empty, and the list key's SHA-1 self-signatures, with the gpg commands that
 * fix them), applies that fix in gpg and exports again, fills in the organisations, imports,
 * checks (audit verify, the list key's fingerprint through gpg), adds the list admin as a
 * maintainer, who enrols and finds the members in the admin UI, and points the mail at Cordon:
 * the maintainer's gpg signs a post sent over SMTP, and each member's own gpg opens its copy (the
 * one imported as not having accepted the policy, once it acknowledges by signed mail).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { agentLogin, MAINTAINER_PASSWORD } from '../support/admin-login';
import { gpgPost } from '../support/client-mail';
import { eventually } from '../support/eventually';
import { GpgHome } from '../support/gpg';
import { mailTo, openMail, OpenedMail } from '../support/mailbox';
import { freePort } from '../support/ports';
import { cordon, emptyLocation, Location, run, Service, serviceEnv, startService } from '../support/service';

const LIST = 'distributors@example.org';
const ACK = 'distributors-ack@example.org';
const LEAD = 'lead@project.example';

interface Subscriber {
  email: string;
  organisation: string;
  acknowledged: boolean;
  gpg: GpgHome;
  fingerprint: string;
}

describe('moving a list from Schleuder, beside the running service', () => {
  jest.setTimeout(240_000);
  let location: Location;
  let operator: string; // the operator's working directory on the Cordon server
  let env: NodeJS.ProcessEnv;
  let smtpPort: number;
  let url: string;
  let service: Service | undefined;
  const homes: GpgHome[] = [];
  const aGpgHome = () => {
    const home = GpgHome.create();
    homes.push(home);
    return home;
  };

  const cli = (...args: string[]) => cordon(args, { cwd: operator, env });
  const sh = (script: string, vars: Record<string, string> = {}) =>
    run('sh', ['-c', script], { cwd: operator, env: { ...process.env, ...vars } });

  beforeAll(async () => {
    location = await emptyLocation();
    operator = mkdtempSync(join(tmpdir(), 'cordon-operator-'));
    const httpPort = await freePort();
    smtpPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    env = serviceEnv(location, { httpPort, smtpPort }, { LIST_ADDRESS: LIST, DELIVERY_POLL_MS: '200' });
    service = await startService(env, httpPort);
  }, 180_000);

  afterAll(async () => {
    await service?.stop('SIGKILL');
    for (const home of homes) await home.cleanup();
    rmSync(operator, { recursive: true, force: true });
    await location?.remove();
  }, 60_000);

  it('adopts the list key and the members, and the members read the first post with their own gpg', async () => {
    // ---- The old list: Schleuder's GnuPG home, and each member's own gpg. ----
    const schleuder = aGpgHome();
    const listFpr = await schleuder.sha1Key(LIST, { userId: `Distributors <${LIST}>` });
    const lead = aGpgHome();
    const leadFpr = await lead.generateKey(LEAD, { userId: `Lea Lead <${LEAD}>` });
    const subscribers: Subscriber[] = [];
    for (const [email, organisation, acknowledged] of [
      ['security@alpha.example', 'Alpha Linux, Inc.', true],
      ['sec@beta.example', 'Beta BSD', true],
      ['psirt@gamma.example', 'Gamma OS', false],
    ] as const) {
      const gpg = aGpgHome();
      const fingerprint = await gpg.generateKey(email);
      await schleuder.importKey(await gpg.exportPublic(fingerprint));
      subscribers.push({ email, organisation, acknowledged, gpg, fingerprint });
    }
    await schleuder.importKey(await lead.exportPublic(leadFpr));

    // ---- 1. On the Schleuder server: the README's exports (gpg without sudo, and the output of
    // `schleuder-cli subscriptions list` as a file: the list admin, the members, one without a key).
    const exportKeyring = () =>
      sh(
        'umask 077\n' +
          'gpg --homedir "$GNUPGHOME_OF_LIST" --export-secret-keys "$FPR" >  list-keyring.gpg\n' +
          'gpg --homedir "$GNUPGHOME_OF_LIST" --export                   >> list-keyring.gpg\n',
        { GNUPGHOME_OF_LIST: schleuder.dir, FPR: listFpr },
      );
    expect(await exportKeyring()).toMatchObject({ code: 0 });
    writeFileSync(
      join(operator, 'subscriptions.tsv'),
      [
        `${LEAD}\t${leadFpr}\tadmin`,
        ...subscribers.map((s) => `${s.email}\t${s.fingerprint}`),
        'nokey@delta.example\tN/A',
      ].join('\n') + '\n',
    );

    // ---- 2. The members CSV: the README's start, organisations left empty.
    const csvStart = await sh(
      "printf 'address,organisation,fingerprint,acknowledged\\n' > members.csv\n" +
        'awk -F\'\\t\' \'$1 != "" && $2 != "N/A" && $3 != "admin" { printf "%s,,%s,no\\n", $1, $2 }\' subscriptions.tsv >> members.csv\n',
    );
    expect(csvStart).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(operator, 'members.csv'), 'utf8')).toBe(
      'address,organisation,fingerprint,acknowledged\n' +
        subscribers.map((s) => `${s.email},,${s.fingerprint},no\n`).join(''),
    );

    // ---- 3. On the Cordon server, beside the running service: init, then the dry run.
    const init = await cli('init');
    expect(init.code).toBe(0);
    const ownFpr = init.stdout.trim();
    expect(ownFpr).toMatch(/^[0-9A-F]{40}$/);
    const importArgs = ['import', '--keyring', 'list-keyring.gpg', '--members', 'members.csv'];
    const refused = await cli(...importArgs, '--dry-run');
    expect(refused.code).toBe(1);
    const refusedLines = refused.stdout.trim().split('\n');
    const keyLine = refusedLines.find((line) => line.startsWith('list key: '))!;
    expect(keyLine).toMatch(new RegExp(`^list key: ${listFpr}: REFUSED KEY_SHA1_SELF_SIGNATURE: `));
    expect(keyLine).toContain(`\`gpg --cert-digest-algo SHA256 --quick-set-expire ${listFpr} 0\``);
    expect(keyLine).toContain('or run the same command again with `--recertify`');
    for (const [i, s] of subscribers.entries()) {
      expect(refusedLines).toContain(`line ${i + 2}: ${s.email}: REFUSED INVALID_INPUT: the organisation is empty.`);
    }
    // A refused dry run changed nothing: the service's own list key is still the list key.
    expect((await cli('init')).stdout.trim()).toBe(ownFpr);

    // The fix the refusal prints, in gpg on the Schleuder side (same fingerprint), the export again,
    // and the organisations filled in (and who accepted the policy outside Cordon).
    expect(await schleuder.followAdvice(keyLine)).toHaveLength(2);
    expect(await exportKeyring()).toMatchObject({ code: 0 });
    writeFileSync(
      join(operator, 'members.csv'),
      'address,organisation,fingerprint,acknowledged\n' +
        subscribers
          .map((s) => `${s.email},"${s.organisation}",${s.fingerprint},${s.acknowledged ? 'yes' : 'no'}\n`)
          .join(''),
    );
    const dryRun = await cli(...importArgs, '--dry-run');
    expect([dryRun.code, dryRun.stderr]).toEqual([0, '']);
    expect(dryRun.stdout).toContain(`list key: ${listFpr}: would import (replaces ${ownFpr})`);
    expect(dryRun.stdout).toContain('dry run: the list key and 3 member(s) would be imported; nothing was changed.');

    const imported = await cli(...importArgs);
    expect([imported.code, imported.stderr]).toEqual([0, '']);
    expect(imported.stdout).toContain(`list key: ${listFpr}: imported`);
    expect(imported.stdout).toContain('imported the list key and 3 member(s).');
    // The README has the keyring destroyed after the import.
    expect(await sh('shred -u list-keyring.gpg')).toMatchObject({ code: 0 });

    // ---- 4. Afterwards: the audit log, and the list key through gpg: the fingerprint of Schleuder days.
    const verified = await cli('audit', 'verify');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^audit log intact: \d+ entries/);
    const exported = await cli('list-key', 'export');
    expect(exported.code).toBe(0);
    const shown = await lead.must(['--with-colons', '--show-keys'], exported.stdout);
    expect(/^fpr:+([0-9A-F]+):/m.exec(shown.stdout.toString())?.[1]).toBe(listFpr);

    // Then the maintainers: the list admin, with the key the list already used for it.
    writeFileSync(join(operator, 'lead.asc'), await lead.exportPublic(leadFpr));
    const added = await cli('maintainer', 'add', '--email', LEAD, '--name', 'Lea Lead', '--key', 'lead.asc');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/\/admin\/enrol\/[A-Za-z0-9_-]{40,}\n$/);

    // The lead enrols from that link, and checks the members in the admin UI.
    const enrolmentUrl = added.stdout.trim();
    const admin = await agentLogin(
      { url },
      {
        id: '',
        email: LEAD,
        name: 'Lea Lead',
        password: MAINTAINER_PASSWORD,
        fingerprint: leadFpr,
        enrolmentUrl,
        enrolPath: new URL(enrolmentUrl).pathname,
      },
    );
    const membersPage = await admin.get('/admin/members');
    expect(membersPage.status).toBe(200);
    const rows = membersPage.text.match(/<tr>[^]*?<\/tr>/g) ?? [];
    for (const s of subscribers) {
      const row = rows.find((r) => r.includes(`<td>${s.email}</td>`));
      expect(row).toContain(`>${s.organisation}</a>`);
      expect(row).toContain('>active</span>');
      expect(row).toContain(s.acknowledged ? '<td>v1</td>' : '<td>not acknowledged</td>');
    }

    // ---- The list address's mail goes to Cordon: the lead posts, signed and encrypted by its gpg
    // to the list key (refreshed from the export: the re-signed key, the same fingerprint).
    for (const home of [lead, ...subscribers.map((s) => s.gpg)]) await home.importKey(exported.stdout);
    const subject = `First post after the move ${process.pid}`;
    const post = await gpgPost({
      gpg: lead,
      signerFingerprint: leadFpr,
      listFingerprint: listFpr,
      from: { name: 'Lea Lead', address: LEAD },
      to: LIST,
      subject,
      text: 'The list moved to Cordon; the list key is the one you know.\n',
    });
    await send(LEAD, LIST, post);

    // Each member who accepted the policy gets its copy, and opens it with its own gpg.
    const receiving = subscribers.filter((s) => s.acknowledged);
    const copies = await eventually(() => {
      const sent = receiving.map((s) => mailTo(location.dataDir, s.email));
      return sent.every((mails) => mails.length > 0) ? sent : undefined;
    }, 60_000);
    for (const [i, s] of receiving.entries()) {
      expect(copies[i]).toHaveLength(1);
      const opened = await openMail(s.gpg, copies[i][0]);
      expect(opened).toMatchObject({ subject, goodSignature: true, signerFingerprint: listFpr });
      expect(opened.text).toContain('The list moved to Cordon; the list key is the one you know.');
    }
    // Imported with acknowledged=no: its copy is held until it acknowledges the policy. It does so
    // by mail, as the README says: the statement, clearsigned by its gpg, to the -ack address.
    const gamma = subscribers.find((s) => !s.acknowledged)!;
    expect(mailTo(location.dataDir, gamma.email)).toHaveLength(0);
    const statement = `I acknowledge version 1 of the Embargo Policy of ${LIST}.`;
    const signed = (await gamma.gpg.must(['--local-user', gamma.fingerprint, '--clearsign'], statement)).stdout;
    await send(
      gamma.email,
      ACK,
      Buffer.from(
        `From: ${gamma.email}\r\nTo: ${ACK}\r\nSubject: Acknowledgement\r\nDate: ${new Date().toUTCString()}\r\n` +
          `Message-ID: <ack-${process.pid}@gamma.example>\r\nMIME-Version: 1.0\r\n` +
          `Content-Type: text/plain; charset=utf-8\r\n\r\n${signed.toString().replace(/\r?\n/g, '\r\n')}`,
      ),
    );
    // Its held copy goes out (beside the confirmation), and its gpg opens it.
    const opened = new Map<string, OpenedMail>();
    const released = await eventually(async () => {
      for (const mail of mailTo(location.dataDir, gamma.email)) {
        if (!opened.has(mail.file)) opened.set(mail.file, await openMail(gamma.gpg, mail));
        if (opened.get(mail.file)!.subject === subject) return opened.get(mail.file);
      }
      return undefined;
    }, 60_000);
    expect(released).toMatchObject({ goodSignature: true, signerFingerprint: listFpr });
    expect(released.text).toContain('The list moved to Cordon; the list key is the one you know.');
  });

  async function send(from: string, to: string, raw: Buffer): Promise<void> {
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from, to: [to] }, raw });
    } finally {
      transport.close();
    }
  }
});
