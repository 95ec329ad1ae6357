import { PrivateKey } from 'openpgp';
import { anOpenpgpKey } from '../../../../test/support/keys';
import {
  aPost,
  cleartextSignedPost,
  plaintextPost,
  postingKeys,
  signedOnlyInlinePost,
  signedOnlyPost,
  thunderbirdPost,
} from '../../../../test/support/client-mail';
import { OpenContext, openPost, openSignedMail, PostRefusal } from './index';
import { notEncrypted } from './post-refusal';

// Mail a member signs (issue 5): answers, acknowledgements and leak reports are opened with the
// post's own code, the member's key accepted as a signer where the caller says so; a post still
// takes a maintainer's signature only.

let listKey: PrivateKey;
let maintainer: PrivateKey;
let member: PrivateKey;
let stranger: PrivateKey;

beforeAll(async () => {
  ({ listKey, maintainer } = await postingKeys());
  member = (await anOpenpgpKey('sec@distro.example', 'Distro Security')).privateKey;
  stranger = (await anOpenpgpKey('sec-forged@distro.example', 'Distro Security')).privateKey;
});

const context = (over: Partial<OpenContext> = {}): OpenContext => ({
  listKey,
  maintainers: [],
  members: [{ id: 'member-1', key: member.toPublic() }],
  now: new Date(),
  maxAgeDays: 7,
  ...over,
});

const mail = (signer: PrivateKey, text = 'I acknowledge version 1 of the Embargo Policy.') =>
  aPost(signer, listKey.toPublic(), {
    from: { name: 'Distro Security', address: 'sec@distro.example' },
    to: 'distributors-ack@example.org',
    subject: 'Acknowledgement',
    text,
  });

async function codeOf(opened: Promise<unknown>): Promise<string> {
  const error = await opened.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PostRefusal);
  return (error as PostRefusal).code;
}

describe('openSignedMail', () => {
  it('opens a member-signed, encrypted message as the member’s', async () => {
    const opened = await openSignedMail(await thunderbirdPost(mail(member)), context(), 'required');
    expect(opened.signer).toMatchObject({ role: 'member', id: 'member-1' });
    expect(opened.signer.signerFingerprint).toBe(member.getFingerprint().toUpperCase());
    expect(opened.encrypted).toBe(true);
    expect(opened.subject).toBe('Acknowledgement');
  });

  it('counts the maintainer’s signature first when a maintainer and a member signed', async () => {
    const ctx = context({ maintainers: [{ id: 'maintainer-1', key: maintainer.toPublic() }] });
    const opened = await openSignedMail(await thunderbirdPost(mail(maintainer)), ctx, 'required');
    expect(opened.signer).toMatchObject({ role: 'maintainer', id: 'maintainer-1' });
  });

  it.each([
    ['an inline cleartext signature', cleartextSignedPost],
    ['a PGP/MIME multipart/signed message', signedOnlyPost],
  ])('takes %s when encryption is optional, over the exact signed text', async (_name, make) => {
    const text = 'Grüße: I acknowledge version 1 of the Embargo Policy of distributors@example.org.';
    const opened = await openSignedMail(await make(mail(member, text)), context(), 'optional');
    expect(opened.signer).toMatchObject({ role: 'member', id: 'member-1' });
    expect(opened.encrypted).toBe(false);
    expect(opened.content.toString('utf8')).toMatch(/text\/plain/i);
  });

  it('refuses signed-only mail where encryption is required', async () => {
    expect(await codeOf(openSignedMail(await cleartextSignedPost(mail(member)), context(), 'required'))).toBe(
      'NOT_ENCRYPTED',
    );
    expect(await codeOf(openSignedMail(await signedOnlyPost(mail(member)), context(), 'required'))).toBe(
      'NOT_ENCRYPTED',
    );
  });

  it('refuses an unsigned plaintext message as unsigned where encryption is optional', async () => {
    expect(await codeOf(openSignedMail(plaintextPost(mail(member)), context(), 'optional'))).toBe('UNSIGNED');
  });

  it.each([
    ['plaintext', (m: ReturnType<typeof mail>) => Promise.resolve(plaintextPost(m))],
    ['an inline OpenPGP message signed but not encrypted', signedOnlyInlinePost],
  ])('refuses %s once, with the code the mode gives where it is found (notEncrypted)', async (_name, make) => {
    const raw = await make(mail(member));
    const refusalOf = (encryption: 'required' | 'optional') =>
      openSignedMail(raw, context(), encryption).then(
        () => null,
        (e: unknown) => e as PostRefusal,
      );
    const required = await refusalOf('required');
    expect(required).toMatchObject({ code: 'NOT_ENCRYPTED', message: expect.stringMatching(/not encrypted/) });
    // Where signed-only mail is taken, the same mail is refused as unsigned, in words of its own:
    // the raise site was told the mode, nothing turned a NOT_ENCRYPTED into it afterwards.
    const optional = await refusalOf('optional');
    expect(optional).toMatchObject({ code: 'UNSIGNED', message: expect.stringMatching(/not signed/) });
    expect(optional!.message).not.toMatch(/encrypt/i);
  });

  it('raises the refusal for mail not encrypted by the mode (notEncrypted)', () => {
    expect(notEncrypted('required', 'The post is not encrypted.')).toMatchObject({
      code: 'NOT_ENCRYPTED',
      message: 'The post is not encrypted.',
    });
    expect(notEncrypted('optional', 'The post is not encrypted.')).toMatchObject({ code: 'UNSIGNED' });
  });

  it('refuses a message signed by a key that is no member’s, even with the member’s name and address', async () => {
    expect(await codeOf(openSignedMail(await cleartextSignedPost(mail(stranger)), context(), 'optional'))).toBe(
      'SIGNER_UNKNOWN',
    );
    expect(await codeOf(openSignedMail(await thunderbirdPost(mail(stranger)), context(), 'required'))).toBe(
      'SIGNER_UNKNOWN',
    );
  });

  it('refuses a cleartext-signed message changed after signing', async () => {
    const raw = (await cleartextSignedPost(mail(member, 'I acknowledge version 1.'))).toString('utf8');
    const changed = Buffer.from(raw.replace('version 1.', 'version 2.'));
    expect(await codeOf(openSignedMail(changed, context(), 'optional'))).toBe('BAD_SIGNATURE');
  });

  it('refuses a multipart/signed message whose signed part was changed', async () => {
    const raw = (await signedOnlyPost(mail(member, 'I acknowledge version 1.'))).toString('latin1');
    const changed = Buffer.from(raw.replace('version 1.', 'version 2.'), 'latin1');
    expect(await codeOf(openSignedMail(changed, context(), 'optional'))).toBe('BAD_SIGNATURE');
  });

  it('refuses a member signature older than the age limit', async () => {
    const raw = await cleartextSignedPost(mail(member));
    const later = context({ now: new Date(Date.now() + 30 * 24 * 3600 * 1000) });
    expect(await codeOf(openSignedMail(raw, later, 'optional'))).toBe('SIGNATURE_TOO_OLD');
  });
});

describe('openPost', () => {
  it('never takes a member’s signature for a post, even when members are offered', async () => {
    const raw = await thunderbirdPost(mail(member));
    expect(await codeOf(openPost(raw, context()))).toBe('SIGNER_NOT_MAINTAINER');
  });
});
