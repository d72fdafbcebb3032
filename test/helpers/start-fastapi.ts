import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const appFile = fileURLToPath(new URL("../fixtures/fastapi/app.py", import.meta.url));

export interface FastApiUpstream {
  url: string;
  close(): Promise<void>;
}

/**
 * The Python that has FastAPI and uvicorn: `TRESTLE_PYTHON`, else Debian's `/usr/bin/python3`
 * (`.ci/run` installs python3-fastapi and python3-uvicorn there), else `python3` on the PATH.
 * Throws, naming what to install, when none has them: never a mock in their place.
 */
export function findFastApiPython(): string {
  const candidates = [process.env["TRESTLE_PYTHON"], "/usr/bin/python3", "python3"].filter((c): c is string => Boolean(c));
  for (const python of candidates) {
    if (python.startsWith("/") && !existsSync(python)) continue;
    const probe = spawnSync(python, ["-c", "import fastapi, uvicorn"], { stdio: "ignore" });
    if (probe.status === 0) return python;
  }
  throw new Error("No Python with FastAPI and uvicorn: apt-get install -y python3-fastapi python3-uvicorn (or set TRESTLE_PYTHON)");
}

/**
 * Starts test/fixtures/fastapi/app.py with uvicorn on an ephemeral 127.0.0.1 port and resolves once it
 * listens. `env` reaches the app (e.g. `EXTRA_STAGES: "Archived"`).
 */
export async function startFastApi(env: Record<string, string> = {}): Promise<FastApiUpstream> {
  const child = spawn(findFastApiPython(), [appFile], {
    env: { ...process.env, ...env, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      const match = /PORT (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`FastAPI app exited (${code}) before listening: ${stderr}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  // uvicorn accepts once its server has started: wait for the first answer.
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${url}/openapi.json`);
      break;
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
