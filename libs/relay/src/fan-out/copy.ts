import { headerLine } from '@cordon/delivery';
import { ListAddresses } from '../ingress/list-addresses';
import { ArmoredBody, ArmorOptions } from './armor';
import { phraseAndId } from './mail-headers';

/**
 * What the outer Subject says: the same neutral "..." as the service's own mail (the obscured
 * subject of draft-autocrypt-lamps-protected-headers-02); the real one is inside.
 */
export const NEUTRAL_SUBJECT = '...';

const PREAMBLE = 'This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n';

/**
 * The header fields every copy of every post shares, worked out once from LIST_ADDRESS and
 * LIST_NAME: the list headers of RFC 2919 and RFC 2369, and where replies go.
 */
export class ListHeaders {
  readonly addresses: ListAddresses;
  /** `Embargoed distributors <distributors.example.org>` for distributors@example.org (RFC 2919 §3). */
  readonly listId: string;
  readonly listName: string;
  readonly domain: string;
  /** The shared fields, CRLF-separated, without a final CRLF. */
  readonly shared: string;

  constructor(listAddress: string, listName: string) {
    this.addresses = new ListAddresses(listAddress);
    this.listName = listName;
    const [local, domain] = this.addresses.list.split('@');
    this.domain = domain;
    this.listId = phraseAndId(listName, `${local}.${domain}`);
    this.shared = [
      // Replies reach the maintainers (re-encrypted to each), never the whole list.
      headerLine('Reply-To', this.addresses.owner),
      `List-Id: ${this.listId}`,
      // RFC 2369 §3.4: members cannot post (only maintainers' signed posts are relayed), so "NO",
      // which also keeps "Reply to list" buttons from sending a reply that would be refused.
      'List-Post: NO',
      `List-Owner: <mailto:${this.addresses.owner}>`,
      `List-Help: <mailto:${this.addresses.owner}?subject=help>`,
      // List mail, which vacation responders and the like leave alone (RFC 3834 §2).
      'Precedence: list',
      'MIME-Version: 1.0',
    ].join('\r\n');
  }

  /** The VERP envelope sender of one copy: a bounce names the copy that bounced. */
  bounceAddress(deliveryId: string): string {
    return this.addresses.bounceAddress(deliveryId);
  }
}

export interface CopyOfPost {
  body: ArmoredBody;
  /** When the list accepted the post: the Date of every copy, so a resent copy is the same message. */
  date: Date;
  /** The sending maintainer's name, shown as "Name via List"; null: the list's name alone. */
  maintainerName: string | null;
}

export interface CopyDelivery {
  id: string;
  recipient: string;
  keyPacket: Uint8Array;
}

export interface AssembleCopyInput {
  post: CopyOfPost;
  delivery: CopyDelivery;
  headers: ListHeaders;
  armor?: ArmorOptions;
}

/**
 * One member's RFC 3156 PGP/MIME message: `keyPacket || body` armored, under outer headers that
 * carry nothing of the content. Everything in it derives from the queue row, so a copy sent again
 * after a crash is byte for byte the same message (same Message-ID), which mail clients show once.
 */
export function assembleCopy(input: AssembleCopyInput): Buffer {
  return Buffer.concat(copyChunks(input));
}

/**
 * Assembles copies one after another in one buffer of its own. A 1 MiB post makes 1.4 MB copies,
 * and allocating (and collecting) a new buffer for each costs more than all the cryptography. The
 * buffer is never one of Node's pooled ones, so no other data shares it.
 */
export class CopyBuffer {
  private buffer?: Buffer;

  /** The copy, as a view of this buffer: valid until the next assemble(). */
  assemble(input: AssembleCopyInput): Buffer {
    const chunks = copyChunks(input);
    const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    if (!this.buffer || this.buffer.length < length) this.buffer = Buffer.allocUnsafeSlow(length);
    let at = 0;
    for (const chunk of chunks) at += chunk.copy(this.buffer, at);
    return this.buffer.subarray(0, length);
  }

  /** Gives the buffer up (someone else may still read the last copy): the next copy gets a new one. */
  release(): void {
    this.buffer = undefined;
  }
}

/**
 * The From and Date lines, the same in every copy of a post: made once per post, since nodemailer
 * makes a whole MIME node (random boundary included) to encode one header value.
 */
const linesOfPost = new WeakMap<CopyOfPost, { headers: ListHeaders; from: string; date: string }>();

function postLines(post: CopyOfPost, headers: ListHeaders): { from: string; date: string } {
  const known = linesOfPost.get(post);
  if (known?.headers === headers) return known;
  const name = post.maintainerName ? `${post.maintainerName} via ${headers.listName}` : headers.listName;
  const lines = {
    headers,
    from: headerLine('From', { name, address: headers.addresses.list }),
    date: headerLine('Date', post.date),
  };
  linesOfPost.set(post, lines);
  return lines;
}

function copyChunks({ post, delivery, headers, armor }: AssembleCopyInput): Buffer[] {
  const compactId = delivery.id.replace(/-/g, '');
  const boundary = `=-cordon-${compactId}`;
  const { from, date } = postLines(post, headers);
  const head = [
    from,
    headerLine('To', delivery.recipient),
    `Subject: ${NEUTRAL_SUBJECT}`,
    date,
    `Message-ID: <${delivery.id}@${headers.domain}>`,
    headers.shared,
    `Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n boundary="${boundary}"`,
    '',
    PREAMBLE + `--${boundary}`,
    'Content-Type: application/pgp-encrypted',
    'Content-Description: PGP/MIME version identification',
    'Content-Transfer-Encoding: 7bit',
    '',
    'Version: 1',
    '',
    `--${boundary}`,
    'Content-Type: application/octet-stream; name="encrypted.asc"',
    'Content-Description: OpenPGP encrypted message',
    'Content-Disposition: inline; filename="encrypted.asc"',
    // ASCII armor is 7bit in lines of 64 characters: no further encoding (RFC 3156 §4).
    'Content-Transfer-Encoding: 7bit',
    '',
    '',
  ].join('\r\n');
  return [
    Buffer.from(head, 'latin1'),
    ...post.body.armor(delivery.keyPacket, armor),
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ];
}
