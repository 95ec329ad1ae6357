import { Inject, Injectable } from '@nestjs/common';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';

/**
 * What reporters and maintainers write about a report never lies in the database in the clear
 * (issue 13; docs/architecture.md, invariant 6): it is sealed with AES-256-GCM under a key derived
 * from the server secret, which is kept outside the database, and bound to the row that holds it,
 * so a sealed value moved to another row does not open there.
 */
@Injectable()
export class ReportSeal {
  constructor(@Inject(SERVER_SECRET) private readonly secret: ServerSecret) {}

  sealJson(value: unknown, rowId: string): Buffer {
    return this.secret.sealBytes(PURPOSE, Buffer.from(JSON.stringify(value), 'utf8'), rowId);
  }

  openJson<T>(sealed: Buffer, rowId: string): T {
    return JSON.parse(this.secret.openBytes(PURPOSE, sealed, rowId).toString('utf8')) as T;
  }

  sealBytes(bytes: Buffer, rowId: string): Buffer {
    return this.secret.sealBytes(PURPOSE, bytes, rowId);
  }

  openBytes(sealed: Buffer, rowId: string): Buffer {
    return this.secret.openBytes(PURPOSE, sealed, rowId);
  }
}

const PURPOSE = 'report';
