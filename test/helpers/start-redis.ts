import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and resolves once it has exited; the port stays this one's. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and resolves once it accepts connections. */
  start(): Promise<void>;
}

/**
 * The redis-server binary: `TRESTLE_REDIS_SERVER`, else Debian's `/usr/bin/redis-server`
 * (`.ci/run` installs the redis-server package), else `redis-server` on the PATH. Never a mock.
 */
function findRedisServer(): string {
  const given = process.env["TRESTLE_REDIS_SERVER"];
  if (given) return given;
  return existsSync("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
}

/** A free ephemeral port on 127.0.0.1 (redis-server cannot be told to pick one itself). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A real redis-server of its own for a test file, on 127.0.0.1 and a free port, persistence
 * off (`--save "" --appendonly no`); resolves once it says it accepts connections.
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn(
      findRedisServer(),
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--enable-debug-command", "local"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = started;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      started.stdout!.setEncoding("utf8").on("data", (text: string) => {
        output += text;
        if (output.includes("Ready to accept connections")) resolve();
      });
      started.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
      started.once("error", (error) =>
        reject(new Error(`redis-server could not start (apt-get install -y redis-server): ${error.message}`)),
      );
      started.once("exit", (code) => reject(new Error(`redis-server exited (${code}) before accepting connections: ${output}`)));
    });
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGTERM");
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
