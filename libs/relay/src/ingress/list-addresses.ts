/** What an envelope recipient of the list's domain is for. */
export type RecipientKind = 'list' | 'owner' | 'sendkey' | 'bounces' | 'ack' | 'leaks' | 'report';

export interface ListRecipient {
  kind: RecipientKind;
  /** The VERP token of `<list>-bounces+<token>@<domain>`: which outgoing copy bounced. */
  verpToken: string | null;
}

/**
 * What a VERP token may hold: letters, digits and `_ = . -`, so that it is a dot-atom-text local
 * part (RFC 5322 §3.2.3) that needs no quoting anywhere, and is found again exactly as it was made.
 */
const VERP_TOKEN = /^[A-Za-z0-9_=.-]{1,128}$/;

/**
 * The addresses Cordon answers to, all derived from LIST_ADDRESS (issue 4, "Ingress"), the way
 * Mailman derives its own: for `distributors@example.org`
 *
 * - `distributors@` the list: posts from maintainers;
 * - `distributors-owner@` the maintainers (re-encrypted to each);
 * - `distributors-sendkey@` answers with the list's public key;
 * - `distributors-bounces@` and `distributors-bounces+<token>@` bounces, VERP-encoded so that the
 *   failing member address is found from the address the bounce came back to;
 * - `distributors-ack@` a member's signed acknowledgement of the Embargo Policy (issue 5);
 * - `distributors-leaks@` a member's signed leak report (issue 5);
 * - `distributors-report@` a private vulnerability report from anyone, encrypted to the list key
 *   or not (issue 13): stored sealed, never in the clear.
 *
 * Every other address is unknown, and refused at RCPT. The domain is compared without regard to
 * case (RFC 5321 §2.4), and so is the local part: mail systems treat list addresses that way.
 */
export class ListAddresses {
  readonly list: string;
  readonly owner: string;
  readonly sendkey: string;
  readonly bounces: string;
  readonly ack: string;
  readonly leaks: string;
  readonly report: string;
  private readonly local: string;
  private readonly domain: string;

  constructor(listAddress: string) {
    const at = listAddress.lastIndexOf('@');
    if (at <= 0 || at === listAddress.length - 1) throw new Error(`Not an e-mail address: ${listAddress}`);
    this.local = listAddress.slice(0, at).toLowerCase();
    this.domain = listAddress.slice(at + 1).toLowerCase();
    this.list = `${this.local}@${this.domain}`;
    this.owner = `${this.local}-owner@${this.domain}`;
    this.sendkey = `${this.local}-sendkey@${this.domain}`;
    this.bounces = `${this.local}-bounces@${this.domain}`;
    this.ack = `${this.local}-ack@${this.domain}`;
    this.leaks = `${this.local}-leaks@${this.domain}`;
    this.report = `${this.local}-report@${this.domain}`;
  }

  /** What `address` is for, or null when it is none of the list's addresses. */
  classify(address: string): ListRecipient | null {
    const at = address.lastIndexOf('@');
    if (at <= 0 || address.slice(at + 1).toLowerCase() !== this.domain) return null;
    const local = address.slice(0, at);
    switch (local.toLowerCase()) {
      case this.local:
        return { kind: 'list', verpToken: null };
      case `${this.local}-owner`:
        return { kind: 'owner', verpToken: null };
      case `${this.local}-sendkey`:
        return { kind: 'sendkey', verpToken: null };
      case `${this.local}-bounces`:
        return { kind: 'bounces', verpToken: null };
      case `${this.local}-ack`:
        return { kind: 'ack', verpToken: null };
      case `${this.local}-leaks`:
        return { kind: 'leaks', verpToken: null };
      case `${this.local}-report`:
        return { kind: 'report', verpToken: null };
    }
    const prefix = `${this.local}-bounces+`;
    if (local.toLowerCase().startsWith(prefix)) {
      // The token keeps its case: it is whatever the delivery side put there.
      const token = local.slice(prefix.length);
      if (VERP_TOKEN.test(token)) return { kind: 'bounces', verpToken: token };
    }
    return null;
  }

  /** The VERP return path for one outgoing copy: `<list>-bounces+<token>@<domain>`. */
  bounceAddress(token: string): string {
    if (!VERP_TOKEN.test(token)) throw new Error('A VERP token is 1-128 of A-Z a-z 0-9 _ = . -');
    return `${this.local}-bounces+${token}@${this.domain}`;
  }
}
