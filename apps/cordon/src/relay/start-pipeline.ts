import { INestApplicationContext } from '@nestjs/common';
import { AuditCheckpoints } from '@cordon/delivery';
import { EmbargoReminders } from '@cordon/embargo';
import { QueueWakeups, WAKE_CHANNELS } from '@cordon/persistence';
import { ReattestationRequests } from '@cordon/membership';
import { InboundProcessor, InboundRetention, KeyExpiryWarnings, MaintainerDigest } from '@cordon/relay';
import { ReportReminders } from '@cordon/reports';

/**
 * Starts the post pipeline, which drains the messages any relay's ingress stored, and its timed
 * checks. On PostgreSQL the pipeline is also woken by another relay's stored message and by a
 * takeover (README "Scale out", "Waking"): it listens before its first run. Nest stops them.
 */
export async function startPipeline(app: INestApplicationContext): Promise<void> {
  const pipeline = app.get(InboundProcessor, { strict: false });
  const wakeups = app.get(QueueWakeups, { strict: false });
  wakeups.wakeLoop(pipeline, WAKE_CHANNELS.inbound);
  await wakeups.start();
  pipeline.start();
  app.get(EmbargoReminders, { strict: false }).start();
  app.get(ReportReminders, { strict: false }).start();
  app.get(KeyExpiryWarnings, { strict: false }).start();
  app.get(InboundRetention, { strict: false }).start();
  app.get(ReattestationRequests, { strict: false }).start();
  app.get(AuditCheckpoints, { strict: false }).start();
  app.get(MaintainerDigest, { strict: false }).start();
}
