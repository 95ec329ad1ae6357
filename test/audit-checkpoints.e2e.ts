/**
 * Audit checkpoints (issue 10) end to end, on a real database, with GnuPG as the maintainer: after
 * an approval, a removal (by a maintainer, and by strikes) and an embargo lift, and once a day, each
 * active maintainer gets a checkpoint of the audit log, encrypted, that covers the decision. What
 * `gpg --decrypt` prints, saved to a file, is what `cordon audit verify --checkpoint FILE` (the
 * built command) takes; with it the command finds a log truncated or wiped since, which the chain
 * alone cannot show, and it refuses a checkpoint altered after signing. Verifying changes nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { Client } from 'pg';
import { ListKey } from '@cordon/crypto';
import { AuditCheckpoints, DeliveryWorker } from '@cordon/delivery';
import { ChangeEmbargo, ConfirmLeak, FileLeakReport } from '@cordon/embargo';
import {
  ChangeMemberStatus,
  ConfirmApplication,
  DecideApplication,
  ImportMember,
  RecordVouch,
  SubmitApplication,
} from '@cordon/membership';
import { openDatabase } from '@cordon/persistence';
import { loginAgent, MaintainerAccount } from './support/admin-login';
import { adminQuery } from './support/database';
import { GpgHome } from './support/gpg';
import { armoredPart, linkIn, mailTo, openMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

jest.setTimeout(180_000);

const root = join(__dirname, '..');
const VOUCHER = 'security@voucher-distro.example';
const APPLICANT = 'security@new-distro.example';

interface SavedCheckpoint {
  /** What `gpg --decrypt` printed, saved as a maintainer would save it. */
  file: string;
  entries: number;
  subject: string;
}

