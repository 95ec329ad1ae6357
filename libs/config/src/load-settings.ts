import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseSettings, Settings } from './settings';

/**
 * Reads the settings from the environment and, when present, `.env` in the working directory.
 * Variables already set in the environment win over `.env`, as with dotenv.
 */
export function loadSettings(overrides: Record<string, string | undefined> = {}): Settings {
  const envFile = join(process.cwd(), '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseSettings({ ...process.env, ...overrides }, process.cwd());
}
