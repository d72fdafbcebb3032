// The floor of the cache scenario: a bare node:http server that answers every POST
// /graphql with the same JSON, serialised once and held in memory. No parsing, no
// validation, no execution: what "served wholly from the cache" costs at best.
import { createServer } from "node:http";
import { buildExpectedAnswers } from "../../lib/api.mjs";

const scenario = process.env.BARE_JSON_QUERY ?? "user";
const body = Buffer.from(JSON.stringify(buildExpectedAnswers()[scenario]));
const port = Number(process.env.PORT ?? 4000);
createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/graphql-response+json; charset=utf-8", "content-length": body.length });
    response.end(body);
  });
}).listen(port, "127.0.0.1", () => console.log(`bare-json ready on http://127.0.0.1:${port}/graphql`));
