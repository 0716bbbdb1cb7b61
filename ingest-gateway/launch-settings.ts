// How the gateway's process must be started so that its memory comes back after a storm of large
// requests (issue 9: ~1 GB resident after hostile probes, and it stayed there). Only a launcher
// can give these: glibc reads MALLOC_* before any JavaScript runs, and V8 sizes an isolate's young
// generation when the isolate is created (v8.setFlagsFromString afterwards changes nothing).
// Every launcher uses them: the local stack (infra/stack/services/primoart-processes.ts), the
// systemd unit, the container image, the tests' processes and scripts/bench/gateway-memory.ts;
// test/unit/ingest-gateway/launch-settings.test.ts checks that the unit and the image agree.
// Measured with scripts/bench/gateway-memory.ts (figures in scripts/bench/README.md).

/** Node options placed before the script. */
export const gatewayNodeArgs: readonly string[] = [
  // Under a burst of large bodies V8 grows the young generation to its ceiling (two 64 MiB
  // semi-spaces on this machine) and keeps it: ~100 MiB resident for good. 16 MiB semi-spaces
  // cost more frequent (and shorter) scavenges.
  '--max-semi-space-size=16',
  // Lets the gateway run one full collection itself once a storm of large requests is over
  // (memory-settle.ts), instead of waiting for V8's memory reducer, which may wait more than a
  // minute on a busy machine (resident 245 MiB a minute after the soak test's storm in CI).
  '--expose-gc',
];

/** Environment variables for glibc's malloc. */
export const gatewayEnv: Readonly<Record<string, string>> = {
  // Every thread (libuv's pool for gzip/zstd, the OTLP decoder threads, V8's helpers) would get a
  // malloc arena of its own (up to 8 per core), each keeping the freed memory of the largest
  // request it served.
  MALLOC_ARENA_MAX: '2',
  // A fixed threshold: buffers of 64 KiB and more (every socket read, request bodies, decoded
  // payloads) are mapped on their own and unmapped when freed. By default the threshold starts at
  // 128 KiB and rises with every large free (up to 32 MiB), after which such buffers fragment the
  // heap and stay resident (a fixed 128 KiB still left 79 MiB of glibc heap and ~290 MiB resident
  // a minute after a storm; 64 KiB: 176 MiB). Small requests per second showed no difference
  // beyond this machine's noise.
  MALLOC_MMAP_THRESHOLD_: '65536',
};

/** The same settings as one NODE_OPTIONS value and environment, for launchers that cannot add arguments. */
export function gatewayLaunchEnv(existingNodeOptions = ''): Record<string, string> {
  return {
    ...gatewayEnv,
    NODE_OPTIONS: [existingNodeOptions, ...gatewayNodeArgs].filter((part) => part !== '').join(' '),
  };
}
