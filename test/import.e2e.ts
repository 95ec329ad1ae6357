/**
 * Moving a list from Schleuder (issue 6, "Migration"): a GnuPG home like Schleuder's, holding the
 * list's key pair and the members' public keys, is exported with `gpg` as the README tells the
 * operator to, and adopted with the built `cordon import` command in a child process, against the
 * embedded database or PostgreSQL (DATABASE_URL). Then the relay runs on that database and the
 * imported members' own gpg decrypts a maintainer's post.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { readKey } from 'openpgp';
import { gpgPost } from './support/client-mail';
import { queryBetweenRuns, runCordon } from './support/cordon-process';
import { freshDatabaseLocation } from './support/database';
import { domainBeside } from './support/domain-context';
import { aMaintainer } from './support/factories';
import { GpgHome } from './support/gpg';
import { armoredPart } from './support/mailbox';
import { startRelay } from './support/relay-app';
import { SmtpSink } from './support/smtp-sink';

const LIST = 'distributors@example.org';
const MAINTAINER = 'lead@project.example';
const HEADER = 'address,organisation,fingerprint,acknowledged';

interface Member {
  email: string;
  organisation: string;
  gpg: GpgHome;
  fingerprint: string;
  acknowledged: boolean;
}

describe('cordon import: moving a list from Schleuder', () => {
  let location: Awaited<ReturnType<typeof freshDatabaseLocation>>;
  let env: Record<string, string>;
  /** The list's GnuPG home, as Schleuder keeps it under /var/lib/schleuder/lists/<domain>/<list>/. */
  let schleuder: GpgHome;
  let listFpr: string;
  let members: Member[];
  let expiredFpr: string;
  let mismatchFpr: string;
  const homes: GpgHome[] = [];
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(location.dataDir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const cli = (args: string[]) => runCordon(args, env);
  const query = (sql: string, params: unknown[] = []) => queryBetweenRuns(location, sql, params);

  /** Everything an import could change, to prove that a dry run or a refused run changed none of it. */
  const state = () =>
    query(
      `SELECT (SELECT count(*)::int FROM member) AS members,
              (SELECT count(*)::int FROM policy_acknowledgement) AS acks,
              (SELECT count(*)::int FROM audit_entry) AS audit_entries,
              (SELECT hash FROM audit_head WHERE id = 1) AS audit_head,
              (SELECT fingerprint FROM list_key WHERE id = 1) AS list_key`,
    ).then((rows) => rows[0]);

  const csv = (rows: string[]) => file(`members-${randomUUID()}.csv`, [HEADER, ...rows].join('\r\n') + '\r\n');
  const rowOf = (m: Member) =>
    `${m.email},"${m.organisation.replace(/"/g, '""')}",${m.fingerprint},${m.acknowledged ? 'yes' : 'no'}`;

  /** Both exports in one binary file, as `gpg --export-secret-keys FPR > f; gpg --export >> f` makes it. */
  const binaryKeyring = async () => {
    const secret = await schleuder.must(['--export-secret-keys', listFpr]);
    const pub = await schleuder.must(['--export']);
    return file('keyring.gpg', Buffer.concat([secret.stdout, pub.stdout]));
  };

  beforeAll(async () => {
    location = await freshDatabaseLocation();
    env = { DATA_DIR: location.dataDir, LIST_ADDRESS: LIST, LOG_LEVEL: 'silent' };
    if (location.databaseUrl) env.DATABASE_URL = location.databaseUrl;
    schleuder = GpgHome.create();
    homes.push(schleuder);
    listFpr = await schleuder.generateKey(LIST, { userId: `Distributors <${LIST}>` });
    // Each member made its key in its own GnuPG; the list's keyring holds only the public part.
    const specs = [
      { email: 'security@alpha.example', organisation: 'Alpha Linux, Inc.', acknowledged: true },
      { email: 'sec@beta.example', organisation: 'Beta "BSD" Project', acknowledged: true },
      { email: 'psirt@gamma.example', organisation: 'Gamma OS', acknowledged: false },
    ];
    members = await Promise.all(
      specs.map(async (spec) => {
        const gpg = GpgHome.create();
        homes.push(gpg);
        return { ...spec, gpg, fingerprint: await gpg.generateKey(spec.email) };
      }),
    );
    for (const m of members) await schleuder.importKey(await m.gpg.exportPublic(m.fingerprint));
    expiredFpr = await schleuder.expiredKey('sec@expired.example');
    mismatchFpr = await schleuder.generateKey('sec@mismatch.example', { userId: 'Someone <someone@else.example>' });
    // The operator's first step on the new server; it makes a list key that the import replaces.
    expect(cli(['init']).code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    for (const home of homes) await home.cleanup();
    await location?.remove();
  });

  it('has --help', () => {
    const run = cli(['import', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: cordon import/);
    expect(run.stdout).toContain('--dry-run');
  });

  it('a dry run of armored exports lists the list key and every member, and changes nothing', async () => {
    const secret = file('list.sec.asc', await schleuder.exportSecret(listFpr));
    const pub = file('keys.asc', (await schleuder.must(['--armor', '--export'])).stdout);
    const before = await state();
    const run = cli([
      'import',
      '--keyring',
      secret,
      '--keyring',
      pub,
      '--members',
      csv(members.map(rowOf)),
      '--dry-run',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^list key: ${listFpr}: would import \\(replaces [0-9A-F]{40}\\)$`)),
      `line 2: security@alpha.example ${members[0].fingerprint}: would import (acknowledged policy version 1)`,
      `line 3: sec@beta.example ${members[1].fingerprint}: would import (acknowledged policy version 1)`,
      `line 4: psirt@gamma.example ${members[2].fingerprint}: would import (must acknowledge the policy before list mail reaches it)`,
      'dry run: the list key and 3 member(s) would be imported; nothing was changed.',
    ]);
    expect(await state()).toEqual(before);
  });

  it('refuses the whole import for one bad row, naming each bad line and why, and imports nothing', async () => {
    const keyring = await binaryKeyring();
    const before = await state();
    const run = cli([
      'import',
      '--keyring',
      keyring,
      '--members',
      csv([
        ...members.map(rowOf),
        `sec@expired.example,Expired,${expiredFpr},yes`, // line 5
        `sec@unknown.example,Unknown,${'AB12'.repeat(10)},yes`, // line 6
        `sec@mismatch.example,Mismatch,${mismatchFpr},no`, // line 7
        `Security@Alpha.example,Again,${mismatchFpr},no`, // line 8
        `sec@short.example,Short,${members[0].fingerprint.slice(-16)},yes`, // line 9
        `sec@cols.example,Org, Inc.,${members[1].fingerprint},yes`, // line 10
        `sec@ack.example,Ack,${members[1].fingerprint},maybe`, // line 11
      ]),
    ]);
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(new RegExp(`^list key: ${listFpr}: ok \\(replaces [0-9A-F]{40}\\)$`)),
      `line 2: security@alpha.example ${members[0].fingerprint}: ok (acknowledged policy version 1)`,
      `line 3: sec@beta.example ${members[1].fingerprint}: ok (acknowledged policy version 1)`,
      `line 4: psirt@gamma.example ${members[2].fingerprint}: ok (must acknowledge the policy before list mail reaches it)`,
    ]);
    expect(lines.slice(4)).toEqual([
      expect.stringMatching(
        /^line 5: sec@expired\.example [0-9A-F]{40}: REFUSED KEY_EXPIRED: This key expired on 2020-01-02/,
      ),
      expect.stringMatching(/^line 6: sec@unknown\.example (AB12){10}: REFUSED NOT_FOUND: the keyring has no key/),
      expect.stringMatching(
        /^line 7: sec@mismatch\.example [0-9A-F]{40}: REFUSED KEY_NO_MATCHING_USER_ID: The key has no valid user ID for sec@mismatch\.example/,
      ),
      expect.stringMatching(
        /^line 8: Security@Alpha\.example [0-9A-F]{40}: REFUSED INVALID_INPUT: the same address as line 2\.$/,
      ),
      expect.stringMatching(/^line 9: sec@short\.example: REFUSED INVALID_INPUT: short key IDs are refused/),
      expect.stringMatching(/^line 10: sec@cols\.example: REFUSED INVALID_INPUT: has 5 fields where the header has 4/),
      expect.stringMatching(
        /^line 11: sec@ack\.example: REFUSED INVALID_INPUT: acknowledged must be yes, no, true or false/,
      ),
    ]);
    expect(run.stderr).toBe(
      '7 refused: nothing was imported. Fix them and run the import again (--dry-run to check first).\n',
    );
    expect(await state()).toEqual(before);
  });

  it('refuses a CSV with broken quoting, naming the line, and imports nothing', async () => {
    const before = await state();
    const run = cli([
      'import',
      '--keyring',
      await binaryKeyring(),
      '--members',
      csv([rowOf(members[0]), `sec@q.example,"Open quote,${members[1].fingerprint},yes`]),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^INVALID_INPUT: The members CSV is malformed at line 3: Quote Not Closed/);
    expect(await state()).toEqual(before);
  });

  it('refuses a keyring without the list secret key', async () => {
    const pub = file('public-only.gpg', (await schleuder.must(['--export'])).stdout);
    const run = cli(['import', '--keyring', pub, '--members', csv(members.map(rowOf)), '--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^list key: REFUSED KEY_NOT_SECRET: The keyring holds no secret key/);
  });

  it('refuses a member whose organisation is banned for leaking', async () => {
    // By SQL: a ban is made by a confirmed leak of a member (ConfirmLeak), and Gamma OS never was one.
    await query(`INSERT INTO ban (id, kind, value, reason) VALUES (gen_random_uuid(), 'organisation', 'gammaos', 'x')`);
    try {
      const before = await state();
      const run = cli([
        'import',
        '--keyring',
        await binaryKeyring(),
        '--members',
        csv(members.map(rowOf)),
        '--dry-run',
      ]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        `line 4: psirt@gamma.example ${members[2].fingerprint}: REFUSED BANNED: This organisation is banned`,
      );
      expect(await state()).toEqual(before);
    } finally {
      await query(`DELETE FROM ban WHERE value = 'gammaos'`);
    }
  });

  /**
   * A list key as an old GnuPG list keeps it: SHA-1 self-signatures, protected by a passphrase.
   * gpg-agent on a loaded machine has been seen (once in CI) to store the subkey so that it then
   * refuses to export it ("Corrupted protection"); that, and only that, makes a fresh key in a fresh
   * home, up to three times.
   */
  async function protectedSha1ListKey(passphrase: string): Promise<{ fingerprint: string; armored: string }> {
    for (let attempt = 1; ; attempt++) {
      const home = GpgHome.create();
      homes.push(home);
      const fingerprint = await home.sha1Key(LIST, { passphrase });
      try {
        return { fingerprint, armored: await home.exportSecret(fingerprint, passphrase) };
      } catch (error) {
        if (attempt === 3 || !/Corrupted protection/.test(String(error))) throw error;
      }
    }
  }

  it('asks for the passphrase of a protected list key, refuses SHA-1 self-signatures, and re-signs them with --recertify', async () => {
    const { fingerprint: oldFpr, armored } = await protectedSha1ListKey('correct horse');
    const keyring = file('old-list.sec.asc', armored);
    const passphrase = file('passphrase', 'correct horse\n');
    const noMembers = csv([]);
    const locked = cli(['import', '--keyring', keyring, '--members', noMembers, '--dry-run']);
    expect(locked.code).toBe(1);
    expect(locked.stdout).toContain(
      `list key: ${oldFpr}: REFUSED INVALID_INPUT: The secret key is protected by a passphrase`,
    );
    const sha1 = cli([
      'import',
      '--keyring',
      keyring,
      '--members',
      noMembers,
      '--dry-run',
      '--passphrase-file',
      passphrase,
    ]);
    expect(sha1.code).toBe(1);
    expect(sha1.stdout).toContain(`list key: ${oldFpr}: REFUSED KEY_SHA1_SELF_SIGNATURE:`);
    expect(sha1.stdout).toContain('--recertify');
    const args = ['import', '--keyring', keyring, '--members', noMembers, '--dry-run', '--passphrase-file', passphrase];
    const resigned = cli([...args, '--recertify']);
    expect(resigned.code).toBe(0);
    expect(resigned.stdout).toMatch(new RegExp(`^list key: ${oldFpr}: would import \\(replaces [0-9A-F]{40}\\)$`, 'm'));
  });

  it('imports the list key with gpg’s fingerprint and every member, audited', async () => {
    const before = await state();
    const run = cli(['import', '--keyring', await binaryKeyring(), '--members', csv(members.map(rowOf))]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`list key: ${listFpr}: imported`);
    expect(run.stdout).toContain('imported the list key and 3 member(s).');
    expect((await state()).list_key).toBe(listFpr);
    const rows = await query(
      `SELECT email, organisation, key_fingerprint, status, acknowledged_policy_version AS ack FROM member ORDER BY email`,
    );
    expect(rows).toEqual(
      [...members]
        .sort((a, b) => a.email.localeCompare(b.email))
        .map((m) => ({
          email: m.email,
          organisation: m.organisation,
          key_fingerprint: m.fingerprint,
          status: 'active',
          ack: m.acknowledged ? 1 : null,
        })),
    );
    const acks = await query(
      `SELECT details->>'how' AS how FROM audit_entry WHERE action = 'policy.acknowledged' AND seq > $1`,
      [before.audit_entries],
    );
    expect(acks).toEqual([{ how: 'imported' }, { how: 'imported' }]);
    const actions = await query(`SELECT action FROM audit_entry WHERE seq > $1 ORDER BY seq`, [before.audit_entries]);
    expect(actions.map((a) => a.action)).toEqual([
      'list_key.imported',
      'member.imported',
      'policy.acknowledged',
      'member.imported',
      'policy.acknowledged',
      'member.imported',
      'list.imported',
    ]);
    const verify = cli(['audit', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^audit log intact/);
    // The key Cordon now publishes is the one gpg made.
    const exported = await readKey({ armoredKey: cli(['list-key', 'export']).stdout });
    expect(exported.getFingerprint().toUpperCase()).toBe(listFpr);
  });

  it('a second run of the same import refuses every member already there, and changes nothing', async () => {
    const before = await state();
    const run = cli(['import', '--keyring', await binaryKeyring(), '--members', csv(members.map(rowOf))]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`list key: ${listFpr}: ok (already the list key, kept)`);
    expect(run.stdout.match(/REFUSED ALREADY_EXISTS: .* is already a member\./g)).toHaveLength(3);
    expect(await state()).toEqual(before);
  });

  it('refuses to replace a list key in use unless asked', async () => {
    const other = GpgHome.create();
    homes.push(other);
    const otherFpr = await other.generateKey(LIST);
    const keyring = file('other.sec.asc', await other.exportSecret(otherFpr));
    const before = await state();
    const run = cli(['import', '--keyring', keyring, '--members', csv([]), '--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^list key: [0-9A-F]{40}: REFUSED ALREADY_EXISTS: This instance already has members/);
    expect(run.stdout).toContain('--replace-list-key');
    expect(await state()).toEqual(before);
  });

  it('the imported members receive a post that their own gpg decrypts', async () => {
    const sink = new SmtpSink();
    const sinkPort = await sink.start();
    const relay = await startRelay({ LIST_ADDRESS: LIST }, { location, sink, sinkPort });
    const maintainer = GpgHome.create();
    homes.push(maintainer);
    try {
      const maintainerFpr = await maintainer.generateKey(MAINTAINER);
      // The maintainer already had the list's public key from Schleuder days: it has not changed.
      await maintainer.importKey(await schleuder.exportPublic(listFpr));
      const key = await maintainer.exportPublic(maintainerFpr);
      await aMaintainer(await domainBeside(relay.runtime), { email: MAINTAINER, key });
      const raw = await gpgPost({
        from: { name: 'Lea Lead', address: MAINTAINER },
        to: LIST,
        subject: 'Overflow in libfoo',
        text: 'The first post after the move.',
        gpg: maintainer,
        signerFingerprint: maintainerFpr,
        listFingerprint: listFpr,
      });
      const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
      try {
        await transport.sendMail({ envelope: { from: MAINTAINER, to: [LIST] }, raw });
      } finally {
        transport.close();
      }
      await relay.settle();
      for (const member of members) {
        const copies = sink.to(member.email);
        if (!member.acknowledged) {
          // Imported with acknowledged=no: no list mail before it acknowledges the policy.
          expect(copies).toHaveLength(0);
          continue;
        }
        expect(copies).toHaveLength(1);
        await member.gpg.importKey(await schleuder.exportPublic(listFpr));
        const opened = await member.gpg.decrypt(armoredPart(copies[0].raw.toString('utf8')));
        expect(opened.decrypted).toBe(true);
        expect(opened.goodSignature).toBe(true);
        expect(opened.signerFingerprint).toBe(listFpr);
        const inner = await simpleParser(opened.plaintext);
        expect(inner.subject).toBe('Overflow in libfoo');
        expect(inner.text).toContain('The first post after the move.');
      }
    } finally {
      await relay.stop();
      await sink.stop();
    }
  });
});
