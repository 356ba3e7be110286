import { runService } from '@vigil/service';
import { crossCheck, refName, scoringEnv } from './config.ts';
import { ScoringHandler } from './handler.ts';
import { createScoringMetrics } from './metrics.ts';
import { modelSetFromConfig } from './models.ts';

/**
 * Wiring only: the models (MLflow, cache, isolates) and the handler on the
 * shared run loop (@vigil/service). Close order (reverse of registration):
 * health server, consumer (stop fetching, drain, commit), producer, module isolates.
 */
await runService({
  name: 'scoring',
  env: scoringEnv,
  check: crossCheck,
  async start({ config, logger, lifecycle, registry, topics, codecFor }) {
    if (config.VIGIL_FAULT_INJECTION)
      logger.warn({ faults: Object.fromEntries(config.SCORING_FAULTS) }, 'FAULT INJECTION IS ON (test hook)');
    const metrics = createScoringMetrics(registry);
    const codec = await codecFor({ [topics.alertsScored]: 'vigil.ScoredAlert' });
    const models = modelSetFromConfig(config, { metrics, logger });
    lifecycle.onClose('module isolates', () => models.close());
    await models.start(logger);
    return {
      inputs: [topics.alertsEnriched],
      handler: new ScoringHandler({ codec, models, topics, metrics }),
      readiness: () => models.readiness(),
      describe: {
        output: topics.alertsScored,
        models: config.SCORING_MODELS.map(refName),
        isolation: config.SCORING_ISOLATION,
      },
    };
  },
});
