/** What every report chart shares: its record shape and the vega-lite boilerplate. */

export interface Chart {
  id: string;
  title: string;
  /** One sentence under the chart saying what to read from it. */
  caption: string;
  spec: Record<string, unknown>;
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const WIDTH = 560;
/** Top-level fields of a chart spec: schema, title and a font resvg can find (DejaVu). */
export const base = (title: string) => ({ $schema: SCHEMA, title, config: { font: 'DejaVu Sans, sans-serif', view: { stroke: '#ddd' } } });
