import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { WaitingForMaintainers } from '@cordon/relay';
import { AdminUser, CurrentMaintainer, MaintainerSessionGuard } from './auth';

/**
 * The admin home: what waits for the maintainers, the same list as their digest mail (README
 * "What waits for the maintainers"), each item a link to where it is dealt with.
 */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin')
export class AdminHomeController {
  constructor(private readonly waiting: WaitingForMaintainers) {}

  @Get()
  async home(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    res.render('admin/home', { title: 'What waits for you', admin, items: await this.waiting.list() });
  }
}
