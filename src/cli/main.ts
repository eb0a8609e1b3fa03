import { EXIT_OK, EXIT_USAGE, KonduitError, errorMessage } from '../core/errors.js';
import { safeText } from '../core/mask.js';
import { commands, type CommandEntry } from './commands.js';

const VERSION = '0.1.0';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  const lines = commands.map((c) => `  konduit ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return [
    'konduit: LTV analytics, legacy-import tooling and a sandbox CRM for Konnektive / Checkout Champ',
    '',
    'Usage: konduit <command> [options]      (konduit <command> --help for a command\'s options)',
    '',
    'Commands:',
    ...lines,
    '',
    'Exit codes: 0 ok, 1 invalid input or failed check, 2 usage or environment error (a flag or value a',
    'command cannot take, an unknown connection, no store), 130 stopped with Ctrl-C; each command\'s --help',
    'says what they mean for it.',
  ].join('\n');
}

function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | null {
  let best: CommandEntry | null = null;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best ? { entry: best, rest: argv.slice(best.path.length) } : null;
}

/** Runs the CLI; the one place where errors become exit codes and messages. */
export async function main(argv: string[]): Promise<number> {
  // Every file Konduit creates (the store and its WAL, keys, state, import files with card data) is its
  // user's alone, whatever the shell's umask (docs/security.md).
  process.umask(process.umask() | 0o077);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${overview()}\n`);
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commands.filter((c) => c.path[0] === argv[0] && c.path.length > 1);
    const listing = (list: CommandEntry[]) => {
      const width = Math.max(...list.map((c) => c.path.join(' ').length));
      return list.map((c) => `  konduit ${c.path.join(' ').padEnd(width)}  ${c.summary}`).join('\n');
    };
    if (group.length > 0) {
      // A group alone (`konduit report`) or with a word it does not have: its commands, every one.
      const sub = argv[1];
      const names = group.map((c) => c.path[1]);
      const choices = `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
      if (sub === '--help' || sub === '-h') {
        process.stdout.write(`${listing(group)}\n\nkonduit ${argv[0]} <${names.join('|')}> --help shows one's options.\n`);
        return EXIT_OK;
      }
      const what = sub === undefined || sub.startsWith('-') ? `"konduit ${argv[0]}" needs one of: ${choices}` : `"konduit ${argv[0]}" has no "${safeText(sub)}": expected ${choices}`;
      process.stderr.write(`konduit: ${what}\n${listing(group)}\nhint: konduit ${argv[0]} ${names[0]} --help shows its options.\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`konduit: unknown command "${safeText(argv.join(' '))}"\n${listing(commands)}\nhint: konduit --help lists the commands.\n`);
    return EXIT_USAGE;
  }
  try {
    const mod = await found.entry.load();
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      process.stdout.write(`${mod.help.trimEnd()}\n`);
      return EXIT_OK;
    }
    return await mod.run(found.rest);
  } catch (err) {
    // Defence in depth: no password or card-like number leaves through an error message, and no control
    // character from a CRM's or a file's text drives the terminal.
    const msg = safeText(errorMessage(err), { keepNewlines: true });
    if (err instanceof KonduitError) {
      process.stderr.write(`konduit: ${msg}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return err.exitCode;
    }
    process.stderr.write(`konduit: unexpected error: ${msg}\n`);
    if (process.env.KONDUIT_DEBUG && err instanceof Error && err.stack) {
      process.stderr.write(`${safeText(err.stack, { keepNewlines: true })}\n`);
    }
    return EXIT_USAGE;
  }
}
