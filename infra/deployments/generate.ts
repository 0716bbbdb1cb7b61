// `primoart deployments generate [--check]`: writes the deployment files that follow the process
// list (infra/stack/services/process-list.ts) — the generated regions of infra/compose.yaml,
// infra/container/primoart.yml and infra/compose.env.example, and whole files for the container
// Alertmanager and scrape configs and the systemd units. `--check` writes nothing and exits 1
// naming every stale file (test/unit/infra/deployments.test.ts does the same).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateAlertmanagerConfig,
  generateCompose,
  generateContainerConfig,
  generateEnvExample,
  generateScrapeConfig,
} from './compose.ts';
import { consoleUnit, gatewayUnit, targetUnit, workerTemplateUnit } from './systemd.ts';

export const repoDir = join(import.meta.dirname, '..', '..');

/** Every generated file by its path in the repository, with the content it must have. */
export function deploymentFiles(root = repoDir): Map<string, string> {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  // The container config first: compose passes each of its ${VAR}s to the project containers.
  const config = generateContainerConfig(read('infra/container/primoart.yml'));
  return new Map([
    ['infra/container/primoart.yml', config],
    ['infra/compose.yaml', generateCompose(root, read('infra/compose.yaml'), config)],
    ['infra/compose.env.example', generateEnvExample(read('infra/compose.env.example'))],
    ['infra/container/alertmanager.yml', generateAlertmanagerConfig(config)],
    ['infra/container/scrape.yml', generateScrapeConfig()],
    ['infra/systemd/primoart-gateway.service', gatewayUnit()],
    ['infra/systemd/primoart-console.service', consoleUnit()],
    ['infra/systemd/primoart-worker@.service', workerTemplateUnit()],
    ['infra/systemd/primoart.target', targetUnit()],
  ]);
}

/** The generated files whose checked-in content differs (or that are missing). */
export function staleDeploymentFiles(root = repoDir): string[] {
  const current = (path: string) => {
    try {
      return readFileSync(join(root, path), 'utf8');
    } catch {
      return undefined;
    }
  };
  return [...deploymentFiles(root)]
    .filter(([path, content]) => current(path) !== content)
    .map(([path]) => path);
}

export async function deploymentsGenerateCommand(args: string[]): Promise<number> {
  const check = args.includes('--check');
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length > 0) throw new Error(`deployments generate: unknown argument ${unknown.join(' ')}`);
  const stale = staleDeploymentFiles();
  if (check) {
    for (const path of stale)
      process.stderr.write(`stale: ${path} (run scripts/primoart deployments generate)\n`);
    return stale.length === 0 ? 0 : 1;
  }
  const files = deploymentFiles();
  for (const path of stale) {
    writeFileSync(join(repoDir, path), files.get(path) as string);
    process.stdout.write(`wrote ${path}\n`);
  }
  if (stale.length === 0) process.stdout.write('deployment files up to date\n');
  return 0;
}
