import { parseArgs } from 'node:util';
import { ControlApiError, createControlClient } from '@vigil/control-api';
import { COMMANDS, type Command, type CommandContext, UsageError } from './commands.ts';
import { resolveBootstrapToken, resolveToken } from './credentials.ts';

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
const DEFAULT_URL = 'http://127.0.0.1:9410';

const GLOBAL_USAGE = `Usage: ./vigil ctl [--url URL] [--token-file FILE] [--json] <noun> <verb> [args]

The control service's API from the shell (services/control; every call goes through /api/v1).

Nouns:
${Object.entries(COMMANDS)
  .map(
    ([noun, verbs]) =>
      `  ${noun.padEnd(10)} ${Object.keys(verbs).filter(Boolean).join(' | ') || (verbs['']?.summary ?? '')}`,
  )
  .join('\n')}

Options (before or after the noun):
  --url URL          the control service (VIGIL_CONTROL_URL, default ${DEFAULT_URL})
  --token-file FILE  read the bearer from FILE; otherwise VIGIL_TOKEN, then .vigil/ctl-token
                     in the repository, then ~/.config/vigil/token
  --json             print the API's JSON answer (one document) instead of a table
  -h, --help         this text; "<noun> --help" and "<noun> <verb> --help" say more

Exit status: 0 done, 1 the API refused (the code and message are printed), 2 usage.`;

function nounUsage(noun: string, verbs: Record<string, Command>): string {
  const lines = Object.values(verbs).map((c) => `  ./vigil ctl ${c.usage}\n      ${c.summary}`);
  return `Usage (${noun}):\n${lines.join('\n')}\n\nGlobal options: --url, --token-file, --json (./vigil ctl --help).`;
}

function commandUsage(command: Command): string {
  return `Usage: ./vigil ctl ${command.usage}\n\n${command.summary}.\nGlobal options: --url, --token-file, --json (./vigil ctl --help).`;
}

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const err = (text: string) => process.stderr.write(`ctl: ${text}\n`);
  let usage = GLOBAL_USAGE;
  try {
    const { lifted, rest: afterGlobal } = liftGlobalOptions(argv);
    const [noun, ...rest] = afterGlobal;
    if (noun === undefined || noun === 'help' || noun === '--help' || noun === '-h') {
      out(GLOBAL_USAGE);
      return noun === undefined ? EXIT.usage : EXIT.ok;
    }
    const verbs = COMMANDS[noun];
    if (!verbs) throw new UsageError(`no noun '${noun}'`);
    usage = nounUsage(noun, verbs);
    const single = verbs[''];
    const verb = single ? '' : rest[0];
    if (!single && (verb === undefined || verb === '--help' || verb === '-h')) {
      out(usage);
      return verb === undefined ? EXIT.usage : EXIT.ok;
    }
    const command = verbs[verb as string];
    if (!command) throw new UsageError(`no command '${noun} ${verb}'`);
    usage = commandUsage(command);
    const parsed = parseArgs({
      args: [...lifted, ...(single ? rest : rest.slice(1))],
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      out(usage);
      return EXIT.ok;
    }
    if (parsed.positionals.length !== command.positionals.length) {
      throw new UsageError(`expected ${command.positionals.join(' ') || 'no arguments'}`);
    }
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    const baseUrl = (values.url as string | undefined) ?? env.VIGIL_CONTROL_URL ?? DEFAULT_URL;
    const root = env.VIGIL_ROOT ?? process.cwd();
    const sources = { tokenFile: values['token-file'] as string | undefined, env, root };
    const credential = noun === 'bootstrap' ? undefined : resolveToken(sources);
    if (noun !== 'bootstrap' && credential === undefined) {
      throw new UsageError(
        'no token: set VIGIL_TOKEN, pass --token-file, or save one with `./vigil ctl bootstrap NAME --save`',
      );
    }
    const context: CommandContext = {
      client: createControlClient({ baseUrl, token: credential?.token }),
      clientWith: (token) => createControlClient({ baseUrl, token }),
      root,
      bootstrapToken: (file) => resolveBootstrapToken(sources, file),
      print: (json, text) => out(values.json ? JSON.stringify(json, null, 2) : text()),
    };
    await command.run(context, values, parsed.positionals);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err((error as Error).message);
      process.stderr.write(`\n${usage}\n`);
      return EXIT.usage;
    }
    if (error instanceof ControlApiError) {
      err(`${error.code}: ${error.message}`);
      return EXIT.failed;
    }
    err(
      error instanceof Error
        ? `${error.message}${error.cause ? ` (${(error.cause as Error).message})` : ''}`
        : String(error),
    );
    return EXIT.failed;
  }
}

/** Global options given before the noun, lifted out to be parsed with the verb's own. */
function liftGlobalOptions(argv: readonly string[]): { lifted: string[]; rest: string[] } {
  const rest = [...argv];
  const lifted: string[] = [];
  while (rest[0]?.startsWith('-') && rest[0] !== '--help' && rest[0] !== '-h') {
    const flag = rest.shift() as string;
    const spec = GLOBAL_OPTIONS[flag.replace(/^--/, '').split('=')[0] as keyof typeof GLOBAL_OPTIONS];
    if (!spec) throw new UsageError(`unknown option ${flag} before the noun`);
    lifted.push(flag);
    if (spec.type === 'string' && !flag.includes('=')) lifted.push(rest.shift() ?? '');
  }
  return { lifted, rest };
}

process.exitCode = await main(process.argv.slice(2));
