import { INestApplicationContext } from '@nestjs/common';
import { AuditCheckpoints } from '@cordon/delivery';
import { EmbargoReminders } from '@cordon/embargo';
import { ReattestationRequests } from '@cordon/membership';
import { InboundProcessor, InboundRetention, KeyExpiryWarnings, MaintainerDigest } from '@cordon/relay';
import { ReportReminders } from '@cordon/reports';

/** Starts the post pipeline, which drains the messages the ingress stored, and its timed checks. Nest stops them. */
export function startPipeline(app: INestApplicationContext): void {
  app.get(InboundProcessor, { strict: false }).start();
  app.get(EmbargoReminders, { strict: false }).start();
  app.get(ReportReminders, { strict: false }).start();
  app.get(KeyExpiryWarnings, { strict: false }).start();
  app.get(InboundRetention, { strict: false }).start();
  app.get(ReattestationRequests, { strict: false }).start();
  app.get(AuditCheckpoints, { strict: false }).start();
  app.get(MaintainerDigest, { strict: false }).start();
}
