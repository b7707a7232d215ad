// templates/ as the published bundle carries it. In the source this is undefined, and
// templates.ts reads templates/ from disk; scripts/build.mjs replaces this module with a generated
// one holding every file's text and mode, each .hbs precompiled. Only the render path imports it,
// so --help and --version never load the templates.
import type { TemplateFile } from './templates.js';

export const EMBEDDED_TEMPLATES: readonly TemplateFile[] | undefined = undefined;
