import { INestApplicationContext } from '@nestjs/common';
import { IngressServer } from './ingress-server';

/** Starts the SMTP/LMTP listener inside the relay role's container; resolves to the port bound. Nest stops it on shutdown. */
export function startIngress(app: INestApplicationContext): Promise<number> {
  return app.get(IngressServer).start();
}
