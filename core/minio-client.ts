// A MinIO (S3) client from the `minio` config section, for every process that reads or writes the
// artifacts bucket (the artifact-store writes it, the console reads it).
import http from 'node:http';
import https from 'node:https';
import { Client } from 'minio';
import type { MinioConfig } from './config-schema.ts';

export interface MinioClientOptions {
  /** A request whose connection stays silent this long fails (and is retried) instead of hanging. */
  stalledAfterMs: number;
}

export const defaultMinioClientOptions: MinioClientOptions = { stalledAfterMs: 30_000 };

/**
 * The minio client sets no timeout of its own: a frozen MinIO would hold a batch forever. Sockets
 * of this agent are closed after `stalledAfterMs` without traffic, which fails the request in
 * flight as a connection reset (a transient failure); idle pooled sockets just go.
 */
function agentClosingStalledSockets(useSSL: boolean, stalledAfterMs: number): http.Agent {
  const options = { keepAlive: true, timeout: stalledAfterMs };
  const agent = useSSL ? new https.Agent(options) : new http.Agent(options);
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (connectOptions, callback) => {
    const socket = createConnection(connectOptions, callback);
    socket?.on('timeout', () => socket.destroy());
    return socket;
  };
  return agent;
}

export function minioClientFromConfig(
  config: MinioConfig,
  options: MinioClientOptions = defaultMinioClientOptions,
): Client {
  const endpoint = new URL(config.endpoint);
  const useSSL = endpoint.protocol === 'https:';
  return new Client({
    endPoint: endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: endpoint.port === '' ? (useSSL ? 443 : 80) : Number(endpoint.port),
    useSSL,
    accessKey: config.access_key,
    secretKey: config.secret_key,
    region: config.region,
    // Object keys are paths under one bucket; path-style works for MinIO and S3 alike.
    pathStyle: true,
    transportAgent: agentClosingStalledSockets(useSSL, options.stalledAfterMs),
  });
}
