/**
 * A service as an operator runs it, for journeys: `cordon serve` started on an empty data
 * directory (it migrates and makes the list key, as a first `npm start` does), `cordon <command>`
 * run beside it from the operator's own directory, and the mail it writes under DATA_DIR/outbox
 * (no OUTBOUND_SMTP_URL) as it comes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MaintainerAccount, MAINTAINER_PASSWORD } from './admin-login';
import { eventually } from './eventually';
import { GpgHome } from './gpg';
import { mailTo, SentMail } from './mailbox';
import { freePort } from './ports';
import { cordon, emptyLocation, Location, Service, serviceEnv, startService } from './service';

export interface OperatedService {
  location: Location;
  url: string;
  service: Service;
  /** `cordon <args>` in the operator's directory, beside the running service; throws on exit ≠ 0. */
  cli(...args: string[]): Promise<string>;
  /** Puts a file in the operator's directory (a key for `--key`, say). */
  operatorFile(name: string, content: string): void;
  /** Every mail written to `address`, oldest first, once there are at least `atLeast`. */
  mailsTo(address: string, atLeast: number): Promise<SentMail[]>;
  /** Stops the service (SIGKILL) and removes the data directory, its database and the operator's directory. */
  remove(): Promise<void>;
}

/** Starts `cordon serve` on a fresh data directory, with `settings` over the test defaults, at PUBLIC_URL. */
export async function startOperatedService(settings: Record<string, string> = {}): Promise<OperatedService> {
  const location = await emptyLocation();
  const operator = mkdtempSync(join(tmpdir(), 'cordon-operator-'));
  const httpPort = await freePort();
  const url = `http://127.0.0.1:${httpPort}`;
  const env = serviceEnv(
    location,
    { httpPort, smtpPort: await freePort() },
    { LIST_ADDRESS: 'distributors@example.org', PUBLIC_URL: url, DELIVERY_POLL_MS: '200', ...settings },
  );
  const removeFiles = async () => {
    rmSync(operator, { recursive: true, force: true });
    await location.remove();
  };
  let service: Service;
  try {
    service = await startService(env, httpPort);
  } catch (error) {
    await removeFiles();
    throw error;
  }
  return {
    location,
    url,
    service,
    cli: async (...args) => {
      const done = await cordon(args, { cwd: operator, env });
      if (done.code !== 0) throw new Error(`cordon ${args.join(' ')} exited with ${done.code}: ${done.stderr}`);
      return done.stdout;
    },
    operatorFile: (name, content) => writeFileSync(join(operator, name), content),
    mailsTo: (address, atLeast) =>
      eventually(() => {
        const all = mailTo(location.dataDir, address);
        return all.length >= atLeast ? all : undefined;
      }),
    remove: async () => {
      await service.stop('SIGKILL');
      await removeFiles();
    },
  };
}

/**
 * A maintainer as the operator adds one (README, "Two commands"): its key made with GnuPG in
 * `gpg` (so that mail encrypted to it is read there), `cordon maintainer add` with the key file,
 * and the enrolment link it prints, for the first login.
 */
export async function maintainerByCli(
  cordon: OperatedService,
  gpg: GpgHome,
  person: { email: string; name: string },
): Promise<MaintainerAccount> {
  const fingerprint = await gpg.generateKey(person.email, { userId: `${person.name} <${person.email}>` });
  const keyFile = `${person.email}.asc`;
  cordon.operatorFile(keyFile, await gpg.exportPublic(fingerprint));
  const printed = await cordon.cli(
    'maintainer',
    'add',
    '--email',
    person.email,
    '--name',
    person.name,
    '--key',
    keyFile,
  );
  const enrolmentUrl = printed.trim();
  return {
    id: '',
    ...person,
    password: MAINTAINER_PASSWORD,
    fingerprint,
    enrolmentUrl,
    enrolPath: new URL(enrolmentUrl).pathname,
  };
}
