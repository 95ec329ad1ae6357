import { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { SMTPServer, SMTPServerSession } from 'smtp-server';
import { listenFailure, SETTINGS, Settings } from '@cordon/config';
import { ingressOptions } from './ingress-options';
import { MailIntake } from './mail-intake';
import { SessionLimits } from './session-limits';
import { SmtpReply } from './smtp-reply';

/**
 * The list's SMTP (or LMTP) listener on SMTP_HOST:SMTP_PORT. It does not start itself: the
 * entry point that runs the relay role calls `start()`. Nest stops it with the app.
 */
@Injectable()
export class IngressServer implements OnModuleDestroy {
  private readonly logger = new Logger('ingress');
  private server?: SMTPServer;
  private limits?: SessionLimits;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly intake: MailIntake,
  ) {}

  /** Starts listening; resolves to the port bound (SMTP_PORT=0 picks a free one). */
  async start(): Promise<number> {
    if (this.server) throw new Error('The SMTP ingress is already started');
    const limits = new SessionLimits(this.settings, (session, refusal) => hangUp(server, session, refusal));
    const server = new SMTPServer({
      ...ingressOptions(this.settings),
      onConnect: (session, callback) => limits.admit(session, callback),
      onRcptTo: (address, session, reply) => this.intake.rcptTo(address, session, reply),
      onData: (stream, session, reply) => this.intake.data(stream, session, limits.watchData(stream, session, reply)),
      onClose: (session) => limits.release(session),
    });
    const { SMTP_HOST: host, SMTP_PORT: wanted } = this.settings;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, host, () => {
        server.off('error', reject);
        resolve((server.server.address() as AddressInfo).port);
      });
    }).catch((error: unknown) => {
      // A port in use or not ours to bind is the operator's to fix: one line, like a bad setting.
      throw listenFailure('SMTP', host, wanted, error);
    });
    // A client's socket error is the client's problem; unhandled, an 'error' event ends the process.
    server.on('error', (error) => this.logger.warn(`SMTP connection error: ${error.message}`));
    this.server = server;
    this.limits = limits;
    const protocol = this.settings.SMTP_LMTP === 'true' ? 'LMTP' : 'SMTP';
    const tls = this.settings.SMTP_TLS_CERT_FILE ? ', STARTTLS offered' : '';
    this.logger.log(`${protocol} ingress for ${this.settings.LIST_ADDRESS} on ${host}:${port}${tls}`);
    return port;
  }

  /** Stops accepting, lets open sessions finish (up to CLOSE_TIMEOUT_MS, then 421), frees the port. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.limits?.clear();
    this.limits = undefined;
  }

  /** Before onApplicationShutdown, where the database closes: a session storing a message finishes first. */
  onModuleDestroy(): Promise<void> {
    return this.stop();
  }
}

/** Sends the refusal (a 421, after which smtp-server closes) to the session, if it is still open. */
function hangUp(server: SMTPServer, session: SMTPServerSession, refusal: SmtpReply): void {
  for (const connection of server.connections) {
    if (connection.id === session.id) connection.send(refusal.responseCode, refusal.message);
  }
}
