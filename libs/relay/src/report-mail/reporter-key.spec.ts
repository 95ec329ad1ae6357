import { enums, readKey } from 'openpgp';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { ReportMessage } from './report-message';
import { reporterKeyOf } from './reporter-key';

const RITA = 'rita@reporter.example';

const aMessage = (over: Partial<ReportMessage>): ReportMessage => ({
  from: { name: 'Rita', address: RITA },
  subject: 's',
  text: 't',
  attachments: [],
  keys: [],
  autocrypt: null,
  encrypted: false,
  ...over,
});

describe("the reporter's key of a mailed report", () => {
  const binary = async (armored: string) => Buffer.from((await readKey({ armoredKey: armored })).write());

  it('takes an attached key for the From address, armored as the key policy keeps it', async () => {
    const rita = await anOpenpgpKey(RITA);
    const found = await reporterKeyOf(aMessage({ keys: [Buffer.from(rita.publicKey)] }), RITA, new Date());
    expect(found).toMatchObject({ source: 'attached', refused: null });
    expect((await readKey({ armoredKey: found.armored! })).getFingerprint().toUpperCase()).toBe(rita.fingerprint);
  });

  it('takes the key of an Autocrypt header only for the From address', async () => {
    const rita = await anOpenpgpKey(RITA);
    const keydata = await binary(rita.publicKey);
    const mine = await reporterKeyOf(aMessage({ autocrypt: { addr: RITA, keydata } }), RITA, new Date());
    expect(mine).toMatchObject({ source: 'autocrypt', refused: null });
    const other = aMessage({ autocrypt: { addr: 'someone@else.example', keydata } });
    expect(await reporterKeyOf(other, RITA, new Date())).toEqual({ armored: null, source: null, refused: null });
  });

  it('prefers an attached key to the Autocrypt header', async () => {
    const rita = await anOpenpgpKey(RITA);
    const keydata = await binary(rita.publicKey);
    const message = aMessage({ keys: [Buffer.from(rita.publicKey)], autocrypt: { addr: RITA, keydata } });
    expect((await reporterKeyOf(message, RITA, new Date())).source).toBe('attached');
  });

  it('files without a key, and says why, when the key is for another address or no key at all', async () => {
    const other = await anOpenpgpKey('not-rita@reporter.example');
    expect(await reporterKeyOf(aMessage({ keys: [Buffer.from(other.publicKey)] }), RITA, new Date())).toEqual({
      armored: null,
      source: null,
      refused: 'KEY_NO_MATCHING_USER_ID',
    });
    const garbage = aMessage({ keys: [Buffer.from([enums.packet.literalData, 1, 2, 3])] });
    expect((await reporterKeyOf(garbage, RITA, new Date())).refused).toBe('KEY_UNREADABLE');
  });

  it('never takes a secret key', async () => {
    const rita = await anOpenpgpKey(RITA);
    const secret = Buffer.from(rita.privateKey.armor());
    expect(await reporterKeyOf(aMessage({ keys: [secret] }), RITA, new Date())).toMatchObject({
      armored: null,
      refused: 'KEY_IS_SECRET',
    });
  });
});
