// The StackContext handed to every service step.
import { existsSync } from 'node:fs';
import { execToCompletion } from './exec.ts';
import { readLayout, type StackLayout } from './layout.ts';
import { defaultPorts, offsetPorts, type StackPorts } from './ports.ts';
import { generateSecrets, loadOrCreateSecrets, secretsFile } from './secrets.ts';
import type { StackContext, StackPaths } from './service.ts';

export interface ContextOptions {
  paths: StackPaths;
  ports?: StackPorts;
  /** Default: what the state directory's stack.json says (one broker, one of each worker without it). */
  layout?: StackLayout;
  /**
   * `up` creates the secrets on first use. Read-only commands never write: without a secrets
   * file there is no stack, and throwaway credentials stand in (nothing can be running).
   */
  createSecrets: boolean;
  progress?(message: string): void;
}

export function createStackContext(options: ContextOptions): StackContext {
  const { paths } = options;
  const layout = options.layout ?? readLayout(paths.stateDir);
  const secrets =
    options.createSecrets || existsSync(secretsFile(paths.stateDir))
      ? loadOrCreateSecrets(paths.stateDir)
      : generateSecrets();
  return {
    paths,
    ports: options.ports ?? offsetPorts(defaultPorts, layout.portOffset ?? 0),
    layout,
    secrets,
    progress: options.progress ?? ((message) => process.stderr.write(`primoart: ${message}\n`)),
    exec: execToCompletion,
  };
}
