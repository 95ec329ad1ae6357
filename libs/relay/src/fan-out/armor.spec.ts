import { randomBytes } from 'node:crypto';
import { unarmor } from 'openpgp';
import { GpgHome } from '../../../../test/support/gpg';
import { ArmoredBody, base64Lines, crc24 } from './armor';

/** The armor as any writer makes it: base64 of everything, cut into 64-character lines, CRC-24 of everything. */
function reference(data: Buffer, checksum = true): string {
  const lines = data.toString('base64').match(/.{1,64}/g) ?? [];
  const crc = crc24(data);
  const crcLine = checksum
    ? `=${Buffer.from([crc >>> 16, (crc >>> 8) & 0xff, crc & 0xff]).toString('base64')}\r\n`
    : '';
  return `-----BEGIN PGP MESSAGE-----\r\n\r\n${lines.map((l) => `${l}\r\n`).join('')}${crcLine}-----END PGP MESSAGE-----\r\n`;
}

const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('latin1');

describe('ASCII armor of a shared body behind a per-member key packet (RFC 9580 §6.2)', () => {
  it('computes the CRC-24 of RFC 9580 §6.1', () => {
    expect(crc24(Buffer.alloc(0))).toBe(0xb704ce);
    expect(crc24(Buffer.from('123456789'))).toBe(0x21cf02); // CRC-24/OPENPGP check value
  });

  it('writes 64-character lines with CRLF, as GnuPG does', () => {
    expect(base64Lines(Buffer.alloc(0)).length).toBe(0);
    const lines = base64Lines(randomBytes(100)).toString('latin1').split('\r\n');
    expect(lines.map((l) => l.length)).toEqual([64, 64, 8, 0]);
  });

  // Key packets: cv25519 (96), RSA-3072 (399, or fewer when the MPI has leading zeros), RSA-4096
  // (527), and every remainder modulo 3 and 48 around them; bodies shorter than a line, too.
  const prefixLengths = [0, 1, 2, 3, 46, 47, 48, 49, 94, 95, 96, 97, 398, 399, 400, 526, 527];
  const bodyLengths = [0, 1, 2, 3, 30, 47, 48, 49, 1000, 65_537];

  it.each(bodyLengths)('splices any key packet in front of a %i-byte body, byte for byte as armoring it whole', (n) => {
    const body = new ArmoredBody(randomBytes(n));
    for (const p of prefixLengths) {
      const prefix = randomBytes(p);
      const whole = Buffer.concat([prefix, body.body]);
      expect(text(body.armor(prefix))).toBe(reference(whole));
      expect(text(body.armor(prefix, { checksum: false }))).toBe(reference(whole, false));
    }
  });

  it('keeps a few tails per body and gives the same bytes after evicting one', () => {
    const body = new ArmoredBody(randomBytes(10_000));
    const first = text(body.armor(Buffer.alloc(96, 1)));
    for (const p of [1, 2, 5, 7, 11]) body.armor(Buffer.alloc(p));
    expect(body.size).toBeLessThanOrEqual(10_000 + 3 * Math.ceil((10_000 * 4) / 3 + 2 * 210));
    expect(text(body.armor(Buffer.alloc(96, 1)))).toBe(first);
  });

  describe('readers', () => {
    const gpg = GpgHome.create();
    afterAll(() => gpg.cleanup());
    const data = randomBytes(5_000);
    const body = new ArmoredBody(data.subarray(399));
    const prefix = data.subarray(0, 399);

    it('OpenPGP.js reads it, with and without the checksum line', async () => {
      for (const checksum of [true, false]) {
        const { data: read } = await unarmor(text(body.armor(prefix, { checksum })));
        // Given a string, OpenPGP.js returns the bytes whole, not as a stream.
        expect(read).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(read as unknown as Uint8Array).equals(data)).toBe(true);
      }
    });

    it('GnuPG 2.2 reads it, with and without the checksum line, and checks the checksum', async () => {
      for (const checksum of [true, false]) {
        const { code, stdout } = await gpg.run(['--dearmor'], text(body.armor(prefix, { checksum })));
        expect(code).toBe(0);
        expect(stdout.equals(data)).toBe(true);
      }
      // A wrong CRC is refused: so GnuPG does check the one we write, and ours is right.
      const armored = text(body.armor(prefix));
      const broken = armored.replace(/^=(.)/m, (_, c: string) => `=${c === 'A' ? 'B' : 'A'}`);
      expect((await gpg.run(['--dearmor'], broken)).code).not.toBe(0);
    });
  });
});
