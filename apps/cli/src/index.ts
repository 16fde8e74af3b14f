export { type Config, ConfigError, configSchema, loadConfig } from './config.js';
export { datasetsFor } from './datasets.js';
export { activateBackend, buildEngine } from './setup.js';
