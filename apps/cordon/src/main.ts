import './load-openpgp'; // first: see there
import 'reflect-metadata';
import { loadSettings } from '@cordon/config';
import { dataDirHolder, DataDirInUseError } from '@cordon/persistence';
import { runBesideService } from './cli/command-client';
import { failureText } from './cli/failure';

/**
 * `cordon` / `npm run cli -- <command>`: the operator's commands. Settings come from the environment.
 *
 * Before the commands and what they load (seconds of it), the settings are read, so that a bad
 * one is said at once. On the embedded database, a command finding a `cordon serve` running on
 * DATA_DIR has that service run it (README "CLI"); a second `serve` is refused at once.
 */
async function main(argv: string[]): Promise<void> {
  if (!asksForHelp(argv)) {
    const settings = loadSettings();
    if (!settings.DATABASE_URL) {
      if (argv[0] === 'serve') {
        const holder = dataDirHolder(settings.dataDir);
        if (holder !== undefined) throw new DataDirInUseError(settings.dataDir, holder);
      } else {
        const code = await runBesideService(settings.dataDir, argv);
        if (code !== undefined) {
          process.exitCode = code;
          return;
        }
      }
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { cordonProgram } = require('./cli/program') as typeof import('./cli/program');
  await cordonProgram().parseAsync(argv, { from: 'user' });
}

/** Help needs no settings: it is shown even when one is wrong. */
function asksForHelp(argv: string[]): boolean {
  return (
    argv.length === 0 || argv[0].startsWith('-') || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h')
  );
}

function debugging(): boolean {
  try {
    return ['debug', 'trace'].includes(loadSettings().LOG_LEVEL);
  } catch {
    return false;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const text = failureText(error, debugging());
  if (text) console.error(text);
  process.exit(1);
});
