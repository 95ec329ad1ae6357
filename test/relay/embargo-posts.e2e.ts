/**
 * Posts and embargoes (issue 5): a maintainer's post tagged `[EMB-n]` belongs to embargo n; a tag
 * naming no embargo is refused; a member who has not acknowledged the current policy has its copy
 * held, gets it once it acknowledges while the embargo runs, and never once it has been lifted;
 * maintainers are reminded before the public moment. Real SMTP ingress, real gpg on both ends.
 */
import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { readKey } from 'openpgp';
import { ListKey, SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { ChangeEmbargo, EmbargoReminders } from '@cordon/embargo';
import { Policies } from '@cordon/policy';
import { PostStatusQueries } from '@cordon/relay';
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

describe('posts of an embargo, held mail and reminders', () => {
  let relay: RunningRelay;
  let maintainer: Person;
  let acked: Person; // has acknowledged the current policy
  let late: Person; // has not, and acknowledges during the tests
  let later: Person; // has not, and acknowledges only after the embargo is lifted
  let listFpr: string;
  const db = () => relay.runtime.database.dataSource;
  // The web app's read side, on the relay's database.
  const statusQueries = () => new PostStatusQueries(db(), relay.app.get<ServerSecret>(SERVER_SECRET));

  async function person(email: string): Promise<Person> {
    const gpg = GpgHome.create();
    const fingerprint = await gpg.generateKey(email);
    return { id: randomUUID(), email, gpg, fingerprint };
  }

  async function addMember(p: Person, acknowledged: boolean) {
    p.id = (
      await aMember(relay.app, { email: p.email, key: await p.gpg.exportPublic(p.fingerprint), acknowledged })
    ).id;
  }

  beforeAll(async () => {
    relay = await startRelay();
    const listArmored = await relay.app.get(ListKey).armoredPublicKey();
    maintainer = await person(MAINTAINER);
    await maintainer.gpg.importKey(listArmored);
    listFpr = (await readKey({ armoredKey: listArmored })).getFingerprint().toUpperCase();
    const key = await maintainer.gpg.exportPublic(maintainer.fingerprint);
    maintainer.id = (await aMaintainer(await domainBeside(relay.runtime), { email: MAINTAINER, key })).maintainerId;
    [acked, late, later] = await Promise.all([
      person('sec@acked.example'),
      person('sec@late.example'),
      person('sec@later.example'),
    ]);
    await addMember(acked, true);
    await addMember(late, false);
    await addMember(later, false);
  });

  afterAll(async () => {
    await relay?.close();
    for (const p of [maintainer, acked, late, later]) await p?.gpg.cleanup();
  });

  const post = (subject: string, text: string) => postAsMaintainer(relay, maintainer, listFpr, subject, text);

  async function anEmbargo(title: string, hoursAhead = 24 * 7) {
    const publicAt = new Date(Date.now() + hoursAhead * 3_600_000).toISOString().slice(0, 16);
    return relay.app
      .get(ChangeEmbargo)
      .create({ title, cveIds: [], publicAt, timeZone: 'UTC', acceptNonWorkingDay: true }, maintainer.id);
  }

  const copyOf = async (postId: string, member: Person) =>
    (
      (await db().query(
        'SELECT status, reason, key_packet IS NOT NULL AS has_packet FROM post_delivery WHERE post_id = $1 AND member_id = $2',
        [postId, member.id],
      )) as { status: string; reason: string | null; has_packet: boolean }[]
    )[0];

  const postWithSubjectLike = async (marker: string) => {
    const posts = await statusQueries().list();
    const found = posts.find((p) => p.subject.includes(marker));
    if (!found) {
      const inbound = await db().query('SELECT status, refusal_code FROM inbound_message ORDER BY received_at');
      throw new Error(`no post with ${marker}: ${JSON.stringify(inbound)}`);
    }
    return found;
  };

  /** What the member's gpg reads in the copies the sink received for it, as protected subjects. */
  async function subjectsReceivedBy(member: Person): Promise<string[]> {
    const subjects: string[] = [];
    for (const mail of relay.sink.to(member.email)) {
      const opened = await member.gpg.decrypt(armoredPart(mail.raw.toString('utf8')));
      expect(opened.decrypted).toBe(true);
      subjects.push((await simpleParser(opened.plaintext)).subject ?? '');
    }
    return subjects;
  }

  async function acknowledge(member: Person) {
    const policies = relay.app.get(Policies);
    const released = await db().transaction(async (manager) =>
      policies.acknowledge(manager, member.id, await policies.current(manager), 'self_service', `member:${member.id}`),
    );
    await relay.settle();
    return released;
  }

  it('links a post tagged [EMB-n] to embargo n, and shows it with who received it', async () => {
    const embargo = await anEmbargo('Overflow in libfoo');
    await post(`Re: [emb-${embargo.number}] Overflow in libfoo: patch`, 'the patch, tagged');
    const found = await postWithSubjectLike('patch');
    expect(found.embargo).toEqual({ id: embargo.id, tag: `EMB-${embargo.number}` });
    const status = statusQueries();
    expect((await status.forEmbargo(embargo.id)).map((p) => p.id)).toEqual([found.id]);
    const recipients = await status.recipientsOfEmbargo(embargo.id);
    expect(recipients.find((r) => r.email === acked.email)).toMatchObject({ delivered: 1, waiting: 0 });
    // Held, not skipped, for the two who have not acknowledged: their copies wait with their key packets.
    for (const member of [late, later]) {
      expect(recipients.find((r) => r.email === member.email)).toMatchObject({ delivered: 0, waiting: 1 });
      expect(await copyOf(found.id, member)).toEqual({
        status: 'held',
        reason: 'policy_not_acknowledged',
        has_packet: true,
      });
      expect(relay.sink.to(member.email)).toHaveLength(0);
    }
    expect(await subjectsReceivedBy(acked)).toEqual([`Re: [emb-${embargo.number}] Overflow in libfoo: patch`]);
    const [accepted] = (await db().query(
      `SELECT details FROM audit_entry WHERE action = 'post.accepted' AND subject = $1`,
      [`post:${found.id}`],
    )) as { details: Record<string, unknown> }[];
    expect(accepted.details).toMatchObject({ embargoId: embargo.id, recipients: 1, held: 2 });
  });

  it('refuses a post whose tag names no embargo, and tells the maintainer why', async () => {
    const before = relay.sink.received.length;
    await post('[EMB-9999] wrong number', 'never relayed');
    const [refused] = (await db().query(
      `SELECT refusal_code FROM inbound_message WHERE status = 'refused' ORDER BY received_at DESC LIMIT 1`,
    )) as { refusal_code: string }[];
    expect(refused.refusal_code).toBe('UNKNOWN_EMBARGO');
    const sent = relay.sink.received.slice(before);
    expect(sent.map((m) => m.envelope.to[0])).toEqual([MAINTAINER]);
    const opened = await maintainer.gpg.decrypt(armoredPart(sent[0].raw.toString('utf8')));
    const { text } = await simpleParser(opened.plaintext);
    expect(text).toContain('The subject names embargo EMB-9999, which does not exist.');
    expect(text).not.toContain('never relayed');
  });

  it('delivers the held copy once the member acknowledges, while the embargo runs', async () => {
    const found = await postWithSubjectLike('patch');
    expect(await acknowledge(late)).toBe(1);
    expect(await copyOf(found.id, late)).toMatchObject({ status: 'sent' });
    expect(await subjectsReceivedBy(late)).toEqual([expect.stringContaining('Overflow in libfoo: patch')]);
    const [released] = (await db().query(
      `SELECT details FROM audit_entry WHERE action = 'post.copies_released' AND subject = $1`,
      [`member:${late.id}`],
    )) as { details: { deliveries: { postId: string }[] } }[];
    expect(released.details.deliveries).toEqual([expect.objectContaining({ postId: found.id })]);
  });

  it('never delivers a held copy once its embargo is lifted, even when the member acknowledges later', async () => {
    const found = await postWithSubjectLike('patch');
    await relay.app.get(ChangeEmbargo).lift(found.embargo!.id, maintainer.id);
    expect(await copyOf(found.id, later)).toMatchObject({ status: 'skipped', reason: 'embargo_ended' });
    expect(await acknowledge(later)).toBe(0);
    await relay.settle();
    expect(await copyOf(found.id, later)).toMatchObject({ status: 'skipped', reason: 'embargo_ended' });
    // The lift notice goes to those who acknowledged; the post itself never reached `later`.
    expect(await subjectsReceivedBy(later)).toEqual([]);
  });

  it('does not hold a post of an embargo that has already ended for members who have not acknowledged', async () => {
    const ended = await anEmbargo('Already public');
    await relay.app.get(ChangeEmbargo).lift(ended.id, maintainer.id);
    const stranger = await person('sec@newcomer.example');
    await addMember(stranger, false);
    await post(`[EMB-${ended.number}] advisory published`, 'after the fact');
    const found = await postWithSubjectLike('advisory published');
    expect(await copyOf(found.id, stranger)).toMatchObject({ status: 'skipped', reason: 'embargo_ended' });
    await stranger.gpg.cleanup();
  });

  it('holds copies of an untagged post and releases them on acknowledgement', async () => {
    const newcomer = await person('sec@untagged.example');
    await addMember(newcomer, false);
    await post('No tag here', 'untagged');
    const found = await postWithSubjectLike('No tag here');
    expect(found.embargo).toBeNull();
    expect(await copyOf(found.id, newcomer)).toMatchObject({ status: 'held' });
    expect(await acknowledge(newcomer)).toBe(1);
    expect(await copyOf(found.id, newcomer)).toMatchObject({ status: 'sent' });
    await newcomer.gpg.cleanup();
  });

  describe('reminders', () => {
    const reminders = () => relay.app.get(EmbargoReminders);
    const remindersTo = (embargoId: string) =>
      db().query(`SELECT hours_before FROM embargo_reminder WHERE embargo_id = $1 ORDER BY sent_at`, [
        embargoId,
      ]) as Promise<{ hours_before: number }[]>;

    it('reminds each maintainer once, encrypted, at the latest threshold crossed', async () => {
      const soon = await anEmbargo('Ends soon', 10);
      const before = relay.sink.to(MAINTAINER).length;
      await reminders().runOnce();
      await relay.settle();
      expect(await remindersTo(soon.id)).toEqual([{ hours_before: 24 }]);
      await reminders().runOnce();
      await relay.settle();
      const mail = relay.sink.to(MAINTAINER).slice(before);
      expect(mail).toHaveLength(1);
      expect(mail[0].raw.toString('latin1')).not.toContain('Ends soon');
      const opened = await maintainer.gpg.decrypt(armoredPart(mail[0].raw.toString('utf8')));
      expect(opened.goodSignature).toBe(true);
      const inner = await simpleParser(opened.plaintext);
      expect(inner.subject).toMatch(new RegExp(`^\\[EMB-${soon.number}\\] Public in (9|10) hours: Ends soon$`));
      expect(inner.text).toContain(`/admin/embargoes/${soon.id}`);
    });

    it('reminds again when the moment has passed unlifted, and after an extension at the new moment', async () => {
      const soon = await anEmbargo('Overdue', 1);
      await reminders().runOnce();
      await reminders().runOnce(new Date(Date.now() + 2 * 3_600_000));
      expect((await remindersTo(soon.id)).map((r) => r.hours_before)).toEqual([24, 0]);
      const publicAt = new Date(Date.now() + 30 * 3_600_000).toISOString().slice(0, 16);
      await relay.app
        .get(ChangeEmbargo)
        .extend(
          soon.id,
          { publicAt, timeZone: 'UTC', reason: 'the fix needs another day', acceptNonWorkingDay: true },
          maintainer.id,
        );
      await reminders().runOnce();
      expect((await remindersTo(soon.id)).map((r) => r.hours_before)).toEqual([24, 0, 72]);
    });

    it('sends nothing for an embargo far from its moment, or lifted', async () => {
      const far = await anEmbargo('Far away', 24 * 10);
      const lifted = await anEmbargo('Lifted early', 5);
      await relay.app.get(ChangeEmbargo).lift(lifted.id, maintainer.id);
      await reminders().runOnce();
      expect(await remindersTo(far.id)).toEqual([]);
      expect(await remindersTo(lifted.id)).toEqual([]);
    });
  });
});
