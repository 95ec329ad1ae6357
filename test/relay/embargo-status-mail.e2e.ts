/**
 * A member's status for an embargo by signed mail to `-ack` (issue 14), over the real SMTP ingress
 * with `gpg --clearsign` as the member: it sets the status, and the member reads an encrypted
 * confirmation with its own gpg. Hostile statements (an embargo that does not exist, a member
 * outside the audience, a version with markup, a signature used before) are refused and change
 * nothing.
 */
import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { ListKey } from '@cordon/crypto';
import { ChangeEmbargo, Embargo } from '@cordon/embargo';
import { SetMemberProducts } from '@cordon/membership';
import { aMember } from '../support/factories';
import { GpgHome } from '../support/gpg';
import { armoredPart } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';

const ACK = 'distributors-ack@example.org';
const MAINTAINER = '00000000-0000-4000-8000-000000000001';

interface Peer {
  id: string;
  email: string;
  gpg: GpgHome;
  fpr: string;
}

describe('an embargo status by signed mail to -ack', () => {
  let relay: RunningRelay;
  let embargo: Embargo;
  const peers: Record<'inside' | 'outside', Peer> = {} as never;

  beforeAll(async () => {
    relay = await startRelay();
    const listKey = await relay.app.get(ListKey).armoredPublicKey();
    for (const [name, product] of [
      ['inside', 'openssl'],
      ['outside', 'zlib'],
    ] as const) {
      const email = `sec@${name}.example`;
      const gpg = GpgHome.create();
      const fpr = await gpg.generateKey(email);
      await gpg.importKey(listKey);
      const { id } = await aMember(relay.app, { email, key: (await gpg.exportPublic(fpr)) as string });
      await relay.app.get(SetMemberProducts).execute(id, product, 'test');
      peers[name] = { id, email, gpg, fpr };
    }
    const publicAt = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 16);
    const input = { title: 'Overflow in libfoo', publicAt, timeZone: 'UTC', products: 'openssl' };
    embargo = await relay.app
      .get(ChangeEmbargo)
      .create({ ...input, audienceMode: 'products', acceptNonWorkingDay: true } as typeof input, MAINTAINER);
  }, 120_000);

  afterAll(async () => {
    await relay?.close();
    for (const peer of Object.values(peers)) await peer.gpg.cleanup();
  });

  /** `gpg --clearsign` in a text/plain body, as mutt's inline signing sends it, mailed to -ack. */
  async function mailStatement(peer: Peer, text: string, raw?: Buffer): Promise<Buffer> {
    const { stdout } = await peer.gpg.must(['--local-user', peer.fpr, '--clearsign'], text);
    const headers = `From: ${peer.email}\r\nTo: ${ACK}\r\nSubject: status\r\nMessage-ID: <${randomUUID()}@x>\r\n`;
    const body =
      raw ?? Buffer.from(`${headers}Content-Type: text/plain; charset=utf-8\r\n\r\n${stdout.toString('utf8')}`);
    const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    await transport.sendMail({ envelope: { from: peer.email, to: [ACK] }, raw: body }).finally(() => transport.close());
    await relay.settle();
    return body;
  }

  const lastRefusal = async () =>
    (
      (await relay.runtime.database.dataSource.query(
        `SELECT status, refusal_code FROM inbound_message ORDER BY received_at DESC LIMIT 1`,
      )) as { status: string; refusal_code: string | null }[]
    )[0];
  const statuses = () =>
    relay.runtime.database.dataSource.query(
      'SELECT member_id, status, fixed_version, publish_at, via FROM embargo_member_status',
    ) as Promise<
      { member_id: string; status: string; fixed_version: string | null; publish_at: Date | null; via: string }[]
    >;
  const tag = () => `EMB-${embargo.number}`;

  it('sets the status of a member in the audience, and confirms it encrypted', async () => {
    const before = relay.sink.received.length;
    const sent = await mailStatement(peers.inside, `Dear maintainers,\n\nStatus ${tag()}: fixed in 1.2.4-1\n`);
    expect(await lastRefusal()).toEqual({ status: 'processed', refusal_code: null });
    expect(await statuses()).toEqual([
      { member_id: peers.inside.id, status: 'fixed', fixed_version: '1.2.4-1', publish_at: null, via: 'mail' },
    ]);
    const [confirmation] = relay.sink.received.slice(before).filter((m) => m.envelope.to.includes(peers.inside.email));
    const opened = await peers.inside.gpg.decrypt(armoredPart(confirmation.raw.toString('utf8')));
    expect(opened.decrypted).toBe(true);
    expect(opened.plaintext.toString('utf8')).toContain(`your status for ${tag()}`);
    expect(opened.plaintext.toString('utf8')).toContain('"fixed in 1.2.4-1"');

    // The same signed message again is a replay: refused, nothing changes.
    await mailStatement(peers.inside, '', sent);
    expect(await lastRefusal()).toEqual({ status: 'refused', refusal_code: 'REPLAYED' });
  });

  it('replaces it by a later statement, a moment in the zone the member names', async () => {
    await mailStatement(peers.inside, `Status ${tag()}: will publish at 2031-01-10 14:00 Europe/Berlin`);
    const [row] = await statuses();
    expect(row).toMatchObject({ status: 'will_publish', fixed_version: null, via: 'mail' });
    expect(new Date(row.publish_at!).toISOString()).toBe('2031-01-10T13:00:00.000Z');
  });

  it.each([
    ['an embargo that does not exist', 'inside', (): string => 'Status EMB-9999: affected', 'UNKNOWN_EMBARGO'],
    ['a member outside the audience', 'outside', (): string => `Status ${tag()}: affected`, 'INVALID_STATUS'],
    ['a version with markup', 'inside', (): string => `Status ${tag()}: fixed in <script>1</script>`, 'INVALID_STATUS'],
    ['words the list does not read', 'inside', (): string => `Status ${tag()}: probably fine`, 'INVALID_STATUS'],
  ] as const)('refuses %s, and changes nothing', async (_what, who, text, code) => {
    const before = await statuses();
    await mailStatement(peers[who], text());
    expect(await lastRefusal()).toEqual({ status: 'refused', refusal_code: code });
    expect(await statuses()).toEqual(before);
  });
});
