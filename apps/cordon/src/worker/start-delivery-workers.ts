import { INestApplicationContext } from '@nestjs/common';
import { DeliveryWorker } from '@cordon/delivery';
import { CatchUp, PostDeliveryWorker } from '@cordon/relay';

/**
 * Starts the delivery workers (the service's own mail, and members' copies of posts) and the
 * catch-up of members that became eligible during an embargo (README, "Catch-up"). Nest stops them.
 */
export function startDeliveryWorkers(app: INestApplicationContext): void {
  app.get(DeliveryWorker, { strict: false }).start();
  app.get(PostDeliveryWorker, { strict: false }).start();
  app.get(CatchUp, { strict: false }).start();
}
