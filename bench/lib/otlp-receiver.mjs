// An OTLP/HTTP trace receiver for the telemetry bench and profiles: counts the spans it is sent
// (JSON or protobuf) without keeping them.
import { createServer } from "node:http";
import { getFreePort } from "./processes.mjs";

/** Each span of an OTLP/JSON export has one `"spanId":` (a parent's is `"parentSpanId":`). */
const spanIdKey = Buffer.from('"spanId":');

/** An OTLP/HTTP trace receiver (POST /v1/traces) that counts the spans it is sent, protobuf or JSON. */
export async function startOtlpReceiver() {
  const state = { spans: 0, requests: 0, encodings: new Set() };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const type = req.headers["content-type"] ?? "";
      state.requests++;
      if (type.includes("json")) {
        state.encodings.add("JSON");
        // Counted without parsing (a collector would be elsewhere: this process shares the machine).
        for (let at = body.indexOf(spanIdKey); at !== -1; at = body.indexOf(spanIdKey, at + spanIdKey.length)) state.spans++;
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else {
        state.encodings.add("protobuf");
        // ExportTraceServiceRequest: 1 resource_spans → 2 scope_spans → 2 spans.
        for (const resource of fields(body, 1)) for (const scope of fields(resource, 2)) state.spans += fields(scope, 2).length;
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      }
    });
  });
  const port = await getFreePort();
  await new Promise((done) => server.listen(port, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${port}`,
    get spans() {
      return state.spans;
    },
    get requests() {
      return state.requests;
    },
    encodings: state.encodings,
    close: () => server.close(),
  };
}

/** The length-delimited fields numbered `wanted` of a protobuf message (other fields skipped). */
function fields(buffer, wanted) {
  const found = [];
  let at = 0;
  const varint = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = buffer[at++];
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  while (at < buffer.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag % 8];
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (field === wanted) found.push(buffer.subarray(at, at + length));
      at += length;
    } else break;
  }
  return found;
}
