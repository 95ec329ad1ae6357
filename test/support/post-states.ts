/**
 * A post's state at each stage of the relay's pipeline (libs/relay/src/stages/post-state.ts), for
 * testing one stage on its own: each builder gives the state the stages before it would have made.
 */
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { RecipientSelection } from '@cordon/embargo';
import { InboundMessage, OpenedPost } from '@cordon/relay';
import { Authorised, Linked, Opened, Selected, Stored } from '../../libs/relay/src/stages';

export function aStoredPost(raw: Buffer): Stored {
  const inbound = Object.assign(new InboundMessage(), {
    id: randomUUID(),
    receivedAt: new Date(),
    mailFrom: 'maintainer@example.org',
    rcptTo: ['distributors@example.org'],
    recipientKind: 'list',
    verpToken: null,
    remoteAddress: '192.0.2.7',
    raw,
    size: raw.length,
    status: 'processing',
    refusalCode: null,
    attempts: 1,
    leaseUntil: null,
    processedAt: null,
    rawErasedAt: null,
  });
  return { inbound };
}

export function anOpenedPost(over: Partial<OpenedPost> = {}): Opened {
  const opened: OpenedPost = {
    maintainerId: randomUUID(),
    signerFingerprint: 'AB'.repeat(20),
    signatureDigest: randomUUID().replace(/-/g, ''),
    signedAt: new Date(),
    subject: 'Overflow in libfoo',
    from: '"Lea Lead" <lead@example.org>',
    date: new Date(),
    messageId: '<p1@example.org>',
    headersSigned: true,
    content: Buffer.from('Content-Type: text/plain; charset=utf-8\r\n\r\nFix in 2.1.\r\n'),
    ...over,
  };
  return { ...aStoredPost(Buffer.from('(encrypted)')), opened };
}

export function anAuthorisedPost(over: Partial<OpenedPost> = {}): Authorised {
  const post = anOpenedPost(over);
  return { ...post, maintainerId: post.opened.maintainerId };
}

export function aLinkedPost(embargo: Linked['embargo'] = null, over: Partial<OpenedPost> = {}): Linked {
  return { ...anAuthorisedPost(over), embargo };
}

export function aSelectedPost(selection: RecipientSelection, embargo: Linked['embargo'] = null): Selected {
  return { ...aLinkedPost(embargo), selection };
}

/**
 * A DataSource for a stage that only hands its manager (or a transaction's) to what it asks:
 * the stage's own queries answer `rows`.
 */
export function aDataSource(rows: unknown[] = []): DataSource {
  const manager = { query: async () => rows } as unknown as EntityManager;
  return {
    manager,
    query: async () => rows,
    transaction: async <T>(work: (m: EntityManager) => Promise<T>) => work(manager),
  } as unknown as DataSource;
}
