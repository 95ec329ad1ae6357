import { createServer } from 'node:net';
import { listenFailure } from '@cordon/config';
import { Runtime } from '@cordon/runtime';
import { ServiceRole } from './service-role';

/**
 * A port in use, or not this process's to bind, is told at once, in one line, before the seconds
 * of start-up work (migrations, the list key) rather than after. The listeners themselves say the
 * same should the port be taken in between.
 */
export async function portsFree(runtime: Runtime, role: ServiceRole): Promise<void> {
  const { settings } = runtime;
  const wanted: ['HTTP' | 'SMTP', string, number][] = [];
  if (role === 'all' || role === 'web') wanted.push(['HTTP', settings.HTTP_HOST, settings.HTTP_PORT]);
  if (role === 'all' || role === 'relay') wanted.push(['SMTP', settings.SMTP_HOST, settings.SMTP_PORT]);
  for (const [service, host, port] of wanted) {
    if (port === 0) continue; // any free port
    const probe = createServer();
    const failure = await new Promise<Error | undefined>((resolve) => {
      probe.once('error', resolve);
      probe.listen(port, host, () => probe.close(() => resolve(undefined)));
    });
    if (failure) {
      await runtime.database.close();
      throw listenFailure(service, host, port, failure);
    }
  }
}
