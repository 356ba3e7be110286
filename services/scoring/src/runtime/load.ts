/**
 * The verifying loader: a bundle becomes a ScienceModule only after every check of
 * docs/bundle-format.md passed.
 */
import { VigilError } from '@vigil/errors';
import type { InferenceSession } from 'onnxruntime-node';
import { type BundleSource, readBundle, sourceOf } from './bundle.ts';
import { compileCalibration } from './calibration.ts';
import { kindOf } from './elements/index.ts';
import { sessionOptions } from './elements/onnx.ts';
import { checkManifest, REFERENCE } from './manifest.ts';
import { type Element, type ReferenceStats, ScienceModule } from './module.ts';
import { compilePreprocess } from './preprocess.ts';

export interface LoadOptions {
  /** Most entities whose lag/diff history is kept; the least recently seen is dropped first. Default 100 000. */
  maxEntities?: number;
  /** Reproduce the manifest's selfTest, else refuse with VIGIL_BUNDLE_SELF_TEST. Default true. */
  selfTest?: boolean;
  /** Score a synthetic record of the training medians (reference.json); every element must score. Default true. */
  testInference?: boolean;
  /** Extra onnxruntime session options; one intra-op and one inter-op thread, sequential, always. */
  sessionOptions?: InferenceSession.SessionOptions;
}

export const DEFAULT_MAX_ENTITIES = 100_000;

/**
 * Loads a bundle (a directory, a `.zip`, or a BundleSource) and verifies it in the order of
 * docs/bundle-format.md: manifest, format, schema, file hashes, semantic checks, ONNX sessions,
 * selfTest, then a test inference. Refuses with a VigilError (VIGIL_BUNDLE_*) at the first failure.
 */
export async function loadModuleBundle(
  source: string | BundleSource,
  options: LoadOptions = {},
): Promise<ScienceModule> {
  const bundle = await readBundle(typeof source === 'string' ? await sourceOf(source) : source);
  const { manifest, columns } = checkManifest(bundle.manifest, `${bundle.manifest.module} manifest.json`);
  const pre = compilePreprocess(manifest.preprocess, manifest.inputs, columns);
  const context = {
    columns,
    columnIndex: pre.columnIndex,
    files: bundle.files,
    sessionOptions: sessionOptions(options.sessionOptions),
  };
  const elements: Element[] = [];
  const release = () => Promise.allSettled(elements.map((e) => e.evaluator.close()));
  try {
    for (const entry of manifest.elements) {
      const evaluator = await kindOf(entry).create(entry, context);
      elements.push({ entry, evaluator, calibrate: compileCalibration(entry.calibration) });
    }
  } catch (error) {
    await release();
    throw error;
  }
  const module = new ScienceModule(
    manifest,
    bundle.manifestSha256,
    pre,
    elements,
    options.maxEntities ?? DEFAULT_MAX_ENTITIES,
  );
  try {
    if (options.selfTest ?? true) await module.selfTest();
    if (options.testInference ?? true) await module.testInference(readReference(bundle.files, manifest.module));
  } catch (error) {
    await module.close().catch(() => undefined);
    throw error;
  }
  return module;
}

function readReference(files: ReadonlyMap<string, Uint8Array>, module: string): ReferenceStats {
  const bytes = files.get(REFERENCE);
  try {
    const json: unknown = JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));
    if (json === null || typeof json !== 'object') throw new Error('not an object');
    return json as ReferenceStats;
  } catch (cause) {
    throw new VigilError('VIGIL_BUNDLE_INVALID', `${module}: ${REFERENCE} is not a JSON object`, { cause, module });
  }
}
