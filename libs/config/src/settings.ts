import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { KILL_AT_PATTERN, KILL_POINTS } from './kill-point';
import { publicHolidayCodes } from './public-holiday-codes';

// Every setting Cordon reads, with its default. README.md's settings table mirrors this list.
const port = z.coerce
  .number({ error: 'must be a port number 0-65535' })
  .int('must be a port number 0-65535')
  .min(0, 'must be a port number 0-65535')
  .max(65535, 'must be a port number 0-65535');
const positiveInt = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1');
const email = z.email('must be an e-mail address').max(254);
const url = (protocols: RegExp, hint: string) => z.url({ protocol: protocols, error: `must be a URL (${hint})` });

/** The names Express (proxy-addr) knows for private ranges, besides addresses and CIDRs. */
/** An IANA time zone name this Node.js knows (Intl refuses any other with a RangeError). */
function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY, as Express's `trust proxy` takes it: false (no proxy: the connection's address is
 * the client's), a number of proxy hops in front of Cordon, or the proxies' addresses. `true`
 * (believe every X-Forwarded-For) is refused: any client could then pick its own address.
 */
function parseTrustProxy(value: string, ctx: z.RefinementCtx): false | number | string[] {
  const hint = 'must be false, a number of proxy hops (1-10), or addresses/CIDRs/loopback separated by commas';
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops >= 1 && hops <= 10) return hops;
  } else {
    const entries = value.split(',').map((entry) => entry.trim());
    const valid = (entry: string) => {
      if (PROXY_RANGE_NAMES.has(entry)) return true;
      const [address, prefix, ...rest] = entry.split('/');
      const family = isIP(address);
      const bits = family === 4 ? 32 : 128;
      return family !== 0 && !rest.length && (prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits));
    };
    if (entries.every(valid)) return entries;
  }
  ctx.addIssue({
    code: 'custom',
    message: value === 'true' ? `${hint}; true would let any client choose its address` : hint,
  });
  return z.NEVER;
}

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (unset it to use the embedded database)')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(3000),
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: port.default(2525),
  LIST_ADDRESS: email.default('distributors@cordon.localhost'),
  LIST_NAME: z.string().min(1).max(100).default('Embargoed distributors'),
  PUBLIC_URL: url(/^https?$/, 'http:// or https://').optional(),
  OUTBOUND_SMTP_URL: url(/^smtps?$/, 'smtp:// or smtps://').optional(),
  /**
   * Connections each process keeps open to OUTBOUND_SMTP_URL (issue 15). nodemailer's default of 5;
   * at most 16, the copies one delivery worker has in flight: a connection more would stay idle.
   */
  OUTBOUND_SMTP_CONNECTIONS: positiveInt.max(16, 'must be at most 16 (the copies a worker has in flight)').default(5),
  OUTBOUND_FROM: email.optional(),
  SECRET_KEY_FILE: z.string().min(1).optional(),
  /** When set, GET /metrics asks for it as a bearer token (it tells when embargoes end). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(200).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Seconds the event loop may stand still before the process ends itself, so that its supervisor
   * starts it again (issue 10); 0 turns the watchdog off.
   */
  WATCHDOG_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 (off) or more')
    .default(30),
  CONFIRM_LINK_TTL_HOURS: positiveInt.default(48),
  VOUCH_LINK_TTL_HOURS: positiveInt.default(24 * 7),
  ENROL_LINK_TTL_HOURS: positiveInt.default(24),
  /** Life of a maintainer's invitation link to a distributor (README "Inviting a distributor"). */
  INVITATION_TTL_HOURS: positiveInt.default(24 * 7),
  ADMIN_SESSION_TTL_MINUTES: positiveInt.default(60 * 8),
  /** Life of the sign-in link a member asks for on /member, and of the session it opens (issue 5). */
  MEMBER_LINK_TTL_MINUTES: positiveInt.default(30),
  MEMBER_SESSION_TTL_MINUTES: positiveInt.default(30),
  /** Life of the link a member's team member follows to acknowledge the policy. */
  TEAM_LINK_TTL_HOURS: positiveInt.default(24 * 7),
  LOGIN_MAX_ATTEMPTS: positiveInt.default(5),
  /** The reverse proxies that may name the client's address in X-Forwarded-For (README "Behind a reverse proxy"). */
  TRUST_PROXY: z.string().trim().transform(parseTrustProxy).default(false),
  DELIVERY_POLL_MS: positiveInt.default(2000),
  /** Largest message the SMTP ingress takes, in bytes; announced in EHLO (RFC 1870). */
  SMTP_MAX_SIZE: positiveInt.default(25 * 1024 * 1024),
  /** Speak LMTP (RFC 2033) instead of SMTP, for a Postfix or Exim hand-off. */
  SMTP_LMTP: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  SMTP_MAX_CLIENTS: positiveInt.default(50),
  /**
   * Slow clients (issue 10, "Slow SMTP clients hold every slot"): open sessions from one address
   * (one /64 for IPv6), the longest a session, an idle wait and a message's DATA may last, and the
   * slowest DATA taken (bytes a second over each 5 s; 0 turns that check off).
   */
  SMTP_MAX_CLIENTS_PER_ADDRESS: positiveInt.default(10),
  SMTP_SESSION_SECONDS: positiveInt.default(600),
  SMTP_IDLE_SECONDS: positiveInt.default(60),
  SMTP_DATA_SECONDS: positiveInt.default(300),
  SMTP_MIN_DATA_RATE: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be 0 (off) or more')
    .default(1024),
  /** PEM certificate and key for STARTTLS; both or neither. */
  SMTP_TLS_CERT_FILE: z.string().min(1).optional(),
  SMTP_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Posts signed longer ago than this are refused as replays; 0 turns the check off. */
  POST_MAX_AGE_DAYS: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0)
    .default(7),
  /** Longest embargo, in business days, that needs no recorded reason (issue 5). */
  MAX_EMBARGO_BUSINESS_DAYS: positiveInt.default(14),
  /**
   * Hours before an active embargo's public moment at which the maintainers are reminded, as a
   * comma-separated list (issue 5); one more reminder goes once the moment has passed unlifted.
   */
  EMBARGO_REMINDER_HOURS: z
    .string()
    .regex(/^\s*\d{1,4}\s*(,\s*\d{1,4}\s*)*$/, 'must be whole numbers of hours separated by commas, e.g. 72,24')
    .transform((list) => [...new Set(list.split(',').map((hours) => Number(hours.trim())))].filter((h) => h > 0))
    .default([72, 24]),
  /**
   * Who a new embargo's mail reaches (issue 14): `all` members (as before), or `products`: the
   * members shipping one of its affected products. Each embargo can be changed either way.
   */
  EMBARGO_AUDIENCE: z.enum(['all', 'products'], { error: 'must be all or products' }).default('all'),
  /** Confirmed leaks that remove a member for good and ban it from applying again (issue 5). */
  LEAK_STRIKE_THRESHOLD: positiveInt.default(2),
  /**
   * What a post whose subject names no embargo (`[EMB-n]`) meets (issue 14): `refuse` (the
   * maintainers are told which tags exist), or `relay` it without terms, as to-do lists and
   * announcements may need.
   */
  UNTAGGED_POSTS: z.enum(['refuse', 'relay'], { error: 'must be refuse or relay' }).default('refuse'),
  /** Days the bytes of a finished inbound message are kept before they are erased; 0: kept for good. */
  INBOUND_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0)
    .default(14),
  /**
   * Seconds between the worker's looks for members that became eligible during an active embargo,
   * who are sent its earlier posts (README, "Catch-up").
   */
  CATCH_UP_SECONDS: positiveInt.max(86_400, 'must be at most 86400 (a day)').default(60),
  /**
   * Days after which a member confirms again that criteria 1–5 still hold (issue 6, "Watch it"),
   * counted from its last attestation or its joining; 0 turns re-attestation off.
   */
  REATTESTATION_DAYS: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be 0 (off) or more')
    .max(3650, 'must be at most 3650')
    .default(365),
  /** Days a member has, once asked to re-attest, before it is suspended until it does. */
  REATTESTATION_GRACE_DAYS: positiveInt.max(365, 'must be at most 365').default(30),
  /**
   * The maintainers hear what waits for them in one digest at most this often (issue 11); the
   * first item after a quiet spell goes at once.
   */
  MAINTAINER_DIGEST_MINUTES: positiveInt.max(10080, 'must be at most 10080 (a week)').default(60),
  /**
   * The project's own time zone (IANA name): report clocks count business days and calendar days
   * in it (issue 13), so a report that came in on a Friday evening there is due on the right day.
   */
  PROJECT_TIME_ZONE: z
    .string()
    .min(1)
    .max(64)
    .refine((zone) => isIanaZone(zone), 'must be an IANA time zone name, such as Europe/Berlin or UTC')
    .default('UTC'),
  /**
   * Holiday lists (date-holidays codes: DE, DE-BY, US-CA; comma-separated) a public moment should
   * not fall on, besides weekends, and that business-day counts skip (README, settings). Empty:
   * weekends only.
   */
  PUBLIC_HOLIDAYS: z
    .string()
    .max(500)
    .transform((value, ctx) => {
      const parsed = publicHolidayCodes(value);
      if ('codes' in parsed) return parsed.codes;
      ctx.addIssue({
        code: 'custom',
        message: `${parsed.unknown} is not a holiday list of date-holidays (such as DE, DE-BY, US-CA)`,
      });
      return z.NEVER;
    })
    .default([]),
  /** Business days, in PROJECT_TIME_ZONE, within which a vulnerability report is first acknowledged. */
  REPORT_ACK_BUSINESS_DAYS: positiveInt.max(60, 'must be at most 60').default(3),
  /** Days from a report's date to its fix target. */
  REPORT_FIX_DAYS: positiveInt.max(3650, 'must be at most 3650').default(60),
  /** Largest vulnerability report taken, attachments included, by the form or by mail. */
  REPORT_MAX_BYTES: positiveInt.default(10 * 1024 * 1024),
  /** Failed copies in a row after which a member is flagged as bouncing (issue 11). */
  BOUNCE_FLAG_THRESHOLD: positiveInt.default(3),
  /** Hours members have to answer a fire drill (issue 14). */
  DRILL_HOURS: positiveInt.max(720, 'must be at most 720 (30 days)').default(48),
  /** A test hook only (kill-point.ts): the point of a post's life at which the process kills itself. */
  CORDON_TEST_KILL_AT: z
    .string()
    .regex(KILL_AT_PATTERN, `must be one of ${KILL_POINTS.join(', ')}, optionally with :n (the n-th time)`)
    .optional(),
});

