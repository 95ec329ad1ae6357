/**
 * ASCII armor (RFC 9580 §6.2) for copies that share one encrypted body: the body is armored once
 * per post, and each member's key packet is spliced in front of it. Armoring a 1 MiB body costs
 * milliseconds; doing it for each of hundreds of copies would cost more than the encryption
 * (docs/architecture.md, "Toolchain notes").
 *
 * Base64 maps 3 bytes to 4 characters and armor lines hold 64 characters (48 bytes, as GnuPG
 * writes them). A copy's bytes are `keyPacket || body`; the first `k` bytes of the body are
 * encoded together with the key packet, so that the rest of the body starts on a line boundary
 * and its lines are the same in every copy whose key packet has the same length modulo 48. A
 * cv25519 key packet is 96 bytes (k = 0); RSA ones vary with the key size, so a body keeps a few
 * such "tails", one per offset.
 */

const LINE_CHARS = 64;
const LINE_BYTES = (LINE_CHARS / 4) * 3;
const BEGIN = Buffer.from('-----BEGIN PGP MESSAGE-----\r\n\r\n');
const END = Buffer.from('-----END PGP MESSAGE-----\r\n');

/** Tails a body keeps (most recently used); another offset costs one more base64 pass over the body. */
const MAX_TAILS = 3;

// CRC-24 of RFC 9580 §6.1: generator 0x864CFB, initial value 0xB704CE, most significant bit first.
const CRC24_INIT = 0xb704ce;
const CRC24_POLY = 0x1864cfb;
const CRC24_TABLE = (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= CRC24_POLY;
    }
    table[i] = crc & 0xffffff;
  }
  return table;
})();

/** The CRC-24 register after `data`, starting from `init` (RFC 9580 §6.1 when init is the default). */
export function crc24(data: Uint8Array, init = CRC24_INIT): number {
  let crc = init;
  for (let i = 0; i < data.length; i++) {
    crc = ((crc << 8) ^ CRC24_TABLE[((crc >>> 16) ^ data[i]) & 0xff]) & 0xffffff;
  }
  return crc;
}

/**
 * Product of two CRC-24 registers as polynomials modulo the generator. The register is linear:
 * crc(A || B) = crc(A) · x^(8·|B|) + crc₀(B), with crc₀ started from zero; so the checksum of a
 * copy comes from its key packet and two numbers kept per body, without reading the body again.
 */
function mulmod(a: number, b: number): number {
  let product = 0;
  for (let bit = 23; bit >= 0; bit--) {
    product <<= 1;
    if (product & 0x1000000) product ^= CRC24_POLY;
    if ((b >>> bit) & 1) product ^= a;
  }
  return product & 0xffffff;
}

/** x^(8·n) modulo the generator: what appending n bytes does to a register. */
function shiftBytes(n: number): number {
  let result = 1;
  let square = 0x100; // x^8
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = mulmod(result, square);
    square = mulmod(square, square);
  }
  return result;
}

/** Base64 in lines of 64 characters, each ended by CRLF (the last one may be shorter). */
export function base64Lines(data: Uint8Array): Buffer {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const out = Buffer.allocUnsafe(text.length + 2 * Math.ceil(text.length / LINE_CHARS));
  let at = 0;
  for (let i = 0; i < text.length; i += LINE_CHARS) {
    at += out.write(text.slice(i, i + LINE_CHARS), at, 'latin1');
    out[at++] = 13;
    out[at++] = 10;
  }
  return out;
}

function checksumLine(crc: number): Buffer {
  const bytes = Buffer.from([crc >>> 16, (crc >>> 8) & 0xff, crc & 0xff]);
  return Buffer.from(`=${bytes.toString('base64')}\r\n`, 'latin1');
}

export interface ArmorOptions {
  /**
   * Write the CRC-24 line. RFC 9580 §6.2 lets readers ignore it and writers leave it out, but
   * older readers of v4 messages (GnuPG 1.4, Enigmail-era tools) expect it, so by default it is kept.
   */
  checksum?: boolean;
}

/** One post's shared encrypted body, ready to be armored behind any member's key packet. */
export class ArmoredBody {
  private readonly bodyCrc: number;
  private readonly bodyShift: number;
  /** Offset k → base64 lines of body[k..]; most recently used last. */
  private readonly tails = new Map<number, Buffer>();

  constructor(readonly body: Buffer) {
    this.bodyCrc = crc24(body, 0);
    this.bodyShift = shiftBytes(body.length);
  }

  /** Bytes held: the body and its armored tails (for the cache's budget). */
  get size(): number {
    let total = this.body.length;
    for (const tail of this.tails.values()) total += tail.length;
    return total;
  }

  /** The armored message `prefix || body` as chunks to concatenate, CRLF line ends throughout. */
  armor(prefix: Uint8Array, options: ArmorOptions = {}): Buffer[] {
    const offset = Math.min((LINE_BYTES - (prefix.length % LINE_BYTES)) % LINE_BYTES, this.body.length);
    const head = base64Lines(Buffer.concat([prefix, this.body.subarray(0, offset)]));
    const chunks = [BEGIN, head, this.tail(offset)];
    if (options.checksum ?? true) {
      chunks.push(checksumLine(mulmod(crc24(prefix), this.bodyShift) ^ this.bodyCrc));
    }
    chunks.push(END);
    return chunks;
  }

  private tail(offset: number): Buffer {
    const cached = this.tails.get(offset);
    if (cached) {
      this.tails.delete(offset);
      this.tails.set(offset, cached);
      return cached;
    }
    const tail = base64Lines(this.body.subarray(offset));
    if (this.tails.size >= MAX_TAILS) this.tails.delete(this.tails.keys().next().value!);
    this.tails.set(offset, tail);
    return tail;
  }
}
