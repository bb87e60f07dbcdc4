/**
 * routing-lines: a plain MoE routing log, one line per (token, layer) with comma-separated expert
 * ids, L lines per token in layer order; a line listing every expert is a prefill line. -> moe rows
 * `request,token,layer,experts`: a token with a prefill line starts a new request (unless the
 * token before it was prefill too: a prompt spread over several steps), tokens are numbered from 0
 * within their request, experts are `|`-joined in the order logged. Blank lines and `#` comments
 * are skipped. Read twice when the expert count is not given (the first pass finds it).
 */
import { createReadStream, openSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from '../../errors.js';
import { writeTrace, type LineWriter } from './output.js';
import type { Importer } from './types.js';

async function* lines(file: string): AsyncGenerator<{ ids: number[]; line: number }> {
  // readline does not surface a stream's open error, so check the file can be opened first.
  try {
    closeSync(openSync(file, 'r'));
  } catch (e) {
    throw new InputError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  const stream = createReadStream(file, 'utf8');
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of rl) {
      n++;
      const text = raw.trim();
      if (text === '' || text.startsWith('#')) continue;
      const ids = text.split(',').map((p) => p.trim());
      const out: number[] = [];
      const seen = new Set<number>();
      for (const p of ids) {
        if (!/^\d+$/.test(p)) throw new InputError(`expected comma-separated expert ids (integers >= 0), got '${p.slice(0, 20)}'`, { file, line: n });
        const v = Number(p);
        if (seen.has(v)) throw new InputError(`expert ${v} listed twice`, { file, line: n });
        seen.add(v);
        out.push(v);
      }
      yield { ids: out, line: n };
    }
  } catch (e) {
    // A read error after the open (a directory: EISDIR) is the input's fault, not a bug.
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof InputError || code === undefined) throw e;
    throw new InputError(`cannot read (${code})`, { file });
  } finally {
    rl.close();
    stream.destroy();
  }
}

export const routingLines: Importer = {
  description: 'MoE routing log, one line of comma-separated expert ids per (token, layer) -> moe (needs --layers)',
  kinds: ['moe'],
  async run(file, opts) {
    const L = opts.layers;
    if (L === undefined || !(L >= 1)) throw new InputError('routing-lines needs --layers L (lines per token)');
    let E = opts.experts;
    if (E === undefined) {
      E = 0;
      for await (const { ids } of lines(file)) for (const v of ids) E = Math.max(E, v + 1);
    }
    const counts = await writeTrace(opts.out, async (w: LineWriter) => {
      w.write('request,token,layer,experts');
      let k = 0; // routing lines seen
      let request = -1;
      let token = 0;
      let pending: Array<{ ids: number[]; line: number }> = [];
      let prevPrefill = false;
      let rows = 0;
      let tokens = 0;
      const flushToken = () => {
        const prefill = pending.some((p) => p.ids.length === E);
        if (request < 0 || (prefill && !prevPrefill)) {
          request++;
          token = 0;
        }
        if (opts.limit !== undefined && request >= opts.limit) return false;
        pending.forEach((p, layer) => {
          w.write(`${request},${token},${layer},${p.ids.join('|')}`);
          rows++;
        });
        token++;
        tokens++;
        prevPrefill = prefill;
        pending = [];
        return true;
      };
      let lastLine = 0;
      let stopped = false; // --limit reached: the rest of the log is not read
      for await (const l of lines(file)) {
        lastLine = l.line;
        if (l.ids.some((v) => v >= E!)) throw new InputError(`expert id ${Math.max(...l.ids)} is not below --experts ${E}`, { file, line: l.line });
        pending.push(l);
        k++;
        if (pending.length === L && !flushToken()) {
          stopped = true;
          break;
        }
      }
      if (!stopped && pending.length > 0) {
        throw new InputError(`the log ends inside a token: ${k} routing lines is not a multiple of --layers ${L}`, { file, line: lastLine });
      }
      if (rows === 0) throw new InputError('no routing lines', { file });
      return { rows, tokens, requests: request + 1 };
    });
    return {
      format: 'routing-lines',
      kind: 'moe',
      rows: counts.rows,
      requests: counts.requests,
      out: opts.out,
      notes: [`${counts.tokens} tokens of ${L} layers; prefill = a line listing all ${E} experts; no weights (equal gate weights)`],
    };
  },
};
