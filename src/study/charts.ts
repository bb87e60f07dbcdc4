/**
 * Charts for studies: a line-chart spec builder (vega-lite, one line per series, optional facet
 * panels and labelled marks such as knees), and rendering a spec to SVG without a browser (vega's
 * headless View). chartBundle gives both as one Jupyter display bundle: a front end that runs
 * vega-lite draws the interactive chart, any other (a repository web page) shows the SVG.
 */
import { InputError } from '../errors.js';
import { importModule } from '../load-module.js';

/** The vega-lite MIME type Jupyter front ends render (JupyterLab, VS Code). */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';
/** The front ends bundle vega-lite 5; the specs built here use nothing newer. */
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

export type Spec = Record<string, unknown>;

export interface Mark {
  x: number;
  y: number;
  label: string;
  /** Values of the color / facet fields, so the mark lands in its series' panel. */
  [field: string]: unknown;
}

export interface LineSpecOptions {
  title: string;
  data: ReadonlyArray<Record<string, unknown>>;
  x: string;
  y: string;
  /** Series field: one line (and colour) per value. */
  color?: string;
  /** A second series field drawn as the dash pattern. */
  dash?: string;
  /** Facet field: one panel per value, side by side. */
  column?: string;
  /** Order of the panels. __Default value:__ sorted by value */
  columnOrder?: readonly string[];
  /** One y scale for all panels (else each panel fits its own). __Default value:__ false */
  sharedY?: boolean;
  xTitle?: string;
  yTitle?: string;
  xLog?: boolean;
  yLog?: boolean;
  /** Start the y axis at zero. __Default value:__ true (false on a log axis) */
  yZero?: boolean;
  /** Points to circle and label (knees, crossovers), with the same fields as the data. */
  marks?: readonly Mark[];
  /** Horizontal reference line. */
  yRule?: { y: number; label: string };
  /** Order of series in the legend and colours. */
  order?: readonly string[];
  width?: number;
  height?: number;
}

export function lineSpec(o: LineSpecOptions): Spec {
  if (o.data.length === 0) throw new InputError(`lineSpec '${o.title}': no data`);
  const scale = (log: boolean | undefined, zero: boolean) => (log ? { type: 'log' } : { zero });
  const x = { field: o.x, type: 'quantitative', title: o.xTitle ?? o.x, scale: scale(o.xLog, false) };
  const y = { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y, scale: scale(o.yLog, o.yZero ?? !o.yLog) };
  const color = o.color ? { field: o.color, type: 'nominal', title: null, ...(o.order ? { sort: o.order, scale: { domain: o.order } } : {}) } : undefined;
  const dash = o.dash ? { field: o.dash, type: 'nominal', title: null } : undefined;
  // Each layer with its own rows; faceting needs one data source, so there the rows are joined
  // and every layer filters its own back out by `_layer`.
  const layers: Array<{ kind: string; rows: ReadonlyArray<Record<string, unknown>>; spec: Spec }> = [
    {
      kind: 'line',
      rows: o.data,
      spec: { mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { x, y, ...(color ? { color } : {}), ...(dash ? { strokeDash: dash } : {}), tooltip: tooltip(o) } },
    },
  ];
  if (o.marks && o.marks.length > 0) {
    const at = { x: { ...x, field: 'x' }, y: { ...y, field: 'y' } };
    layers.push(
      { kind: 'mark', rows: o.marks, spec: { mark: { type: 'point', shape: 'circle', size: 220, filled: false, strokeWidth: 2, color: '#222' }, encoding: at } },
      { kind: 'label', rows: o.marks, spec: { mark: { type: 'text', align: 'left', dx: 9, dy: -9, fontSize: 11 }, encoding: { ...at, text: { field: 'label' } } } },
    );
  }
  if (o.yRule) {
    const at = { y: { ...y, field: 'y' } };
    layers.push(
      { kind: 'rule', rows: [o.yRule], spec: { mark: { type: 'rule', strokeDash: [4, 3], color: '#888' }, encoding: at } },
      { kind: 'rule-label', rows: [o.yRule], spec: { mark: { type: 'text', align: 'right', dy: -6, color: '#555', x: 'width' }, encoding: { ...at, text: { field: 'label' } } } },
    );
  }
  const size = { width: o.width ?? (o.column ? 300 : 560), height: o.height ?? 260 };
  const head = { $schema: SCHEMA, title: o.title, config: { font: 'DejaVu Sans, sans-serif', view: { stroke: '#ddd' }, legend: { orient: 'bottom', columns: 2, labelLimit: 320 } } };
  if (!o.column) return { ...head, ...size, layer: layers.map((l) => ({ data: { values: l.rows }, ...l.spec })) };
  // A reference line belongs in every panel: one copy per facet value.
  const panels = [...new Set(o.data.map((d) => d[o.column!]))];
  const column = o.column;
  const rows = layers.flatMap((l) =>
    l.kind.startsWith('rule') ? panels.flatMap((p) => l.rows.map((r) => ({ ...r, [column]: p, _layer: l.kind }))) : l.rows.map((r) => ({ ...r, _layer: l.kind })),
  );
  const inner = layers.map((l) => ({ transform: [{ filter: `datum._layer === '${l.kind}'` }], ...l.spec }));
  return {
    ...head,
    data: { values: rows },
    facet: { column: { field: o.column, type: 'nominal', title: null, ...(o.columnOrder ? { sort: o.columnOrder } : {}) } },
    spec: { ...size, layer: inner },
    resolve: { scale: { x: 'independent', y: o.sharedY ? 'shared' : 'independent' } },
  };
}

function tooltip(o: LineSpecOptions): Spec[] {
  const fields = [o.color, o.dash, o.column, o.x, o.y].filter((f): f is string => f !== undefined);
  return fields.map((f) => ({ field: f, type: f === o.x || f === o.y ? 'quantitative' : 'nominal' }));
}

/** The spec drawn by vega's headless renderer, as SVG text (no browser, no fonts needed). */
export async function chartSvg(spec: Spec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([importModule<typeof import('vega')>('vega'), importModule<typeof import('vega-lite')>('vega-lite')]);
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A Jupyter display bundle: the vega-lite spec, its SVG, and a text line for plain front ends. */
export async function chartBundle(spec: Spec): Promise<Record<string, unknown>> {
  return { [VEGALITE_MIME]: spec, 'image/svg+xml': await chartSvg(spec), 'text/plain': `[chart: ${String(spec.title ?? 'untitled')}]` };
}
