/**
 * The entry of a module isolate (a worker thread or a child process): loads one
 * bundle with the runtime's verifying loader and scores the batches the host
 * sends, one at a time. Nothing here may take the service down: whatever goes
 * wrong stays in this isolate, and the host sees a message, a silence or an exit.
 */
import { parentPort } from 'node:worker_threads';
import { loadModuleBundle, type ModuleInfo, type ScienceModule } from '../runtime/index.ts';
import { verdictIndices } from '../score-bytes.ts';
import type { FaultKind } from './faults.ts';
import { injectFault } from './faults.ts';
import { decodeBatch, type FromIsolate, resultBuffers, scoredBatch, type ToIsolate } from './protocol.ts';

interface Channel {
  post(message: FromIsolate, transfer?: ArrayBuffer[]): void;
  listen(listener: (message: ToIsolate) => void): void;
}

function channel(): Channel {
  const port = parentPort;
  if (port) return { post: (m, transfer) => port.postMessage(m, transfer), listen: (l) => port.on('message', l) };
  const send = process.send?.bind(process);
  if (!send) throw new Error('isolate-main runs as a worker thread or a forked child process only');
  // An orphaned child (the service was killed) ends with its parent.
  process.on('disconnect', () => process.exit(0));
  return { post: (m) => send(m), listen: (l) => process.on('message', (m) => l(m as ToIsolate)) };
}

function codeOf(error: unknown, fallback: string): { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' && code.startsWith('VIGIL_') ? code : fallback,
    message: error instanceof Error ? error.message : String(error),
  };
}

const io = channel();
const verdictIndex = verdictIndices();
let module: ScienceModule | undefined;
let info: ModuleInfo | undefined;
let fault: FaultKind | null = null;

async function handle(message: ToIsolate): Promise<void> {
  switch (message.type) {
    case 'load':
      try {
        fault = message.fault;
        module = await loadModuleBundle(message.dir);
        info = module.info;
        io.post({ type: 'ready', info });
      } catch (error) {
        io.post({ type: 'load-failed', ...codeOf(error, 'VIGIL_SCORING_MODULE_LOAD_FAILED') });
      }
      return;
    case 'score':
      try {
        if (!module || !info) throw new Error('no module loaded');
        if (fault) await injectFault(fault);
        const results = scoredBatch(await module.scoreColumns(decodeBatch(message.batch)), info, verdictIndex);
        io.post({ type: 'scored', id: message.id, results }, resultBuffers(results));
      } catch (error) {
        io.post({ type: 'failed', id: message.id, ...codeOf(error, 'MODULE_ERROR') });
      }
      return;
    case 'export-history':
      io.post({ type: 'history', id: message.id, snapshot: module?.exportHistory() ?? null });
      return;
    case 'import-history':
      try {
        if (module && message.snapshot)
          module.importHistory(message.snapshot as Parameters<ScienceModule['importHistory']>[0]);
        io.post({ type: 'done', id: message.id });
      } catch (error) {
        io.post({ type: 'failed', id: message.id, ...codeOf(error, 'MODULE_ERROR') });
      }
      return;
    case 'close':
      await module?.close().catch(() => undefined);
      process.exit(0);
  }
}

io.listen((message) => void handle(message));
