import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ListMaintainers } from '@cordon/maintainers';
import { AdminUser, CurrentMaintainer } from './current-maintainer.decorator';
import { MaintainerSessionGuard } from './maintainer-session.guard';

/** Who may post to the list and run it; maintainers are added with `cordon maintainer add`. */
@ApiExcludeController()
@UseGuards(MaintainerSessionGuard)
@Controller('admin/maintainers')
export class AdminMaintainersController {
  constructor(private readonly listMaintainers: ListMaintainers) {}

  @Get()
  async list(@CurrentMaintainer() admin: AdminUser, @Res() res: Response) {
    res.render('admin/maintainers', { title: 'Maintainers', admin, maintainers: await this.listMaintainers.execute() });
  }
}
