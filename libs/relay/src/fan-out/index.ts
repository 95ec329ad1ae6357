import { Provider } from '@nestjs/common';
import { SETTINGS } from '@cordon/config';
import { MailTransport, transportFor } from '@cordon/delivery';
import { FanOut } from './fan-out';
import { PostDeliveryWorker } from './post-delivery-worker';
import { PostDelivery } from './post-delivery.entity';
import { Post } from './post.entity';

export { Post, PostDelivery };
export { PostDeliveryStatus, postDeliveryStatuses } from './post-delivery.entity';
export { sealPost, keyPacketFor, SealedPost } from './seal';
export { FanOut, FanOutMember, SkippedMember, PreparedCopy, FanOutRequest, EnqueueResult } from './fan-out';
export { PostDeliveryWorker, COPIES_IN_FLIGHT, CLAIM_BATCH } from './post-delivery-worker';
export {
  assembleCopy,
  AssembleCopyInput,
  CopyBuffer,
  CopyOfPost,
  CopyDelivery,
  ListHeaders,
  NEUTRAL_SUBJECT,
} from './copy';
export { ArmoredBody, ArmorOptions, crc24 } from './armor';
export { postTerms, termsPart, PostTerms, TermsEmbargo } from './post-terms';
export { BounceStreaks, BounceStreak } from './bounce-streaks';

export const fanOutEntities = [Post, PostDelivery];

/**
 * For the module that runs fan-out and post delivery. The worker gets a transport of its own
 * (the relay, or `.eml` files: the same choice as the delivery lib), so that a large post does not
 * queue behind, or hold up, the service's own mail; it closes it on shutdown. Needs the global
 * DataSource, SETTINGS and AuditLog. The app that runs the worker calls `start()`.
 */
export const fanOutProviders: Provider[] = [
  FanOut,
  PostDeliveryWorker,
  { provide: MailTransport, useFactory: transportFor, inject: [SETTINGS] },
];
export { SendTimeEligibility, SendTimeVerdict, CopyToCheck, Ineligible } from './send-time-eligibility';
