/**
 * Terms in every copy (issue 14; README, "Terms in every copy"): over real SMTP, a member's gpg
 * reads a post's terms as protected headers and one EMBARGOED line, while the outer subject stays
 * "..."; a post with no tag is refused by default, and the maintainer's encrypted refusal names the
 * active embargoes' tags; with UNTAGGED_POSTS=relay the same post goes out, without terms.
 */
import { createTransport } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { DateTime } from 'luxon';
import { readKey } from 'openpgp';
import { ListKey } from '@cordon/crypto';
import { ChangeEmbargo, Embargo } from '@cordon/embargo';
import { Policies } from '@cordon/policy';
import { gpgPost } from '../support/client-mail';
import { domainBeside } from '../support/domain-context';
import { aMaintainer, aMember } from '../support/factories';
import { GpgHome } from '../support/gpg';
import { armoredPart } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';

const LIST = 'distributors@example.org';
const MAINTAINER = 'lead@project.example';
const MEMBER = 'sec@distro-a.example';

/** A weekday about a week ahead, 14:00 in Berlin, as the maintainer types it. */
function aWeekdayAhead(): string {
  let day = DateTime.now().setZone('Europe/Berlin').plus({ days: 6 });
  while (day.weekday > 5) day = day.plus({ days: 1 });
  return `${day.toFormat('yyyy-MM-dd')}T14:00`;
}

