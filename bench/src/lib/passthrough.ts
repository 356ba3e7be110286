import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceProcess } from '@vigil/test-kit';
import { type ScriptOptions, startScript } from './process.ts';

const WORKER = resolve(dirname(fileURLToPath(import.meta.url)), '../passthrough.ts');

/** Starts the passthrough worker (bench/src/passthrough.ts): the ceiling any stage can reach on this broker. */
export function startPassthrough(
  options: { input: string; output: string; groupId: string },
  script: ScriptOptions = {},
): ServiceProcess {
  return startScript(
    WORKER,
    {
      PASSTHROUGH_INPUT: options.input,
      PASSTHROUGH_OUTPUT: options.output,
      PASSTHROUGH_GROUP_ID: options.groupId,
    },
    script,
  );
}
