/**
 * The PostgreSQL NOTIFY channels by which processes sharing one database wake each other's queue
 * loops (docs/architecture.md, "Waking across processes"): a message stored by one relay, copies
 * queued by a relay for a worker, service mail queued by the web app, or a dead process's leases
 * to take over. Polling (DELIVERY_POLL_MS) stays as the fallback for a notification missed while a
 * listener reconnects; within one process, loops wake each other directly.
 */
export const WAKE_CHANNELS = {
  /** A message was stored in inbound_message: the post pipeline should claim it. */
  inbound: 'cordon_inbound',
  /** Copies of a post became due in post_delivery: the post delivery worker should claim them. */
  postDelivery: 'cordon_post_delivery',
  /** Service mail was queued in outbound_message: the delivery worker should claim it. */
  outbound: 'cordon_outbound',
  /** A process was found dead and its leases are void: every queue loop should look again. */
  takeover: 'cordon_takeover',
} as const;

export type WakeChannel = (typeof WAKE_CHANNELS)[keyof typeof WAKE_CHANNELS];
