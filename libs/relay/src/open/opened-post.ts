import { PrivateKey, PublicKey } from 'openpgp';

/** What opening a post needs: the key that decrypts it and the keys allowed to have signed it. */
export interface OpenContext {
  /** The list's private key, already decrypted. */
  listKey: PrivateKey;
  /** The keys of the active maintainers (docs/architecture.md, invariant 3): nobody else may post. */
  maintainers: { id: string; key: PublicKey }[];
  now: Date;
  /** `POST_MAX_AGE_DAYS`: a signature made longer ago is refused; 0 turns the age check off. */
  maxAgeDays: number;
  /**
   * Members whose signatures are accepted too (issue 5: a member's answer, acknowledgement or leak
   * report). Never given for a post, which only a maintainer may sign; when a message carries
   * signatures of both, the maintainer's is the one that counts.
   */
  members?: { id: string; key: PublicKey }[];
}

/** Who signed a message, and the facts of the signature that count (see PostSigner). */
export interface MailSigner {
  role: 'maintainer' | 'member';
  /** The maintainer's or the member's id, as `role` says. */
  id: string;
  signerFingerprint: string;
  signatureDigest: string;
  signedAt: Date;
}

/** Who signed a post, and when: the verdict of a good signature by a maintainer. */
export interface PostSigner {
  maintainerId: string;
  /** The primary-key fingerprint of the maintainer's key, upper-case hex. */
  signerFingerprint: string;
  /**
   * SHA-256 (hex) naming the signature for replay detection: the caller refuses a digest it has
   * already relayed. It covers what the signer committed to (the signature packet's hashed part,
   * with its creation time, and the SHA-256 of the signed bytes) and not the packet's unhashed
   * area, which anyone can rewrite without breaking the signature.
   */
  signatureDigest: string;
  signedAt: Date;
}

/** The headers of an opened message, and the signed entity. */
export interface OpenedContent {
  /** The real subject: the protected Subject when there is one, else the outer one. */
  subject: string;
  /** The From header, decoded, as `"Name" <address>` (protected From when there is one). */
  from: string;
  date: Date | null;
  messageId: string | null;
  /**
   * Whether subject, from, date and messageId came from inside the signed content (protected
   * headers). When false they are the outer headers, which anyone on the way could have changed.
   */
  headersSigned: boolean;
  /**
   * The signed MIME entity as its signer wrote it (header fields and body, attachments included,
   * CRLF line ends): for a post, what the list re-encrypts for each member.
   */
  content: Buffer;
}

/** A post that was encrypted to the list key and signed by an active maintainer. */
export interface OpenedPost extends PostSigner, OpenedContent {}

/** A message signed by a maintainer or a member (openSignedMail). */
export interface OpenedMail extends OpenedContent {
  signer: MailSigner;
  /** Whether it came encrypted to the list key; when false, anyone on the way could read it. */
  encrypted: boolean;
}
