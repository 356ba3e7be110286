export { z } from 'zod';
export {
  booleanFromEnv,
  connectionEnv,
  durationFromEnv,
  durationFromFile,
  intFromEnv,
  LOG_LEVELS,
  listFromEnv,
  logLevelEnv,
  parseDurationMs,
} from './fields.ts';
export {
  type HttpConfig,
  type HttpDefaults,
  type HttpSettings,
  type HttpShape,
  httpEnv,
  httpSettings,
} from './http.ts';
export {
  type ConfigIssue,
  configInvalid,
  configIssues,
  loadConfigOrExit,
  orExit,
  type ParseOptions,
  parseConfig,
} from './parse.ts';
export {
  type StageConfig,
  type StageDefaults,
  type StageSettings,
  type StageShape,
  stageEnv,
  stageSettings,
} from './stage.ts';
