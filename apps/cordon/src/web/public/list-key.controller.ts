import { Controller, Get, Inject, Injectable, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey } from '@cordon/crypto';

/** Where the list's public key is published on the web, beside `<list>-sendkey@`. */
export const LIST_KEY_PATH = '/list-key.asc';

/** The list's public key and its fingerprint, for the pages that ask people to encrypt to it. */
@Injectable()
export class PublishedListKey {
  constructor(
    private readonly listKey: ListKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async fingerprint(): Promise<string | null> {
    return (await this.listKey.find())?.fingerprint ?? null;
  }

  /** `<list>-<role>@<domain>` for LIST_ADDRESS `<list>@<domain>` (as the relay's ListAddresses). */
  address(role: 'report' | 'sendkey'): string {
    const at = this.settings.LIST_ADDRESS.lastIndexOf('@');
    const [local, domain] = [this.settings.LIST_ADDRESS.slice(0, at), this.settings.LIST_ADDRESS.slice(at + 1)];
    return `${local}-${role}@${domain}`.toLowerCase();
  }
}

/**
 * The list's public key as a download (issue 13, "Intake": the form page publishes it), so that a
 * reporter can encrypt a report mailed to `<list>-report@`. Public, like `<list>-sendkey@`.
 */
@ApiExcludeController()
@Controller()
export class ListKeyController {
  constructor(
    private readonly listKey: ListKey,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get(LIST_KEY_PATH.slice(1))
  async download(@Res() res: Response): Promise<void> {
    const armored = await this.listKey.armoredPublicKey();
    const name = this.settings.LIST_ADDRESS.replace(/[^A-Za-z0-9._@-]/g, '_');
    res
      .status(200)
      .type('application/pgp-keys')
      .setHeader('Content-Disposition', `attachment; filename="${name}.asc"`)
      .send(armored);
  }
}