describe('terms in every copy, and untagged posts', () => {
  let relay: RunningRelay;
  const lead = GpgHome.create();
  const member = GpgHome.create();
  let leadFpr: string;
  let leadId: string;
  let listFpr: string;
  let embargo: Embargo;

  beforeAll(async () => {
    relay = await startRelay({ UNTAGGED_POSTS: undefined }); // the default: refuse
    const listArmored = await relay.app.get(ListKey).armoredPublicKey();
    listFpr = (await readKey({ armoredKey: listArmored })).getFingerprint().toUpperCase();
    await lead.importKey(listArmored);
    await member.importKey(listArmored);
    leadFpr = await lead.generateKey(MAINTAINER);
    const key = await lead.exportPublic(leadFpr);
    leadId = (await aMaintainer(await domainBeside(relay.runtime), { email: MAINTAINER, key })).maintainerId;
    await aMember(relay.app, { email: MEMBER, key: await member.exportPublic(await member.generateKey(MEMBER)) });
    embargo = await relay.app.get(ChangeEmbargo).create(
      {
        title: 'Overflow in libfoo',
        cveIds: ['CVE-2026-1234'],
        publicAt: aWeekdayAhead(),
        timeZone: 'Europe/Berlin',
      },
      leadId,
    );
  });

  afterAll(async () => {
    await relay?.close();
    await lead.cleanup();
    await member.cleanup();
  });

  async function post(subject: string): Promise<void> {
    const from = { name: 'Lea Lead', address: MAINTAINER };
    // Each post's own words: EdDSA signs deterministically, so the same text signed in the same second
    // would make the very signature the list already relayed, which it rightly refuses as a replay.
    const text = `The fix is in 2.1. (${subject})`;
    const raw = await gpgPost({
      from,
      to: LIST,
      subject,
      text,
      gpg: lead,
      signerFingerprint: leadFpr,
      listFingerprint: listFpr,
    });
    const smtp = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    await smtp.sendMail({ envelope: { from: MAINTAINER, to: [LIST] }, raw }).finally(() => smtp.close());
    await relay.settle();
  }

  /** The last mail the sink took for an address, as its gpg decrypts it. */
  async function lastOpenedBy(gpg: GpgHome, address: string) {
    const mail = relay.sink.to(address).at(-1)!;
    const opened = await gpg.decrypt(armoredPart(mail.raw.toString('utf8')));
    expect(opened.decrypted).toBe(true);
    return { outer: await simpleParser(mail.raw), plaintext: opened.plaintext.toString('utf8') };
  }

  it("shows the terms to the member's gpg inside the encryption, and nothing of them outside", async () => {
    await post(`[EMB-${embargo.number}] Overflow in libfoo: the fix`);
    const { outer, plaintext } = await lastOpenedBy(member, MEMBER);
    expect(outer.subject).toBe('...');
    expect(JSON.stringify(outer.headerLines)).not.toMatch(/Embargo-|EMB-|CVE-/);

    const policy = (await relay.app.get(Policies).current()).version;
    const local = DateTime.fromJSDate(embargo.publicAt, { zone: 'Europe/Berlin' });
    const head = plaintext.split('\r\n\r\n')[0];
    expect(head).toContain(`\r\nSubject: [EMB-${embargo.number}] Overflow in libfoo: the fix\r\n`);
    expect(head).toContain(`\r\nEmbargo-ID: EMB-${embargo.number} ${embargo.id}\r\n`);
    expect(head).toContain(`\r\nEmbargo-Until: ${embargo.publicAt.toISOString().replace('.000Z', 'Z')}\r\n`);
    expect(head).toContain(
      `\r\nEmbargo-Until-Local: ${local.toFormat('yyyy-MM-dd')} 14:00 Europe/Berlin (${local.toFormat('ZZ')})\r\n`,
    );
    expect(head).toContain('\r\nEmbargo-CVE: CVE-2026-1234\r\n');
    expect(head).toContain(`\r\nEmbargo-Policy-Version: ${policy}`);

    const line =
      `EMBARGOED until ${local.toFormat('yyyy-MM-dd')} 14:00 Europe/Berlin ` +
      `(${DateTime.fromJSDate(embargo.publicAt, { zone: 'UTC' }).toFormat('HH:mm')} UTC) — ` +
      `EMB-${embargo.number}, CVE-2026-1234; Embargo Policy version ${policy}. Do not share beyond your need-to-know team.`;
    const inner = await simpleParser(plaintext);
    expect(inner.text?.split('\n')[0]).toBe(line);
    // The line comes first; the maintainer's own text, as signed, after it.
    expect(plaintext.indexOf(line)).toBeLessThan(plaintext.indexOf('The fix is in 2.1.'));
  });

  it('refuses an untagged post by default, and tells the maintainer, encrypted, which tags exist', async () => {
    const before = relay.sink.to(MEMBER).length;
    await post('Overflow in libfoo, without a tag');
    const [refused] = (await relay.runtime.database.dataSource.query(
      `SELECT refusal_code FROM inbound_message WHERE status = 'refused' ORDER BY received_at DESC LIMIT 1`,
    )) as { refusal_code: string }[];
    expect(refused.refusal_code).toBe('UNTAGGED_POST');
    expect(relay.sink.to(MEMBER)).toHaveLength(before);
    const report = relay.sink.to(MAINTAINER).at(-1)!;
    expect(report.raw.toString('latin1')).not.toContain('Overflow in libfoo');
    const { plaintext } = await lastOpenedBy(lead, MAINTAINER);
    const { text } = await simpleParser(plaintext);
    expect(text).toContain('UNTAGGED_POST');
    expect(text).toContain('The subject names no embargo');
    expect(text).toContain(`[EMB-${embargo.number}] Overflow in libfoo`);
    expect(text).not.toContain('without a tag');
  });

  it('relays the untagged post, without terms, once the list is set to UNTAGGED_POSTS=relay', async () => {
    await relay.stop();
    if (relay.runtime.database.dataSource.isInitialized) await relay.runtime.database.close();
    relay = await startRelay({ UNTAGGED_POSTS: 'relay' }, relay);
    const before = relay.sink.to(MEMBER).length;
    await post('An announcement, without a tag');
    expect(relay.sink.to(MEMBER)).toHaveLength(before + 1);
    const { plaintext } = await lastOpenedBy(member, MEMBER);
    expect(plaintext).toContain('Subject: An announcement, without a tag');
    expect(plaintext).not.toMatch(/Embargo-|EMBARGOED/);
  });
});
