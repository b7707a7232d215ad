// Renders the whole bundle (everything but the secret files) from a config: templates/ mirrors
// the generated tree, with [service] and [role] in a path expanded once per service or role.
import type { Config } from '../config/model.js';
import { compileTemplate, createRenderer } from './handlebars.js';
import { listTemplates, type TemplateFile } from './templates.js';
import { rolesIn, services, type Service } from './topology.js';
import { composeView, envFileView, roleConfigView } from './view.js';
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

interface Binding { service?: Service; role?: Service['role'] }

const PURPOSES: [RegExp, string][] = [
  [/^compose\.yaml$/, 'Compose file: the services, volumes, healthchecks and secrets'],
  [/^env\/.+\.env$/, 'Environment of one service (no secrets)'],
  [/^config\/[^/]+\/postgresql\.conf$/, 'postgresql.conf fragment the entrypoint includes'],
  [/^config\/[^/]+\/pg_hba\.conf$/, 'pg_hba.conf in force for that role'],
  [/^README\.md$/, 'How to start, verify, promote and extend this stack'],
  [/^\.gitignore$/, 'Keeps secrets/ out of git'],
  [/^entrypoint\/healthcheck\.sh$/, 'Container healthcheck'],
  [/^entrypoint\/entrypoint\.sh$/, 'Entrypoint: turns the stock image into a primary or replica'],
  [/^entrypoint\//, 'Entrypoint step'],
];

function purposeOf(path: string): string {
  return PURPOSES.find(([pattern]) => pattern.test(path))?.[1] ?? 'Bundle file';
}

function outputPath(template: TemplateFile, binding: Binding): string {
  let path = template.path.replace(/\.hbs$/, '').replace(/^_gitignore$/, '.gitignore');
  if (binding.service) path = path.replace('[service]', binding.service.name);
  if (binding.role) path = path.replace('[role]', binding.role);
  return path;
}

function bindings(template: TemplateFile, list: Service[]): Binding[] {
  if (template.path.includes('[service]')) return list.map((service) => ({ service }));
  if (template.path.includes('[role]')) return rolesIn(list).map((role) => ({ role }));
  return [{}];
}

function modeOf(path: string, template: TemplateFile): number {
  if (path.startsWith('env/')) return 0o600;
  return template.executable || path.endsWith('.sh') ? 0o755 : 0o644;
}

export function renderBundle(config: Config, toolVersion: string): RenderedFile[] {
  const hbs = createRenderer();
  const list = services(config);
  const views: Record<string, (b: Binding) => object> = {
    'compose.yaml.hbs': () => composeView(config, toolVersion),
    'env/[service].env.hbs': (b) => envFileView(config, b.service as Service),
    'config/[role]/postgresql.conf.hbs': (b) => roleConfigView(config, b.role as Service['role']),
    'config/[role]/pg_hba.conf.hbs': (b) => roleConfigView(config, b.role as Service['role']),
    'README.md.hbs': () => readmeView(config, toolVersion),
    '_gitignore.hbs': () => ({}),
  };

  return listTemplates().flatMap((template) =>
    bindings(template, list).map((binding): RenderedFile => {
      const path = outputPath(template, binding);
      const mode = modeOf(path, template);
      if (!template.path.endsWith('.hbs')) return { path, mode, content: template.source, purpose: purposeOf(path) };
      const view = views[template.path];
      if (view === undefined) throw new Error(`template ${template.path} has no view`);
      return { path, mode, content: compileTemplate(hbs, template.source)(view(binding)), purpose: purposeOf(path) };
    }),
  ).sort(byPath);
}
