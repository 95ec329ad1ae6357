import { INestApplicationContext } from '@nestjs/common';
import { Runtime } from '@cordon/runtime';

/** Something the service runs beside its roles that must stop before the database closes. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * In `all`, the background roles' container (the SMTP listener, the workers) lives beside the web
 * app's, on the same database. The web app drives shutdown (it listens for the signals), and its
 * last step is closing the database: that step closes the background container first, whose
 * listener lets a session storing a message finish, and then the database. So no 250 is ever cut
 * off by a closed database, and it closes once.
 */
export function closedThrough(runtime: Runtime, background: () => INestApplicationContext | undefined): Runtime {
  const close = () => background()?.close() ?? runtime.database.close();
  return { ...runtime, database: { ...runtime.database, close } };
}

/**
 * What runs beside the roles (the CLI's command server) goes before the database: a command it is
 * running finishes first. Every close of the database (the web app's, the background container's,
 * a failed start's) goes through this one.
 */
export function closingFirst(runtime: Runtime, beside: () => Closable | undefined): Runtime {
  const close = async () => {
    await beside()?.close();
    await runtime.database.close();
  };
  return { ...runtime, database: { ...runtime.database, close } };
}

/** A listener that cannot start stops the process cleanly: the embedded database is closed, not abandoned. */
export async function startOrClose<T>(app: INestApplicationContext, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    await app.close();
    throw error;
  }
}
