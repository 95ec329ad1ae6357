import { Command } from 'commander';
import { initialise } from '@cordon/runtime';
import { withRuntime } from '../context';

export function initCommand(): Command {
  return new Command('init')
    .description(
      'Apply migrations, create the list key if there is none, publish policy v1; print the list key fingerprint. Safe to run twice.',
    )
    .action(() =>
      withRuntime(async (runtime) => {
        const result = await initialise(runtime);
        for (const name of result.migrationsApplied) console.error(`applied migration ${name}`);
        if (result.listKeyCreated) console.error('created the list key');
        if (result.policyPublished) console.error('published Embargo Policy version 1');
        console.log(result.listKeyFingerprint);
      }),
    );
}
