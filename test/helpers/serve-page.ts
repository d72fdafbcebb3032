import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ServedPage {
  /** The page's origin, e.g. http://127.0.0.1:40123 (no trailing slash). */
  origin: string;
  close(): Promise<void>;
}

/** A tiny origin of its own on 127.0.0.1: `/` is `html`, every other path one of `scripts` (JavaScript), else 404. */
export async function servePage(html: string, scripts: Record<string, string> = {}): Promise<ServedPage> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/") return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    const script = scripts[path];
    if (script !== undefined) return void res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(script);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
