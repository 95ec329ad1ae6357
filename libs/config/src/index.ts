export { parseSettings, Settings, SettingsError } from './settings';
export { loadSettings } from './load-settings';
export { listenFailure } from './listen-failure';
export { ConfigModule, SETTINGS } from './config.module';
export { killPoint, KillPoint, KILL_POINTS } from './kill-point';
