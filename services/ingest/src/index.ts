export { type IngestConfig, ingestEnv } from './config.ts';
export { type IngestDependencies, IngestHandler, type IngestSettings } from './handler.ts';
export { type Validation, type ValidationPolicy, validateTelemetry } from './validate.ts';
