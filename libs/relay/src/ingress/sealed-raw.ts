import { ServerSecret } from '@cordon/crypto';
import { InboundMessage } from './inbound-message.entity';
import { RecipientKind } from './list-addresses';

/** The ServerSecret purpose the raw bytes of a vulnerability report are sealed under. */
const PURPOSE = 'inbound-report';

/**
 * Whether mail to this kind of address is stored sealed (issue 13): a vulnerability report may come
 * in the clear, and must never lie in the database so, not even for the moment between the 250 and
 * its filing. The row's id is bound in, so sealed bytes copied to another row do not open there.
 */
export const storedSealed = (kind: RecipientKind): boolean => kind === 'report';

/** The bytes to store for a message of `kind` received as `raw`, in the row `id`. */
export function rawToStore(secret: ServerSecret, id: string, kind: RecipientKind, raw: Buffer): Buffer {
  return storedSealed(kind) ? secret.sealBytes(PURPOSE, raw, id) : raw;
}

/** The message as it was received, opened when it was stored sealed. Throws when the seal does not open. */
export function receivedRaw(
  secret: ServerSecret,
  message: Pick<InboundMessage, 'id' | 'recipientKind' | 'raw'>,
): Buffer {
  return storedSealed(message.recipientKind) ? secret.openBytes(PURPOSE, message.raw, message.id) : message.raw;
}
