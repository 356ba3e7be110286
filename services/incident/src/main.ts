import { orExit } from '@vigil/config';
import { connectRedis, runService } from '@vigil/service';
import { incidentEnv } from './config.ts';
import { IncidentHandler } from './handler.ts';
import { createIncidentMetrics } from './metrics.ts';
import { loadIncidentRules } from './rules.ts';
import { RedisIncidentStore } from './store.ts';

/** Wiring only: incident's clients and handler on the shared run loop (@vigil/service). */
await runService({
  name: 'incident',
  env: incidentEnv,
  async start({ config, logger, lifecycle, registry, topics, codecFor }) {
    // A bad rules file is a bad setting: every problem on stderr, exit 2.
    const rules = orExit(() => loadIncidentRules(config.INCIDENT_CONFIG));
    const redis = connectRedis(config.REDIS_URL, { logger, lifecycle });
    const store = new RedisIncidentStore(redis, {
      prefix: config.INCIDENT_REDIS_PREFIX,
      ttlMs: config.INCIDENT_STATE_TTL,
    });
    const codec = await codecFor({ [topics.incidents]: 'vigil.Incident', [topics.incidentsShadow]: 'vigil.Incident' });
    const metrics = createIncidentMetrics(registry, store);
    const settings = { rules, actionableAliases: new Set(config.INCIDENT_ACTIONABLE_ALIASES) };
    const handler = new IncidentHandler({ codec, store, topics, metrics, settings });
    const outputs = [topics.incidents, topics.incidentsShadow];
    return {
      inputs: [topics.alertsScored],
      handler,
      describe: { outputs, actionableAliases: config.INCIDENT_ACTIONABLE_ALIASES },
    };
  },
});
