import { Controller, Get, Redirect } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

@ApiExcludeController()
@Controller()
export class HomeController {
  /** The public face of the list is its application form. */
  @Get()
  @Redirect('/apply', 303)
  home(): void {}
}
