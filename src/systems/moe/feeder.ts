/**
 * Reads a routing trace (file or generator) a window ahead of the simulation and groups rows into
 * requests and tokens. The simulator consumes tokens from the front; what lies buffered ahead is
 * the future that Belady and the oracle may see. Memory stays bounded by the window (plus, for
 * batched decode, the requests in the batch), so traces of any length replay.
 */
import type { MoeRow } from '../../workloads/moe/types.js';

export interface TokenRec {
  req: RequestRec;
  /** Token index within its request (from the trace). */
  index: number;
  /** Position of this token in its request's buffer (for next-use lookups). */
  ordinal: number;
  rows: MoeRow[];
  /** Some layer lists more experts than top-k. */
  prefill: boolean;
  /** Synthetic predictions per layer, made once and kept (common random numbers). */
  synth: number[][] | undefined;
}

export interface RequestRec {
  id: number;
  arrival: number;
  /** Buffered tokens; tokens[head] is the next to run. */
  tokens: TokenRec[];
  head: number;
  /** Ordinal of tokens[0] (tokens before it have been dropped). */
  base: number;
  /** All of its rows have been read. */
  complete: boolean;
  /** Last decode token done (previous-token prefetch), and when the last token finished. */
  lastDone: TokenRec | null;
  lastTime: number;
  /** Whether its first token has finished (for time to first token). */
  started: boolean;
  /** For requests.csv: admitted into the batch, first token done, decode tokens run, stall summed over them (s). */
  admittedAt: number;
  firstTokenAt: number;
  decoded: number;
  stall: number;
  /** Its first token finished while measuring (so all of it counts in the metrics). */
  measured: boolean;
  /** Belady: ordinals of tokens that use each key, and how far each list has been consumed. */
  occ: (number[] | undefined)[] | undefined;
  occHead: Int32Array | undefined;
}

type Source = Iterator<MoeRow> | AsyncIterator<MoeRow>;

export class Feeder {
  /** Requests read whose first row is buffered and that the simulator has not admitted yet. */
  readonly pending: RequestRec[] = [];
  /** Complete tokens buffered and not yet run, over all requests. */
  tokensAhead = 0;
  eof = false;
  /** Decode tokens read so far. */
  decodeRead = 0;
  /** Rows read so far. */
  rowsRead = 0;
  readonly sync: boolean;
  private readonly it: Source;
  private current: RequestRec | null = null;
  private building: TokenRec | null = null;

  constructor(
    source: Iterable<MoeRow> | AsyncIterable<MoeRow>,
    private readonly layers: number,
    private readonly topK: number,
    private readonly keys: number,
    private readonly trackUses: boolean,
    private readonly maxTokens = Infinity,
  ) {
    if (Symbol.iterator in source) {
      this.it = (source as Iterable<MoeRow>)[Symbol.iterator]();
      this.sync = true;
    } else {
      this.it = (source as AsyncIterable<MoeRow>)[Symbol.asyncIterator]();
      this.sync = false;
    }
  }

  /** Read rows while `want()` holds (sync sources only). */
  fillSync(want: () => boolean): void {
    const it = this.it as Iterator<MoeRow>;
    while (!this.eof && want()) {
      const r = it.next();
      if (r.done) this.finish();
      else this.add(r.value);
    }
  }

  async fill(want: () => boolean): Promise<void> {
    if (this.sync) return this.fillSync(want);
    const it = this.it as AsyncIterator<MoeRow>;
    while (!this.eof && want()) {
      const r = await it.next();
      if (r.done) this.finish();
      else this.add(r.value);
    }
  }

  /** The simulator took `t` to run. */
  consume(t: TokenRec): void {
    const req = t.req;
    // Forget it at once (only lastDone keeps the latest), so run rows die young for the GC.
    (req.tokens as (TokenRec | undefined)[])[req.head++] = undefined;
    this.tokensAhead--;
    // Drop run tokens in batches so the buffer does not grow with the request.
    if (req.head >= 64 && req.head * 2 >= req.tokens.length) {
      req.tokens = req.tokens.slice(req.head);
      req.base += req.head;
      req.head = 0;
    }
  }

  /** Bytes of the file read so far, for progress (sources that count them: a trace reader). */
  get bytesRead(): number {
    return (this.it as { bytesRead?: number }).bytesRead ?? 0;
  }

  /** Stop reading early: close the source (a file stream). */
  async close(): Promise<void> {
    await (this.it as AsyncIterator<MoeRow>).return?.();
  }

  private finish(): void {
    this.eof = true;
    if (this.current) this.current.complete = true;
    this.current = null;
    this.building = null;
  }

  private add(row: MoeRow): void {
    this.rowsRead++;
    let req = this.current;
    if (!req || row.request !== req.id) {
      if (req) req.complete = true;
      req = {
        id: row.request,
        arrival: row.arrival_s ?? 0,
        tokens: [],
        head: 0,
        base: 0,
        complete: false,
        lastDone: null,
        lastTime: NaN,
        started: false,
        admittedAt: NaN,
        firstTokenAt: NaN,
        decoded: 0,
        stall: 0,
        measured: false,
        // Set here, not added later, so every RequestRec has one shape.
        occ: this.trackUses ? new Array(this.keys) : undefined,
        occHead: this.trackUses ? new Int32Array(this.keys) : undefined,
      };
      this.current = req;
      this.pending.push(req);
      this.building = null;
    }
    let tok = this.building;
    if (!tok || row.layer === 0) {
      tok = { req, index: row.token, ordinal: req.base + req.tokens.length, rows: [], prefill: false, synth: undefined };
      this.building = tok;
    }
    tok.rows.push(row);
    if (row.experts.length > this.topK) tok.prefill = true;
    if (req.occ) {
      const E = this.keys / this.layers;
      for (const e of row.experts) (req.occ[row.layer * E + e] ??= []).push(tok.ordinal);
    }
    if (tok.rows.length === this.layers) {
      req.tokens.push(tok);
      this.tokensAhead++;
      this.building = null;
      if (!tok.prefill && ++this.decodeRead >= this.maxTokens) this.finish();
    }
  }
}
