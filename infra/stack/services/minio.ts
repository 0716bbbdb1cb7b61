// MinIO: the S3 object store for artifacts. Built from source with the Go module proxy (MinIO
// publishes no semver tags, so the pin is a pseudo-version of a commit).
import { goBinaryPath, installGoBinary } from '../../go/install-go-binary.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { stateLayout } from '../stack-paths.ts';
import { probeHttpOk } from './http-probe.ts';

const minioBinary = {
  name: 'minio',
  version: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  target: 'github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c',
} as const;

const apiUrl = (ctx: StackContext): string => `http://${host}:${ctx.ports.minio}`;

export const minio: ServiceDefinition = {
  name: 'minio',
  version: minioBinary.version,
  install: (ctx) => installGoBinary(ctx, minioBinary),
  launch: (ctx) => ({
    command: goBinaryPath(ctx.paths.cacheDir, minioBinary),
    args: [
      'server',
      stateLayout.dataDir(ctx.paths, 'minio'),
      '--address',
      `${host}:${ctx.ports.minio}`,
      '--console-address',
      `${host}:${ctx.ports.minioConsole}`,
    ],
    env: {
      MINIO_ROOT_USER: ctx.secrets.minioAccessKey,
      MINIO_ROOT_PASSWORD: ctx.secrets.minioSecretKey,
      // A CI/CD deployment sizes its buffer pool at 256 MiB instead of half the machine's memory.
      CI: 'true',
      // Otherwise MinIO asks dl.min.io for a newer release at every start.
      MINIO_UPDATE: 'off',
    },
  }),
  probe: (ctx) => probeHttpOk(`${apiUrl(ctx)}/minio/health/ready`),
  url: (ctx) => `${apiUrl(ctx)} (console http://${host}:${ctx.ports.minioConsole})`,
  env: (ctx) => ({
    PRIMOART_MINIO_URL: apiUrl(ctx),
    PRIMOART_MINIO_ACCESS_KEY: ctx.secrets.minioAccessKey,
    PRIMOART_MINIO_SECRET_KEY: ctx.secrets.minioSecretKey,
  }),
};
