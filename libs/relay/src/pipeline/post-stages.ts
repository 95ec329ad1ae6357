import { SealedPost } from '../fan-out';
import { InboundMessage } from '../ingress';
import { OpenedPost } from '../open';
import { RecipientSelection } from '@cordon/embargo';

/** A post as it goes through the pipeline; each stage adds what it found. */
export interface PostInProgress {
  inbound: InboundMessage;
  opened?: OpenedPost;
  /** The embargo the subject's `[EMB-n]` tag names (null: none), and whether it has ended. */
  embargo?: { id: string; ended: boolean } | null;
  selection?: RecipientSelection;
  sealed?: SealedPost;
}

export type Verdict = { kind: 'continue' } | { kind: 'refuse'; code: string; message: string };

export const proceed: Verdict = { kind: 'continue' };
export const refuse = (code: string, message: string): Verdict => ({ kind: 'refuse', code, message });

/**
 * One step of the post pipeline (docs/architecture.md, "The relay as stages"). A stage either lets the post
 * continue or refuses it with a stable code; reading the list of stages tells the whole flow.
 */
export interface PostStage {
  readonly name: string;
  run(post: PostInProgress): Promise<Verdict>;
}
