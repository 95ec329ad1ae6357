import { RecipientSelection } from '@cordon/embargo';
import { EnqueueResult, SealedPost } from '../fan-out';
import { InboundMessage } from '../ingress';
import { OpenedPost } from '../open';

/**
 * A post's state from stage to stage (docs/architecture.md, "The relay as stages"): each state is
 * the one before it with the fields its stage adds, so a later stage's input has exactly what the
 * stages before it set. Stored → Opened → Authorised → Linked → Selected → Sealed → Enqueued.
 */

/** Stored: the message as the ingress stored it before answering the client, claimed for processing. */
export interface Stored {
  readonly inbound: InboundMessage;
}

/** Opened: decrypted with the list key, and signed by an active maintainer over the exact bytes. */
export interface Opened extends Stored {
  readonly opened: OpenedPost;
}

/** Authorised: the maintainer the post is relayed for; its signature was never relayed before. */
export interface Authorised extends Opened {
  readonly maintainerId: string;
}

/** The embargo a post's `[EMB-n]` tag names, and whether it has ended. */
export interface PostEmbargo {
  readonly id: string;
  readonly ended: boolean;
}

/** Linked: the post's embargo, or null when its subject names none. */
export interface Linked extends Authorised {
  readonly embargo: PostEmbargo | null;
}

/** Selected: who gets the post, for whom it is held, and who is skipped and why (invariant 2). */
export interface Selected extends Linked {
  readonly selection: RecipientSelection;
}

/** Sealed: signed by the list key and encrypted once; each member's key packet comes at enqueue. */
export interface Sealed extends Selected {
  readonly sealed: SealedPost;
}

/** Enqueued: stored as a post, one copy queued (or held, or skipped) per member, the message finished. */
export interface Enqueued extends Sealed {
  readonly postId: string;
  readonly counts: EnqueueResult;
}
