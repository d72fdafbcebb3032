import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

/**
 * The Dockerfile and the Kubernetes example cannot be built or applied here (no container
 * runtime): their key lines are checked instead.
 */
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const instructions = (text: string) =>
  text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

describe("Dockerfile", () => {
  const lines = instructions(read("Dockerfile"));
  const runtime = lines.slice(lines.findIndex((line) => / AS runtime$/.test(line)));

  it("R11: builds on a current LTS slim image in two stages, runs non-root with production dependencies only", () => {
    expect(lines.filter((line) => line.startsWith("FROM "))).toEqual(["FROM node:22-slim AS build", "FROM node:22-slim AS runtime"]);
    expect(lines).toContain("RUN npm ci");
    expect(runtime).toContain("RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force");
    expect(runtime).toContain("COPY --from=build /app/dist ./dist");
    expect(runtime).toContain("ENV NODE_ENV=production");
    const user = runtime.find((line) => line.startsWith("USER "));
    expect(user).toBe("USER node");
    // Nothing after USER runs as root again.
    expect(runtime.slice(runtime.indexOf(user!)).some((line) => /^USER (root|0)\b/.test(line))).toBe(false);
  });

  it("R11: checks /healthz with Node's fetch (no curl in slim images) and serves on all interfaces", () => {
    const healthcheck = lines.find((line) => line.startsWith("HEALTHCHECK "));
    expect(healthcheck).toMatch(/CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:4000\/healthz'\)/);
    expect(healthcheck).not.toMatch(/curl|wget/);
    expect(lines).toContain('ENTRYPOINT ["node", "bin/trestle.js", "serve"]');
    expect(lines).toContain('CMD ["--schema", "schema/", "--host", "0.0.0.0", "--port", "4000"]');
  });

  it("R11: .dockerignore keeps local installs, builds and secrets out of the image context", () => {
    const ignored = instructions(read(".dockerignore"));
    for (const name of ["node_modules", "dist", ".git", ".env", ".env.*", "*.pem", "*.key", "test"]) expect(ignored).toContain(name);
  });
});

describe("deploy/kubernetes.yaml", () => {
  const documents = parseAllDocuments(read("deploy/kubernetes.yaml")).map((document) => document.toJS() as Record<string, never>);
  const deployment = documents.find((document) => document["kind"] === "Deployment") as unknown as {
    spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: Array<Record<string, unknown>> } } };
  };

  it("R12: readiness on /readyz, liveness on /healthz, a preStop pause before the drain, resources, Redis and the cursor secret", () => {
    expect(deployment).toBeDefined();
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0] as {
      args: string[];
      env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
      readinessProbe: { httpGet: { path: string } };
      livenessProbe: { httpGet: { path: string } };
      lifecycle: { preStop: { exec: { command: string[] } } };
      resources: { requests: Record<string, string>; limits: Record<string, string> };
    };
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.lifecycle.preStop.exec.command[0]).toBe("sleep");
    expect(Object.keys(container.resources.requests).sort()).toEqual(["cpu", "memory"]);
    expect(container.resources.limits["memory"]).toBeDefined();
    const env = new Map(container.env.map((variable) => [variable.name, variable]));
    expect(env.get("TRESTLE_REDIS_URL")?.value).toMatch(/^redis:\/\//);
    expect(env.get("TRESTLE_CURSOR_SECRET")?.valueFrom?.secretKeyRef).toEqual({ name: "trestle", key: "cursor-secret" });
    expect(env.get("TRESTLE_CURSOR_SECRET")?.value).toBeUndefined();
    // The pod is given longer than the pause plus the drain before Kubernetes kills it.
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    const drainMs = Number(container.args[container.args.indexOf("--drain-timeout") + 1]);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + drainMs);
  });
});
