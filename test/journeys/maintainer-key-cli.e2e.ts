/**
 * Issue 11: the README's "Replacing a maintainer's key" for a maintainer who lost its key, as the
 * operator runs it: `cordon serve` on a fresh data directory and, beside it, `cordon maintainer
 * key ADDRESS --key new.asc`. The proof link comes encrypted to the new key (the old gpg cannot
 * open it), is followed over HTTP, and from then on the new key's post is relayed to the member
 * while the old key's is refused, reported to the maintainers as SIGNER_NOT_MAINTAINER.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import request from 'supertest';
import { gpgPost } from '../support/client-mail';
import { eventually } from '../support/eventually';
import { csrfFrom, pathOf } from '../support/forms';
import { GpgHome } from '../support/gpg';
import { linkIn, mailTo, openMail, OpenedMail } from '../support/mailbox';
import { freePort } from '../support/ports';
import { cordon, emptyLocation, Location, Service, serviceEnv, startService } from '../support/service';

const LIST = 'distributors@example.org';
const KIM = 'kim@project.example';
const MEMBER = 'security@distro.example';

interface Person {
  email: string;
  gpg: GpgHome;
  fingerprint: string;
}

describe('replacing a lost maintainer key with the CLI, beside the running service', () => {
  jest.setTimeout(240_000);
  let location: Location;
  let operator: string;
  let env: NodeJS.ProcessEnv;
  let url: string;
  let smtpPort: number;
  let service: Service | undefined;
  let listFpr: string;
  const homes: GpgHome[] = [];

  const cli = (...args: string[]) => cordon(args, { cwd: operator, env });

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

  /** A key made in a gpg home of its own, exported to `file` in the operator's directory. */
  async function aKey(email: string, file: string): Promise<Person> {
    const gpg = GpgHome.create();
    homes.push(gpg);
    const fingerprint = await gpg.generateKey(email);
    writeFileSync(join(operator, file), await gpg.exportPublic(fingerprint));
    return { email, gpg, fingerprint };
  }

  async function post(signer: Person, subject: string): Promise<void> {
    const raw = await gpgPost({
      gpg: signer.gpg,
      signerFingerprint: signer.fingerprint,
      listFingerprint: listFpr,
      from: { name: signer.email, address: signer.email },
      to: LIST,
      subject,
      text: `Signed by ${signer.fingerprint}.\n`,
    });
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: signer.email, to: [LIST] }, raw });
    } finally {
      transport.close();
    }
  }

  /** The next mail to `address` beyond the `seen` it had, opened by `gpg`. */
  async function nextMailTo(address: string, seen: number, gpg: GpgHome): Promise<OpenedMail> {
    const mails = await eventually(() => {
      const all = mailTo(location.dataDir, address);
      return all.length > seen ? all : undefined;
    });
    return openMail(gpg, mails[seen]);
  }
  const count = (address: string) => mailTo(location.dataDir, address).length;

  it('mails the proof to the new key; once followed, the new key posts and the old one is refused', async () => {
    const oldKey = await aKey(KIM, 'kim-old.asc');
    const newKey = await aKey(KIM, 'kim-new.asc');
    const stranger = await aKey('stranger@elsewhere.example', 'stranger.asc');
    const member = await aKey(MEMBER, 'member.asc');
    expect((await cli('maintainer', 'add', '--email', KIM, '--name', 'Kim', '--key', 'kim-old.asc')).code).toBe(0);
    const imported = await cli(
      ...['member', 'import', '--email', MEMBER, '--org', 'Distro', '--key', 'member.asc', '--acknowledged'],
    );
    expect(imported.code).toBe(0);
    const listKey = await cli('list-key', 'export');
    for (const p of [oldKey, newKey, stranger, member]) await p.gpg.importKey(listKey.stdout);
    listFpr = /^fpr:+([0-9A-F]{40}):/m.exec(
      (await member.gpg.must(['--with-colons', '--show-keys'], listKey.stdout)).stdout.toString(),
    )![1];

    // Refused, with the reason, and no mail: a key without Kim's address, an address no maintainer has.
    const before = count(KIM);
    const wrongKey = await cli('maintainer', 'key', KIM, '--key', 'stranger.asc');
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/KEY_NO_MATCHING_USER_ID/);
    const nobody = await cli('maintainer', 'key', 'nobody@project.example', '--key', 'kim-new.asc');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/NOT_FOUND/);

    const proposed = await cli('maintainer', 'key', KIM, '--key', 'kim-new.asc');
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toContain(newKey.fingerprint);

    // Until the link is followed, the old key is the one in force.
    await post(oldKey, 'Old key, before');
    expect(await nextMailTo(MEMBER, 0, member.gpg)).toMatchObject({ subject: 'Old key, before', goodSignature: true });

    // The proof: only the new key opens it.
    const { proofMail, proof } = await eventually(async () => {
      for (const mail of mailTo(location.dataDir, KIM).slice(before)) {
        const opened = await openMail(newKey.gpg, mail).catch(() => undefined);
        if (opened?.subject.startsWith('Confirm your new maintainer key')) return { proofMail: mail, proof: opened };
      }
      return undefined;
    });
    await expect(openMail(oldKey.gpg, proofMail)).rejects.toThrow(/could not decrypt/);
    const link = pathOf(linkIn(proof.text, '/admin/key/confirm/'));
    const browser = request.agent(url);
    const page = await browser.get(link).expect(200);
    expect(page.text).toContain(newKey.fingerprint);
    const confirmed = await browser
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain(newKey.fingerprint);

    // Now the new key's post reaches the member; the old key's is refused and reported.
    await post(newKey, 'New key');
    expect(await nextMailTo(MEMBER, 1, member.gpg)).toMatchObject({ subject: 'New key', goodSignature: true });
    const kimHad = count(KIM);
    await post(oldKey, 'Old key, after');
    // Maintainer mail now comes encrypted to the new key (the notice to the old key aside).
    const report = await eventually(async () => {
      for (const mail of mailTo(location.dataDir, KIM).slice(kimHad)) {
        const opened = await openMail(newKey.gpg, mail).catch(() => undefined);
        if (opened?.subject.startsWith('Refused a message')) return opened;
      }
      return undefined;
    });
    expect(report.text).toContain('Reason: SIGNER_NOT_MAINTAINER');
    expect(count(MEMBER)).toBe(2);
  });
});
