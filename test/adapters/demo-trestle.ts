import type { Server } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createTrestle, type Trestle, type TrestleOptions } from "../../src/index.js";

/** The user id the test apps' auth reads from "Bearer user-N". */
export const userIdFrom = (authorization: string | null | undefined): string | undefined =>
  /^Bearer user-(\d+)$/.exec(authorization ?? "")?.[1];

/** The demo schema under /bff, as the examples configure it, for apps that mount Trestle the plain way. */
export function createDemoTrestle(demoApiUrl: string, context: NonNullable<TrestleOptions["context"]>): Promise<Trestle> {
  return createTrestle({
    schema: fileURLToPath(new URL("../../schema/", import.meta.url)),
    prefix: "/bff",
    logging: false,
    upstreams: { ml: { baseUrl: demoApiUrl, headers: [{ name: "x-user-id", value: "{context.userId}" }] } },
    context,
  });
}

/** Listens on an ephemeral port; returns the base URL and a close that drains Trestle first. */
export async function listen(server: Server, trestle: Trestle): Promise<{ url: string; close(): Promise<void> }> {
  if (!server.listening) {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      await trestle.close();
      await closed;
    },
  };
}