describe('audit checkpoints', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let maintainer: MaintainerAccount;
  let listFingerprint: string;
  let appClosed = false;
  const work = mkdtempSync(join(tmpdir(), 'cordon-checkpoints-'));
  const saved: SavedCheckpoint[] = [];
  const seen = new Set<string>();

  const db = () => web.runtime.database.dataSource;
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number((await db().query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params))[0].n);
  const lastSeq = async (action: string) =>
    Number((await db().query(`SELECT max(seq) AS seq FROM audit_entry WHERE action = $1`, [action]))[0].seq);

  /** The checkpoint mails the maintainer got since the last call, each decrypted with its gpg and saved. */
  async function newCheckpoints(): Promise<SavedCheckpoint[]> {
    await web.app.get(DeliveryWorker).drain();
    const fresh: SavedCheckpoint[] = [];
    for (const mail of mailTo(web.settings.dataDir, maintainer.email)) {
      if (seen.has(mail.file)) continue;
      seen.add(mail.file);
      const opened = await gpg.decrypt(armoredPart(mail.raw));
      expect(opened).toMatchObject({ decrypted: true, goodSignature: true, signerFingerprint: listFingerprint });
      expect(opened.recipients).toHaveLength(1);
      const inner = await simpleParser(opened.plaintext);
      if (!/^Audit checkpoint/.test(inner.subject ?? '')) continue;
      // As it is: the signed block reaches the maintainer byte for byte, not quoted-printable.
      expect(opened.plaintext.toString('utf8')).toMatch(/Content-Transfer-Encoding: 8bit\r\n\r\nA checkpoint/);
      const file = join(work, `checkpoint-${saved.length + fresh.length + 1}.txt`);
      writeFileSync(file, opened.plaintext);
      const entries = Number(/^Entries: (\d+)$/m.exec(inner.text ?? '')?.[1]);
      fresh.push({ file, entries, subject: inner.subject ?? '' });
    }
    saved.push(...fresh);
    return fresh;
  }

  /** The text of what a gpg-made key owner reads in its newest mail. */
  async function newestMailTo(address: string): Promise<string> {
    await web.app.get(DeliveryWorker).drain();
    return (await openMail(gpg, mailTo(web.settings.dataDir, address).at(-1)!)).text;
  }

  async function aMember(email: string) {
    const key = await gpg.exportPublic(await gpg.generateKey(email));
    return web.app.get(ImportMember).execute({ email, organisation: email, key, acknowledged: true });
  }

  beforeAll(async () => {
    web = await startWebApp({ LEAK_STRIKE_THRESHOLD: '1' });
    gpg = GpgHome.create();
    await gpg.importKey(await web.app.get(ListKey).armoredPublicKey());
    listFingerprint = (await web.app.get(ListKey).find())!.fingerprint;
    // No maintainer yet: the day is not taken by a checkpoint nobody would get.
    expect(await web.app.get(AuditCheckpoints).runOnce()).toBeNull();
    expect(await count('audit_checkpoint')).toBe(0);
    ({ maintainer } = await loginAgent(web, { gpg }));
    await newCheckpoints();
  });

  afterAll(async () => {
    if (!appClosed) await web?.close();
    else {
      rmSync(web.settings.dataDir, { recursive: true, force: true });
      const url = web.settings.DATABASE_URL;
      if (url) await adminQuery(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
    }
    await gpg?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('mails the maintainers a checkpoint after an approval, covering it', async () => {
    await aMember(VOUCHER);
    const applicantKey = await gpg.exportPublic(await gpg.generateKey(APPLICANT));
    const { applicationId } = await web.app.get(SubmitApplication).execute({
      organisation: 'New Distro',
      distribution: 'New Linux',
      website: 'https://new-distro.example',
      contactName: 'Nell',
      contactEmail: APPLICANT,
      key: applicantKey,
      evidence: { '1': 'We ship it.', '2': 'Many users.', '3': 'Advisories.', '4': 'We build it.', '5': 'Patches.' },
      acceptedPolicyVersion: 1,
      voucherEmail: VOUCHER,
    });
    const token = (url: string) => new URL(url).pathname.split('/').pop()!;
    await web.app.get(ConfirmApplication).execute(token(linkIn(await newestMailTo(APPLICANT), '/apply/confirm/')));
    await web.app.get(RecordVouch).execute(token(linkIn(await newestMailTo(VOUCHER), '/vouch/')), 'vouched', 'Known.');
    expect(await newCheckpoints()).toEqual([]);

    await web.app.get(DecideApplication).execute(applicationId, { kind: 'approve' }, maintainer.id);
    const [checkpoint] = await newCheckpoints();
    expect(checkpoint.subject).toBe(`Audit checkpoint of ${web.settings.LIST_ADDRESS}: ${checkpoint.entries} entries`);
    expect(checkpoint.entries).toBeGreaterThanOrEqual(await lastSeq('application.approved'));
    expect(await count('audit_checkpoint', `reason = 'application.approved'`)).toBe(1);
    const [entry] = await db().query(`SELECT details FROM audit_entry WHERE action = 'audit.checkpoint'`);
    expect(entry.details).toMatchObject({ reason: 'application.approved', entries: checkpoint.entries });
  });

  it('mails one after a member is removed, and after one is removed by strikes, but none after a suspension', async () => {
    const removed = await aMember('security@removed-distro.example');
    await web.app.get(ChangeMemberStatus).execute(removed.id, 'suspend', 'Checking something.', maintainer.id);
    expect(await newCheckpoints()).toEqual([]);
    await web.app.get(ChangeMemberStatus).execute(removed.id, 'remove', 'Left the project.', maintainer.id);
    const [afterRemoval] = await newCheckpoints();
    expect(afterRemoval.entries).toBeGreaterThanOrEqual(await lastSeq('member.removed'));

    const leaky = await aMember('security@leaky-distro.example');
    const report = await web.app.get(FileLeakReport).execute(
      {
        embargoId: null,
        whatLeaked: 'the patch',
        leakedTo: 'a blog',
        leakedAt: null,
        evidence: '',
        selfReported: false,
      },
      { kind: 'maintainer', maintainerId: maintainer.id },
    );
    const strike = await web.app.get(ConfirmLeak).execute(report.id, leaky.id, 'It was them.', maintainer.id);
    expect(strike.removed).toBe(true);
    const [afterStrikes] = await newCheckpoints();
    expect(afterStrikes.entries).toBeGreaterThanOrEqual(await lastSeq('member.banned'));
    expect(await count('audit_checkpoint', `reason = 'member.removed'`)).toBe(2);
  });

  it('mails one after an embargo is lifted', async () => {
    const publicAt = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16);
    const embargo = await web.app
      .get(ChangeEmbargo)
      .create({ title: 'libwidget', publicAt, timeZone: 'UTC', acceptNonWorkingDay: true }, maintainer.id);
    expect(await newCheckpoints()).toEqual([]);
    await web.app.get(ChangeEmbargo).lift(embargo.id, maintainer.id);
    const [afterLift] = await newCheckpoints();
    expect(afterLift.entries).toBeGreaterThanOrEqual(await lastSeq('embargo.lifted'));
  });

  it('mails one a day, once, however many workers look', async () => {
    const checkpoints = web.app.get(AuditCheckpoints);
    const today = new Date();
    const made = await Promise.all([checkpoints.runOnce(today), checkpoints.runOnce(today)]);
    expect(made.filter(Boolean)).toHaveLength(1);
    expect(await checkpoints.runOnce(today)).toBeNull();
    expect(await newCheckpoints()).toHaveLength(1);
    const tomorrow = new Date(today.getTime() + 86_400_000);
    expect(await checkpoints.runOnce(tomorrow)).toMatchObject({ list: web.settings.LIST_ADDRESS });
    expect(await newCheckpoints()).toHaveLength(1);
    expect(await count('audit_checkpoint', `reason = 'daily'`)).toBe(2);
  });

  it('mails none for a refused decision, and changes nothing', async () => {
    const [application] = await db().query(`SELECT id FROM application WHERE contact_email = $1`, [APPLICANT]);
    const before = { checkpoints: await count('audit_checkpoint'), audit: await count('audit_entry') };
    await expect(
      web.app.get(DecideApplication).execute(application.id, { kind: 'approve' }, maintainer.id),
    ).rejects.toThrow(/already approved/);
    expect({ checkpoints: await count('audit_checkpoint'), audit: await count('audit_entry') }).toEqual(before);
    expect(await newCheckpoints()).toEqual([]);
  });

  describe('checked with the cordon command', () => {
    const cordon = (args: string[]) => {
      const run = spawnSync(process.execPath, [join(root, 'bin', 'cordon'), ...args], {
        cwd: root,
        env: {
          ...process.env,
          DATA_DIR: web.settings.dataDir,
          DATABASE_URL: web.settings.DATABASE_URL ?? '',
          LIST_ADDRESS: web.settings.LIST_ADDRESS,
          LOG_LEVEL: 'silent',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
    };

    /** The attacker's SQL, on the database the service left (the embedded one takes one process at a time). */
    const tamper = async (statements: string[]) => {
      const url = web.settings.DATABASE_URL;
      if (url) {
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          for (const sql of statements) await client.query(sql);
        } finally {
          await client.end();
        }
        return;
      }
      const database = await openDatabase({ dataDir: web.settings.dataDir, entities: [] });
      try {
        for (const sql of statements) await database.dataSource.query(sql);
      } finally {
        await database.close();
      }
    };

    beforeAll(async () => {
      // The command opens the database itself: the embedded one must be let go first.
      await web.app.close();
      appClosed = true;
      expect(saved).toHaveLength(6);
    });

    it('takes every checkpoint a maintainer saved from gpg --decrypt, and gpg --verify reads it too', async () => {
      for (const checkpoint of saved) {
        const run = cordon(['audit', 'verify', '--checkpoint', checkpoint.file]);
        expect(run).toMatchObject({ code: 0, stderr: '' });
        expect(run.stdout).toMatch(
          new RegExp(
            `^audit log intact: \\d+ entries, head [0-9a-f]{64}; includes the checkpoint of \\S+ \\(${checkpoint.entries} entries\\)\\n$`,
          ),
        );
        const verified = await gpg.run(['--verify', checkpoint.file]);
        expect(verified.status.some((line) => line.startsWith(`VALIDSIG ${listFingerprint}`))).toBe(true);
      }
    });

    it('refuses a checkpoint altered after signing', async () => {
      const last = saved.at(-1)!;
      const altered = join(work, 'altered.txt');
      const text = readFileSync(last.file, 'utf8');
      writeFileSync(altered, text.replace(`Entries: ${last.entries}`, `Entries: ${last.entries - 1}`));
      const run = cordon(['audit', 'verify', '--checkpoint', altered]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^INVALID_INPUT: The checkpoint's signature does not verify with the list key/);
      expect(run.stdout).toBe('');
    });

    it('finds the newest entries truncated and the head moved back, which the chain alone cannot show', async () => {
      const last = saved.at(-1)!;
      const keep = last.entries - 3;
      await tamper([
        `DELETE FROM audit_entry WHERE seq > ${keep}`,
        `UPDATE audit_head SET seq = ${keep}, hash = (SELECT hash FROM audit_entry WHERE seq = ${keep}) WHERE id = 1`,
      ]);
      expect(cordon(['audit', 'verify'])).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(`^audit log intact: ${keep} entries`),
      });
      const run = cordon(['audit', 'verify', '--checkpoint', last.file]);
      expect(run.code).toBe(1);
      const time = /^Time: (\S+)/m.exec(readFileSync(last.file, 'utf8'))![1];
      expect(run.stdout).toBe(
        `audit log does NOT match the checkpoint of ${time} (${last.entries} entries): ` +
          `the log has ${keep} entries, the checkpoint saw ${last.entries}: entries were removed\n`,
      );
      // The checkpoints of entries the attack kept still match: verifying changed nothing.
      expect(cordon(['audit', 'verify', '--checkpoint', saved[0].file]).code).toBe(0);
      expect(cordon(['audit', 'verify', '--checkpoint', last.file]).code).toBe(1);
    });

    it('finds both audit tables wiped: plain verify says the log is empty', async () => {
      await tamper([`DELETE FROM audit_entry`, `DELETE FROM audit_head`]);
      expect(cordon(['audit', 'verify'])).toMatchObject({
        code: 1,
        stdout: 'audit log EMPTY: no entry at all (wiped, or Cordon never started on this database)\n',
      });
      const run = cordon(['audit', 'verify', '--checkpoint', saved[0].file]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/does NOT match the checkpoint of .*: the log has 0 entries, the checkpoint saw \d+/);
    });
  });
});
