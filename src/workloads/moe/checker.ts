/** The MoE trace's columns and its row checks, shared by the fast reader and the csv-parse one. */
import { has, int, intList, numList, optNum, rowError, type CsvRow } from '../csv.js';
import type { MoeRow } from './types.js';

export const MOE_COLUMNS = {
  required: ['request', 'token', 'layer', 'experts'],
  optional: ['weights', 'predicted', 'arrival_s'],
} as const;

export interface MoeReadOptions {
  /** The model's layer count (each token must list exactly this many layers). */
  layers?: number;
  /** The model's routed expert count (ids must be below it). */
  experts?: number;
  /** The model's top-k (checked against the expert count). */
  topK?: number;
}

/** Incremental validation state; one instance per file. */
export class TraceChecker {
  /** Layers per token: the model's, else learnt from the first token. */
  layers: number | undefined;
  readonly maxExpert: number | undefined;
  private request = -1;
  private token = -1;
  private layer = -1;
  private seen = new Set<number>();
  private hasArrivals: boolean | undefined;
  private lastArrival = -Infinity;

  constructor(opts: MoeReadOptions) {
    this.layers = opts.layers;
    this.maxExpert = opts.experts !== undefined ? opts.experts - 1 : undefined;
  }

  row(r: CsvRow): MoeRow {
    const request = int(r, 'request', { min: 0 });
    const token = int(r, 'token', { min: 0 });
    const layer = int(r, 'layer', { min: 0, max: this.layers !== undefined ? this.layers - 1 : undefined });
    const experts = this.expertList(r, 'experts');
    if (experts.length === 0) throw rowError(r, 'experts', 'expected at least one expert id');
    let weights: number[] | undefined;
    if (has(r, 'weights')) {
      weights = numList(r, 'weights', { min: 0 });
      if (weights.length !== experts.length) throw rowError(r, 'weights', `${weights.length} weights for ${experts.length} experts`);
      if (!(weights.reduce((a, b) => a + b, 0) > 0)) throw rowError(r, 'weights', 'weights sum to 0');
    }
    const predicted = has(r, 'predicted') ? this.expertList(r, 'predicted') : undefined;
    const arrival_s = optNum(r, 'arrival_s', { min: 0 });
    this.order(r, request, token, layer, arrival_s);
    // Every key always present (undefined when absent): one object shape for the consumers.
    return { request, token, layer, experts, weights, predicted, arrival_s };
  }

  /** The file must not stop inside a token. */
  end(r: CsvRow): void {
    if (this.layers !== undefined && this.layer !== this.layers - 1) {
      throw rowError(r, 'layer', `file ends inside token ${this.token} of request ${this.request}: layers 0..${this.layer} of ${this.layers}`);
    }
  }

  private expertList(r: CsvRow, field: string): number[] {
    const ids = intList(r, field, { min: 0, max: this.maxExpert });
    for (let i = 1; i < ids.length; i++) {
      if (ids.indexOf(ids[i]!) < i) throw rowError(r, field, `expert ${ids[i]} listed twice`);
    }
    return ids;
  }

  /** Order checks of a row whose fields passed (the fast reader calls this directly). */
  order(r: CsvRow, request: number, token: number, layer: number, arrival: number | undefined): void {
    const L = this.layers;
    if (request !== this.request) {
      if (this.request >= 0) this.tokenComplete(r, 'request');
      if (this.seen.has(request)) {
        throw rowError(r, 'request', `request ${request} appears again after other requests' rows (a request's rows must be contiguous)`);
      }
      if (layer !== 0) throw rowError(r, 'layer', `request ${request} starts at layer ${layer}, expected 0`);
      this.seen.add(request);
      if (this.hasArrivals === undefined) this.hasArrivals = arrival !== undefined;
      else if (this.hasArrivals !== (arrival !== undefined)) {
        throw rowError(r, 'arrival_s', this.hasArrivals ? `request ${request} has no arrival_s on its first row (earlier requests have one)` : `arrival_s on request ${request} but not on earlier requests`);
      }
      if (arrival !== undefined) {
        if (arrival < this.lastArrival) throw rowError(r, 'arrival_s', `arrival ${arrival} s is before the previous request's ${this.lastArrival} s (requests must be in arrival order)`);
        this.lastArrival = arrival;
      }
      this.request = request;
      this.token = token;
      this.layer = 0;
      return;
    }
    if (arrival !== undefined) throw rowError(r, 'arrival_s', `arrival_s only belongs on a request's first row`);
    if (token === this.token) {
      if (layer !== this.layer + 1) throw rowError(r, 'layer', `layer ${layer} follows layer ${this.layer} in token ${token} of request ${request} (expected ${this.layer + 1})`);
    } else if (token === this.token + 1) {
      this.tokenComplete(r, 'token');
      if (layer !== 0) throw rowError(r, 'layer', `token ${token} starts at layer ${layer}, expected 0`);
    } else {
      throw rowError(r, 'token', `token ${token} follows token ${this.token} of request ${request} (tokens must be consecutive)`);
    }
    this.token = token;
    this.layer = layer;
  }

  /** Called when a new token or request starts: the previous token must have had every layer. */
  private tokenComplete(r: CsvRow, field: string): void {
    if (this.layers === undefined) this.layers = this.layer + 1;
    else if (this.layer !== this.layers - 1) {
      throw rowError(r, field, `token ${this.token} of request ${this.request} ended after layer ${this.layer} of ${this.layers}`);
    }
  }
}
