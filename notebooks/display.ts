/**
 * Display helpers shared by the servesim notebooks (tslab kernel). Each output goes out as one
 * Jupyter display bundle with several MIME types, so every front end picks what it can draw:
 * JupyterLab and VS Code render the vega-lite chart (interactive) or the markdown, a repository
 * web page that runs no JavaScript shows the SVG, a terminal shows the text.
 *
 * tslab's public `display` sends one MIME type per output; a bundle needs the kernel's display
 * writer, which tslab keeps in `tslab/dist/jupyter` (set while a cell runs). Outside a kernel
 * (e.g. the module imported by a script) everything falls back to console output.
 */
import * as jupyter from 'tslab/dist/jupyter';
import { chartBundle, type Spec } from '../dist/src/index.js';

type Bundle = Record<string, unknown>;

function send(bundle: Bundle, text: string): void {
  const write = (jupyter as unknown as { lastWriteDisplayData: ((d: unknown, update: boolean) => void) | null }).lastWriteDisplayData;
  if (write) write({ data: bundle, metadata: {}, transient: {} }, false);
  else console.log(text);
}

/** Draw a vega-lite spec inline (vega-lite for live front ends, SVG for static pages). */
export async function show(spec: Spec): Promise<void> {
  const bundle = await chartBundle(spec);
  send(bundle, String(bundle['text/plain']));
}

/** Render computed markdown (conclusions whose numbers come from the cell that writes them). */
export function markdown(md: string): void {
  send({ 'text/markdown': md, 'text/plain': md }, md);
}

/**
 * A claim the notebook's prose makes, checked against the numbers: prints it when it holds and
 * fails the cell (and so CI) when a model change makes it false, so prose cannot drift from data.
 */
export function check(holds: boolean, claim: string): void {
  if (!holds) {
    // Printed as well as thrown: tslab shows a thrown Error from the library's realm without its message.
    console.log(`✗ ${claim}`);
    throw new Error(`claim no longer supported by the numbers: ${claim}`);
  }
  console.log(`✓ ${claim}`);
}

/** A fraction as a percentage with the given decimals: pct(0.1234) = '12.3%'. */
export function pct(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}
