import { INestApplicationContext } from '@nestjs/common';
import { AuditCheckpoints, DeliveryWorker } from '@cordon/delivery';
import { EmbargoReminders } from '@cordon/embargo';
import { ReattestationRequests } from '@cordon/membership';
import {
  InboundProcessor,
  InboundRetention,
  KeyExpiryWarnings,
  MaintainerDigest,
  PostDeliveryWorker,
} from '@cordon/relay';

/** Starts the delivery workers (the service's own mail, and members' copies of posts). Nest stops them. */
export function startDeliveryWorker(app: INestApplicationContext): void {
  app.get(DeliveryWorker).start();
  app.get(PostDeliveryWorker, { strict: false }).start();
}

/** Starts the post pipeline, which drains the messages the ingress stored, and its timed checks. */
export function startPipeline(app: INestApplicationContext): void {
  app.get(InboundProcessor, { strict: false }).start();
  app.get(EmbargoReminders, { strict: false }).start();
  app.get(KeyExpiryWarnings, { strict: false }).start();
  app.get(InboundRetention, { strict: false }).start();
  app.get(ReattestationRequests, { strict: false }).start();
  app.get(AuditCheckpoints, { strict: false }).start();
  app.get(MaintainerDigest, { strict: false }).start();
}
