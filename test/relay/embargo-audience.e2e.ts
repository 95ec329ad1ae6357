/**
 * An embargo's audience over real SMTP with gpg members (issue 14, "An audience per embargo"):
 * an embargo whose audience is its affected products reaches the members shipping one of them, and
 * no one else: a member shipping none, or one the maintainers excluded, gets none of its posts and
 * none of its notices (extension, lift), while a member inside gets each, encrypted to its key. An
 * embargo for everyone (the list's default) still reaches every member.
 */
import { simpleParser } from 'mailparser';
import { readKey } from 'openpgp';
import { ListKey } from '@cordon/crypto';
import { ChangeAudience, ChangeEmbargo } from '@cordon/embargo';
import { SetMemberProducts } from '@cordon/membership';
import { GpgHome } from '../support/gpg';
import { domainBeside } from '../support/domain-context';
import { aMaintainer, aMember } from '../support/factories';
import { postAsMaintainer } from '../support/gpg-list-post';
import { armoredPart } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';

const MAINTAINER = 'lead@project.example';

interface Person {
  id: string;
  email: string;
  gpg: GpgHome;
  fingerprint: string;
}

describe("an embargo's mail reaches its audience only", () => {
  let relay: RunningRelay;
  let maintainer: Person;
  let inside: Person; // ships the affected product
  let outside: Person; // ships another product
  let excluded: Person; // ships it, but the maintainers took it out
  let listFpr: string;
  const db = () => relay.runtime.database.dataSource;

  async function person(email: string): Promise<Person> {
    const gpg = GpgHome.create();
    return { id: '', email, gpg, fingerprint: await gpg.generateKey(email) };
  }

  async function aMemberShipping(p: Person, products: string) {
    const key = await p.gpg.exportPublic(p.fingerprint);
    p.id = (await aMember(relay.app, { email: p.email, key, acknowledged: true })).id;
    // The member states its products itself, as the self-service page does.
    await relay.app.get(SetMemberProducts).execute(p.id, products, `member:${p.id}`);
  }

  beforeAll(async () => {
    relay = await startRelay();
    const listArmored = await relay.app.get(ListKey).armoredPublicKey();
    maintainer = await person(MAINTAINER);
    await maintainer.gpg.importKey(listArmored);
    listFpr = (await readKey({ armoredKey: listArmored })).getFingerprint().toUpperCase();
    const key = await maintainer.gpg.exportPublic(maintainer.fingerprint);
    maintainer.id = (await aMaintainer(await domainBeside(relay.runtime), { email: MAINTAINER, key })).maintainerId;
    [inside, outside, excluded] = await Promise.all([
      person('sec@inside.example'),
      person('sec@outside.example'),
      person('sec@excluded.example'),
    ]);
    await aMemberShipping(inside, 'OpenSSL\nlibfoo');
    await aMemberShipping(outside, 'zlib');
    await aMemberShipping(excluded, 'openssl');
  });

  afterAll(async () => {
    await relay?.close();
    for (const p of [maintainer, inside, outside, excluded]) await p?.gpg.cleanup();
  });

  const post = (subject: string, text: string) => postAsMaintainer(relay, maintainer, listFpr, subject, text);

  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

  /** What each member's gpg reads in every mail the sink received for it: the subject inside, and the text. */
  async function mailOf(member: Person): Promise<{ subject: string; text: string }[]> {
    const read = [];
    for (const mail of relay.sink.to(member.email)) {
      const opened = await member.gpg.decrypt(armoredPart(mail.raw.toString('utf8')));
      expect(opened.decrypted).toBe(true);
      const parsed = await simpleParser(opened.plaintext);
      read.push({ subject: parsed.subject ?? '', text: parsed.text ?? '' });
    }
    return read;
  }

  const copyReason = async (memberId: string) =>
    (
      (await db().query(
        `SELECT d.status, d.reason FROM post_delivery d JOIN post p ON p.id = d.post_id
         WHERE d.member_id = $1 ORDER BY p.created_at`,
        [memberId],
      )) as { status: string; reason: string | null }[]
    ).map((row) => `${row.status}:${row.reason ?? ''}`);

  it('posts and notices of an embargo for its products go to the members shipping them, not excluded', async () => {
    const changeEmbargo = relay.app.get(ChangeEmbargo);
    const input = { title: 'Overflow in OpenSSL', publicAt: inDays(5), timeZone: 'UTC', acceptNonWorkingDay: true };
    const embargo = await changeEmbargo.create(
      { ...input, products: 'openssl', audienceMode: 'products' },
      maintainer.id,
    );
    await relay.app.get(ChangeAudience).pick(embargo.id, excluded.id, 'exclude', maintainer.id);
    const tag = `[EMB-${embargo.number}]`;

    await post(`${tag} Overflow in OpenSSL: the patch`, 'the patch');
    const extended = await changeEmbargo.extend(
      embargo.id,
      {
        publicAt: inDays(6),
        timeZone: 'UTC',
        reason: 'The fix needs another day of review.',
        acceptNonWorkingDay: true,
      },
      maintainer.id,
    );
    expect(extended.membersTold).toBe(1);
    await post(`Re: ${tag} Overflow in OpenSSL: the backport`, 'the backport');
    const lifted = await changeEmbargo.lift(embargo.id, maintainer.id);
    expect(lifted.membersTold).toBe(1);
    await relay.settle();

    // Inside: both posts and both notices, each encrypted to its key alone (two queues: in any order).
    const received = await mailOf(inside);
    expect(received.map((mail) => mail.subject).sort()).toEqual(
      [
        `${tag} Overflow in OpenSSL: the patch`,
        `${tag} Embargo extended: Overflow in OpenSSL`,
        `Re: ${tag} Overflow in OpenSSL: the backport`,
        `${tag} Embargo lifted: Overflow in OpenSSL`,
      ].sort(),
    );
    const notice = received.find((mail) => mail.subject.includes('Embargo extended'));
    expect(notice?.text).toContain('The fix needs another day of review.');
    // Outside, and excluded: nothing at all, and each copy is recorded as skipped for the audience.
    for (const member of [outside, excluded]) {
      expect(relay.sink.to(member.email)).toHaveLength(0);
      expect(await copyReason(member.id)).toEqual(['skipped:not_in_audience', 'skipped:not_in_audience']);
    }
    expect(await copyReason(inside.id)).toEqual(['sent:', 'sent:']);
  });

  it('an embargo for everyone, the list default, reaches every member', async () => {
    const before = Object.fromEntries([inside, outside, excluded].map((m) => [m.email, relay.sink.to(m.email).length]));
    const input = { title: 'Race in zlib', publicAt: inDays(5), timeZone: 'UTC', acceptNonWorkingDay: true };
    const embargo = await relay.app.get(ChangeEmbargo).create({ ...input, products: 'zlib' }, maintainer.id);
    expect(embargo.audienceMode).toBe('all');
    await post(`[EMB-${embargo.number}] Race in zlib`, 'for everyone');
    for (const member of [inside, outside, excluded]) {
      expect(relay.sink.to(member.email)).toHaveLength(before[member.email] + 1);
      const [last] = (await mailOf(member)).slice(-1);
      expect(last.subject).toBe(`[EMB-${embargo.number}] Race in zlib`);
    }
  });
});
