import { createServer } from "node:http";
import { start } from "../../examples/node-http/server.js";
import { describeConformance } from "./conformance.js";
import { createDemoTrestle, listen, userIdFrom } from "./demo-trestle.js";

describeConformance("node:http: examples/node-http (trestle.handle with next)", {
  start: (demoApiUrl) => start(0, demoApiUrl),
  hostRoute: "/hello",
});

describeConformance("node:http: trestle.handle as the whole listener (404 itself outside its routes)", {
  start: async (demoApiUrl) => {
    const trestle = await createDemoTrestle(demoApiUrl, (request) => ({ userId: userIdFrom(request.headers.get("authorization")) }));
    return listen(
      createServer((req, res) => void trestle.handle(req, res)),
      trestle,
    );
  },
});
