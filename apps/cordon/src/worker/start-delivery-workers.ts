import { INestApplicationContext } from '@nestjs/common';
import { DeliveryWorker } from '@cordon/delivery';
import { PostDeliveryWorker } from '@cordon/relay';

/** Starts the delivery workers (the service's own mail, and members' copies of posts). Nest stops them. */
export function startDeliveryWorkers(app: INestApplicationContext): void {
  app.get(DeliveryWorker, { strict: false }).start();
  app.get(PostDeliveryWorker, { strict: false }).start();
}
