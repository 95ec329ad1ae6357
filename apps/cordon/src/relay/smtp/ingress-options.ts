import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { SMTPServerOptions } from 'smtp-server';
import { Settings, SettingsError } from '@cordon/config';
import { reasonOf } from './smtp-reply';

/** At most this many recipients per transaction: the list has four addresses, and no sender needs more. */
export const MAX_RECIPIENTS = 10;
/** How long stopping waits for open sessions before closing them with 421. */
export const CLOSE_TIMEOUT_MS = 5_000;

type ListenerOptions = Omit<SMTPServerOptions, 'onConnect' | 'onMailFrom' | 'onRcptTo' | 'onData' | 'onClose'>;

/**
 * How the list's SMTP/LMTP listener is configured (README "Mail ingress"): no AUTH (nobody
 * logs in to post; posts are authenticated by their OpenPGP signature); STARTTLS only with the
 * operator's certificate, never smtp-server's bundled test one; size, clients, recipients and
 * idle time bounded (the other limits on slow clients are in session-limits.ts); no reverse DNS
 * lookups (slow, and an attacker's to answer).
 */
export function ingressOptions(settings: Settings): ListenerOptions {
  const tls = tlsOptions(settings);
  return {
    lmtp: settings.SMTP_LMTP === 'true',
    banner: `Cordon, ${settings.LIST_NAME} <${settings.LIST_ADDRESS}>`,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    authOptional: true,
    ...(tls ?? { hideSTARTTLS: true }),
    secure: false,
    size: settings.SMTP_MAX_SIZE,
    // smtp-server answers 552 5.3.4 itself when DATA goes over `size`, whatever onData says.
    rejectOversized: true,
    maxClients: settings.SMTP_MAX_CLIENTS,
    maxRecipients: MAX_RECIPIENTS,
    // An idle client is dropped after SMTP_IDLE_SECONDS (RFC 5321 §4.5.3.2 asks servers for minutes;
    // one is plenty on a LAN hand-off). Any byte restarts it, so it is no bound on a session: the
    // session and DATA deadlines of SessionLimits are.
    socketTimeout: settings.SMTP_IDLE_SECONDS * 1000,
    closeTimeout: CLOSE_TIMEOUT_MS,
    disableReverseLookup: true,
    // Enhanced status codes (RFC 2034, 3463) tell a sending MTA exactly why; smtp-server hides them by default.
    hideENHANCEDSTATUSCODES: false,
    // We do not generate delivery status notifications, so we do not offer DSN (RFC 3461).
    hideDSN: true,
    // The ingress logs what it does itself, one line per message; smtp-server's own log is per command.
    logger: false,
  };
}

/**
 * The operator's certificate and key for STARTTLS (settings validation made sure there are both
 * or neither), checked here so that a wrong path or a mismatched pair stops start-up with one line.
 */
function tlsOptions(settings: Settings): { key: Buffer; cert: Buffer; minVersion: 'TLSv1.2' } | null {
  if (!settings.SMTP_TLS_CERT_FILE || !settings.SMTP_TLS_KEY_FILE) return null;
  const cert = readSetting('SMTP_TLS_CERT_FILE', settings.SMTP_TLS_CERT_FILE);
  const key = readSetting('SMTP_TLS_KEY_FILE', settings.SMTP_TLS_KEY_FILE);
  let matches: boolean;
  try {
    createSecureContext({ key, cert });
    // OpenSSL keeps keys of different types apart, so a key of another type passes the line above.
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new SettingsError(`Invalid setting SMTP_TLS_CERT_FILE: not a PEM certificate and key (${reasonOf(error)})`);
  }
  if (!matches) {
    throw new SettingsError('Invalid setting SMTP_TLS_KEY_FILE: not the key of the certificate in SMTP_TLS_CERT_FILE');
  }
  // smtp-server's default minimum is TLSv1 "for very old clients"; the MTAs that hand us list mail are not.
  return { key, cert, minVersion: 'TLSv1.2' };
}

function readSetting(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    // The error's code (ENOENT, EACCES) says it all; its message would repeat the path.
    throw new SettingsError(
      `Invalid setting ${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? reasonOf(error)})`,
    );
  }
}
