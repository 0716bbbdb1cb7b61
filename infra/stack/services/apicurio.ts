// Apicurio Registry 3.x from Maven Central: the stack's Confluent-compatible schema registry.
// Its storage is the `apicurio` database of the stack's PostgreSQL, so schema ids survive
// restarts (the default in-memory H2 would restart ids at 1 and mis-decode old messages).
import { join } from 'node:path';
import { compatibilityLevel, setGlobalCompatibility } from '../../../topics/registry.ts';
import { fetchWithMaven, installOnce, pomProperty, requireJava } from '../maven-fetch.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { repositoryDir } from '../stack-paths.ts';

const pomFile = join(repositoryDir(), 'infra', 'apicurio', 'pom.xml');
const version = pomProperty(pomFile, 'apicurio.version');

const appDir = (ctx: StackContext) => join(ctx.paths.cacheDir, 'apicurio', version);
export const ccompatUrl = (ctx: StackContext) => `http://${host}:${ctx.ports.registry}/apis/ccompat/v7`;

async function answers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  await response.body?.cancel();
  return response.status === 200;
}

export const apicurio: ServiceDefinition = {
  name: 'registry',
  version,
  dependsOn: ['postgres'],
  async install(ctx) {
    await installOnce(appDir(ctx), async (scratch) => {
      ctx.progress(`registry: fetching Apicurio Registry ${version} from Maven Central (once)`);
      await requireJava(ctx);
      await fetchWithMaven(ctx, pomFile, 'copy', scratch);
      const archive = join(scratch, `apicurio-registry-app-${version}-all.tar.gz`);
      await ctx.exec('tar', ['-xzf', archive, '-C', scratch]);
      await ctx.exec('rm', ['-f', archive]);
    });
  },
  launch(ctx) {
    const { ports, secrets } = ctx;
    return {
      command: 'java',
      args: [
        '-Xmx384m',
        '-Xms128m',
        '-Djava.awt.headless=true',
        '-jar',
        join(appDir(ctx), `apicurio-registry-app-${version}-runner.jar`),
      ],
      env: {
        QUARKUS_HTTP_HOST: host,
        QUARKUS_HTTP_PORT: String(ports.registry),
        // 3.0.x serves health on the HTTP port; from 3.1 on a management interface does, on
        // 9000 by default (MinIO's). Moved now so that an upgrade cannot collide.
        QUARKUS_MANAGEMENT_HOST: host,
        QUARKUS_MANAGEMENT_PORT: String(ports.registryManagement),
        APICURIO_STORAGE_KIND: 'sql',
        APICURIO_STORAGE_SQL_KIND: 'postgresql',
        APICURIO_DATASOURCE_URL: `jdbc:postgresql://${host}:${ports.postgres}/apicurio`,
        APICURIO_DATASOURCE_USERNAME: 'primoart',
        APICURIO_DATASOURCE_PASSWORD: secrets.postgresPassword,
        // The shipped pool keeps 20 connections open; a local stack needs few.
        APICURIO_DATASOURCE_JDBC_INITIAL_SIZE: '2',
        APICURIO_DATASOURCE_JDBC_MIN_SIZE: '2',
        APICURIO_DATASOURCE_JDBC_MAX_SIZE: '20',
      },
    };
  },
  async probe(ctx) {
    return (
      (await answers200(`http://${host}:${ctx.ports.registry}/health/ready`)) &&
      (await answers200(`${ccompatUrl(ctx)}/subjects`))
    );
  },
  async afterStart(ctx) {
    // Apicurio starts at NONE; `primoart schemas register` sets it too (deployments without this runner).
    await setGlobalCompatibility(ccompatUrl(ctx), compatibilityLevel);
  },
  env(ctx) {
    return { PRIMOART_REGISTRY_URL: ccompatUrl(ctx) };
  },
  url: ccompatUrl,
  startTimeoutMs: 180_000,
};
