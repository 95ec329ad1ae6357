import { INestApplicationContext } from '@nestjs/common';
import { DeliveryWorker } from '@cordon/delivery';
import { QueueWakeups, WAKE_CHANNELS } from '@cordon/persistence';
import { CatchUp, PostDeliveryWorker } from '@cordon/relay';

/**
 * Starts the delivery workers (the service's own mail, and members' copies of posts) and the
 * catch-up of members that became eligible during an embargo (README, "Catch-up"). On PostgreSQL
 * the workers are also woken by what other processes queue for them and by a takeover (README
 * "Scale out", "Waking"): they listen before their first run. Nest stops them.
 */
export async function startDeliveryWorkers(app: INestApplicationContext): Promise<void> {
  const serviceMail = app.get(DeliveryWorker, { strict: false });
  const copies = app.get(PostDeliveryWorker, { strict: false });
  const wakeups = app.get(QueueWakeups, { strict: false });
  wakeups.wakeLoop(serviceMail, WAKE_CHANNELS.outbound);
  wakeups.wakeLoop(copies, WAKE_CHANNELS.postDelivery);
  await wakeups.start();
  serviceMail.start();
  copies.start();
  app.get(CatchUp, { strict: false }).start();
}
