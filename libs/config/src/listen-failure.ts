import { SettingsError } from './settings';

/**
 * A listener that cannot start is the operator's to fix, like a bad setting: one line naming the
 * settings, the address, and what to do (issue 11). `service` names the pair of settings.
 */
export function listenFailure(service: 'HTTP' | 'SMTP', host: string, port: number, error: unknown): SettingsError {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `Cannot listen on ${service}_HOST:${service}_PORT (${host}:${port})`;
  switch (code) {
    case 'EADDRINUSE':
      return new SettingsError(
        `${where}: the port is in use by another program (EADDRINUSE); stop it, or set ${service}_PORT to a free port.`,
      );
    case 'EACCES':
      return new SettingsError(
        `${where}: permission denied (EACCES); ports below 1024 need root or CAP_NET_BIND_SERVICE: ` +
          `set ${service}_PORT to 1024 or above (behind a proxy or a port forward).`,
      );
    case 'EADDRNOTAVAIL':
      return new SettingsError(
        `${where}: ${host} is not an address of this machine (EADDRNOTAVAIL); check ${service}_HOST.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SettingsError(`${where}: ${host} does not resolve (${code}); check ${service}_HOST.`);
    default:
      return new SettingsError(`${where}: ${String((error as { message?: unknown } | null)?.message ?? error)}`);
  }
}
