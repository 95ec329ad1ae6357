import { Logger } from '@nestjs/common';
import { Command, Option } from 'commander';
import { loadSettings } from '@cordon/config';
import { startService } from '../../service/compose-service';
import { SERVICE_ROLES, ServiceRole } from '../../service/service-role';
import { serveCommands } from '../command-server';

/**
 * `cordon serve [--role …]`: reads the options and hands them to the composition root
 * (service/compose-service.ts), with the command server that lets a CLI beside the service run its
 * commands there (README "CLI").
 */
export function serveCommand(program: () => Command): Command {
  return new Command('serve')
    .description('Run the service: web app, SMTP ingress and delivery worker (default), or one role')
    .addOption(new Option('--role <role>', 'what to run').choices(SERVICE_ROLES).default('all'))
    .action((opts: { role: ServiceRole }) =>
      startService(loadSettings(), {
        role: opts.role,
        commandsBeside: (runtime) => serveCommands(runtime, program, new Logger('cli')),
      }),
    );
}
