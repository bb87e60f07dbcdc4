/**
 * Reads a routing trace (file or generator) a window ahead of the simulation and groups rows into
 * requests and tokens. The simulator consumes tokens from the front; what lies buffered ahead is
 * the future that Belady and the oracle may see. Memory stays bounded by the window (plus, for
 * batched decode, the requests in the batch), so traces of any length replay.
 */
import type { MoeColumnSink, MoeRow } from '../../workloads/moe/types.js';

export interface TokenRec {
  req: RequestRec;
  /** Token index within its request (from the trace). */
  index: number;
  /** Position of this token in its request's buffer (for next-use lookups). */
  ordinal: number;
  /**
   * The token's rows as typed columns (a token's 32-odd row objects and their arrays, kept for
   * whole requests at batch > 1, were most of a replay's old-generation heap). Layer l's experts
   * are ex[ex[l], ex[l + 1]): the first L + 1 entries are offsets.
   */
  ex: Int32Array;
  /** Gate weights at the same indices as ex (NaN for a row that has none); null when no row has weights. */
  w: Float64Array | null;
  /** The trace's predicted experts, laid out as ex; null when no row has any. */
  pred: Int32Array | null;
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

/** A source that can hand rows over as cells instead of objects (the trace reader). */
interface ColumnSource {
  nextColumns(sink: MoeColumnSink): boolean;
}

/** Scratch columns of the token being read, grown as needed. */
class TokenScratch {
  ex = new Int32Array(256);
  w = new Float64Array(256);
  pred = new Int32Array(256);
  n = 0;
  np = 0;
  rows = 0;
  anyW = false;
  anyP = false;
  start(layers: number): void {
    this.n = this.np = layers + 1;
    this.rows = 0;
    this.anyW = this.anyP = false;
  }
  room(n: number, np: number): void {
    if (n > this.ex.length) {
      const ex = new Int32Array(2 * n);
      ex.set(this.ex);
      this.ex = ex;
      const w = new Float64Array(2 * n);
      w.set(this.w);
      this.w = w;
    }
    if (np > this.pred.length) {
      const pred = new Int32Array(2 * np);
      pred.set(this.pred);
      this.pred = pred;
    }
  }
}

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
  private readonly cols: ColumnSource | null;
  private readonly scratch = new TokenScratch();
  private readonly ints = new Slabs((n) => new Int32Array(n));
  private readonly floats = new Slabs((n) => new Float64Array(n));
  /** Set when a row finished a token or started a request (what want() in fillSync reads changed). */
  private changed = false;
  /** The sink a column source writes into: add() without a row object. */
  private readonly sink: MoeColumnSink = { row: (r, t, l, a, ex, s, e, w, p, ps, pe) => this.addCells(r, t, l, a, ex, s, e, w, p, ps, pe) };

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
      this.cols = typeof (this.it as Partial<ColumnSource>).nextColumns === 'function' ? (this.it as unknown as ColumnSource) : null;
    } else {
      this.cols = null;
      this.it = (source as AsyncIterable<MoeRow>)[Symbol.asyncIterator]();
      this.sync = false;
    }
  }

  /** Read rows while `want()` holds (sync sources only). */
  fillSync(want: () => boolean): void {
    const cols = this.cols;
    if (cols) {
      // want() reads the buffer's state, which only a finished token or a new request changes
      // (the flag), so it is asked again only then: the same stopping row as asking every row.
      this.changed = true;
      while (!this.eof) {
        if (this.changed) {
          this.changed = false;
          if (!want()) return;
        }
        if (!cols.nextColumns(this.sink)) this.finish();
      }
      return;
    }
    const it = this.it as Iterator<MoeRow>;
    this.changed = true;
    while (!this.eof) {
      if (this.changed) {
        this.changed = false;
        if (!want()) return;
      }
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
    const ex = row.experts;
    const p = row.predicted;
    this.addCells(row.request, row.token, row.layer, row.arrival_s, ex, 0, ex.length, row.weights ?? null, p ?? null, 0, p ? p.length : -1);
  }

  /** One row: `ex[s, e)` its experts, `w` their weights at the same indices, `p[ps, pe)` its predictions (pe < 0: none). */
  private addCells(request: number, token: number, layer: number, arrival: number | undefined, ex: ArrayLike<number>, s: number, e: number, w: ArrayLike<number> | null, p: ArrayLike<number> | null, ps: number, pe: number): void {
    this.rowsRead++;
    let req = this.current;
    if (!req || request !== req.id) {
      if (req) req.complete = true;
      req = {
        id: request,
        arrival: arrival ?? 0,
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
      this.changed = true;
    }
    const sc = this.scratch;
    let tok = this.building;
    if (!tok || layer === 0) {
      tok = { req, index: token, ordinal: req.base + req.tokens.length, ex: EMPTY_IDS, w: null, pred: null, prefill: false, synth: undefined };
      this.building = tok;
      sc.start(this.layers);
    }
    // Rows come in layer order 0..L-1 (the reader checks it), so row number = layer.
    const k = e - s;
    const np = pe > ps ? pe - ps : 0;
    sc.room(sc.n + k, sc.np + np);
    const r = sc.rows++;
    sc.ex[r] = sc.n;
    sc.pred[r] = sc.np;
    const o = sc.n;
    for (let i = 0; i < k; i++) sc.ex[o + i] = ex[s + i]!;
    if (w) {
      for (let i = 0; i < k; i++) sc.w[o + i] = w[s + i]!;
      sc.anyW = true;
    } else for (let i = 0; i < k; i++) sc.w[o + i] = NaN;
    sc.n += k;
    if (pe >= 0) {
      for (let i = 0; i < np; i++) sc.pred[sc.np + i] = p![ps + i]!;
      sc.np += np;
      sc.anyP = true;
    }
    if (k > this.topK) tok.prefill = true;
    if (req.occ) {
      const E = this.keys / this.layers;
      for (let i = s; i < e; i++) (req.occ[layer * E + ex[i]!] ??= []).push(tok.ordinal);
    }
    if (sc.rows === this.layers) {
      sc.ex[sc.rows] = sc.n;
      sc.pred[sc.rows] = sc.np;
      // Copied by loops: TypedArray#slice is a runtime call, several times slower here.
      tok.ex = this.ints.copy(sc.ex, sc.n);
      tok.w = sc.anyW ? this.floats.copy(sc.w, sc.n) : null;
      tok.pred = sc.anyP ? this.ints.copy(sc.pred, sc.np) : null;
      req.tokens.push(tok);
      this.tokensAhead++;
      this.building = null;
      this.changed = true;
      if (!tok.prefill && ++this.decodeRead >= this.maxTokens) this.finish();
    }
  }
}

const EMPTY_IDS = new Int32Array(0);

/**
 * Entries per slab. A token's columns are views into shared slabs: a typed array of its own
 * (97 Int32 entries for Mixtral, over V8's 64-byte limit for keeping a typed array's data on
 * its heap) costs a malloc and an ArrayBuffer extension the collector sweeps, per token
 * (docs/performance.md, "Twelfth pass"). A slab lives while any of its tokens does: small slabs
 * keep what a straggling token holds to 64 KiB (Int32) and 128 KiB (Float64).
 */
const SLAB = 1 << 14;

/** Copies of one kind of token column, as views into slabs filled in reading order. */
class Slabs<T extends Int32Array | Float64Array> {
  private slab: T;
  private pos = 0;

  constructor(private readonly make: (n: number) => T) {
    this.slab = make(SLAB);
  }

  copy(a: T, n: number): T {
    if (this.pos + n > this.slab.length) {
      this.slab = this.make(Math.max(SLAB, n));
      this.pos = 0;
    }
    const b = this.slab;
    const p = this.pos;
    for (let i = 0; i < n; i++) b[p + i] = a[i]!;
    this.pos = p + n;
    return b.subarray(p, p + n) as T;
  }
}
