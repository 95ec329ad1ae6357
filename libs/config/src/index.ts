export { parseSettings, Settings, SettingsError } from './settings';
export { loadSettings } from './load-settings';
export { ConfigModule, SETTINGS } from './config.module';
