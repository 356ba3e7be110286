import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where the CLI finds its bearer, first match wins:
 *   --token-file FILE → VIGIL_TOKEN → <repo>/.vigil/ctl-token → ~/.config/vigil/token.
 * The repository's file is what `bootstrap --save` and `tokens create --save` write,
 * so a checkout's demo user needs no setup; the home file serves every checkout.
 */
export interface TokenSources {
  tokenFile?: string;
  env: Record<string, string | undefined>;
  /** The repository root (VIGIL_ROOT, set by ./vigil), or the working directory. */
  root: string;
}

export function repoTokenFile(root: string): string {
  return join(root, '.vigil', 'ctl-token');
}

export function homeTokenFile(): string {
  return join(homedir(), '.config', 'vigil', 'token');
}

function readToken(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

export function resolveToken(sources: TokenSources): { token: string; from: string } | undefined {
  if (sources.tokenFile !== undefined) {
    const token = readToken(sources.tokenFile);
    return token === undefined ? undefined : { token, from: sources.tokenFile };
  }
  const env = sources.env.VIGIL_TOKEN?.trim();
  if (env) return { token: env, from: 'VIGIL_TOKEN' };
  for (const file of [repoTokenFile(sources.root), homeTokenFile()]) {
    const token = readToken(file);
    if (token !== undefined) return { token, from: file };
  }
  return undefined;
}

/** The bootstrap token: VIGIL_BOOTSTRAP_TOKEN, or the file scripts/services.sh writes for the local control service. */
export function resolveBootstrapToken(sources: TokenSources, file: string | undefined): string | undefined {
  const env = sources.env.VIGIL_BOOTSTRAP_TOKEN?.trim();
  if (file === undefined && env) return env;
  return readToken(file ?? join(sources.root, '.vigil', 'control-bootstrap-token'));
}

/** Writes a token readable by its owner only. */
export function saveToken(file: string, token: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
