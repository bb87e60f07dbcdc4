/** Types of notebooks/run.mjs (a plain script so `npm run notebooks` needs no build of its own). */
export declare const NOTEBOOK_DIR: string;
export declare const ROOT: string;
export declare function notebookFiles(filters?: readonly string[]): string[];
export declare function kernelEnv(): NodeJS.ProcessEnv;
export declare function toolchain(): { ok: true; python: string } | { ok: false; reason: string };
export declare function ensureKernel(python: string): 'present' | 'installed';
export declare function executeNotebook(file: string, opts: { python: string; outDir?: string }): Promise<{ ok: boolean; seconds: number; output: string }>;
export declare function notebookText(nb: { cells: Array<{ cell_type: string; outputs?: unknown[] }> }): string[];
