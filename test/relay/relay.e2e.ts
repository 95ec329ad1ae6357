/**
 * The encrypted relay end to end: a maintainer's post, made by real clients (gpg, sq, and in the
 * shapes Thunderbird, mutt and Evolution write), sent over SMTP to the list, reaches every active
 * member encrypted to that member alone, and nobody else; everything else is refused.
 */
import { randomUUID } from 'node:crypto';
import { PrivateKey, PublicKey } from 'openpgp';
import { evolutionPost, gpgPost, inlinePost, sqPost, thunderbirdPost, muttPost, SqPeer } from '../support/client-mail';
import { relayWorld } from '../support/relay-world';
import { GpgHome } from '../support/gpg';

describe('the encrypted relay', () => {
  const world = relayWorld();
  const { members, db, addMaintainer, opts, relayPost, expectDeliveredToMembersOnly } = world;
  let gpg: GpgHome;
  let sq: SqPeer;
  let listKey: PublicKey;
  let listArmored: string;
  let maintainerFpr: string;
  let maintainerJs: PrivateKey;
  beforeAll(() => {
    ({ gpg, sq, listKey, listArmored, maintainerFpr, maintainerJs } = world.state());
  });

  it('relays a PGP/MIME post made by gpg, with an attachment and non-ASCII text, to every active member', async () => {
    const subject = `Sicherheitslücke in libfoo ${randomUUID().slice(0, 8)}`;
    const body = 'Überlauf in parse_header(), Fix anbei. Embargo bis Dienstag.';
    const raw = await gpgPost({
      ...opts(subject, body),
      gpg,
      signerFingerprint: maintainerFpr,
      listFingerprint: listKey.getFingerprint(),
    });
    const { copies } = await relayPost(raw, subject);
    await expectDeliveredToMembersOnly(copies, [subject, body]);
  });

  it.each([
    [
      'inline PGP made by gpg',
      async (s: string, b: string) =>
        gpgPost({
          ...opts(s, b),
          gpg,
          signerFingerprint: maintainerFpr,
          listFingerprint: listKey.getFingerprint(),
          inline: true,
        }),
    ],
    [
      'a Thunderbird post with protected headers',
      async (s: string, b: string) => thunderbirdPost({ ...opts(s, b), signer: maintainerJs, listKey }),
    ],
    ['a mutt post', async (s: string, b: string) => muttPost({ ...opts(s, b), signer: maintainerJs, listKey })],
    [
      'an Evolution post (nested multipart/signed)',
      async (s: string, b: string) => evolutionPost({ ...opts(s, b), signer: maintainerJs, listKey }),
    ],
    [
      'inline PGP in quoted-printable ISO-8859-1',
      async (s: string, b: string) =>
        inlinePost({
          ...opts(s, b),
          attachments: [],
          signer: maintainerJs,
          listKey,
          transferEncoding: 'quoted-printable',
          charset: 'iso-8859-1',
        }),
    ],
  ])('relays %s', async (_name, make) => {
    const subject = `Advisory ${randomUUID().slice(0, 8)}`;
    const body = `Déjà vu: bug ${randomUUID().slice(0, 8)}`;
    const { copies } = await relayPost(await make(subject, body), subject);
    await expectDeliveredToMembersOnly(copies, [subject, body]);
  });

  it('relays a post made by sq (Sequoia)', async () => {
    const sqMaintainer = 'third@project.example';
    const cert = await sq.generateKey(sqMaintainer);
    await addMaintainer(sqMaintainer, cert);
    const subject = `sq advisory ${randomUUID().slice(0, 8)}`;
    const body = 'Made by Sequoia.';
    const raw = await sqPost({
      ...opts(subject, body),
      from: { name: 'Third', address: sqMaintainer },
      sq,
      signerEmail: sqMaintainer,
      listCert: listArmored,
    });
    const { copies } = await relayPost(raw, subject);
    await expectDeliveredToMembersOnly(copies, [subject, body]);
  });

  it('shows per-post, per-member delivery status', async () => {
    const [post] = await db().query(`SELECT id FROM post ORDER BY created_at DESC LIMIT 1`);
    const rows = await db().query(
      `SELECT recipient, status, reason FROM post_delivery WHERE post_id = $1 ORDER BY recipient`,
      [post.id],
    );
    const byRecipient = Object.fromEntries(
      rows.map((r: { recipient: string; status: string }) => [r.recipient, r.status]),
    );
    for (const m of members) expect(byRecipient[m.email]).toBe('sent');
    expect(byRecipient['suspended@old.example']).toBeUndefined();
    expect(['held', 'skipped']).toContain(byRecipient['unacked@late.example']);
  });
});