export type RawSettings = z.infer<typeof schema>;

export interface Settings extends RawSettings {
  /** Resolved absolute data directory. */
  dataDir: string;
  /** Base URL links in mail point to, without a trailing slash. */
  publicUrl: string;
  /** Sender of the service's own mail (the list's -owner address unless set). */
  outboundFrom: string;
  /** Where the 32-byte secret that encrypts the list key at rest and signs cookies lives. */
  secretKeyFile: string;
  /** Cookies get the Secure flag when the public URL is https. */
  secureCookies: boolean;
}

/** A bad setting stops start-up; the message is one line naming the setting. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(String(value).length > 60 ? `${String(value).slice(0, 57)}...` : String(value));
}

export function parseSettings(env: Record<string, string | undefined>, cwd: string): Settings {
  // An empty variable means "not set", as in most twelve-factor tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0]);
    // The value is shown only for settings that are not secrets.
    const shown = name === 'DATABASE_URL' || name === 'OUTBOUND_SMTP_URL' ? '' : ` (got ${describe(present[name])})`;
    throw new SettingsError(`Invalid setting ${name}: ${issue.message}${shown}`);
  }
  const raw = result.data;
  if (Boolean(raw.SMTP_TLS_CERT_FILE) !== Boolean(raw.SMTP_TLS_KEY_FILE)) {
    const missing = raw.SMTP_TLS_CERT_FILE ? 'SMTP_TLS_KEY_FILE' : 'SMTP_TLS_CERT_FILE';
    throw new SettingsError(`Invalid setting ${missing}: STARTTLS needs both SMTP_TLS_CERT_FILE and SMTP_TLS_KEY_FILE`);
  }
  const dataDir = resolve(cwd, raw.DATA_DIR);
  const publicUrl = (raw.PUBLIC_URL ?? `http://${hostForUrl(raw.HTTP_HOST)}:${raw.HTTP_PORT}`).replace(/\/+$/, '');
  const [local, domain] = raw.LIST_ADDRESS.split('@');
  return {
    ...raw,
    dataDir,
    publicUrl,
    outboundFrom: raw.OUTBOUND_FROM ?? `${local}-owner@${domain}`,
    secretKeyFile: raw.SECRET_KEY_FILE ? resolve(cwd, raw.SECRET_KEY_FILE) : join(dataDir, 'secret.key'),
    secureCookies: publicUrl.startsWith('https://'),
  };
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
