// Renders the whole bundle (everything but the secret files) from a config: templates/ mirrors
// the generated tree, with [service] in a path expanded once per service.
import type { Config } from '../config/model.js';
import { compileTemplate, createRenderer } from './handlebars.js';
import { listTemplates, type TemplateFile } from './templates.js';
import { services, type Service } from './topology.js';
import { composeView, configView, envFileView } from './view.js';
import { readmeView } from './readme-view.js';

// Plain code-unit order: deterministic everywhere, and it spares the CLI ICU's collator set-up
// (localeCompare's first call costs milliseconds of a ~50 ms cold start).
export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export interface RenderedFile {
  path: string;
  mode: number;
  content: string;
  purpose: string;
}

interface Binding { service?: Service }

interface TemplateEntry {
  /** Path in templates/; one ending in "/" covers every file below it. */
  template: string;
  /** The data a .hbs template sees; none for a file copied byte for byte. */
  view?: (config: Config, binding: Binding, toolVersion: string) => object;
  /** What the file is for (--json's plan). */
  purpose: string;
  /** The file's mode in the bundle. */
  mode: number;
  /** Rendered only when this holds; always when absent. */
  when?: (list: readonly Service[]) => boolean;
}

// Every file of templates/, once: how it is rendered, what it is for, its mode. The first entry
// that matches a path wins; a file no entry covers is a bug, reported when rendering.
const TEMPLATES: readonly TemplateEntry[] = [
  { template: 'compose.yaml.hbs', view: (config, _, version) => composeView(config, version), purpose: 'Compose file: the services, volumes, healthchecks and secrets', mode: 0o644 },
  { template: 'env/[service].env.hbs', view: (config, b) => envFileView(config, b.service as Service), purpose: 'Environment of one service (no secrets)', mode: 0o600 },
  { template: 'config/postgresql.conf.hbs', view: (config) => configView(config), purpose: 'postgresql.conf fragment the entrypoint includes (every node)', mode: 0o644 },
  { template: 'config/pg_hba.conf.hbs', view: (config) => configView(config), purpose: 'pg_hba.conf in force (every node)', mode: 0o644 },
  { template: 'README.md.hbs', view: (config, _, version) => readmeView(config, version), purpose: 'How to start, verify, promote and extend this stack', mode: 0o644 },
  // The folder of the user's init scripts: the tool writes only its README, so --check and --force
  // never touch a script (they compare and write planned files only). Bundles with a primary only.
  { template: 'initdb.d/README.md', purpose: 'initdb.d/: your init scripts, run once on a new primary cluster', mode: 0o644, when: (list) => list.some((s) => s.role === 'primary') },
  { template: '_gitignore.hbs', view: () => ({}), purpose: 'Keeps secrets/ out of git', mode: 0o644 },
  { template: 'entrypoint/entrypoint.sh', purpose: 'Entrypoint: turns the stock image into a primary or replica', mode: 0o755 },
  { template: 'entrypoint/healthcheck.sh', purpose: 'Container healthcheck', mode: 0o755 },
  // Every file under entrypoint/ is a bash script the entrypoint runs or sources.
  { template: 'entrypoint/', purpose: 'Entrypoint step', mode: 0o755 },
];

function entryFor(template: TemplateFile): TemplateEntry {
  const entry = TEMPLATES.find((e) => e.template === template.path || (e.template.endsWith('/') && template.path.startsWith(e.template)));
  if (entry === undefined) throw new Error(`templates/${template.path} has no entry in the template registry (src/render/bundle.ts)`);
  if (template.path.endsWith('.hbs') !== (entry.view !== undefined)) throw new Error(`templates/${template.path}: a .hbs template needs a view, a copied file has none`);
  return entry;
}

function outputPath(template: TemplateFile, binding: Binding): string {
  let path = template.path.replace(/\.hbs$/, '').replace(/^_gitignore$/, '.gitignore');
  if (binding.service) path = path.replace('[service]', binding.service.name);
  return path;
}

function bindings(template: TemplateFile, list: Service[]): Binding[] {
  if (template.path.includes('[service]')) return list.map((service) => ({ service }));
  return [{}];
}

export function renderBundle(config: Config, toolVersion: string): RenderedFile[] {
  const hbs = createRenderer();
  const list = services(config);
  return listTemplates().flatMap((template) => {
    const { view, purpose, mode, when } = entryFor(template);
    if (when !== undefined && !when(list)) return [];
    const compiled = view === undefined ? undefined : compileTemplate(hbs, template.source);
    return bindings(template, list).map((binding): RenderedFile => ({
      path: outputPath(template, binding),
      mode,
      content: compiled === undefined || view === undefined ? template.source : compiled(view(config, binding, toolVersion)),
      purpose,
    }));
  }).sort(byPath);
}
