/** Turning yargs' usage messages into ones that name what is wrong. */

/**
 * yargs says "Not enough non-option arguments: got 0, need at least 1"; name the argument instead.
 * `commands` are the command strings (`run <scenario>`, `trace check <file>`).
 */
export function missingArgument(msg: string, args: readonly string[], commands: readonly string[]): string {
  if (!msg.startsWith('Not enough non-option arguments')) return msg;
  const words = args.filter((a) => !a.startsWith('-'));
  let best: { name: string; positionals: string[] } | undefined;
  for (const c of commands) {
    const parts = c.split(' ');
    const name = parts.filter((p) => !p.startsWith('<') && !p.startsWith('[')).join(' ');
    const n = name.split(' ').length;
    if (words.slice(0, n).join(' ') === name && (!best || n > best.name.split(' ').length)) {
      best = { name, positionals: parts.filter((p) => p.startsWith('<')).map((p) => p.slice(1, -1).replace(/\.\.$/, '')) };
    }
  }
  if (!best) return msg;
  const given = words.length - best.name.split(' ').length;
  const missing = best.positionals.slice(Math.max(0, given));
  if (missing.length === 0) return msg;
  return `${best.name}: missing argument <${missing[0]}>${missing.length > 1 ? ` (and ${missing.slice(1).map((m) => `<${m}>`).join(' ')})` : ''}`;
}
