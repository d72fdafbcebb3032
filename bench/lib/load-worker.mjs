// Runs one autocannon load in its own process (never in the runner's), and prints the
// summary as one JSON line on stdout.
//   node lib/load-worker.mjs '{"url":"http://127.0.0.1:4300/graphql","connections":10,"duration":10,...}'
import autocannon from "autocannon";

const options = JSON.parse(process.argv[2]);
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  method: options.method ?? "GET",
  headers: options.headers ?? {},
  body: options.body,
  expectBody: options.expectBody,
  // An open load: this many requests a second over all connections (undefined: as fast as answered).
  overallRate: options.overallRate,
  timeout: 10,
});
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    requestsTotal: result.requests.total,
    sent: result.requests.sent,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches ?? 0,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      mean: result.latency.mean,
      max: result.latency.max,
    },
    throughputBytesPerSecond: result.throughput.average,
    duration: result.duration,
  }) + "\n",
);
