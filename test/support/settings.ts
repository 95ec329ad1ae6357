import { parseSettings, Settings } from '@cordon/config';

/**
 * Settings for a test, as start-up would parse them (so defaults and validation are the real
 * ones), with the list at distributors@example.org. Never reads the environment.
 */
export function testSettings(overrides: { DATA_DIR: string } & Record<string, string | undefined>): Settings {
  return parseSettings({ LIST_ADDRESS: 'distributors@example.org', LOG_LEVEL: 'warn', ...overrides }, process.cwd());
}
