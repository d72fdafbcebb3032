import { execFileSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

/**
 * Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing), or the
 * browser TRESTLE_CHROMIUM names. Playwright's own browser downloads are never used.
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

export interface OfflineChromium {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Headless Chromium with the network closed to everything but 127.0.0.1: every other request
 * goes to a proxy that refuses it. (Playwright's `route` cannot close it for the CORS tests:
 * while it intercepts, Playwright answers CORS preflights itself.) As root (containers, CI)
 * Chromium cannot use its sandbox.
 */
export async function launchOfflineChromium(): Promise<OfflineChromium> {
  const refuse = createServer((socket) => {
    socket.once("data", () => socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => refuse.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
    proxy: { server: `http://127.0.0.1:${(refuse.address() as AddressInfo).port}`, bypass: "127.0.0.1" },
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      await new Promise((resolve) => refuse.close(resolve));
    },
  };
}

/**
 * Every request the context's pages (and their workers) make to anywhere but 127.0.0.1, as
 * "METHOD url": a CDN script, a font service. A test expects the list to stay empty. (Chromium's
 * own background traffic, refused by the proxy as well, is not the page's and is not listed.)
 */
export function watchOffHost(context: BrowserContext): string[] {
  const offHost: string[] = [];
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "blob:" && url.protocol !== "data:" && url.hostname !== "127.0.0.1")
      offHost.push(`${request.method()} ${url.href}`);
  });
  return offHost;
}
