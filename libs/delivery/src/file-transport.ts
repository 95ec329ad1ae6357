import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailTransport, OutgoingMail } from './mail-transport';

/**
 * Without an outbound relay, each message is written to `DATA_DIR/outbox/` as an `.eml` file for
 * the operator to pick up (docs/architecture.md, OUTBOUND_SMTP_URL). The content is already encrypted; the
 * directory and files are private all the same, since envelopes name the members.
 */
export class FileTransport extends MailTransport {
  constructor(private readonly directory: string) {
    super();
  }

  async deliver(mail: OutgoingMail): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await chmod(this.directory, 0o700);
    // Named by the queue row, not by the attempt: a retry after a crash rewrites the same file
    // instead of leaving a second copy. Written aside and renamed, so no reader sees half a file.
    const name = `${compactTimestamp(mail.createdAt)}-${mail.id}.eml`;
    const partial = join(this.directory, `.${name}.partial`);
    await writeFile(partial, mail.raw, { mode: 0o600 });
    await rename(partial, join(this.directory, name));
  }

  async close(): Promise<void> {}
}

/** 2025-11-23T10:15:30.123Z -> 20251123T101530.123Z: sorts by time, and is a valid file name everywhere. */
function compactTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '');
}
