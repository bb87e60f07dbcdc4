/**
 * The link fits of a profile from its timed transfers. Pure: `calibrate` runs it on fresh
 * timings, `refitLinks` on a saved profile's raw samples (a fit rule changed, no device needed).
 */
import type { LinkFit } from '../../src/hardware/profile.js';
import { fitLink } from './fit.js';
import { describeFit, type FitRow } from './report.js';
import type { TransferSample } from './transfers.js';

const LINKS = ['h2d', 'h2d_mapped', 'd2h'] as const;

/** The fit report's row for a link: one line, or segments with the single line's holdout beside them. */
export function linkFitReport(link: string, fit: LinkFit, samples: number): FitRow {
  return {
    key: `link ${link}`,
    model: fit.segments ? `latency + bytes/bandwidth, ${fit.segments.length} segments by size` : 'latency + bytes/bandwidth',
    samples,
    r2: fit.r2!,
    r2_linear: NaN,
    holdout_error: fit.holdout_error ?? NaN,
    candidates: {
      ...(fit.line_holdout_error !== undefined ? { line: fit.line_holdout_error, segments: fit.holdout_error ?? NaN } : {}),
      ...(fit.line_cv_error !== undefined ? { line_cv: fit.line_cv_error } : {}),
      ...(fit.cv_error !== undefined ? { [fit.segments ? 'segments_cv' : 'line_cv']: fit.cv_error } : {}),
    },
    summary: describeFit(fit),
  };
}

/** Every link with two or more timed sizes, fitted from its medians and their spreads, and its report row. */
export function fitLinks(transfers: TransferSample[]): { links: Record<string, LinkFit>; rows: FitRow[] } {
  const links: Record<string, LinkFit> = {};
  const rows: FitRow[] = [];
  for (const link of LINKS) {
    const ss = transfers.filter((s) => s.link === link);
    if (ss.length < 2) continue;
    links[link] = fitLink(ss.map((s) => ({ bytes: s.bytes, seconds: s.median_s, spread: s.spread })));
    rows.push(linkFitReport(link, links[link]!, ss.length));
  }
  return { links, rows };
}

/**
 * `profile` with its links refitted from its own `transfers` and their fit-report rows replaced in
 * place (rows of links it had no row for appended); links without two timed sizes, their rows and
 * everything else as they were.
 */
export function refitLinks<P extends { transfers: TransferSample[]; links: Record<string, LinkFit>; fit_report: FitRow[] }>(profile: P): P {
  const { links, rows } = fitLinks(profile.transfers);
  const fresh = new Map(rows.map((r) => [r.key, r]));
  const report = profile.fit_report.map((r) => {
    const row = fresh.get(r.key);
    fresh.delete(r.key);
    return row ?? r;
  });
  return { ...profile, links: { ...profile.links, ...links }, fit_report: [...report, ...fresh.values()] };
}
