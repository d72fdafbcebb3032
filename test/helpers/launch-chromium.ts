import { execFileSync } from "node:child_process";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

/**
 * Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing), or the
 * browser TRESTLE_CHROMIUM names. Playwright's own browser downloads are never used: the tests
 * run with no network.
 */
export function findChromium(): string {
  const named = process.env["TRESTLE_CHROMIUM"];
  if (named) return named;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("the browser tests need Chromium: `apt-get install chromium`, or set TRESTLE_CHROMIUM to a Chromium executable");
  }
}

/** Headless Chromium; as root (containers, CI) it cannot use its sandbox. */
export function launchChromium(): Promise<Browser> {
  const root = process.getuid?.() === 0;
  return chromium.launch({ executablePath: findChromium(), args: root ? ["--no-sandbox"] : [] });
}

/**
 * Closes the network to everything but 127.0.0.1: any other request (a CDN, a font service)
 * is aborted and listed in the returned array, which a test expects to stay empty.
 */
export async function closeNetwork(context: BrowserContext): Promise<string[]> {
  const blocked: string[] = [];
  await context.route("**", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    blocked.push(url.href);
    return route.abort("internetdisconnected");
  });
  return blocked;
}
