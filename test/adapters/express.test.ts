import { createServer, type IncomingMessage } from "node:http";
import express from "express";
import express4 from "express4";
import { trestleExpress } from "../../src/index.js";
import { start } from "../../examples/express/server.js";
import { describeConformance } from "./conformance.js";
import { createDemoTrestle, listen, userIdFrom } from "./demo-trestle.js";

type AuthedRequest = IncomingMessage & { userId?: string };
const auth = (req: AuthedRequest, _res: unknown, next: () => void) => {
  const userId = userIdFrom(req.headers.authorization);
  if (userId !== undefined) req.userId = userId;
  next();
};
const contextFromReq = (_request: Request, { req }: { req?: IncomingMessage }) => ({ userId: (req as AuthedRequest | undefined)?.userId });

describeConformance("Express 5: examples/express (express.json() first, trestleExpress)", {
  start: (demoApiUrl) => start(0, demoApiUrl),
  hostRoute: "/hello",
  passthroughBody: "reserialized",
});

describeConformance('Express 5: plain app.use("/bff", trestle.handle), mount path stripped from req.url, no body parser', {
  hostRoute: "/hello",
  start: async (demoApiUrl) => {
    const trestle = await createDemoTrestle(demoApiUrl, contextFromReq);
    const app = express();
    app.use(auth);
    app.get("/hello", (_req, res) => void res.json({ hello: "express 5" }));
    app.use("/bff", trestle.handle);
    return listen(createServer(app), trestle);
  },
});

describeConformance('Express 4: express.json() first, app.use("/bff", trestleExpress(trestle))', {
  hostRoute: "/hello",
  passthroughBody: "reserialized",
  start: async (demoApiUrl) => {
    const trestle = await createDemoTrestle(demoApiUrl, contextFromReq);
    const app = express4();
    app.use(auth);
    app.use(express4.json());
    app.get("/hello", (_req, res) => void res.json({ hello: "express 4" }));
    app.use("/bff", trestleExpress(trestle));
    return listen(createServer(app), trestle);
  },
});
