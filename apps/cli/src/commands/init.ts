import { Command } from 'commander';
import { loadSettings } from '@cordon/config';
import { initialise, openRuntime } from '@cordon/runtime';

export function initCommand(): Command {
  return new Command('init')
    .description(
      'Apply migrations, create the list key if there is none, publish policy v1; print the list key fingerprint. Safe to run twice.',
    )
    .action(async () => {
      const runtime = await openRuntime(loadSettings());
      try {
        const result = await initialise(runtime);
        for (const name of result.migrationsApplied) console.error(`applied migration ${name}`);
        if (result.listKeyCreated) console.error('created the list key');
        if (result.policyPublished) console.error('published Embargo Policy version 1');
        console.log(result.listKeyFingerprint);
      } finally {
        await runtime.database.close();
      }
    });
}
