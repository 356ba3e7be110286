import { connectionEnv, durationFromEnv, listFromEnv, stageEnv, z } from '@vigil/config';

/** Every incident setting; the README's options table lists the same names. */
export const incidentEnv = {
  ...stageEnv('INCIDENT', { metricsPort: 9404 }),
  REDIS_URL: connectionEnv.REDIS_URL,
  INCIDENT_CONFIG: z.string().optional(),
  INCIDENT_ACTIONABLE_ALIASES: listFromEnv
    .pipe(z.array(z.string()).min(1, 'name at least one alias'))
    .default(['published']),
  INCIDENT_REDIS_PREFIX: z.string().default('vigil:incident:'),
  INCIDENT_STATE_TTL: durationFromEnv.default(30 * 86_400_000),
} as const;

export type IncidentConfig = Readonly<z.infer<z.ZodObject<typeof incidentEnv>>>;
