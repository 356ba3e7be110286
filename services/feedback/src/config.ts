import { connectionEnv, durationFromEnv, stageEnv, z } from '@vigil/config';

/** Every feedback setting; the README's options table lists the same names. */
export const feedbackEnv = {
  ...stageEnv('FEEDBACK', { metricsPort: 9405 }),
  REDIS_URL: connectionEnv.REDIS_URL,
  FEEDBACK_POLICY: z.string().optional(),
  FEEDBACK_REDIS_PREFIX: z.string().default('vigil:feedback:'),
  FEEDBACK_DEDUP_TTL: durationFromEnv.default(7 * 86_400_000),
} as const;

export type FeedbackConfig = Readonly<z.infer<z.ZodObject<typeof feedbackEnv>>>;
