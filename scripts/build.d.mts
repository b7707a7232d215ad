// Types of scripts/build.mjs, for the tests and the bench that call it.
import type { Metafile } from 'esbuild';

export declare const ROOT: string;
export declare const TEMPLATE_ROOT: string;
export declare const PRECOMPILE_OPTIONS: Readonly<{ strict: true; noEscape: true }>;
export declare const PRECOMPILE_HELPERS: Readonly<{ knownHelpers: Readonly<Record<string, true>>; knownHelpersOnly: true }>;
export declare function readTemplates(root?: string): { path: string; bytes: Buffer; mode: number }[];
export declare function templatesModuleSource(root?: string): string;
export declare function build(options?: { outdir?: string; minify?: boolean; templateRoot?: string }): Promise<{ outdir: string; metafile: Metafile }>;
export declare function outputsContaining(metafile: Metafile, outdir: string, packageName: string): string[];
export declare function externalImports(metafile: Metafile): string[];
export declare function isBuiltin(specifier: string): boolean;
